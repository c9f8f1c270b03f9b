"""The package's structure: layers import only downwards, no module imports another's
private names, no import cycle, no module over 450 lines.

Every import counts, also those inside functions (lazy imports are still dependencies).
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "phyngsc"

#: Layer of each top-level module or package, lowest first. A module may import its
#: own layer's modules (same package) and any lower layer, never a higher one.
LAYERS = {
    "errors": 0, "_watchdog": 0,
    "core": 1,
    "format": 2, "bgzf": 2, "destinations": 2, "codecs": 2,
    "fastq": 3,
    "subblocks": 4, "subblock_decode": 4, "partitions": 4, "records": 4, "seed": 4,
    "trials": 4,
    "archive": 5,
    "runners": 6, "viewer": 7, "cluster": 6,
    "api": 8, "__init__": 8, "commands": 9, "cli": 9, "__main__": 10,
}
MAX_LINES = 450


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of ``name``."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((mod, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                found.append((a.name, [], node.lineno))
    return [f for f in found if f[0] == "phyngsc" or f[0].startswith("phyngsc.")]


def layer(mod: str) -> int:
    parts = mod.split(".")
    if len(parts) == 1:
        return LAYERS["__init__"]
    return LAYERS[parts[1]]


def resolve(mod: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules an import depends on: ``from pkg import mod`` names a module."""
    out = []
    for n in names:
        if f"{mod}.{n}" in known:
            out.append(f"{mod}.{n}")
    return out or [mod]


def test_every_module_has_a_layer():
    for name in modules():
        parts = name.split(".")
        assert len(parts) == 1 or parts[1] in LAYERS, f"{name}: add it to LAYERS"


def test_no_upward_import_and_no_private_name():
    known = modules()
    problems = []
    for name, path in known.items():
        mine = layer(name)
        for mod, names, line in imports(name, path):
            for target in resolve(mod, names, known):
                if layer(target) > mine:
                    problems.append(f"{path.name}:{line}: {name} (layer {mine}) imports "
                                    f"{target} (layer {layer(target)})")
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    problems.append(f"{path.name}:{line}: {name} imports private {mod}.{n}")
    assert problems == []


def test_no_import_cycle():
    known = modules()
    graph = {name: set() for name in known}
    for name, path in known.items():
        for mod, names, _line in imports(name, path):
            for target in resolve(mod, names, known):
                if target in known and target != name and not name.startswith(target + ".") \
                        and target != "phyngsc":
                    graph[name].add(target)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                cycle = visit(m)
                if cycle:
                    return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            cycle = visit(n)
            assert cycle is None, " -> ".join(cycle)


def test_no_module_over_450_lines():
    long = {name: len(p.read_text().splitlines()) for name, p in modules().items()}
    assert {n: k for n, k in long.items() if k > MAX_LINES} == {}
