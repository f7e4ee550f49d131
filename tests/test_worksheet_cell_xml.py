"""A column's cells made at once in Arrow's kernels (b2bcx.io.cell_xml) are the bytes
the per-value writer (worksheet_rows._cell_xml, itself held to openpyxl's output in
test_worksheet_rows.py) gives, for any column of text, numbers, bools and empties."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcx.io.cell_xml import (
    CUT_MARK,
    EDGE_SPACE,
    ILLEGAL,
    column_array,
    column_cells,
    join,
    number_text,
    piece_bytes,
    row_numbers,
    within_cell,
)
from b2bcx.io.formulas import FORMULA_LIKE_PATTERN, FORMULA_STARTS, is_formula_like
from b2bcx.io.worksheet import column_values, deferred_column
from b2bcx.io.worksheet_rows import _cell_xml

LEGAL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
).filter(lambda t: not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", t))
EDGY_TEXT = st.sampled_from(
    ["", " ", "a ", "\u3000b", "=1", "+x", "-", "@a", "\tx", "\rx", "<&>", "\u2028"]
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.1 + 0.2, 9.12345678901234, -0.0, 1e-7, 2.0**53, 1e16, 123456.0]
)


def per_value(values: list, letter: str, first: int, sid: str | None) -> list[str]:
    """What the per-value path writes (formula-like text styled "9")."""
    return [
        _cell_xml(
            f"{letter}{first + i}",
            "9" if isinstance(v, str) and is_formula_like(v) else sid,
            v,
        )
        for i, v in enumerate(values)
    ]


def at_once(values: list, letter: str, first: int, sid: str | None) -> list[str] | None:
    array = column_array(values)
    assert array is not None
    rows = row_numbers(first, first + len(values))
    cells = column_cells(array, letter, rows, sid, lambda: "9")
    return None if cells is None else cells.to_pylist()


@settings(deadline=None, max_examples=150)
@given(
    values=st.lists(st.none() | LEGAL_TEXT | EDGY_TEXT, min_size=1, max_size=30),
    sid=st.sampled_from([None, "3"]),
    first=st.integers(1, 1_048_000),
)
def test_text_cells_at_once_are_the_cells_one_by_one(
    values: list, sid: str | None, first: int
) -> None:
    assert at_once(values, "AB", first, sid) == per_value(values, "AB", first, sid)


@settings(deadline=None, max_examples=150)
@given(
    values=st.lists(st.none() | FLOATS, min_size=1, max_size=30)
    | st.lists(st.none() | st.integers(-(10**15), 10**15), min_size=1, max_size=30)
    | st.lists(st.none() | st.booleans(), min_size=1, max_size=30),
    sid=st.sampled_from([None, "3"]),
)
def test_number_and_bool_cells_at_once_are_the_cells_one_by_one(
    values: list, sid: str | None
) -> None:
    assert at_once(values, "C", 7, sid) == per_value(values, "C", 7, sid)


def test_number_text_is_sixteen_significant_digits() -> None:
    rng = np.random.default_rng(5)
    numbers = np.concatenate(
        [
            rng.normal(50, 20, 2_000),
            10 ** rng.uniform(-14, 18, 2_000) * rng.choice([-1, 1], 2_000),
            np.round(rng.normal(0, 100, 2_000), 2),
            np.repeat(rng.random(50), 20),  # repeats: each formatted once
        ]
    )
    text = number_text(pa.array(numbers)).to_pylist()
    assert text == [format(v, ".16g") for v in numbers.tolist()]


def test_columns_it_cannot_write_exactly_are_left_to_the_per_value_path() -> None:
    rows = row_numbers(2, 4)
    long = pa.array(["x" * 40_000, "a"], pa.large_string())
    illegal = pa.array(["bell\x07", "a"], pa.large_string())
    huge = pa.array([10**17, 1])
    for values in (long, illegal, huge):
        assert column_cells(values, "A", rows, None, lambda: None) is None


def test_a_mixed_column_stays_a_list() -> None:
    assert column_array(["a", 1]) is None
    assert column_array([True, 1]) is None
    assert column_array([2**70]) is None
    assert column_array([None, None]) is not None


def test_patterns_match_python_rules() -> None:
    """The RE2 patterns say what Python's own tests say."""
    spaces = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    edge = pa.array([f"{c}x" for c in spaces] + [f"x{c}" for c in spaces])
    assert all(pa.compute.match_substring_regex(edge, EDGE_SPACE).to_pylist())
    inner = pa.array(["x x", "x\u200bx", "\u200bx"])  # zero-width space is no space
    assert not any(pa.compute.match_substring_regex(inner, EDGE_SPACE).to_pylist())
    controls = pa.array([chr(c) for c in range(32)])
    legal = pa.compute.match_substring_regex(controls, ILLEGAL).to_pylist()
    assert [chr(c) for c, bad in enumerate(legal) if not bad] == ["\t", "\n", "\r"]
    starts = pa.array([f"{c}1" for c in FORMULA_STARTS] + ["1=", "'=1", " =1"])
    formula = pa.compute.match_substring_regex(starts, FORMULA_LIKE_PATTERN)
    assert formula.to_pylist() == [is_formula_like(s) for s in starts.to_pylist()]


