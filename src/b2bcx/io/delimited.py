"""CSV and TSV exports: encoding and delimiter detected, read by pyarrow.

The fast path reads the whole file with ``pyarrow.csv`` (multi-threaded, all
columns as strings). Files it cannot take - rows shorter than the widest head
row, title rows above the header - go through pandas' C parser; rows longer than
the header are reported with their line numbers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from b2bcx.errors import DataError, Problem
from b2bcx.io.detect import (
    HEAD_BYTES,
    check_text,
    detect_encoding,
    line_of,
    sniff_delimiter,
)
from b2bcx.io.grid import HEAD_ROWS, Cells, find_header_row
from b2bcx.io.limits import check_columns
from b2bcx.io.text import TEXT, blank_to_na, blank_to_null, has_control_bytes

BLOCK_BYTES = 16 << 20
_SEP_LINE = re.compile(r"sep=[,;\t]\r?\n")
MAX_REPORTED = 20


class _NotUtf8(Exception):
    """The body turned out not to be valid UTF-8 (switch to Windows-1252)."""


def read_delimited(path: Path, label: str) -> Cells:
    """Every record of a CSV/TSV file as text cells.

    Parameters
    ----------
    path : the file.
    label : the file as the user named it, for messages.

    Returns
    -------
    Cells
        One row per record (the index is the 0-based record number, header
        records included), columns ``0..W-1``, cells ``str`` or NA.

    Raises
    ------
    DataError
        Binary content, undecodable bytes, or rows with more fields than the header.
    """
    content = path.read_bytes()
    encoding = detect_encoding(content[:HEAD_BYTES], label)
    suffix = path.suffix.lower()
    if not encoding.is_utf8:
        body = _decode(content[encoding.skip :], encoding.codec, label).encode()
        return _read_body(body, suffix, label)
    try:
        cells = _read_body(content[encoding.skip :], suffix, label)
        cells.controls = has_control_bytes(content)
        return cells
    except _NotUtf8:
        text, fallen_back, mixed = decode_by_line(content[encoding.skip :], label)
        cells = _read_body(text.encode(), suffix, label)
        cells.warnings[:0] = _fallback_warnings(label, fallen_back, mixed)
        return cells


def decode_by_line(content: bytes, label: str) -> tuple[str, list[int], bool]:
    """Decode line by line: UTF-8 first, Windows-1252 for the lines that are not UTF-8.

    A file written partly by one program and partly by another (one pasted row)
    keeps its UTF-8 lines intact; only the failing lines are read as Windows-1252.

    Returns
    -------
    tuple
        The text, the 1-based numbers of the lines read as Windows-1252, and
        whether other lines held UTF-8 beyond ASCII (a mixed file).

    Raises
    ------
    DataError
        A line is neither UTF-8 nor Windows-1252 (the message names the line).
    """
    lines = content.split(b"\n")
    decoded: list[str] = []
    fallen_back: list[int] = []
    mixed = False
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
            mixed = mixed or not line.isascii()
        except UnicodeDecodeError:
            fallen_back.append(number)
            decoded.append(_decode_line(line, number, label))
    return "\n".join(decoded), fallen_back, mixed


def _decode_line(line: bytes, number: int, label: str) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError as exc:
        byte = line[exc.start : exc.start + 1].hex().upper()
        raise DataError(
            f"{label} cannot be decoded as UTF-8 or Windows-1252 text "
            f"(line {number}, byte {exc.start + 1} of the line: 0x{byte})",
            hint="export the file again as UTF-8 CSV; it may be damaged or binary",
        ) from exc


def _fallback_warnings(label: str, lines: list[int], mixed: bool) -> list[Problem]:
    """The warning for a Windows-1252 file, or for the lines of a mixed file."""
    hint = "export as UTF-8 so that accented letters are certain to be right"
    if not mixed:
        return [
            Problem(
                "the file is not valid UTF-8; it was read as Windows-1252 "
                "(Western European)",
                hint=hint,
                file=label,
                severity="warning",
                code="not-utf8",
            )
        ]
    count = len(lines)
    listed = ", ".join(map(str, lines[:MAX_REPORTED]))
    more = f" (first {MAX_REPORTED} listed)" if count > MAX_REPORTED else ""
    return [
        Problem(
            f"{count} line{'s' if count != 1 else ''} of this UTF-8 file "
            f"{'are' if count != 1 else 'is'} not valid UTF-8 and "
            f"{'were' if count != 1 else 'was'} read as Windows-1252: "
            f"line{'s' if count != 1 else ''} {listed}{more}",
            hint="check the accented letters of these rows; " + hint,
            file=label,
            row=lines[0] if count == 1 else None,
            severity="warning",
            code="not-utf8",
        )
    ]


def _decode(content: bytes, codec: str, label: str) -> str:
    try:
        return content.decode(codec)
    except UnicodeDecodeError as exc:
        names = {"cp1252": "UTF-8 or Windows-1252"}
        expected = names.get(codec, codec.upper())
        byte = content[exc.start : exc.start + 1].hex().upper()
        line = line_of(content, exc.start) if codec == "cp1252" else None
        where = f"line {line}, " if line else ""
        raise DataError(
            f"{label} cannot be decoded as {expected} text "
            f"({where}byte {exc.start + 1}: 0x{byte})",
            hint="export the file again as UTF-8 CSV; it may be damaged or binary",
        ) from exc


def _read_body(body: bytes, suffix: str, label: str) -> Cells:
    """Parse UTF-8 bytes; raise ``_NotUtf8`` when they are not valid UTF-8.

    Rows with fewer fields than the header are read with blanks for the missing
    fields, with a warning naming them (:func:`_short_warning`).
    """
    if not body.strip(b" \t\r\n,;\xef\xbb\xbf"):
        raise DataError(
            f"{label} holds no data: only blank lines, spaces or delimiters",
            hint="export the survey again",
        )
    sample = _sample(body)
    check_text(sample, label)
    first = sample.split("\n", 1)[0]
    check_columns(max(first.count(d) for d in ",;\t") + 1, label)
    delimiter = sniff_delimiter(sample, suffix)
    skipped = _SEP_LINE.match(sample)
    if skipped:  # Excel's "sep=;" line: not part of the table
        body = body[len(skipped.group().encode()) :]
        sample = sample[skipped.end() :]
    head = _head_records(sample, delimiter, complete=len(sample.encode()) >= len(body))
    if not head:
        raise DataError(f"{label} holds no rows", hint="export the survey again")
    short: list[int] = []
    try:
        width = max(len(record) for record in head)
        check_columns(width, label)
        frame = _read_fast(body, delimiter, width, quoted=b'"' in body)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _NotUtf8 from exc
        frame, short = _read_careful(_text(body), delimiter, head, label)
    if skipped:
        frame.index = frame.index + 1
    rows = [record + 1 + bool(skipped) for record in short]
    return Cells(frame, _short_warning(label, rows, frame.shape[1]))


def _sample(body: bytes) -> str:
    """The first complete lines of the body (at least a few records)."""
    size = HEAD_BYTES
    while True:
        chunk = body[:size]
        if len(chunk) < len(body):
            chunk = chunk[: chunk.rfind(b"\n") + 1] or chunk
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(chunk) - 4 or len(chunk) >= len(body):
                raise _NotUtf8 from exc
            text = chunk[: exc.start].decode("utf-8")
        if len(chunk) >= len(body) or text.count("\n") > HEAD_ROWS:
            return text
        size *= 4


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotUtf8 from exc


def _head_records(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The first records of the sample (a record cut off at its end is dropped)."""
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > HEAD_ROWS:
                break
    except csv.Error:
        pass
    if not complete and len(records) > 1:
        records.pop()
    return records


