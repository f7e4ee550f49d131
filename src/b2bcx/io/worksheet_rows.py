"""Rows of a big worksheet table written straight into the sheet's XML.

openpyxl keeps one ``Cell`` object per value and serialises each through lxml
element by element, which dominates the time of a workbook with a 5,000-account
table. A table's body is plain: a value per cell and one style per column. So its
rows after the first are kept here as values (no cell objects; a column of one kind
as one Arrow array) and written, on saving, as the same ``<row>``/``<c>`` XML
openpyxl writes for such cells, a column at a time (:mod:`b2bcx.io.cell_xml`),
spliced into the sheet's ``<sheetData>``: the same cells and styles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from math import isinf
from typing import Any
from weakref import WeakKeyDictionary

import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.io.cell_xml import (
    TEXT,
    FloatTexts,
    column_array,
    column_cells,
    join,
    piece_bytes,
    row_numbers,
    within_cell,
)
from b2bcx.io.formulas import FORMULA_LIKE_PATTERN, is_formula_like

_PLAIN_TYPES = (str, bool, int, float)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_DIMENSION = re.compile(rb'<dimension ref="([^"]*)"/>')
_ROW = re.compile(rb'<row r="(\d+)"[^>]*?(/>|>)')


@dataclass(frozen=True)
class _Block:
    """Rows ``start..last`` of columns 1..len(columns), values column by column
    (a column of one kind as an Arrow array, see :func:`column_array`)."""

    start: int
    columns: list[pa.Array | list[Any]]
    plain: list[StyleArray]
    quoted: list[StyleArray]
    texts: dict[int, FloatTexts] = field(default_factory=dict)
    """The float texts of column ``j`` while the block is written."""

    @property
    def last(self) -> int:
        return self.start + len(self.columns[0]) - 1


_BLOCKS: WeakKeyDictionary[Worksheet, list[_Block]] = WeakKeyDictionary()


def can_defer(columns: Sequence[pa.Array | list[Any]]) -> bool:
    """True for columns of equal length holding only empties, text, bools, numbers
    (an Arrow array of numbers or bools, see :func:`b2bcx.io.cell_xml.column_cells`)."""
    return len({len(c) for c in columns}) == 1 and all(map(_plain, columns))


def _plain(column: pa.Array | list[Any]) -> bool:
    """Every value empty, text, bool or number (a column's types checked once)."""
    if isinstance(column, pa.Array):
        return column.type in _ARROW_TYPES
    kinds = set(map(type, column))
    if kinds <= _EXACT_TYPES:
        return True
    return all(v is None or isinstance(v, _PLAIN_TYPES) for v in column)


_EXACT_TYPES = {type(None), *_PLAIN_TYPES}
_ARROW_TYPES = {
    TEXT,
    pa.float64(),
    pa.bool_(),
    *(
        getattr(pa, f"{sign}int{bits}")()
        for sign in ("", "u")
        for bits in (8, 16, 32, 64)
    ),
}


def defer_rows(
    ws: Worksheet,
    columns: Sequence[pa.Array | list[Any]],
    start: int,
    styles: Sequence[StyleArray],
) -> None:
    """Keep ``columns`` (cell values) to be written from row ``start`` on saving.

    Parameters
    ----------
    ws : the worksheet; nothing else may write to these rows.
    columns : cell values (``None``, text, bool or number), one list (or Arrow
        array of :func:`can_defer`'s types) per column.
    start : sheet row of the first values.
    styles : each column's style (formula-like text adds Excel's quote prefix).

    Styles the rows use that the sheet's first data row does not register on
    saving (the plain style under a quote-prefixed first cell, a quote-prefixed
    variant) are registered now, so each has an id in the saved styles.
    """
    workbook = ws.parent
    kept = [_kept(column) for column in columns]
    plain, quoted = [], []
    for style in styles:
        base = StyleArray(style)
        base.quotePrefix = 0
        prefixed = StyleArray(base)
        prefixed.quotePrefix = 1
        plain.append(base)
        quoted.append(prefixed)
    for j, (base, prefixed) in enumerate(zip(plain, quoted, strict=True)):
        if any(base) and base != styles[j]:
            workbook._cell_styles.add(base)
        if _has_formula_like(kept[j]):
            workbook._cell_styles.add(prefixed)
    _BLOCKS.setdefault(ws, []).append(_Block(start, kept, plain, quoted))


def _kept(column: pa.Array | list[Any]) -> pa.Array | list[Any]:
    """A column as it waits for saving: one Arrow array when of one kind."""
    if isinstance(column, pa.Array):
        return column
    array = column_array(column)
    return column if array is None else array


def _has_formula_like(column: pa.Array | list[Any]) -> bool:
    """True when some text of the column is formula-like."""
    if isinstance(column, list):
        return any(is_formula_like(v) for v in column if isinstance(v, str))
    if not pa.types.is_large_string(column.type):
        return False
    return bool(pc.any(pc.match_substring_regex(column, FORMULA_LIKE_PATTERN)).as_py())


def spliced_chunks(workbook: Workbook, part: str, xml: bytes) -> Iterator[bytes]:
    """The sheet XML ``part`` (e.g. ``xl/worksheets/sheet2.xml``) with its deferred
    rows added, in pieces of at most :data:`ROWS_PER_CHUNK` rows, for writing a big
    sheet without holding its whole XML (a 125k-account sheet's XML is some 300 MB)."""
    ws = next((w for w in workbook.worksheets if w.path.lstrip("/") == part), None)
    blocks = _BLOCKS.get(ws) if ws is not None else None
    if not blocks:
        yield xml
        return
    xml = _open_sheet_data(_widened_dimension(xml, blocks))
    done = 0
    for block in sorted(blocks, key=lambda b: b.start):
        position = _position(xml, block)
        yield xml[done:position]
        done = position
        for first in range(0, len(block.columns[0]), ROWS_PER_CHUNK):
            yield _block_xml(workbook, block, first)
        block.texts.clear()
    yield xml[done:]


def spliced_size_bound(workbook: Workbook, part: str, xml: bytes) -> int:
    """At most how many bytes :func:`spliced_chunks` gives (a cell's XML is under
    80 bytes plus its text, each character at most 10 bytes as a reference)."""
    ws = next((w for w in workbook.worksheets if w.path.lstrip("/") == part), None)
    size = len(xml) + 64
    for block in _BLOCKS.get(ws, []) if ws is not None else []:
        size += 32 * (block.last - block.start + 1)
        for column in block.columns:
            size += 80 * len(column)
            size += 10 * _text_length(column)
    return size


def _text_length(column: pa.Array | list[Any]) -> int:
    """Characters of the column's text (counted in C when it holds only text)."""
    if isinstance(column, pa.Array):
        if not pa.types.is_large_string(column.type):
            return 0
        return int(pc.sum(pc.utf8_length(column)).as_py() or 0)
    if set(map(type, column)) <= {str, type(None)}:
        return sum(map(len, filter(None, column)))
    return sum(len(v) for v in column if isinstance(v, str))


ROWS_PER_CHUNK = 5_000
"""Rows of a deferred block turned into XML at a time."""


def _block_xml(workbook: Workbook, block: _Block, first: int = 0) -> bytes:
    """Rows ``first .. first + ROWS_PER_CHUNK`` (counted in the block) as XML."""
    start = block.start + first
    stop = min(start + ROWS_PER_CHUNK, block.last + 1)
    rows = row_numbers(start, stop)
    cells = [
        _column_xml(workbook, block, j, rows, first) for j in range(len(block.columns))
    ]
    return piece_bytes(join('<row r="', rows, '">', *cells, "</row>"))


def _column_xml(
    workbook: Workbook, block: _Block, j: int, rows: pa.Array, first: int
) -> pa.Array:
    """The ``<c>`` elements of column ``j`` in ``rows``, one per row (``""``: no
    element): the whole column at once (:mod:`b2bcx.io.cell_xml`), else value by
    value."""
    letter = get_column_letter(j + 1)
    sid = _style_id(workbook, block.plain[j])
    column = block.columns[j]
    values = column[first : first + len(rows)]
    if isinstance(values, pa.Array):
        cells = column_cells(
            values,
            letter,
            rows,
            sid,
            lambda: _style_id(workbook, block.quoted[j]),
            _float_texts(block, j, first, first + len(rows)),
        )
        if cells is not None:
            return cells
        values = values.to_pylist()
    quoted: str | None = None
    out = []
    for number, value in zip(rows.to_pylist(), values, strict=True):
        style = sid
        if isinstance(value, str) and is_formula_like(value):
            if quoted is None:
                quoted = _style_id(workbook, block.quoted[j])
            style = quoted
        out.append(_cell_xml(f"{letter}{number}", style, value))
    return pa.array(out, TEXT)


def _float_texts(block: _Block, j: int, first: int, stop: int) -> pa.Array | None:
    """The texts of column ``j``'s floats in rows ``first .. stop - 1`` (counted in
    the block), made for the whole column at its first piece of rows."""
    column = block.columns[j]
    if not isinstance(column, pa.Array) or not pa.types.is_floating(column.type):
        return None
    if j not in block.texts:
        block.texts[j] = FloatTexts(column)
    return block.texts[j].rows(first, stop)


def _style_id(workbook: Workbook, style: StyleArray) -> str | None:
    if not any(style):
        return None
    if style not in workbook._cell_styles:
        raise RuntimeError("a deferred row's style was never registered")
    return str(workbook._cell_styles.index(style))


def _cell_xml(ref: str, sid: str | None, value: Any) -> str:
    """One ``<c>`` element as openpyxl writes it (empty when nothing is written)."""
    styled = f' s="{sid}"' if sid is not None else ""
    if value is None:
        return f'<c r="{ref}"{styled} t="n"></c>' if sid is not None else ""
    if isinstance(value, str):
        text = _checked_text(value)
        if not text:
            return f'<c r="{ref}"{styled} t="inlineStr"></c>'
        space = ' xml:space="preserve"' if text != text.strip() else ""
        escaped = text.translate(_ESCAPES)
        return (
            f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'
        )
    if isinstance(value, bool):
        return f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>'
    number = (
        ""
        if isinstance(value, float) and (value != value or isinf(value))
        else format(value, ".16g")
    )
    return f'<c r="{ref}"{styled} t="n"><v>{number}</v></c>'


def _checked_text(value: str) -> str:
    text = within_cell(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    return text


def _position(xml: bytes, block: _Block) -> int:
    """Where ``block`` goes: before the first row below it (or at the end of the
    sheet's data, which an empty ``<sheetData/>`` cannot have: see
    :func:`_open_sheet_data`)."""
    for match in _ROW.finditer(xml):
        number = int(match.group(1))
        if block.start <= number <= block.last:
            raise RuntimeError(f"row {number} was written twice")
        if number > block.last:
            return match.start()
    end = xml.find(b"</sheetData>")
    if end < 0:
        raise RuntimeError("a sheet with deferred rows has no <sheetData>")
    return end


def _open_sheet_data(xml: bytes) -> bytes:
    """An empty ``<sheetData/>`` written open, so rows can go inside it."""
    if xml.find(b"</sheetData>") >= 0:
        return xml
    empty = xml.find(b"<sheetData/>")
    return xml[:empty] + b"<sheetData></sheetData>" + xml[empty + 12 :]


def _widened_dimension(xml: bytes, blocks: Iterable[_Block]) -> bytes:
    match = _DIMENSION.search(xml)
    if match is None:
        return xml
    ref = match.group(1).decode()
    low_col, low_row, high_col, high_row = range_boundaries(
        ref if ":" in ref else f"{ref}:{ref}"
    )
    for block in blocks:
        high_row = max(high_row or 0, block.last)
        high_col = max(high_col or 0, len(block.plain))
    wide = (
        f"{get_column_letter(low_col or 1)}{low_row or 1}:"
        f"{get_column_letter(high_col or 1)}{high_row}"
    )
    return xml[: match.start(1)] + wide.encode() + xml[match.end(1) :]
