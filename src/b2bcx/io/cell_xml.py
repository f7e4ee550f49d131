"""The ``<c>`` XML of a table's cells, a column at a time in Arrow's kernels.

A deferred table body (:mod:`b2bcx.io.worksheet_rows`) is written as the XML
openpyxl writes for its cells. Made value by value in Python, that XML is most of
the time of saving a 125k-account report; here each column of a piece of rows is
one Arrow array and each step (escaping, the formula and space tests, joining the
pieces of a cell and the cells of a row) runs over the whole array in C; Python
formats each distinct float of a column once (:class:`FloatTexts`). The
bytes are the ones :func:`b2bcx.io.worksheet_rows._cell_xml` gives value by value
(the tests compare the two on random columns); a column this module cannot write
exactly (text too long or holding an illegal character, very large numbers) is
left to that per-value path, which truncates or raises as openpyxl does.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from b2bcx.io.formulas import FORMULA_LIKE_PATTERN

MAX_TEXT = 32_767  # characters in one cell; openpyxl truncates longer text
CUT_MARK = " … [cut: a spreadsheet cell holds 32,767 characters]"
"""Ends text cut to fit a cell, so a reader knows there was more."""


def within_cell(text: str) -> str:
    """Text a cell holds whole, or its start ending in :data:`CUT_MARK`.

    Excel keeps at most 32,767 characters (UTF-16 code units) in a cell, and
    openpyxl would drop the rest without a word; the CSV, JSON and Parquet
    outputs keep the whole text.

    Example
    -------
    >>> cut = within_cell("x" * 40_000)
    >>> len(cut) <= MAX_TEXT and cut.endswith(CUT_MARK)
    True
    >>> within_cell("short")
    'short'
    """
    if len(text) <= MAX_TEXT // 2 or _units(text) <= MAX_TEXT:
        return text
    room = MAX_TEXT - _units(CUT_MARK)
    head = text[:room]
    while (surplus := _units(head) - room) > 0:
        head = head[: len(head) - surplus]
    return head + CUT_MARK


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Excel counts a cell's characters."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


TEXT = pa.large_string()
"""Every piece of XML is large text: a piece of rows may pass 2 GiB."""
ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
"""openpyxl's ``ILLEGAL_CHARACTERS_RE`` in RE2's syntax."""
_SPACE = (
    r"[\x09-\x0d\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"
"""Text that ``str.strip`` changes: Python's whitespace (``str.isspace``) at an end."""
_KINDS = {str: TEXT, int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
_SIXTEEN_DIGITS = 10**16
"""``.16g`` writes integers below this in size digit by digit."""


def column_array(values: list[Any]) -> pa.Array | None:
    """A column of one kind (text, int, float or bool, and empties) as one Arrow
    array; ``None`` for a column mixing kinds (it stays a list)."""
    kinds = set(map(type, values)) - {type(None)}
    if len(kinds) > 1 or not kinds <= _KINDS.keys():
        return None
    try:
        return pa.array(values, type=_KINDS[next(iter(kinds), str)])
    except (pa.ArrowException, OverflowError):
        return None  # ints beyond 64 bits


def join(*parts: str | pa.Array) -> pa.Array:
    """The parts (text, or arrays of one length) joined value by value; an empty
    value in any array gives an empty (null) result."""
    pieces = [pa.scalar(p, TEXT) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*pieces, pa.scalar("", TEXT))


def row_numbers(start: int, stop: int) -> pa.Array:
    """The text of sheet rows ``start .. stop - 1``."""
    return pc.cast(pa.array(np.arange(start, stop, dtype=np.int64)), TEXT)


def column_cells(
    values: pa.Array,
    letter: str,
    rows: pa.Array,
    sid: str | None,
    quoted: Callable[[], str | None],
    texts: pa.Array | None = None,
) -> pa.Array | None:
    """The ``<c>`` element of each value (``""``: no element), or ``None`` when
    the column needs the per-value path.

    Parameters
    ----------
    values : the column's values in these rows (text, int, float or bool).
    letter : the column's letter.
    rows : :func:`row_numbers` of these rows.
    sid : the column's style id (``None``: no style).
    quoted : the style id of formula-like text (Excel's quote prefix), asked for
        only when the column holds such text.
    texts : these rows' float texts made for the whole column (:func:`number_text`).

    Examples
    --------
    >>> import pyarrow as pa
    >>> column_cells(pa.array([2.5, None]), "B", row_numbers(7, 9), None,
    ...              lambda: None).to_pylist()
    ['<c r="B7" t="n"><v>2.5</v></c>', '']
    """
    ref = f'<c r="{letter}'  # then the row number
    styled = '"' if sid is None else f'" s="{sid}"'  # closes r="...
    if pa.types.is_large_string(values.type):
        cells = _text_cells(values, ref, rows, styled, quoted)
    elif pa.types.is_boolean(values.type):
        bits = pc.if_else(values, pa.scalar("1", TEXT), pa.scalar("0", TEXT))
        cells = join(ref, rows, f'{styled} t="b"><v>', bits, "</v></c>")
    else:
        text = number_text(values, texts)
        if text is None:
            return None
        cells = join(ref, rows, f'{styled} t="n"><v>', text, "</v></c>")
    if cells is None:
        return None
    if values.null_count == 0:
        return cells
    empty = (
        pa.scalar("", TEXT) if sid is None else join(ref, rows, f'{styled} t="n"></c>')
    )
    return pc.coalesce(cells, empty)


def _text_cells(
    values: pa.Array,
    ref: str,
    rows: pa.Array,
    styled: str,
    quoted: Callable[[], str | None],
) -> pa.Array | None:
    """Cells of text (``t="inlineStr"``), escaped as lxml writes them; each step
    only when some value needs it."""
    if len(values) == values.null_count:
        return values  # all empty: the caller writes each empty cell
    if (
        pc.max(pc.binary_length(values)).as_py() > MAX_TEXT
        or pc.any(pc.match_substring_regex(values, ILLEGAL)).as_py()
    ):
        return None  # truncated or refused value by value
    style: str | pa.Array = f'{styled} t="inlineStr">'
    formula_like = pc.match_substring_regex(values, FORMULA_LIKE_PATTERN)
    if pc.any(formula_like).as_py():
        prefixed = pa.scalar(f'" s="{quoted()}" t="inlineStr">', TEXT)
        style = pc.if_else(formula_like, prefixed, pa.scalar(style, TEXT))
    space: str | pa.Array = "<is><t>"
    edges = pc.match_substring_regex(values, EDGE_SPACE)
    if pc.any(edges).as_py():
        preserved = pa.scalar('<is><t xml:space="preserve">', TEXT)
        space = pc.if_else(edges, preserved, pa.scalar(space, TEXT))
    escaped = values
    if pc.any(pc.match_substring_regex(values, "[&<>\r]")).as_py():
        for character, entity in _ESCAPES:
            escaped = pc.replace_substring(escaped, character, entity)
    full = join(ref, rows, style, space, escaped, "</t></is></c>")
    blank = pc.equal(values, pa.scalar("", TEXT))
    if not pc.any(blank).as_py():
        return full
    return pc.if_else(blank, join(ref, rows, style, "</c>"), full)


_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
"""What lxml escapes in a text node, ``&`` first."""


def number_text(values: pa.Array, texts: pa.Array | None = None) -> pa.Array | None:
    """``format(v, ".16g")`` of each number, ``""`` for infinities and NaN (as
    openpyxl writes them), empty stays empty; ``None`` for integers of 17 digits
    or more (the per-value path writes them).

    Integers are cast in C (``.16g`` writes every digit of one under 10**16);
    Python formats each distinct float once, here or for the whole column
    (``texts``: these rows' :meth:`FloatTexts.rows`; a report's scores repeat,
    two values in three of a 125k-account table).

    Examples
    --------
    >>> import pyarrow as pa
    >>> number_text(pa.array([1.0, -0.0, 0.1, None, float("inf")])).to_pylist()
    ['1', '-0', '0.1', None, '']
    """
    if pa.types.is_integer(values.type):
        largest = pc.max(pc.abs_checked(values)).as_py() if len(values) else None
        if largest is not None and largest >= _SIXTEEN_DIGITS:
            return None
        return pc.cast(values, TEXT)
    return FloatTexts(values).rows(0, len(values)) if texts is None else texts


class FloatTexts:
    """``format(v, ".16g")`` of each distinct float of a column (``""`` for
    infinities and NaN, as openpyxl writes them), made once for every piece of
    rows of the column. Floats are told apart by their bits: ``-0.0`` prints
    ``-0``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> texts = FloatTexts(pa.array([0.5, 2.0, 0.1 + 0.2, None, 0.5]))
    >>> texts.rows(1, 5).to_pylist()
    ['2', '0.3', None, '0.5']
    """

    def __init__(self, values: pa.Array) -> None:
        numbers = values.to_numpy(zero_copy_only=False).astype(np.float64)
        valid = values.is_valid().to_numpy(zero_copy_only=False)
        bits, where = np.unique(numbers[valid].view(np.int64), return_inverse=True)
        self.codes = np.full(len(numbers), -1, dtype=np.int32)  # rows < 2**31
        self.codes[valid] = where.reshape(-1)
        distinct = bits.view(np.float64)
        text = list(map(format, distinct.tolist(), repeat(".16g")))
        for place in np.flatnonzero(~np.isfinite(distinct)).tolist():
            text[place] = ""
        self.text = pa.array(text, TEXT)

    def rows(self, first: int, stop: int) -> pa.Array:
        """The text of values ``first .. stop - 1`` (empty stays empty)."""
        codes = self.codes[first:stop]
        return self.text.take(pa.array(codes, mask=codes < 0))


def piece_bytes(rows: pa.Array) -> bytes:
    """The values of a text array one after another, as ASCII bytes with every
    other character a character reference (as lxml writes a sheet)."""
    if rows.null_count:
        raise RuntimeError("an empty piece of XML would drop a row")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
    first, last = offsets[rows.offset], offsets[rows.offset + len(rows)]
    data = rows.buffers()[2][first:last].to_pybytes() if last > first else b""
    if data.isascii():
        return data
    return data.decode("utf-8").encode("ascii", "xmlcharrefreplace")
