"""Exports streamed as record batches of the columns a run needs.

A plain CSV/TSV (UTF-8, one header row, no platform layout) is read with
``pyarrow.csv.open_csv`` block by block, each selected column dictionary-encoded,
so memory stays flat in the number of rows; a Parquet file is read row group by
row group. Anything else (Qualtrics or SurveyMonkey header rows, other encodings,
workbooks, SPSS) is not streamable here: :func:`stream_source` returns None and
the caller reads the whole export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from b2bcx.io.detect import HEAD_BYTES, check_path, detect_encoding, sniff_delimiter
from b2bcx.io.grid import HEAD_ROWS, find_header_row
from b2bcx.io.platforms import recognise
from b2bcx.io.text import arrow_to_text, clean_name

BLOCK_BYTES = 4 << 20
"""Arrow's streaming CSV reader holds ~36 blocks ahead: 4 MiB keeps that ~150 MiB."""
DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True)
class Source:
    """A streamable export: where its data starts and what its columns are called.

    Attributes
    ----------
    path : the file.
    label : the file as the user named it (for messages and the ``_file`` column).
    kind : ``"csv"`` or ``"parquet"``.
    columns : the column names as the header gives them (cleaned).
    first_row : the row number the user sees for the first data record.
    delimiter, skip : CSV only - the delimiter and the bytes before the header
        (byte-order mark).
    url : for a file the Dask engine reads from object storage, its URL
        (``s3://...``); ``path`` is then only its name.
    """

    path: Path
    label: str
    kind: str
    columns: tuple[str, ...]
    first_row: int
    delimiter: str = ","
    skip: int = 0
    url: str | None = None

    @property
    def location(self) -> str:
        """Where a reader finds the file: its URL, else its path."""
        return self.url or str(self.path)


def stream_source(path: str | Path, label: str | None = None) -> Source | None:
    """The file as a :class:`Source` when it can be streamed, else None."""
    file = Path(path)
    label = label or str(path)
    check_path(file, label)
    with file.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return source_from_head(file, label, head)


def source_from_head(
    file: Path, label: str, head: bytes, handle: Any = None
) -> Source | None:
    """The :class:`Source` of a file whose first bytes are ``head``; ``handle``
    opens a Parquet file kept elsewhere (object storage)."""
    if head.startswith(b"PAR1"):
        return _parquet_source(file, label, handle)
    if file.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".sav", ".zsav"):
        return None
    return _csv_source(file, label, head)


def _parquet_source(file: Path, label: str, handle: Any = None) -> Source | None:
    """The Parquet file's columns (read from ``handle`` when given)."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(file if handle is None else handle)
    except (pa.ArrowException, OSError):
        return None
    try:
        metadata = schema.pandas_metadata or {}
    except (ValueError, UnicodeDecodeError):  # damaged pandas metadata: ignored
        metadata = {}
    stored = metadata.get("index_columns", []) if isinstance(metadata, dict) else []
    names = tuple(n for n in schema.names if n not in stored)
    return Source(file, label, "parquet", names, 1)


def _csv_source(file: Path, label: str, head: bytes) -> Source | None:
    try:
        encoding = detect_encoding(head, label)
    except Exception:
        return None
    if not encoding.is_utf8 or b"\x00" in head:
        return None
    body = head[encoding.skip :]
    cut = body.rfind(b"\n") + 1 if len(head) == HEAD_BYTES else len(body)
    try:
        sample = body[:cut].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if sample.startswith("sep="):
        return None
    delimiter = sniff_delimiter(sample, file.suffix.lower())
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        records = list(islice(reader, HEAD_ROWS + 1))
    except csv.Error:
        return None
    cells = [[cell if cell.strip() else None for cell in r] for r in records]
    if len(records) < 2 or recognise(cells) is not None or find_header_row(cells):
        return None
    names = tuple(clean_name(name) for name in records[0])
    width = max(len(r) for r in records)
    if width != len(names) or not all(names) or len(set(names)) < len(names):
        return None
    return Source(file, label, "csv", names, 2, delimiter, skip=encoding.skip)


def unquoted(source: Source) -> bool:
    """True when no cell of the CSV is quoted, so no cell holds a line break and
    the file can be cut at any line end (one read of the file). A file in object
    storage is taken as quoted (not downloaded to look)."""
    if source.kind != "csv" or source.url:
        return False
    with source.path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            if b'"' in chunk:
                return False
    return True


def record_batches(
    source: Source,
    columns: list[str],
    plain: Sequence[str] = (),
    block_bytes: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """The export's ``columns`` (header names) in batches, dictionary-encoded.

    Columns in ``plain`` (ids that rarely repeat) stay plain strings.

    Empty cells are null (cells of only whitespace are left to the caller). Raises ``pyarrow.ArrowInvalid``
    on malformed input (a caller then reads the export the careful way).
    """
    if source.kind == "parquet":
        yield from _parquet_batches(source, columns, plain)
        return
    stream = pacsv.open_csv(
        _body(source),
        read_options=pacsv.ReadOptions(
            block_size=block_bytes or BLOCK_BYTES,
            use_threads=True,
            column_names=source.columns,
            skip_rows=1,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=source.delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=columns,
            column_types={
                c: pa.string() if c in plain else DICTIONARY for c in columns
            },
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    for batch in stream:
        if batch.num_rows:
            yield batch


def sized_batches(
    source: Source,
    columns: list[str],
    plain: Sequence[str] = (),
    block_bytes: int | None = None,
) -> Iterator[tuple[pa.RecordBatch, int]]:
    """:func:`record_batches` with, per batch, the bytes of the file read up to its
    end (for a progress bar): a CSV batch is one block of the reader's input, a
    Parquet batch its share of the rows."""
    size = source.path.stat().st_size
    if source.kind == "parquet":
        import pyarrow.parquet as pq

        rows = max(pq.ParquetFile(source.path).metadata.num_rows, 1)
        seen = 0
        for batch in record_batches(source, columns, plain):
            seen += batch.num_rows
            yield batch, min(size * seen // rows, size)
        return
    block = block_bytes or BLOCK_BYTES
    read = source.skip
    for batch in record_batches(source, columns, plain, block):
        read = min(read + block, size)
        yield batch, read


def _body(source: Source) -> pa.NativeFile:
    handle = pa.OSFile(str(source.path))
    if source.skip:
        handle.seek(source.skip)
    return handle


def _parquet_batches(
    source: Source, columns: list[str], plain: Sequence[str]
) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(source.path)
    for batch in parquet.iter_batches(columns=columns):
        arrays = [
            arrow_to_text(column).cast(pa.string())
            if name in plain
            else arrow_to_text(column).cast(pa.string()).dictionary_encode()
            for name, column in zip(batch.schema.names, batch.columns, strict=True)
        ]
        yield pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
