"""The Value sheet: renewals against the index, with a native chart.

The chart shows the fitted probability of losing an account against the index
(a line, with its 95% band) and the observed rate of each index band (points);
without a model (the guard) only the band rates. The data stay in cells below the
tables, so the chart follows edits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.io.worksheet import write_workbook
from b2bcx.io.writers import atomic_path
from b2bcx.report.layout import (
    PVALUE,
    column_of,
    quote_formula_like_text,
    write_heading,
    write_lines,
    write_note,
    write_table,
    write_title,
)
from b2bcx.results import ReportInputs, ValueResult
from b2bcx.scoring.worth import left_out_lines, summary_lines

SHARE = "0.0%"
MONEY = "#,##0"
FORMATS = {
    "p": SHARE,
    "p_ci_low": SHARE,
    "p_ci_high": SHARE,
    "rate": SHARE,
    "rate_ci_low": SHARE,
    "rate_ci_high": SHARE,
    "predicted": SHARE,
    "observed": SHARE,
    "p_low": SHARE,
    "p_high": SHARE,
    "revenue": MONEY,
    "revenue_at_risk": MONEY,
    "index_eb": "0.0",
    "index_mean": "0.0",
}
MODEL_FORMATS = {
    "estimate": "0.000",
    "se": "0.000",
    "odds_ratio": "0.000",
    "or_ci_low": "0.000",
    "or_ci_high": "0.000",
    "p": PVALUE,
}
CHART_ROWS = 18
CURVE_SERIES = {
    "p": "fitted chance of loss",
    "p_ci_low": "95% CI, low",
    "p_ci_high": "95% CI, high",
}


def write_value_sheet(ws: Worksheet, inputs: ReportInputs) -> None:
    """The report's Value sheet (``report --renewals FILE``), or why it is empty.

    With a baseline the model is fitted on the baseline, the wave heard before
    the decisions, and applied to this wave's accounts.
    """
    if inputs.value is None:
        write_title(ws, 1, "Value: the index against renewals")
        write_note(ws, 3, inputs.value_note or "Not computed: no decisions file.")
        ws.column_dimensions["A"].width = 60
        return
    write_value(ws, inputs.value)


def write_value(ws: Worksheet, result: ValueResult) -> None:
    """The Value sheet: words, chart, summary, model, bands, calibration, accounts."""
    row = write_title(
        ws,
        1,
        "Value: the index against renewals",
        "An association in these accounts, not proof that the index causes renewals.",
    )
    row = write_lines(ws, row, summary_lines(result)) + 1
    chart_row, row = row, row + CHART_ROWS
    summary = pd.DataFrame(
        {
            "measure": list(result.summary),
            "value": [_cell(v) for v in result.summary.values()],
        }
    )
    row = write_heading(ws, row, "Summary")
    row = write_table(ws, summary, row, "ValueSummary")
    row = write_heading(ws, row, "Model (logistic regression of the event on index_eb)")
    row = write_table(
        ws, result.model, row, "ValueModel", MODEL_FORMATS, empty=result.note or "None."
    )
    row = write_heading(ws, row, "Lost or not renewed by index band (Wilson 95% CI)")
    bands_row = row
    row = write_table(ws, result.bands, row, "ValueBands", FORMATS)
    if not result.calibration.empty:
        row = write_heading(
            ws, row, "Calibration: observed against predicted by fifths of p"
        )
        row = write_table(ws, result.calibration, row, "ValueCalibration", FORMATS)
    title = (
        "Current accounts by revenue at risk"
        if result.summary.get("applied_to") == "current"
        else "Decided accounts by revenue at risk"
    )
    row = write_heading(ws, row, title)
    row = write_table(ws, result.accounts, row, "ValueAccounts", FORMATS)
    row = write_lines(ws, row, left_out_lines(result)) + 1
    curve_row = None
    if not result.curve.empty:
        row = write_heading(ws, row, "Chart data: fitted probability over the index")
        curve_row = row
        row = write_table(ws, result.curve, row, "ValueCurve", FORMATS)
    ws.add_chart(value_chart(ws, result, bands_row, curve_row), f"A{chart_row}")


def _cell(value: object) -> object:
    return "" if value is None else value


def value_chart(
    ws: Worksheet, result: ValueResult, bands_row: int, curve_row: int | None
) -> ScatterChart:
    """Fitted probability against the index (line) and observed band rates (points)."""
    chart = ScatterChart()
    chart.title = "Lost or not renewed against the index"
    chart.style = 2
    chart.width, chart.height = 16.0, 8.5
    chart.legend.position = "b"
    if curve_row is not None:
        last = curve_row + len(result.curve)
        x = Reference(
            ws,
            min_col=column_of(result.curve, "index_eb"),
            min_row=curve_row + 1,
            max_row=last,
        )
        for name, title in CURVE_SERIES.items():
            y = Reference(
                ws,
                min_col=column_of(result.curve, name),
                min_row=curve_row + 1,
                max_row=last,
            )
            series = Series(y, x, title=title)
            series.marker.symbol = "none"
            series.smooth = False
            if name != "p":
                series.graphicalProperties.line.dashStyle = "dash"
            chart.series.append(series)
    filled = result.bands["accounts"] > 0
    if filled.any():
        last = bands_row + len(result.bands)
        x = Reference(
            ws,
            min_col=column_of(result.bands, "index_mean"),
            min_row=bands_row + 1,
            max_row=last,
        )
        y = Reference(
            ws,
            min_col=column_of(result.bands, "rate"),
            min_row=bands_row + 1,
            max_row=last,
        )
        series = Series(y, x, title="observed rate by band")
        series.marker.symbol = "circle"
        series.marker.size = 9
        series.graphicalProperties.line.noFill = True
        chart.series.append(series)
    chart.x_axis.title = "index_eb (0-100)"
    chart.y_axis.title = "share lost or not renewed"
    chart.x_axis.scaling.min, chart.x_axis.scaling.max = 0, 100
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.y_axis.number_format = "0%"
    for axis in (chart.x_axis, chart.y_axis):
        axis.delete = False
    return chart


def write_value_workbook(result: ValueResult, path: str | Path) -> Path:
    """A workbook holding the Value sheet alone (``b2bcx value -o FILE.xlsx``), atomically."""
    workbook = Workbook()
    ws = workbook.active
    if not isinstance(ws, Worksheet):  # pragma: no cover - openpyxl always has one
        ws = workbook.create_sheet("Value")
    ws.title = "Value"
    write_value(ws, result)
    quote_formula_like_text(workbook)
    path = Path(path)
    with atomic_path(path) as temporary:
        write_workbook(temporary, workbook)
    return path
