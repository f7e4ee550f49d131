"""Resource limits checked before a reader allocates anything.

An export far beyond any survey (a workbook whose one cell sits at XFD1048576, a
zip bomb, a CSV with 100,000 columns) is refused with an error naming the limit,
rather than exhausting memory. The limits are generous for real surveys.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from b2bcx.errors import DataError

MAX_COLUMNS = 5_000
"""Columns of an export (CSV header or a worksheet's used range)."""
MAX_CELLS = 50_000_000
"""Cells of a worksheet's used range (rows x columns), e.g. 500,000 rows x 100."""
MAX_EXPANDED_BYTES = 1 << 30
"""Uncompressed size of the parts of an .xlsx (1 GiB)."""

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')
_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?r="(\d+)"')
_WIDE_CELL = re.compile(rb' r="([A-Z]{3})(\d+)"')  # columns from AAA (703) on
_DEEP_CELL = re.compile(rb' r="([A-Z]{1,3})(\d{7,})"')  # rows from 1,000,000 on
_HEAD = 1 << 16
_CHUNK = 1 << 22
HINT = "export the responses as CSV, or only the sheet and columns the survey needs"


def column_number(letters: bytes) -> int:
    """``A`` -> 1, ``XFD`` -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_columns(count: int, label: str) -> None:
    """Raise when an export has more columns than :data:`MAX_COLUMNS`."""
    if count > MAX_COLUMNS:
        raise DataError(
            f"{label} has {count:,} columns, more than the limit of "
            f"{MAX_COLUMNS:,} columns per export (MAX_COLUMNS)",
            hint=HINT,
        )


def check_xlsx(path: Path, label: str) -> None:
    """Check an .xlsx against the limits from its zip directory and sheet headers.

    Reads the zip's central directory (uncompressed sizes) and each worksheet's
    ``<dimension>`` element; a worksheet without one is scanned for its cell
    references. Nothing is loaded into memory beyond one chunk at a time.

    Raises
    ------
    DataError
        The expanded size, a worksheet's column count or its cell count exceeds
        its limit; the message names the limit.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            expanded = sum(member.file_size for member in members)
            if expanded > MAX_EXPANDED_BYTES:
                raise DataError(
                    f"{label} expands to {expanded / (1 << 20):,.0f} MiB, more than "
                    f"the limit of {MAX_EXPANDED_BYTES >> 20:,} MiB of uncompressed "
                    "workbook parts (MAX_EXPANDED_BYTES)",
                    hint=HINT,
                )
            for member in members:
                if member.filename.startswith("xl/worksheets/") and (
                    member.filename.endswith(".xml")
                ):
                    rows, columns = _used_range(archive, member)
                    _check_range(rows, columns, member.filename, label)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return  # a damaged archive: the reader reports it


def _check_range(rows: int, columns: int, part: str, label: str) -> None:
    sheet = part.rsplit("/", 1)[-1].removesuffix(".xml")
    if columns > MAX_COLUMNS:
        raise DataError(
            f"{label}: worksheet {sheet} spans {columns:,} columns, more than the "
            f"limit of {MAX_COLUMNS:,} columns per export (MAX_COLUMNS)",
            hint=HINT,
        )
    if rows * columns > MAX_CELLS:
        raise DataError(
            f"{label}: worksheet {sheet} spans {rows:,} rows x {columns:,} columns, "
            f"more than the limit of {MAX_CELLS:,} cells per sheet (MAX_CELLS)",
            hint=HINT,
        )


def _used_range(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column) of a worksheet, at least as far as a reader goes.

    The ``<dimension>`` element may be missing or wrong, so the part is also
    scanned (one chunk at a time) for row numbers, for cells in columns from
    AAA on and for cells in rows from 1,000,000 on; the scans are cheap because
    ordinary sheets hold no such cells.
    """
    rows = columns = 0
    with archive.open(member) as handle:
        chunk = handle.read(_HEAD)
        found = _DIMENSION.search(chunk)
        if found:
            rows, columns = int(found.group(2)), column_number(found.group(1))
        tail = b""
        while chunk:
            text = tail + chunk
            rows = max([rows, *map(int, _ROW.findall(text))])
            for pattern in (_WIDE_CELL, _DEEP_CELL):
                for letters, row in set(pattern.findall(text)):
                    columns = max(columns, column_number(letters))
                    rows = max(rows, int(row))
            tail = text[-64:]
            chunk = handle.read(_CHUNK)
    return rows, columns
