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
    return Cells(frame, formula_warnings(path, label, index)), names[index]


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
