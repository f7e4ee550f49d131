"""Writing DataFrames to worksheets: header, filters, formats, widths, safe text."""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from b2bcx.io.cell_xml import MAX_TEXT, within_cell
from b2bcx.io.formulas import is_formula_like
from b2bcx.io.text import CONTROL_CHARACTERS, without_controls
from b2bcx.io.worksheet_rows import (
    can_defer,
    defer_rows,
    spliced_chunks,
    spliced_size_bound,
)

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
PERCENT = re.compile(r"(^|_)(coverage|rate|share)(_|$)|^rate_")
PVALUE = re.compile(r"^(p|q|p_omnibus|p_change|q_change)$")
FOUR_DECIMALS = re.compile(r"^(statistic|effect|importance|ci_low_imp|r2)$")
P_FORMAT = '[<0.001]"<0.001";0.000'
"""p- and q-values: three decimals, "<0.001" below (a p of 0.049 never reads 0.0)."""
INTEGER = re.compile(
    r"^(n|n_.*|.*_n|count|accounts|respondents|scored_accounts|flagged|rows|priority_rank)$"
)


def number_format(column: str, series: pd.Series) -> str | None:
    """Excel number format of a column: one decimal for scores, % for shares."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if INTEGER.match(column):
        return "0"
    if PERCENT.search(column):
        return "0.0%"
    if PVALUE.match(column):
        return P_FORMAT
    if FOUR_DECIMALS.match(column):
        return "0.0000"
    if column == "reliability":
        return "0.00"  # the flag's threshold is 0.70: 0.691 must not read 0.7
    if column in ("se", "index_se", "nps_se", "se_baseline"):
        return "0.00"
    return "0.0"


def cell_value(value: Any) -> Any:
    """A value openpyxl can store: NaN/NA -> empty, numpy scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list | tuple | set):
        value = ";".join(map(str, value))
    if isinstance(value, str):
        return within_cell(without_controls(value))
    return value


