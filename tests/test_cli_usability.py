"""The command line as a new user meets it: help, global flags anywhere, no absolute
paths in what is handed on, cautions on small samples."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest
from tests.conftest import EXAMPLES
from typer.testing import CliRunner

from b2bcx.cli import COMMANDS, app, hoist_global_flags, main

runner = CliRunner()
Q3 = str(EXAMPLES / "acme_2026q3.csv")
CONFIG = str(EXAMPLES / "acme.yaml")


@pytest.mark.parametrize(
    "command", ["score", "factors", "drivers", "validate", "report"]
)
def test_help_names_arguments_not_python_types(command: str) -> None:
    text = runner.invoke(app, [command, "--help"]).output
    assert "EXPORT..." in text
    assert "list[" not in text and "<path>" not in text


@pytest.mark.parametrize("command", [name for _, name, _ in COMMANDS])
def test_every_help_has_a_runnable_example_as_its_own_paragraph(command: str) -> None:
    """The example is its own paragraph and runs on the shipped examples
    (validate's named export.csv and program.yaml, which do not exist)."""
    text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "Example:" in line)
    assert lines[at].strip().startswith(f"Example: b2bcx {command} examples/")
    assert lines[at - 1].strip() == ""


def test_global_flags_after_the_command_move_before_it() -> None:
    args = ["report", "a.csv", "-c", "x.yaml", "--quiet", "--debug", "-o", "r.xlsx"]
    assert hoist_global_flags(args) == [
        "--quiet",
        "--debug",
        "report",
        "a.csv",
        "-c",
        "x.yaml",
        "-o",
        "r.xlsx",
    ]
    assert hoist_global_flags(["--version"]) == ["--version"]


def test_quiet_after_the_command_is_accepted(tmp_path, monkeypatch, capsys) -> None:
    target = tmp_path / "r.xlsx"
    argv = ["b2bcx", "report", Q3, "-c", CONFIG, "-o", str(target)]
    monkeypatch.setattr(sys, "argv", [*argv, "--bootstrap", "0", "--quiet"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code in (0, None)
    assert target.exists()
    assert capsys.readouterr().err == ""


def test_completion_is_offered() -> None:
    assert "--install-completion" in runner.invoke(app, ["--help"]).output


def test_no_absolute_path_reaches_the_workbook(tmp_path) -> None:
    target = tmp_path / "r.xlsx"
    absolute = str(Path(Q3).resolve())
    result = runner.invoke(
        app, ["report", absolute, "-c", CONFIG, "-o", str(target), "--bootstrap", "0"]
    )
    assert result.exit_code == 0, result.output
    summary = openpyxl.load_workbook(target)["Summary"]
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)
    assert "acme_2026q3.csv" in text and str(Path(absolute).parent) not in text


def test_alerts_help_offers_only_the_files_it_writes() -> None:
    """-o promised .parquet and .xlsx, which alerts refuses (exit 2)."""
    text = runner.invoke(app, ["alerts", "--help"], env={"COLUMNS": "200"}).output
    assert ".csv or .json" in text
    assert ".parquet" not in text and ".xlsx" not in text