def test_pieces_are_ascii_with_character_references() -> None:
    rows = join("<t>", pa.array(["Zürich", "東京", "plain"], pa.large_string()), "</t>")
    assert piece_bytes(rows.slice(1)) == "<t>東京</t><t>plain</t>".encode(
        "ascii", "xmlcharrefreplace"
    )
    assert piece_bytes(rows) == b"<t>Z&#252;rich</t><t>&#26481;&#20140;</t><t>plain</t>"


@pytest.mark.parametrize("sid", [None, "4"])
def test_an_all_empty_column_writes_empty_cells_only_when_styled(
    sid: str | None,
) -> None:
    assert at_once([None, None], "B", 3, sid) == per_value([None, None], "B", 3, sid)


COLUMN_VALUES = st.lists(
    st.none()
    | st.just(float("nan"))
    | st.text(max_size=6)
    | st.sampled_from(["bell\x07", "tab\tok", "vt\x0b", ""]),
    min_size=1,
    max_size=20,
)


@settings(deadline=None, max_examples=100)
@given(values=COLUMN_VALUES, string_dtype=st.booleans())
def test_a_deferred_text_column_holds_the_cell_values(
    values: list, string_dtype: bool
) -> None:
    """Text columns reach the deferred rows as Arrow arrays holding exactly the
    values cell_value gives (controls replaced, NaN and None empty)."""
    series = pd.Series(values, dtype="string" if string_dtype else object)
    column = deferred_column(series)
    held = column.to_pylist() if isinstance(column, pa.Array) else column
    assert held == column_values(series)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1.5, np.nan, -0.0, np.inf]),
        pd.Series([1, 2, 3], dtype="int8"),
        pd.Series([2**63 + 5], dtype="uint64"),
        pd.Series([True, False]),
        pd.Series(["a", 1, None], dtype=object),
        pd.Series([["a", "b"], None], dtype=object),
    ],
)
def test_a_deferred_column_holds_the_cell_values(series: pd.Series) -> None:
    column = deferred_column(series)
    held = column.to_pylist() if isinstance(column, pa.Array) else column
    assert held == column_values(series)


def test_text_longer_than_a_cell_is_cut_with_a_mark_counted_as_excel_counts() -> None:
    """Excel holds 32,767 UTF-16 code units in a cell; an emoji is two."""
    assert within_cell("y" * 32_767) == "y" * 32_767
    cut = within_cell("😀" * 20_000)  # 40,000 code units
    assert cut.endswith(CUT_MARK)
    assert len(cut.encode("utf-16-le")) // 2 <= 32_767
    assert set(cut[: -len(CUT_MARK)]) == {"😀"}  # no half character left
    plain = within_cell("z" * 40_000)
    assert len(plain) == 32_767 and plain.startswith("z" * 32_000)
