"""Parquet files, read with pyarrow; every column converted to text in Arrow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from b2bcx.errors import DataError
from b2bcx.io.grid import check_unique
from b2bcx.io.text import arrow_to_text


def read_parquet(path: Path, label: str) -> pd.DataFrame:
    """The rows of a Parquet file as text columns (NA = missing).

    A pandas index stored in the file is dropped. Numbers keep no spurious
    ``.0``; booleans read as ``"True"``/``"False"``.

    Raises
    ------
    DataError
        The file is damaged, or a column holds nested values (lists, structs).
    """
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(
            f"{label} cannot be read as a Parquet file: {exc}",
            hint="the file may be damaged; write it again",
        ) from exc
    index_columns = _stored_index(table)
    stored = [name for name in index_columns if isinstance(name, str)]
    table = table.drop_columns([n for n in stored if n in table.column_names])
    check_unique(table.column_names, label)
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        try:
            columns[name] = arrow_to_text(column)
        except (TypeError, pa.ArrowException) as exc:
            raise DataError(
                f"{label}: column {name!r} cannot be read as text ({column.type})",
                hint="flatten nested columns (lists, structs) before exporting",
            ) from exc
    return pa.table(columns).to_pandas()


def _stored_index(table: pa.Table) -> list[object]:
    """Index columns pandas stored in the file; damaged metadata is ignored."""
    try:
        metadata = table.schema.pandas_metadata or {}
    except (ValueError, UnicodeDecodeError):  # bad JSON or bytes in pandas' metadata
        return []
    index = metadata.get("index_columns", []) if isinstance(metadata, dict) else []
    return index if isinstance(index, list) else []
