"""The same six responses, written in every format, encoding and platform layout,
read back to identical data (after mapping aliases)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import LEGACY_META, SURVEYMONKEY_META

from b2bcx.errors import DataError, UsageError
from b2bcx.io import FILE_COLUMN, ROW_COLUMN, Export, read_export, read_exports

COLUMNS = ["ResponseId", "Company", "Role", "NPS", "Quality", "Comment"]
RESPONSES: list[list[str | None]] = [
    ["R_1", "Société Générale", "Buyer", "9", "5", "Great service, fast."],
    ["R_2", "Müller GmbH", "User", "6", "3", 'He said "okay"'],
    ["R_3", "ACME Corp", "Decision maker", "10", "4", None],
    ["R_4", "Nordic Steel; Oy", "User", "3", "2", "Slow support; poor follow-up"],
    ["R_5", "Société Générale", "Buyer", None, "4", "Line one\nline two"],
    ["R_6", "Kobe Trading", "Influencer", "8", None, "Très bien"],
]
GERMAN = {
    "Role": "Welche Rolle haben Sie?",
    "NPS": "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
    "Quality": "Bitte bewerten Sie uns - Qualität",
    "Comment": "Möchten Sie uns noch etwas mitteilen?",
}
ROLE_CODES = {"Buyer": 1, "User": 2, "Decision maker": 3, "Influencer": 4}

Written = tuple[Path, dict[str, str], list[int]]


def canonical() -> pd.DataFrame:
    return pd.DataFrame(RESPONSES, columns=COLUMNS)


def _csv_text(rows: list[list[str | None]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if cell is None else cell for cell in row] for row in rows]
    )
    return out.getvalue()


def _plain_rows() -> list[list[str | None]]:
    return [COLUMNS, *RESPONSES]


def _identity() -> dict[str, str]:
    return {name: name for name in COLUMNS}


def write_text(
    encoding: str, delimiter: str = ",", suffix: str = ".csv"
) -> Callable[[Path], Written]:
    def write(folder: Path) -> Written:
        path = folder / f"plain-{encoding}-{ord(delimiter)}{suffix}"
        path.write_bytes(_csv_text(_plain_rows(), delimiter).encode(encoding))
        return path, _identity(), list(range(2, 8))

    return write


def write_xlsx_title(folder: Path) -> Written:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Customer experience survey, Q3"
    sheet.append([])
    sheet.append(COLUMNS)
    for row in RESPONSES:
        sheet.append(
            [
                _excel_value(name, value)
                for name, value in zip(COLUMNS, row, strict=True)
            ]
        )
    path = folder / "title.xlsx"
    book.save(path)
    return path, _identity(), list(range(4, 10))


def _excel_value(name: str, value: str | None) -> object:
    return int(value) if value is not None and name in ("NPS", "Quality") else value


def write_xlsx_second_sheet(folder: Path) -> Written:
    book = openpyxl.Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["Responses", 6])
    sheet = book.create_sheet("Responses")
    sheet.append(COLUMNS)
    for row in RESPONSES:
        sheet.append(
            [
                _excel_value(name, value)
                for name, value in zip(COLUMNS, row, strict=True)
            ]
        )
    path = folder / "two-sheets.xlsx"
    book.save(path)
    return path, _identity(), list(range(2, 8))


def write_sav(folder: Path) -> Written:
    frame = canonical()
    frame["Role"] = frame["Role"].map(ROLE_CODES).astype(float)
    frame["NPS"] = pd.to_numeric(frame["NPS"]).fillna(99)
    frame["Quality"] = pd.to_numeric(frame["Quality"])
    frame["Comment"] = frame["Comment"].fillna("")
    path = folder / "responses.sav"
    pyreadstat.write_sav(
        frame,
        path,
        column_labels={"Role": GERMAN["Role"], "NPS": GERMAN["NPS"]},
        variable_value_labels={
            "Role": {code: role for role, code in ROLE_CODES.items()}
        },
        missing_ranges={"NPS": [99]},
    )
    return path, _identity(), list(range(1, 7))


def write_parquet(folder: Path) -> Written:
    frame = canonical()
    frame["NPS"] = pd.to_numeric(frame["NPS"]).astype("Int64")
    frame["Quality"] = pd.to_numeric(frame["Quality"]).astype("float64")
    path = folder / "responses.parquet"
    frame.to_parquet(path)
    return path, _identity(), list(range(1, 7))


QUALTRICS_META = [
    ("StartDate", "Startdatum", '{"ImportId":"startDate","timeZone":"Europe/Berlin"}'),
    ("EndDate", "Enddatum", '{"ImportId":"endDate","timeZone":"Europe/Berlin"}'),
    ("Status", "Antworttyp", '{"ImportId":"status"}'),
    ("Progress", "Fortschritt", '{"ImportId":"progress"}'),
    ("Finished", "Beendet", '{"ImportId":"finished"}'),
    ("ResponseId", "Antwort-ID", '{"ImportId":"_recordId"}'),
    ("DistributionChannel", "Verteilungskanal", '{"ImportId":"distributionChannel"}'),
]
QUALTRICS_QUESTIONS = [
    ("Q1", "Role", "QID1"),
    ("Q2", "NPS", "QID2"),
    ("Q3_1", "Quality", "QID3_1"),
    ("Q4", "Comment", "QID4_TEXT"),
]


def write_qualtrics(folder: Path) -> Written:
    names = (
        [m[0] for m in QUALTRICS_META]
        + [q[0] for q in QUALTRICS_QUESTIONS]
        + ["Company"]
    )
    texts = [m[1] for m in QUALTRICS_META] + [GERMAN[q[1]] for q in QUALTRICS_QUESTIONS]
    meta = [m[2] for m in QUALTRICS_META] + [
        json.dumps({"ImportId": q[2]}) for q in QUALTRICS_QUESTIONS
    ]
    rows: list[list[str | None]] = [
        names,
        [*texts, "Company"],
        [*meta, '{"ImportId":"Company"}'],
    ]
    for row in RESPONSES:
        values = dict(zip(COLUMNS, row, strict=True))
        fixed = [
            "2024-05-01 10:00:00",
            "2024-05-01 10:05:00",
            "IP Address",
            "100",
            "True",
        ]
        answers = [values[q[1]] for q in QUALTRICS_QUESTIONS]
        rows.append(
            [*fixed, values["ResponseId"], "anonymous", *answers, values["Company"]]
        )
    path = folder / "qualtrics.csv"
    path.write_text(_csv_text(rows), encoding="utf-8-sig")
    mapping = {q[1]: q[2] for q in QUALTRICS_QUESTIONS} | {
        "ResponseId": "ResponseId",
        "Company": "Company",
    }
    return path, mapping, list(range(4, 10))


def write_qualtrics_legacy(folder: Path) -> Written:
    codes = (
        [f"V{i}" for i in range(1, 11)]
        + [q[0] for q in QUALTRICS_QUESTIONS]
        + ["Company", ""]
    )
    texts = LEGACY_META + [GERMAN[q[1]] for q in QUALTRICS_QUESTIONS] + ["Company", ""]
    rows: list[list[str | None]] = [codes, texts]
    for row in RESPONSES:
        values = dict(zip(COLUMNS, row, strict=True))
        meta = [
            values["ResponseId"],
            "Default Response Set",
            "Anonymous",
            None,
            None,
            "10.0.0.1",
            "0",
            "2024-05-01 10:00:00",
            "2024-05-01 10:05:00",
            "1",
        ]
        answers = [values[q[1]] for q in QUALTRICS_QUESTIONS]
        rows.append([*meta, *answers, values["Company"], None])
    path = folder / "qualtrics-legacy.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    mapping = {q[1]: q[0] for q in QUALTRICS_QUESTIONS} | {
        "ResponseId": "ResponseId",  # an alias of ResponseID
        "Company": "Company",
    }
    return path, mapping, list(range(3, 9))


def surveymonkey_rows() -> list[list[str | None]]:
    first = [
        *SURVEYMONKEY_META,
        "What is your role?",
        "How likely are you to recommend us?",
        "Please rate us",
        None,
        "Anything else?",
    ]
    second = [None] * 9 + [
        "Response",
        "Response",
        "Quality",
        "Speed",
        "Open-Ended Response",
    ]
    rows: list[list[str | None]] = [first, second]
    for row in RESPONSES:
        values = dict(zip(COLUMNS, row, strict=True))
        meta = [
            values["ResponseId"],
            "4321",
            "05/01/2024 10:00:00 AM",
            "05/01/2024 10:05:00 AM",
            "10.0.0.1",
            None,
            None,
            None,
            values["Company"],
        ]
        answers = [
            values["Role"],
            values["NPS"],
            values["Quality"],
            "4",
            values["Comment"],
        ]
        rows.append([*meta, *answers])
    return rows


def write_surveymonkey(folder: Path) -> Written:
    path = folder / "surveymonkey.csv"
    path.write_text(_csv_text(surveymonkey_rows()), encoding="utf-8")
    mapping = {
        "ResponseId": "Respondent ID",
        "Company": "Custom Data 1",
        "Role": "Q1",
        "NPS": "Q2",
        "Quality": "Q3_1",
        "Comment": "Q4",
    }
    return path, mapping, list(range(3, 9))


WRITERS: dict[str, Callable[[Path], Written]] = {
    "csv-utf8": write_text("utf-8"),
    "csv-utf8-bom": write_text("utf-8-sig"),
    "tsv-utf16-le": write_text("utf-16", "\t", ".tsv"),
    "tsv-utf16-be-named-csv": write_text("utf-16-be", "\t"),
    "csv-cp1252": write_text("cp1252"),
    "csv-semicolon": write_text("utf-8", ";"),
    "txt-tab": write_text("utf-8", "\t", ".txt"),
    "xlsx-title-row": write_xlsx_title,
    "sav": write_sav,
    "parquet": write_parquet,
    "qualtrics": write_qualtrics,
    "qualtrics-legacy": write_qualtrics_legacy,
    "surveymonkey": write_surveymonkey,
}
LAYOUTS = {
    "sav": "spss",
    "parquet": "parquet",
    "qualtrics": "qualtrics",
    "qualtrics-legacy": "qualtrics_legacy",
    "surveymonkey": "surveymonkey",
}


def _values(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(value) else value for value in series.tolist()]


def assert_canonical(export: Export, mapping: dict[str, str], rows: list[int]) -> None:
    expected = canonical()
    for name in COLUMNS:
        column = export.resolve(mapping[name])
        assert column is not None, (
            f"{mapping[name]} not found in {export.frame.columns}"
        )
        labels = export.value_labels.get(column, {})  # SPSS: codes stay numbers
        read = export.frame[column].map(
            lambda code, labels=labels: labels.get(code, code)
        )
        assert _values(read) == _values(expected[name]), name
        assert export.frame[column].dtype == "str"
    assert export.frame[ROW_COLUMN].tolist() == rows
    assert export.frame[ROW_COLUMN].dtype == np.int64


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_every_format_reads_back_the_same_responses(tmp_path: Path, kind: str) -> None:
    path, mapping, rows = WRITERS[kind](tmp_path)
    export = read_export(path)
    assert_canonical(export, mapping, rows)
    assert export.layout == LAYOUTS.get(kind, "plain")
    assert export.files == [str(path)]
    assert set(export.frame[FILE_COLUMN]) == {str(path)}
    assert list(export.frame.columns[-2:]) == [FILE_COLUMN, ROW_COLUMN]


@pytest.mark.parametrize("sheet", ["Responses", 1, "1", "responses"])
def test_xlsx_sheet_by_name_or_index(tmp_path: Path, sheet: str | int) -> None:
    path, mapping, rows = write_xlsx_second_sheet(tmp_path)
    assert_canonical(read_export(path, sheet=sheet), mapping, rows)


def test_xlsx_first_sheet_by_default(tmp_path: Path) -> None:
    path, _, _ = write_xlsx_second_sheet(tmp_path)
    with pytest.raises(DataError, match=r"sheet 'Summary'.* header but no responses"):
        read_export(path)


def test_cp1252_read_with_a_warning(tmp_path: Path) -> None:
    path, _, _ = write_text("cp1252")(tmp_path)
    export = read_export(path)
    assert export.frame["Company"].iloc[0] == "Société Générale"
    assert [w.severity for w in export.warnings] == ["warning"]
    assert "Windows-1252" in export.warnings[0].problem


def test_utf8_reads_without_warnings(tmp_path: Path) -> None:
    path, _, _ = write_text("utf-8")(tmp_path)
    assert read_export(path).warnings == []


def test_spss_question_text_and_user_missing(tmp_path: Path) -> None:
    path, _, _ = write_sav(tmp_path)
    export = read_export(path)
    assert export.questions["Role"] == GERMAN["Role"]
    assert export.frame["NPS"].isna().tolist() == [False] * 4 + [True, False]


def test_qualtrics_questions_and_aliases(tmp_path: Path) -> None:
    path, _, _ = write_qualtrics(tmp_path)
    export = read_export(path)
    assert export.questions["Q3_1"] == GERMAN["Quality"]
    assert export.aliases["QID3_1"] == "Q3_1"
    assert export.aliases["_recordId"] == "ResponseId"
    assert export.aliases["ResponseID"] == "ResponseId"  # the legacy name
    assert export.resolve("startDate") == "StartDate"


def test_stacking_files_of_different_layouts(tmp_path: Path) -> None:
    legacy, _, _ = write_qualtrics_legacy(tmp_path)
    current, _, _ = write_qualtrics(tmp_path)
    plain, _, _ = write_text("utf-8")(tmp_path)
    export = read_exports([legacy, current, plain])
    frame = export.frame
    assert len(frame) == 18
    assert export.layout == "mixed"
    assert export.layouts[str(current)] == "qualtrics"
    assert export.files == [str(legacy), str(current), str(plain)]
    ids = frame[export.resolve("ResponseId") or ""]
    assert ids.iloc[:12].tolist() == ["R_1", "R_2", "R_3", "R_4", "R_5", "R_6"] * 2
    assert "ResponseId" not in frame.columns  # joined with the legacy ResponseID
    assert (
        frame[FILE_COLUMN].tolist()
        == [str(legacy)] * 6 + [str(current)] * 6 + [str(plain)] * 6
    )
    assert frame[ROW_COLUMN].tolist() == [*range(3, 9), *range(4, 10), *range(2, 8)]
    assert frame["Q1"].iloc[:12].tolist() == canonical()["Role"].tolist() * 2
    assert frame["Q1"].iloc[12:].isna().all()
    assert (frame.dtypes.drop(ROW_COLUMN) == "str").all()


def test_read_exports_of_one_file_equals_read_export(tmp_path: Path) -> None:
    path, _, _ = write_surveymonkey(tmp_path)
    pd.testing.assert_frame_equal(read_exports([path]).frame, read_export(path).frame)


def test_whitespace_cells_are_blank_other_text_untouched(tmp_path: Path) -> None:
    path = tmp_path / "spaces.csv"
    path.write_text("a,b,c\n  x ,   ,\t\n y,z,\n")
    frame = read_export(path).frame
    assert _values(frame["a"]) == ["  x ", " y"]
    assert _values(frame["b"]) == [None, "z"]
    assert _values(frame["c"]) == [None, None]


def test_excel_numbers_as_text_without_spurious_decimals(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "score", "share", "when"])
    sheet.append(
        [12345678901, 7, 0.25, pd.Timestamp("2024-05-01 10:00").to_pydatetime()]
    )
    sheet.append(["A-1", 7.5, None, "   "])
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    frame = read_export(path).frame
    assert _values(frame["id"]) == ["12345678901", "A-1"]
    assert _values(frame["score"]) == ["7", "7.5"]
    assert _values(frame["share"]) == ["0.25", None]
    assert _values(frame["when"]) == ["2024-05-01 10:00:00", None]


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "blank-lines.csv"
    path.write_text("a,b\n1,2\n\n3,4\n,\n5,6\n\n")
    frame = read_export(path).frame
    assert frame["a"].tolist() == ["1", "3", "5"]
    assert frame[ROW_COLUMN].tolist() == [2, 4, 6]


def test_short_rows_are_padded_and_title_rows_skipped(tmp_path: Path) -> None:
    path = tmp_path / "title.csv"
    path.write_text("Survey export 2024\n\nname,score,comment\nA,1\nB,2,ok\n")
    frame = read_export(path).frame
    assert frame.columns.tolist()[:3] == ["name", "score", "comment"]
    assert _values(frame["comment"]) == [None, "ok"]
    assert frame[ROW_COLUMN].tolist() == [4, 5]


def test_single_column_file(tmp_path: Path) -> None:
    path = tmp_path / "single.csv"
    path.write_text("name\nA\nB\n")
    assert read_export(path).frame["name"].tolist() == ["A", "B"]


def test_excel_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\nname;score,points\nA;1,5\n")
    export = read_export(path)
    assert export.data_columns == ["name", "score,points"]
    assert export.frame[ROW_COLUMN].tolist() == [3]


def test_bom_inside_header_name_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffname,\ufeffscore\nA,1\n".encode("utf-8-sig"))
    export = read_export(path)
    assert export.data_columns == ["name", "score"]


def test_unnamed_columns_dropped_when_empty_named_when_not(tmp_path: Path) -> None:
    path = tmp_path / "unnamed.csv"
    path.write_text("name,,,score\nA,,x,1\nB,,,2\n")
    export = read_export(path)
    assert export.data_columns == ["name", "column_3", "score"]
    assert [w.column for w in export.warnings] == ["column_3"]


def test_header_names_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text('"How satisfied\nare you?", id \n5,A\n')
    export = read_export(path)
    assert export.data_columns == ["How satisfied are you?", "id"]


cell_text = st.text(
    st.characters(
        categories=("L", "N", "P", "S", "Zs"),
        include_characters="\n\t\r",
        exclude_characters="\x85",
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=8))
def test_any_text_round_trips_through_csv(rows: list[list[str]]) -> None:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return
    content = _csv_text([["c0", "c1", "c2"], *rows])  # type: ignore[list-item]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.csv"
        path.write_text(content, encoding="utf-8", newline="")
        frame = read_export(path).frame
    for position in range(3):
        expected = [row[position] if row[position].strip() else None for row in rows]
        assert _values(frame[f"c{position}"]) == expected


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "no-bom.tsv"
    path.write_bytes(_csv_text(_plain_rows(), "\t").encode("utf-16-le"))
    assert_canonical(read_export(path), _identity(), list(range(2, 8)))


def test_excel_blank_rows_dropped_but_counted(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["id", "score"], ["A", 1], [None, "  "], ["B", 2]):
        sheet.append(row)
    path = tmp_path / "gaps.xlsx"
    book.save(path)
    frame = read_export(path).frame
    assert frame["id"].tolist() == ["A", "B"]
    assert frame[ROW_COLUMN].tolist() == [2, 4]


def test_same_file_twice_is_a_usage_error(tmp_path: Path) -> None:
    path, _, _ = write_text("utf-8")(tmp_path)
    with pytest.raises(UsageError, match="named twice"):
        read_exports([path, tmp_path / ".." / tmp_path.name / path.name])


def test_conflicting_aliases_keep_the_first_with_a_warning(tmp_path: Path) -> None:
    first = tmp_path / "wave1.csv"
    second = tmp_path / "wave2.csv"
    first.write_text('Q1,Q2\nA,B\n{"ImportId":"QID1"},{"ImportId":"QID2"}\n1,2\n')
    second.write_text('Q1,Q9\nA,B\n{"ImportId":"QID9"},{"ImportId":"QID1"}\n3,4\n')
    export = read_exports([first, second])
    assert export.layout == "qualtrics"
    assert export.resolve("QID1") == "Q1"
    assert export.resolve("QID9") == "Q1"
    assert [w.column for w in export.warnings] == ["Q9"]  # QID1: Q1 here, Q9 there
    assert export.data_columns == ["Q1", "Q2", "Q9"]
    assert export.frame["Q1"].tolist() == ["1", "3"]
