"""Exports streamed as record batches of the columns a run needs.

A plain CSV/TSV (UTF-8, one header row, no platform layout) is read with
``pyarrow.csv.open_csv`` block by block, each selected column dictionary-encoded,
so memory stays flat in the number of rows; a Parquet file is read row group by
row group; an SPSS ``.sav`` file chunk by chunk (pyreadstat), its value labels
travelling beside the codes; a plain workbook (``.xlsx``: one header row on top of
the first sheet) is read whole by the usual reader and handed on as batches.
Anything else (Qualtrics or SurveyMonkey header rows, title rows, other
encodings) is not streamable here: :func:`stream_source` returns None and the
caller reads the whole export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from b2bcx.io.detect import HEAD_BYTES, check_path, detect_encoding, sniff_delimiter
from b2bcx.io.grid import HEAD_ROWS, find_header_row
from b2bcx.io.platforms import recognise
from b2bcx.io.text import arrow_to_text, clean_name

SPSS_ROWS = 100_000
"""Cases per chunk of an SPSS file."""
BLOCK_BYTES = 4 << 20
"""Arrow's streaming CSV reader holds ~36 blocks ahead: 4 MiB keeps that ~150 MiB."""
DICTIONARY = pa.dictionary(pa.int32(), pa.string())
T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """A streamable export: where its data starts and what its columns are called.

    Attributes
    ----------
    path : the file.
    label : the file as the user named it (for messages and the ``_file`` column).
    kind : ``"csv"``, ``"parquet"``, ``"spss"`` or ``"xlsx"``.
    columns : the column names as the header gives them (cleaned).
    first_row : the row number the user sees for the first data record.
    delimiter, skip : CSV only - the delimiter and the bytes before the header
        (byte-order mark).
    url : for a file the Dask engine reads from object storage, its URL
        (``s3://...``); ``path`` is then only its name.
    labels : SPSS only - the value labels (header -> code -> label).
    sheet : xlsx only - the sheet's cells as text (an Arrow table, header names).
    """

    path: Path
    label: str
    kind: str
    columns: tuple[str, ...]
    first_row: int
    delimiter: str = ","
    skip: int = 0
    url: str | None = None
    labels: dict[str, dict[str, str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    sheet: pa.Table | None = field(default=None, compare=False, repr=False)

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
    suffix = file.suffix.lower()
    if handle is None and head[:4] in (b"$FL2", b"$FL3"):
        return _spss_source(file, label)
    if handle is None and suffix in (".xlsx", ".xlsm") and head.startswith(b"PK"):
        return _xlsx_source(file, label)
    if suffix in (".xlsx", ".xlsm", ".xls", ".sav", ".zsav"):
        return None
    return _csv_source(file, label, head)


def _parquet_source(file: Path, label: str, handle: Any = None) -> Source | None:
    """The Parquet file's columns (read from ``handle`` when given), or None
    when its schema cannot be read.

    Raises
    ------
    DataError
        The columns break a rule of :func:`b2bcx.io.parquet.export_columns`
        (repeated names, nested columns), as the whole-file reader says.
    """
    import pyarrow.parquet as pq

    from b2bcx.io.parquet import export_columns

    try:
        schema = pq.read_schema(file if handle is None else handle)
    except (pa.ArrowException, OSError):
        return None
    return Source(file, label, "parquet", export_columns(schema, label), 1)


def _spss_source(file: Path, label: str) -> Source | None:
    """An SPSS file's variables and value labels (its metadata only)."""
    import pyreadstat

    from b2bcx.io.spss import file_value_labels

    try:
        _, meta = pyreadstat.read_sav(str(file), metadataonly=True)
    except Exception:  # pyreadstat's errors: the usual reader reports them
        return None
    names = tuple(meta.column_names)
    if RESERVED & set(names) or len(set(names)) < len(names):
        return None
    labels, controlled = file_value_labels(meta, names)
    if controlled:
        return None  # the usual reader replaces them, with a warning
    return Source(file, label, "spss", names, 1, labels=labels)


def _xlsx_source(file: Path, label: str) -> Source | None:
    """A workbook's first sheet when it is a plain table: one header row on top,
    no blank rows between responses, nothing the reader warns about."""
    import numpy as np

    from b2bcx.io.excel import read_excel
    from b2bcx.io.grid import table_from_cells
    from b2bcx.io.platforms import PLAIN
    from b2bcx.io.text import replace_controls

    try:
        cells, name = read_excel(file, label, None)
        table = table_from_cells(cells, label, f" (sheet {name!r})")
    except Exception:  # a damaged workbook: the usual reader reports it
        return None
    frame = table.frame
    rows = frame.index.to_numpy() + 1
    if table.layout != PLAIN or table.warnings or not len(rows):
        return None
    if rows[0] != 2 or not np.array_equal(rows, np.arange(2, len(rows) + 2)):
        return None  # title rows above the header, or blank rows between responses
    if table.controls and replace_controls(frame)[1]:
        return None  # the usual reader replaces them, with a warning
    names = tuple(str(c) for c in frame.columns)
    if RESERVED & set(names) or len(set(names)) < len(names):
        return None
    arrays = [
        pa.array(frame[c].to_numpy(dtype=object, na_value=None), pa.string())
        for c in frame.columns
    ]
    sheet = pa.Table.from_arrays(arrays, names=list(names))
    return Source(file, label, "xlsx", names, 2, sheet=sheet)


RESERVED = {"_file", "_row"}
"""Column names the usual reader refuses (kept for the source file and row)."""


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
    if source.kind == "spss":
        yield from _spss_batches(source, columns, plain)
        return
    if source.kind == "xlsx":
        yield from _sheet_batches(source, columns, plain)
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
    if source.kind in ("parquet", "spss", "xlsx"):
        rows = max(_rows(source), 1)
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


def _rows(source: Source) -> int:
    """How many records a Parquet, SPSS or xlsx source holds."""
    if source.kind == "xlsx" and source.sheet is not None:
        return source.sheet.num_rows
    if source.kind == "spss":
        import pyreadstat

        _, meta = pyreadstat.read_sav(str(source.path), metadataonly=True)
        return int(meta.number_rows or 0)
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(source.path).metadata.num_rows)


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


def _encoded(array: pa.Array, plain: bool) -> pa.Array:
    return array if plain else array.dictionary_encode()


def _spss_batches(
    source: Source, columns: list[str], plain: Sequence[str]
) -> Iterator[pa.RecordBatch]:
    """The cases chunk by chunk, as the SPSS reader writes them: codes as text
    (``"1"``, not ``"1.0"``), blank and missing (system or user) as null."""
    import pyreadstat

    from b2bcx.io.text import blank_to_na, column_to_text

    chunks = pyreadstat.read_file_in_chunks(
        pyreadstat.read_sav,
        str(source.path),
        chunksize=SPSS_ROWS,
        apply_value_formats=False,
        user_missing=False,
        usecols=columns,
    )
    for chunk, _ in _checked(chunks):
        if not len(chunk):
            continue
        arrays = []
        for name in columns:
            text = blank_to_na(column_to_text(chunk[name]))
            array = pa.array(text.to_numpy(dtype=object, na_value=None), pa.string())
            arrays.append(_encoded(array, name in plain))
        yield pa.RecordBatch.from_arrays(arrays, names=columns)


def _checked(chunks: Iterator[T]) -> Iterator[T]:
    """pyreadstat's errors as ``ValueError``, on which the caller reads the file
    again the careful way (and reports what is wrong with it)."""
    try:
        yield from chunks
    except (OSError, ValueError):
        raise
    except Exception as exc:  # pyreadstat.ReadstatError and the like
        raise ValueError(f"the SPSS file cannot be read: {exc}") from exc


def _sheet_batches(
    source: Source, columns: list[str], plain: Sequence[str]
) -> Iterator[pa.RecordBatch]:
    """The sheet read by :func:`_xlsx_source`, in batches of its columns."""
    if source.sheet is None:
        raise ValueError(f"{source.location}: no sheet was read for the pass")
    for batch in source.sheet.select(columns).to_batches(max_chunksize=1 << 16):
        if batch.num_rows:
            arrays = [
                _encoded(column, name in plain)
                for name, column in zip(columns, batch.columns, strict=True)
            ]
            yield pa.RecordBatch.from_arrays(arrays, names=columns)
