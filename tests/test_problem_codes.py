"""Problem codes (issue 22, item 7): defined once, documented, used, and what views match.

Every problem carries a stable ``code`` from :data:`b2bcx.errors.CODES`; docs/problems.md
lists the same codes with the same words; every ``Problem(...)`` in ``src`` names a code;
and the views (``validate -f json``, the terminal, the workbook) show it.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from b2bcx.cli import app
from b2bcx.errors import CODES, B2bcxError, Problem
from b2bcx.scoring.respondents import unreadable_count

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "b2bcx"
DOCS = ROOT / "docs" / "problems.md"
BAD = Path(__file__).parent / "data" / "bad"
runner = CliRunner()

ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (\w+) \| (.*) \| (.*) \|$")
SECTION = {
    "The config": "config",
    "A file as a file": "file",
    "The data in a file": "data",
    "An analysis": "analysis",
    "The command line": "usage",
    "The system": "system",
}
# Functions that pass a code through (``code=code``) rather than naming one: their
# callers name it, and Problem() refuses a code that is not defined.
PASS_THROUGH = {
    ("config/models.py", "add"),
    ("cli/validate.py", "refused"),
    ("scoring/prepare.py", "distinct_value_problems"),
    ("scoring/finish.py", "_distinct"),
    ("scoring/renewals.py", "_row_problems"),
}


def documented() -> dict[str, tuple[str, str, str, str]]:
    """Code -> (kind, severity, meaning, hint) as docs/problems.md lists it."""
    rows: dict[str, tuple[str, str, str, str]] = {}
    kind = ""
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = SECTION[line[3:].strip()]
        found = ROW.match(line)
        if found:
            code, severity, meaning, hint = found.groups()
            assert code not in rows, f"{code} is listed twice"
            rows[code] = (kind, severity, meaning, hint)
    return rows


def test_every_code_is_documented_and_every_documented_code_is_defined() -> None:
    listed = documented()
    assert set(listed) == set(CODES), (
        f"not documented: {sorted(set(CODES) - set(listed))}; "
        f"not defined: {sorted(set(listed) - set(CODES))}"
    )
    for code in CODES.values():
        assert listed[code.id] == (code.kind, code.severity, code.meaning, code.hint), (
            f"docs/problems.md says otherwise about {code.id}"
        )


def test_codes_are_kebab_case_and_keyed_by_their_id() -> None:
    for key, code in CODES.items():
        assert key == code.id and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key)
        assert code.meaning and code.hint and "|" not in code.meaning + code.hint


def _problem_calls() -> list[tuple[str, str, ast.Call]]:
    """(file, innermost enclosing function, call) for every ``Problem(...)`` in src."""
    calls = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: dict[int, tuple[str, ast.Call]] = {}
        for function in ast.walk(tree):  # outer functions come before inner ones
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "Problem"
                ):
                    found[id(node)] = (function.name, node)
        name = str(path.relative_to(SRC))
        calls += [(name, function, node) for function, node in found.values()]
    return calls


def test_every_problem_in_src_names_a_defined_code() -> None:
    calls = _problem_calls()
    assert len(calls) > 60  # the scan sees the package
    seen_pass_through = set()
    for file, function, call in calls:
        where = f"{file}:{call.lineno} ({function})"
        code = next((k.value for k in call.keywords if k.arg == "code"), None)
        assert code is not None, f"{where}: Problem(...) without code="
        if isinstance(code, ast.Constant):
            assert code.value in CODES, f"{where}: undefined code {code.value!r}"
        else:
            assert (file, function) in PASS_THROUGH, (
                f"{where}: the code is not a literal; name one, or add the "
                "function to PASS_THROUGH after checking its callers"
            )
            seen_pass_through.add((file, function))
    assert seen_pass_through == PASS_THROUGH  # no stale entry


def test_every_literal_code_argument_in_src_is_defined() -> None:
    """``code="..."`` anywhere (also through the pass-through helpers) is a defined code."""
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literal = isinstance(node, ast.keyword) and node.arg == "code"
            if literal and isinstance(node.value, ast.Constant):
                assert node.value.value in CODES, f"{path}: {node.value.value!r}"


def test_every_defined_code_is_used_in_src() -> None:
    """No code is defined for nothing: each appears as a literal outside the registry."""
    used: set[str] = set()
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name == "errors.py":  # only the error classes' own codes count there
            used |= {
                node.value.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["code"]
                and isinstance(node.value, ast.Constant)
            }
            continue
        used |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    assert not set(CODES) - used, sorted(set(CODES) - used)


def test_a_problem_refuses_an_undefined_code_and_needs_one() -> None:
    with pytest.raises(ValueError, match="unknown problem code 'no-such-code'"):
        Problem("x", code="no-such-code")
    with pytest.raises(TypeError):
        Problem("x")  # type: ignore[call-arg]


def test_every_error_class_has_a_defined_code() -> None:
    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    for cls in subclasses(B2bcxError):
        assert cls.code in CODES, cls.__name__


def test_json_puts_the_code_first() -> None:
    problem = Problem("bad", "fix it", row=3, code="invalid-answer")
    assert list(problem.as_dict())[:2] == ["code", "problem"]
    assert problem.as_dict()["code"] == "invalid-answer"


def test_unreadable_count_matches_the_code_not_the_words() -> None:
    worded = Problem("unreadable answer, read as missing", code="invalid-answer")
    coded = Problem("reworded", severity="warning", code="answer-read-as-missing")
    assert unreadable_count([worded, coded, coded]) == 2


def _codes(*args: object) -> tuple[int, list[tuple[str, str]], dict[str, object]]:
    result = runner.invoke(app, ["validate", *map(str, args), "--format", "json"])
    report = json.loads(result.stdout)
    found = [(p["code"], p["severity"]) for p in report["problems"]]
    return result.exit_code, found, report


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        ("outside-scale.csv", [("invalid-answer", "error")]),
        ("unmapped-role.csv", [("unmapped-role", "error")]),
        ("missing-column.csv", [("missing-column", "error")]),
        ("blank-statement-column.csv", [("blank-column", "warning")]),
        (
            "duplicated-columns.csv",
            [("duplicate-column", "warning"), ("missing-column", "error")],
        ),
        ("ragged.csv", [("extra-fields", "error")]),
        ("empty.csv", [("unreadable-data", "error")]),
    ],
)
def test_validate_json_gives_each_bad_export_its_codes(
    export: str, expected: list[tuple[str, str]]
) -> None:
    exit_code, found, report = _codes(BAD / export, "-c", BAD / "good.yaml")
    assert found == expected, report
    assert exit_code == (1 if any(s == "error" for _, s in expected) else 0)


def test_validate_json_codes_a_config_problem() -> None:
    exit_code, found, _ = _codes(BAD / "good.csv", "-c", BAD / "unknown-key.yaml")
    assert exit_code == 1 and found == [("unknown-config-key", "error")]


def test_bad_answers_missing_turns_invalid_answers_into_their_own_code() -> None:
    export, config = BAD / "outside-scale.csv", BAD / "good.yaml"
    exit_code, found, _ = _codes(export, "-c", config, "--bad-answers", "missing")
    codes = [c for c, _ in found]
    assert exit_code == 0 and "answer-read-as-missing" in codes
    assert "invalid-answer" not in codes and {s for _, s in found} == {"warning"}
    exit_code, found, _ = _codes(export, "-c", config)
    assert exit_code == 1 and ("invalid-answer", "error") in found


def test_the_terminal_the_workbook_and_the_html_page_show_the_code(tmp_path) -> None:
    import io

    import openpyxl
    from rich.console import Console

    from b2bcx.cli.render.console import problem_table

    problem = Problem("bad", "fix", file="x.csv", row=2, code="unmapped-role")
    console = Console(width=160, record=True, file=io.StringIO(), color_system=None)
    console.print(problem_table([problem]))
    text = console.export_text()
    assert "code" in text and "unmapped-role" in text

    out = tmp_path / "report.xlsx"
    export, config = BAD / "blank-statement-column.csv", BAD / "good.yaml"
    result = runner.invoke(
        app, ["report", str(export), "-c", str(config), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out, read_only=True)["Data quality"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if "Problem" in row)
    at = header.index("Code")
    below = rows[rows.index(header) + 1]
    assert below[at] == "blank-column"

    page = tmp_path / "report.html"
    result = runner.invoke(
        app, ["report", str(export), "-c", str(config), "-o", str(page)]
    )
    assert result.exit_code == 0, result.output
    method = page.read_text(encoding="utf-8").split('<section id="method">')[1]
    assert '<th scope="col">Code</th>' in method
    assert '<td data-label="Code">blank-column</td>' in method
