"""Bad input: every case is a DataError (or UsageError) naming the file and the
problem, never a traceback from pandas, pyarrow or a reader library."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from b2bcx.errors import DataError, UsageError
from b2bcx.io import read_export, read_exports

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _written(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["id", "score"])
    sheet.append(["A", 1])
    book.create_sheet("Notes")
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        read_export(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a directory"):
        read_export(tmp_path)


def test_no_paths_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no export files"):
        read_exports([])


@pytest.mark.parametrize(
    "name", ["empty.csv", "empty.xlsx", "empty.sav", "empty.parquet"]
)
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = _written(tmp_path, name, b"")
    with pytest.raises(DataError, match=rf"{name} is empty \(0 bytes\)"):
        read_export(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("header.csv", b"id,score,comment\n"),
        ("header-blank-lines.csv", b"id,score\n\n  ,\n"),
        (
            "qualtrics-header.csv",
            b'Q1,Q2\nQuestion one,Question two\n{"ImportId":"QID1"},{"ImportId":"QID2"}\n',
        ),
    ],
)
def test_header_without_rows(tmp_path: Path, name: str, content: bytes) -> None:
    path = _written(tmp_path, name, content)
    with pytest.raises(DataError, match=rf"{name} has a header but no responses"):
        read_export(path)


def test_only_blank_lines(tmp_path: Path) -> None:
    path = _written(tmp_path, "blank.csv", b"\n\n  \n")
    with pytest.raises(DataError, match=r"blank\.csv holds no data"):
        read_export(path)


def test_nul_bytes_named_csv(tmp_path: Path) -> None:
    path = _written(tmp_path, "binary.csv", b"id,score\x00\x00\x01\x02\x00\xff" * 40)
    with pytest.raises(DataError, match=r"binary\.csv is not a text \(CSV/TSV\) file"):
        read_export(path)


def test_random_bytes_named_csv(tmp_path: Path) -> None:
    path = _written(tmp_path, "random.csv", random.Random(7).randbytes(5000))
    with pytest.raises(
        DataError, match=r"random\.csv (is not a text|cannot be decoded)"
    ):
        read_export(path)


def test_control_characters_without_nul(tmp_path: Path) -> None:
    content = bytes(range(1, 9)) * 50 + b"a,b\n1,2\n"
    path = _written(tmp_path, "controls.csv", content)
    with pytest.raises(DataError, match="holds binary data"):
        read_export(path)


def test_undecodable_bytes(tmp_path: Path) -> None:
    content = "id,name\n1,Société\n".encode("cp1252") + b"2,\x81\x8d\x90\n"
    path = _written(tmp_path, "bytes.csv", content)
    with pytest.raises(DataError, match=r"bytes\.csv cannot be decoded .*line 3"):
        read_export(path)


def test_utf16_garbage(tmp_path: Path) -> None:
    content = b"\xff\xfe" + "id\tname\n".encode("utf-16-le") + b"\x00\xd8\x41\x00"
    path = _written(tmp_path, "garbage.tsv", content)
    with pytest.raises(DataError, match=r"garbage\.tsv cannot be decoded as UTF-16-LE"):
        read_export(path)


def test_odd_length_utf16(tmp_path: Path) -> None:
    content = b"\xfe\xff" + "id\tname\n1\tx\n".encode("utf-16-be") + b"\x00"
    path = _written(tmp_path, "odd.tsv", content)
    with pytest.raises(DataError, match=r"odd\.tsv cannot be decoded as UTF-16-BE"):
        read_export(path)


def test_ragged_line_names_the_line(tmp_path: Path) -> None:
    content = b'id,score,comment\nA,1,fine\nB,2,"two\nlines"\nC,3,too,many\nD,4,ok\nE,5,x,y,z\n'
    path = _written(tmp_path, "ragged.csv", content)
    with pytest.raises(DataError) as caught:
        read_export(path)
    error = caught.value
    assert "ragged.csv: 2 lines have more fields than the header's 3" in error.message
    assert "first at line 5" in error.message
    assert [p.row for p in error.problems] == [5, 7]
    assert "line 5 (record 4) has 4 fields" in error.problems[0].problem
    assert all(p.file == str(path) for p in error.problems)


def test_ragged_line_in_semicolon_file(tmp_path: Path) -> None:
    path = _written(tmp_path, "semi.csv", b"id;score\nA;1\nB;2;3\n")
    with pytest.raises(DataError, match=r"semi\.csv: 1 line has more fields.*line 3"):
        read_export(path)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = _written(tmp_path, "corrupt.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50)
    with pytest.raises(DataError, match=r"corrupt\.xlsx is a damaged Excel workbook"):
        read_export(path)


def test_text_named_xlsx(tmp_path: Path) -> None:
    path = _written(tmp_path, "renamed.xlsx", b"id,score\nA,1\n")
    with pytest.raises(DataError, match=r"renamed\.xlsx is not a valid Excel workbook"):
        read_export(path)


def test_truncated_xlsx(tmp_path: Path) -> None:
    content = _workbook(tmp_path).read_bytes()
    path = _written(tmp_path, "truncated.xlsx", content[: len(content) // 2])
    with pytest.raises(
        DataError, match=r"truncated\.xlsx (is a damaged|cannot be read)"
    ):
        read_export(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("survey.csv", "id\n1\n")
    with pytest.raises(DataError, match=r"ZIP archive.*survey\.csv") as caught:
        read_export(path)
    assert "unzip" in caught.value.hint


def test_password_protected_xlsx(tmp_path: Path) -> None:
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    path = _written(tmp_path, "secret.xlsx", OLE2 + b"\x00" * 504 + directory)
    with pytest.raises(
        DataError, match=r"secret\.xlsx is an encrypted \(password-protected\)"
    ):
        read_export(path)


def test_old_xls(tmp_path: Path) -> None:
    path = _written(tmp_path, "old.xls", OLE2 + b"\x00" * 1024)
    with pytest.raises(DataError, match=r"old\.xls is an old Excel 97-2003 \(\.xls\)"):
        read_export(path)


@pytest.mark.parametrize("sheet", ["Missing", 5, "7", -1])
def test_missing_sheet_lists_the_sheets(tmp_path: Path, sheet: str | int) -> None:
    path = _workbook(tmp_path)
    with pytest.raises(
        DataError, match=r"book\.xlsx has no sheet .*0: 'Data', 1: 'Notes'"
    ):
        read_export(path, sheet=sheet)


def test_empty_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    with pytest.raises(DataError, match=r"sheet 'Notes'.* (is empty|holds no data)"):
        read_export(path, sheet="Notes")


def test_duplicated_column_names_are_renamed_with_a_warning(tmp_path: Path) -> None:
    path = _written(tmp_path, "dupes.csv", b"id,score,id,score ,comment\nA,1,B,2,x\n")
    export = read_export(path)
    assert export.data_columns == ["id", "score", "id (2)", "score (2)", "comment"]
    assert export.frame["id (2)"].tolist() == ["B"]
    assert [(w.column, w.severity) for w in export.warnings] == [
        ("id (2)", "warning"),
        ("score (2)", "warning"),
    ]
    assert "column 3 is called 'id (2)'" in export.warnings[0].problem


def test_duplicated_names_in_a_worksheet_name_the_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "id"])
    sheet.append([1, 2])
    path = tmp_path / "dupes.xlsx"
    book.save(path)
    export = read_export(path)
    assert export.data_columns == ["id", "id (2)"]
    assert export.warnings[0].file == f"{path} (sheet 'Sheet')"


def test_reserved_column_name(tmp_path: Path) -> None:
    path = _written(tmp_path, "reserved.csv", b"id,_row\nA,1\n")
    with pytest.raises(DataError, match=r"reserved\.csv has a column named '_row'"):
        read_export(path)


def test_corrupt_spss(tmp_path: Path) -> None:
    path = _written(tmp_path, "broken.sav", b"$FL2" + b"\x00garbage" * 40)
    with pytest.raises(
        DataError, match=r"broken\.sav cannot be read as an SPSS \.sav file"
    ):
        read_export(path)


def test_text_named_sav(tmp_path: Path) -> None:
    path = _written(tmp_path, "text.sav", b"id\n1\n")
    with pytest.raises(DataError, match=r"text\.sav is not a valid SPSS"):
        read_export(path)


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = _written(tmp_path, "broken.parquet", b"PAR1" + b"\x00garbage" * 40)
    with pytest.raises(
        DataError, match=r"broken\.parquet cannot be read as a Parquet file"
    ):
        read_export(path)


def test_nested_parquet_column(tmp_path: Path) -> None:
    path = tmp_path / "nested.parquet"
    pd.DataFrame({"id": ["A"], "tags": [["x", "y"]]}).to_parquet(path)
    with pytest.raises(
        DataError, match=r"nested\.parquet: column 'tags' cannot be read"
    ):
        read_export(path)


def test_one_bad_file_among_several(tmp_path: Path) -> None:
    good = _written(tmp_path, "good.csv", b"id\nA\n")
    bad = _written(tmp_path, "bad.csv", b"")
    with pytest.raises(DataError, match=r"bad\.csv is empty"):
        read_exports([good, bad])


def test_errors_render_with_hints(tmp_path: Path) -> None:
    path = _written(tmp_path, "empty.csv", b"")
    with pytest.raises(DataError) as caught:
        read_export(path)
    assert str(caught.value).splitlines()[-1].startswith("hint: ")
