"""Sheet layout helpers shared by the report's sheets: titles, notes, tables."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.io.worksheet import (
    P_FORMAT,
    CellStyle,
    finish_sheet,
    put_text_safely,
    table_name,
    unique_headers,
    write_frame,
)
from b2bcx.io.writers import is_formula_like
from b2bcx.report.labels import HEADERS, header

TITLE_FONT = Font(bold=True, size=14, color="1F3864")
HEADING_FONT = Font(bold=True, size=12, color="1F3864")
NOTE_FONT = Font(italic=True, color="595959")
TEXT = Alignment(horizontal="left", indent=1)
CENTRED = Alignment(horizontal="center")
NUMBER_HEADER = Alignment(horizontal="right", wrap_text=True, vertical="bottom")
BOOLEAN = '"TRUE";"TRUE";"FALSE"'  # LibreOffice shows unformatted booleans as 1/0
PVALUE = P_FORMAT


def write_title(ws: Worksheet, row: int, text: str, subtitle: str = "") -> int:
    """A sheet title (and an optional subtitle below it); return the next free row."""
    put_text_safely(ws, row, 1, text)
    ws.cell(row=row, column=1).font = TITLE_FONT
    if subtitle:
        row += 1
        write_note(ws, row, subtitle)
    return row + 2


def write_heading(ws: Worksheet, row: int, text: str) -> int:
    """A section heading; return the row below it."""
    put_text_safely(ws, row, 1, text)
    ws.cell(row=row, column=1).font = HEADING_FONT
    return row + 1


def write_note(
    ws: Worksheet, row: int, text: str, column: int = 1, width: int | None = None
) -> int:
    """A grey italic line of text (never a formula); return the row below it.

    With ``width``, a longer note goes over several rows of at most ``width``
    characters: a printed sheet stops at its last column, and a note longer than the
    table under it would be cut there.
    """
    lines = textwrap.wrap(text, width=width) if width else [text]
    for line in lines or [text]:
        put_text_safely(ws, row, column, line)
        cell = ws.cell(row=row, column=column)
        cell.font = NOTE_FONT
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        row += 1
    return row


def write_wrapped(
    ws: Worksheet, row: int, text: str, width: int = 110, bullet: str = ""
) -> int:
    """Long text over several rows of at most ``width`` characters (no cell merging)."""
    indent = " " * (len(bullet) + 1) if bullet else ""
    lines = textwrap.wrap(
        text,
        width=width,
        initial_indent=f"{bullet} " if bullet else "",
        subsequent_indent=indent,
    )
    return write_lines(ws, row, lines)


def write_lines(
    ws: Worksheet, row: int, lines: list[str], font: Font | None = None
) -> int:
    """One line of text per row in column A; return the row below the last."""
    for line in lines:
        put_text_safely(ws, row, 1, line)
        if font is not None:
            ws.cell(row=row, column=1).font = font
        row += 1
    return row


def write_table(
    ws: Worksheet,
    table: pd.DataFrame,
    row: int,
    name: str,
    formats: dict[str, str] | None = None,
    empty: str = "None.",
    labels: Mapping[str, str] | None = None,
    defer: bool = False,
) -> int:
    """A titled-elsewhere table as an Excel table; a note when it is empty.

    ``defer``: the body is written on saving, without cell objects (a table of
    one row per account, which nothing writes into afterwards; see
    :func:`b2bcx.io.worksheet.write_frame`).

    Returns the row after the table plus one blank row.
    """
    if table.empty:
        return write_note(ws, row, empty) + 1
    before = column_widths(ws, len(table.columns))
    last_row, _ = write_frame(
        ws,
        table,
        start_row=row,
        table_name=table_name(name),
        formats=formats,
        styles=text_styles(table),
        defer=defer,
    )
    widen(ws, before)
    relabel(ws, table, row, labels)
    return last_row + 2


def column_widths(ws: Worksheet, count: int) -> dict[int, float]:
    """The widths set so far of columns 1..count (0 when unset)."""
    widths = {}
    for column in range(1, count + 1):
        letter = get_column_letter(column)
        known = letter in ws.column_dimensions
        widths[column] = ws.column_dimensions[letter].width if known else 0.0
    return widths


def table_sheet(
    ws: Worksheet,
    table: pd.DataFrame,
    name: str,
    formats: dict[str, str] | None = None,
    empty: str = "No rows.",
    labels: Mapping[str, str] | None = None,
) -> None:
    """A sheet holding one table from A1: Excel table, frozen header, formats, widths."""
    if table.empty:
        write_note(ws, 1, empty)
        ws.column_dimensions["A"].width = 60
        return
    write_frame(
        ws,
        table,
        table_name=table_name(name),
        formats=formats,
        styles=text_styles(table),
        defer=True,
    )
    relabel(ws, table, 1, labels)
    finish_sheet(ws)


def relabel(
    ws: Worksheet,
    table: pd.DataFrame,
    header_row: int,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Headers people read (``ci_low`` -> ``95% CI low``); widths follow them.

    Formats are chosen from the ids when the table is written; only the header
    cells change (an Excel table takes its column names from them on saving).
    """
    labels = HEADERS if labels is None else labels
    texts = unique_headers([header(str(name), labels) for name in table.columns])
    for column, text in enumerate(texts, start=1):
        put_text_safely(ws, header_row, column, text)
        values = table[table.columns[column - 1]]
        if pd.api.types.is_numeric_dtype(values) and not is_logical(values):
            # a number's header sits over it, at the right edge of its column
            ws.cell(row=header_row, column=column).alignment = NUMBER_HEADER
        letter = get_column_letter(column)
        dimension = ws.column_dimensions[letter]
        dimension.width = min(max(dimension.width or 0, len(text) + 2), 60)