def _read_fast(body: bytes, delimiter: str, width: int, quoted: bool) -> pd.DataFrame:
    """pyarrow, every column a (large) string, every row exactly ``width`` fields.

    Without any quote character in the file, no cell can hold a line break and
    pyarrow may split the file on line ends (faster).
    """
    names = [str(number) for number in range(width)]
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    table = pa.table([blank_to_null(column) for column in table.columns], names=names)
    frame = table.to_pandas()
    frame.columns = pd.RangeIndex(width)
    return frame


def _read_careful(
    text: str, delimiter: str, head: list[list[str]], label: str
) -> tuple[pd.DataFrame, list[int]]:
    """pandas' C parser: pads short rows; rows longer than the header are errors.

    Returns the cells and the 0-based records below the header that had fewer
    fields than it (not blank lines: they are no rows).
    """
    cells = [[cell if cell.strip() else None for cell in record] for record in head]
    header_at = find_header_row(cells)
    width = len(head[header_at])
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),
            index_col=False,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise _ragged_error(text, delimiter, width, label) from exc
    frame = frame.astype(TEXT).apply(blank_to_na)
    return frame, _short_records(text, delimiter, frame, header_at)


def _short_records(
    text: str, delimiter: str, frame: pd.DataFrame, header_at: int
) -> list[int]:
    """The records below the header with fewer fields than it, and not blank.

    Only rows whose last cell came out blank can be short: when there are any,
    one Python pass over the records counts their fields.
    """
    width = frame.shape[1]
    below = frame.index > header_at
    suspects = below & frame[width - 1].isna() & frame.notna().any(axis=1)
    if not suspects.any():
        return []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [
        number
        for number, record in enumerate(reader)
        if number > header_at
        and len(record) < width
        and any(cell.strip() for cell in record)
    ]


