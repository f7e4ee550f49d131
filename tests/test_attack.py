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


# -- 2. no formula through a line break; xlsx outputs quote formula-like text ---------
HOSTILE_REGION = "APAC\r=cmd|' /C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _export_with_cells(path: Path, cells: dict[tuple[int, int], str]) -> Path:
    """good.csv with cells (record, column) replaced; record 0 is the header."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO((BAD / "good.csv").read_text("utf-8"))))
    for (row, column), value in cells.items():
        rows[row][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


def _no_formula_on_any_physical_line(text: str) -> None:
    """Even a reader that splits at every CR or LF sees no line starting a formula."""
    import csv
    import re

    for line in re.split(r"\r\n|\r|\n", text):
        for cell in next(csv.reader([line]), []):
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # a negative number is fine; a formula is not


@pytest.mark.parametrize("by", [[], ["--by", "segment"]])
def test_a_carriage_return_cannot_start_a_formula_row_in_csv(
    inputs: dict[str, Path], tmp_path: Path, by: list[str]
) -> None:
    import csv
    import io

    import pandas as pd

    # both ACC-2 respondents: the account's segment
    _export_with_cells(
        inputs["export"], {(3, 3): HOSTILE_REGION, (4, 3): HOSTILE_REGION}
    )
    out = tmp_path / "out.csv"
    result = run("score", inputs["export"], "-c", inputs["config"], *by, "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "\r=" not in text
    _no_formula_on_any_physical_line(text)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len({len(row) for row in rows}) == 1  # no column shifted
    frame = pd.read_csv(out, dtype=str)
    assert len(frame) == len(rows) - 1
    assert any("'=cmd" in str(v) for v in frame.to_numpy().ravel())
    stdout = run("score", inputs["export"], "-c", inputs["config"], *by, "-f", "csv")
    _no_formula_on_any_physical_line(stdout.stdout)


def test_formula_like_text_is_quote_prefixed_in_an_xlsx_table(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import openpyxl

    formula = "=HYPERLINK(1)"
    export = _export_with_cells(inputs["export"], {(1, 1): formula, (2, 1): formula})
    out = tmp_path / "out.xlsx"
    result = run("score", export, "-c", inputs["config"], "-o", out)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.quotePrefix and c.data_type == "s" for c in cells)


# -- 4. control characters never crash report -------------------------------------------
CONTROLS = {
    (1, 9): "Fine\x0bthanks",  # Word's Shift+Enter in a comment
    (3, 3): "AP\x1b]0;pwned\x07AC",  # ESC ... BEL: retitles a terminal
    (4, 3): "AP\x1b]0;pwned\x07AC",
    (5, 9): "Poor\x1b[2J",  # clears the screen
}


def test_control_characters_are_replaced_in_the_report_and_warned(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import openpyxl

    export = _export_with_cells(inputs["export"], CONTROLS)
    out = tmp_path / "report.xlsx"
    result = run("report", export, "-c", inputs["config"], "-o", out, "--respondents")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    texts = [str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r]
    assert any("Fine\nthanks" in t for t in texts)
    assert any("AP\ufffd]0;pwned\ufffdAC" in t for t in texts)
    assert not any("\x1b" in t or "\x07" in t or "\x0b" in t for t in texts)
    checked = run("validate", export, "-c", inputs["config"])
    assert "held control characters" in checked.output
    assert "\x1b" not in checked.output and "\x07" not in checked.output


def test_a_nul_in_a_parquet_export_does_not_crash_report(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import pandas as pd

    frame = pd.read_csv(BAD / "good.csv", dtype=str)
    frame.loc[0, "Comment"] = "nul\x00here"
    frame.loc[1, "Region"] = "EM\x00EA"
    frame.to_parquet(tmp_path / "nul.parquet", index=False)
    out = tmp_path / "report.xlsx"
    result = run("report", tmp_path / "nul.parquet", "-c", inputs["config"], "-o", out)
    assert result.exit_code == 0, result.output
    assert out.exists()


# -- 5. resource limits --------------------------------------------------------------
def _xlsx_with_far_cell(path: Path, dimension: str | None = None) -> Path:
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Id"
    sheet["XFD1048576"] = "x"
    book.save(path)
    if dimension is not None:
        with zipfile.ZipFile(path) as archive:
            items = [(i, archive.read(i.filename)) for i in archive.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in items:
                if info.filename.startswith("xl/worksheets/"):
                    data = re.sub(rb"<dimension[^>]*/>", dimension.encode(), data)
                archive.writestr(info, data)
    return path


@pytest.mark.parametrize(
    "dimension", [None, '<dimension ref="A1:B2"/>', ""], ids=["true", "lying", "none"]
)
def test_a_far_away_cell_is_refused_before_reading(
    inputs: dict[str, Path], tmp_path: Path, dimension: str | None
) -> None:
    export = _xlsx_with_far_cell(tmp_path / "far.xlsx", dimension)
    assert export.stat().st_size < 20_000
    result = run("validate", export, "-c", inputs["config"])
    assert result.exit_code == 1, result.output
    assert "MAX_COLUMNS" in result.output or "MAX_CELLS" in result.output


def test_a_zip_bomb_is_refused_by_its_expanded_size(
    inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from b2bcx.io import limits

    monkeypatch.setattr(limits, "MAX_EXPANDED_BYTES", 1 << 20)
    export = tmp_path / "bomb.xlsx"
    shutil.copy(_xlsx_with_far_cell(tmp_path / "seed.xlsx"), export)
    with zipfile.ZipFile(export, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (2 << 20))
    result = run("validate", export, "-c", inputs["config"])
    assert result.exit_code == 1, result.output
    assert "MAX_EXPANDED_BYTES" in result.output and "expands to 2 MiB" in result.output


def test_a_hundred_thousand_empty_columns_fail_fast(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import time

    export = tmp_path / "wide.csv"
    header = (BAD / "good.csv").read_text("utf-8").splitlines()[0]
    lines = [header + "," * 100_000] + [
        line + "," * 100_000 for line in (BAD / "good.csv").read_text().splitlines()[1:]
    ]
    export.write_text("\n".join(lines) + "\n", "utf-8")
    started = time.perf_counter()
    result = run("validate", export, "-c", inputs["config"])
    assert time.perf_counter() - started < 5
    assert result.exit_code == 1, result.output
    assert "100,010 columns" in result.output and "MAX_COLUMNS" in result.output


# -- 7. a read-only output is never replaced ---------------------------------------------
@pytest.mark.parametrize("command", ["score", "report"])
def test_a_read_only_output_is_left_alone(
    inputs: dict[str, Path], tmp_path: Path, command: str
) -> None:
    out = tmp_path / ("old.csv" if command == "score" else "old.xlsx")
    out.write_bytes(b"last quarter")
    out.chmod(0o444)
    result = run(command, inputs["export"], "-c", inputs["config"], "-o", out)
    assert result.exit_code == 1, result.output
    assert "read-only" in result.output
    assert out.read_bytes() == b"last quarter"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["crm.csv", "export.csv", "program.yaml", out.name]
    )


def test_the_writer_refuses_a_read_only_file(tmp_path: Path) -> None:
    import pandas as pd

    from b2bcx.errors import OutputError
    from b2bcx.io.writers import write_table

    out = tmp_path / "t.json"
    out.write_text("keep")
    out.chmod(0o400)
    with pytest.raises(OutputError, match="read-only"):
        write_table(pd.DataFrame({"a": [1]}), out)
    assert out.read_text() == "keep"


# -- 8. silently wrong numbers -----------------------------------------------------------
def _config_with(
    inputs: dict[str, Path], extra: str, replace: tuple[str, str] = ("", "")
) -> Path:
    text = inputs["config"].read_text("utf-8")
    if replace[0]:
        assert replace[0] in text
        text = text.replace(*replace)
    inputs["config"].write_text(text + extra, "utf-8")
    return inputs["config"]


def test_a_duplicate_yaml_key_is_an_error_naming_key_and_line(
    inputs: dict[str, Path],
) -> None:
    config = _config_with(inputs, "outcomes:\n  nps: NPS\n")
    result = run("validate", inputs["export"], "-c", config)
    assert result.exit_code == 1, result.output
    assert "duplicate key 'outcomes'" in result.output
    lines = config.read_text("utf-8").splitlines()
    assert f"line {len(lines) - 1}," in result.output


@pytest.mark.parametrize(
    "scale",
    [
        "{min: .nan, max: 10}",
        "{min: 0, max: .inf}",
        "{min: -1e308, max: 1e308}",
        "{min: 0, max: 1e999}",
    ],
)
def test_non_finite_or_huge_scale_bounds_are_config_errors(
    inputs: dict[str, Path], scale: str
) -> None:
    config = _config_with(
        inputs,
        f"scales:\n  nps11: {scale}\n",
    )
    result = run("validate", inputs["export"], "-c", config)
    assert result.exit_code == 1, result.output
    assert "error" in result.output.lower()


@pytest.mark.parametrize("weight", ["1e308", ".inf", ".nan", "1e400"])
def test_overflowing_or_non_finite_weights_are_config_errors(
    inputs: dict[str, Path], weight: str
) -> None:
    config = _config_with(
        inputs, "", ("decision_maker: 0.5,", f"decision_maker: {weight},")
    )
    result = run("validate", inputs["export"], "-c", config)
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize(
    ("written", "amount", "ambiguous"),
    [
        ("1.250.000", 1_250_000.0, False),
        ("1,250,000", 1_250_000.0, False),
        ("1 250 000", 1_250_000.0, False),
        ("1\u00a0250\u00a0000", 1_250_000.0, False),
        ("1'250'000", 1_250_000.0, False),
        ("1.250.000,50", 1_250_000.5, False),
        ("1,250,000.50", 1_250_000.5, False),
        ("€ 1.2e6", 1_200_000.0, False),
        ("1250000.00", 1_250_000.0, False),
        ("1250,5", 1250.5, False),
        ("1.250", 1250.0, True),
        ("1,250", 1250.0, True),
    ],
)
def test_revenue_understands_thousands_separators(
    written: str, amount: float, ambiguous: bool
) -> None:
    import pandas as pd

    from b2bcx.scoring.accounts import read_amounts

    values, unsure, infinite = read_amounts(pd.Series([written]))
    assert values[0] == pytest.approx(amount)
    assert bool(unsure[0]) is ambiguous
    assert not infinite[0]


@pytest.mark.parametrize("written", ["inf", "-Infinity", "1e999"])
def test_infinite_revenue_is_an_error(inputs: dict[str, Path], written: str) -> None:
    inputs["accounts"].write_text(
        f"Account,ARR\nACC-1,100\nACC-2,{written}\nACC-3,300\n", "utf-8"
    )
    result = run(
        "score",
        inputs["export"],
        "-c",
        inputs["config"],
        "--accounts",
        inputs["accounts"],
        "-f",
        "json",
    )
    assert result.exit_code == 1, result.output
    assert "infinite" in result.output and "ACC-2" in result.output


@pytest.mark.parametrize(
    "written", ["1.2M", "12k", "3 bn", "1,5 Mio", "2 million", "USD 4.5m", "7K"]
)
def test_an_abbreviated_amount_is_refused_not_read_as_its_digits(
    written: str,
) -> None:
    """A CRM's "1.2M" is 1,200,000: dropping its letter read it as 1.2 (tier C)."""
    import pandas as pd

    from b2bcx.scoring.accounts import read_amounts

    values, _, refused = read_amounts(pd.Series([written]))
    assert pd.isna(values[0])
    assert refused[0].startswith("abbreviated")


