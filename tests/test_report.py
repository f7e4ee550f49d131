"""`b2bcx report`: the workbook read back with openpyxl, safety, atomicity, the CLI."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
import typer
from openpyxl.chart import ScatterChart
from tests.conftest import EXAMPLES, respondent, small_config, write_yaml
from typer.testing import CliRunner

from b2bcx import api
from b2bcx import api as analyses
from b2bcx.api.load import load_exports
from b2bcx.api.workbook import report_inputs
from b2bcx.cli import main_options
from b2bcx.cli.report import load_sources
from b2bcx.cli.report import report as report_command
from b2bcx.config.models import load_config
from b2bcx.errors import OutputError
from b2bcx.report import workbook as report_workbook
from b2bcx.report.labels import header_labels, pretty, reasons_text
from b2bcx.report.sheets_method import RUN_TIME
from b2bcx.report.workbook import write_report
from b2bcx.results import AnalysisOptions, ReportInputs

Q3 = EXAMPLES / "acme_2026q3.csv"
Q2 = EXAMPLES / "acme_2026q2.csv"
CONFIG = EXAMPLES / "acme.yaml"
WHEN = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
SHEETS = [
    "Summary",
    "Accounts",
    "Chase",
    "Pillars by role",
    "Segments",
    "Lifecycle",
    "Change",  # the report has a baseline
    "Factors",
    "Drivers",
    "Respondents",
    "Data quality",
    "Method",
]
INJECTIONS = ["=1+2", "@SUM(A1)", "+A1", "-2+3"]
runner = CliRunner()


def report_app() -> typer.Typer:
    """The CLI app when cli.py registers `report`; else a local app with it."""
    from b2bcx.cli import app

    if "report" in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        return app
    local = typer.Typer(pretty_exceptions_enable=False)
    local.callback()(main_options)
    local.command("report", no_args_is_help=True)(report_command)
    return local


def run(*args: Any):
    return runner.invoke(report_app(), ["report", *(str(a) for a in args)])


def example_inputs(run_time: datetime = WHEN, respondents: bool = True) -> ReportInputs:
    sources = load_sources([Q3], CONFIG, None, [Q2], None)
    return report_inputs(
        sources,
        options=AnalysisOptions(bootstrap=50),
        run_time=run_time,
        include_respondents=respondents,
    )


@pytest.fixture(scope="module")
def inputs() -> ReportInputs:
    """The example computed through the library, at a fixed run time."""
    return example_inputs(respondents=False)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[Path, Any]:
    """The example written end to end by `b2bcx report` (with the Respondents sheet)."""
    target = tmp_path_factory.mktemp("report") / "acme_report.xlsx"
    result = run(
        Q3,
        "-c",
        CONFIG,
        "--baseline",
        Q2,
        "-o",
        target,
        "--bootstrap",
        50,
        "--respondents",
    )
    assert result.exit_code == 0, result.output
    return target, result


@pytest.fixture(scope="module")
def book(cli_run) -> tuple[Path, openpyxl.Workbook]:
    return cli_run[0], openpyxl.load_workbook(cli_run[0])


@pytest.fixture(scope="module")
def export_and_config():
    return load_exports([Q3]), load_config(CONFIG)


@pytest.fixture(scope="module")
def scored(export_and_config) -> api.ScoreResult:
    """`b2bcx score` on the example with its baseline, computed independently."""
    export, config = export_and_config
    return api.score(export, config, baseline=load_exports([Q2]))


def excel_table(ws, name: str, ids: bool = True) -> pd.DataFrame:
    """An Excel table (by name) of a read-back sheet as a DataFrame.

    With ``ids`` the human headers are turned back into the library's column ids.
    """
    rows = [[c.value for c in row] for row in ws[ws.tables[name].ref]]
    table = pd.DataFrame(rows[1:], columns=rows[0])
    return by_id(table, load_config(CONFIG), name) if ids else table


def by_id(written: pd.DataFrame, config, name: str = "") -> pd.DataFrame:
    """A read-back table with its human headers turned back into column ids."""
    ids = {label: column for column, label in header_labels(config).items()}
    ids |= {"Driver": "label", "Published priority": "published"}
    grouped = ("Segments", "Pillars_by_role", "Lifecycle")
    ids["Respondents"] = "respondents" if name in grouped else "n"
    return written.rename(columns=lambda h: ids.get(h, h))


def assert_same_table(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Numbers equal (NaN = empty cell); text equal ("" = empty cell)."""
    assert list(written.columns) == [str(c) for c in expected.columns]
    assert len(written) == len(expected)
    for column in expected.columns:
        want, got = expected[column], written[str(column)]
        if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
            np.testing.assert_allclose(
                got.astype(float), want.astype(float), rtol=1e-12, err_msg=str(column)
            )
        else:
            assert [_plain(v) for v in got] == [_plain(v) for v in want], column


