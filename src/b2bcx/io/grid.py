"""From a grid of text cells (a CSV file, a worksheet) to named response columns.

The header is the first row that fills at least half of the table's width (rows
above it are titles), unless the first rows form a platform layout (Qualtrics,
SurveyMonkey), which never has titles. Completely empty rows are dropped;
completely empty columns without a name are dropped. A repeated column name in a
plain file is renamed ``name (2)`` with a warning; an unnamed column holding row
numbers (a spreadsheet or pandas index) is named ``column_<n>`` without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from b2bcx.errors import DataError, Problem
from b2bcx.io.platforms import (
    PLAIN,
    Layout,
    dedupe,
    is_import_id_row,
    plain,
    recognise,
)

HEAD_ROWS = 50


@dataclass
class Cells:
    """A CSV file or a worksheet as read: every row, every cell as text or NA.

    Readers turn blank and whitespace-only cells into NA.
    ``frame`` has columns ``0..W-1`` and its index is the 0-based row (record)
    number in the file, so that ``index + 1`` is the row number a user sees.
    """

    frame: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    controls: bool = True
    """Whether cells may hold control characters (False: known not to)."""


@dataclass
class Table:
    """Named response columns with their layout, before ``_file``/``_row``."""

    frame: pd.DataFrame
    layout: str
    aliases: dict[str, str]
    questions: dict[str, str]
    warnings: list[Problem]
    controls: bool = True


def find_header_row(rows: list[list[str | None]]) -> int:
    """The position of the header row: the first row filling half the usual width.

    Title rows above a table (a report name, an export date) fill one or two
    cells; the header names (nearly) every column. The usual width is the most
    common one among the rows, so one ragged line with many extra fields cannot
    push the real header down into the "title rows".
    """
    widths = [sum(cell is not None for cell in row) for row in rows]
    filled = [w for w in widths if w]
    usual = max(set(filled), key=lambda w: (filled.count(w), w)) if filled else 0
    needed = max(1, -(-usual // 2))
    return next((i for i, width in enumerate(widths) if width >= needed), 0)


def head_rows(frame: pd.DataFrame, count: int = HEAD_ROWS) -> list[list[str | None]]:
    """The first rows as lists of text, None for NA."""
    head = frame.iloc[:count].astype(object)
    return head.where(head.notna(), None).to_numpy().tolist()


def table_from_cells(cells: Cells, label: str, where: str = "") -> Table:
    """Locate the header, recognise the layout and name the response columns.

    Parameters
    ----------
    cells : the grid as read.
    label : the file as the user named it, for messages.
    where : e.g. ``" (sheet 'Data')"``, appended to ``label`` in messages.

    Raises
    ------
    DataError
        No rows, a header without responses, or duplicated column names.
    """
    frame = cells.frame
    rows = head_rows(frame)
    filled = [i for i, row in enumerate(rows) if any(cell is not None for cell in row)]
    if not filled:
        raise DataError(f"{label}{where} holds no data", hint="export the survey again")
    layout = recognise(rows[filled[0] :])
    start = filled[0]
    if layout is None:
        start = find_header_row(rows)
        layout = plain(rows[start])
    data = frame.iloc[start + layout.header_rows :]
    warnings = list(cells.warnings)
    data = _without_import_id_rows(data, label + where, warnings)
    present = data.notna()
    filled_rows = present.any(axis=1)
    if not filled_rows.all():
        data, present = data.loc[filled_rows], present.loc[filled_rows]
    if data.empty:
        raise DataError(
            f"{label}{where} has a header but no responses",
            hint="check that the export holds responses (filters, date range)",
        )
    has_data = present.any(axis=0).to_list()
    data = _name_columns(data, layout, has_data, label + where, start + 1, warnings)
    return Table(
        data, layout.name, layout.aliases, layout.questions, warnings, cells.controls
    )


def _without_import_id_rows(
    data: pd.DataFrame, label: str, warnings: list[Problem]
) -> pd.DataFrame:
    """Qualtrics ``{"ImportId": ...}`` metadata rows are never responses.

    Such a row below the header (a second export pasted under the first, a
    layout whose header was not recognised) is dropped with a warning.
    """
    candidates = pd.Series(False, index=data.index)
    for position in range(min(3, data.shape[1])):
        column = data.iloc[:, position].astype("string")
        candidates |= column.str.contains("ImportId", regex=False).fillna(False)
    if not candidates.any():
        return data
    rows = head_rows(data.loc[candidates.to_numpy()], len(data))
    positions = data.index[candidates.to_numpy()]
    dropped = [
        p for p, row in zip(positions, rows, strict=True) if is_import_id_row(row)
    ]
    for position in dropped:
        warnings.append(
            Problem(
                "row holds Qualtrics ImportId metadata, not a response; it is skipped",
                hint="export the survey again, with its header rows only at the top",
                file=label,
                row=int(position) + 1,
                severity="warning",
                code="metadata-row",
            )
        )
    return data.drop(index=dropped) if dropped else data


def _name_columns(
    data: pd.DataFrame,
    layout: Layout,
    has_data: list[bool],
    label: str,
    header_row: int,
    warnings: list[Problem],
) -> pd.DataFrame:
    names = layout.columns + [""] * (data.shape[1] - len(layout.columns))
    keep = [
        position for position, name in enumerate(names) if name or has_data[position]
    ]
    named: list[str] = []
    for position in keep:
        name = names[position] or f"column_{position + 1}"
        if not names[position] and not _is_row_index(data.iloc[:, position]):
            warnings.append(
                Problem(
                    f"column {position + 1} has data but no name; it is called {name!r}",
                    hint="give the column a name in the header row",
                    file=label,
                    row=header_row,
                    column=name,
                    severity="warning",
                    code="unnamed-column",
                )
            )
        named.append(name)
    if len(keep) < data.shape[1]:
        data = data.iloc[:, keep]
    if layout.name == PLAIN:
        named = _renamed_duplicates(named, label, header_row, warnings)
    return data.set_axis(pd.Index(named), axis=1)


def _is_row_index(values: pd.Series) -> bool:
    """A row number column (pandas' unnamed index: 0, 1, 2... or 1, 2, 3...)."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any() or len(numbers) == 0:
        return False
    start = numbers.iloc[0]
    return start in (0, 1) and bool(
        (numbers.to_numpy() == start + np.arange(len(numbers))).all()
    )


def _renamed_duplicates(
    names: list[str], label: str, header_row: int, warnings: list[Problem]
) -> list[str]:
    """A repeated column name gets `` (2)``, `` (3)``...; each rename is a warning."""
    unique = dedupe(names, [""] * len(names))
    for position, (old, new) in enumerate(zip(names, unique, strict=True), start=1):
        if old != new:
            warnings.append(
                Problem(
                    f"column name {old!r} occurs more than once; column {position} "
                    f"is called {new!r}",
                    hint="rename the columns so that every name is unique",
                    file=label,
                    row=header_row,
                    column=new,
                    severity="warning",
                    code="duplicate-column",
                )
            )
    return unique


def check_unique(names: list[str], label: str, header_row: int | None = None) -> None:
    """Raise a DataError naming every column name that occurs more than once."""
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(position)
    repeated = {name: where for name, where in positions.items() if len(where) > 1}
    if not repeated:
        return
    problems = [
        Problem(
            f"column name {name!r} occurs {len(where)} times (columns "
            f"{', '.join(map(str, where))})",
            hint="rename the columns so that every name is unique",
            file=label,
            row=header_row,
            column=name,
            code="duplicate-column",
        )
        for name, where in repeated.items()
    ]
    listed = ", ".join(repr(name) for name in repeated)
    raise DataError(
        f"{label} has duplicated column names: {listed}",
        problems,
        hint="rename the columns so that every name is unique",
    )
