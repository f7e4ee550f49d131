"""Regressions of an attack run: hostile content, configs, data, outputs, scale.

Every input is built here; each test names the defect it holds closed. The
bad-input corpus (tests/data/bad/cases.yaml) holds the cases that fit its
"one export, one config" shape.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from b2bcx.cli import app

BAD = Path(__file__).resolve().parent / "data" / "bad"
runner = CliRunner()


def run(*args: Any) -> Any:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        result.output,
    )
    return result


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """good.csv, good.yaml and an account list, copied into a fresh folder."""
    export = tmp_path / "export.csv"
    config = tmp_path / "program.yaml"
    shutil.copy(BAD / "good.csv", export)
    text = (BAD / "good.yaml").read_text(encoding="utf-8")
    config.write_text(text + "accounts: {id: Account, revenue: ARR}\n", "utf-8")
    accounts = tmp_path / "crm.csv"
    accounts.write_text("Account,ARR\nACC-1,100\nACC-2,200\nACC-3,300\n", "utf-8")
    return {"export": export, "config": config, "accounts": accounts}


# -- 1. -o never names an input -----------------------------------------------------
@pytest.mark.parametrize("target", ["export", "config", "baseline", "accounts"])
@pytest.mark.parametrize("command", ["score", "report"])
def test_output_naming_an_input_is_a_usage_error(
    inputs: dict[str, Path], target: str, command: str, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.csv"
    shutil.copy(inputs["export"], baseline)
    named = {**inputs, "baseline": baseline}[target]
    if command == "report":  # the report must end in .xlsx: make that input one
        renamed = named.with_suffix(".xlsx")
        named.rename(renamed)
        named = renamed
        if target == "export":
            inputs["export"] = renamed
        elif target == "config":
            inputs["config"] = renamed
        elif target == "accounts":
            inputs["accounts"] = renamed
        else:
            baseline = renamed
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run(
        command,
        inputs["export"],
        "-c",
        inputs["config"],
        "--baseline",
        baseline,
        "--accounts",
        inputs["accounts"],
        "-o",
        named,
    )
    assert result.exit_code == 2, result.output
    assert "names an input file" in result.output
    after = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before


def test_output_as_another_spelling_or_hard_link_of_the_export(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    link = tmp_path / "link.csv"
    os.link(inputs["export"], link)
    for output in (link, tmp_path / "sub" / ".." / "export.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        result = run("score", inputs["export"], "-c", inputs["config"], "-o", output)
        assert result.exit_code == 2, result.output
    assert inputs["export"].read_bytes() == (BAD / "good.csv").read_bytes()


@pytest.mark.parametrize("command", ["factors", "drivers", "init"])
def test_output_over_the_export_for_other_commands(
    inputs: dict[str, Path], command: str
) -> None:
    config = [] if command == "init" else ["-c", inputs["config"]]
    result = run(command, inputs["export"], *config, "-o", inputs["export"])
    assert result.exit_code == 2, result.output
    assert inputs["export"].read_bytes() == (BAD / "good.csv").read_bytes()


def test_output_over_the_configured_account_list(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    config = inputs["config"]
    text = config.read_text("utf-8").replace(
        "accounts: {id: Account, revenue: ARR}",
        "accounts: {id: Account, revenue: ARR, file: crm.csv}",
    )
    config.write_text(text, "utf-8")
    before = inputs["accounts"].read_bytes()
    result = run("score", inputs["export"], "-c", config, "-o", inputs["accounts"])
    assert result.exit_code == 2, result.output
    assert inputs["accounts"].read_bytes() == before
