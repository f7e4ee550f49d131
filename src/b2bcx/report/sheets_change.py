"""The Change sheet: why the portfolio moved, as a waterfall, and where accounts went."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.io.worksheet import assert_worksheet
from b2bcx.report.labels import pretty
from b2bcx.report.layout import (
    PVALUE,
    write_heading,
    write_note,
    write_table,
    write_title,
)
from b2bcx.results import ChangeResult, ReportInputs, TrendResult
from b2bcx.scoring.columns import excel_formats, nps_formats
from b2bcx.stats.change import waterfall_bars
from b2bcx.stats.order import shown, sort_accounts

PART_LABELS = {
    "continuing": "Accounts heard in both waves",
    "weight_mix": "Their weights",
    "entered": "Accounts that entered",
    "left": "Accounts that left",
}
NEUTRAL, RISE, FALL = "7F7F7F", "4C9A6A", "C0504D"


def waterfall_table(result: ChangeResult) -> pd.DataFrame:
    """The bars of the waterfall (:func:`b2bcx.stats.change.waterfall_bars`)."""
    parts = result.parts.set_index("part")["change"]
    steps = {label: float(parts[part]) for part, label in PART_LABELS.items()}
    return waterfall_bars(
        float(result.parts.attrs["before"]), steps, float(result.parts.attrs["after"])
    )


def write_change(ws: Worksheet, inputs: ReportInputs) -> None:
    """The waterfall of the index change, the NPS split, migration and movers."""
    if inputs.change is None:
        write_title(ws, 1, "Change")
        write_note(
            ws, 3, "No baseline: give --baseline PREV (or an export with two waves)."
        )
        return
    _write_change_result(ws, inputs.change)


RATE_MIX_HEADERS = {"nps_before": "NPS before", "nps_after": "NPS after"}
"""The rate-and-mix table's NPS columns (they read "Nps before", "Nps after")."""


def _write_change_result(ws: Worksheet, result: ChangeResult) -> None:
    before, after = result.parts.attrs["before"], result.parts.attrs["after"]
    row = write_title(
        ws,
        1,
        "Why the portfolio moved",
        f"Portfolio CX index {shown(before)} → {shown(after)} "
        f"({shown(after - before, signed=True)}); "
        "the four parts add up to the change exactly (the Method sheet says how).",
    )
    parts = result.parts.assign(
        part=result.parts["part"].map(lambda p: PART_LABELS.get(p, "Total"))
    )
    row = write_table(
        ws,
        parts,
        row,
        "Change parts",
        formats={"change": "+0.00;-0.00;0.00", "revenue": "#,##0", "accounts": "#,##0"},
    )
    bars = waterfall_table(result)
    chart_row = row
    row = write_table(
        ws,
        bars,
        row,
        "Waterfall data",
        formats={c: "0.00" for c in ("base", "level", "rise", "fall")},
    )
    _waterfall_chart(ws, bars, chart_row)
    row = max(row, chart_row + 18)
    row = write_heading(ws, row, f"Respondent NPS by {pretty(result.by).lower()}")
    totals = result.rate_mix_total
    row = write_note(
        ws,
        row,
        f"The respondent NPS moved {shown(totals['total'], signed=True)}: "
        f"{shown(totals['rate'], signed=True)} from the groups' own NPS, "
        f"{shown(totals['mix'], signed=True)} from the mix of who answered.",
    )
    rate_mix = result.rate_mix.copy()
    if result.by == "role" and "group" in rate_mix:  # role ids, as Pillars by role
        rate_mix["group"] = rate_mix["group"].map(pretty)
    row = write_table(
        ws,
        rate_mix,
        row,
        "NPS rate and mix",
        formats={
            "share_before": "0%",
            "share_after": "0%",
            **nps_formats(list(rate_mix.columns)),
        },
        labels=RATE_MIX_HEADERS | {"group": pretty(result.by)},
    )
    row = write_heading(
        ws, row, "Accounts between bands of the shrunk index (rows: baseline)"
    )
    test = result.stuart_maxwell
    if test["statistic"] == test["statistic"]:
        row = write_note(
            ws,
            row,
            f"Stuart–Maxwell test that the bands' totals stayed the same: "
            f"χ² {shown(test['statistic'], 2)} on {int(test['df'])} df, "
            f"p {shown(test['p'], 4)}.",
        )
    row = write_table(
        ws,
        result.migration,
        row,
        "Migration",
        formats={c: "#,##0" for c in result.migration.columns if c != "from"},
    )
    row = write_heading(ws, row, "Revenue between bands")
    row = write_table(
        ws,
        result.migration_revenue,
        row,
        "Migration revenue",
        formats={c: "#,##0" for c in result.migration_revenue.columns if c != "from"},
    )
    row = write_heading(ws, row, "Accounts in both waves, largest fall first")
    row = write_note(
        ws,
        row,
        "Change expected from regression to the mean: what a thin account far from the "
        "mean would drift by with nothing changed.",
    )
    write_table(
        ws,
        result.accounts,
        row,
        "Change by account",
        formats=excel_formats(list(result.accounts.columns)),
    )