def _plain(value: Any) -> Any:
    """A cell-comparable value: missing and "" are None, bools stay bools."""
    if value is None or value is pd.NA or value == "":
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return str(value)


# -- the example workbook ---------------------------------------------------------


def test_every_sheet_is_present_in_order(book):
    _, wb = book
    assert wb.sheetnames == SHEETS


def test_every_table_sheet_has_a_frozen_header_and_an_excel_table(book):
    _, wb = book
    for name in ["Accounts", "Pillars by role", "Segments", "Lifecycle", "Factors"]:
        ws = wb[name]
        assert ws.freeze_panes is not None, name
        assert ws.tables, name
    assert wb["Respondents"].freeze_panes == "A2"
    headers = [c.value for c in wb["Accounts"][1]]
    index = headers.index("CX index") + 1
    assert wb["Accounts"].cell(row=2, column=index).number_format == "0.0"


def test_accounts_hold_the_score_output_under_human_headers(book, scored):
    _, wb = book
    written = excel_table(wb["Accounts"], "Accounts")
    expected = api.account_output(scored)
    # beside the score output: how many answered NPS, and no NPS interval on fewer
    # than three answers ("too few to tell", as the deck and the HTML page say)
    assert set(written.columns) == {*expected.columns, "nps_n"}
    assert list(written.columns[:3]) == ["account", "name", "tier"]
    answers = expected["account"].map(scored.accounts.set_index("account")["nps_n"])
    few = (answers < 3).to_numpy()
    assert few.any() and written.loc[few, "nps_ci_low"].isna().all()
    expected = expected.copy()
    expected.loc[few, ["nps_ci_low", "nps_ci_high"]] = float("nan")
    words = ["flags", "at_risk", "blind_spots", "roles"]
    numbers = [c for c in expected.columns if c not in words]
    assert_same_table(written[numbers], expected[numbers])
    assert (written["nps_n"].fillna(-1) == answers.fillna(-1)).all()
    assert [_plain(v) for v in written["at_risk"]] == [
        _plain(reasons_text(v)) for v in expected["at_risk"]
    ]
    human = excel_table(wb["Accounts"], "Accounts", ids=False).columns
    assert "ci_low" not in human and "95% CI low" in human


def test_summary_shows_the_portfolio_with_intervals(book, scored):
    _, wb = book
    figures = excel_table(wb["Summary"], "Headline", ids=False).set_index("Measure")
    portfolio = scored.portfolio
    index = figures.loc["Account CX index (0-100)"]
    assert [index["Value"], index["95% CI low"], index["95% CI high"]] == (
        pytest.approx([portfolio["index"], portfolio["ci_low"], portfolio["ci_high"]])
    )
    # every NPS label names its estimand: account NPS and respondent NPS
    assert figures.loc["Account NPS (-100..100)", "Value"] == pytest.approx(
        portfolio["nps"]
    )
    assert figures.loc["Respondent NPS (-100..100)", "Value"] == pytest.approx(
        portfolio["respondent_nps"]
    )
    details = excel_table(wb["Summary"], "Key_figures", ids=False)
    details = details.set_index("Measure")
    assert details.loc["Respondents scored", "Value"] == 1200
    text = " ".join(str(c.value) for c in wb["Summary"]["A"] if c.value)
    assert "strongest driver of NPS for decision makers" in text
    assert "a detractor among their decision makers" in text


