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
from collections.abc import Callable
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
    "csv_text",
    "defuse_frame",
    "defuse_text",
    "is_formula_like",
    "is_stream",
    "json_records",
    "json_text",
    "refuse_replacing_inputs",
    "same_file",
    "write_bytes",
    "write_json",
    "write_table",
]

WRITERS = (".csv", ".json", ".parquet", ".xlsx")


def csv_text(table: pd.DataFrame) -> str:
    """A table as formula-safe CSV text."""
    return defuse_frame(table).to_csv(index=False, lineterminator="\n")


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
    data = _records(payload)
    return (
        json.dumps(
            _finite(data), indent=2, ensure_ascii=False, default=str, allow_nan=False
        )
        + "\n"
    )


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
        _write_text(temporary, json_text(payload))
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
    writer = _writer_for(path, stream_format)
    with atomic_path(path) as temporary:
        writer(table, temporary, sheet)
    return path


def _writer_for(
    path: Path, stream_format: str = ".csv"
) -> Callable[[pd.DataFrame, Path, str], None]:
    suffix = path.suffix.lower()
    if suffix not in WRITERS and is_stream(path):
        suffix = stream_format
    if suffix not in WRITERS:
        raise UsageError(
            f"cannot write {path.name}: unknown extension {suffix or '(none)'}",
            hint=f"use one of {', '.join(WRITERS)}",
        )
    return {".csv": _csv, ".json": _json, ".parquet": _parquet, ".xlsx": _xlsx}[suffix]


def _csv(table: pd.DataFrame, path: Path, sheet: str) -> None:
    _write_text(path, csv_text(table))


def _json(table: pd.DataFrame, path: Path, sheet: str) -> None:
    _write_text(path, json_text(table))


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        _write_all(handle, text)


def _write_all(handle: IO[str], text: str) -> None:
    handle.write(text)
    handle.flush()
    os.fsync(handle.fileno())


def _parquet(table: pd.DataFrame, path: Path, sheet: str) -> None:
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: v if v is None or isinstance(v, str) else str(v),
                na_action="ignore",
            )
    out.to_parquet(path, index=False)


def _xlsx(table: pd.DataFrame, path: Path, sheet: str) -> None:
    from b2bcx.io.worksheet import write_single_table

    write_single_table(table, path, sheet)
