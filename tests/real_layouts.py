"""Small exports in the layouts real survey platforms write, built in memory.

The same fifteen responses are written as each Qualtrics vintage: the legacy
``V1..V10`` two-row export, the 2016-17 export (legacy metadata names, a third
row of Python-dict ``{'ImportId': 'QID1'}`` cells, as in the QualtricsTools
sample exports), the current export (JSON ``{"ImportId":"QID1"}``) and the
current export without its third row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

ACCOUNTS = ["Acme", "Acme", "Acme", "Borealis", "Borealis", "Borealis", "Cobalt",
            "Cobalt", "Cobalt", "Delta", "Delta", "Delta", "Acme", "Borealis", "Cobalt"]  # fmt: skip
ROLES = ["CEO", "Buyer", "User"] * 5
Q3_1 = ["5", "4", "3", "2", "4", "5", "1", "3", "4", "5", "5", "2", "3", "4", "1"]
Q3_2 = ["4", "4", "2", "3", "5", "4", "2", "2", "", "5", "4", "3", "3", "5", "2"]
Q4 = ["9", "7", "3", "10", "8", "6", "0", "9", "9", "10", "4", "8", "7", "9", "5"]
TEXTS = {
    "Q1": "Which company do you work for?",
    "Q2": "What is your role?",
    "Q3_1": "How do you rate us? - They keep their promises",
    "Q3_2": "How do you rate us? - They listen to us",
    "Q4": "How likely are you to recommend us to a colleague?",
}
QUESTIONS = list(TEXTS)
CONFIG: dict[str, Any] = {
    "version": 1,
    "columns": {"respondent": "ResponseId", "account": "Q1", "role": "Q2"},
    "scales": {"five": {"min": 1, "max": 5}},
    "default_scale": "five",
    "pillars": {
        "integrity": {"label": "Integrity", "items": ["Q3_1"]},
        "empathy": {"label": "Empathy", "items": ["Q3_2"]},
    },
    "roles": {
        "weights": {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2},
        "decision_role": "decision_maker",
        "map": {"decision_maker": ["CEO"], "influencer": ["Buyer"], "user": ["User"]},
    },
    "outcomes": {"nps": "Q4"},
}


def _answers(i: int) -> list[str]:
    return [ACCOUNTS[i], ROLES[i], Q3_1[i], Q3_2[i], Q4[i]]


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def legacy_rows() -> list[list[str]]:
    """Qualtrics before 2016: ``V1..V10`` then question ids; row 2 names/texts."""
    meta = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference",
            "EmailAddress", "IPAddress", "Status", "StartDate", "EndDate", "Finished"]  # fmt: skip
    rows = [
        [f"V{i}" for i in range(1, 11)] + QUESTIONS,
        meta + [TEXTS[q] for q in QUESTIONS],
    ]
    for i in range(15):
        rows.append([f"R_{i:03d}", "Default Response Set", "", "", "", "10.0.0.1",
                     "0", "2016-05-01 10:00:00", "2016-05-01 10:05:00", "1",
                     *_answers(i)])  # fmt: skip
    return rows


def qualtrics_2016_rows() -> list[list[str]]:
    """2016-17: legacy metadata names, question text, ``{'ImportId': ...}`` dicts."""
    meta = ["ResponseID", "ResponseSet", "IPAddress", "StartDate", "EndDate",
            "RecipientLastName", "RecipientFirstName", "RecipientEmail",
            "ExternalDataReference", "Finished", "Status"]  # fmt: skip
    ids = ["responseId", "responseSetId", "ipAddress", "startDate", "endDate",
           "panel-RecipientLastName", "panel-RecipientFirstName",
           "panel-RecipientEmail", "panel-ExternalDataReference", "finished", "status"]  # fmt: skip
    qids = ["QID1", "QID2", "QID3_1", "QID3_2", "QID4"]
    rows = [
        meta + QUESTIONS,
        meta + [TEXTS[q] for q in QUESTIONS],
        [f"{{'ImportId': '{i}'}}" for i in ids + qids],
    ]
    for i in range(15):
        rows.append([f"R_{i:03d}", "Default Response Set", "10.0.0.1",
                     "2016-05-01 10:00:00", "2016-05-01 10:05:00", "", "", "", "",
                     "1", "0", *_answers(i)])  # fmt: skip
    return rows


def current_rows(import_ids: bool = True) -> list[list[str]]:
    """Qualtrics since 2017: names, question text, ``{"ImportId":"QID1"}``."""
    meta = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "UserLanguage"]  # fmt: skip
    texts = ["Start Date", "End Date", "Response Type", "Progress",
             "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
             "User Language"]  # fmt: skip
    ids = ["startDate", "endDate", "status", "progress", "duration", "finished",
           "recordedDate", "_recordId", "userLanguage"]  # fmt: skip
    qids = ["QID1", "QID2", "QID3_1", "QID3_2", "QID4"]
    rows = [meta + QUESTIONS, texts + [TEXTS[q] for q in QUESTIONS]]
    if import_ids:
        rows.append([f'{{"ImportId":"{i}"}}' for i in ids + qids])
    for i in range(15):
        rows.append(["2024-05-01 10:00:00", "2024-05-01 10:05:00", "IP Address",
                     "100", "300", "True", "2024-05-01 10:05:00", f"R_{i:03d}", "EN",
                     *_answers(i)])  # fmt: skip
    return rows


VINTAGES = {
    "legacy": legacy_rows,
    "2016": qualtrics_2016_rows,
    "current": current_rows,
    "current_two_rows": lambda: current_rows(import_ids=False),
}


def write_vintage(folder: Path, vintage: str) -> Path:
    path = folder / f"qualtrics_{vintage}.csv"
    path.write_text(csv_text(VINTAGES[vintage]()), encoding="utf-8")
    return path


# -- SPSS, in the shape of ICPSR study files ----------------------------------------
# Importance items labelled only at 1, 3 and 5 (as ICPSR 37110 labels Q18-Q20),
# 9 a user-missing "Refused", stores and roles as labelled codes.
IMPORTANCE = {
    1.0: "Not at all Important",
    3.0: "Somewhat Important",
    5.0: "Very Important",
}
STORES = {1.0: "North Store", 2.0: "South Store", 3.0: "East Store"}
SPSS_ROLES = {1.0: "Store director", 2.0: "Buyer", 3.0: "Clerk"}
SPSS_CONFIG: dict[str, Any] = {
    "version": 1,
    "columns": {"respondent": "CASEID", "account": "STORE", "role": "ROLE"},
    "scales": {
        "imp5": {
            "labels": {
                "Not at all Important": 1,
                "Not very important": 2,
                "Somewhat Important": 3,
                "Important": 4,
                "Very Important": 5,
            },
        },
    },
    "default_scale": "imp5",
    "pillars": {
        "integrity": {"label": "Integrity", "items": ["Q18", "Q19"]},
        "empathy": {"label": "Empathy", "items": ["Q20"]},
    },
    "roles": {
        "weights": {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2},
        "decision_role": "decision_maker",
        "map": {
            "decision_maker": ["Store director"],
            "influencer": ["Buyer"],
            "user": ["Clerk"],
        },
    },
}


def icpsr_frame() -> Any:
    """Store 3 (East) answers only the labelled codes 1, 3 and 5."""
    import pandas as pd

    q18 = [5, 4, 2, 3, 5, 1, 4, 9, 5, 3, 1, 5]
    q19 = [4, 4, 3, 2, 5, 2, 5, 3, 3, 5, 3, 1]
    q20 = [5, 2, 4, 3, 4, 9, 5, 5, 1, 5, 3, 5]
    return pd.DataFrame(
        {
            "CASEID": [float(i) for i in range(101, 113)],
            "STORE": [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0],
            "ROLE": [1.0, 2.0, 3.0, 3.0] * 3,
            "Q18": [float(v) for v in q18],
            "Q19": [float(v) for v in q19],
            "Q20": [float(v) for v in q20],
        }
    )


def write_icpsr_sav(path: Path, frame: Any = None, codes: dict | None = None) -> Path:
    """An ICPSR-like .sav: partial value labels, 9 user-missing ("Refused")."""
    import pyreadstat

    frame = icpsr_frame() if frame is None else frame
    items = codes or {**IMPORTANCE, 9.0: "Refused"}
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={
            "CASEID": "Case identifier",
            "STORE": "Store",
            "ROLE": "Position",
            "Q18": "How important is it that staff keep their promises?",
            "Q19": "How important is it that problems are resolved fast?",
            "Q20": "How important is it that staff understand your needs?",
        },
        variable_value_labels={
            "STORE": STORES,
            "ROLE": SPSS_ROLES,
            **{item: dict(items) for item in ("Q18", "Q19", "Q20")},
        },
        missing_ranges={item: [9.0] for item in ("Q18", "Q19", "Q20")},
    )
    return path


# -- batteries in plain files (ECSI-like, 1..7, 1..4), statements as headers ---------
def _answers_on(
    lo: int, hi: int, n: int, seed: int, top: int | None = None
) -> list[int]:
    """``n`` whole answers lo..hi (never above ``top``), from a fixed generator."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.integers(lo, (top or hi) + 1, size=n)]


