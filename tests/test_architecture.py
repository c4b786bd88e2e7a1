"""The layering of DESIGN.md §1–2, checked on the source: no import cycles, no upward imports
(physics -> likelihoods/inference, likelihoods -> inference), and no private name (``_x``) of one
module used by another, in the product code (jaxbsm/, likelihoods/, inference/, benchmarks/, scripts/).

The source folders map to module names as installed: ``likelihoods/x.py`` is
``jaxbsm.likelihoods.x`` and ``inference/x.py`` is ``jaxbsm.inference.x``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"jaxbsm": "jaxbsm", "likelihoods": "jaxbsm.likelihoods", "inference": "jaxbsm.inference",
           "benchmarks": "benchmarks", "scripts": "scripts"}


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((package, *parts))] = path
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """Absolute module name of ``from ... import`` (relative imports resolved against ``module``)."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in ``module``, at any depth."""
    tree = ast.parse(MODULES[module].read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            out += [(source, alias.name, node.lineno) for alias in node.names]
    return out


def _graph() -> dict[str, set[str]]:
    """Edges between our modules; ``from P import x`` points at P.x when that is a module."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for source, name, _ in _imports(module):
            target = f"{source}.{name}" if name and f"{source}.{name}" in MODULES else source
            if target in MODULES and target != module:
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _layer(module: str) -> int:
    """0 physics, 1 likelihoods, 2 inference, 3 benchmarks and scripts."""
    if module.startswith("jaxbsm.likelihoods"):
        return 1
    if module.startswith("jaxbsm.inference"):
        return 2
    return 0 if module.startswith("jaxbsm") else 3


def test_the_source_map_finds_every_layer():
    layers = {_layer(m) for m in MODULES}
    assert layers == {0, 1, 2, 3}
    assert "jaxbsm.likelihoods.likelihood" in MODULES and "jaxbsm.inference.cli" in MODULES


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_cycle_detection_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_upward_imports():
    upward = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _private_uses(module: str) -> list[str]:
    """``from ours import _x`` and ``ours_module._x`` in ``module``, where ``ours`` is another of our modules."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    found, aliases = [], {}
    for source, name, line in _imports(module):
        if source not in MODULES and not any(source == p or source.startswith(p + ".") for p in FOLDERS.values()):
            continue
        if name and name.startswith("_") and not name.startswith("__") and source != module:
            found.append(f"{_shown(path)}:{line}: from {source} import {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and aliases[node.value.id] != module
        ):
            found.append(f"{_shown(path)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_names_across_modules():
    assert [use for module in MODULES for use in _private_uses(module)] == []


def test_private_name_check_catches_both_forms(tmp_path, monkeypatch):
    a = tmp_path / "a.py"
    a.write_text("from jaxbsm.cosmology.thermal import _hidden\nimport jaxbsm.status as st\nx = st._internal\n")
    monkeypatch.setitem(MODULES, "jaxbsm.fake_a", a)
    assert len(_private_uses("jaxbsm.fake_a")) == 2


@pytest.mark.parametrize("module", ["jaxbsm.model", "jaxbsm.registry", "jaxbsm.observables", "jaxbsm.status"])
def test_the_model_core_imports_no_sector(module):
    """The registry lists models by name; it imports no physics sector at import time."""
    sectors = ("jaxbsm.flavour", "jaxbsm.neutrino", "jaxbsm.cosmology", "jaxbsm.solitons", "jaxbsm.consistency")
    assert not [t for t in _graph()[module] if t.startswith(sectors)]


def _side_effects(module: str) -> list[str]:
    """print calls, subprocess/os.system use and file writes (write_text/write_bytes, open in a
    writing mode) in ``module``."""
    path = MODULES[module]
    found = [f"{_shown(path)}:{line}: imports {source}" for source, _, line in _imports(module) if source in ("subprocess", "shutil")]
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), None)
        mode = next((k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)), mode)
        if (
            name in ("print", "system", "write_text", "write_bytes", "savez", "savetxt", "dump")
            or (name == "open" and isinstance(mode, str) and any(c in mode for c in "wax+"))
        ):
            found.append(f"{_shown(path)}:{node.lineno}: {name}(...)")
    return found


def test_physics_modules_write_no_files_print_nothing_start_no_processes():
    """DESIGN §1: the importable physics (jaxbsm/ without likelihoods and inference) does no I/O
    besides reading its own data files; table generators live in scripts/."""
    physics = [m for m in MODULES if _layer(m) == 0]
    assert [use for m in physics for use in _side_effects(m)] == []


def test_side_effect_check_catches_them(tmp_path, monkeypatch):
    a = tmp_path / "a.py"
    a.write_text("import subprocess\nprint(1)\nopen('x', 'w')\nopen('y')\nfrom pathlib import Path\nPath('z').write_text('')\n")
    monkeypatch.setitem(MODULES, "jaxbsm.fake_a", a)
    assert len(_side_effects("jaxbsm.fake_a")) == 4
