"""The layout: a thin CLI over a pure library, fast start-up."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "b2bcx"
PURE_LAYERS = ["stats", "scoring", "api", "config"]
PURE = [
    *sorted(
        p.relative_to(SRC).with_suffix("").as_posix()
        for layer in PURE_LAYERS
        for p in (SRC / layer).rglob("*.py")
    ),
    "errors",
    "results",
]
UI = {"typer", "rich", "openpyxl", "click"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_not_touch_the_terminal_or_excel(module):
    assert not imported_modules(SRC / f"{module}.py") & UI


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_not_print(module):
    tree = ast.parse((SRC / f"{module}.py").read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
    ]
    assert not calls


def test_only_the_report_package_imports_openpyxl():
    users = {
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if "openpyxl" in imported_modules(p)
    }
    assert all(u.startswith(("report/", "io/worksheet")) for u in users), users


def test_help_does_not_import_heavy_libraries():
    code = "import sys, b2bcx.cli; print(sorted(m for m in ('pandas', 'scipy', 'openpyxl', 'numpy', 'pyarrow') if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_scoring_a_csv_does_not_import_scipy_or_openpyxl():
    code = (
        "import sys; from b2bcx import api; from b2bcx.config.models import load_config; from b2bcx.api.load import load_exports;"
        "api.score(load_exports(['examples/acme_2026q3.csv']), load_config('examples/acme.yaml'));"
        "print(sorted(m for m in ('scipy', 'openpyxl', 'pyreadstat', 'python_calamine') if m in sys.modules))"
    )
    root = SRC.parents[1]
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    ).stdout.strip()
    assert loaded == "[]"


def test_no_import_cycles_not_even_through_function_level_imports():
    """Every import of b2bcx, including those inside functions, forms no cycle."""
    import grimp  # installed with import-linter (the test extra)

    graph = grimp.build_graph("b2bcx")
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        path.append(module)
        for target in imports[module]:
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[module] = 2

    for module in sorted(graph.modules):
        if module not in state:
            visit(module, [])
    assert not cycles, [" -> ".join(c) for c in cycles]


def test_the_layer_contract_holds():
    """The import-linter contract of pyproject.toml (also run by `make lint`)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=SRC.parents[1],
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_no_assert_statement_in_the_library():
    """Checks on input raise b2bcx errors: an assert vanishes under ``python -O``."""

    source = Path(__file__).resolve().parents[1] / "src" / "b2bcx"
    found = [
        f"{path.relative_to(source)}:{node.lineno}"
        for path in sorted(source.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert not found, found


ENGINE_NAMES = {"embedded", "dask", "duckdb"}
"""Engines b2bcx ships or shipped (the DuckDB prototype lives in benchmarks/)."""


def _names_an_engine(node: ast.AST) -> bool:
    """A string literal that is an engine's name, or a collection of them."""
    if isinstance(node, ast.Constant):
        return node.value in ENGINE_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_an_engine(e) for e in node.elts)
    return False


def engine_name_checks(path: Path) -> list[int]:
    """Lines of ``path`` that compare with an engine's name (``== "dask"``,
    ``in ("embedded", ...)``, ``match`` cases) or take an enum member named after
    one (``Engine.dask``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            compared = any(_names_an_engine(n) for n in [node.left, *node.comparators])
        elif isinstance(node, ast.MatchValue):
            compared = _names_an_engine(node.value)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            member = "engine" in node.value.id.casefold()
            compared = member and node.attr in ENGINE_NAMES
        else:
            compared = False
        if compared:
            lines.append(node.lineno)
    return lines


def test_engines_are_told_apart_only_by_the_registry():
    """What an engine can do is asked of its object in ``b2bcx.scoring.engines``
    (reads URLs, numbers rows, formats...); nothing else compares engine names."""
    registry = SRC / "scoring" / "engines.py"
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        if path != registry
        for line in engine_name_checks(path)
    ]
    assert not found, found


def test_the_engine_name_check_finds_comparisons(tmp_path: Path):
    """The check above would catch each way of telling engines apart by name."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'if engine == "dask":\n    pass\n'
        'ok = engine not in ("embedded", "dask")\n'
        "kind = Engine.dask\n"
        'match engine:\n    case "duckdb":\n        pass\n'
        'plain = engine == "spark"\n',
        encoding="utf-8",
    )
    assert engine_name_checks(sample) == [1, 3, 4, 6]


def test_the_cli_offers_the_registered_engines():
    from typer.testing import CliRunner

    from b2bcx.cli import app
    from b2bcx.scoring import engines

    assert engines.names() == ("embedded", "dask")
    for name in ("score", "drivers"):
        shown = CliRunner().invoke(app, [name, "--help"], terminal_width=200).output
        assert "--engine <auto|embedded|dask>" in shown, shown
        assert "[default: auto]" in shown
