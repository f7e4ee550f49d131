"""The Factors and Drivers sheets, with a native importance-performance chart."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel, StrRef
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.report.labels import HEADERS, pretty
from b2bcx.report.layout import (
    PVALUE,
    column_of,
    column_past,
    write_heading,
    write_lines,
    write_note,
    write_table,
)
from b2bcx.report.reading import role_name
from b2bcx.results import DriverAnalysis, FactorResult, ReportInputs

FACTOR_FORMATS = {
    "n": "#,##0",
    "count": "#,##0",
    "p": PVALUE,
    "q": PVALUE,
    "p_omnibus": PVALUE,
    "statistic": "0.00",
    "effect": "0.000",
    "direction": "+0.000;-0.000;0.000",
}
DRIVER_FORMATS = {
    "importance": "0.000",
    "ci_low": "0.000",
    "ci_high": "0.000",
    "r2": "0.000",
    "n": "#,##0",
}
ALL = "all"
TEST_WORDS = {
    "cochran_armitage_exact": "Cochran–Armitage trend test (exact)",
    "cochran_armitage_asymptotic": "Cochran–Armitage trend test (large sample)",
    "none": "not testable",
}
"""The Factors sheet's test column in words (it printed the ids,
``cochran_armitage_asymptotic``); the method note below the table names them so."""
METHOD_NAMES = {"rwa": "Johnson's relative weights", "shapley": "Shapley / LMG"}
QUADRANT_GUIDE = (
    "Chart: importance (x, % of R²) against performance (y, mean score); the axes "
    "cross at the means. Lower right = fix first, upper right = maintain, "
    "lower left = monitor, upper left = possible overkill."
)
CHART_WIDTH, CHART_HEIGHT, CHART_ROWS = 14.0, 8.5, 18
PALETTE = (
    "1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD",
    "8C564B", "E377C2", "7F7F7F", "BCBD22", "17BECF",
)  # fmt: skip


def write_factors(ws: Worksheet, inputs: ReportInputs) -> None:
    """The factor screening table, then groups and the method in words."""
    result = inputs.factors
    if result is None:
        write_note(ws, 1, inputs.factors_note or "Factor screening was not run.")
        ws.column_dimensions["A"].width = 60
        return
    table = result.table
    if "test" in table:
        table = table.assign(test=table["test"].map(lambda t: TEST_WORDS.get(t, t)))
    row = write_table(
        ws,
        table,
        1,
        "Factors",
        FACTOR_FORMATS,
        "No factors.",
        labels={**HEADERS, "role": "Role"},
    )
    ws.freeze_panes = "B2"
    write_factor_notes(ws, row, result)


def write_factor_notes(ws: Worksheet, row: int, result: FactorResult) -> int:
    """Experience groups and the method note below the factor table."""
    groups = ", ".join(f"{g} {n:,}" for g, n in result.groups.items())
    row = write_heading(ws, row, "Experience groups")
    row = write_note(
        ws, row, f"{groups}; without a group (left out): {result.ungrouped:,}."
    )
    row = write_heading(ws, row + 1, "Method")
    return write_lines(ws, row, textwrap.wrap(result.method, width=130))


def write_drivers(ws: Worksheet, inputs: ReportInputs) -> None:
    """One driver table (overall rows first, role ``all``), then a chart per role."""
    overall, by_role = inputs.drivers, inputs.drivers_by_role
    if overall is None:
        write_note(ws, 1, inputs.drivers_note or "Key drivers were not computed.")
        ws.column_dimensions["A"].width = 60
        return
    row = write_heading(ws, 1, _title(overall))
    row = write_note(ws, row, _model_note(overall))
    for warning in overall.warnings:
        row = write_note(ws, row, f"Warning: {warning}.")
    if inputs.drivers_note:
        row = write_note(ws, row, inputs.drivers_note)
    for line in textwrap.wrap(QUADRANT_GUIDE, width=100):
        row = write_note(ws, row, line)
    table = driver_table(overall, by_role)
    charts_at = row + 1
    header = charts_at + CHART_ROWS * (-(-len(_chart_blocks(table, 0)) // 2))
    labels = {**HEADERS, "label": "Driver", "published": "Published priority"}
    write_table(
        ws, _readable_roles(table), header, "Drivers", DRIVER_FORMATS, labels=labels
    )
    _place_charts(ws, _chart_blocks(table, header), charts_at)


def driver_table(
    overall: DriverAnalysis, by_role: DriverAnalysis | None
) -> pd.DataFrame:
    """Overall rows (``role`` = ``all``) followed by the by-role rows."""
    first = overall.table.assign(role=ALL)
    columns = ["role", *overall.table.columns]
    if by_role is None:
        return first[columns].reset_index(drop=True)
    columns += [c for c in by_role.table.columns if c not in columns]
    table = pd.concat([first, by_role.table], ignore_index=True)
    return table[columns]


def _chart_blocks(
    table: pd.DataFrame, header_row: int
) -> list[tuple[int, pd.DataFrame, str]]:
    """(row above the block's first data row, block rows, chart title) per role.

    Roles with too few respondents for any importance get no chart.
    """
    blocks = []
    for role, part in table.groupby("role", sort=False):
        title = "All respondents" if role == ALL else role_name(str(role)).capitalize()
        offset = int(part.index[0])
        if _plottable(part):
            blocks.append((header_row + offset, part.reset_index(drop=True), title))
    return blocks


def _title(analysis: DriverAnalysis) -> str:
    outcome = "NPS" if analysis.outcome == "nps" else analysis.outcome
    method = METHOD_NAMES.get(analysis.method, analysis.method)
    return f"Key drivers of {outcome}: {method}, bootstrap 95% intervals"


def _model_note(analysis: DriverAnalysis) -> str:
    return (
        f"All respondents: R² {analysis.r2:.3f} from {analysis.n:,} complete cases "
        f"({analysis.dropped:,} left out for a missing pillar or outcome); "
        f"the bootstrap resamples {analysis.resampled}."
    )


def _plottable(part: pd.DataFrame) -> bool:
    """At least one driver with a finite importance and performance (no NaN in XML)."""
    points = part[["importance_pct", "performance"]].astype(float)
    return bool(np.isfinite(points).all(axis=1).any())


def _place_charts(
    ws: Worksheet, charts: list[tuple[int, pd.DataFrame, str]], first_row: int
) -> None:
    """Charts two to a row above the table, where they are seen first."""
    second = column_past(ws, CHART_WIDTH + 0.5)
    for i, (header_row, table, title) in enumerate(charts):
        chart = quadrant_chart(ws, table, header_row, title)
        column = 1 if i % 2 == 0 else second
        row = first_row + (i // 2) * CHART_ROWS
        ws.add_chart(chart, f"{get_column_letter(column)}{row}")


def _readable_roles(table: pd.DataFrame) -> pd.DataFrame:
    """Role ids as words (``decision_maker`` -> ``Decision maker``); ``all`` stays."""
    out = table.copy()
    out["role"] = out["role"].map(lambda r: r if r == ALL else pretty(str(r)))
    return out


def quadrant_chart(
    ws: Worksheet, table: pd.DataFrame, header_row: int, title: str
) -> ScatterChart:
    """A native scatter chart, one labelled series per driver.

    ``table`` holds the driver rows as written below ``header_row`` (the row above
    the first of them), with the ``label``, ``importance_pct`` and ``performance``
    columns; the data stay in the cells, so the chart follows edits.
    """
    chart = ScatterChart()
    chart.title = title
    chart.style = 2
    chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT
    chart.legend.position = "b"
    x_col, y_col = column_of(table, "importance_pct"), column_of(table, "performance")
    label = get_column_letter(column_of(table, "label"))
    positions = label_positions(table)
    for i in range(len(table)):
        series = _driver_series(ws, header_row + 1 + i, x_col, y_col, label)
        series.dLbls.position = positions[i]
        _colour(series, PALETTE[i % len(PALETTE)])
        chart.series.append(series)
    _axes(chart, table)
    return chart


def _driver_series(
    ws: Worksheet, row: int, x_col: int, y_col: int, label: str
) -> Series:
    x = Reference(ws, min_col=x_col, min_row=row)
    y = Reference(ws, min_col=y_col, min_row=row)
    series = Series(y, x)
    series.tx = SeriesLabel(
        strRef=StrRef(f"{quote_sheetname(ws.title)}!${label}${row}")
    )
    series.marker.symbol = "circle"
    series.marker.size = 9
    series.graphicalProperties.line.noFill = True
    series.smooth = False
    series.dLbls = DataLabelList()
    series.dLbls.showSerName = True
    for flag in ("showVal", "showCatName", "showLegendKey", "showPercent"):
        setattr(series.dLbls, flag, False)
    series.dLbls.position = "r"
    return series


def label_positions(table: pd.DataFrame) -> list[str]:
    """Where each point's label goes (right, left, above, below) so no two overlap.

    Labels are boxes about 6 points per character wide and 12 high beside their
    point, on a plot area of the chart's size over the axes' ranges; from the
    highest point down, each takes the first side whose box meets no label placed
    so far (right when none is free).
    """
    x = table["importance_pct"].astype(float).to_numpy()
    y = table["performance"].astype(float).to_numpy()
    names = [str(n) for n in table["label"]]
    if not len(x):
        return []
    width_pt, height_pt = CHART_WIDTH * 28.35 * 0.75, CHART_HEIGHT * 28.35 * 0.7
    x_max = _ceil(float(np.nanmax(x)) * 1.15, 5) or 1.0
    y_min = _floor(float(np.nanmin(y)) - 5, 5)
    y_span = (_ceil(float(np.nanmax(y)) + 5, 5) - y_min) or 1.0
    placed: list[tuple[float, float, float, float]] = []
    out = ["r"] * len(x)
    for i in sorted(range(len(x)), key=lambda k: (-y[k], x[k])):
        if not (math.isfinite(x[i]) and math.isfinite(y[i])):
            continue
        px = x[i] / x_max * width_pt
        py = (y[i] - y_min) / y_span * height_pt
        w, h = 6.0 * len(names[i]), 12.0
        boxes = {
            "r": (px + 6, px + 6 + w, py - h / 2, py + h / 2),
            "l": (px - 6 - w, px - 6, py - h / 2, py + h / 2),
            "t": (px - w / 2, px + w / 2, py + 6, py + 6 + h),
            "b": (px - w / 2, px + w / 2, py - 6 - h, py - 6),
        }
        for side, (left, right, bottom, top) in boxes.items():
            if not any(
                left < pr and pl < right and bottom < pt and pb < top
                for pl, pr, pb, pt in placed
            ):
                out[i] = side
                placed.append(boxes[side])
                break
        else:
            placed.append(boxes["r"])
    return out


def _colour(series: Series, colour: str) -> None:
    series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
    series.marker.graphicalProperties.line.solidFill = colour


def _axes(chart: ScatterChart, table: pd.DataFrame) -> None:
    importance = table["importance_pct"].astype(float)
    performance = table["performance"].astype(float)
    chart.x_axis.title = "Importance (% of R²)"
    chart.y_axis.title = "Performance (0-100)"
    chart.x_axis.scaling.min = 0
    chart.x_axis.scaling.max = _ceil(importance.max() * 1.15, 5)
    chart.y_axis.scaling.min = _floor(performance.min() - 5, 5)
    chart.y_axis.scaling.max = _ceil(performance.max() + 5, 5)
    chart.x_axis.number_format = chart.y_axis.number_format = "0"
    chart.y_axis.crossesAt = float(importance.mean())
    chart.x_axis.crossesAt = float(performance.mean())
    for axis in (chart.x_axis, chart.y_axis):
        axis.delete = False
        axis.tickLblPos = "low"
        axis.majorGridlines = None


def _ceil(value: float, step: float) -> float:
    return step * math.ceil(value / step) if math.isfinite(value) else 100.0


def _floor(value: float, step: float) -> float:
    return max(step * math.floor(value / step), 0.0) if math.isfinite(value) else 0.0