def _waterfall_chart(ws: Worksheet, bars: pd.DataFrame, header_row: int) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Why the portfolio CX index moved"
    chart.y_axis.title = "CX index"
    chart.y_axis.scaling.min = float(bars.attrs["floor"])
    chart.legend = None
    first, last = header_row + 1, header_row + len(bars)
    data = Reference(ws, min_col=2, max_col=5, min_row=header_row, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    colours = (None, NEUTRAL, RISE, FALL)
    for series, colour in zip(chart.series, colours, strict=True):
        series.graphicalProperties = GraphicalProperties()
        if colour is None:
            series.graphicalProperties.noFill = True
            series.graphicalProperties.line.noFill = True
        else:
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
    chart.width, chart.height = 16.0, 8.0
    ws.add_chart(chart, f"H{header_row}")


TREND_ACCOUNTS = 5  # the fastest-falling accounts drawn beside the portfolio


def write_trend_sheet(ws: Worksheet, inputs: ReportInputs) -> None:
    """The Trend sheet of the report (``--history``): :func:`write_trend`."""
    if inputs.trend is not None:
        write_trend(ws, inputs.trend)


def write_trend(ws: Worksheet, result: TrendResult) -> None:
    """The portfolio index by wave with its interval, the fastest-falling accounts
    as lines beside it, and every account's slope."""
    slope = result.portfolio_slope
    row = write_title(
        ws,
        1,
        "Where the accounts are heading",
        f"Portfolio trend {shown(slope['slope'], 2, True)} points per wave (95% CI "
        f"{shown(slope['ci_low'], 2, True)} to {shown(slope['ci_high'], 2, True)}; "
        "errors clustered by "
        "account; the Method sheet says how).",
    )
    falling = sort_accounts(
        result.accounts[result.accounts["slope"].notna()], ["slope_eb"], [True]
    ).head(TREND_ACCOUNTS)
    lines = result.portfolio[["wave", "index", "ci_low", "ci_high"]].rename(
        columns={"index": "portfolio"}
    )
    for record in falling.to_dict(orient="records"):
        lines[str(record["account"])] = [record.get(w) for w in result.waves]
    chart_row = row
    row = write_table(
        ws, lines, row, "Trend by wave", formats={c: "0.0" for c in lines.columns[1:]}
    )
    _trend_chart(ws, lines, chart_row)
    row = max(row, chart_row + 18)
    row = write_heading(ws, row, "Accounts heard in 3+ waves, falling fastest first")
    table = sort_accounts(result.accounts, ["slope_eb"], [True], na_position="last")
    write_table(
        ws,
        table,
        row,
        "Trend by account",
        formats={
            "slope": "+0.00;-0.00;0.00",
            "slope_se": "0.00",
            "slope_eb": "+0.00;-0.00;0.00",
            "slope_reliability": "0.00",
            "waves": "0",
            "p_slope": PVALUE,
            "q_slope": PVALUE,
            **{w: "0.0" for w in result.waves},
        },
    )


def _trend_chart(ws: Worksheet, lines: pd.DataFrame, header_row: int) -> None:
    chart = LineChart()
    chart.title = "CX index by wave: the portfolio and the fastest-falling accounts"
    chart.y_axis.title = "CX index"
    chart.x_axis.title = "Wave"
    last = header_row + len(lines)
    columns = [i + 1 for i, c in enumerate(lines.columns) if c not in ("wave",)]
    for column in columns:
        data = Reference(ws, min_col=column, min_row=header_row, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last))
    for series, name in zip(chart.series, lines.columns[1:], strict=True):
        series.smooth = False
        if name == "portfolio":
            series.graphicalProperties.line.solidFill = "404040"
            series.graphicalProperties.line.width = 38100
        elif name in ("ci_low", "ci_high"):
            series.graphicalProperties.line.solidFill = "A6A6A6"
            series.graphicalProperties.line.dashStyle = "dash"
    chart.width, chart.height = 18.0, 9.0
    ws.add_chart(chart, f"J{header_row}")


def change_workbook(result: ChangeResult) -> Workbook:
    """``b2bcx change -o FILE.xlsx``: the Change sheet on its own."""
    return _one_sheet("Change", lambda ws: _write_change_result(ws, result))


def trend_workbook(result: TrendResult) -> Workbook:
    """``b2bcx trend -o FILE.xlsx``: the Trend sheet on its own."""
    return _one_sheet("Trend", lambda ws: write_trend(ws, result))


def _one_sheet(name: str, write: Callable[[Worksheet], None]) -> Workbook:
    workbook = Workbook()
    ws = workbook.active
    assert_worksheet(ws)
    ws.title = name
    write(ws)
    ws.page_setup.orientation = "landscape"  # printed as wide as a landscape page
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook
