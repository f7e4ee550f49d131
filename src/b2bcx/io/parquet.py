"""Parquet files, read with pyarrow; every column converted to text in Arrow.

The reading rules are defined once, here, for the whole-file reader
(:func:`read_parquet`: ``validate``, ``report``, the respondent path) and the
streaming pass (:mod:`b2bcx.io.batches`, the Dask engine), so that every command
gives the same verdict on a file:

- a pandas index stored in the file is not a column;
- column names are unique: a repeated name is a data error naming each one;
- a column holds one value per cell: nested columns (lists, structs, maps) are
  refused, each named with its type, whether or not the config reads them;
- binary columns are text in UTF-8 (:func:`b2bcx.io.text.arrow_to_text`): a value
  that is not UTF-8 is a data error naming its row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from b2bcx.errors import DataError, Problem, raise_if_errors
from b2bcx.io.grid import check_unique
from b2bcx.io.text import arrow_to_text

_NESTED_HINT = "flatten nested columns (lists, structs) before exporting, or drop them"
_UTF8_HINT = "write the column as text (UTF-8 strings), or fix the value at its source"


def read_parquet(path: Path, label: str) -> pd.DataFrame:
    """The rows of a Parquet file as text columns (NA = missing).

    A pandas index stored in the file is dropped. Numbers keep no spurious
    ``.0``; booleans read as ``"True"``/``"False"``; binary columns are read as
    UTF-8 text.

    Raises
    ------
    DataError
        The file is damaged, breaks a rule of :func:`export_columns`, or a binary
        column holds values that are not UTF-8 (each one listed).
    """
    try:
        names = export_columns(pq.read_schema(path), label)
        table = pq.read_table(path, columns=list(names))
    except (pa.ArrowException, OSError) as exc:
        raise DataError(
            f"{label} cannot be read as a Parquet file: {exc}",
            hint="the file may be damaged; write it again",
        ) from exc
    columns, problems = {}, []
    for name, column in zip(table.column_names, table.columns, strict=True):
        try:
            columns[name] = arrow_to_text(column)
        except pa.ArrowInvalid:  # bytes that are not UTF-8
            problems += not_utf8(column, name, label)
    raise_if_errors(problems, DataError, f"{label} holds values that are not text")
    return pa.table(columns).to_pandas()


def export_columns(schema: pa.Schema, label: str) -> tuple[str, ...]:
    """The columns of a Parquet export, in file order, checked against the rules
    (module notes): pandas' stored index left out.

    Raises
    ------
    DataError
        A column name occurs more than once, or columns hold nested values
        (every such column listed with its type).
    """
    stored = {name for name in _stored_index(schema) if isinstance(name, str)}
    names = [name for name in schema.names if name not in stored]
    check_unique(names, label)
    nested = [f for f in schema if f.name in names and not _flat(f.type)]
    if nested:
        which = (
            f"column {nested[0].name!r} cannot be read as text ({nested[0].type})"
            if len(nested) == 1
            else f"columns {', '.join(repr(f.name) for f in nested)} cannot be "
            "read as text"
        )
        raise DataError(
            f"{label}: {which}",
            [
                Problem(
                    f"the column holds nested values ({field.type}), not one "
                    "value per cell",
                    hint=_NESTED_HINT,
                    file=label,
                    column=field.name,
                    code="nested-column",
                )
                for field in nested
            ],
            hint=_NESTED_HINT,
        )
    return tuple(names)


def not_utf8(column: pa.ChunkedArray, name: str, label: str) -> list[Problem]:
    """A problem per value of a binary ``column`` that is not UTF-8 (rows from 1)."""
    problems = []
    for row, value in enumerate(column.to_pylist(), start=1):
        if not isinstance(value, bytes):
            continue
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(
                Problem(
                    "the value is not UTF-8 text",
                    hint=_UTF8_HINT,
                    file=label,
                    row=row,
                    column=name,
                    value=value.decode("utf-8", "replace"),
                    code="not-utf8",
                )
            )
    return problems


def _flat(kind: pa.DataType) -> bool:
    """Whether a column of this type holds one value per cell."""
    if pa.types.is_dictionary(kind):
        return _flat(kind.value_type)
    return not pa.types.is_nested(kind)


def _stored_index(schema: pa.Schema) -> list[object]:
    """Index columns pandas stored in the file; damaged metadata is ignored."""
    try:
        metadata = schema.pandas_metadata or {}
    except (ValueError, UnicodeDecodeError):  # bad JSON or bytes in pandas' metadata
        return []
    index = metadata.get("index_columns", []) if isinstance(metadata, dict) else []
    return index if isinstance(index, list) else []