def test_summary_names_accounts_and_keeps_risk_apart_from_blind_spots(book, scored):
    _, wb = book
    summary = wb["Summary"]
    risky = excel_table(summary, "At_risk", ids=False)
    blind = excel_table(summary, "Blind_spots", ids=False)
    # name and id in one text column: "Kestrelholm Machining Ltda. (ACC-0096)"
    for frame in (risky, blind):
        assert frame["Account"].str.fullmatch(r".+ \(ACC-\d{4}\)").all()
    reasons = {"decision-maker detractor", "significant fall", "low score"}
    for text in risky["At risk because"]:
        assert set(text.split(", ")) <= reasons
    for text in blind["Blind spot because"]:
        assert not set(text.split(", ")) & reasons
    assert len(summary._charts) == 1  # the index by tier
    tiers = excel_table(summary, "Tiers", ids=False)
    assert tiers["Accounts in"].tolist() == ["Portfolio", "Tier A", "Tier B", "Tier C"]
    assert "Revenue at risk" in tiers.columns


def test_movers_are_the_biggest_significant_changes(book, scored):
    _, wb = book
    movers = excel_table(wb["Summary"], "Movers")
    accounts = scored.accounts
    significant = accounts[accounts["significant"].eq(True)]
    # ranked on the change of the shrunken index, so a jump on one respondent
    # does not lead the list
    top_up = significant[significant["delta"] > 0].nlargest(5, "delta_eb")
    shown = movers.loc[movers["direction"] == "up", "account"]
    assert (
        shown.str.extract(r"\((ACC-\d{4})\)$")[0].tolist() == top_up["account"].tolist()
    )
    assert (movers.loc[movers["direction"] == "down", "delta"] < 0).all()
    assert {"index_eb", "reliability"} <= set(movers.columns)
    text = " ".join(str(c.value) for c in wb["Summary"]["A"] if c.value)
    assert "expected by chance" in text and "not testable" in text
    assert "ranked on the shrunk CX index (index_eb)" in text
    assert "delta_lfl" not in text and "Rankings use index_eb" not in text


def test_factors_equal_the_factors_output(book, export_and_config):
    _, wb = book
    from b2bcx.report.sheets_analyses import TEST_WORDS

    expected = analyses.factors(*export_and_config).table
    written = excel_table(wb["Factors"], "Factors")
    # the test in words: the sheet printed "cochran_armitage_asymptotic"
    assert not set(written["test"]) & set(TEST_WORDS)
    assert set(expected["test"]) <= set(TEST_WORDS)
    expected = expected.assign(test=expected["test"].map(TEST_WORDS))
    assert_same_table(written, expected)


def test_drivers_equal_the_drivers_output(book, export_and_config):
    _, wb = book
    export, config = export_and_config
    written = excel_table(wb["Drivers"], "Drivers")
    overall = analyses.drivers(export, config, bootstrap=50).table
    by_role = analyses.drivers(export, config, bootstrap=50, by_role=True).table
    all_rows = written[written["role"] == "all"].reset_index(drop=True)
    assert_same_table(all_rows[list(overall.columns)], overall)
    role_rows = written[written["role"] != "all"].reset_index(drop=True)
    assert_same_table(role_rows, by_role.assign(role=by_role["role"].map(pretty)))


def test_drivers_sheet_has_native_scatter_charts(book, scored):
    path, wb = book
    charts = wb["Drivers"]._charts  # openpyxl reads charts back
    assert len(charts) == 4  # all respondents and three roles
    assert all(isinstance(c, ScatterChart) for c in charts)
    assert len(charts[0].series) == len(scored.config.pillars)
    with zipfile.ZipFile(path) as archive:
        charts_xml = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        scatter = [n for n in charts_xml if b"scatterChart" in archive.read(n)]
        assert len(scatter) == 4


