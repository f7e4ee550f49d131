"""The Summary sheet: what an account manager reads in ten seconds, then the detail.

Top to bottom: the headline figures with their intervals and a chart of the index
by revenue tier beside them; revenue at risk by tier; the accounts at risk and the
biggest movers by name; the blind spots; then the reading and the detailed figures.
"""

from __future__ import annotations

from math import ceil
from pathlib import PurePath
from typing import Any

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import NumDataSource, NumRef
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.report.labels import header_labels
from b2bcx.report.layout import (
    set_formats,
    write_heading,
    write_note,
    write_table,
    write_title,
    write_wrapped,
)
from b2bcx.report.reading import reading
from b2bcx.report.summary import (
    COUNT,
    PERCENT,
    Figure,
    at_risk,
    baseline_change,
    blind_spots,
    headline,
    headline_note,
    movers,
    tier_table,
    top_figures,
)
from b2bcx.results import ReportInputs
from b2bcx.scoring import tables
from b2bcx.scoring.columns import MONEY, excel_formats
from b2bcx.scoring.ranking import MOVERS_NOTE, RANKING_NOTE, movers_count
from b2bcx.scoring.risk import BLIND_SPOT_WORDS

READING_WIDTH = 100
FIGURE_COLUMNS = ["measure", "value", "ci_low", "ci_high"]
SUMMARY_WIDTHS = {1: 44, 2: 22, 3: 13, 4: 13, 5: 13, 6: 13, 7: 13, 8: 30}
"""Column widths of the Summary, set last: every stacked table starts with a text
column (a measure, or the account's name and id) in A, numbers in B..G, the reasons
in words last; about 160 characters, one landscape page wide."""
SHOWN = 10  # accounts listed per section; the rest are on the Accounts sheet
CHART_COLUMN, CHART_ROWS, CHART_GAP = "F", 17, 0
CHART_WIDTH, CHART_HEIGHT = 14.0, 8.0
CHARACTERS_PER_UNIT = 1.1  # characters of text per unit of column width, roughly
LINE_HEIGHT = 15.0  # points per printed line at the workbook's font


def write_summary(ws: Worksheet, inputs: ReportInputs) -> None:
    """Fill the Summary sheet, top to bottom."""
    result = inputs.score
    table = tables.account_output(result)
    labels = header_labels(result.config)
    revenue = tables.account_revenue_column(result)
    money = {c: MONEY for c in (revenue, "revenue", "revenue_at_risk") if c}
    row = write_title(ws, 1, _title(inputs), _subtitle(inputs))
    top = row
    row = write_heading(ws, row, "Headline (95% intervals)")
    row = _figures(ws, row, top_figures(result, table), "Headline", labels)
    row = write_note(ws, row - 1, headline_note(result)) + 1
    tiers = tier_table(result, table)
    if len(tiers) > 1:
        row = max(row, top + CHART_ROWS)
        row = write_heading(ws, row, f"{_cut_title(tiers)}: index and revenue at risk")
        ws.add_chart(_tier_chart(ws, tiers, row), f"{CHART_COLUMN}{top}")
        row = write_table(
            ws,
            tiers,
            row,
            "Tiers",
            formats={
                **money,
                "share_at_risk": PERCENT,
                "margin": "0.0",
                "at_risk": "0",
            },
            labels={
                **labels,
                "group": "Accounts in",
                "accounts": "Accounts",
                "at_risk": "Accounts at risk",
                "revenue": "Revenue",
            },
        )
    risky = one_name(at_risk(result, table))
    row = write_heading(ws, row, _listed("Accounts at risk", risky, revenue))
    row = write_note(
        ws,
        row,
        "At risk: a decision maker is a detractor, the index fell significantly, or the "
        f"score is among the lowest {result.config.flags.low_score:.0%} "
        f"({RANKING_NOTE}).",
    )
    row = write_table(
        ws,
        risky.head(SHOWN),
        row,
        "At risk",
        formats={**excel_formats(list(risky.columns)), **money},
        empty="No account is at risk.",
        labels=labels,
    )
    page_break_before(ws, row)  # printed, page 1 is the headline and risks
    row = write_heading(
        ws, row, f"Biggest significant movers (top 5 up and down), {MOVERS_NOTE}"
    )
    if "delta" in result.accounts:
        count = movers_count(result.accounts)
        moved = (
            count.sentence()[:1].upper() + count.sentence()[1:]
            if count.compared and not count.testable
            else f"{count.significant} significant movers ({count.context()})"
        )
        row = write_note(ws, row, f"{moved}.")
    moved_table = one_name(movers(result))
    row = write_table(
        ws,
        moved_table,
        row,
        "Movers",
        formats=excel_formats(list(moved_table.columns)),
        empty=_no_movers(inputs),
        labels=labels,
    )
    blind = one_name(blind_spots(result, table))
    row = write_heading(ws, row, _listed("Blind spots", blind, revenue))
    row = write_note(
        ws,
        row,
        f"Not risks: the survey cannot speak for these accounts ({BLIND_SPOT_WORDS}). "
        "Widen the survey there.",
    )
    row = write_table(
        ws,
        blind.head(SHOWN),
        row,
        "Blind spots",
        formats={**excel_formats(list(blind.columns)), **money},
        empty="No blind spots.",
        labels=labels,
    )
    page_break_before(ws, row)
    row = write_heading(ws, row, "Reading")
    for sentence in reading(inputs):
        row = write_wrapped(ws, row, sentence, width=READING_WIDTH, bullet="•")
    row += 1
    row = write_heading(ws, row, "Key figures (95% intervals)")
    row = _figures(ws, row, headline(result), "Key figures", labels)
    _change(ws, row, inputs, labels)
    for column, width in SUMMARY_WIDTHS.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    for cells in ws.iter_rows(min_col=1, max_col=1):
        cells[0].alignment = Alignment(wrap_text=False, vertical="top")
    wrap_overlong_table_text(ws)


