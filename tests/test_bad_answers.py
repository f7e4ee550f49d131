"""``--bad-answers missing``: one bad cell no longer stops a scheduled run; every
answer read as missing is listed with file, row, column and value."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pandas as pd
from tests.conftest import write_yaml
from tests.real_layouts import CONFIG, csv_text, current_rows
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.cli import app
from b2bcx.config.models import parse_config
from b2bcx.io import read_export

runner = CliRunner()


def _export_with_bad_cells(folder: Path) -> Path:
    rows = current_rows()
    header = rows[0]
    rows[5][header.index("Q3_1")] = "Agre"  # file row 6
    rows[9][header.index("Q3_2")] = "7"  # file row 10, off the 1..5 scale
    rows[12][header.index("Q4")] = "eleven"  # file row 13, the NPS outcome
    path = folder / "bad_cells.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def test_bad_answers_are_errors_by_default(tmp_path: Path) -> None:
    checked = api.check(
        read_export(_export_with_bad_cells(tmp_path)), parse_config(CONFIG)
    )
    errors = [p for p in checked.problems if p.severity == "error"]
    assert {(p.row, p.column) for p in errors} == {
        (6, "Q3_1"),
        (10, "Q3_2"),
        (13, "Q4"),
    }


def test_missing_mode_lists_each_bad_answer_and_scores_it_as_blank(
    tmp_path: Path,
) -> None:
    path = _export_with_bad_cells(tmp_path)
    config = parse_config(CONFIG)
    result = api.score(read_export(path), config, bad_answers="missing")
    listed = [p for p in result.problems if p.problem.startswith("unreadable answer")]
    assert [(p.file, p.row, p.column, p.value, p.severity) for p in listed] == [
        (str(path), 6, "Q3_1", "Agre", "warning"),
        (str(path), 10, "Q3_2", "7", "warning"),
        (str(path), 13, "Q4", "eleven", "warning"),
    ]
    blanked = tmp_path / "blanked.csv"
    rows = current_rows()
    for row, column in ((5, "Q3_1"), (9, "Q3_2"), (12, "Q4")):
        rows[row][rows[0].index(column)] = ""
    blanked.write_text(csv_text(rows), encoding="utf-8")
    expected = api.score(read_export(blanked), config)
    pd.testing.assert_frame_equal(
        api.account_output(result), api.account_output(expected)
    )


def test_the_command_line_counts_them_and_strict_still_fails(tmp_path: Path) -> None:
    path = _export_with_bad_cells(tmp_path)
    config = write_yaml(tmp_path / "program.yaml", copy.deepcopy(CONFIG))
    base = [str(path), "-c", str(config)]
    assert runner.invoke(app, ["score", *base]).exit_code == 1
    lenient = runner.invoke(
        app, ["score", *base, "--bad-answers", "missing", "-f", "csv"]
    )
    assert lenient.exit_code == 0, lenient.output
    assert "3 unreadable answers read as missing" in lenient.stderr
    checked = runner.invoke(app, ["validate", *base, "--bad-answers", "missing"])
    assert checked.exit_code == 0, checked.output
    assert "3 unreadable answers read as missing" in checked.stderr
    bad = runner.invoke(app, ["score", *base, "--bad-answers", "sometimes"])
    assert bad.exit_code == 2

    out = tmp_path / "report.xlsx"
    report = [*base, "-o", str(out), "--bootstrap", "0", "--bad-answers", "missing"]
    strict = runner.invoke(app, ["report", *report, "--strict"])
    assert strict.exit_code == 1 and not out.exists()
    assert "unreadable answer" in strict.output
    written = runner.invoke(app, ["report", *report])
    assert written.exit_code == 0, written.output
    assert "3 unreadable answers read as missing" in written.stderr
    sheet = openpyxl.load_workbook(out)["Data quality"]
    cells = [
        [c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)
    ]
    listed = [row for row in cells if any("unreadable answer" in str(c) for c in row)]
    assert len(listed) == 3
    assert any("Agre" in row and 6 in row and "Q3_1" in row for row in listed)
