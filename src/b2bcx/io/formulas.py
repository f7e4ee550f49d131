"""Defusing text a spreadsheet would run as a formula (CSV and Excel alike)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_LIKE_PATTERN = "^[" + "".join(f"\\x{ord(c):02x}" for c in FORMULA_STARTS) + "]"
""":func:`is_formula_like` as a regular expression (Python's and RE2's syntax alike),
for testing a whole column at once."""


_CELL_STARTING_A_FORMULA = re.compile(r"(?<=[\r\n,;\t\"])(?=[=+\-@\t\r])")


_LONE_CR = re.compile(r"\r(?!\n)")


def is_formula_like(text: str) -> bool:
    """True for text a spreadsheet would run as a formula."""
    return text.startswith(FORMULA_STARTS)


def defuse_text(value: Any) -> Any:
    """Text a spreadsheet can never run as a formula (OWASP, extended to lines).

    Text that starts with ``= + - @``, a tab or a carriage return gets a leading
    ``'``. In text with line breaks, the lines after the first also get a ``'``
    before each such character that starts a line or follows a delimiter or a
    quote, since a reader splitting the cell at its line breaks would see those
    lines as rows of cells of their own. A lone carriage return becomes a line
    feed, so that the CSV writer quotes the cell (it quotes cells holding its
    line terminator).
    """
    if not isinstance(value, str):
        return value
    breaks = re.search(r"[\r\n]", value)
    if breaks:
        head, rest = value[: breaks.start()], value[breaks.start() :]
        value = head + _CELL_STARTING_A_FORMULA.sub("'", rest)
        value = _LONE_CR.sub("\n", value)
    if is_formula_like(value):
        return "'" + value
    return value


def defuse_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Defuse every text cell of a table (numbers are left as numbers)."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(defuse_text, na_action="ignore")
    out.columns = [defuse_text(str(c)) for c in out.columns]
    return out
