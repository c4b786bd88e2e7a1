"""Reading the YAML files users write (fits, datasets, model files): safely, strictly, with the file
named in every error.

``read_yaml`` is ``yaml.safe_load`` (nothing in a file is evaluated) with three differences:

- floats as YAML 1.2 and every user writes them: PyYAML follows YAML 1.1, where ``1e-9`` and
  ``1e308`` (no dot, or no sign in the exponent) are strings; here they are floats;
- a key repeated in one mapping is an error (PyYAML silently keeps the last value); merge keys
  (``<<: *anchor``) work as in PyYAML: the mapping's own keys override the merged ones;
- an unreadable, binary or malformed file is a ``YAMLFileError`` (a ValueError) naming the file,
  and where known the line: a duplicate or unhashable key (``{[a]: 1}``), an invalid date, an
  integer of more than 4000 digits, lists or mappings nested more than 100 levels deep.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

# YAML 1.2 core-schema floats (and PyYAML's 1.1 forms, so nothing read before changes meaning)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class YAMLFileError(ValueError):
    """A YAML file that cannot be read; the message names the file (and the line where known)."""


#: Deepest nesting of lists and mappings read (the YAML scanner slows quadratically with depth)
MAX_NESTING = 100
#: Largest integer magnitude read (Python refuses to print integers of more than 4300 digits)
MAX_INT_DIGITS = 4000
_INT_CAP = 10**MAX_INT_DIGITS
_MERGE = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats, and duplicate keys, unhashable keys and huge integers refused."""

    def _error(self, problem: str, node) -> yaml.constructor.ConstructorError:
        return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)

    def _check_nesting(self) -> None:
        if self.flow_level + len(self.indents) >= MAX_NESTING:
            mark = self.get_mark()
            raise yaml.scanner.ScannerError(
                None, None, f"lists or mappings nested more than {MAX_NESTING} levels deep on line {mark.line + 1}; "
                f"allowed: at most {MAX_NESTING}", mark
            )

    def fetch_flow_collection_start(self, TokenClass):  # [ or {
        self._check_nesting()
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column):  # a block list or mapping, indented further
        if self.indent < column:
            self._check_nesting()
        return super().add_indent(column)

    def _check_keys(self, node, deep: bool, checked: set[int] | None = None) -> None:
        """Refuse a repeated or unhashable key among ``node``'s own keys (merged ones may be overridden),
        and in the mappings it merges."""
        checked = set() if checked is None else checked
        checked.add(id(node))
        seen: dict[Any, int] = {}  # key -> line of its first occurrence
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, yaml.MappingNode) and id(source) not in checked:
                        self._check_keys(source, deep, checked)
                continue
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):
                kind = {yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}.get(type(key_node), type(key).__name__)
                raise self._error(f"the key on line {line} is {kind}; allowed: a scalar key (a name or a number)", key_node)
            if key in seen:
                raise self._error(f"key {key!r} repeated (first on line {seen[key]}, again on line {line})", key_node)
            seen[key] = line

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self._check_keys(node, deep)
        return super().construct_mapping(node, deep=deep)  # flattens merge keys, then constructs

    def construct_yaml_int(self, node):
        try:
            value = super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts
            value = None
        if value is None or abs(value) >= _INT_CAP:
            line = node.start_mark.line + 1
            raise self._error(f"integer on line {line} has more than {MAX_INT_DIGITS} digits", node)
        return value

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as e:
            raise self._error(f"invalid date {node.value!r} on line {node.start_mark.line + 1}: {e}", node) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)

# replace the float resolver: drop the 1.1 one, add the 1.2 one for the characters a float can start with
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """The YAML document in ``text`` (``read_yaml``'s rules); errors name ``source``."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as e:
        raise YAMLFileError(f"{source}: malformed YAML: {' '.join(str(e).split())}") from None
    except RecursionError:
        raise YAMLFileError(f"{source}: malformed YAML: nested too deeply (lists or mappings inside each other "
                            "hundreds of levels deep, or an anchor merged into itself); allowed: a shallower document") from None


def read_yaml(path: str | Path) -> Any:
    """The YAML document in the file ``path``, read as UTF-8 (module docstring)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise YAMLFileError(f"{path}: not a UTF-8 text file (byte {e.start}: {e.reason}); expected YAML") from None
    except OSError as e:
        raise YAMLFileError(f"{path}: cannot read: {e.strerror or e}") from None
    return parse_yaml(text, str(path))


__all__ = ["YAMLFileError", "parse_yaml", "read_yaml"]