@pytest.mark.parametrize(
    "written", ["EUR 1200", "1200 SEK", "1200 MXN", "1.2e6", "$1,200", "€1.250.000,50"]
)
def test_a_currency_code_or_exponent_is_not_an_abbreviation(written: str) -> None:
    import pandas as pd

    from b2bcx.scoring.accounts import read_amounts

    values, _, refused = read_amounts(pd.Series([written]))
    assert refused[0] == "" and values[0] > 0


def test_an_abbreviated_revenue_stops_the_run_with_its_row(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    inputs["accounts"].write_text(
        "Account,ARR\nACC-1,100\nACC-2,1.2M\nACC-3,300\n", "utf-8"
    )
    out = tmp_path / "scores.csv"
    result = run(
        "score",
        inputs["export"],
        "-c",
        inputs["config"],
        "--accounts",
        inputs["accounts"],
        "-o",
        out,
    )
    assert result.exit_code == 1, result.output
    assert "row 3" in result.output and "ACC-2: 1.2M" in result.output
    assert "1200000, not 1.2M" in result.output
    assert not out.exists()


def test_an_account_listed_twice_is_named_with_both_rows(
    inputs: dict[str, Path],
) -> None:
    inputs["accounts"].write_text(
        "Account,ARR\nACC-1,100\nACC-2,200\nACC-3,300\nACC-2,250\n", "utf-8"
    )
    result = run(
        "score",
        inputs["export"],
        "-c",
        inputs["config"],
        "--accounts",
        inputs["accounts"],
    )
    assert result.exit_code == 1, result.output
    assert "row 5, column Account, value 'ACC-2'" in result.output, result.output
    assert "first listed at row 3" in result.output


def test_ambiguous_revenue_is_warned(inputs: dict[str, Path]) -> None:
    inputs["accounts"].write_text(
        'Account,ARR\nACC-1,"1.250"\nACC-2,"1.250.000"\nACC-3,300\n', "utf-8"
    )
    result = run(
        "validate",
        inputs["export"],
        "-c",
        inputs["config"],
        "--accounts",
        inputs["accounts"],
    )
    assert "read as thousands" in result.output, result.output


def test_json_never_holds_infinity_or_nan() -> None:
    import json
    import math

    import pandas as pd

    from b2bcx.io.writers import json_text

    table = pd.DataFrame({"a": [math.inf, -math.inf, math.nan, 1.5]})
    text = json_text(table)
    assert json.loads(text) == [{"a": None}, {"a": None}, {"a": None}, {"a": 1.5}]
    assert json.loads(json_text({"x": [math.inf]})) == {"x": [None]}


def test_invisible_characters_in_account_ids_merge_with_a_warning(
    inputs: dict[str, Path],
) -> None:
    export = _export_with_cells(
        inputs["export"],
        {(2, 1): "\ufeffACC-1", (4, 1): "ACC-2\u200b", (6, 1): "ACC-3\u00a0"},
    )
    result = run("score", export, "-c", inputs["config"], "-f", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4  # three accounts, none split in two
    checked = run("validate", export, "-c", inputs["config"])
    assert "differ only by invisible characters" in checked.output


def test_long_numeric_ids_in_xlsx_keep_every_digit(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import csv
    import io
    import zipfile

    import openpyxl

    rows = list(csv.reader(io.StringIO((BAD / "good.csv").read_text("utf-8"))))
    ids = {
        "ACC-1": 12345678901234567,
        "ACC-2": 12345678901234568,
        "ACC-3": 98765432109876543,
    }
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(rows[0])
    placeholders = {"ACC-1": 1111, "ACC-2": 2222, "ACC-3": 3333}
    for row in rows[1:]:
        sheet.append([placeholders.get(c, c) for c in row])
    export = tmp_path / "ids.xlsx"
    book.save(export)
    # openpyxl writes floats of 16 digits: put the exact digits into the XML
    with zipfile.ZipFile(export) as archive:
        items = [(i, archive.read(i.filename)) for i in archive.infolist()]
    with zipfile.ZipFile(export, "w") as archive:
        for info, data in items:
            for account, number in placeholders.items():
                data = data.replace(
                    f"<v>{number}</v>".encode(), f"<v>{ids[account]}</v>".encode()
                )
            archive.writestr(info, data)
    result = run("score", export, "-c", inputs["config"], "-f", "csv")
    assert result.exit_code == 0, result.output
    accounts = {line.split(",")[0] for line in result.stdout.splitlines()[1:]}
    assert accounts == {str(v) for v in ids.values()}


# -- 9. extends: reads only YAML files and never echoes them ---------------------------------
@pytest.mark.parametrize("name", ["secret.txt", "secret", "shadow.conf"])
def test_extends_refuses_files_that_are_not_yaml(
    inputs: dict[str, Path], tmp_path: Path, name: str
) -> None:
    secret = tmp_path / name
    secret.write_text("root: hunter2-password-hash\nadmin: s3cr3t\n", "utf-8")
    config = _config_with(inputs, f"extends: {secret}\n")
    result = run("validate", inputs["export"], "-c", config)
    assert result.exit_code == 1, result.output
    assert "hunter2" not in result.output and "s3cr3t" not in result.output
    assert "not a YAML file" in result.output or "names no file" in result.output


def test_extends_still_reads_a_yml_file(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    (tmp_path / "base.yml").write_text("flags: {role_gap: 30}\n", "utf-8")
    config = _config_with(inputs, f"extends: {tmp_path / 'base.yml'}\n")
    result = run("validate", inputs["export"], "-c", config)
    assert result.exit_code == 0, result.output


# -- 10. no hang, no traceback ---------------------------------------------------------------
@pytest.mark.parametrize("role", ["export", "config", "accounts"])
def test_a_fifo_as_input_is_refused_without_hanging(
    inputs: dict[str, Path], tmp_path: Path, role: str
) -> None:
    fifo = tmp_path / f"pipe.{'yaml' if role == 'config' else 'csv'}"
    os.mkfifo(fifo)
    paths = {**inputs, role: fifo}
    result = run(
        "score", paths["export"], "-c", paths["config"], "--accounts", paths["accounts"]
    )
    assert result.exit_code == 1, result.output
    assert "not a regular file" in result.output


def test_a_device_as_export_is_refused() -> None:
    result = run("validate", "/dev/zero", "-c", BAD / "good.yaml")
    assert result.exit_code == 1, result.output
    assert "not a regular file" in result.output


def test_disk_full_during_report_is_one_error(
    inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from b2bcx.report import workbook

    def full(path: Path, book: Any, stamp: Any = None) -> None:
        path.write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "write_workbook", full)
    out = tmp_path / "out" / "report.xlsx"
    out.parent.mkdir()
    result = run("report", inputs["export"], "-c", inputs["config"], "-o", out)
    assert result.exit_code == 1, result.output
    assert result.output.count("error:") == 1
    assert "No space left on device" in result.output
    assert list(out.parent.iterdir()) == []


def test_out_of_memory_is_one_clear_line(
    inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from b2bcx.io import reader

    def exhausted(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(reader, "read_export", exhausted)
    from b2bcx.io import batches  # the streaming reader of `score`

    monkeypatch.setattr(batches, "stream_source", exhausted)
    result = run("score", inputs["export"], "-c", inputs["config"])
    assert result.exit_code == 1, result.output
    assert "error: out of memory" in result.output
    assert "internal error" not in result.output


def test_the_entry_point_reports_out_of_memory(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import b2bcx.cli as cli

    def exhausted() -> None:
        raise MemoryError

    monkeypatch.setattr(cli, "app", exhausted)
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 1
    assert capsys.readouterr().err.startswith("error: out of memory")


@pytest.mark.parametrize("content", ["\n\n\n\n", "\r\n\r\n", "  \n\t\n", ",,,\n,,,\n"])
def test_a_csv_of_blank_lines_holds_no_data(
    inputs: dict[str, Path], tmp_path: Path, content: str
) -> None:
    export = tmp_path / "blank.csv"
    export.write_bytes(content.encode())
    result = run("validate", export, "-c", inputs["config"])
    assert result.exit_code == 1, result.output
    assert "holds no data" in result.output


@pytest.mark.parametrize("role", ["export", "config", "output"])
def test_a_symlink_loop_is_a_clear_error(
    inputs: dict[str, Path], tmp_path: Path, role: str
) -> None:
    loop = tmp_path / "loop.csv"
    os.symlink(tmp_path / "other.csv", loop)
    os.symlink(loop, tmp_path / "other.csv")
    args = {"export": inputs["export"], "config": inputs["config"]}
    output: list[Any] = []
    if role == "output":
        output = ["-o", loop]
    else:
        args[role] = loop
    result = run("score", args["export"], "-c", args["config"], *output)
    assert result.exit_code == 1, result.output
    assert "loops back on itself" in result.output


@pytest.mark.parametrize("role", ["export", "config", "output"])
def test_an_over_long_file_name_is_a_clear_error(
    inputs: dict[str, Path], tmp_path: Path, role: str
) -> None:
    long = tmp_path / ("a" * 300 + ".csv")
    args = {"export": inputs["export"], "config": inputs["config"]}
    output: list[Any] = []
    if role == "output":
        output = ["-o", long]
    else:
        args[role] = long
    result = run("score", args["export"], "-c", args["config"], *output)
    assert result.exit_code == 1, result.output
    assert "too long" in result.output
    assert len(result.output) < 1000


def test_a_negative_seed_is_a_usage_error(inputs: dict[str, Path]) -> None:
    result = run("drivers", inputs["export"], "-c", inputs["config"], "--seed", "-5")
    assert result.exit_code == 2, result.output
    assert "--seed" in result.output


@pytest.mark.parametrize("role", ["export", "config"])
def test_an_unreadable_input_exits_1_without_usage_banner(
    inputs: dict[str, Path], role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pathlib

    locked = inputs[role]
    real_open = pathlib.Path.open

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", denied)
    result = run("score", inputs["export"], "-c", inputs["config"])
    assert result.exit_code == 1, result.output
    assert "Permission denied" in result.output
    assert "Usage:" not in result.output


# -- 11. respondent text cannot steer the terminal ---------------------------------------------
def test_markup_and_c1_controls_in_data_are_shown_as_text(
    inputs: dict[str, Path],
) -> None:
    export = _export_with_cells(
        inputs["export"],
        {
            (1, 1): "[/]",
            (2, 1): "[/]",
            (3, 1): "[link=http://evil.example]ACC-2[/link]",
            (4, 1): "[link=http://evil.example]ACC-2[/link]",
            (5, 1): "ACC\x9b2J-3",  # a C1 control sequence introducer
            (6, 1): "ACC\x9b2J-3",
        },
    )
    result = run("score", export, "-c", inputs["config"])
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output
    assert "[link=http://evil.example]ACC-2[/link]" in result.output
    assert "\x9b" not in result.output and "ACC\\x9b2J-3" in result.output
    checked = run("validate", export, "-c", inputs["config"], "--format", "table")
    assert "\x9b" not in checked.output


def test_escape_sequences_in_a_file_name_are_shown_escaped(tmp_path: Path) -> None:
    name = tmp_path / "x\x1b]0;pwned\x07\x1b[2J.csv"
    result = run("validate", name, "-c", BAD / "good.yaml")
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07" in result.output


def test_visible_escapes_every_control_character() -> None:
    from b2bcx.cli.render.console import visible

    for code in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]:
        assert visible(f"a{chr(code)}b") == f"a\\x{code:02x}b"
    assert visible("tab\tand\nline") == "tab\tand\nline"
    assert visible("\u202eevil") == "\\u202eevil"


# -- 12. SIGTERM leaves no temporary file; stale ones are cleaned ---------------------------
# The child starts with SIGTERM at its default action, as under cron, systemd or
# ``timeout``; a parent that ignores SIGTERM (some CI runners do) would otherwise
# pass SIG_IGN on, and b2bcx rightly leaves an ignored signal ignored.
SLOW_WRITE = """
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_DFL)
import pandas as pd
from b2bcx.io import writers

def slow(table, path, sheet):
    path.write_text("partial")
    print("writing", flush=True)
    for _ in range(600):  # work, as a writer does: the handler runs between steps
        time.sleep(0.1)  # even when the kernel hands the signal to another thread

writers._csv = slow
writers.write_table(pd.DataFrame({"a": [1]}), sys.argv[1])
"""


def test_sigterm_during_a_write_removes_the_temporary_file(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    target = tmp_path / "accounts.csv"
    target.write_text("previous")
    src = Path(__file__).resolve().parents[1] / "src"
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE, str(target)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(src)},
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "writing"
        assert len(list(tmp_path.glob(".accounts.csv.*.tmp"))) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.csv"]
    assert target.read_text() == "previous"


def test_stale_temporary_files_are_removed_by_a_later_run(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import time

    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".accounts.csv.ab12_xyz.tmp"
    fresh = out / ".report.xlsx.zz99abcd.tmp"  # a run writing right now
    foreign = out / ".notes.txt.ab12_xyz.tmp"  # not b2bcx's
    for path in (stale, fresh, foreign):
        path.write_text("left by a killed run")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    os.utime(foreign, (old, old))
    result = run(
        "score", inputs["export"], "-c", inputs["config"], "-o", out / "accounts.csv"
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["accounts.csv", fresh.name, foreign.name])


# -- 13. Excel table headers are unique ignoring case ----------------------------------------
@pytest.mark.parametrize("segment", ["Index", "Tier", "ACCOUNT", "Flags"])
def test_a_segment_named_like_a_column_gives_unique_table_headers(
    inputs: dict[str, Path], tmp_path: Path, segment: str
) -> None:
    import zipfile

    import openpyxl

    text = (BAD / "good.csv").read_text("utf-8").replace(",Region,", f",{segment},", 1)
    inputs["export"].write_text(text, "utf-8")
    config = inputs["config"]
    config.write_text(
        config.read_text("utf-8").replace(
            "segments: [Region]", f"segments: [{segment}]"
        )
        + "rollup: {tiers: pareto, account_weight: revenue}\n",
        "utf-8",
    )
    config.write_text(
        config.read_text("utf-8").replace(
            "accounts: {id: Account, revenue: ARR}",
            f"accounts: {{id: Account, revenue: ARR, segments: [{segment}]}}",
        ),
        "utf-8",
    )
    inputs["accounts"].write_text(
        f"Account,ARR,{segment}\nACC-1,100,A\nACC-2,200,B\nACC-3,300,A\n", "utf-8"
    )
    for out, args in (
        (tmp_path / "report.xlsx", ["report"]),
        (tmp_path / "accounts.xlsx", ["score"]),
    ):
        result = run(
            *args,
            inputs["export"],
            "-c",
            config,
            "--accounts",
            inputs["accounts"],
            "-o",
            out,
        )
        assert result.exit_code == 0, result.output
        with zipfile.ZipFile(out) as archive:
            tables = [n for n in archive.namelist() if n.startswith("xl/tables/")]
            assert tables
        book = openpyxl.load_workbook(out)
        for sheet in book.worksheets:
            for table in sheet.tables.values():
                names = [c.name.casefold() for c in table.tableColumns]
                assert len(names) == len(set(names)), (sheet.title, names)


# -- 14. determinism ---------------------------------------------------------------------------
def _report(inputs: dict[str, Path], out: Path, seed: str, *extra: str) -> bytes:
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": seed}
    env.pop("SOURCE_DATE_EPOCH", None)
    if extra and extra[0].startswith("SOURCE_DATE_EPOCH="):
        env["SOURCE_DATE_EPOCH"] = extra[0].split("=", 1)[1]
        extra = extra[1:]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "b2bcx",
            "--quiet",
            "report",
            str(inputs["export"]),
            "-c",
            str(inputs["config"]),
            "--accounts",
            str(inputs["accounts"]),
            "--bootstrap",
            "50",
            "-o",
            str(out),
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return out.read_bytes()


def test_two_report_runs_write_byte_identical_workbooks(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import time

    first = _report(inputs, tmp_path / "a.xlsx", "1")
    time.sleep(2.1)  # the zip format stores times to 2 seconds
    second = _report(inputs, tmp_path / "b.xlsx", "2")
    assert first == second


def test_the_run_time_is_recorded_only_when_asked(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    import openpyxl

    from b2bcx.report.sheets_method import RUN_TIME

    def recorded(path: Path) -> tuple[Any, Any]:
        import re
        import zipfile

        book = openpyxl.load_workbook(path)
        rows = book["Method"].iter_rows(values_only=True)
        value = next(r[1] for r in rows if r and r[0] == RUN_TIME)
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml").decode()
        created = re.search(r"<dcterms:created[^>]*>([^<]*)<", core)
        return value, created.group(1) if created else None

    _report(inputs, tmp_path / "plain.xlsx", "0")
    value, created = recorded(tmp_path / "plain.xlsx")
    assert "not recorded" in value and created is None
    _report(inputs, tmp_path / "timed.xlsx", "0", "--run-time")
    value, created = recorded(tmp_path / "timed.xlsx")
    assert value[:4].isdigit() and created is not None
    epoch = "SOURCE_DATE_EPOCH=1767225600"  # 2026-01-01T00:00:00Z
    once = _report(inputs, tmp_path / "e1.xlsx", "3", epoch)
    again = _report(inputs, tmp_path / "e2.xlsx", "4", epoch)
    assert once == again
    value, created = recorded(tmp_path / "e1.xlsx")
    assert value.startswith("2026-01-01T00:00:00")
    assert created == "2026-01-01T00:00:00Z"


def test_a_yaml_set_is_refused(inputs: dict[str, Path]) -> None:
    config = _config_with(
        inputs, "", ("segments: [Region]", "segments: !!set {Region: null}")
    )
    result = run("validate", inputs["export"], "-c", config)
    assert result.exit_code == 1, result.output
    assert "!!set is not allowed" in result.output


# -- properties: no text, however hostile, becomes a formula or a terminal command ----------
def _hostile_text() -> Any:
    from hypothesis import strategies as st

    pieces = st.sampled_from(
        [
            "=",
            "+",
            "-",
            "@",
            "\t",
            "\r",
            "\n",
            "\r\n",
            "cmd|' /C calc'!A0",
            "APAC",
            ",",
            '"',
            " ",
            "1",
            "\x1b[2J",
            "\x9b",
            "\x07",
            "[/]",
            "[red]",
        ]
    )
    return st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=8).map("".join)


def test_property_csv_cells_never_start_a_formula_on_any_line() -> None:
    import csv
    import io

    import pandas as pd
    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from b2bcx.io.writers import csv_text

    @settings(max_examples=300, deadline=None, derandomize=True)
    @example(["x\n,=1"])
    @example(['a\r"=b'])
    @given(st.lists(_hostile_text(), min_size=1, max_size=4))
    def check(values: list[str]) -> None:
        table = pd.DataFrame({"account": values, "n": range(len(values))})
        text = csv_text(table)
        _no_formula_on_any_physical_line(text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == len(values) + 1
        assert all(len(row) == 2 for row in rows)

    check()


def test_property_terminal_text_holds_no_control_character() -> None:
    import re

    from hypothesis import given, settings

    from b2bcx.cli.render.console import visible

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(_hostile_text())
    def check(text: str) -> None:
        shown = visible(text)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown)

    check()


def test_the_control_character_warning_names_the_first_row(tmp_path: Path) -> None:
    from b2bcx.io import read_export

    export = tmp_path / "export.csv"
    export.write_text(
        "Account,Comment\nA,fine\nB,bell\x07\nC,esc\x1b\n", encoding="utf-8"
    )
    warnings = [w for w in read_export(export).warnings if w.column == "Comment"]
    assert len(warnings) == 1
    assert warnings[0].row == 3  # the file's line of the first such cell
    assert warnings[0].problem.startswith("2 cells held control characters")


def test_a_title_row_above_the_header_is_named_as_the_likely_fault(
    inputs: dict[str, Path],
) -> None:
    """Every configured column was missing with "check the column names in the
    config": the config was right, the export had a question row on top."""
    text = inputs["export"].read_text(encoding="utf-8")
    width = text.splitlines()[0].count(",")
    title = ",".join(f"Question {i}" for i in range(width + 1))
    inputs["export"].write_text(f"{title}\n{text}", encoding="utf-8")
    result = run("score", inputs["export"], "-c", inputs["config"])
    assert result.exit_code == 1, result.output
    assert "title or question row above it" in result.output
    assert "check the column names in the config" not in result.output


def test_a_blank_role_is_named_blank_and_not_hinted_to_be_mapped(
    inputs: dict[str, Path],
) -> None:
    """ "add it under `roles.map`" cannot be done for a blank answer."""
    import pandas as pd

    frame = pd.read_csv(inputs["export"], dtype=str, keep_default_na=False)
    role = next(c for c in frame.columns if c.lower() == "role")
    frame.loc[[0, 2], role] = ""
    frame.to_csv(inputs["export"], index=False)
    for command in ("score", "validate"):
        result = run(command, inputs["export"], "-c", inputs["config"])
        assert result.exit_code == 1, result.output
        assert "the role is blank (2 rows)" in result.output, result.output
        assert "fill in the respondent's role" in result.output