def test_the_hyperlink_comment_stays_text(book):
    _, wb = book
    cells = [
        c
        for row in wb["Respondents"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=HYPERLINK(")
    ]
    assert len(cells) == 1
    assert cells[0].data_type == "s"


def test_no_sheet_holds_a_formula(book):
    path, _ = book
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name), name


def test_data_quality_and_method(book, scored):
    _, wb = book
    rows = excel_table(wb["Data quality"], "Row_accounting")
    assert rows.iloc[0].tolist() == ["rows read", len(scored.rows)]
    files = excel_table(wb["Method"], "Input_files")
    assert files["kind"].tolist() == ["export", "baseline", "config"]
    assert files["rows"].tolist()[:2] == [1200, 1150]
    assert all(len(h) == 64 for h in files["sha256"])
    for file, digest in zip(files["file"], files["sha256"], strict=True):
        assert digest == hashlib.sha256(Path(file).read_bytes()).hexdigest(), file
    values = [c.value for c in wb["Method"]["A"]]
    assert RUN_TIME in values and "b2bcx version" in values


# -- determinism and atomic writing -----------------------------------------------


def cell_values(wb: openpyxl.Workbook) -> dict[str, list[tuple]]:
    """Every cell value per sheet, without the run-time row of the Method sheet."""
    return {
        ws.title: [
            row
            for row in ws.iter_rows(values_only=True)
            if not row or row[0] != RUN_TIME
        ]
        for ws in wb.worksheets
    }


def test_same_inputs_give_the_same_cell_values(inputs, cli_run, tmp_path):
    """The CLI run (now) and the library run (fixed time, --no-respondents) agree."""
    from_cli = openpyxl.load_workbook(cli_run[0])
    from_cli.remove(from_cli["Respondents"])
    from_library = openpyxl.load_workbook(write_report(inputs, tmp_path / "lib.xlsx"))
    assert from_library.sheetnames == [s for s in SHEETS if s != "Respondents"]
    assert cell_values(from_library) == cell_values(from_cli)
    assert inputs.run_time is not None
    run_times = [
        [r[1] for r in ws.iter_rows(values_only=True) if r and r[0] == RUN_TIME]
        for ws in (from_library["Method"], from_cli["Method"])
    ]
    assert run_times[0] == [inputs.run_time.isoformat(timespec="seconds")]
    assert run_times[0] != run_times[1]


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory) -> ReportInputs:
    """A four-respondent program: quick to write."""
    folder = tmp_path_factory.mktemp("small")
    export, config = small_program(folder, crafted_rows())
    sources = load_sources([export], config, None, None, None)
    return report_inputs(
        sources, options=AnalysisOptions(bootstrap=0), include_respondents=True
    )


def test_a_failed_save_leaves_no_partial_file_and_keeps_the_previous(
    small_inputs, tmp_path, monkeypatch
):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"last quarter's report")

    def broken_save(self):  # the workbook is written into a zip in memory first
        self._archive.writestr("xl/workbook.xml", b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.writer.excel.ExcelWriter, "save", broken_save)
    with pytest.raises(OutputError, match="disk full"):  # a clear error, exit 1
        write_report(small_inputs, target)
    assert target.read_bytes() == b"last quarter's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_a_failed_build_through_the_cli_keeps_the_previous(tmp_path, monkeypatch):
    export, config = small_program(tmp_path, crafted_rows())
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"last quarter's report")

    def broken(inputs):
        raise RuntimeError("killed")

    monkeypatch.setattr(report_workbook, "build_report", broken)
    result = run(export, "-c", config, "-o", target, "--bootstrap", 0)
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert target.read_bytes() == b"last quarter's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "export.csv",
        "program.yaml",
        "report.xlsx",
    ]


# -- crafted inputs: injection, strict, notes ------------------------------------


def small_program(tmp_path: Path, rows: list[dict[str, Any]]) -> tuple[Path, Path]:
    config = small_config(columns={**small_config()["columns"], "comment": "Comment"})
    config_path = write_yaml(tmp_path / "program.yaml", config)
    export = tmp_path / "export.csv"
    pd.DataFrame(rows).to_csv(export, index=False)
    return export, config_path