def _short_warning(label: str, rows: list[int], width: int) -> list[Problem]:
    """One warning for the rows with fewer fields than the header (1-based rows)."""
    if not rows:
        return []
    count = len(rows)
    listed = ", ".join(map(str, rows[:MAX_REPORTED]))
    more = f" (first {MAX_REPORTED} listed)" if count > MAX_REPORTED else ""
    return [
        Problem(
            f"{count} row{'s' if count != 1 else ''} {'have' if count != 1 else 'has'} "
            f"fewer fields than the header's {width}: row{'s' if count != 1 else ''} "
            f"{listed}{more}; the missing fields are read as blanks",
            hint="check that these rows were not cut short or broken across lines; "
            "export the file again if they were",
            file=label,
            row=rows[0],
            severity="warning",
            code="short-rows",
        )
    ]


def _ragged_error(text: str, delimiter: str, width: int, label: str) -> DataError:
    """Every record with more fields than the header, by line number.

    A Python pass over the records: it runs only when the file is already known
    to be malformed.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    count, line = 0, 1
    for number, record in enumerate(reader, start=1):
        if len(record) > width:
            count += 1
            if len(problems) < MAX_REPORTED:
                problems.append(
                    _ragged_problem(label, number, line, len(record), width)
                )
        line = reader.line_num + 1
    more = f" (first {MAX_REPORTED} shown)" if count > MAX_REPORTED else ""
    if not problems:
        return DataError(f"{label} cannot be parsed as {_name(delimiter)} text")
    lines = "line" if count == 1 else "lines"
    return DataError(
        f"{label}: {count} {lines} {'has' if count == 1 else 'have'} more fields "
        f"than the header's {width}{more}, first at line {problems[0].row}",
        problems,
        hint=f"cells containing the delimiter {_name(delimiter)} must be quoted; "
        "re-export the file or fix those lines",
    )


def _ragged_problem(
    label: str, record: int, line: int, fields: int, width: int
) -> Problem:
    where = f"line {line}" + (f" (record {record})" if record != line else "")
    return Problem(
        f"{where} has {fields} fields, the header has {width}",
        hint="quote the cell that contains the delimiter",
        file=label,
        row=line,
        code="extra-fields",
    )


def _name(delimiter: str) -> str:
    return {",": "comma (,)", ";": "semicolon (;)", "\t": "tab"}.get(
        delimiter, delimiter
    )
