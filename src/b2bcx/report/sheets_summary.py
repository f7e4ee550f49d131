"""The Summary sheet: headline figures, change, movers, at-risk accounts, a reading."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.report.layout import (
    set_formats,
    widen,
    write_heading,
    write_note,
    write_table,
    write_title,
    write_wrapped,
)
from b2bcx.report.reading import reading
from b2bcx.report.summary import (
    SIGNED,
    Figure,
    at_risk,
    baseline_change,
    headline,
    movers,
)
from b2bcx.results import ReportInputs
from b2bcx.scoring.ranking import MOVERS_NOTE, RANKING_NOTE, movers_count

READING_WIDTH = 100
FIGURE_COLUMNS = ["measure", "value", "ci_low", "ci_high"]
SUMMARY_WIDTHS = {1: 44, 2: 12, 3: 10, 4: 10, 5: 10, 6: 60, 7: 8}


def write_summary(ws: Worksheet, inputs: ReportInputs) -> None:
    """Fill the Summary sheet, top to bottom."""
    result = inputs.score
    row = write_title(ws, 1, _title(inputs), _subtitle(inputs))
    row = write_heading(ws, row, "Reading")
    for sentence in reading(inputs):
        row = write_wrapped(ws, row, sentence, width=READING_WIDTH, bullet="•")
    row += 1
    row = write_heading(ws, row, "Key figures (95% intervals)")
    row = _figures(ws, row, headline(result), "Key figures")
    row = _change(ws, row, inputs)
    row = write_heading(
        ws, row, f"Biggest significant movers (top 5 up and down), {MOVERS_NOTE}"
    )
    if "delta" in result.accounts:
        count = movers_count(result.accounts)
        row = write_note(
            ws, row, f"{count.significant} significant movers ({count.context()})."
        )
    row = write_table(
        ws,
        movers(result),
        row,
        "Movers",
        formats={"delta": SIGNED, "reliability": "0.00", "q_change": "0.000"},
        empty=_no_movers(inputs),
    )
    row = write_heading(
        ws, row, f"At-risk accounts (flagged), lowest first, {RANKING_NOTE}"
    )
    write_table(
        ws,
        at_risk(result),
        row,
        "At risk",
        formats={"delta": SIGNED, "reliability": "0.00"},
        empty="No account is flagged.",
    )
    widen(ws, SUMMARY_WIDTHS)
    for cells in ws.iter_rows(min_col=1, max_col=1):
        cells[0].alignment = Alignment(wrap_text=False, vertical="top")


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
        parts.append(f"from {', '.join(result.files)}")
    parts.append(f"b2bcx {inputs.version}; method and inputs on the Method sheet")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _figures(ws: Worksheet, row: int, figures: list[Figure], name: str) -> int:
    table = pd.DataFrame(
        [(f.measure, f.value, f.ci_low, f.ci_high) for f in figures],
        columns=FIGURE_COLUMNS,
    )
    if table["ci_low"].isna().all():
        table = table.drop(columns=["ci_low", "ci_high"])
    end = write_table(ws, table, row, name)
    for offset, figure in enumerate(figures, start=1):
        set_formats(ws, row + offset, {2: figure.number_format})
    return end


def _change(ws: Worksheet, row: int, inputs: ReportInputs) -> int:
    result = inputs.score
    since = result.baseline_wave or "the baseline"
    row = write_heading(ws, row, f"Change vs {since}")
    figures = baseline_change(result)
    if not figures:
        return write_note(ws, row, _no_baseline(inputs)) + 1
    row = write_note(
        ws,
        row,
        "Accounts heard in both waves; significant when |Δ| > 1.96 √(SE² + SE_base²); "
        "false discovery control by Benjamini–Hochberg over the testable accounts.",
    )
    return _figures(ws, row, figures, "Baseline change")


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