def crafted_rows() -> list[dict[str, Any]]:
    rows = [
        respondent("=1+2", "@SUM(A1)", "DM", [5, 4, 4, 5], nps=9),
        respondent("r2", "@SUM(A1)", "User", [2, 3, 3, 2], nps=3),
        respondent("@SUM(A1)", "=1+2", "Influencer", [4, 4, 5, 5], nps=10),
        respondent("r4", "ACC-3", "DM", [1, 2, 2, 1], nps=2),
    ]
    for row, comment in zip(rows, INJECTIONS, strict=True):
        row["Comment"] = comment
    return rows


def test_crafted_ids_and_comments_stay_text(tmp_path):
    export, config = small_program(tmp_path, crafted_rows())
    target = tmp_path / "crafted.xlsx"
    result = run(export, "-c", config, "-o", target, "--bootstrap", 0, "--respondents")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(target)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in INJECTIONS:
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    seen.add((ws.title, cell.value))
    assert {("Accounts", "@SUM(A1)"), ("Accounts", "=1+2")} <= seen
    assert {("Respondents", v) for v in INJECTIONS} <= seen
    assert ("Summary", "=1+2") in seen  # a single contact: listed as a blind spot


def test_missing_analyses_become_notes(tmp_path):
    export, config = small_program(tmp_path, crafted_rows())
    target = tmp_path / "notes.xlsx"
    assert (
        run(
            export, "-c", config, "-o", target, "--bootstrap", 0, "--respondents"
        ).exit_code
        == 0
    )
    wb = openpyxl.load_workbook(target)
    assert "no `factors:` section" in wb["Factors"]["A1"].value
    assert wb["Lifecycle"]["A1"].value.startswith("No lifecycle view")
    assert wb["Drivers"]["A1"].value  # a table, or a note why not


def conflicting_rows() -> list[dict[str, Any]]:
    rows = [
        respondent("r1", "A", "DM", [5, 4, 4, 5], region="EMEA"),
        respondent("r2", "A", "User", [4, 4, 4, 4], region="APAC"),
        respondent("r3", "B", "DM", [3, 3, 3, 3]),
    ]
    return [{**row, "Comment": "fine"} for row in rows]


def test_strict_fails_on_a_warning_and_writes_nothing(tmp_path):
    export, config = small_program(tmp_path, conflicting_rows())
    target = tmp_path / "strict.xlsx"
    result = run(export, "-c", config, "-o", target, "--strict", "--bootstrap", 0)
    assert result.exit_code == 1
    assert "--strict" in result.output and "conflicting" in result.output
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "program.yaml"]


def test_warnings_are_listed_on_the_data_quality_sheet(tmp_path):
    export, config = small_program(tmp_path, conflicting_rows())
    target = tmp_path / "warned.xlsx"
    assert run(export, "-c", config, "-o", target, "--bootstrap", 0).exit_code == 0
    problems = excel_table(openpyxl.load_workbook(target)["Data quality"], "Problems")
    assert problems["severity"].tolist() == ["warning"]
    assert problems["column"].tolist() == ["Region"]


# -- the command line -------------------------------------------------------------


def test_output_must_be_xlsx(tmp_path):
    result = run(Q3, "-c", CONFIG, "-o", tmp_path / "report.csv")
    assert result.exit_code == 2
    assert ".xlsx" in result.output
    assert list(tmp_path.iterdir()) == []


def test_output_is_required():
    assert run(Q3, "-c", CONFIG).exit_code == 2


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "b2bcx report examples/acme_2026q3.csv" in result.output


def test_cli_end_to_end(cli_run):
    target, result = cli_run
    assert "148 accounts" in result.stderr
    assert "1,200 respondents" in result.stderr
    assert "0 excluded rows" in result.stderr
    assert "accounts at risk" in result.stderr and "blind spots" in result.stderr
    assert result.stderr.strip().endswith(str(target))
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["acme_report.xlsx"]