def page_break_before(ws: Worksheet, row: int) -> None:
    """Start a new printed page at ``row`` (an Excel row break sits after the row
    it names), so a section's heading prints on the page of its table."""
    ws.row_breaks.append(Break(id=row - 1))


def wrap_overlong_table_text(ws: Worksheet) -> None:
    """Wrap a table cell that would print clipped, and make its row tall enough.

    The Summary's stacked tables share its column widths, so a header or a
    measure can be longer than its column. Text runs over an empty cell beside
    it (the cell to its left when it is right-aligned), but is clipped when
    that cell holds a value, and in a table's header
    row; there it is wrapped, and its row given the height of the lines it
    takes (spreadsheet programs do not grow a row for wrapped text on their
    own). The reasons in a table's last column keep running over the empty
    cells beside them.
    """
    for table in ws.tables.values():
        rows = ws[table.ref]
        for cells in rows:
            for cell in cells:
                width = ws.column_dimensions[get_column_letter(cell.column)].width or 0
                text = cell.value
                if (
                    not isinstance(text, str)
                    or len(text) <= width * CHARACTERS_PER_UNIT
                ):
                    continue
                toward = -1 if cell.alignment.horizontal == "right" else 1
                beside = ws.cell(row=cell.row, column=cell.column + toward).value
                if beside is None and cells is not rows[0]:
                    continue
                kept = cell.alignment
                cell.alignment = Alignment(
                    horizontal=kept.horizontal,
                    vertical=kept.vertical if cells is rows[0] else "top",
                    indent=kept.indent,
                    wrap_text=True,
                )
                lines = ceil(len(text) / (width * CHARACTERS_PER_UNIT))
                height = ws.row_dimensions[cell.row].height or LINE_HEIGHT
                ws.row_dimensions[cell.row].height = max(height, lines * LINE_HEIGHT)
                if cells is not rows[0]:
                    _align_row_top(cells)


def _align_row_top(cells: tuple[Any, ...]) -> None:
    """A grown body row reads from its top: its value beside a two-line measure sat
    at the row's foot, a line below its label ("Significant after false discovery
    control (q ≤ 0.05)" then, under it, 16)."""
    for cell in cells:
        kept = cell.alignment
        cell.alignment = Alignment(
            horizontal=kept.horizontal,
            vertical="top",
            indent=kept.indent,
            wrap_text=kept.wrap_text,
        )


def one_name(frame: pd.DataFrame) -> pd.DataFrame:
    """``account`` and ``name`` as one text column, "Name (id)" (the id alone without a name)."""
    if "name" not in frame or frame.empty:
        return frame
    names = frame["name"].astype("string").fillna("").str.strip()
    ids = frame["account"].astype(str)
    joined = [
        f"{n} ({i})" if n and n != i else i for n, i in zip(names, ids, strict=True)
    ]
    return frame.drop(columns=["name"]).assign(account=joined)


def _cut_title(tiers: pd.DataFrame) -> str:
    groups = [g for g in tiers["group"] if g != "Portfolio"]
    return (
        "By revenue tier" if groups and groups[0].startswith("Tier ") else "By segment"
    )


