"""The bad-input corpus (tests/data/bad/cases.yaml) run through the command line.

Every case asserts the exit code, the message, that no traceback is shown and -
for a failing run - that no output file and no temporary file is left behind.
Binary, large or invisible-character inputs are written here (``GENERATORS``);
the others are committed files of tests/data/bad.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from b2bcx.cli import app

BAD = Path(__file__).resolve().parent / "data" / "bad"
CASES: list[dict[str, Any]] = yaml.safe_load(
    (BAD / "cases.yaml").read_text(encoding="utf-8")
)["cases"]
runner = CliRunner()
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEN_THOUSAND = 10_000


# -- generated inputs ----------------------------------------------------------------------
def good_rows() -> list[list[Any]]:
    """good.csv as rows of cells (header first), NPS as numbers."""
    frame = pd.read_csv(BAD / "good.csv", dtype=str, keep_default_na=False)
    rows: list[list[Any]] = [list(frame.columns)]
    for record in frame.itertuples(index=False):
        rows.append(
            [
                _cell(name, value)
                for name, value in zip(frame.columns, record, strict=True)
            ]
        )
    return rows


def _cell(name: str, value: str) -> Any:
    if not value:
        return None
    return int(value) if name == "NPS" else value


def _save_rows(path: Path, rows: list[list[Any]], title: str = "Responses") -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(["Exported from the CX platform"])
    book.save(path)


def _good_text() -> str:
    return (BAD / "good.csv").read_text(encoding="utf-8")


def _replace_cell(record: int, column: int, value: str) -> str:
    """good.csv with one cell replaced (record 0 = header), quoted as needed."""
    rows = list(csv.reader(io.StringIO(_good_text())))
    rows[record][column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def write_garbage(path: Path) -> None:
    noise = random.Random(8).randbytes(4000)
    path.write_bytes(b"\x00\x01\x02" + noise)


def write_corrupt_xlsx(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + b"\x14\x00not really a zip archive" * 40)


def write_truncated_xlsx(path: Path) -> None:
    write_good_xlsx(path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) * 2 // 3])


def write_password_protected_xlsx(path: Path) -> None:
    """What Excel writes for a password: an OLE2 container with EncryptionInfo and
    EncryptedPackage streams (header and directory sector only; the encrypted
    package itself is irrelevant to the reader)."""
    header = OLE2 + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header = header.ljust(512, b"\x00")
    entries = b""
    for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entries += encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little")
        entries = entries.ljust(len(entries) + 62, b"\x00")
    path.write_bytes(header + entries.ljust(512, b"\x00") + b"\x00" * 1024)


def write_undecodable(path: Path) -> None:
    """Neither UTF-8 nor Windows-1252: 0x81, 0x8D and 0x90 are unassigned in cp1252."""
    line = b"R7,ACC-3,User,LATAM,Agree,Agree,Agree,Agree,7,\x81\x8d\x90\n"
    path.write_bytes(_good_text().encode() + line)


def write_good_xlsx(path: Path) -> None:
    _save_rows(path, good_rows())


def write_directory(path: Path) -> None:
    path.mkdir()


def write_date_in_nps(path: Path) -> None:
    """Excel turned the answer "7/3" into a date."""
    rows = good_rows()
    rows[3][8] = dt.date(2026, 7, 3)
    _save_rows(path, rows)


def write_long_comment(path: Path) -> None:
    comment = ("The service was fine, " * 1000)[:TEN_THOUSAND]
    path.write_text(_replace_cell(3, 9, comment), encoding="utf-8")


def write_long_answer(path: Path) -> None:
    path.write_text(_replace_cell(2, 4, "Agree" * 2000), encoding="utf-8")


def write_long_role(path: Path) -> None:
    role = ("Decision maker " * 700)[:TEN_THOUSAND]
    path.write_text(_replace_cell(2, 2, role), encoding="utf-8")


def write_numbers_as_text(path: Path) -> None:
    """decimal-comma.csv in a workbook whose number cells are text ("7,0")."""
    lines = (BAD / "decimal-comma.csv").read_text(encoding="utf-8").splitlines()
    rows = [[cell.strip('"') for cell in line.split(";")] for line in lines]
    _save_rows(path, rows)


def write_bom_in_header(path: Path) -> None:
    """A BOM at the start and one before a column name in the middle of the header
    (what concatenating two UTF-8-with-BOM files or some Excel add-ins leave)."""
    text = _good_text().replace(",Account,", ",\ufeffAccount,", 1)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


# Formula cells with the result Excel saves beside them: (cell, formula, result).
FORMULAS = [
    ("I4", "=4+5", 9),  # R1's NPS
    ("E5", '="Dis"&"agree"', "Disagree"),  # R2's Q1
    ("J6", '=HYPERLINK("http://example.com","Great")', "Great"),  # R3's comment
]


def _merged_workbook(path: Path) -> None:
    rows = good_rows()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Responses"
    sheet.append(["Acme customer survey 2026-Q3 - responses"])
    sheet.merge_cells("A1:J1")
    sheet.append(["Respondent", None, None, None, "Integrity", None, "Empathy"])
    for cells in ("A2:D2", "E2:F2", "G2:H2"):
        sheet.merge_cells(cells)
    for row in rows:
        sheet.append(row)
    for cell, formula, _ in FORMULAS:
        sheet[cell] = formula
    book.save(path)


def write_formulas_without_results(path: Path) -> None:
    _merged_workbook(path)


def write_merged_formulas(path: Path) -> None:
    """As Excel saves it: every formula cell also holds its last result."""
    _merged_workbook(path)
    sheet_xml = "xl/worksheets/sheet1.xml"

    def cache(xml: str) -> str:
        for cell, _, value in FORMULAS:
            kind = ' t="str"' if isinstance(value, str) else ""
            xml, count = re.subn(
                rf'(<c r="{cell}"[^>]*)><f>(.*?)</f>(?:<v\s*/>|<v></v>)',  # lxml or not
                rf"\1{kind}><f>\2</f><v>{value}</v>",
                xml,
            )
            assert count == 1, cell
        return xml

    _rewrite_zip(path, {sheet_xml: cache})


def _rewrite_zip(path: Path, edits: dict[str, Callable[[str], str]]) -> None:
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            archive.writestr(info, data)


def write_no_sheets(path: Path) -> None:
    """A workbook whose sheet list is empty (a damaged or hand-made file)."""
    write_good_xlsx(path)
    _rewrite_zip(
        path, {"xl/workbook.xml": lambda xml: re.sub(r"<sheet [^>]*/>", "", xml)}
    )


def write_zip_version(path: Path) -> None:
    """A zip whose central directory asks for a newer zip version (8.0)."""
    write_good_xlsx(path)
    content = bytearray(path.read_bytes())
    central = content.index(b"PK\x01\x02")
    content[central + 6] = 80  # "version needed to extract"
    path.write_bytes(bytes(content))


def write_damaged_metadata_parquet(path: Path) -> None:
    frame = pd.read_csv(BAD / "good.csv", dtype=str)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table.replace_schema_metadata({b"pandas": b'{"index_columns": ['}), path
    )


def write_huge_integer(path: Path) -> None:
    text = (BAD / "good.yaml").read_text(encoding="utf-8")
    path.write_text(text + "flags: {role_gap: " + "9" * 5000 + "}\n", encoding="utf-8")


def write_long_extends(path: Path) -> None:
    text = (BAD / "good.yaml").read_text(encoding="utf-8")
    path.write_text(text + "extends: " + "six_pillars" * 30 + "\n", encoding="utf-8")


def write_one_cp1252_row(path: Path) -> None:
    """Account ACC-2 renamed "Müller": R3's row in UTF-8, R4's pasted in Windows-1252."""
    lines = _good_text().replace("ACC-2", "Müller").splitlines(keepends=True)
    content = b"".join(
        line.encode("cp1252" if line.startswith("R4,") else "utf-8") for line in lines
    )
    path.write_bytes(content)


def write_mixed_offsets(path: Path) -> None:
    """A RecordedDate column with two UTC offsets (a daylight-saving switch) and R2
    answering twice: by UTC the first R2 row (02:00Z, NPS 10) is the latest, by the
    clock on the wall the second (03:30+02:00 = 01:30Z, NPS 6)."""
    lines = _good_text().splitlines()
    stamps = [f"2026-03-29T0{hour}:00:00+01:00" for hour in range(len(lines) - 1)]
    rows = [lines[0] + ",RecordedDate"]
    rows += [line + "," + stamp for line, stamp in zip(lines[1:], stamps, strict=True)]
    r2 = lines[2].rsplit(",", 2)[0]  # R2 without NPS and comment
    rows.insert(
        2, r2.replace("Disagree,", "Agree,", 1) + ",10,,2026-03-29T02:00:00+00:00"
    )
    rows[3] = rows[3].rsplit(",", 1)[0] + ",2026-03-29T03:30:00+02:00"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_blank_lines(path: Path) -> None:
    path.write_bytes(b"\r\n\n  \n\t\n\n")


def write_control_characters(path: Path) -> None:
    """A vertical tab (Word's Shift+Enter) in a comment, ESC and BEL in a segment."""
    text = _replace_cell(1, 9, "Fine\x0bthanks")
    rows = list(csv.reader(io.StringIO(text)))
    rows[3][3] = rows[4][3] = "AP\x1b]0;pwned\x07AC"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def write_duplicate_key(path: Path) -> None:
    text = (BAD / "good.yaml").read_text(encoding="utf-8")
    path.write_text(text + "outcomes:\n  nps: NPS\n", encoding="utf-8")


def write_yaml_set(path: Path) -> None:
    text = (BAD / "good.yaml").read_text(encoding="utf-8")
    text = text.replace("segments: [Region]", "segments: !!set {Region: null}")
    path.write_text(text, encoding="utf-8")


def write_far_cell(path: Path) -> None:
    """1 cell at XFD1048576: a reader allocating the used range wants 17 billion cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Id"
    sheet["XFD1048576"] = "x"
    book.save(path)


def write_wide(path: Path) -> None:
    """100,000 empty columns after every row."""
    lines = _good_text().splitlines()
    path.write_text("\n".join(line + "," * 100_000 for line in lines) + "\n")


GENERATORS: dict[str, Callable[[Path], None]] = {
    "garbage.csv": write_garbage,
    "corrupt.xlsx": write_corrupt_xlsx,
    "truncated.xlsx": write_truncated_xlsx,
    "password-protected.xlsx": write_password_protected_xlsx,
    "undecodable.csv": write_undecodable,
    "good.xlsx": write_good_xlsx,
    "a-folder.csv": write_directory,
    "date-in-nps.xlsx": write_date_in_nps,
    "long-comment.csv": write_long_comment,
    "long-answer.csv": write_long_answer,
    "long-role.csv": write_long_role,
    "numbers-as-text.xlsx": write_numbers_as_text,
    "bom-in-header.csv": write_bom_in_header,
    "merged-formulas.xlsx": write_merged_formulas,
    "formulas-without-results.xlsx": write_formulas_without_results,
    "no-sheets.xlsx": write_no_sheets,
    "zip-version.xlsx": write_zip_version,
    "damaged-metadata.parquet": write_damaged_metadata_parquet,
    "huge-integer.yaml": write_huge_integer,
    "long-extends.yaml": write_long_extends,
    "one-cp1252-row.csv": write_one_cp1252_row,
    "mixed-offsets.csv": write_mixed_offsets,
    "blank-lines.csv": write_blank_lines,
    "control-characters.csv": write_control_characters,
    "duplicate-key.yaml": write_duplicate_key,
    "yaml-set.yaml": write_yaml_set,
    "far-cell.xlsx": write_far_cell,
    "wide.csv": write_wide,
}


def provide(name: str, folder: Path) -> Path:
    """The input ``name`` in ``folder``: copied, generated, or left missing."""
    target = folder / name
    if target.exists():
        return target
    if name in GENERATORS:
        GENERATORS[name](target)
    elif (BAD / name).is_file():
        shutil.copy(BAD / name, target)
    return target


# -- running a case --------------------------------------------------------------------------
def folded(text: str) -> str:
    return " ".join(text.split())


def run_cli(args: list[str]) -> Any:
    # A wide console, so that messages are not wrapped inside a fragment.
    return runner.invoke(app, args, env={"COLUMNS": "400"})


def command_line(case: dict[str, Any], folder: Path, exports: list[str]) -> list[str]:
    paths = [str(provide(name, folder)) for name in exports]
    config = str(provide(case["config"], folder))
    return [case["command"], *paths, "-c", config, *case.get("args", [])]


def assert_clean_failure_or_success(result: Any, case: dict[str, Any]) -> None:
    output = result.output
    assert "Traceback" not in output, output
    crashed = result.exception is not None and not isinstance(
        result.exception, SystemExit
    )
    assert not crashed, f"crashed with {result.exception!r}:\n{output}"
    assert result.exit_code == case["exit"], output
    text = folded(output)
    for fragment in case.get("message", []):
        assert folded(fragment) in text, f"{fragment!r} not in:\n{output}"
    if "pattern" in case:
        assert re.search(case["pattern"], text, re.IGNORECASE | re.DOTALL), output
    if "max_output" in case:
        assert len(output) < case["max_output"], f"{len(output)} characters"


def assert_expected_values(out: Path, expect: dict[str, dict[str, Any]]) -> None:
    table = pd.read_csv(out, dtype={"account": str}).set_index("account")
    for account, values in expect.items():
        for column, value in values.items():
            found = table.loc[account, column]
            if value is None:
                assert pd.isna(found), (account, column, found)
            else:
                assert found == pytest.approx(value), (account, column)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input_through_the_cli(case: dict[str, Any], tmp_path: Path) -> None:
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    args = command_line(case, inputs, case["exports"])
    out = outputs / "OUT.csv"
    if case["command"] == "score":
        args += ["-o", str(out)]
    result = run_cli(args)
    assert_clean_failure_or_success(result, case)
    if case["exit"] != 0:
        assert list(outputs.iterdir()) == [], "an output or temporary file was left"
        return
    if case["command"] == "score":
        assert list(outputs.iterdir()) == [out]
    if "expect" in case:
        assert_expected_values(out, case["expect"])
    if "same_as" in case:
        reference = tmp_path / "reference.csv"
        good = command_line(case, inputs, [case["same_as"]])
        assert run_cli([*good, "-o", str(reference)]).exit_code == 0
        assert out.read_bytes() == reference.read_bytes()


# -- the corpus itself -------------------------------------------------------------------------
def test_every_case_is_complete_and_named_once() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    required = {"id", "issue", "command", "exports", "config", "exit"}
    for case in CASES:
        assert required <= set(case), case["id"]
        assert case["command"] in ("score", "validate")
        assert case.get("message") or case.get("pattern"), case["id"]
        generated = [n for n in [*case["exports"], case["config"]] if n in GENERATORS]
        assert bool(generated) == bool(case.get("generated")), case["id"]


def test_issue_3_and_8_cases_are_all_there() -> None:
    ids = {case["id"] for case in CASES}
    issue_3 = {
        "missing-file",
        "empty-file",
        "header-without-rows",
        "binary-garbage-named-csv",
        "corrupt-xlsx",
        "password-protected-xlsx",
        "ragged-csv-line",
        "undecodable-bytes",
        "config-not-a-mapping",
        "yaml-python-object-tag",
        "sheet-does-not-exist",
    }
    issue_8 = {
        "duplicated-column-names",
        "statement-column-all-blank-scores",
        "date-in-score-column",
        "ten-thousand-character-comment",
        "ten-thousand-character-answer",
        "decimal-commas-in-a-numeric-scale",
        "bom-inside-the-header",
        "xlsx-merged-header-cells-and-formulas",
        "unknown-config-key-with-suggestion",
        "unmapped-role",
        "value-outside-the-scale",
        "config-column-missing-from-export",
    }
    assert issue_3 | issue_8 <= ids


def test_every_committed_file_is_used() -> None:
    used = {name for case in CASES for name in [*case["exports"], case["config"]]}
    used |= {case["same_as"] for case in CASES if "same_as" in case}
    used |= {"good.csv", "decimal-comma.csv", "cases.yaml"}  # read by generators
    committed = {path.name for path in BAD.iterdir()}
    assert committed - used == set()
    assert not (committed & set(GENERATORS))