def battery_rows(
    batteries: dict[str, int], lo: int, hi: int, n: int = 40, short: str = ""
) -> list[dict[str, str]]:
    """A plain export: ``Store`` (the account, not named so), ``Role``, then each
    battery's items ``STEM1..STEMk`` on lo..hi; item ``short`` never reaches hi."""
    rows: list[dict[str, str]] = [
        {"Store": f"S{i % 4 + 1}", "Role": ["Director", "Buyer", "User"][i % 3]}
        for i in range(n)
    ]
    seed = 0
    for stem, count in batteries.items():
        for k in range(1, count + 1):
            seed += 1
            name = f"{stem}{k}"
            top = hi - 1 if name == short else None
            for row, value in zip(rows, _answers_on(lo, hi, n, seed, top), strict=True):
                row[name] = str(value)
    return rows


ECSI = {"IMAG": 5, "EXPE": 3, "QUAL": 7, "VAL": 4, "SAT": 3, "LOY": 2}  # 24 items


STATEMENTS = [
    "They keep their promises",
    "They resolve problems quickly",
    "Working with them is easy",
    "It takes too much effort to deal with them",
    "They listen to us",
]
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree"]  # fmt: skip


def statement_rows(n: int = 36, extras: bool = True) -> list[dict[str, str]]:
    """A plain CSV whose headers are the statements; the effort statement is
    worded negatively and answered so; a Likert column is named "Feedback
    quality"; age brackets, an age and a reverse-coded copy ride along."""
    import numpy as np

    rng = np.random.default_rng(7)
    mood = rng.integers(1, 6, size=n)
    rows = []
    for i in range(n):

        def near(v: int) -> int:
            return int(min(5, max(1, v + rng.integers(-1, 2))))

        answers = [near(mood[i]) for _ in range(5)]
        answers[3] = 6 - near(mood[i])  # too much effort: disagreeing is good
        row = {
            "Respondent": f"P{i:03d}",
            "Customer": f"Firm {i % 5}",
            "Role": ["Director", "Buyer", "User"][i % 3],
            "Age group": ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"][i % 6],
            "Age": str(18 + (i * 7) % 67),
            **{s: AGREE5[a - 1] for s, a in zip(STATEMENTS, answers, strict=True)},
            "Feedback quality": AGREE5[near(mood[i]) - 1],
            "Q9": str(near(mood[i])),
        }
        row["Q9r"] = str(6 - int(row["Q9"]))
        if not extras:
            for name in ("Feedback quality", "Q9", "Q9r"):
                del row[name]
        rows.append(row)
    return rows


def surveymonkey_rows(n: int = 15) -> list[list[str]]:
    """SurveyMonkey: metadata, single questions with ``Response``, a matrix."""
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address"]
    first = [*meta, "Which company do you work for?", "What is your role?",
             "How much do you agree?", "", "How likely are you to recommend us?"]  # fmt: skip
    second = ["", "", "", "", "", "Response", "Response", "They keep their promises",
              "They listen to us", "Response"]  # fmt: skip
    rows = [first, second]
    for i in range(n):
        rows.append([str(1000 + i), "42", "05/01/2024", "05/01/2024", "10.0.0.1",
                     ACCOUNTS[i], ROLES[i], AGREE5[int(Q3_1[i]) - 1],
                     AGREE5[int(Q3_2[i] or "3") - 1], Q4[i]])  # fmt: skip
    return rows