def _listed(title: str, rows: pd.DataFrame, revenue: str | None) -> str:
    order = "most revenue first" if revenue else "lowest score first"
    if len(rows) > SHOWN:
        return f"{title}: {SHOWN} of {len(rows)}, {order} (all on the Accounts sheet)"
    return f"{title}: {len(rows)}, {order}"


def _tier_chart(ws: Worksheet, tiers: pd.DataFrame, header: int) -> BarChart:
    """A native bar chart of the index per tier with 95% error bars.

    It reads the tier table written with its header at row ``header``.
    """
    column = (
        1  # the tier table written below ``header``: group, accounts, index, margin
    )
    last = header + len(tiers)
    chart = BarChart()
    chart.type = "col"
    chart.title = "Account CX index by tier (95% intervals)"
    chart.style = 10
    chart.height, chart.width = CHART_HEIGHT, CHART_WIDTH
    values = Reference(ws, min_col=column + 2, min_row=header, max_row=last)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(
        Reference(ws, min_col=column, min_row=header + 1, max_row=last)
    )
    series = chart.series[0]
    margins = _numbers(ws, column + 3, header + 1, last)
    series.errBars = ErrorBars(
        errDir="y",
        errBarType="both",
        errValType="cust",
        noEndCap=False,
        plus=margins,
        minus=margins,
    )
    series.dLbls = DataLabelList()
    series.dLbls.showVal = True
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(series.dLbls, flag, False)
    series.dLbls.numFmt = "0.0"
    series.dLbls.position = "inBase"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.y_axis.title = "CX index (0-100)"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend = None
    return chart


def _numbers(ws: Worksheet, column: int, first: int, last: int) -> NumDataSource:
    letter = get_column_letter(column)
    return NumDataSource(
        numRef=NumRef(
            f=f"{quote_sheetname(ws.title)}!${letter}${first}:${letter}${last}"
        )
    )


def _title(inputs: ReportInputs) -> str:
    wave = inputs.score.wave
    return f"B2B CX report: {wave}" if wave else "B2B CX report"


def _subtitle(inputs: ReportInputs) -> str:
    result = inputs.score
    parts = []
    if result.baseline_wave:
        parts.append(f"compared with {result.baseline_wave}")
    elif "delta" in result.accounts:
        parts.append("compared with the baseline export")
    if result.files:
        names = ", ".join(PurePath(f).name for f in result.files)
        parts.append(f"from {names}")
    parts.append(f"b2bcx {inputs.version}; method and inputs on the Method sheet")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _figures(
    ws: Worksheet,
    row: int,
    figures: list[Figure],
    name: str,
    labels: dict[str, str],
) -> int:
    table = pd.DataFrame(
        [(f.measure, f.value, f.ci_low, f.ci_high) for f in figures],
        columns=FIGURE_COLUMNS,
    )
    if table["ci_low"].isna().all():
        table = table.drop(columns=["ci_low", "ci_high"])
    end = write_table(ws, table, row, name, labels=labels)
    bounded = "ci_low" in table
    for offset, figure in enumerate(figures, start=1):
        formats = {2: figure.number_format}
        if bounded and figure.ci_low is not None:  # the interval reads as its value
            formats |= {3: figure.number_format, 4: figure.number_format}
        set_formats(ws, row + offset, formats)
        ws.cell(row=row + offset, column=2).alignment = Alignment(horizontal="right")
    return end


def _change(
    ws: Worksheet, row: int, inputs: ReportInputs, labels: dict[str, str]
) -> int:
    result = inputs.score
    since = result.baseline_wave or "the baseline"
    row = write_heading(ws, row, f"Change vs {since}")
    figures = baseline_change(result)
    if not figures:
        return write_note(ws, row, _no_baseline(inputs)) + 1
    row = write_note(
        ws,
        row,
        "Accounts heard in both waves; tested like for like over the roles heard in "
        'both (the Accounts sheet\'s "Change, same roles"; t test, significant when '
        "p < 0.05); "
        "false discovery control by Benjamini–Hochberg over the testable accounts.",
    )
    return _figures(ws, row, figures, "Baseline change", labels)


def _no_baseline(inputs: ReportInputs) -> str:
    if "delta" in inputs.score.accounts:
        return "No account was scored in both waves."
    return "No baseline: run with --baseline PREVIOUS_EXPORT to see the change."


def _no_movers(inputs: ReportInputs) -> str:
    if "delta" not in inputs.score.accounts:
        return "No baseline, so no movers."
    count = movers_count(inputs.score.accounts)
    if count.compared and not count.testable:
        return f"None of the {count.compared} accounts in both waves could be tested."
    return f"No account moved significantly ({count.context()})."


__all__ = ["COUNT", "write_summary"]
