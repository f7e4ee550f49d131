"""The command line: options, output formats, exit codes, messages, no partial files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from tests.conftest import EXAMPLES, small_config, write_yaml
from tests.test_golden import assert_same_table, read_table
from typer.testing import CliRunner

from b2bcx.cli import app
from b2bcx.config.models import SIX_PILLARS

runner = CliRunner()
Q3 = str(EXAMPLES / "acme_2026q3.csv")
Q2 = str(EXAMPLES / "acme_2026q2.csv")
CONFIG = str(EXAMPLES / "acme.yaml")


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("score", "validate", "factors", "drivers"):
        assert command in result.output


def test_no_arguments_shows_help():
    result = run("score")
    assert result.exit_code == 2  # a usage error: the command's help is shown
    assert "Usage" in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.startswith("b2bcx ")


def test_score_table_on_the_example():
    result = run("score", Q3, "-c", CONFIG, "--baseline", Q2)
    assert result.exit_code == 0, result.output
    assert "portfolio" in result.output
    assert "accounts at risk" in result.output and "blind spots" in result.output
    assert "moved significantly" in result.output


def test_score_csv_has_the_contract_columns():
    result = run("score", Q3, "-c", CONFIG, "--format", "csv")
    assert result.exit_code == 0
    header = result.stdout.splitlines()[0].split(",")
    assert header[:9] == [
        "account",
        "name",
        "n",
        "roles",
        "coverage",
        "index",
        "ci_low",
        "ci_high",
        "nps",
    ]
    pillars = list(SIX_PILLARS)
    assert header[9:15] == pillars
    assert "flags" in header


def test_score_json_with_baseline():
    result = run("score", Q3, "-c", CONFIG, "--baseline", Q2, "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert {"index_baseline", "delta", "significant"} <= set(records[0])
    assert any(r["significant"] for r in records)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet", ".xlsx"])
def test_score_output_files(tmp_path, suffix):
    target = tmp_path / f"accounts{suffix}"
    result = run("score", Q3, "-c", CONFIG, "-o", target)
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        table = pd.read_csv(target)
    elif suffix == ".json":
        table = pd.DataFrame(json.loads(target.read_text()))
    elif suffix == ".parquet":
        table = pd.read_parquet(target)
    else:
        table = pd.read_excel(target, engine="calamine")
    assert len(table) == 148 and table["account"].is_unique
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left


def test_xlsx_output_keeps_numbers_and_freezes_header(tmp_path):
    target = tmp_path / "a.xlsx"
    assert run("score", Q3, "-c", CONFIG, "-o", target).exit_code == 0
    sheet = openpyxl.load_workbook(target).active
    assert sheet.freeze_panes == "A2"
    assert isinstance(sheet["F2"].value, float)
    assert sheet["F2"].number_format == "0.0"


@pytest.mark.parametrize("by", ["role", "segment", "phase"])
def test_score_breakdowns(by):
    result = run("score", Q3, "-c", CONFIG, "--by", by, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    first = {"role": "role", "segment": "segment", "phase": "phase"}[by]
    assert table.columns[0] == first


def test_by_phase_without_phase_column_is_a_clear_error(tmp_path):
    config = small_config()
    export = tmp_path / "e.csv"
    export.write_text(
        "Id,Account,Role,Region,Revenue,NPS,Q1,Q2,Q3,Q4\n1,A,DM,EU,1,9,Agree,Agree,Agree,Agree\n"
    )
    result = run(
        "score", export, "-c", write_yaml(tmp_path / "c.yaml", config), "--by", "phase"
    )
    assert result.exit_code == 1
    assert "lifecycle" in result.output


def test_bad_values_exit_1_with_every_problem_and_no_output(tmp_path):
    export = tmp_path / "bad.csv"
    shutil.copy(Q3, export)
    text = export.read_text().splitlines()
    text[1] = text[1].replace("Agree", "Agreee", 1)
    text[5] = text[5].replace(",User,", ",Janitor,", 1)
    export.write_text("\n".join(text) + "\n")
    target = tmp_path / "out.csv"
    result = run("score", export, "-c", CONFIG, "-o", target)
    assert result.exit_code == 1
    assert "Agreee" in result.output and "Janitor" in result.output
    assert "Traceback" not in result.output
    assert not target.exists()


def test_existing_output_survives_a_failed_run(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("last quarter\n")
    result = run("score", tmp_path / "missing.csv", "-c", CONFIG, "-o", target)
    assert result.exit_code == 1
    assert target.read_text() == "last quarter\n"


def test_config_error_exit_1(tmp_path):
    config = small_config(rollup={"methd": "mean"})
    result = run("score", Q3, "-c", write_yaml(tmp_path / "c.yaml", config))
    assert result.exit_code == 1
    assert "did you mean `rollup.method`" in result.output


def test_missing_config_column_exit_1(tmp_path):
    config = small_config()
    result = run("score", Q3, "-c", write_yaml(tmp_path / "c.yaml", config))
    assert result.exit_code == 1
    assert "not in the export" in result.output


def test_unknown_output_extension_is_a_usage_error(tmp_path):
    result = run("score", Q3, "-c", CONFIG, "-o", tmp_path / "x.txt")
    assert result.exit_code == 2
    assert "unknown extension" in result.output
    assert not (tmp_path / "x.txt").exists()


def test_bad_option_value_is_a_usage_error():
    assert run("score", Q3, "-c", CONFIG, "--by", "colour").exit_code == 2


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "score", tmp_path / "missing.csv", "-c", CONFIG)
    assert result.exit_code != 0
    assert result.exception is not None


def test_validate_clean_example():
    result = run("validate", Q3, "-c", CONFIG)
    assert result.exit_code == 0, result.output
    assert "rows read" in result.output and "no problems found" in result.output


@pytest.mark.parametrize("fmt", ["csv", "bi"])
def test_validate_refuses_a_format_it_cannot_print(fmt):
    """`-f csv` printed the rich table: a script reading CSV got box drawing."""
    result = run("validate", Q3, "-c", CONFIG, "--format", fmt)
    assert result.exit_code == 2, result.output
    assert f"not --format {fmt}" in result.output
    assert "rows read" not in result.output


def test_validate_json_lists_problems(tmp_path):
    export = tmp_path / "bad.csv"
    text = Path(Q3).read_text().splitlines()
    text[3] = text[3].replace("Agree", "Maybe", 1)
    export.write_text("\n".join(text) + "\n")
    result = run("validate", export, "-c", CONFIG, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    (problem,) = report["problems"]
    assert (
        problem["row"] == 4
        and problem["value"] == "Maybe"
        and problem["file"] == str(export)
    )


def test_accounts_file_lists_accounts_not_heard():
    result = run(
        "score",
        Q3,
        "-c",
        CONFIG,
        "--accounts",
        EXAMPLES / "crm_accounts.csv",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    not_heard = table[table["flags"] == "not_heard"]
    assert len(not_heard) > 0 and (not_heard["n"] == 0).all()


def test_factors_on_the_interview_example():
    result = run(
        "factors",
        EXAMPLES / "lemke_interviews.csv",
        "-c",
        EXAMPLES / "lemke_interviews.yaml",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout)).set_index("factor")
    # personal_contact is the published reference table (docs/method.md#factor-screening): 6/7, 3/7, 1/6
    assert table.loc["personal_contact", "p"] == pytest.approx(0.0262, abs=5e-5)
    assert table.loc["proactive_objectives", "pass_frequency"]  # 5 of 20
    assert not table.loc["speed_of_delivery", "pass_frequency"]  # 4 of 20


def test_factors_table_and_by_role():
    result = run("factors", Q3, "-c", CONFIG)
    assert result.exit_code == 0, result.output
    assert "Cochran" in result.output and "important" in result.output
    by_role = run("factors", Q3, "-c", CONFIG, "--by", "role", "--format", "csv")
    roles = set(pd.read_csv(pd.io.common.StringIO(by_role.stdout))["role"])
    assert roles == {"all", "decision_maker", "influencer", "user"}


def test_factors_without_factor_config_is_exit_1(tmp_path):
    data = small_config()
    export = tmp_path / "e.csv"
    export.write_text(
        "Id,Account,Role,Region,Revenue,NPS,Q1,Q2,Q3,Q4\n1,A,DM,EU,1,9,Agree,Agree,Agree,Agree\n"
    )
    result = run("factors", export, "-c", write_yaml(tmp_path / "c.yaml", data))
    assert result.exit_code == 1 and "factors" in result.output


def test_drivers_by_role_and_plot(tmp_path):
    png = tmp_path / "q.png"
    result = run(
        "drivers", Q3, "-c", CONFIG, "--by", "role", "--bootstrap", "50", "--plot", png
    )
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "agrees" in result.output and "differs" in result.output


def test_drivers_unknown_outcome_suggests():
    result = run("drivers", Q3, "-c", CONFIG, "--outcome", "loyalti")
    assert result.exit_code == 1
    assert "did you mean `loyalty`" in result.output


def test_drivers_shapley_csv():
    result = run(
        "drivers",
        Q3,
        "-c",
        CONFIG,
        "--method",
        "shapley",
        "--bootstrap",
        "20",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert table["importance"].sum() == pytest.approx(table["r2"].iloc[0])


def test_factor_codes_not_in_the_labels_are_reported_not_dropped(tmp_path):
    lines = Path(Q3).read_text().splitlines()
    typos = [i for i, line in enumerate(lines) if "; flexibility" in line][:3]
    for i in typos:
        lines[i] = lines[i].replace("; flexibility", "; flexibilty", 1)
    export = tmp_path / "typo.csv"
    export.write_text("\n".join(lines) + "\n")
    result = run("factors", export, "-c", CONFIG, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout)).set_index("factor")
    assert table.loc["flexibilty", "count"] == 3  # screened under its code, not dropped
    shown = run("factors", export, "-c", CONFIG)
    assert "flexibilty" in shown.output and "not in `factors.labels`" in shown.output


def test_an_internal_error_is_one_line_without_traceback(tmp_path):
    """A bug must not spill a traceback into a batch log unless --debug asks for it."""
    import subprocess
    import sys

    code = (
        "import sys, b2bcx.api.accounts as api\n"
        "def boom(*a, **k): raise RuntimeError('boom')\n"
        "api.score = boom\n"
        "import b2bcx.api.streamed as streamed\n"
        "streamed.score_files = boom\n"
        "from b2bcx.cli import main\n"
        f"sys.argv = ['b2bcx', 'score', {Q3!r}, '-c', {CONFIG!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "internal error: RuntimeError: boom" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def workbook_export(tmp_path_factory) -> Path:
    """The example export as the second sheet of a workbook, under a title row."""
    path = tmp_path_factory.mktemp("xlsx") / "acme.xlsx"
    frame = pd.read_csv(Q3, dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Exported from the survey platform"])
    sheet = book.create_sheet("Responses")
    sheet.append(["Acme survey 2026-Q3"])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if v == "" else v for v in row])
    book.save(path)
    return path


@pytest.mark.parametrize("sheet", ["Responses", "1", "responses"])
def test_sheet_by_name_or_index_scores_like_the_csv(workbook_export, sheet):
    from_csv = run("score", Q3, "-c", CONFIG, "--format", "csv").stdout
    from_xlsx = run(
        "score", workbook_export, "-c", CONFIG, "--sheet", sheet, "--format", "csv"
    )
    assert from_xlsx.exit_code == 0, from_xlsx.output
    # same accounts in the same order, numbers to 1e-9 (the sums may differ in the
    # last bit between the two readers)
    assert_same_table(read_table(from_xlsx.stdout), read_table(from_csv))


def test_missing_sheet_lists_the_sheets(workbook_export):
    result = run("score", workbook_export, "-c", CONFIG, "--sheet", "Answers")
    assert result.exit_code == 1
    assert "Responses" in result.output and "Notes" in result.output


def test_init_through_the_real_command_line(tmp_path):
    target = tmp_path / "program.yaml"
    assert run("init", Q3, "-o", target).exit_code == 0
    checked = run("validate", Q3, "-c", target)  # the example has no question text:
    assert checked.exit_code == 1  # its statements wait in the `unassigned` pillar
    assert "pillar `unassigned` still holds statements" in checked.output
    again = run("init", Q3, "-o", target)
    assert again.exit_code == 1 and "--force" in again.output


def test_quiet_silences_stderr_notes(tmp_path):
    target = tmp_path / "a.csv"
    loud = run("score", Q3, "-c", CONFIG, "-o", target)
    quiet = run("--quiet", "score", Q3, "-c", CONFIG, "-o", target)
    assert loud.exit_code == quiet.exit_code == 0
    assert "wrote" in loud.output and "wrote" not in quiet.output


BLAS_PROBE = """
import os, sys
for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.pop(name, None)
os.environ["MKL_NUM_THREADS"] = "3"  # the user's own setting stays
from b2bcx.cli import main
sys.argv = ["b2bcx", "--version"]
try:
    main()
except SystemExit:
    pass
print(os.environ.get("OPENBLAS_NUM_THREADS"), os.environ["MKL_NUM_THREADS"],
      "numpy" in sys.modules)
"""


def test_the_command_line_sets_blas_to_one_thread_before_numpy_is_imported():
    """BLAS threads spin on a busy machine (b2bcx.cli.one_blas_thread): the command
    line asks for one before numpy reads the setting, and keeps the user's own."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE], capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-3:] == ["1", "3", "False"]


def test_an_output_that_is_a_folder_is_named_as_one(tmp_path):
    """``-o DIR`` (a folder that exists) is a usage error that says so, not an
    "unknown extension (none)"."""
    result = run("score", Q3, "-c", CONFIG, "-o", tmp_path)
    assert result.exit_code == 2
    assert "it is a folder" in result.output
    assert "accounts.csv" in result.output  # a file to name in it
    assert list(tmp_path.iterdir()) == []
