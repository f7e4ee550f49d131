"""What a file is: format by content (then extension), text encoding, delimiter."""

from __future__ import annotations

import codecs
import csv
import errno
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from b2bcx.errors import B2bcxError, DataError

Format = Literal["xlsx", "parquet", "spss", "delimited"]

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"
SPSS_MAGICS = (b"$FL2", b"$FL3")
DELIMITERS = ",;\t"
HEAD_BYTES = 1 << 16
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_CONTROL = frozenset(chr(c) for c in range(32)) - set("\t\n\r\f\v")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

EXCEL_HINT = "open it in Excel and save it as .xlsx (or export CSV)"


def check_path(path: Path, label: str) -> int:
    """The size of an existing, readable regular file; raise otherwise.

    Raises
    ------
    DataError
        The path does not exist, is a directory, is empty or cannot be opened
        (exit code 1, like every unreadable export).
    """
    info = regular_file(path, label, DataError)
    if stat.S_ISDIR(info.st_mode):
        raise DataError(
            f"{label} is a directory, not an export file",
            hint="name the export files themselves (e.g. exports/*.csv)",
        )
    size = info.st_size
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise DataError(f"{label} cannot be opened: {exc.strerror or exc}") from exc
    if size == 0:
        raise DataError(f"{label} is empty (0 bytes)", hint="export the survey again")
    return size


def regular_file(
    path: Path, label: str, error: type[B2bcxError] = DataError
) -> os.stat_result:
    """The status of an input that is a regular file (or a directory, for the
    caller to refuse); ``error`` otherwise, never a hang or a traceback.

    A pipe (FIFO), device or socket would block or never end when read; a symlink
    loop or an over-long name cannot be opened at all.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(
            f"{label}: file not found", hint="check the path and the file name"
        ) from None
    except OSError as exc:
        reason = {
            errno.ELOOP: "a symbolic link that loops back on itself",
            errno.ENAMETOOLONG: "a file name too long for the file system",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise error(
            f"{label} cannot be opened: {reason}", hint="check the path"
        ) from None
    except ValueError as exc:  # a NUL byte in the path
        raise error(f"{label} cannot be opened: {exc}", hint="check the path") from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise error(
            f"{label} is not a regular file (it is a pipe, device or socket)",
            hint="name a file saved on disk; to read from a pipe, save it to a file first",
        )
    return info


def sniff_format(path: Path, label: str) -> Format:
    """The file format, from the first bytes first and the extension second."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    suffix = path.suffix.lower()
    if magic.startswith(ZIP_MAGIC):
        return _zip_format(path, label)
    if magic.startswith(OLE2_MAGIC):
        raise _ole2_error(path, label)
    if magic.startswith(PARQUET_MAGIC):
        return "parquet"
    if magic.startswith(SPSS_MAGICS):
        return "spss"
    if suffix in _EXCEL_SUFFIXES:
        raise DataError(
            f"{label} is not a valid Excel workbook (it is not an .xlsx file inside)",
            hint="the file may be damaged or renamed; " + EXCEL_HINT,
        )
    if suffix in (".parquet", ".pq"):
        raise DataError(f"{label} is not a valid Parquet file (no PAR1 signature)")
    if suffix in (".sav", ".zsav"):
        raise DataError(f"{label} is not a valid SPSS .sav file (no $FL2 signature)")
    return "delimited"


def _zip_format(path: Path, label: str) -> Format:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        UnicodeDecodeError,
    ) as exc:
        # zipfile raises all of these for damaged or unsupported archives
        raise DataError(
            f"{label} is a damaged Excel workbook or ZIP archive: {exc}",
            hint="download or export the file again",
        ) from exc
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    inner = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
    raise DataError(
        f"{label} is a ZIP archive, not an Excel workbook (it holds: {inner})",
        hint="unzip it and name the export file inside",
    )


def _ole2_error(path: Path, label: str) -> DataError:
    content = path.read_bytes()
    if _ENCRYPTED_MARK in content:
        return DataError(
            f"{label} is an encrypted (password-protected) Excel workbook",
            hint="open it in Excel, remove the password and save it again",
        )
    return DataError(
        f"{label} is an old Excel 97-2003 (.xls) or other OLE2 file, "
        "or a password-protected workbook",
        hint=EXCEL_HINT,
    )


@dataclass(frozen=True)
class Encoding:
    """How the bytes of a text export are decoded.

    ``codec`` is a Python codec name; ``skip`` the length of the byte-order mark.
    """

    codec: str
    skip: int = 0

    @property
    def is_utf8(self) -> bool:
        """Whether the body after the BOM is UTF-8 (readable without transcoding)."""
        return self.codec == "utf-8"


def detect_encoding(head: bytes, label: str) -> Encoding:
    """The encoding from the byte-order mark or the NUL-byte pattern.

    Files without a BOM are taken as UTF-8 here; a caller falls back to
    Windows-1252 when they turn out not to be valid UTF-8.
    """
    if head.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8", 3)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        codec = "utf-32-le" if head.startswith(codecs.BOM_UTF32_LE) else "utf-32-be"
        return Encoding(codec, 4)
    if head.startswith(codecs.BOM_UTF16_LE):
        return Encoding("utf-16-le", 2)
    if head.startswith(codecs.BOM_UTF16_BE):
        return Encoding("utf-16-be", 2)
    if b"\x00" in head:
        return _bomless_utf16(head, label)
    return Encoding("utf-8")


def _bomless_utf16(head: bytes, label: str) -> Encoding:
    """UTF-16 without a BOM shows NULs in every other byte of ASCII text."""
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return Encoding("utf-16-le")
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return Encoding("utf-16-be")
    raise not_text(label)


def not_text(label: str) -> DataError:
    """The error for binary content in a file read as CSV/TSV."""
    return DataError(
        f"{label} is not a text (CSV/TSV) file: it holds binary data",
        hint="supported exports are CSV/TSV, .xlsx, SPSS .sav and Parquet; "
        "the file may be damaged or have the wrong extension",
    )


def check_text(sample: str, label: str) -> None:
    """Raise when decoded text holds control characters that text never has."""
    if not sample:
        return
    controls = sum(sample.count(char) for char in _CONTROL)
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise not_text(label)


def line_of(content: bytes | str, position: int) -> int:
    """The 1-based line number of a byte or character position."""
    newline = b"\n" if isinstance(content, bytes) else "\n"
    return content.count(newline, 0, position) + 1  # type: ignore[arg-type]


def sniff_delimiter(sample: str, suffix: str) -> str:
    """The delimiter among ``,`` ``;`` and tab.

    An Excel ``sep=;`` first line names it. Otherwise ``csv.Sniffer`` on the
    first lines decides when its answer occurs in the
    header line; otherwise the delimiter occurring most often in the header
    line wins (tab first for ``.tsv``; comma when none occurs).
    """
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    if len(lines[0]) == 5 and lines[0].startswith("sep=") and lines[0][4] in DELIMITERS:
        return lines[0][4]  # Excel's hint line, e.g. "sep=;"
    header = lines[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if found and counts.get(found):
        return found
    if suffix in (".tsv", ".tab") and counts["\t"]:
        return "\t"
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","
