"""Survey-platform layouts recognised from the header rows, without options.

Qualtrics (current)
    Row 1 column names, row 2 question text (any language), row 3
    ``{"ImportId":"QID5_1"}`` metadata (2016-17 exports write it as a Python
    dict, ``{'ImportId': 'QID5_1'}``, and name the metadata as the legacy
    layout does: ``ResponseID``). Columns keep the row-1 names; row 2 goes
    to ``questions``; each ImportId becomes an alias. Older two-row exports
    (names, question text, no ImportId row) are recognised by their ``StartDate``
    column whose second row is text.
Qualtrics legacy
    Row 1 ``V1``..``V10`` then question ids (``Q1``, ``Q2_1``), row 2 the metadata
    names (``ResponseID``, ``ResponseSet``, ..., ``Finished``) under ``V1``..``V10``
    and the question text under the rest. ``V`` columns take their row-2 name
    (``ResponseID``), with ``V1`` -> ``ResponseID`` as alias; question columns keep
    their row-1 id and row 2 goes to ``questions``.
SurveyMonkey
    Row 1 question text (merged: a multi-column question's text appears once,
    followed by empty cells) or a metadata name (``Respondent ID``, ...), row 2
    the sub-header: ``Response`` / ``Open-Ended Response`` for single-column
    questions, the matrix row or choice label otherwise. A column is named
    ``"<question>"`` for a single-column question and
    ``"<question> - <sub-header>"`` for each column of a multi-column one (the
    form Qualtrics uses for matrix rows). Questions are numbered in order and
    aliased ``Q<n>`` (single column) or ``Q<n>_<k>`` (k-th column).

LimeSurvey, Google Forms, KoboToolbox
    One header row, read as a plain file; the layout is named by the platform's
    own columns (:func:`plain_platform`): LimeSurvey ``submitdate`` and
    ``lastpage`` ("Date submitted", "Last page"), a Google Forms ``Timestamp``
    first column (in the form's language), Kobo ``_uuid`` and
    ``_submission_time``.

Duplicate names in a platform layout are made unique: ``"Q1 (QID7)"`` (by
ImportId) for Qualtrics, ``"Comments (2)"`` for SurveyMonkey.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from b2bcx.io.text import clean_name

Row = Sequence[str | None]

QUALTRICS = "qualtrics"
QUALTRICS_LEGACY = "qualtrics_legacy"
SURVEYMONKEY = "surveymonkey"
PLAIN = "plain"
LIMESURVEY = "limesurvey"
GOOGLE_FORMS = "google_forms"
KOBO = "kobo"
_FORMS_TIMESTAMPS = frozenset(
    {"timestamp", "marca temporal", "zeitstempel", "horodateur",
     "carimbo de data/hora", "tijdstempel", "informazioni cronologiche"}
)  # fmt: skip

_IMPORT_ID = re.compile(r"""^\s*\{\s*["']ImportId["']\s*:""")
_V_COLUMN = re.compile(r"^V\d+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SINGLE_ANSWER = frozenset({"Response", "Open-Ended Response"})
SURVEYMONKEY_METADATA = frozenset(
    {
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data",
        "Custom Data 1",
        "Custom Data 2",
        "Custom Data 3",
        "Custom Data 4",
        "Custom Data 5",
    }
)
_QUALTRICS_METADATA = frozenset(
    {"EndDate", "Status", "Progress", "Finished", "RecordedDate", "ResponseId"}
)
# Current Qualtrics name -> legacy name, for the metadata that was renamed.
_QUALTRICS_RENAMED = {
    "ResponseId": "ResponseID",
    "ExternalReference": "ExternalDataReference",
    "RecipientEmail": "EmailAddress",
}

_LEGACY_TO_CURRENT = {old: new for new, old in _QUALTRICS_RENAMED.items()}


@dataclass(frozen=True)
class Layout:
    """How the header rows of a grid translate into columns.

    ``columns`` has one name per column position (``""`` when the header has
    none); ``header_rows`` is the number of rows, from the header row down, that
    are not responses.
    """

    name: str
    header_rows: int
    columns: list[str]
    aliases: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)


def recognise(rows: Sequence[Row]) -> Layout | None:
    """The platform layout of rows starting at the header row, or None if plain."""
    first = _cleaned(rows[0]) if rows else []
    second = _cleaned(rows[1]) if len(rows) > 1 else []
    if len(rows) > 2 and is_import_id_row(rows[2]):
        return _qualtrics(first, second, rows[2])
    if second and first[:1] == ["V1"] and {"ResponseID", "ResponseId"} & set(second):
        return _qualtrics_legacy(first, second)
    if second and _is_surveymonkey(first, second):
        return _surveymonkey(first, second)
    if second and _is_qualtrics_two_rows(first, second):
        return _qualtrics(first, second, [None] * len(first))
    return None


def plain_platform(names: Sequence[str]) -> str:
    """The platform a one-header-row export comes from, by its own columns, or
    ``"plain"``."""
    folded = {str(name).strip().casefold() for name in names}
    if {"submitdate", "lastpage"} <= folded or {
        "date submitted",
        "last page",
    } <= folded:
        return LIMESURVEY
    if {"_uuid", "_submission_time"} <= folded:
        return KOBO
    if names and str(names[0]).strip().casefold() in _FORMS_TIMESTAMPS:
        return GOOGLE_FORMS
    return PLAIN


def plain(header: Row) -> Layout:
    """One header row; names cleaned of BOMs and extra whitespace."""
    return Layout(PLAIN, 1, _cleaned(header))


def _cleaned(row: Row) -> list[str]:
    return [clean_name(cell) for cell in row]


def is_import_id_row(row: Row) -> bool:
    """Whether most filled cells are Qualtrics ``{"ImportId": ...}`` metadata."""
    cells = [cell for cell in row if cell]
    matches = sum(bool(_IMPORT_ID.match(cell)) for cell in cells)
    return bool(cells) and 2 * matches >= len(cells)


def _is_qualtrics_two_rows(first: list[str], second: list[str]) -> bool:
    if "StartDate" not in first or not _QUALTRICS_METADATA & set(first):
        return False
    start = second[first.index("StartDate")]
    return bool(start) and not any(char.isdigit() for char in start)


def _is_surveymonkey(first: list[str], second: list[str]) -> bool:
    answers = sum(cell in _SINGLE_ANSWER for cell in second)
    return answers >= 1 and ("Respondent ID" in first or answers >= 2)


def _import_id(cell: str | None) -> str:
    if not cell or not _IMPORT_ID.match(cell) or len(cell) > 2000:
        return ""
    try:
        meta = json.loads(cell)
    except ValueError:
        try:  # 2016-17: {'ImportId': 'QID1'}
            meta = ast.literal_eval(cell.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return ""
    value = meta.get("ImportId") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else ""


def _qualtrics(first: list[str], second: list[str], meta: Row) -> Layout:
    import_ids = [_import_id(cell) for cell in meta]
    names = [
        name or import_id for name, import_id in zip(first, import_ids, strict=True)
    ]
    names = dedupe(
        names, [f"({import_id})" if import_id else "" for import_id in import_ids]
    )
    aliases = {
        import_id: name
        for import_id, name in zip(import_ids, names, strict=True)
        if import_id and name and import_id != name
    }
    questions = {
        name: text for name, text in zip(names, second, strict=True) if name and text
    }
    aliases |= _renamed_metadata(names, _QUALTRICS_RENAMED)
    aliases |= _renamed_metadata(names, _LEGACY_TO_CURRENT)  # 2016-17 names
    header_rows = 3 if any(import_ids) else 2
    return Layout(
        QUALTRICS, header_rows, names, _without_columns(aliases, names), questions
    )


def _qualtrics_legacy(first: list[str], second: list[str]) -> Layout:
    renamed = [
        bool(_V_COLUMN.match(code) and _IDENTIFIER.match(text))
        for code, text in zip(first, second, strict=True)
    ]
    names = dedupe(
        [
            text if is_v else code
            for code, text, is_v in zip(first, second, renamed, strict=True)
        ],
        [""] * len(first),
    )
    aliases = {
        code: name
        for code, name, is_v in zip(first, names, renamed, strict=True)
        if is_v
    }
    questions = {
        name: text
        for name, text, is_v in zip(names, second, renamed, strict=True)
        if not is_v and name and text and text != name
    }
    aliases |= _renamed_metadata(names, _LEGACY_TO_CURRENT)
    return Layout(
        QUALTRICS_LEGACY, 2, names, _without_columns(aliases, names), questions
    )


def _renamed_metadata(names: list[str], renamed: dict[str, str]) -> dict[str, str]:
    """Aliases so that a config written for the other Qualtrics format still works."""
    return {other: name for name, other in renamed.items() if name in names}


def _surveymonkey(first: list[str], second: list[str]) -> Layout:
    names: list[str] = []
    asked: list[str] = []
    keys: list[str] = []
    question, number, part = "", 0, 0
    for position, (head, sub) in enumerate(zip(first, second, strict=True)):
        if head:
            question, part = head, 0
            if head in SURVEYMONKEY_METADATA and not sub:
                names.append(head)
                asked.append("")
                keys.append("")
                continue
            number += 1
        part += 1
        names.append(_surveymonkey_name(question, sub, head, position))
        asked.append(question)
        keys.append(f"Q{number}_{part}" if question else "")
    names = dedupe(names, [""] * len(names))
    questions = {name: text for name, text in zip(names, asked, strict=True) if text}
    aliases = _single_column_aliases(
        {key: name for key, name in zip(keys, names, strict=True) if key and name}
    )
    return Layout(SURVEYMONKEY, 2, names, _without_columns(aliases, names), questions)


def _surveymonkey_name(question: str, sub: str, head: str, position: int) -> str:
    if not question:
        return sub
    if head and (not sub or sub in _SINGLE_ANSWER):
        return question
    return f"{question} - {sub or f'column {position + 1}'}"


def _single_column_aliases(aliases: dict[str, str]) -> dict[str, str]:
    """``Q3_1`` becomes ``Q3`` when question 3 has a single column."""
    numbers = Counter(alias.split("_")[0] for alias in aliases)
    return {
        (alias.split("_")[0] if numbers[alias.split("_")[0]] == 1 else alias): name
        for alias, name in aliases.items()
    }


def dedupe(names: list[str], suffixes: list[str]) -> list[str]:
    """Unique names: a repeated name gets its suffix, or ``(2)``, ``(3)``, ..."""
    seen: Counter[str] = Counter()
    taken = set(names)
    unique: list[str] = []
    for name, suffix in zip(names, suffixes, strict=True):
        seen[name] += 1
        if not name or seen[name] == 1:
            unique.append(name)
            continue
        candidate = f"{name} {suffix}" if suffix else f"{name} ({seen[name]})"
        while candidate in taken:
            candidate += "'"
        taken.add(candidate)
        unique.append(candidate)
    return unique


def _without_columns(aliases: dict[str, str], names: list[str]) -> dict[str, str]:
    """Drop aliases that are also real column names (a column name always wins)."""
    columns = set(names)
    return {alias: name for alias, name in aliases.items() if alias not in columns}
