"""Rows of a big worksheet table written straight into the sheet's XML.

openpyxl keeps one ``Cell`` object per value and serialises each through lxml
element by element, which dominates the time of a workbook with a 5,000-account
table. A table's body is plain: a value per cell and one style per column. So its
rows after the first are kept here as values (no cell objects) and written, on
saving, as the same ``<row>``/``<c>`` XML openpyxl writes for such cells, spliced
into the sheet's ``<sheetData>``: the same cells and styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from math import isfinite, isinf
from operator import is_not
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

MAX_TEXT = 32_767  # characters in one cell; openpyxl truncates longer text
_PLAIN_TYPES = (str, bool, int, float)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_DIMENSION = re.compile(rb'<dimension ref="([^"]*)"/>')
_ROW = re.compile(rb'<row r="(\d+)"[^>]*?(/>|>)')


@dataclass(frozen=True)
class _Block:
    """Rows ``start..last`` of columns 1..len(columns), values column by column."""

    start: int
    columns: list[list[Any]]
    plain: list[StyleArray]
    quoted: list[StyleArray]

    @property
    def last(self) -> int:
        return self.start + len(self.columns[0]) - 1


_BLOCKS: WeakKeyDictionary[Worksheet, list[_Block]] = WeakKeyDictionary()


def can_defer(columns: Sequence[list[Any]]) -> bool:
    """True for columns of equal length holding only empties, text, bools, numbers."""
    return len({len(c) for c in columns}) == 1 and all(map(_plain, columns))


def _plain(column: list[Any]) -> bool:
    """Every value empty, text, bool or number (a column's types checked once)."""
    kinds = set(map(type, column))
    if kinds <= _EXACT_TYPES:
        return True
    return all(v is None or isinstance(v, _PLAIN_TYPES) for v in column)


_EXACT_TYPES = {type(None), *_PLAIN_TYPES}


def defer_rows(
    ws: Worksheet,
    columns: list[list[Any]],
    start: int,
    styles: Sequence[StyleArray],
    is_formula_like: Any,
) -> None:
    """Keep ``columns`` (cell values) to be written from row ``start`` on saving.

    Parameters
    ----------
    ws : the worksheet; nothing else may write to these rows.
    columns : cell values (``None``, text, bool or number), one list per column.
    start : sheet row of the first values.
    styles : each column's style (formula-like text adds Excel's quote prefix).
    is_formula_like : the test for text Excel would read as a formula.

    Styles the rows use that the sheet's first data row does not register on
    saving (the plain style under a quote-prefixed first cell, a quote-prefixed
    variant) are registered now, so each has an id in the saved styles.
    """
    workbook = ws.parent
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
        if any(is_formula_like(v) for v in columns[j] if isinstance(v, str)):
            workbook._cell_styles.add(prefixed)
    _BLOCKS.setdefault(ws, []).append(_Block(start, columns, plain, quoted))


def has_deferred_rows(ws: Worksheet) -> bool:
    """True when some rows of ``ws`` are written only on saving."""
    return bool(_BLOCKS.get(ws))


def splice_rows(
    workbook: Workbook, part: str, xml: bytes, is_formula_like: Any
) -> bytes:
    """The sheet XML ``part`` (e.g. ``xl/worksheets/sheet2.xml``) with its rows added."""
    return b"".join(spliced_chunks(workbook, part, xml, is_formula_like))


def spliced_chunks(
    workbook: Workbook, part: str, xml: bytes, is_formula_like: Any
) -> Iterator[bytes]:
    """:func:`splice_rows` in pieces of at most :data:`ROWS_PER_CHUNK` rows, for
    writing a big sheet without holding its whole XML (a 125k-account sheet's XML
    is some 300 MB)."""
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
            yield _block_xml(workbook, block, is_formula_like, first)
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


def _text_length(column: list[Any]) -> int:
    """Characters of the column's text (counted in C when it holds only text)."""
    if set(map(type, column)) <= {str, type(None)}:
        return sum(map(len, filter(None, column)))
    return sum(len(v) for v in column if isinstance(v, str))


ROWS_PER_CHUNK = 5_000
"""Rows of a deferred block turned into XML at a time."""


def _block_xml(
    workbook: Workbook, block: _Block, is_formula_like: Any, first: int = 0
) -> bytes:
    """Rows ``first .. first + ROWS_PER_CHUNK`` (counted in the block) as XML."""
    start = block.start + first
    numbers = range(start, min(start + ROWS_PER_CHUNK, block.last + 1))
    part = slice(first, first + len(numbers))
    cells = [
        _column_xml(workbook, block, j, numbers, is_formula_like, part)
        for j in range(len(block.columns))
    ]
    rows = (
        f'<row r="{number}">{"".join(row)}</row>'
        for number, row in zip(numbers, zip(*cells, strict=True), strict=True)
    )
    return "".join(rows).encode("ascii", "xmlcharrefreplace")  # as lxml writes it


def _column_xml(
    workbook: Workbook,
    block: _Block,
    j: int,
    numbers: range,
    is_formula_like: Any,
    part: slice | None = None,
) -> list[str]:
    """The ``<c>`` elements of column ``j``, one per row (``""``: no element)."""
    letter = get_column_letter(j + 1)
    sid = _style_id(workbook, block.plain[j])
    values = block.columns[j] if part is None else block.columns[j][part]
    if _finite_numbers(values):
        return _number_cells(letter, sid, numbers, values)
    if set(map(type, values)) <= {str, type(None)}:
        return _text_cells(
            letter,
            sid,
            lambda: _style_id(workbook, block.quoted[j]),
            numbers,
            values,
            is_formula_like,
        )
    quoted: str | None = None
    out = []
    for number, value in zip(numbers, values, strict=True):
        style = sid
        if isinstance(value, str) and is_formula_like(value):
            if quoted is None:
                quoted = _style_id(workbook, block.quoted[j])
            style = quoted
        out.append(_cell_xml(f"{letter}{number}", style, value))
    return out


def _finite_numbers(values: Sequence[Any]) -> bool:
    """True when every value is ``None``, a finite float or an int (not a bool)."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {int}:
        return True
    if kinds != {float}:
        return False  # bools, text, numpy scalars, ints beside floats
    return all(map(isfinite, filter(partial(is_not, None), values)))


def _number_cells(
    letter: str, sid: str | None, numbers: range, values: Sequence[Any]
) -> list[str]:
    """:func:`_cell_xml` of finite numbers and empties, a column at once."""
    styled = f' s="{sid}"' if sid is not None else ""
    blank = "" if sid is None else None
    return [
        f'<c r="{letter}{number}"{styled} t="n"><v>{value:.16g}</v></c>'
        if value is not None
        else (
            blank
            if blank is not None
            else f'<c r="{letter}{number}"{styled} t="n"></c>'
        )
        for number, value in zip(numbers, values, strict=True)
    ]


def _text_cells(
    letter: str,
    sid: str | None,
    quoted: Callable[[], str | None],
    numbers: range,
    values: Sequence[str | None],
    is_formula_like: Any,
) -> list[str]:
    """:func:`_cell_xml` of text and empties, a column at once (formula-like text
    takes the ``quoted`` style)."""
    styled = f' s="{sid}"' if sid is not None else ""
    empty = "" if sid is None else None
    prefixed: str | None = None
    out = []
    for number, value in zip(numbers, values, strict=True):
        if value is None:
            out.append(
                empty
                if empty is not None
                else f'<c r="{letter}{number}"{styled} t="n"></c>'
            )
            continue
        style = styled
        if is_formula_like(value):
            if prefixed is None:
                prefixed = f' s="{quoted()}"'
            style = prefixed
        text = _checked_text(value)
        if not text:
            out.append(f'<c r="{letter}{number}"{style} t="inlineStr"></c>')
            continue
        space = ' xml:space="preserve"' if text != text.strip() else ""
        out.append(
            f'<c r="{letter}{number}"{style} t="inlineStr"><is><t{space}>'
            f"{text.translate(_ESCAPES)}</t></is></c>"
        )
    return out


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
    text = value[:MAX_TEXT]
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
