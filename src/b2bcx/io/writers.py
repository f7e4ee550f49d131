"""Writing result tables: CSV, JSON, Parquet, Excel; atomic and formula-safe.

Every file is written to a temporary file in the target folder and moved into
place, so a failed or killed run never leaves a partial file and never destroys
the previous one; a stream (``/dev/stdout``, a named pipe) gets the complete
output copied into it (see :mod:`b2bcx.io.atomic`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from b2bcx.errors import UsageError
from b2bcx.io.atomic import (
    atomic_path,
    atomic_paths,
    check_writable,
    is_stream,
    refuse_replacing_inputs,
    same_file,
    write_bytes,
)
from b2bcx.io.formulas import defuse_frame, defuse_text, is_formula_like

__all__ = [
    "atomic_path",
    "atomic_paths",
    "check_writable",
    "csv_pieces",
    "csv_text",
    "defuse_frame",
    "defuse_text",
    "is_formula_like",
    "is_stream",
    "json_pieces",
    "json_records",
    "json_text",
    "refuse_replacing_inputs",
    "same_file",
    "write_bytes",
    "write_json",
    "write_table",
]

WRITERS = (".csv", ".json", ".parquet", ".xlsx")


ROWS_PER_PIECE = 50_000
"""Rows turned into text (or Arrow) at a time: a big table is written a piece at a
time, never held whole as text beside itself."""


def csv_text(table: pd.DataFrame) -> str:
    """A table as formula-safe CSV text."""
    return "".join(csv_pieces(table))


def csv_pieces(table: pd.DataFrame, rows: int = ROWS_PER_PIECE) -> Iterator[str]:
    """:func:`csv_text` a piece of ``rows`` rows at a time (the header first);
    joined, the pieces are the whole table's text."""
    for start in range(0, max(len(table), 1), rows):
        piece = defuse_frame(table.iloc[start : start + rows])
        yield piece.to_csv(index=False, header=start == 0, lineterminator="\n")


def json_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records (NaN -> null, numpy scalars -> Python)."""
    records = []
    for row in table.to_dict(orient="records"):
        records.append({str(k): _plain(v) for k, v in row.items()})
    return records


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        return None  # JSON has no NaN or Infinity
    return value


def json_text(payload: Any) -> str:
    """JSON text of a table (records) or of plain data (tables in it as records)."""
    return "".join(json_pieces(payload))


def json_pieces(payload: Any, rows: int = ROWS_PER_PIECE) -> Iterator[str]:
    """:func:`json_text` a piece at a time: a table's records ``rows`` at a time
    (the same text as the whole list dumped at once), other data whole."""
    if not isinstance(payload, pd.DataFrame) or payload.empty:
        yield _dumps(_records(payload)) + "\n"
        return
    yield "[\n"
    for start in range(0, len(payload), rows):
        records = json_records(payload.iloc[start : start + rows])
        text = ",\n".join(_indented(_dumps(record)) for record in records)
        yield ("" if start == 0 else ",\n") + text
    yield "\n]\n"


def _dumps(data: Any) -> str:
    return json.dumps(
        _finite(data), indent=2, ensure_ascii=False, default=str, allow_nan=False
    )


def _indented(text: str) -> str:
    """A dumped record as an element of a dumped list (two more spaces a line;
    a line break inside a string is escaped, so every line is the record's)."""
    return "  " + text.replace("\n", "\n  ")


def _records(data: Any) -> Any:
    if isinstance(data, pd.DataFrame):
        return json_records(data)
    if isinstance(data, dict):
        return {key: _records(value) for key, value in data.items()}
    return _plain(data)


def write_json(payload: Any, path: str | Path) -> Path:
    """Write plain data (tables in it as lists of records) as JSON, atomically."""
    path = Path(path)
    with atomic_path(path) as temporary:
        _write_text(temporary, json_pieces(payload))
    return path


def _finite(data: Any) -> Any:
    """Plain data with every NaN or infinite float replaced by None (JSON null)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def write_table(
    table: pd.DataFrame,
    path: str | Path,
    sheet: str = "Accounts",
    stream_format: str = ".csv",
) -> Path:
    """Write one table; the extension picks the writer (.csv .json .parquet .xlsx).

    A stream without one of these extensions (``-o /dev/stdout``, a named pipe)
    gets ``stream_format``.
    """
    path = Path(path)
    writer = _writer_for(path, stream_format, sheet)
    with atomic_path(path) as temporary:
        writer(table, temporary, sheet)
    return path


def _writer_for(
    path: Path, stream_format: str = ".csv", name: str = "Accounts"
) -> Callable[[pd.DataFrame, Path, str], None]:
    suffix = path.suffix.lower()
    if suffix not in WRITERS and is_stream(path):
        suffix = stream_format
    if suffix not in WRITERS and path.is_dir():
        raise UsageError(
            f"cannot write {path}: it is a folder",
            hint=f"name a file in it, e.g. {path / (name.lower() + '.csv')} "
            f"(one of {', '.join(WRITERS)})",
        )
    if suffix not in WRITERS:
        raise UsageError(
            f"cannot write {path.name}: unknown extension {suffix or '(none)'}",
            hint=f"use one of {', '.join(WRITERS)}",
        )
    return {".csv": _csv, ".json": _json, ".parquet": _parquet, ".xlsx": _xlsx}[suffix]


def _csv(table: pd.DataFrame, path: Path, sheet: str) -> None:
    _write_text(path, csv_pieces(table))


def _json(table: pd.DataFrame, path: Path, sheet: str) -> None:
    _write_text(path, json_pieces(table))


def _write_text(path: Path, pieces: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        _write_all(handle, pieces)


def _write_all(handle: IO[str], pieces: Iterable[str]) -> None:
    for piece in pieces:
        handle.write(piece)
    handle.flush()
    os.fsync(handle.fileno())


def _parquet(table: pd.DataFrame, path: Path, sheet: str) -> None:
    """Parquet, a row group of :data:`ROWS_PER_PIECE` rows at a time (the table
    is never copied whole into Arrow); text columns hold text (a value of
    another kind in them is written as its text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = table.copy(deep=False)
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: v if v is None or isinstance(v, str) else str(v),
                na_action="ignore",
            )
    schema = pa.Schema.from_pandas(out, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(out), 1), ROWS_PER_PIECE):
            piece = out.iloc[start : start + ROWS_PER_PIECE]
            writer.write_table(
                pa.Table.from_pandas(piece, schema=schema, preserve_index=False)
            )


def _xlsx(table: pd.DataFrame, path: Path, sheet: str) -> None:
    from b2bcx.io.worksheet import write_single_table

    write_single_table(table, path, sheet)