def test_quiet_prints_no_summary(tmp_path):
    export, config = small_program(tmp_path, crafted_rows())
    target = tmp_path / "quiet.xlsx"
    result = runner.invoke(
        report_app(),
        ["--quiet", "report", str(export), "-c", str(config), "-o", str(target),
         "--bootstrap", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert target.exists()


def test_formula_like_text_carries_the_quote_prefix(tmp_path):
    export, config = small_program(tmp_path, crafted_rows())
    target = tmp_path / "quoted.xlsx"
    assert (
        run(
            export, "-c", config, "-o", target, "--bootstrap", 0, "--respondents"
        ).exit_code
        == 0
    )
    ws = openpyxl.load_workbook(target)["Respondents"]
    header = [c.value for c in ws[1]]
    column = ws.cell(row=1, column=header.index("Comment") + 1).column_letter
    comments = [c for c in ws[column][1:] if c.value in INJECTIONS]
    assert len(comments) == len(INJECTIONS)
    assert all(c.quotePrefix and c.data_type == "s" for c in comments)


def test_the_report_gets_the_usual_permissions(small_inputs, tmp_path):
    """The temporary file is private; the report must not stay 0600."""
    previous = os.umask(0o022)
    try:
        fresh = write_report(small_inputs, tmp_path / "a.xlsx")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "b.xlsx"
        kept.write_bytes(b"old")
        kept.chmod(0o640)
        write_report(small_inputs, kept)
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(previous)


def test_respondents_beyond_excels_row_limit_get_a_note_not_a_broken_sheet(
    small_inputs, tmp_path, monkeypatch
):
    from b2bcx.report import sheets_tables

    monkeypatch.setattr(sheets_tables, "EXCEL_ROWS", 3)  # as if 1,048,576 were 3
    target = write_report(small_inputs, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(target)["Respondents"]
    assert "do not fit on one Excel sheet" in sheet["A1"].value
    assert sheet.max_row == 2


# -- number formats and printing for people ---------------------------------------


def _column(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def test_reliability_and_p_values_show_the_digits_their_thresholds_need(book):
    _, wb = book
    accounts = wb["Accounts"]
    assert (
        accounts.cell(row=2, column=_column(accounts, "Reliability")).number_format
        == "0.00"
    )
    for header in ("p (change)", "q (change)"):
        cell = accounts.cell(row=2, column=_column(accounts, header))
        assert cell.number_format == '[<0.001]"<0.001";0.000', header


def test_summary_tables_read_on_their_own(book):
    _, wb = book
    ws = wb["Summary"]
    assert ws.column_dimensions["A"].width == 44
    assert all(ws.column_dimensions[c].width <= 30 for c in "BCDEFGH")
    header = next(
        r for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "Account"
    )[0].row
    row = list(ws[header])
    first = ws.cell(row=header + 1, column=1).value
    assert first.endswith(")") and "(ACC-" in first  # name and id in one text column
    numeric = [c for c in row if c.value in ("Shrunk CX index", "Reliability", "NPS")]
    assert numeric and all(c.alignment.horizontal == "right" for c in numeric)
    # page 1: headline and risks; then movers and blind spots; then reading. A
    # break sits after the row it names, so each page starts with its heading.
    starts = [ws.cell(row=b.id + 1, column=1).value for b in ws.row_breaks.brk]
    assert [s.split(" (")[0] for s in starts] == [
        "Biggest significant movers",
        "Reading",
    ]


def test_summary_text_longer_than_its_column_prints_whole(book):
    _, wb = book
    ws = wb["Summary"]
    clipped = [
        cell
        for table in ws.tables.values()
        for cells in ws[table.ref]
        for cell in cells
        if cell.value in ("Blind spot because", "Shrunk CX index")
        or str(cell.value).startswith("ICC(1)")
    ]
    assert len(clipped) >= 3
    for cell in clipped:
        assert cell.alignment.wrap_text, cell.value
        assert ws.row_dimensions[cell.row].height >= 30, cell.value
    reasons = next(
        cell
        for table in ws.tables.values()
        for cells in ws[table.ref]
        for cell in cells
        if str(cell.value).startswith("decision-maker detractor, ")
    )
    assert not reasons.alignment.wrap_text  # runs over the empty cells beside it


def test_printing_is_set_for_people(book):
    _, wb = book
    summary = wb["Summary"]
    assert summary.page_setup.orientation == "landscape"
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.page_setup.fitToWidth == 1 and summary.page_setup.fitToHeight == 0
    accounts = wb["Accounts"]
    assert not accounts.sheet_properties.pageSetUpPr.fitToPage
    assert accounts.page_setup.scale == 80
    assert accounts.print_title_cols == "$A:$B" or accounts.print_title_cols == "A:B"
    assert "1" in str(accounts.print_title_rows)


def test_the_blind_spot_note_names_every_reason_the_list_can_show(book):
    """The note above the Blind spots list said "one contact, no decision maker, low
    coverage, not heard", and the list below it gave "low reliability" as the reason
    for three of its first ten accounts."""
    from b2bcx.scoring.risk import BLIND_SPOT_LABELS

    _, wb = book
    note = next(
        str(c.value) for c in wb["Summary"]["A"] if str(c.value).startswith("Not risks")
    )
    for label in BLIND_SPOT_LABELS.values():
        assert label in note, label


def test_a_grown_summary_row_reads_from_its_top(book):
    """A measure that wraps to two lines grows its row; its value sat at the row's
    foot, printed a line below its label (the q ≤ 0.05 count, the k* respondents)."""
    _, wb = book
    ws = wb["Summary"]
    grown = 0
    for table in ws.tables.values():
        for cells in ws[table.ref][1:]:
            if (ws.row_dimensions[cells[0].row].height or 0) <= 15:
                continue
            grown += 1
            for cell in cells:
                if cell.value is not None:
                    assert cell.alignment.vertical == "top", (
                        cell.coordinate,
                        cell.value,
                    )
    assert grown >= 2


def test_the_flag_count_says_it_counts_every_flag(book, scored):
    """Key figures said "Accounts flagged 100" under "Accounts at risk 45 of 148" and
    "Blind spots 45 of 167": it counts the notes (roles disagree, the people who
    answered changed) too, and now says so."""
    from b2bcx.report.summary import FLAGGED

    _, wb = book
    figures = excel_table(wb["Summary"], "Key_figures", ids=False)
    measures = figures.set_index("Measure")["Value"]
    assert "Accounts flagged" not in measures.index
    assert measures[FLAGGED] == int(scored.accounts["flags"].map(len).gt(0).sum())
    segments = excel_table(wb["Segments"], "Segments", ids=False)
    assert "Accounts with any flag" in segments.columns
    assert FLAGGED.startswith("Accounts with any flag")


def test_the_chase_sheet_prints_and_scrolls_with_its_header(book):
    """The Chase table starts under its notes: printed, its pages after the first had no
    header (nor on screen, scrolled down its 160 rows), and its one-line note ran
    past the table's last column, where a printed sheet stops."""
    from b2bcx.report.sheets_tables import CHASE_NOTE_WIDTH

    _, wb = book
    ws = wb["Chase"]
    header = int(ws.tables["Chase"].ref.split(":")[0][1:])
    assert header > 1 and ws.cell(row=header, column=1).value == "Account"
    assert str(ws.print_title_rows).replace("$", "") == f"{header}:{header}"
    assert ws.freeze_panes == f"A{header + 1}"
    notes = [ws.cell(row=r, column=1).value for r in range(2, header)]
    assert notes and all(len(str(n)) <= CHASE_NOTE_WIDTH for n in notes)
    assert "roles not heard" in " ".join(str(n) for n in notes)
    # a sheet whose table sits under charts repeats no row on the charts' page
    assert wb["Drivers"].print_title_rows is None


def test_the_segments_sheet_names_its_own_cuts_in_words(book):
    """Beside the export's columns (Region, AccountManager) the sheet's Cut column said
    "portfolio" / "all" and "tier": the library's ids, where the Summary says
    "Portfolio" and "Tier A"."""
    _, wb = book
    table = excel_table(wb["Segments"], "Segments", ids=False)
    cuts = set(table["Cut"])
    assert {"Portfolio", "Revenue tier", "Region"} <= cuts
    assert not cuts & {"portfolio", "tier"}
    portfolio = table[table["Cut"].eq("Portfolio")]
    assert portfolio["Value"].tolist() == ["all accounts"]
    assert set(table.loc[table["Cut"].eq("Revenue tier"), "Value"]) == {"A", "B", "C"}


def test_the_change_sheet_says_roles_and_nps_in_words(book):
    """Its rate-and-mix table read "decision_maker" under "Group" and "Nps before",
    where Pillars by role says "Decision maker" and every other sheet "NPS"."""
    _, wb = book
    table = excel_table(wb["Change"], "NPS_rate_and_mix", ids=False)
    assert table.columns[0] == "Role"
    assert {"NPS before", "NPS after"} <= set(table.columns)
    roles = set(
        excel_table(wb["Pillars by role"], "Pillars_by_role", ids=False)["Role"]
    )
    assert set(table["Role"]) == roles and "Decision maker" in roles


def test_a_sheet_a_little_wider_than_a_page_prints_one_page_wide(book):
    """Chase and Change are within a page at 80%, yet printed two pages wide: the
    Change sheet's waterfall chart was cut in half across them."""
    _, wb = book
    for name in ("Chase", "Change", "Drivers"):  # Drivers: wider, but with charts
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, name
    assert not wb["Accounts"].sheet_properties.pageSetUpPr.fitToPage


def test_the_method_sheet_ties_index_eb_to_its_column_header(book):
    """The Method sheet defined index_eb, a name found on no other sheet (the tables
    say "Shrunk CX index" and "Shrunk index 95% CI low/high")."""
    _, wb = book
    terms = [str(c.value) for c in wb["Method"]["A"] if c.value]
    assert "reliability and index_eb (the Shrunk CX index)" in terms
    assert "index_eb interval (Shrunk index 95% CI)" in terms
    headers = {str(c.value) for c in wb["Accounts"][1]}
    assert {"Shrunk CX index", "Shrunk index 95% CI low"} <= headers


def test_the_method_sheet_says_which_accounts_get_no_score(book):
    """It read "fewer than 1 respondent(s) get no score" under the default."""
    from b2bcx.report.sheets_method import _too_few

    _, wb = book
    texts = " ".join(str(c.value) for c in wb["Method"]["B"] if c.value)
    assert "Every account heard gets a score." in texts
    assert "respondent(s)" not in texts
    assert _too_few(3) == "Accounts with fewer than 3 respondents get no score."


def test_no_cell_sends_the_reader_to_a_file_they_cannot_open(book):
    """The Change sheet cited docs/method.md#why-it-moved; the Method sheet holds the
    rules, and an account manager has the workbook, not the repository."""
    _, wb = book
    cited = [
        (ws.title, cell.coordinate)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "docs/" in cell.value
    ]
    assert cited == []
    topics = {str(c.value) for c in wb["Method"]["A"] if c.value}
    assert {"why the portfolio moved", "trends"} <= topics


def test_the_movers_show_the_change_that_orders_them(book):
    """The movers were ordered on the change of the shrunk index, a column the table
    did not show, so its visible Change column read out of order."""
    _, wb = book
    moved = excel_table(wb["Summary"], "Movers")
    assert list(moved.columns[:4]) == ["account", "direction", "delta_eb", "index_eb"]
    for direction, falling in (("up", True), ("down", False)):
        shrunk = moved.loc[moved["direction"] == direction, "delta_eb"]
        assert len(shrunk) > 1
        assert (
            shrunk.is_monotonic_decreasing
            if falling
            else shrunk.is_monotonic_increasing
        )
