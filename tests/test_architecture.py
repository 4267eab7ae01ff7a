"""The layers of docs/architecture.md, as the code's own imports show them.

Every import between the package's modules (at module level or inside a
function) is read from the source: there is no cycle, no private name is
imported from another module, and imports inside functions are only of what
docs/architecture.md allows (optional or heavy dependencies, a command's body).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "optim"
# what a function may import: optional or heavy dependencies (scipy: its statistics when
# figures are sampled; mpisppy and mpi4py: the scenario decomposition, the `stochastic` extra;
# geopandas, shapely, pyogrio, pyproj: the `gis` extra; openpyxl: the `excel` extra)
LAZY_OK = {"matplotlib", "pyomo", "distributed", "tqdm", "geopandas", "shapely", "pyogrio", "pyproj",
           "openpyxl", "mpl_toolkits", "scipy", "mpisppy", "mpi4py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def resolve(current: str, is_package: bool, level: int, target: str | None) -> str:
    base = current.split(".") if is_package else current.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports() -> list[tuple[str, str, list[str], bool, int]]:
    """(importer, imported module, names, inside a function, line) for every import of optim."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_checking = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                         and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)}
        in_function = {id(n) for node in ast.walk(tree)
                       if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in type_checking:
                continue
            if isinstance(node, ast.ImportFrom):
                target = resolve(name, path.name == "__init__.py", node.level, node.module) if node.level \
                    else node.module or ""
                out.append((name, target, [a.name for a in node.names], id(node) in in_function, node.lineno))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    out.append((name, a.name, [], id(node) in in_function, node.lineno))
    return out


def test_no_private_name_is_imported_from_another_module():
    bad = [(m, t, n, line) for m, t, names, _, line in imports() if t.startswith("optim")
           for n in names if n.startswith("_") and not n.startswith("__")]
    assert bad == []


def test_no_import_cycle_between_modules():
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, t, names, _, _ in imports():
        if not t.startswith("optim"):
            continue
        for target in [f"{t}.{n}" for n in names if f"{t}.{n}" in modules] or [t]:
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            # a package's __init__ is its own node; importing a submodule runs the package first
            if target in modules and target != m and not m.startswith(target + "."):
                graph[m].add(target)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
                return True
            if nxt not in state and visit(nxt, path + [node]):
                return True
        state[node] = 2
        return False

    for m in sorted(graph):
        if m not in state and visit(m, []):
            break
    assert cycle == [], " -> ".join(cycle)


def test_imports_inside_functions_are_the_allowed_ones():
    """Only optional or heavy dependencies, the Pyomo view, a command's body, the
    public names of `optim/__init__.py` (imported on first use), and the command
    line from the entry point (inside its Ctrl-C handler)."""
    bad = []
    for m, t, names, inside, line in imports():
        if not inside:
            continue
        top = t.split(".")[0]
        if top in LAZY_OK or t in ("optim.pyomo_view",) or m.startswith("optim.cli") or \
                (m, t) in (("optim.__main__", "optim.cli"), ("optim.__main__", "optim.interrupt")):
            continue
        bad.append(f"{m}:{line} imports {t}")
    assert bad == []