def text_styles(table: pd.DataFrame) -> dict[str, CellStyle]:
    """Indent text columns a little; show true/false columns as TRUE/FALSE, centred."""
    styles: dict[str, CellStyle] = {}
    for name in table.columns:
        values = table[name]
        logical = is_logical(values)
        if not logical and pd.api.types.is_numeric_dtype(values):
            continue
        styles[str(name)] = (CENTRED, BOOLEAN) if logical else (TEXT, None)
    return styles


def is_logical(values: pd.Series) -> bool:
    """True for a bool column, or an object column holding only bools and blanks."""
    if pd.api.types.is_bool_dtype(values):
        return True
    present = values.dropna()
    return (
        values.dtype == object
        and len(present) > 0
        and present.map(lambda v: isinstance(v, bool)).all()
    )


def widen(ws: Worksheet, widths: Mapping[int, float]) -> None:
    """Set column widths (by 1-based column number), never narrowing a column."""
    for column, width in widths.items():
        dimension = ws.column_dimensions[get_column_letter(column)]
        dimension.width = max(dimension.width or 0, width)


def column_of(table: pd.DataFrame, name: str) -> int:
    """The 1-based sheet column of a table column (as written from column A)."""
    return list(table.columns).index(name) + 1


def set_formats(ws: Worksheet, row: int, formats: dict[int, str]) -> None:
    """Number formats for single cells of one row (by column number)."""
    for column, fmt in formats.items():
        ws.cell(row=row, column=column).number_format = fmt


CM_PER_CHARACTER = 0.19  # a column width unit at the default font, roughly


def column_past(ws: Worksheet, centimetres: float) -> int:
    """The first column (1-based) that starts at least ``centimetres`` from the left."""
    column, covered = 1, 0.0
    while covered < centimetres:
        width = ws.column_dimensions[get_column_letter(column)].width or 8.43
        covered += width * CM_PER_CHARACTER
        column += 1
    return column


def quote_formula_like_text(workbook: Workbook) -> None:
    """Mark text that looks like a formula with Excel's quote prefix.

    The cells are already stored as text (``put_text_safely``); the prefix also
    keeps them text when a user edits the cell and presses Enter.
    """
    for ws in workbook.worksheets:
        for cell in ws._cells.values():
            if isinstance(cell.value, str) and is_formula_like(cell.value):
                cell.quotePrefix = True
