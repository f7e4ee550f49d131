"""``b2bcx change`` and ``b2bcx trend`` end to end on the example's four quarters.

The statistics themselves are checked against R in test_change_trend_reference.py;
here: the command line, the output names, the identities with ``score``'s own
numbers, the planted deteriorating account, and the errors a user can meet.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import EXAMPLES, small_config, write_yaml
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.api.load import load_exports, load_master
from b2bcx.cli import app
from b2bcx.config.models import load_config

CONFIG = str(EXAMPLES / "acme.yaml")
CRM = str(EXAMPLES / "crm_accounts.csv")
QUARTERS = [
    str(EXAMPLES / f"acme_{q}.csv") for q in ("2025q4", "2026q1", "2026q2", "2026q3")
]


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@cache
def _change():
    config = load_config(CONFIG)
    return api.change(
        load_exports([QUARTERS[3]]),
        load_exports([QUARTERS[2]]),
        config,
        master=load_master(config, Path(CRM)),
    )


def test_change_json_has_the_documented_names_and_adds_up():
    done = run(
        "change",
        QUARTERS[3],
        "-b",
        QUARTERS[2],
        "-c",
        CONFIG,
        "--accounts",
        CRM,
        "-f",
        "json",
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    s = data["summary"]
    parts = s["continuing"] + s["weight_mix"] + s["entered"] + s["left"]
    assert abs(parts - s["total"]) < 1e-12
    assert abs(s["rate"] + s["mix"] - s["nps_change"]) < 1e-12
    assert set(s["stuart_maxwell"]) == {"statistic", "df", "p"}
    record = data["accounts"][0]
    assert {"account", "delta", "delta_rtm"} <= set(record)
    assert data["accounts"][0]["delta"] <= data["accounts"][-1]["delta"]


def test_change_agrees_with_scores_own_portfolio_numbers():
    result = _change()
    assert result.parts.attrs["before"] == pytest.approx(
        result.baseline.portfolio["index"], abs=1e-9
    )
    assert result.parts.attrs["after"] == pytest.approx(
        result.current.portfolio["index"], abs=1e-9
    )
    assert result.rate_mix_total["after"] == pytest.approx(
        result.current.portfolio["respondent_nps"], abs=1e-9
    )
    counts = result.parts.set_index("part")["accounts"]
    assert counts["entered"] == 4 and counts["left"] == 4  # as the example plants
    # every account of either wave or the CRM list is in the migration matrix once
    matrix = result.migration.set_index("from")
    heard = set(result.current.accounts["account"]) | set(
        result.baseline.accounts["account"]
    )
    assert int(matrix.to_numpy().sum()) >= len(heard)


def test_delta_rtm_is_the_regression_to_the_mean_of_the_baseline():
    result = _change()
    base = result.baseline.accounts.set_index("account")
    table = result.current.accounts.set_index("account")
    both = table["delta"].notna()
    b = base.loc[table.index[both], "reliability"].to_numpy(float)
    i = base.loc[table.index[both], "index"].to_numpy(float)
    expected = -(1 - b) * (i - result.baseline.mu)
    np.testing.assert_allclose(table.loc[both, "delta_rtm"], expected, atol=1e-9)


def test_score_with_a_baseline_shows_delta_rtm():
    done = run("score", QUARTERS[3], "-b", QUARTERS[2], "-c", CONFIG, "-f", "json")
    assert done.exit_code == 0, done.output
    rows = [r for r in json.loads(done.stdout) if r.get("delta") is not None]
    assert rows and all("delta_rtm" in r for r in rows)


def test_change_by_segment_and_unknown_segment():
    done = run(
        "change",
        QUARTERS[3],
        "-b",
        QUARTERS[2],
        "-c",
        CONFIG,
        "--by",
        "Region",
        "-f",
        "json",
    )
    assert done.exit_code == 0, done.output
    groups = {r["group"] for r in json.loads(done.stdout)["rate_mix"]}
    assert "EMEA" in groups or len(groups) >= 2
    bad = run("change", QUARTERS[3], "-b", QUARTERS[2], "-c", CONFIG, "--by", "Planet")
    assert bad.exit_code == 1 and "Planet" in bad.output


@cache
def _trend_json(*extra: str) -> dict:
    done = run("trend", *QUARTERS, "-c", CONFIG, *extra, "-f", "json")
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_trend_finds_the_planted_deteriorating_account():
    data = _trend_json()
    assert data["summary"]["waves"] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    accounts = {r["account"]: r for r in data["accounts"]}
    planted = accounts["ACC-0151"]
    assert planted["deteriorating"] is True and planted["slope"] < 0
    for key in (
        "slope",
        "slope_se",
        "slope_eb",
        "slope_reliability",
        "p_slope",
        "q_slope",
    ):
        assert key in planted
    assert set(data["summary"]) >= {"portfolio_slope", "portfolio_slope_se"}
    assert len(data["waves"]) == 4


def test_one_wave_per_file_equals_the_wave_column():
    by_column = _trend_json()
    by_file = _trend_json("--wave-per-file")
    a = {r["account"]: r["slope"] for r in by_column["accounts"]}
    b = {r["account"]: r["slope"] for r in by_file["accounts"]}
    assert a.keys() == b.keys()
    for key in a:
        if a[key] is None:
            assert b[key] is None
        else:
            assert a[key] == pytest.approx(b[key], abs=1e-9)
    assert by_column["summary"]["portfolio_slope"] == pytest.approx(
        by_file["summary"]["portfolio_slope"], abs=1e-9
    )


def test_trend_needs_three_waves():
    done = run("trend", *QUARTERS[2:], "-c", CONFIG)
    assert done.exit_code == 1
    assert "3 or more waves" in done.output


def test_a_wave_missing_from_waves_order_is_named(tmp_path):
    text = Path(CONFIG).read_text(encoding="utf-8")
    config = tmp_path / "acme.yaml"
    config.write_text(
        text + "\nwaves:\n  order: [2026-Q1, 2026-Q2, 2026-Q3]\n", encoding="utf-8"
    )
    for name in ("crm_accounts.csv",):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    done = run("trend", *QUARTERS, "-c", config)
    assert done.exit_code == 1
    assert "2025-Q4" in done.output and "waves.order" in done.output


def test_change_writes_json_xlsx_and_csv(tmp_path):
    for name in ("change.json", "change.xlsx", "change.csv"):
        out = tmp_path / name
        done = run("change", QUARTERS[3], "-b", QUARTERS[2], "-c", CONFIG, "-o", out)
        assert done.exit_code == 0, done.output
        assert out.stat().st_size > 100
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "change.xlsx")
    assert book.sheetnames == ["Change"] and len(book["Change"]._charts) == 1


def test_trend_writes_a_workbook_with_its_chart(tmp_path):
    import openpyxl

    out = tmp_path / "trend.xlsx"
    done = run("trend", *QUARTERS, "-c", CONFIG, "--wave-per-file", "-o", out)
    assert done.exit_code == 0, done.output
    ws = openpyxl.load_workbook(out)["Trend"]
    assert len(ws._charts) == 1
    headers = [c.value for c in ws[4]]
    assert headers[:2] == ["Wave", "Portfolio"] and "ACC-0151" in headers


def test_change_refuses_an_output_over_an_input():
    done = run(
        "change", QUARTERS[3], "-b", QUARTERS[2], "-c", CONFIG, "-o", QUARTERS[2]
    )
    assert done.exit_code == 2


def test_no_wave_column_and_no_wave_per_file(tmp_path):
    config = write_yaml(tmp_path / "c.yaml", small_config())
    exports = []
    for number in range(3):
        export = tmp_path / f"e{number}.csv"
        export.write_text(
            f"Id,Account,Role,Q1,Q2,Q3,Q4,NPS,Region\n{number},A,DM,4,4,4,4,9,EU\n",
            "utf-8",
        )
        exports.append(export)
    done = run("trend", *exports, "-c", config)
    assert done.exit_code == 1 and "columns.wave" in done.output


def test_the_report_has_a_change_sheet_with_a_waterfall(tmp_path):
    import openpyxl

    out = tmp_path / "report.xlsx"
    done = run(
        "report",
        QUARTERS[3],
        "-b",
        QUARTERS[2],
        "-c",
        CONFIG,
        "--accounts",
        CRM,
        "-o",
        out,
    )
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(out)
    ws = book["Change"]
    assert ws["A1"].value == "Why the portfolio moved"
    assert len(ws._charts) == 1  # the waterfall
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Accounts that entered" in texts and "Migration" not in book.sheetnames
    without = tmp_path / "plain.xlsx"
    assert run("report", QUARTERS[3], "-c", CONFIG, "-o", without).exit_code == 0
    assert "Change" not in openpyxl.load_workbook(without).sheetnames


def test_a_deck_with_a_baseline_says_why_the_portfolio_moved(tmp_path):
    import pptx

    out = tmp_path / "deck.pptx"
    args = ["deck", QUARTERS[3], "-c", CONFIG, "--accounts", CRM, "-o", out]
    done = run(*args, "-b", QUARTERS[2], "--accounts-only", "ACC-0151")
    assert done.exit_code == 0, done.output
    slides = list(pptx.Presentation(str(out)).slides)
    moved = [
        s
        for s in slides
        if s.shapes.title and s.shapes.title.text == "Why the portfolio moved"
    ]
    assert len(moved) == 1
    shapes = list(moved[0].shapes)
    assert any(s.has_chart for s in shapes) and any(s.has_table for s in shapes)
    text = "\n".join(s.text_frame.text for s in shapes if s.has_text_frame)
    assert "Accounts that entered" in text and "−0.0" not in text
    plain = tmp_path / "plain.pptx"
    assert run(*args[:-2], "-o", plain, "--accounts-only", "ACC-0151").exit_code == 0
    titles = [
        s.shapes.title.text
        for s in pptx.Presentation(str(plain)).slides
        if s.shapes.title
    ]
    assert "Why the portfolio moved" not in titles


def test_history_gives_the_report_a_trend_sheet_and_each_slide_a_trend(tmp_path):
    import openpyxl
    import pptx

    history = ["--history", QUARTERS[0], "--history", QUARTERS[1]]
    common = [QUARTERS[3], "-c", CONFIG, "-b", QUARTERS[2], *history]
    book = tmp_path / "report.xlsx"
    assert run("report", *common, "-o", book).exit_code == 0
    ws = openpyxl.load_workbook(book)["Trend"]
    assert len(ws._charts) == 1 and ws["A1"].value == "Where the accounts are heading"
    deck = tmp_path / "deck.pptx"
    done = run("deck", *common, "-o", deck, "--accounts-only", "ACC-0151")
    assert done.exit_code == 0, done.output
    slide = next(s for s in pptx.Presentation(str(deck)).slides if s.name == "ACC-0151")
    assert sum(1 for s in slide.shapes if s.has_chart) == 2  # pillars and trend
    text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "deteriorating: a fall unlikely to be chance" in text


def test_a_file_of_several_waves_or_a_wave_given_twice_is_refused(tmp_path):
    """--wave-per-file would keep a file's last wave and drop the others; a wave
    given twice would make two points of one wave."""
    import pandas as pd

    q2 = pd.read_csv(QUARTERS[2], dtype=str)
    q3 = pd.read_csv(QUARTERS[3], dtype=str)
    both = tmp_path / "both.csv"
    pd.concat([q2, q3]).to_csv(both, index=False)
    done = run("trend", QUARTERS[0], both, QUARTERS[3], "-c", CONFIG, "--wave-per-file")
    assert done.exit_code == 2 and "holds 2 waves (2026-Q2, 2026-Q3)" in done.output
    again = tmp_path / "again.csv"
    q3.head(50).to_csv(again, index=False)
    done = run(
        "trend", again, QUARTERS[2], QUARTERS[3], "-c", CONFIG, "--wave-per-file"
    )
    assert done.exit_code == 2 and "2026-Q3 is given more than once" in done.output


def test_change_with_no_account_in_both_waves_is_all_turnover(tmp_path):
    import pandas as pd

    q2 = pd.read_csv(QUARTERS[2], dtype=str)
    q2["AccountId"] = "X" + q2["AccountId"]
    other = tmp_path / "other.csv"
    q2.to_csv(other, index=False)
    done = run("change", QUARTERS[3], "-b", other, "-c", CONFIG, "-f", "json")
    assert done.exit_code == 0, done.output
    s = json.loads(done.stdout)["summary"]
    assert abs(s["continuing"]) < 1e-12 and abs(s["weight_mix"]) < 1e-12
    assert abs(s["entered"] + s["left"] - s["total"]) < 1e-12
    assert s["stuart_maxwell"]["statistic"] is None  # no account banded twice


def test_the_summarys_change_is_the_part_of_the_accounts_heard_in_both_waves():
    """The Summary's "Change in CX index ... (accounts in both waves)" (-0.5 on the
    example) and the change slide's total (-0.6) looked like two answers to one
    question; the first is the second's "accounts heard in both waves" part (equal
    account weights, so ū is 1/|B| and the part is the paired mean change)."""
    from b2bcx.report.summary import top_figures
    from b2bcx.scoring import tables

    result = _change()
    current = result.current
    figures = top_figures(current, tables.account_output(current))
    (change,) = [f for f in figures if f.measure.startswith("Change in CX index")]
    assert change.measure.endswith("(accounts in both waves)")
    continuing = result.parts.set_index("part").loc["continuing", "change"]
    assert change.value == pytest.approx(continuing, abs=1e-9)
    total = result.parts.attrs["after"] - result.parts.attrs["before"]
    assert abs(total - continuing) > 0.01  # entries and exits move the total too
