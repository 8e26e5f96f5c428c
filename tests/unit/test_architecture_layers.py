"""The dependency direction of sammen's packages (issue 13), checked over `ast` imports.

    dags → orchestration → ingestion → validation ┐
           sammen (CLI) → transform, publishing   ├→ core → contracts
                          synthetic               ┘

`ALLOWED` below is the one place that says which package may import which; docs/architecture.md
shows it rendered (`layer_table()`, checked by `test_architecture_doc_shows_the_table`). Every
import counts: module level, inside functions, under `if TYPE_CHECKING`, and
`importlib.import_module("...")` with a literal name. Three rules:

1. a package imports only the packages `ALLOWED` lists for it;
2. no cycle among the project's modules (a package's `__init__` re-exporting its submodules is
   fine as long as no submodule imports it back);
3. imports sit at module level; inside a function only the heavy optional libraries of
   `LAZY_IMPORTS` (Airflow, dbt, Great Expectations, matplotlib; and the tests' helpers a
   benchmark borrows), which a process loads only when it runs that stage, and the stages an
   Airflow task of `orchestration` runs (`TASK_IMPORTS`: the scheduler parses the DAGs often).
   `importlib` never loads a project module.

`tests/` (which may import anything) and `docker/`/`scripts/` (tools run beside the project) are
not checked. `SAMMEN_ARCHITECTURE_ROOT` points the checks at another checkout (to see them fail on
a tree from before issue 13).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = Path(os.environ.get("SAMMEN_ARCHITECTURE_ROOT", REPO))

STAGES = ("ingestion", "validation", "transform", "publishing", "synthetic")
# package -> the project packages it may import (besides itself). The order is the layers', top first.
ALLOWED: dict[str, tuple[str, ...]] = {
    "bench": ("dags", "sammen", "orchestration", *STAGES, "core", "contracts"),  # tooling on top
    "dags": ("orchestration", "core", "contracts"),
    "sammen": (*STAGES, "core", "contracts"),  # the CLI and `sammen run`, beside orchestration
    "orchestration": (*STAGES, "core", "contracts"),
    "ingestion": ("validation", "core", "contracts"),  # ingestion runs the batch checks
    "validation": ("core", "contracts"),
    "transform": ("core", "contracts"),
    "publishing": ("core", "contracts"),
    "synthetic": ("core", "contracts"),
    "core": ("contracts",),  # the ground floor: home, settings, lock, ledger and cutoff, ...
    "contracts": (),  # a leaf
}
# Heavy optional libraries a function may import when it runs (third party only).
LAZY_IMPORTS = {
    "airflow": "Airflow's models and exceptions: only inside an Airflow task",
    "dbt": "dbt-core's runner: only when a build runs (seconds to import)",
    "great_expectations": "Great Expectations: only when batch checks run (seconds to import)",
    "matplotlib": "the chart of `make bench` (a dev dependency)",
    "helpers": "tests/helpers: importable only once bench.nightly put tests/ on sys.path",
}
# Project packages a function of a package may import: the DAG files import `orchestration` at
# every parse (tests/unit/test_dags_bag.py: under 2 s each), so its tasks load their stage
# (DuckDB, pyarrow, pandas, pydantic models) when they run, not when the scheduler parses.
TASK_IMPORTS = {"orchestration": ("ingestion", "transform", "publishing")}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported project module (or a third-party name)
    line: int
    in_function: bool
    dynamic: bool = False  # importlib.import_module / __import__


def module_files(root: Path) -> dict[str, Path]:
    """Every module of the checked packages: dotted name -> file."""
    modules = {}
    for package in ALLOWED:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of `name` that is a project module (or `name` itself if none is)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return name


def _function_nodes(tree: ast.AST) -> set[ast.AST]:
    inside: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inside.update(child for child in ast.walk(node) if child is not node)
    return inside


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    inside = _function_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        names: list[str] = []
        dynamic = False
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package up
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            names, dynamic = [node.args[0].value], True
        for name in names:
            yield Import(module, _resolve(name, modules), node.lineno, node in inside, dynamic)


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        called in ("import_module", "__import__")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def all_imports(root: Path) -> list[Import]:
    modules = module_files(root)
    return [found for module, path in modules.items() for found in imports_of(module, path, modules)]


def package_of(module: str) -> str:
    return module.split(".")[0]


def forbidden_edges(imports: list[Import]) -> list[str]:
    return sorted({
        f"{found.module}:{found.line} imports {found.target} "
        f"({package_of(found.module)} may import only: {', '.join(ALLOWED[package_of(found.module)]) or 'nothing'})"
        for found in imports
        if package_of(found.target) in ALLOWED
        and package_of(found.target) != package_of(found.module)
        and package_of(found.target) not in ALLOWED[package_of(found.module)]
    })


def module_cycles(imports: list[Import], modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for found in imports:
        if found.target in modules and found.target != found.module:
            graph[found.module].add(found.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the number of modules (~150)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def function_imports(imports: list[Import], modules: set[str]) -> list[str]:
    """Imports inside functions that are not of a `LAZY_IMPORTS` library, and every dynamic
    import of a project module."""
    return sorted({
        f"{found.module}:{found.line} imports {found.target} "
        + ("through importlib" if found.dynamic else "inside a function")
        for found in imports
        if (found.dynamic and found.target in modules)
        or (found.in_function and not found.dynamic and not _lazy_allowed(found))
    })


def _lazy_allowed(found: Import) -> bool:
    target = package_of(found.target)
    return target in LAZY_IMPORTS or target in TASK_IMPORTS.get(package_of(found.module), ())


def layer_table() -> str:
    """The markdown table docs/architecture.md shows: `ALLOWED`, rendered."""
    rows = ["| package | may import |", "|---|---|"]
    rows += [
        f"| `{package}` | {', '.join(f'`{name}`' for name in allowed) or 'nothing of the project'} |"
        for package, allowed in ALLOWED.items()
    ]
    return "\n".join(rows) + "\n"


# --- the checks on the project ---


@pytest.fixture(scope="module")
def project() -> tuple[list[Import], set[str]]:
    return all_imports(ROOT), set(module_files(ROOT))


def test_every_package_imports_only_the_layers_below(project) -> None:
    imports, _ = project
    assert forbidden_edges(imports) == []


def test_no_cycle_among_modules(project) -> None:
    imports, modules = project
    assert module_cycles(imports, modules) == []


def test_imports_at_module_level(project) -> None:
    imports, modules = project
    assert function_imports(imports, modules) == []


def test_every_package_is_in_the_table() -> None:
    """A new top-level package of the project must get its row (else it would go unchecked)."""
    packages = {
        path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests"
    } | {"dags"}
    assert packages == set(ALLOWED)


def test_architecture_doc_shows_the_table() -> None:
    assert layer_table() in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


# --- the checks can fail: a small tree with each fault ---


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checks_find_each_fault(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "contracts/__init__.py": "from core import home\n",  # contracts is a leaf
        "core/__init__.py": "",
        "core/home.py": "import contracts\n",  # with contracts/__init__: a cycle
        "transform/__init__.py": "from transform.build import build\n",
        "transform/build.py": "def build():\n    from ingestion.load import cutoff\n",  # sideways
        "ingestion/__init__.py": "",
        "ingestion/load.py": (
            "import importlib\nimport transform.build\n"  # sideways, and a cycle below
            "def f():\n    import dbt.cli\n    return importlib.import_module('core.home')\n"
        ),
        "orchestration/__init__.py": "def task():\n    import transform\n    from core import home\n",
        "sammen/__init__.py": "from . import cli\n",
        "sammen/cli.py": "from ..transform import build\n",  # relative, resolved
    })
    imports = all_imports(root)
    modules = set(module_files(root))
    assert forbidden_edges(imports) == [
        "contracts:1 imports core.home (contracts may import only: nothing)",
        "ingestion.load:2 imports transform.build (ingestion may import only: validation, core, contracts)",
        "transform.build:2 imports ingestion.load (transform may import only: core, contracts)",
    ]
    assert module_cycles(imports, modules) == [
        ["contracts", "core.home"], ["ingestion.load", "transform.build"],
    ]
    assert function_imports(imports, modules) == [
        "ingestion.load:5 imports core.home through importlib",
        "orchestration:3 imports core.home inside a function",  # only its stages may wait
        "transform.build:2 imports ingestion.load inside a function",
    ]
    assert ("sammen.cli", "transform.build") in {(found.module, found.target) for found in imports}