def put_text_safely(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """Write a value; text is always stored as text, never as a formula.

    Formula-like text also gets Excel's quote prefix, which keeps it text when a
    user edits the cell and presses Enter.
    """
    cell = ws.cell(row=row, column=column, value=cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True


CellStyle = tuple[Alignment, str | None]
"""A column's alignment and, when given, a number format that replaces its own."""


def write_frame(
    ws: Worksheet,
    table: pd.DataFrame,
    *,
    start_row: int = 1,
    table_name: str | None = None,
    formats: dict[str, str] | None = None,
    styles: Mapping[str, CellStyle] | None = None,
    defer: bool = False,
) -> tuple[int, int]:
    """Write ``table`` with a styled header; return (last row, last column).

    Header names are made unique ignoring case (Excel's rule for table columns):
    a segment named ``Index`` beside the ``index`` column becomes ``Index (2)``.
    ``styles`` gives columns (by name) an alignment and optionally a number format.
    ``defer``: the body is written into the sheet's XML on saving, without cell
    objects (for a table that nothing else writes into; see
    :mod:`b2bcx.io.worksheet_rows`); its cells cannot be read back before saving.

    Every cell of a column shares its style: the first data row is styled cell by
    cell and the other rows copy its style (a big table costs one cell per value,
    not one style lookup per value and attribute).
    """
    columns = unique_headers([str(c) for c in table.columns])
    for j, name in enumerate(columns, start=1):
        put_text_safely(ws, start_row, j, name)
        header = ws.cell(row=start_row, column=j)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        header.alignment = Alignment(wrap_text=False, vertical="center")
    rows = table.itertuples(index=False, name=None)
    first = next(rows, None)
    if first is not None:
        for j, value in enumerate(first, start=1):
            put_text_safely(ws, start_row + 1, j, value)
    _format_columns(ws, table, start_row, formats or {}, styles or {})
    if first is not None and len(table) > 1:
        above = _styles_of_row(ws, start_row + 1, len(first))
        values = deferred_column if defer else column_values
        body = [values(table.iloc[1:, j]) for j in range(len(first))]
        if defer and can_defer(body):
            defer_rows(ws, body, start_row + 2, above)
        else:
            lists = [c.to_pylist() if isinstance(c, pa.Array) else c for c in body]
            _write_styled_rows(ws, zip(*lists, strict=True), start_row + 2, above)
    last_row, last_col = start_row + len(table), max(len(columns), 1)
    if table_name and len(table) and columns:
        ref = f"A{start_row}:{get_column_letter(last_col)}{last_row}"
        excel_table = Table(displayName=table_name, ref=ref)
        excel_table.tableStyleInfo = TableStyleInfo(
            name="TableStyleLight9", showRowStripes=True
        )
        ws.add_table(excel_table)
    return last_row, last_col


def column_values(values: pd.Series) -> list[Any]:
    """A column's cell values as :func:`cell_value` gives them, a whole column at once."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else "O"
    if kind == "f":
        return [None if v != v else v for v in values.tolist()]
    if kind in "iub":
        return values.tolist()  # type: ignore[no-any-return]
    if isinstance(values.dtype, pd.StringDtype):
        values = values.tolist()  # plain str and missing values, no scalar per cell
    controls = _CONTROLS.search  # short text without controls is its own cell value
    return [
        v
        if type(v) is str and len(v) <= _SURELY_FITS and not controls(v)
        else cell_value(v)
        for v in values
    ]


_CONTROLS = re.compile(CONTROL_CHARACTERS)
_SURELY_FITS = MAX_TEXT // 2  # characters that fit a cell however Excel counts them


def deferred_column(values: pd.Series) -> pa.Array | list[Any]:
    """:func:`column_values`, a column of numbers, bools or text as one Arrow array
    (empty for NaN; ``to_pylist`` gives the same values), made without a Python
    value per cell; text holding control characters, mixed kinds and other
    values stay a list."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else "O"
    if kind == "f":
        return pa.array(values.to_numpy(dtype=np.float64), from_pandas=True)
    if kind in "iub":
        return pa.array(values.to_numpy())
    text = _text_array(values)
    return column_values(values) if text is None else text


def _text_array(values: pd.Series) -> pa.Array | None:
    """A column of only text and missing values (None, NaN, NA) as one Arrow
    array, when no text holds a control character."""
    if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
        return None
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None  # mixed kinds
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    array = array.cast(pa.large_string())
    if pc.any(pc.match_substring_regex(array, CONTROL_CHARACTERS)).as_py():
        return None  # cell_value replaces them value by value
    return array


def _styles_of_row(ws: Worksheet, row: int, width: int) -> list[StyleArray]:
    styles = []
    for column in range(1, width + 1):
        style = ws.cell(row=row, column=column)._style
        styles.append(StyleArray() if style is None else StyleArray(style))
    return styles


def _write_styled_rows(
    ws: Worksheet,
    rows: Iterator[tuple[Any, ...]],
    start: int,
    styles: list[StyleArray],
) -> None:
    """Rows of cell values from ``start`` down, column ``j`` styled ``styles[j]``."""
    plain, quoted = [], []
    for style in styles:
        style.quotePrefix = 0
        plain.append(style)
        quoted.append(StyleArray(style))
        quoted[-1].quotePrefix = 1
    cells, last = ws._cells, start - 1
    for last, row in enumerate(rows, start=start):
        for j, value in enumerate(row, start=1):
            cell = Cell(ws, row=last, column=j, value=value, style_array=plain[j - 1])
            if isinstance(value, str):
                cell.data_type = "s"
                if is_formula_like(value):
                    cell._style = StyleArray(quoted[j - 1])
            cells[(last, j)] = cell
    ws._current_row = max(ws._current_row, last)


def unique_headers(names: list[str]) -> list[str]:
    """Names unique ignoring case and control characters, in order; a repeat gets
    `` (2)``, `` (3)``...; a blank name becomes ``Column N``."""
    seen: set[str] = set()
    out = []
    for position, name in enumerate(names, start=1):
        base = without_controls(name).strip() or f"Column {position}"
        candidate, number = base, 1
        while candidate.casefold() in seen:
            number += 1
            candidate = f"{base} ({number})"
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _format_columns(
    ws: Worksheet,
    table: pd.DataFrame,
    start_row: int,
    formats: dict[str, str],
    styles: Mapping[str, CellStyle],
) -> None:
    """Number format, width and style of each column, set on its first data row."""
    row = start_row + 1
    for j, column in enumerate(table.columns, start=1):
        fmt = formats.get(str(column)) or number_format(str(column), table[column])
        if fmt and len(table):
            ws.cell(row=row, column=j).number_format = fmt
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = column_width(str(column), table[column])
    for j, column in enumerate(table.columns, start=1):
        style = styles.get(str(column))
        if style is not None and len(table):
            cell = ws.cell(row=row, column=j)
            cell.alignment = style[0]
            if style[1] is not None:
                cell.number_format = style[1]


def column_width(name: str, values: pd.Series) -> float:
    """A readable width: the longest of header and (sampled) values, 8..60."""
    sample = values.head(500)
    if pd.api.types.is_numeric_dtype(sample) and not pd.api.types.is_bool_dtype(sample):
        longest = 8
    else:
        longest = int(sample.map(lambda v: len(str(cell_value(v) or ""))).max() or 0)
    return float(min(max(len(name) + 2, longest + 2, 8), 60))


def finish_sheet(ws: Worksheet, header_row: int = 1) -> None:
    """Freeze the header row."""
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def table_name(title: str) -> str:
    """An Excel table name from a sheet title (letters, digits, underscores)."""
    return re.sub(r"\W", "_", title) or "Table"


def write_single_table(
    table: pd.DataFrame, path: Path, sheet: str = "Accounts"
) -> None:
    """A workbook holding one table on one sheet (for ``-o FILE.xlsx``)."""
    workbook = Workbook()
    ws = workbook.active
    assert_worksheet(ws)
    ws.title = sheet[:31]
    write_frame(ws, table, table_name=table_name(sheet), defer=True)
    finish_sheet(ws)
    write_workbook(path, workbook)


def workbook_bytes(workbook: Workbook, stamp: datetime | None = None) -> bytes:
    """The ``.xlsx`` file of a workbook, built in memory and reproducible.

    The same workbook gives the same bytes: every zip entry carries the same
    time and the document's created/modified properties are ``stamp`` (or left
    out without one). Saving in memory first also means a full disk fails in
    one plain write (one error), not inside openpyxl's zip writer.
    """
    return reproducible_zip(_stored(workbook), stamp, workbook)


def write_workbook(
    path: Path, workbook: Workbook, stamp: datetime | None = None
) -> None:
    """:func:`workbook_bytes` written straight into ``path`` as they are made, and
    made sure to reach the disk: the compressed file is never held in memory (at
    625k accounts a report is ~280 MB)."""
    content = _stored(workbook)
    with open(path, "wb") as handle:
        _reproducible_zip_into(handle, content, stamp, workbook)
        handle.flush()
        os.fsync(handle.fileno())


def _stored(workbook: Workbook) -> bytes:
    """openpyxl's file of the workbook, its entries stored, not deflated
    (:func:`reproducible_zip` compresses every entry once anyway)."""
    buffer = io.BytesIO()
    name_table_columns(workbook)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


def name_table_columns(workbook: Workbook) -> None:
    """Name each Excel table's columns from its header cells, as openpyxl does on saving.

    openpyxl reads the table's whole range for this, creating an empty cell for
    every position of a big table; only the header row is needed.
    """
    for ws in workbook.worksheets:
        for table in ws.tables.values():
            if table.tableColumns or not table.headerRowCount:
                continue
            table._initialise_columns()
            low_col, low_row, _, _ = range_boundaries(table.ref)
            for offset, column in enumerate(table.tableColumns):
                column.name = str(ws.cell(row=low_row, column=low_col + offset).value)


ZIP_LEVEL = 1
"""Deflate level of every entry: level 1 compresses a report's sheets about three
times as fast as the default 6, in a file about a quarter larger."""
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The zip format's earliest time: the time of every entry without a stamp."""
LAST_ZIP_TIME = (2107, 12, 31, 23, 59, 58)
"""The zip format's latest time: the time of every entry stamped later."""
_DOCUMENT_TIME = re.compile(
    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def reproducible_zip(
    content: bytes, stamp: datetime | None = None, workbook: Workbook | None = None
) -> bytes:
    """An .xlsx (or any Office file) rewritten with fixed entry times and document
    times; entry times are clamped to the zip format's range (1980 to 2107).

    Given the ``workbook`` it was saved from, rows kept aside for writing on saving
    (``write_frame(..., defer=True)``) are added to their sheets.
    """
    out = io.BytesIO()
    _reproducible_zip_into(out, content, stamp, workbook)
    return out.getvalue()


def _reproducible_zip_into(
    out: IO[bytes],
    content: bytes,
    stamp: datetime | None = None,
    workbook: Workbook | None = None,
) -> None:
    """:func:`reproducible_zip` written into ``out``."""
    utc = stamp.astimezone(UTC) if stamp and stamp.tzinfo else stamp
    date_time = (
        min(tuple(utc.timetuple())[:6], LAST_ZIP_TIME)
        if utc and utc.year >= 1980
        else FIXED_ZIP_TIME
    )
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            member = zipfile.ZipInfo(info.filename, date_time=date_time)  # type: ignore[arg-type]
            member.compress_type = zipfile.ZIP_DEFLATED
            member._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]
            member.external_attr = info.external_attr
            if info.filename == "docProps/core.xml":
                target.writestr(member, _document_times(data, utc))
                continue
            if workbook is None:
                target.writestr(member, data)
                continue
            chunks = spliced_chunks(workbook, info.filename, data)
            # a sheet's rows are compressed as they are made, never held whole;
            # zip64 only when the entry may need it (as writestr decides)
            bound = spliced_size_bound(workbook, info.filename, data)
            large = bound * 1.05 > zipfile.ZIP64_LIMIT
            with target.open(member, "w", force_zip64=large) as entry:
                write_overlapped(entry, chunks)


def write_overlapped(entry: IO[bytes], chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` in order, each compressed in a second thread while the next
    is made (zlib and crc32 release the GIL): a big sheet's deflate costs no wall
    time beside making its XML, on two cores."""
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[int] | None = None
        for chunk in chunks:
            if pending is not None:
                pending.result()
            pending = writer.submit(entry.write, chunk)
        if pending is not None:
            pending.result()


def _document_times(xml: bytes, stamp: datetime | None) -> bytes:
    if stamp is None:
        return _DOCUMENT_TIME.sub(b"", xml)
    text = stamp.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"

    def fixed(match: re.Match[bytes]) -> bytes:
        return match.group(1) + text.encode() + match.group(3)

    return _DOCUMENT_TIME.sub(fixed, xml)


def assert_worksheet(ws: Any) -> None:
    """openpyxl types the active sheet loosely; check it once here."""
    if not isinstance(ws, Worksheet):
        raise TypeError("the workbook has no worksheet")
