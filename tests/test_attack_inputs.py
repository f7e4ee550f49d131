"""Regressions of the second attack round on inputs (issue 21: defects 6, 13, 14,
21, 22, 23): control characters, CRM revenues, colliding SPSS value labels, the
by-role table of the two paths, Python-only number forms and short rows.

Every input is built here. "The two paths" are the streaming pass
(:func:`b2bcx.api.streamed.score_files`) and the whole-file path
(:func:`b2bcx.api.accounts.score` on a read export).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.cli import app
from b2bcx.config.models import load_config

BAD = Path(__file__).resolve().parent / "data" / "bad"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
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
    """good.csv, good.yaml (with an account list section) and a CRM list."""
    export = tmp_path / "export.csv"
    config = tmp_path / "program.yaml"
    shutil.copy(BAD / "good.csv", export)
    text = (BAD / "good.yaml").read_text(encoding="utf-8")
    config.write_text(
        text
        + "accounts: {id: Account, revenue: ARR}\n"
        + "rollup: {account_weight: revenue, tiers: pareto}\n",
        "utf-8",
    )
    accounts = tmp_path / "crm.csv"
    accounts.write_text("Account,ARR\nACC-1,100\nACC-2,200\nACC-3,300\n", "utf-8")
    return {"export": export, "config": config, "accounts": accounts}


def both_paths(export: Path, config: Path) -> tuple[Any, Any]:
    """The streamed and the whole-file results of one export."""
    cfg = load_config(config)
    streamed = api.score_files([export], cfg)
    assert streamed is not None, "the export must be streamable"
    whole = api.score(api.load_exports([export]), cfg)
    return streamed, whole


def problems_json(result: Any) -> list[dict[str, Any]]:
    """The problems of a ``validate -f json`` run."""
    return json.loads(result.stdout)["problems"]


# -- 13. CRM revenues ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("-250", "negative"),
        ("1.7e308", "larger than 1e18"),
        ("inf", "infinite"),
        ("1_000", "not a number"),
    ],
)
def test_unusable_revenue_is_an_error_with_its_row(
    inputs: dict[str, Path], written: str, reason: str
) -> None:
    inputs["accounts"].write_text(
        f"Account,ARR\nACC-1,100\nACC-2,{written}\nACC-3,300\n", "utf-8"
    )
    common = (
        inputs["export"],
        "-c",
        inputs["config"],
        "--accounts",
        inputs["accounts"],
    )
    scored = run("score", *common, "-f", "json")
    assert scored.exit_code == 1, scored.output
    assert reason in scored.output
    checked = run("validate", *common, "-f", "json")
    assert checked.exit_code == 1, checked.output
    (found,) = [p for p in problems_json(checked) if reason in p["problem"]]
    assert found["severity"] == "error"
    assert found["file"] == str(inputs["accounts"])
    assert found["row"] == 3 and found["column"] == "ARR"
    assert found["value"] == f"ACC-2: {written}"
    assert found["hint"]


def test_huge_revenues_weight_without_overflow() -> None:
    import numpy as np

    from b2bcx.stats.intervals import weighted_mean

    with np.errstate(all="raise"):  # no overflow, not even a numpy warning
        mean, se, k = weighted_mean(
            pd.Series([60.0, 70.0, 80.0]), pd.Series([1e308, 1e308, 1e308])
        )
    assert k == 3
    assert mean == pytest.approx(70.0)
    assert se == pytest.approx(np.std([60, 70, 80], ddof=1) / np.sqrt(3))


def test_all_zero_revenues_are_warned_and_weighted_equally(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    inputs["accounts"].write_text("Account,ARR\nACC-1,0\nACC-2,0\nACC-3,0\n", "utf-8")
    common = (
        inputs["export"],
        "-c",
        inputs["config"],
        "--accounts",
        inputs["accounts"],
    )
    checked = run("validate", *common, "-f", "json")
    assert checked.exit_code == 0, checked.output
    (found,) = [p for p in problems_json(checked) if "revenue above 0" in p["problem"]]
    assert found["severity"] == "warning" and found["column"] == "ARR"
    cfg = load_config(inputs["config"])
    master = api.load_master(cfg, inputs["accounts"])
    result = api.score(api.load_exports([inputs["export"]]), cfg, master=master)
    portfolio = result.segments.iloc[0]
    scored = result.accounts.dropna(subset=["index"])
    assert portfolio["index"] == pytest.approx(scored["index"].mean())
    assert result.accounts["tier"].isna().all()  # no tier rather than all in A
    out = tmp_path / "report.xlsx"
    assert run("report", *common, "-o", out).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    try:  # a read-only workbook holds its file open until closed
        rows = book["Data quality"].iter_rows(values_only=True)
        text = " ".join(str(c) for row in rows for c in row)
    finally:
        book.close()
    assert "revenue above 0" in text


# -- 22. numbers in Python's literal forms --------------------------------------------
@pytest.mark.parametrize("written", ["1_0", "1e1", "nan", "inf", "0x9", "\u0669"])
def test_python_number_forms_are_invalid_answers(written: str) -> None:
    from b2bcx.scoring.scales import as_number

    assert as_number(written) is None
    assert as_number(" 10 ") == 10.0 and as_number("4,5") == 4.5


@pytest.mark.parametrize("written", ["1_0", "1e1", "inf"])
def test_an_nps_of_1_0_is_invalid_on_both_paths(
    inputs: dict[str, Path], written: str
) -> None:
    text = inputs["export"].read_text("utf-8").replace(",10,Great", f",{written},Great")
    inputs["export"].write_text(text, "utf-8")
    cfg = load_config(inputs["config"])
    assert api.score_files([inputs["export"]], cfg) is None  # to the careful path
    checked = run("validate", inputs["export"], "-c", inputs["config"], "-f", "json")
    assert checked.exit_code == 1
    (found,) = [p for p in problems_json(checked) if p["column"] == "NPS"]
    assert found["value"] == written and found["row"] == 4


def test_a_negative_revenue_in_the_export_stops_both_paths(
    inputs: dict[str, Path],
) -> None:
    frame = pd.read_csv(inputs["export"], dtype=str, keep_default_na=False)
    frame["Rev"] = ["-5" if a == "ACC-2" else "100" for a in frame["Account"]]
    frame.to_csv(inputs["export"], index=False)
    text = (BAD / "good.yaml").read_text("utf-8")
    inputs["config"].write_text(
        text.replace("  comment: Comment", "  comment: Comment\n  revenue: Rev"),
        "utf-8",
    )
    cfg = load_config(inputs["config"])
    assert api.score_files([inputs["export"]], cfg) is None  # named by the careful path
    scored = run("score", inputs["export"], "-c", inputs["config"])
    assert scored.exit_code == 1 and "negative" in scored.output
    checked = run("validate", inputs["export"], "-c", inputs["config"], "-f", "json")
    (found,) = [p for p in problems_json(checked) if "negative" in p["problem"]]
    first = 1 + list(frame["Account"]).index("ACC-2") + 1
    assert (found["row"], found["column"], found["value"]) == (
        first,
        "Rev",
        "ACC-2: -5",
    )


# -- 23. rows with fewer fields than the header ---------------------------------------
def test_a_short_row_is_warned_on_both_paths(inputs: dict[str, Path]) -> None:
    lines = inputs["export"].read_text("utf-8").splitlines()
    lines[2] = ",".join(lines[2].split(",")[:6])  # record 3 cut after six fields
    lines.insert(4, "")  # a blank line is no row, and no short one
    inputs["export"].write_text("\n".join(lines) + "\n", "utf-8")
    cfg = load_config(BAD / "good.yaml")
    notes: list[str] = []
    assert api.score_files([inputs["export"]], cfg, notice=notes.append) is None
    assert "careful" in " ".join(notes)  # the pass hands the file to the careful reader
    export = api.load_exports([inputs["export"]])
    (found,) = [w for w in export.warnings if "fewer fields" in w.problem]
    assert (found.file, found.row, found.severity) == (
        str(inputs["export"]),
        3,
        "warning",
    )
    assert "row 3;" in found.problem and "blanks" in found.problem
    scored = run("score", inputs["export"], "-c", BAD / "good.yaml")
    assert scored.exit_code == 0 and "fewer fields" in scored.output


def test_rows_with_trailing_blanks_are_not_short(inputs: dict[str, Path]) -> None:
    text = inputs["export"].read_text("utf-8")
    inputs["export"].write_text("Survey export\n" + text, "utf-8")  # the careful path
    export = api.load_exports([inputs["export"]])
    assert not [w for w in export.warnings if "fewer fields" in w.problem]


# -- 21. --by role: the same digits on both paths --------------------------------------
@pytest.mark.parametrize("block", [None, 8_000])
def test_by_role_has_the_same_digits_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int | None
) -> None:
    """The by-role means are the same sums in the same order on both paths (per
    account x role in row order, then over accounts in id order; row means column
    by column, never a BLAS product), so the CSV a user reads is the same text.
    Before, the last digits differed (1e-14): rows were summed per role directly."""
    import numpy as np
    from tests.test_moments import write_config, write_export

    from b2bcx.io import batches

    if block:  # many batches
        monkeypatch.setattr(batches, "BLOCK_BYTES", block)
    export = write_export(tmp_path / "export.csv", 1500, seed=21)
    streamed, whole = both_paths(export, write_config(tmp_path))
    a, b = streamed.by_role, whole.by_role
    assert list(a.columns) == list(b.columns) and len(a) == len(b) > 1
    numbers = a.select_dtypes("number").columns
    np.testing.assert_allclose(a[numbers], b[numbers], rtol=0, atol=1e-12)
    assert a.to_csv(index=False) == b.to_csv(index=False)  # what a user compares


def test_the_example_by_role_has_the_same_digits_on_both_paths() -> None:
    streamed, whole = both_paths(EXAMPLES / "acme_2026q3.csv", EXAMPLES / "acme.yaml")
    assert streamed.by_role.to_csv(index=False) == whole.by_role.to_csv(index=False)


# -- 6. control characters --------------------------------------------------------------
def _export_with_controls(folder: Path, kind: str) -> Path:
    """good.csv, 20 times over (unique ids), with ESC sequences in an account id
    and a BEL in a region."""
    frame = pd.read_csv(BAD / "good.csv", dtype=str, keep_default_na=False)
    frame = pd.concat([frame] * 20, ignore_index=True)
    frame["Id"] = [f"R{i}" for i in range(len(frame))]
    frame.loc[3, "Account"] = "ACC-\x1b[31m9"
    frame.loc[5, "Region"] = "EM\x07EA"
    if kind == "parquet":
        path = folder / "export.parquet"
        frame.to_parquet(path, index=False)
    else:
        path = folder / "export.csv"
        frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_control_characters_are_replaced_and_warned_on_both_paths(
    tmp_path: Path, kind: str
) -> None:
    export = _export_with_controls(tmp_path, kind)
    cfg = load_config(BAD / "good.yaml")
    notes: list[str] = []
    assert api.score_files([export], cfg, notice=notes.append) is None
    assert "control characters" in " ".join(notes)
    out = tmp_path / "scores.csv"
    scored = run("score", export, "-c", BAD / "good.yaml", "-o", out)
    assert scored.exit_code == 0, scored.output
    written = out.read_text("utf-8")
    assert "\x1b" not in written and "\x07" not in written
    assert "ACC-\ufffd[31m9" in written
    assert "\x1b" not in scored.output and "\x07" not in scored.output
    checked = run("validate", export, "-c", BAD / "good.yaml", "-f", "json")
    found = {
        p["column"]: p for p in problems_json(checked) if "control" in p["problem"]
    }
    assert found["Account"]["row"] == (5 if kind == "csv" else 4)
    assert found["Region"]["row"] == (7 if kind == "csv" else 6)
    assert found["Account"]["file"] == str(export)
    assert found["Account"]["severity"] == "warning"


def _coded_sav(path: Path, account_labels: dict[float, str]) -> Path:
    """good.csv as SPSS with accounts and roles as labelled codes."""
    import pyreadstat

    frame = pd.read_csv(BAD / "good.csv", dtype=str, keep_default_na=False)
    accounts = {"ACC-1": 1.0, "ACC-2": 2.0, "ACC-3": 3.0}
    frame["Account"] = frame["Account"].map(accounts)
    roles = {"Decision maker": 1.0, "Influencer": 2.0, "User": 3.0}
    frame["Role"] = frame["Role"].map(roles)
    frame["NPS"] = pd.to_numeric(frame["NPS"])
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "Account": account_labels,
            "Role": {code: text for text, code in roles.items()},
        },
    )
    return path


def test_spss_value_labels_with_escapes_are_replaced(tmp_path: Path) -> None:
    sav = _coded_sav(
        tmp_path / "export.sav",
        {1.0: "Acme\x1b]8;;http://x\x07", 2.0: "Beta", 3.0: "Gamma"},
    )
    cfg = load_config(BAD / "good.yaml")
    assert api.score_files([sav], cfg) is None  # the reader replaces and warns
    out = tmp_path / "scores.csv"
    scored = run("score", sav, "-c", BAD / "good.yaml", "-o", out)
    assert scored.exit_code == 0, scored.output
    written = out.read_text("utf-8")
    assert "\x1b" not in written and "\x07" not in written
    assert "Acme\ufffd]8;;http://x\ufffd" in written
    assert "\x1b" not in scored.output
    export = api.load_exports([sav])
    (found,) = [w for w in export.warnings if "value labels" in w.problem]
    assert (found.column, found.file) == ("Account", str(sav))


# -- 14. value labels that several codes share -----------------------------------------
def test_codes_sharing_a_value_label_are_warned_on_both_paths(tmp_path: Path) -> None:
    import pyreadstat

    frame = pd.read_csv(BAD / "good.csv", dtype=str, keep_default_na=False)
    frame = pd.concat([frame] * 4, ignore_index=True)
    frame["Id"] = [f"R{i}" for i in range(len(frame))]
    frame["Account"] = frame["Account"].map({"ACC-1": 1.0, "ACC-2": 2.0, "ACC-3": 3.0})
    roles = {"Decision maker": 1.0, "Influencer": 2.0, "User": 3.0}
    frame["Role"] = frame["Role"].map(roles)
    frame["NPS"] = pd.to_numeric(frame["NPS"])
    sav = tmp_path / "export.sav"
    pyreadstat.write_sav(
        frame,
        str(sav),
        variable_value_labels={
            "Account": {1.0: "Acme", 2.0: "Acme", 3.0: "Gamma"},  # two accounts
            "Role": {1.0: "User", 2.0: "Influencer", 3.0: "User"},  # two roles
            "NPS": {98.0: "Don't know", 99.0: "Don't know"},  # missing either way
        },
    )
    streamed, whole = both_paths(sav, BAD / "good.yaml")
    for result in (streamed, whole):
        found = {
            p.column: p for p in result.problems if "share the value label" in p.problem
        }
        assert set(found) == {"Account", "Role"}
        assert found["Account"].problem.startswith("codes 1, 2 share")
        assert found["Account"].value == "Acme"
        assert found["Role"].problem.startswith("codes 1, 3 share")
        assert found["Role"].severity == "warning" and found["Role"].file == str(sav)
    checked = run("validate", sav, "-c", BAD / "good.yaml", "-f", "json")
    assert [
        p for p in problems_json(checked) if "share the value label" in p["problem"]
    ]


def test_codes_sharing_a_label_on_a_scale_are_warned() -> None:
    from b2bcx.scoring.labels import label_collisions
    from b2bcx.scoring.prepare import role_lookup

    cfg = load_config(BAD / "good.yaml")
    labels = {
        "Q1": {"4": "Agree", "5": "agree ", "9": "Don't know"},
        "Q2": {"1": "Don't know", "2": "Don't know"},  # missing either way
        "Comment": {"1": "x", "2": "x"},  # comments are not merged by labels
    }
    (found,) = label_collisions(cfg, labels, role_lookup(cfg), "export.sav")
    assert (found.column, found.value) == ("Q1", "Agree")
    assert found.problem.startswith("codes 4, 5 share")
