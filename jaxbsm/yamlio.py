"""Reading the YAML files users write (fits, datasets, model files): safely, strictly, with the file
named in every error.

``read_yaml`` is ``yaml.safe_load`` (nothing in a file is evaluated) with three differences:

- floats as YAML 1.2 and every user writes them: PyYAML follows YAML 1.1, where ``1e-9`` and
  ``1e308`` (no dot, or no sign in the exponent) are strings; here they are floats;
- a key repeated in one mapping is an error (PyYAML silently keeps the last value);
- an unreadable, binary or malformed file is a ``YAMLFileError`` (a ValueError) naming the file,
  and for a duplicate key its line.
"""

from __future__ import annotations

import re
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


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats and duplicate keys refused."""

    def construct_mapping(self, node, deep=False):
        seen = {}  # key -> line of its first occurrence
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} repeated (first on line {seen[key]}, again on line {line})", key_node.start_mark
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


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
