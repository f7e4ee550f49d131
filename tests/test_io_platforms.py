"""Platform layouts (column names, aliases, questions) and platform exclusions."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from tests.conftest import LEGACY_META, SURVEYMONKEY_META

from b2bcx.io import ROW_COLUMN, platform_exclusions, read_export


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _surveymonkey_rows() -> list[list[str]]:
    return [
        [
            *SURVEYMONKEY_META,
            "Which company?",
            "Please rate us",
            "",
            "",
            "Which topics?",
            "",
            "Comments",
            "Comments",
        ],
        [
            *[""] * 9,
            "Response",
            "Quality",
            "Speed",
            "Price",
            "Delivery",
            "Other (please specify)",
            "Open-Ended Response",
            "Open-Ended Response",
        ],
        [
            "1001",
            "42",
            "05/01/2024",
            "05/01/2024",
            "10.0.0.1",
            "",
            "",
            "",
            "Acme",
            "Acme",
            "5",
            "4",
            "3",
            "Delivery",
            "Returns",
            "Good",
            "More",
        ],
    ]


def test_surveymonkey_column_names(tmp_path: Path) -> None:
    path = tmp_path / "sm.csv"
    path.write_text(_csv(_surveymonkey_rows()))
    export = read_export(path)
    assert export.layout == "surveymonkey"
    assert export.data_columns == [
        *SURVEYMONKEY_META,
        "Which company?",
        "Please rate us - Quality",
        "Please rate us - Speed",
        "Please rate us - Price",
        "Which topics? - Delivery",
        "Which topics? - Other (please specify)",
        "Comments",
        "Comments (2)",
    ]
    assert export.frame[ROW_COLUMN].tolist() == [3]
    assert export.frame["Please rate us - Speed"].tolist() == ["4"]


def test_surveymonkey_aliases_and_questions(tmp_path: Path) -> None:
    path = tmp_path / "sm.csv"
    path.write_text(_csv(_surveymonkey_rows()))
    export = read_export(path)
    assert export.aliases == {
        "Q1": "Which company?",
        "Q2_1": "Please rate us - Quality",
        "Q2_2": "Please rate us - Speed",
        "Q2_3": "Please rate us - Price",
        "Q3_1": "Which topics? - Delivery",
        "Q3_2": "Which topics? - Other (please specify)",
        "Q4": "Comments",
        "Q5": "Comments (2)",
    }
    assert export.questions["Please rate us - Price"] == "Please rate us"
    assert "Respondent ID" not in export.questions


def test_surveymonkey_from_excel(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in _surveymonkey_rows():
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    path = tmp_path / "sm.xlsx"
    book.save(path)
    export = read_export(path)
    assert export.layout == "surveymonkey"
    assert export.frame["Respondent ID"].tolist() == ["1001"]
    assert export.frame[export.aliases["Q2_1"]].tolist() == ["5"]


def _qualtrics_rows() -> list[list[str]]:
    return [
        ["StartDate", "Status", "Finished", "ResponseId", "Q1", "Q1", "Q2_1"],
        [
            "Startdatum",
            "Antworttyp",
            "Beendet",
            "Antwort-ID",
            "Frage eins",
            "Frage eins (Kopie)",
            "Wie zufrieden sind Sie? - Service",
        ],
        [
            '{"ImportId":"startDate","timeZone":"Europe/Berlin"}',
            '{"ImportId":"status"}',
            '{"ImportId":"finished"}',
            '{"ImportId":"_recordId"}',
            '{"ImportId":"QID1"}',
            '{"ImportId":"QID7"}',
            '{"ImportId":"QID2_1"}',
        ],
        ["2024-05-01 10:00:00", "IP Address", "True", "R_1", "a", "b", "5"],
    ]


def test_qualtrics_utf16_tsv_with_duplicated_names(tmp_path: Path) -> None:
    path = tmp_path / "qualtrics.tsv"
    path.write_bytes(_csv(_qualtrics_rows(), "\t").encode("utf-16"))
    export = read_export(path)
    assert export.layout == "qualtrics"
    assert export.data_columns == [
        "StartDate",
        "Status",
        "Finished",
        "ResponseId",
        "Q1",
        "Q1 (QID7)",
        "Q2_1",
    ]
    assert export.aliases["QID7"] == "Q1 (QID7)"
    assert export.aliases["QID1"] == "Q1"
    assert export.questions["Q2_1"] == "Wie zufrieden sind Sie? - Service"
    assert export.frame[ROW_COLUMN].tolist() == [4]


def test_qualtrics_from_excel(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in _qualtrics_rows():
        sheet.append([int(c) if c.isdigit() else c for c in row])
    path = tmp_path / "qualtrics.xlsx"
    book.save(path)
    export = read_export(path)
    assert export.layout == "qualtrics"
    assert export.frame[export.aliases["QID2_1"]].tolist() == ["5"]
    assert export.frame[ROW_COLUMN].tolist() == [4]


def test_qualtrics_two_header_rows_without_import_ids(tmp_path: Path) -> None:
    rows = _qualtrics_rows()
    path = tmp_path / "two-rows.csv"
    path.write_text(_csv([rows[0][:4], rows[1][:4], rows[3][:4]]))
    export = read_export(path)
    assert export.layout == "qualtrics"
    assert export.questions["Status"] == "Antworttyp"
    assert export.frame[ROW_COLUMN].tolist() == [3]


def test_legacy_layout_names_and_aliases(tmp_path: Path) -> None:
    first = [f"V{i}" for i in range(1, 11)] + ["Q1", "Q2", "LocationLatitude", ""]
    second = [
        *LEGACY_META,
        "Eine Frage?",
        "Noch eine Frage?",
        "LocationLatitude",
        "",
    ]
    data = [
        "R_9",
        "Default",
        "Anonymous",
        "",
        "",
        "10.0.0.1",
        "1",
        "2017-07-18 08:28:09",
        "2017-07-18 08:28:48",
        "0",
        "2",
        "Hallo",
        "47.1",
        "",
    ]
    path = tmp_path / "legacy.csv"
    path.write_text(_csv([first, second, data]))
    export = read_export(path)
    assert export.layout == "qualtrics_legacy"
    assert export.data_columns == [*second[:10], "Q1", "Q2", "LocationLatitude"]
    assert {f"V{i}" for i in range(1, 11)} <= set(export.aliases)
    assert export.aliases["V7"] == "Status"
    assert export.resolve("ResponseId") == "ResponseID"
    assert export.questions == {"Q1": "Eine Frage?", "Q2": "Noch eine Frage?"}
    assert platform_exclusions(export.frame).tolist() == ["preview"]


def _statuses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Status": [
                "IP Address",
                "Survey Preview",
                "Survey Test",
                "Spam",
                "Imported",
                "0",
                "1",
                "2",
                "8",
                "9",
                "16",
                "17",
                None,
                "IP Address",
                " spam ",
            ],
            "DistributionChannel": ["anonymous"] * 12 + ["preview", "test", "email"],
            "Finished": [
                "True",
                "True",
                "False",
                "1",
                "1",
                "0",
                "1",
                "1",
                "1",
                "1",
                "FALSE",
                "1",
                "1",
                "1",
                "0.0",
            ],
        },
        dtype="str",
    )


def test_platform_exclusions_reasons() -> None:
    reasons = platform_exclusions(_statuses())
    expected = [
        None,
        "preview",
        "test",
        "spam",
        None,
        "unfinished",
        "preview",
        "test",
        "spam",
        "spam",
        "unfinished",
        "preview",
        "preview",
        "test",
        "spam",
    ]
    assert [None if pd.isna(r) else r for r in reasons] == expected
    assert reasons.value_counts().to_dict() == {
        "preview": 4,
        "spam": 4,
        "test": 3,
        "unfinished": 2,
    }


def test_platform_exclusions_switches() -> None:
    frame = _statuses()
    no_unfinished = platform_exclusions(frame, exclude_unfinished=False)
    assert "unfinished" not in set(no_unfinished.dropna())
    only_unfinished = platform_exclusions(frame, exclude_previews=False)
    assert set(only_unfinished.dropna()) == {"unfinished"}
    assert only_unfinished.notna().sum() == 4  # "False", "0", "FALSE", "0.0"
    nothing = platform_exclusions(
        frame, exclude_previews=False, exclude_unfinished=False
    )
    assert nothing.isna().all()


def test_platform_exclusions_keep_index_and_ignore_plain_files() -> None:
    frame = pd.DataFrame(
        {"account": ["A", "B"], "status": ["Active", "Churned"]}, index=[7, 9]
    )
    reasons = platform_exclusions(frame)
    assert reasons.index.tolist() == [7, 9]
    assert reasons.isna().all()


def test_exclusions_from_a_qualtrics_spss_file(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Status": [0.0, 1.0, 8.0, 0.0], "Finished": [1.0, 1.0, 1.0, 0.0]}
    )
    path = tmp_path / "qualtrics.sav"
    pyreadstat.write_sav(
        frame,
        path,
        variable_value_labels={
            "Status": {0: "IP Address", 1: "Survey Preview", 8: "Spam"},
            "Finished": {0: "False", 1: "True"},
        },
    )
    export = read_export(path)
    assert export.frame["Status"].tolist() == ["0", "1", "8", "0"]  # codes stay
    assert export.value_labels["Status"]["1"] == "Survey Preview"
    reasons = platform_exclusions(export.frame)
    assert [None if pd.isna(r) else r for r in reasons] == [
        None,
        "preview",
        "spam",
        "unfinished",
    ]


@pytest.mark.parametrize("status", ["Survey Preview", "1", "1.0"])
def test_qualtrics_csv_previews_counted(tmp_path: Path, status: str) -> None:
    rows = _qualtrics_rows()
    rows.append(["2024-05-01 11:00:00", status, "True", "R_2", "c", "d", "4"])
    path = tmp_path / "q.csv"
    path.write_text(_csv(rows))
    reasons = platform_exclusions(read_export(path).frame)
    assert reasons.value_counts().to_dict() == {"preview": 1}
