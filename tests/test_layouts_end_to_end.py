"""Issue 3, done-when: the same responses in every layout and encoding give identical
account results through ``b2bcx.api.accounts`` (not just identical cells, as test_io
checks), each layout with its own config naming columns as that platform exports
them (exported names, Qualtrics import ids, legacy ``V1``, SurveyMonkey ``Q2_3``).

Qualtrics files also carry preview, test and unfinished responses that must be
excluded and counted in ``result.rows``; two regional files stacked give the same
result as one file holding every row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from tests.conftest import LEGACY_META, SURVEYMONKEY_META

from b2bcx import api
from b2bcx.config.models import parse_config
from b2bcx.io import read_export, read_exports

# -- the canonical responses ---------------------------------------------------------
FIELDS = ["ResponseId", "Account", "Region", "Role", "Q1", "Q2", "Q3", "Q4", "NPS"]
FIELDS += ["Comment"]
ITEMS = ["Q1", "Q2", "Q3", "Q4"]
SD, D, N, A, SA, DK = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
    "Don't know",
)
Row = tuple[str | None, ...]
RESPONSES: list[Row] = [
    ("R_01", "Müller GmbH", "EMEA", "Decision maker", A, SA, A, N, "9", "Très bien"),
    ("R_02", "Müller GmbH", "EMEA", "Influencer", D, A, DK, A, "7", None),
    ("R_03", "Müller GmbH", "EMEA", "End user", A, None, A, D, "10", "Fast; friendly"),
    (
        "R_04",
        "Société Générale",
        "EMEA",
        "Decision maker",
        SD,
        D,
        D,
        A,
        "3",
        'He said "no"',
    ),
    (
        "R_05",
        "Société Générale",
        "EMEA",
        "User",
        A,
        A,
        A,
        SD,
        "8",
        "Line one\nline two",
    ),
    ("R_06", "Société Générale", "EMEA", "Influencer", N, N, D, N, "6", None),
    ("R_07", "Kobe Trading", "APAC", "Decision maker", SA, SA, SA, SD, "10", None),
    ("R_08", "Kobe Trading", "APAC", "User", A, A, N, D, None, "No NPS answer"),
    ("R_09", "Kobe Trading", "APAC", "End user", SA, A, A, D, "9", None),
    ("R_10", "Andes Minería", "LATAM", "Influencer", D, SD, D, SA, "2", "Poor, slow"),
    ("R_11", "Andes Minería", "LATAM", "User", N, D, DK, A, "5", None),
    ("R_12", "Andes Minería", "LATAM", "User", A, N, N, N, "7", "Ça va"),
]
AGREE5 = [SD, D, N, A, SA]
ROLE_CODES = {"Decision maker": 1, "Influencer": 2, "User": 3, "End user": 4}
GERMAN = {
    "Role": "Welche Rolle haben Sie bei der Zusammenarbeit mit Acme?",
    "Matrix": "Inwieweit stimmen Sie den folgenden Aussagen zu?",
    "NPS": "Wie wahrscheinlich ist es, dass Sie Acme weiterempfehlen?",
    "Comment": "Möchten Sie uns noch etwas mitteilen?",
}
STATEMENTS = [
    "Acme hält seine Versprechen",
    "Acme ist ehrlich zu uns",
    "Acme versteht unsere Bedürfnisse",
    "Die Zusammenarbeit kostet zu viel Aufwand",
]

COMPARED = ["n", "roles", "coverage", "index", "ci_low", "ci_high", "nps"]
COMPARED += ["integrity", "empathy", "flags", "se", "role_gap"]


def canonical() -> pd.DataFrame:
    return pd.DataFrame(RESPONSES, columns=FIELDS, dtype=object)


def config_for(names: dict[str, str]) -> dict[str, Any]:
    """The program config, columns named as the layout exports them."""
    name = {**{f: f for f in FIELDS}, **names}
    return {
        "version": 1,
        "columns": {
            "respondent": name["ResponseId"],
            "account": name["Account"],
            "role": name["Role"],
            "segments": [name["Region"]],
            "comment": name["Comment"],
        },
        "pillars": {
            "integrity": {"label": "Integrity", "items": [name["Q1"], name["Q2"]]},
            "empathy": {"label": "Empathy", "items": [name["Q3"], name["Q4"]]},
        },
        "items": {name["Q4"]: {"reverse": True}},
        "roles": {
            "weights": {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2},
            "decision_role": "decision_maker",
            "map": {
                "decision_maker": ["Decision maker"],
                "influencer": ["Influencer"],
                "user": ["User", "End user"],
            },
        },
        "outcomes": {"nps": name["NPS"]},
    }


@dataclass
class Layout:
    """One export written to disk, the config that reads it, and what it excludes."""

    paths: list[Path]
    names: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    layout: str = "plain"


def _csv_text(rows: list[list[Any]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if cell is None else cell for cell in row] for row in rows]
    )
    return out.getvalue()


def _plain_rows(rows: list[Row] | None = None) -> list[list[Any]]:
    return [FIELDS, *[list(r) for r in (RESPONSES if rows is None else rows)]]


# -- writers: one per layout and encoding --------------------------------------------
def text_writer(
    encoding: str, delimiter: str = ",", suffix: str = ".csv"
) -> Callable[[Path], Layout]:
    def write(folder: Path) -> Layout:
        path = folder / f"export-{encoding}-{ord(delimiter)}{suffix}"
        path.write_bytes(_csv_text(_plain_rows(), delimiter).encode(encoding))
        return Layout([path])

    return write


def write_xlsx_title(folder: Path) -> Layout:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Responses"
    sheet.append(["Acme customer experience survey 2026-Q3"])
    sheet.append(["Exported 2026-10-01 by the CX team"])
    sheet.append([])
    sheet.append(FIELDS)
    for row in RESPONSES:
        sheet.append(
            [
                int(v) if f == "NPS" and v else v
                for f, v in zip(FIELDS, row, strict=True)
            ]
        )
    path = folder / "export-title.xlsx"
    book.save(path)
    return Layout([path])


def write_sav(folder: Path) -> Layout:
    """SPSS: roles and items as labelled codes, "Don't know" a user-missing code."""
    frame = canonical()
    codes = {label: float(i) for i, label in enumerate(AGREE5, start=1)}
    codes[DK] = 9.0
    for item in ITEMS:
        frame[item] = frame[item].map(codes)
    frame["Role"] = frame["Role"].map(ROLE_CODES).astype(float)
    frame["NPS"] = pd.to_numeric(frame["NPS"]).astype(float)
    frame["Comment"] = frame["Comment"].fillna("")
    labels = {code: label for label, code in codes.items()}
    path = folder / "export.sav"
    pyreadstat.write_sav(
        frame,
        path,
        column_labels={"Role": GERMAN["Role"], "NPS": GERMAN["NPS"]},
        variable_value_labels={
            "Role": {float(c): r for r, c in ROLE_CODES.items()},
            **{item: labels for item in ITEMS},
        },
        missing_ranges={item: [9.0] for item in ITEMS},
    )
    return Layout([path], layout="spss")


def write_parquet(folder: Path) -> Layout:
    frame = canonical()
    frame["NPS"] = pd.to_numeric(frame["NPS"]).astype("Int64")
    path = folder / "export.parquet"
    frame.to_parquet(path)
    return Layout([path], layout="parquet")


# Qualtrics ------------------------------------------------------------------------
QUALTRICS_META = [
    ("StartDate", "Startdatum", '{"ImportId":"startDate","timeZone":"Europe/Berlin"}'),
    ("EndDate", "Enddatum", '{"ImportId":"endDate","timeZone":"Europe/Berlin"}'),
    ("Status", "Antworttyp", '{"ImportId":"status"}'),
    ("Progress", "Fortschritt", '{"ImportId":"progress"}'),
    ("Finished", "Beendet", '{"ImportId":"finished"}'),
    ("ResponseId", "Antwort-ID", '{"ImportId":"_recordId"}'),
    ("DistributionChannel", "Verteilungskanal", '{"ImportId":"distributionChannel"}'),
]
# field -> (exported name, German question text, import id)
QUALTRICS_QUESTIONS = {
    "Role": ("Q1", GERMAN["Role"], "QID1"),
    **{
        item: (
            f"Q2_{i}",
            f"{GERMAN['Matrix']} - {STATEMENTS[i - 1]}",
            f"QID2_{i}",
        )
        for i, item in enumerate(ITEMS, start=1)
    },
    "NPS": ("Q3", GERMAN["NPS"], "QID3"),
    "Comment": ("Q4", GERMAN["Comment"], "QID4_TEXT"),
}
EMBEDDED = ["Account", "Region"]
# Rows a Qualtrics export holds besides real responses, with the reason each is excluded.
NOT_RESPONSES: list[tuple[str, str, str, str, Row]] = [
    # status, finished, channel, reason, answers
    (
        "Survey Preview",
        "True",
        "preview",
        "preview",
        ("R_p1", "Müller GmbH", "EMEA", "Decision maker", SD, SD, SD, SA, "0", "x"),
    ),
    (
        "Survey Test",
        "True",
        "test",
        "test",
        ("R_t1", "Kobe Trading", "APAC", "Decision maker", SD, SD, SD, SA, "0", None),
    ),
    (
        "IP Address",
        "False",
        "anonymous",
        "unfinished",
        ("R_u1", "Société Générale", "EMEA", "User", SA, SA, None, None, None, None),
    ),
]
LEGACY_STATUS = {"preview": "1", "test": "2", "unfinished": "0"}


def _qualtrics_rows(rows: list[Row], extra: bool) -> list[list[Any]]:
    questions = list(QUALTRICS_QUESTIONS.items())
    header = [m[0] for m in QUALTRICS_META] + [q[0] for _, q in questions] + EMBEDDED
    texts = [m[1] for m in QUALTRICS_META] + [q[1] for _, q in questions] + EMBEDDED
    meta = [m[2] for m in QUALTRICS_META]
    meta += [json.dumps({"ImportId": q[2]}) for _, q in questions]
    meta += [json.dumps({"ImportId": e}) for e in EMBEDDED]
    table: list[list[Any]] = [header, texts, meta]

    def line(row: Row, status: str, finished: str, channel: str) -> list[Any]:
        values = dict(zip(FIELDS, row, strict=True))
        progress = "100" if finished == "True" else "45"
        fixed = ["2026-09-01 10:00:00", "2026-09-01 10:07:00", status, progress]
        fixed += [finished, values["ResponseId"], channel]
        return fixed + [values[f] for f, _ in questions] + [values[e] for e in EMBEDDED]

    for number, row in enumerate(rows):
        table.append(line(row, "IP Address", "True", "anonymous"))
        if extra and number < len(NOT_RESPONSES):  # interleaved, not at the end
            status, finished, channel, _, answers = NOT_RESPONSES[number]
            table.append(line(answers, status, finished, channel))
    return table


def qualtrics_writer(encoding: str, delimiter: str, suffix: str) -> Callable:
    def write(folder: Path) -> Layout:
        path = folder / f"qualtrics-{encoding}{suffix}"
        text = _csv_text(_qualtrics_rows(RESPONSES, extra=True), delimiter)
        path.write_bytes(text.encode(encoding))
        return Layout([path], QUALTRICS_BY_IMPORT_ID, EXCLUDED, "qualtrics")

    return write


# The Qualtrics config names questions by import id, metadata by exported name.
QUALTRICS_BY_IMPORT_ID = {f: q[2] for f, q in QUALTRICS_QUESTIONS.items()}
EXCLUDED = {"preview": 1, "test": 1, "unfinished": 1}


def write_qualtrics_legacy(folder: Path) -> Layout:
    """Row 1 ``V1..V10`` then question ids; row 2 metadata names and question text."""
    questions = list(QUALTRICS_QUESTIONS.items())
    codes = [f"V{i}" for i in range(1, 11)] + [q[0] for _, q in questions] + EMBEDDED
    texts = LEGACY_META + [q[1] for _, q in questions] + EMBEDDED
    table: list[list[Any]] = [codes, texts]

    def line(row: Row, status: str, finished: str) -> list[Any]:
        values = dict(zip(FIELDS, row, strict=True))
        meta = [values["ResponseId"], "Default Response Set", "Anonymous", None, None]
        meta += ["10.0.0.1", status, "2026-09-01 10:00:00", "2026-09-01 10:07:00"]
        meta += [finished]
        return meta + [values[f] for f, _ in questions] + [values[e] for e in EMBEDDED]

    for number, row in enumerate(RESPONSES):
        table.append(line(row, "0", "1"))
        if number < len(NOT_RESPONSES):
            _, _, _, reason, answers = NOT_RESPONSES[number]
            unfinished = reason == "unfinished"
            status = "0" if unfinished else LEGACY_STATUS[reason]
            table.append(line(answers, status, "0" if unfinished else "1"))
    path = folder / "qualtrics-legacy.csv"
    path.write_text(_csv_text(table), encoding="utf-8")
    names = {f: q[0] for f, q in questions} | {"ResponseId": "V1"}
    return Layout([path], names, EXCLUDED, "qualtrics_legacy")


# SurveyMonkey ---------------------------------------------------------------------
SM_META = [*SURVEYMONKEY_META, "Custom Data 2"]
SM_ROLE = "What is your role in working with Acme?"
SM_MATRIX = "How far do you agree with these statements?"
SM_STATEMENTS = [
    "Acme keeps its promises",
    "Acme is honest with us",
    "Acme understands our needs",
    "Working with Acme takes too much effort",
]


def write_surveymonkey(folder: Path) -> Layout:
    """Two header rows: question text (merged over matrix columns), then sub-headers."""
    first = [*SM_META, SM_ROLE, SM_MATRIX, None, None, None, GERMAN["NPS"], "Comments"]
    second = [None] * len(SM_META) + ["Response", *SM_STATEMENTS, "Response"]
    second.append("Open-Ended Response")
    table: list[list[Any]] = [first, second]
    for row in RESPONSES:
        v = dict(zip(FIELDS, row, strict=True))
        meta = [v["ResponseId"], "4321", "09/01/2026 10:00:00 AM"]
        meta += ["09/01/2026 10:07:00 AM", "10.0.0.1", None, None, None]
        meta += [v["Account"], v["Region"]]
        table.append([*meta, v["Role"], *[v[i] for i in ITEMS], v["NPS"], v["Comment"]])
    path = folder / "surveymonkey.csv"
    path.write_text(_csv_text(table), encoding="utf-8")
    names = {
        "ResponseId": "Respondent ID",
        "Account": "Custom Data 1",
        "Region": "Custom Data 2",
        "Role": SM_ROLE,  # exported name
        "Q1": f"{SM_MATRIX} - {SM_STATEMENTS[0]}",  # exported name
        "Q2": f"{SM_MATRIX} - {SM_STATEMENTS[1]}",
        "Q3": "Q2_3",  # SurveyMonkey question numbering (alias)
        "Q4": "Q2_4",
        "NPS": "Q3",
        "Comment": "Q4",
    }
    return Layout([path], names, layout="surveymonkey")


WRITERS: dict[str, Callable[[Path], Layout]] = {
    "csv-utf8": text_writer("utf-8"),
    "csv-utf8-bom": text_writer("utf-8-sig"),
    "tsv-utf16": text_writer("utf-16", "\t", ".tsv"),
    "csv-cp1252": text_writer("cp1252"),
    "csv-semicolon": text_writer("utf-8", ";"),
    "xlsx-title-rows": write_xlsx_title,
    "sav-value-labels": write_sav,
    "parquet": write_parquet,
    "qualtrics-csv-import-ids": qualtrics_writer("utf-8-sig", ",", ".csv"),
    "qualtrics-tsv-utf16-import-ids": qualtrics_writer("utf-16", "\t", ".tsv"),
    "qualtrics-legacy": write_qualtrics_legacy,
    "surveymonkey": write_surveymonkey,
}


def score(layout: Layout) -> api.ScoreResult:
    config = parse_config(config_for(layout.names))
    return api.score(read_exports(layout.paths), config)


def accounts(result: api.ScoreResult) -> pd.DataFrame:
    table = result.accounts.set_index("account").sort_index()[COMPARED]
    table["flags"] = table["flags"].map(";".join)
    return table


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("reference")
    return accounts(score(WRITERS["csv-utf8"](folder)))


def test_reference_result_is_not_trivial(reference: pd.DataFrame) -> None:
    """Guard against 'all layouts agree because everything is blank'."""
    assert reference.index.tolist() == [
        "Andes Minería",
        "Kobe Trading",
        "Müller GmbH",
        "Société Générale",
    ]
    assert reference["n"].tolist() == [3, 3, 3, 3]
    assert reference[["index", "integrity", "empathy", "nps"]].notna().all().all()
    # Kobe Trading: decision maker NPS 10 (promoter), user 9 (promoter); user R_08
    # gave no NPS. Role-weighted promoter share 1, detractors 0 -> NPS 100.
    assert reference.loc["Kobe Trading", "nps"] == pytest.approx(100.0)
    # Andes Minería has no decision maker.
    assert "no_decision_maker" in reference.loc["Andes Minería", "flags"]
    # Empathy = mean(Q3, reversed Q4). Kobe Trading: decision maker R_07 (SA, SD)
    # -> (100 + 100) / 2 = 100; users R_08 (N, D) -> (50 + 75) / 2 = 62.5 and R_09
    # (A, D) -> 75, role mean 68.75; renormalised over the roles present:
    # (0.5 * 100 + 0.2 * 68.75) / 0.7 = 91.071...
    assert reference.loc["Kobe Trading", "roles"] == "decision_maker;user"
    assert reference.loc["Kobe Trading", "empathy"] == pytest.approx(63.75 / 0.7)


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_every_layout_gives_identical_account_results(
    tmp_path: Path, reference: pd.DataFrame, kind: str
) -> None:
    layout = WRITERS[kind](tmp_path)
    assert read_export(layout.paths[0]).layout == layout.layout
    result = score(layout)
    pd.testing.assert_frame_equal(accounts(result), reference, check_exact=False)
    rows = result.rows
    assert len(rows) == len(RESPONSES) + sum(layout.excluded.values())
    assert (rows["status"] == "scored").sum() == len(RESPONSES)
    excluded = rows.loc[rows["status"] == "excluded", "reason"].value_counts()
    assert excluded.to_dict() == layout.excluded


def test_qualtrics_exclusions_name_the_rows_as_the_user_sees_them(
    tmp_path: Path,
) -> None:
    layout = WRITERS["qualtrics-csv-import-ids"](tmp_path)
    rows = score(layout).rows
    excluded = rows[rows["status"] == "excluded"].set_index("_row")["reason"]
    # Three header rows, then R_01 (row 4), the preview (5), R_02 (6), the test (7),
    # R_03 (8), the unfinished response (9).
    assert excluded.to_dict() == {5: "preview", 7: "test", 9: "unfinished"}
    summary = api.rows_summary(rows).set_index("what")["rows"].to_dict()
    assert summary["rows read"] == 15
    assert summary["rows scored"] == 12
    assert summary["excluded: preview"] == 1


def test_qualtrics_config_by_exported_name_equals_by_import_id(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    layout = WRITERS["qualtrics-csv-import-ids"](tmp_path)
    by_name = Layout(
        layout.paths, {f: q[0] for f, q in QUALTRICS_QUESTIONS.items()}, EXCLUDED
    )
    pd.testing.assert_frame_equal(accounts(score(by_name)), reference)


def test_previews_count_when_exclusion_is_switched_off(tmp_path: Path) -> None:
    """The excluded rows are real rows in the file: switching the filters off
    scores them, so the equality above is not an accident of the data."""
    layout = WRITERS["qualtrics-csv-import-ids"](tmp_path)
    data = config_for(layout.names)
    data["filters"] = {"exclude_previews": False, "exclude_unfinished": False}
    result = api.score(read_exports(layout.paths), parse_config(data))
    assert (result.rows["status"] == "scored").sum() == 15
    assert accounts(result).loc["Müller GmbH", "n"] == 4


# -- stacking ------------------------------------------------------------------------
def _regional_rows(region: str, inside: bool) -> list[Row]:
    return [row for row in RESPONSES if (row[2] == region) == inside]


def test_two_regional_files_stacked_equal_one_file(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    """EMEA as UTF-8 CSV, the rest as a cp1252 semicolon file from another office."""
    emea = tmp_path / "emea.csv"
    emea.write_bytes(_csv_text(_plain_rows(_regional_rows("EMEA", True))).encode())
    rest = tmp_path / "apac-latam.csv"
    rows = _plain_rows(_regional_rows("EMEA", False))
    rest.write_bytes(_csv_text(rows, ";").encode("cp1252"))
    result = score(Layout([emea, rest]))
    pd.testing.assert_frame_equal(accounts(result), reference)
    per_file = result.rows.groupby("_file")["status"].value_counts().to_dict()
    assert per_file == {(str(emea), "scored"): 6, (str(rest), "scored"): 6}


def test_two_regional_qualtrics_files_stacked_equal_one_file(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    """A current-format file and a legacy-format file, with their previews."""
    emea = tmp_path / "qualtrics-emea.csv"
    emea.write_text(
        _csv_text(_qualtrics_rows(_regional_rows("EMEA", True), extra=True)),
        encoding="utf-8-sig",
    )
    rest = tmp_path / "qualtrics-rest.tsv"
    rest.write_bytes(
        _csv_text(
            _qualtrics_rows(_regional_rows("EMEA", False), extra=False), "\t"
        ).encode("utf-16")
    )
    result = score(Layout([emea, rest], QUALTRICS_BY_IMPORT_ID))
    pd.testing.assert_frame_equal(accounts(result), reference)
    rows = result.rows
    assert rows.groupby("_file").size().to_dict() == {str(emea): 9, str(rest): 6}
    excluded = rows[rows["status"] == "excluded"]
    assert set(excluded["_file"]) == {str(emea)}
    assert sorted(excluded["reason"]) == ["preview", "test", "unfinished"]


def test_current_and_legacy_qualtrics_files_stack(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    """``ResponseId`` (current) and ``ResponseID`` (legacy) become one column."""
    current = tmp_path / "current.csv"
    current.write_text(
        _csv_text(_qualtrics_rows(_regional_rows("EMEA", True), extra=False)),
        encoding="utf-8-sig",
    )
    legacy = write_qualtrics_legacy(tmp_path).paths[0]
    only_rest = pd.read_csv(legacy, header=None, dtype=str, keep_default_na=False)
    keep = [0, 1] + [
        i
        for i in range(2, len(only_rest))
        if only_rest.iloc[i, -1] != "EMEA"  # Region is the last column
    ]
    rows = only_rest.iloc[keep].to_numpy().tolist()
    legacy.write_text(_csv_text(rows), encoding="utf-8")
    names = {f: q[0] for f, q in QUALTRICS_QUESTIONS.items()}
    result = score(Layout([current, legacy], names))
    pd.testing.assert_frame_equal(accounts(result), reference)


# -- SPSS numeric scales with labelled end points --------------------------------------
def test_spss_nps_with_labelled_end_points_scores_as_numbers(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    """SPSS files routinely label only the ends of a 0..10 scale
    (0 = "Not at all likely", 10 = "Extremely likely"). Applying value labels must
    not turn the answers 0 and 10 into text that the numeric nps11 scale rejects."""
    path = write_sav(tmp_path).paths[0]
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(meta.variable_value_labels)
    labels["NPS"] = {0.0: "Not at all likely", 10.0: "Extremely likely"}
    missing = {item: [9.0] for item in ITEMS}
    pyreadstat.write_sav(
        frame,
        path,
        column_labels=meta.column_names_to_labels,
        variable_value_labels=labels,
        missing_ranges=missing,
    )
    result = score(Layout([path]))
    pd.testing.assert_frame_equal(accounts(result), reference, check_exact=False)
