"""Cell values to text: every reader hands over columns of ``str`` with NA.

All conversions work on whole columns (pandas, NumPy or Arrow compute); the
only per-cell step is ``Series.map(type)`` on spreadsheet columns that mix text
and numbers, to find the numbers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = "str"
"""The pandas dtype of every data column (pandas' default string dtype)."""

_EXACT = 2.0**53
_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal"})


def clean_name(raw: object) -> str:
    """A header cell as a column name: BOMs removed, whitespace runs collapsed.

    ``None``/NA gives ``""``. Line breaks inside a header cell (common in question
    text) become single spaces so that a config can name the column on one line.
    """
    if raw is None or (not isinstance(raw, str) and pd.isna(raw)):
        return ""
    text = str(raw).replace("\ufeff", "").replace("\u200b", "")
    return " ".join(text.split())


def blank_to_na(text: pd.Series) -> pd.Series:
    """Cells that are empty or only whitespace become NA; other text is kept as is."""
    blank = (text.str.isspace() | text.eq("")).fillna(False).astype(bool)
    return text.mask(blank) if blank.any() else text


def blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow strings: cells that are only whitespace become null."""
    if pa.types.is_null(column.type):
        return column.cast(pa.large_string())
    blank = pc.utf8_is_space(column)
    if not pc.any(blank).as_py():
        return column
    return pc.if_else(blank, pa.scalar(None, column.type), column)


def arrow_to_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """An Arrow column as strings: integral floats without ``.0``, NaN as null.

    Booleans become ``"True"``/``"False"``; dictionary columns are decoded first;
    dates and times use pandas' ISO form; binary columns are read as UTF-8 text
    (``pyarrow.ArrowInvalid``, a ``ValueError``, when a value is not UTF-8).
    Nested columns (lists, structs) raise ``TypeError``.
    """
    kind = column.type
    if pa.types.is_dictionary(kind):
        return arrow_to_text(column.cast(kind.value_type))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if _binary(kind):
        return column.cast(pa.string())
    if pa.types.is_floating(kind):
        floats = column.to_numpy(zero_copy_only=False).astype("float64")
        return pa.array(floats_to_text(floats), type=pa.string())
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return column.cast(pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "True", "False")
    if pa.types.is_null(kind):
        return column.cast(pa.string())
    if pa.types.is_temporal(kind):
        text = column_to_text(column.to_pandas())
        return pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.string())
    raise TypeError(f"values of type {kind} cannot be read as text")


def _binary(kind: pa.DataType) -> bool:
    return (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    )


def floats_to_text(floats: np.ndarray) -> np.ndarray:
    """Floats as an object array of text: integral values without ``.0``.

    Integral values below 2**53 print as integers (``12345678901.0`` ->
    ``"12345678901"``), others in Python's shortest round-trip form; NaN -> None.
    """
    text = np.full(floats.shape, None, dtype=object)
    present = ~np.isnan(floats)
    with np.errstate(invalid="ignore"):
        integral = present & (np.abs(floats) < _EXACT) & (np.floor(floats) == floats)
    text[integral] = floats[integral].astype(np.int64).astype(str)
    other = present & ~integral
    text[other] = floats[other].astype(str)
    return text


def numbers_to_text(values: pd.Series) -> pd.Series:
    """Numbers as text: ``3.0`` -> ``"3"``, ``3.5`` -> ``"3.5"``, NaN -> NA."""
    if pd.api.types.is_integer_dtype(values.dtype):
        text = pa.array(values, from_pandas=True).cast(pa.string()).to_pandas()
        text.index = values.index
        return text.astype(TEXT)
    floats = values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(floats_to_text(floats), index=values.index, dtype=TEXT)


def column_to_text(values: pd.Series) -> pd.Series:
    """Any pandas column as ``str`` dtype with NA for missing values.

    Integral numbers lose the spurious ``.0`` that spreadsheets and SPSS add;
    categorical columns (SPSS value labels) give their label text.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column_to_text(values.astype(object))
    if pd.api.types.is_bool_dtype(dtype):
        return values.map({True: "True", False: "False"}).astype(TEXT)
    if pd.api.types.is_numeric_dtype(dtype):
        return numbers_to_text(values)
    if pd.api.types.is_object_dtype(dtype):
        return _objects_to_text(values)
    if pd.api.types.is_string_dtype(dtype):
        return values.astype(TEXT)
    return values.astype(str).where(values.notna()).astype(TEXT)


def _objects_to_text(values: pd.Series) -> pd.Series:
    """Python objects (as a spreadsheet gives them) as text, one pass per type."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return values.astype(TEXT)
    if kind in _NUMBER_KINDS:
        return numbers_to_text(pd.to_numeric(values))
    if kind == "boolean":
        return values.map({True: "True", False: "False"}).astype(TEXT)
    text = values.astype(str).where(values.notna()).astype(TEXT)
    is_float = values.map(type).isin((float, np.float64, np.float32))
    if is_float.any():
        text[is_float] = numbers_to_text(values[is_float].astype("float64"))
    return text


CONTROL_CHARACTERS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"
"""C0 control characters other than tab, line feed and carriage return: text never
holds them on purpose, spreadsheets refuse them, terminals obey them."""
_CONTROL = re.compile(CONTROL_CHARACTERS)
_LINE_BREAKS = re.compile("[\\x0b\\x0c]")
REPLACEMENT = "\ufffd"


def has_controls(text: str) -> bool:
    """Whether text holds a character :func:`without_controls` replaces."""
    return _CONTROL.search(text) is not None


def without_controls(text: str) -> str:
    """Text safe for a workbook or a terminal: a vertical tab or form feed (Word's
    manual line break, page break) becomes a line feed, any other C0 control
    character (ESC, BEL, NUL...) the replacement character ``\ufffd``."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(REPLACEMENT, _LINE_BREAKS.sub("\n", text))


_CONTROL_BYTES = np.array(
    [c for c in range(32) if c not in (9, 10, 13)], dtype=np.uint8
)


def has_control_bytes(content: bytes | pa.Buffer) -> bool:
    """Whether UTF-8 bytes hold a C0 control character other than tab, CR, LF
    (one vectorised pass; most files have none and skip the per-column scan)."""
    data = np.frombuffer(content, dtype=np.uint8)
    low = data[data < 32]
    return bool(np.isin(low, _CONTROL_BYTES).any())


def arrow_has_controls(array: pa.Array | pa.ChunkedArray) -> bool:
    """Whether Arrow text (plain or dictionary-encoded) holds a character that
    :func:`without_controls` replaces: one pass over its bytes (a dictionary's
    distinct values only). Other types hold none."""
    if isinstance(array, pa.ChunkedArray):
        return any(arrow_has_controls(chunk) for chunk in array.chunks)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return False
    data = array.buffers()[2]
    return data is not None and has_control_bytes(data)


def replace_controls(
    frame: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """Replace control characters in every text column (see :func:`without_controls`).

    Returns
    -------
    tuple
        The frame (the same object when nothing was replaced) and, per column
        holding control characters, how many cells held them and the position
        of the first.
    """
    counts: dict[str, tuple[int, int]] = {}
    replaced: dict[object, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_string_dtype(column.dtype):
            continue
        found = column.str.contains(CONTROL_CHARACTERS, regex=True, na=False)
        hits = int(found.sum())
        if hits:
            counts[str(name)] = (hits, int(np.argmax(found.to_numpy())))
            replaced[name] = column.str.replace(
                "[\\x0b\\x0c]", "\n", regex=True
            ).str.replace(CONTROL_CHARACTERS, REPLACEMENT, regex=True)
    if not replaced:
        return frame, counts
    frame = frame.copy()
    for name, column in replaced.items():
        frame[name] = column
    return frame, counts


INVISIBLE = "[\\ufeff\\u200b\\u200c\\u200d\\u2060\\u00ad]"
"""Characters an identifier loses (BOM, zero-width characters, soft hyphen)."""
ODD_SPACES = "[\\u00a0\\u2007\\u202f]"
"""Spaces an identifier reads as a plain space (no-break and narrow spaces)."""


def normalise_ids(ids: pd.Series) -> tuple[pd.Series, dict[str, list[str]]]:
    """Identifiers as they are meant: without BOMs, zero-width characters and soft
    hyphens, with no-break spaces as spaces, trimmed.

    Returns
    -------
    tuple
        The ids (NA stays NA) and, for each id that several different spellings
        became, those spellings (the merges a caller should warn about).
    """
    text = ids.astype("string")
    clean = (
        text.str.replace(INVISIBLE, "", regex=True)
        .str.replace(ODD_SPACES, " ", regex=True)
        .str.strip()
    )
    changed = (clean != text.str.strip()).fillna(False).astype(bool)
    merged: dict[str, list[str]] = {}
    if changed.any():
        touched = set(clean[changed].dropna())
        pairs = pd.DataFrame({"clean": clean, "raw": text.str.strip()}).dropna()
        pairs = pairs[pairs["clean"].isin(touched)].drop_duplicates()
        for name, group in pairs.groupby("clean", sort=True):
            if len(group) > 1:
                merged[str(name)] = sorted(map(str, group["raw"]))
    return clean, merged
