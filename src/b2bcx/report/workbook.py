"""The full ``b2bcx report`` workbook: sheets in order, written atomically.

Example
-------
>>> from b2bcx.report.workbook import ReportInputs, write_report
>>> write_report(ReportInputs(score=result), "acme_report.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.errors import UsageError
from b2bcx.io.worksheet import assert_worksheet, write_workbook
from b2bcx.io.writers import atomic_path, check_writable
from b2bcx.report.layout import quote_formula_like_text
from b2bcx.report.sheets_analyses import write_drivers, write_factors
from b2bcx.report.sheets_change import write_change, write_trend_sheet
from b2bcx.report.sheets_method import write_method
from b2bcx.report.sheets_summary import write_summary
from b2bcx.report.sheets_tables import (
    write_accounts,
    write_chase,
    write_data_quality,
    write_lifecycle,
    write_respondents,
    write_roles,
    write_segments,
)
from b2bcx.report.sheets_value import write_value_sheet
from b2bcx.results import InputFile, ReportInputs

__all__ = ["SHEETS", "InputFile", "ReportInputs", "build_report", "write_report"]

SheetWriter = Callable[[Worksheet, ReportInputs], object]
SHEETS: tuple[tuple[str, SheetWriter], ...] = (
    ("Summary", write_summary),
    ("Accounts", write_accounts),
    ("Chase", write_chase),
    ("Pillars by role", write_roles),
    ("Segments", write_segments),
    ("Lifecycle", write_lifecycle),
    ("Change", write_change),
    ("Trend", write_trend_sheet),
    ("Factors", write_factors),
    ("Drivers", write_drivers),
    ("Value", write_value_sheet),
    ("Respondents", write_respondents),
    ("Data quality", write_data_quality),
    ("Method", write_method),
)


def sheet_names(inputs: ReportInputs) -> list[str]:
    """The sheets a report holds, in order (Respondents only when included,
    Value only with renewals, Change only with a baseline)."""
    left_out = set()
    if not inputs.include_respondents:
        left_out.add("Respondents")
    if inputs.value is None and not inputs.value_note:
        left_out.add("Value")
    if inputs.change is None:
        left_out.add("Change")
    if inputs.trend is None:
        left_out.add("Trend")
    return [name for name, _ in SHEETS if name not in left_out]


def build_report(inputs: ReportInputs) -> Workbook:
    """Build the workbook in memory.

    Parameters
    ----------
    inputs : the score, factor and driver results and where they came from.

    Returns
    -------
    openpyxl.Workbook
        Sheets: Summary, Accounts, Chase, Pillars by role, Segments, Lifecycle,
        Change (with a baseline), Factors, Drivers, Value (with renewals),
        Respondents (unless ``include_respondents`` is False), Data
        quality, Method. Text from the data is always stored as text, never as a
        formula. The same inputs give the same cell values.
    """
    workbook = Workbook()
    first = workbook.active
    assert_worksheet(first)
    workbook.remove(first)  # type: ignore[arg-type]
    wanted = set(sheet_names(inputs))
    for name, write in SHEETS:
        if name in wanted:
            sheet = workbook.create_sheet(name)
            write(sheet, inputs)
            print_for_people(sheet)
    quote_formula_like_text(workbook)
    workbook.properties.creator = f"b2bcx {inputs.version}"
    if inputs.run_time is not None:
        workbook.properties.created = inputs.run_time.replace(tzinfo=None)
    return workbook


PAGE_WIDTH = 165
"""Column-width units (characters) one landscape A4 or Letter page holds at a readable
scale (about 27 cm at 0.165 cm per character)."""
WIDE_SCALE = 80
"""Print scale of a sheet wider than a page: 80% keeps an 11 pt font at 9 pt."""


def print_for_people(ws: Worksheet) -> None:
    """Printed, a sheet reads on paper: landscape, then one page wide when it fits.

    A sheet no wider than :data:`PAGE_WIDTH` at :data:`WIDE_SCALE`% is fitted to the
    page width (as long as it needs), and so is a sheet with charts, which pages
    would cut. A wider one (the Accounts sheet's 40 columns) prints at
    :data:`WIDE_SCALE`% across several pages, each repeating the header row and the
    id (and name) columns, instead of shrinking to an unreadable page.
    """
    ws.page_setup.orientation = "landscape"
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    width = sum(
        ws.column_dimensions[get_column_letter(c)].width or 8.43
        for c in range(1, (ws.max_column or 1) + 1)
    )
    header = _lone_table_header(ws)
    if header > 1:  # one table under its notes (Chase): its header on every page
        ws.print_title_rows = f"{header}:{header}"
    # up to a page at WIDE_SCALE% the sheet is fitted: at that scale it should fit
    # anyway, but spreadsheet programs measure columns a little wider, and printed two
    # pages wide the Change sheet's chart was cut in half and the Chase sheet's last
    # three columns went to pages of their own
    # a sheet with charts is fitted too: across pages, a chart is cut (Drivers)
    if width <= PAGE_WIDTH * 100 / WIDE_SCALE or ws.title == "Summary" or ws._charts:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        return
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = WIDE_SCALE
    named = str(ws.cell(row=1, column=2).value or "").strip().lower() == "name"
    ws.print_title_cols = "A:B" if named else "A:A"
    if header <= 1 and ws.cell(row=1, column=1).font.b and ws.freeze_panes:
        ws.print_title_rows = "1:1"  # a table from A1


def _lone_table_header(ws: Worksheet) -> int:
    """The header row of the sheet's only Excel table (0 without exactly one, or
    with a chart: print titles repeat on every page, a chart's page too)."""
    refs = list(ws.tables.values())
    if len(refs) != 1 or ws._charts:
        return 0
    ref = refs[0] if isinstance(refs[0], str) else refs[0].ref
    return int(range_boundaries(ref)[1] or 0)


def write_report(inputs: ReportInputs, path: str | Path) -> Path:
    """Build the workbook and write it to ``path`` (``.xlsx``) atomically.

    The workbook is saved to a temporary file beside ``path`` and moved into place,
    so a failed run leaves no partial file and keeps any previous report intact.

    Raises
    ------
    UsageError
        When ``path`` does not end in ``.xlsx`` or its folder does not exist.
    """
    path = Path(path)
    check_report_path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(
            f"cannot write the workbook to {path.name}: it must end in .xlsx",
            hint="pass -o REPORT.xlsx",
        )
    workbook = build_report(inputs)
    with atomic_path(path) as temporary:
        write_workbook(temporary, workbook, inputs.run_time)
    return path


REPORT_SUFFIXES = (".xlsx", ".html", ".htm")
"""``b2bcx report`` writes the workbook (.xlsx) or the HTML report (.html)."""


def check_report_path(path: Path) -> None:
    """A report path must end in ``.xlsx`` or ``.html`` and its folder must exist."""
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise UsageError(
            f"cannot write the report to {path.name}: it must end in .xlsx or .html",
            hint="pass -o REPORT.xlsx (the workbook) or -o REPORT.html (one page for a browser)",
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    check_writable(path)
