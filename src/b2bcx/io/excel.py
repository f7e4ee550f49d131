"""Excel ``.xlsx`` workbooks, read with calamine (the engine behind
``pd.read_excel(engine="calamine")``), any sheet by name or 0-based index.

The sheet is read as raw cell values from A1 (so row positions are spreadsheet
row numbers) and converted to text one column at a time: integral numbers
without ``.0``, dates in ISO form.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from b2bcx.errors import DataError, Problem
from b2bcx.io.detect import EXCEL_HINT
from b2bcx.io.export import Sheet
from b2bcx.io.grid import Cells
from b2bcx.io.limits import check_xlsx
from b2bcx.io.text import blank_to_na, column_to_text


def read_excel(path: Path, label: str, sheet: Sheet = None) -> tuple[Cells, str]:
    """Every row of one worksheet as text cells, and the sheet's name.

    Parameters
    ----------
    path : the workbook.
    label : the file as the user named it, for messages.
    sheet : a sheet name, a 0-based index (also as a string of digits), or None
        for the first sheet.

    Raises
    ------
    DataError
        The workbook is damaged, the sheet does not exist or is empty.
    """
    check_xlsx(path, label)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types
        raise DataError(
            f"{label} cannot be read as an Excel workbook: {exc}",
            hint="the file may be damaged; " + EXCEL_HINT,
        ) from exc
    names = list(book.sheet_names)
    if not names:
        raise DataError(
            f"{label}: the workbook has no sheets",
            hint="the file may be damaged; " + EXCEL_HINT,
        )
    index = sheet_index(names, sheet, label)
    try:
        rows = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
    except Exception as exc:
        raise DataError(
            f"{label}: sheet {names[index]!r} cannot be read: {exc}",
            hint="the file may be damaged; " + EXCEL_HINT,
        ) from exc
    if not rows:
        raise DataError(
            f"{label}: sheet {names[index]!r} is empty",
            hint=f"choose the sheet with the responses (sheets: {_listed(names)})",
        )
    raw = pd.DataFrame(rows, dtype=object)
    raw = raw.where(raw != "")
    frame = pd.DataFrame(
        {position: blank_to_na(column_to_text(raw[position])) for position in raw}
    )
    warnings = formula_warnings(path, label, index)
    warnings += long_numbers_as_text(frame, raw, path, label, index)
    return Cells(frame, warnings), names[index]


LONG_NUMBER = 2.0**53
"""From here on a float no longer holds every integer: ids of 16+ digits."""


def long_numbers_as_text(
    frame: pd.DataFrame, raw: pd.DataFrame, path: Path, label: str, index: int
) -> list[Problem]:
    """Numbers of 16 or more digits (account ids) as the digits saved in the file.

    A spreadsheet reader hands numbers over as floats, which round a 17-digit id
    to another id; the digits are taken from the sheet's XML instead. Replaces
    the cells of ``frame`` in place and warns once.
    """
    cells = [
        (row, column)
        for column in raw.columns
        for row, value in raw[column].items()
        if isinstance(value, float) and abs(value) >= LONG_NUMBER
    ]
    if not cells:
        return []
    saved = _saved_values(path, index, {_ref(row, column) for row, column in cells})
    for row, column in cells:
        digits = _as_digits(saved.get(_ref(row, column)))
        if digits is not None:
            frame.loc[row, column] = digits
    return [
        Problem(
            f"{len(cells)} cell{'s' if len(cells) != 1 else ''} hold numbers of 16 or "
            "more digits; they were read as text, digit by digit",
            "store ids as text in the workbook: Excel keeps only 15 digits of a number",
            file=label,
            severity="warning",
            code="long-number",
        )
    ]


def _ref(row: object, column: object) -> str:
    """The A1 reference of a 0-based (row, column) position."""
    number, letters = int(column) + 1, ""  # type: ignore[call-overload]
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{int(row) + 1}"  # type: ignore[call-overload]


def _as_digits(saved: str | None) -> str | None:
    """``"12345678901234567"`` or ``"1.2345678901234567E+16"`` as integer digits."""
    from decimal import Decimal, InvalidOperation

    if saved is None:
        return None
    try:
        number = Decimal(saved.strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return str(int(number))


_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+\d+)"[^>]*>(.*?)</c>', re.DOTALL)
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _saved_values(path: Path, index: int, refs: set[str]) -> dict[str, str]:
    """The ``<v>`` text of the cells ``refs`` in the sheet's XML."""
    found: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, index)
            xml = archive.read(part) if part else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return found
    for match in _CELL.finditer(xml):
        ref = match.group(1).decode()
        if ref in refs:
            value = _VALUE.search(match.group(2))
            if value:
                found[ref] = value.group(1).decode()
    return found


_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"')
_TARGET = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"')


def sheet_part(archive: zipfile.ZipFile, index: int) -> str | None:
    """The zip member of the ``index``-th worksheet (through the workbook's rels)."""
    names = set(archive.namelist())
    try:
        ids = _SHEET.findall(archive.read("xl/workbook.xml"))
        targets = {
            rid: target
            for rid, target in _TARGET.findall(
                archive.read("xl/_rels/workbook.xml.rels")
            )
        }
        target = targets[ids[index]].decode()
    except (KeyError, IndexError):
        fallback = f"xl/worksheets/sheet{index + 1}.xml"
        return fallback if fallback in names else None
    part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return part if part in names else None


_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>\s*|<v>\s*</v>\s*)?</c>"
)


def formula_warnings(path: Path, label: str, index: int) -> list[Problem]:
    """Formula cells with no saved result (a workbook written by a script and never
    opened in Excel) read as blank: say so rather than drop answers silently."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = f"xl/worksheets/sheet{index + 1}.xml"
            xml = archive.read(part) if part in archive.namelist() else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return []
    count = len(_FORMULA_WITHOUT_VALUE.findall(xml))
    if not count:
        return []
    return [
        Problem(
            f"{count} formula cell{'s' if count != 1 else ''} have no saved result and read as blank",
            "open the workbook in Excel (or LibreOffice), let it calculate, save it, and read it again",
            file=label,
            severity="warning",
            code="formula-without-value",
        )
    ]


def sheet_index(names: list[str], sheet: Sheet, label: str) -> int:
    """The 0-based position of the requested sheet; a DataError lists the sheets."""
    if sheet is None:
        return 0
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet)
    if isinstance(sheet, str):
        folded = [name.casefold() for name in names]
        if sheet.casefold() in folded:
            return folded.index(sheet.casefold())
        if not sheet.strip().isdigit():
            raise _no_sheet(f"no sheet named {sheet!r}", names, label)
        sheet = int(sheet)
    if isinstance(sheet, bool) or not 0 <= sheet < len(names):
        raise _no_sheet(f"no sheet number {sheet} (0-based)", names, label)
    return sheet


def _no_sheet(what: str, names: list[str], label: str) -> DataError:
    return DataError(
        f"{label} has {what}; its sheets are {_listed(names)}",
        hint="name a sheet from the list, or give its 0-based position (0 = first)",
    )


def _listed(names: list[str]) -> str:
    return ", ".join(f"{index}: {name!r}" for index, name in enumerate(names))
