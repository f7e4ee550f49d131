"""Table sheets: Accounts (with colour scales and flags), roles, segments, lifecycle,
respondents and data quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.formatting.rule import ColorScaleRule, DataBarRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.errors import Problem
from b2bcx.io.worksheet import finish_sheet
from b2bcx.report.labels import header_labels, pretty, reasons_text
from b2bcx.report.layout import (
    table_sheet,
    write_heading,
    write_note,
    write_table,
)
from b2bcx.results import ReportInputs
from b2bcx.scoring import tables
from b2bcx.scoring.accounts import score_columns
from b2bcx.scoring.chase import chase_tables
from b2bcx.scoring.columns import (
    MONEY,
    SCORE,
    excel_formats,
    in_words,
    nps_formats,
    role_names,
)
from b2bcx.scoring.prepare import FILE, ROW
from b2bcx.scoring.risk import FEW_NPS_ANSWERS
from b2bcx.scoring.segments import PORTFOLIO

RED, YELLOW, GREEN = "F8696B", "FFEB84", "63BE7B"
FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")
ALARM_FILL = PatternFill("solid", fgColor="F4B084")
UP_FILL = PatternFill("solid", fgColor="C6EFCE")
DOWN_FILL = PatternFill("solid", fgColor="FFC7CE")
COUNTS = {c: "#,##0" for c in ("respondents", "accounts", "scored_accounts", "n")}
PROBLEM_COLUMNS = [
    "severity",
    "code",
    "file",
    "row",
    "column",
    "value",
    "problem",
    "hint",
]


EXCEL_ROWS = 1_048_576  # rows on one worksheet, header included
EXCLUDED_SHOWN = 100_000


def revenue_formats(inputs: ReportInputs) -> dict[str, str]:
    """Thousands separators for the revenue column(s)."""
    config = inputs.score.config
    names = [
        config.columns.revenue,
        config.accounts.revenue if config.accounts else None,
    ]
    return {name: MONEY for name in names if name}


def write_accounts(ws: Worksheet, inputs: ReportInputs) -> pd.DataFrame:
    """The account table of docs/method.md#output-columns, formatted for reading; returns the table."""
    table = account_sheet_table(inputs)
    formats = {
        **excel_formats(list(table.columns)),
        **{c: SCORE for c in score_columns(inputs.score.config) if c in table},
        **revenue_formats(inputs),
    }
    labels = header_labels(inputs.score.config)
    table_sheet(
        ws, table, "Accounts", formats=formats, empty="No accounts.", labels=labels
    )
    if not table.empty:
        ws.freeze_panes = "C2" if "name" in table else "B2"
        _account_rules(ws, table, inputs)
    return table


ACCOUNT_LEAD = (
    "account",
    "name",
    "tier",
    "index",
    "ci_low",
    "ci_high",
    "index_eb",
    "reliability",
    "nps",
    "delta",
    "significant",
    "index_baseline",
    "at_risk",
    "blind_spots",
    "n",
    "roles",
    "coverage",
)


def account_sheet_table(inputs: ReportInputs) -> pd.DataFrame:
    """The account table for people: who and how first, reasons in words.

    The same rows and numbers as ``b2bcx score -o``; columns reordered (name, tier,
    index and interval, NPS, change, reasons first), flags and reasons in plain
    words, revenue once, roles as readable names.
    """
    table = tables.account_output(inputs.score)
    revenue = tables.account_revenue_column(inputs.score)
    lead = [c for c in ACCOUNT_LEAD if c in table]
    if revenue is not None and revenue in table:
        lead.insert(lead.index("tier") + 1 if "tier" in lead else 2, revenue)
    table = table[lead + [c for c in table.columns if c not in lead]].copy()
    for column in ("flags", "at_risk", "blind_spots"):
        table[column] = in_words(table[column], reasons_text)
    table["roles"] = in_words(table["roles"], role_names)
    return _too_few_nps_answers(table, inputs.score.accounts)


def _too_few_nps_answers(table: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """``nps_n`` (NPS answers) beside the NPS interval, and no interval on fewer than
    :data:`~b2bcx.scoring.risk.FEW_NPS_ANSWERS` answers: as the deck and the HTML
    page say, "too few to tell" (docs/method.md#small-samples)."""
    if "nps_n" not in accounts or "nps_ci_high" not in table:
        return table
    answers = table["account"].map(accounts.set_index("account")["nps_n"])
    few = (answers < FEW_NPS_ANSWERS).to_numpy()
    table.loc[few, ["nps_ci_low", "nps_ci_high"]] = np.nan
    table.insert(list(table.columns).index("nps_ci_high") + 1, "nps_n", answers)
    return table


def _range(table: pd.DataFrame, column: str) -> str:
    letter = get_column_letter(list(table.columns).index(column) + 1)
    return f"{letter}2:{letter}{len(table) + 1}"


def _letter(table: pd.DataFrame, column: str) -> str:
    return get_column_letter(list(table.columns).index(column) + 1)


def _account_rules(ws: Worksheet, table: pd.DataFrame, inputs: ReportInputs) -> None:
    scores = ["index", *score_columns(inputs.score.config)]
    scale = ColorScaleRule(
        start_type="percentile", start_value=5, start_color=RED,
        mid_type="percentile", mid_value=50, mid_color=YELLOW,
        end_type="percentile", end_value=95, end_color=GREEN,
    )  # fmt: skip
    ranges = " ".join(_range(table, c) for c in scores if c in table)
    ws.conditional_formatting.add(ranges, scale)
    if "nps" in table:
        nps = ColorScaleRule(
            start_type="num", start_value=-100, start_color=RED,
            mid_type="num", mid_value=0, mid_color=YELLOW,
            end_type="num", end_value=100, end_color=GREEN,
        )  # fmt: skip
        ws.conditional_formatting.add(_range(table, "nps"), nps)
    coverage = DataBarRule(
        start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5"
    )
    ws.conditional_formatting.add(_range(table, "coverage"), coverage)
    _flag_rules(ws, table)
    if "significant" in table:
        _delta_rules(ws, table)


def _flag_rules(ws: Worksheet, table: pd.DataFrame) -> None:
    """At-risk accounts in orange and bold; blind spots shaded lightly."""
    risky = f"${_letter(table, 'at_risk')}2"
    cells = f"{_range(table, 'account')} {_range(table, 'at_risk')}"
    alarm = FormulaRule(
        formula=[f"LEN({risky})>0"], fill=ALARM_FILL, font=Font(bold=True)
    )
    ws.conditional_formatting.add(cells, alarm)
    blind = f"${_letter(table, 'blind_spots')}2"
    shaded = FormulaRule(formula=[f"LEN({blind})>0"], fill=FLAG_FILL)
    ws.conditional_formatting.add(_range(table, "blind_spots"), shaded)


def _delta_rules(ws: Worksheet, table: pd.DataFrame) -> None:
    significant = f"${_letter(table, 'significant')}2=TRUE"
    delta = f"${_letter(table, 'delta')}2"
    cells = f"{_range(table, 'delta')} {_range(table, 'significant')}"
    up = FormulaRule(formula=[f"AND({significant},{delta}>0)"], fill=UP_FILL)
    down = FormulaRule(formula=[f"AND({significant},{delta}<0)"], fill=DOWN_FILL)
    ws.conditional_formatting.add(cells, up)
    ws.conditional_formatting.add(cells, down)


CHASE_NOTE = (
    "Whom to hear from next: accounts of the account list not heard (largest revenue "
    "first), then by priority, what one more answer would narrow the portfolio index "
    "(v² SE² / (n + 1)); contacts needed: more respondents for a reliable account "
    "mean; roles not heard: the weighted roles without an answer."
)


CHASE_NOTE_WIDTH = 120
"""Characters per line of the Chase sheet's notes: within the table's printed width."""


def write_chase(ws: Worksheet, inputs: ReportInputs) -> None:
    """The chase list (docs/method.md#chase-list) with ICC(1), ICC(2) and k*."""
    result = inputs.score
    accounts, _ = chase_tables(result)
    accounts["roles_not_heard"] = in_words(accounts["roles_not_heard"], role_names)
    labels = header_labels(result.config)
    row = write_heading(ws, 1, "Accounts to hear from next")
    row = write_note(ws, row, CHASE_NOTE, width=CHASE_NOTE_WIDTH)
    if np.isfinite(result.icc1):
        row = write_note(
            ws,
            row,
            f"ICC(1) {result.icc1:.2f}, ICC(2) {result.icc2:.2f}; an account needs "
            f"k* = {result.k_star:.1f} respondents for reliability "
            f"{result.config.flags.low_reliability:g}.",
            width=CHASE_NOTE_WIDTH,
        )
    if not accounts.empty:
        ws.freeze_panes = f"A{row + 1}"  # the header stays in view, 167 rows down
    write_table(
        ws,
        accounts,
        row,
        "Chase",
        formats={"revenue": "#,##0", "priority": "0.000000", "rwg_j": "0.00"},
        empty="No accounts.",
        labels=labels,
        defer=True,
    )


def write_roles(ws: Worksheet, inputs: ReportInputs) -> None:
    """Respondent means of the index, pillars and outcomes by role, and NPS."""
    config = inputs.score.config
    table = inputs.score.by_role.copy()
    table["role"] = table["role"].map(pretty)
    formats = {**COUNTS, **nps_formats(list(table.columns))}
    table_sheet(
        ws, table, "Pillars by role", formats, "No roles.", header_labels(config)
    )


SEGMENT_WORDS = {PORTFOLIO: "Portfolio", "tier": "Revenue tier"}
"""The cuts b2bcx makes itself, in words (the others are the export's column names)."""


def write_segments(ws: Worksheet, inputs: ReportInputs) -> None:
    """Portfolio, segment, tier, account manager and phase rows."""
    table = inputs.score.segments.copy()
    if (
        "segment" in table
    ):  # the library's ids of its own cuts, as the Summary says them
        own = table["segment"].isin(list(SEGMENT_WORDS))
        if "value" in table:
            table.loc[table["segment"].eq(PORTFOLIO), "value"] = "all accounts"
        table.loc[own, "segment"] = table.loc[own, "segment"].map(SEGMENT_WORDS)
    table_sheet(
        ws,
        table,
        "Segments",
        {**COUNTS, **nps_formats(list(table.columns))},
        "No segments.",
        header_labels(inputs.score.config),
    )


def write_lifecycle(ws: Worksheet, inputs: ReportInputs) -> None:
    """Pillar scores per lifecycle phase with the phase's priority pillar."""
    note = (
        "No lifecycle view: the config has no `columns.phase` (the lifecycle phase "
        "column) or no pillars."
    )
    config = inputs.score.config
    table = inputs.score.lifecycle.copy()
    if "priority_pillar" in table:
        table["priority_pillar"] = table["priority_pillar"].map(
            lambda p: config.pillar_label(p) if isinstance(p, str) and p else p
        )
    table_sheet(
        ws,
        table,
        "Lifecycle",
        formats={"priority_rank": "0", **COUNTS},
        empty=note,
        labels=header_labels(inputs.score.config),
    )


def respondent_table(inputs: ReportInputs) -> pd.DataFrame:
    """Scored respondents without the item columns; ``_file``/``_row`` as file/row."""
    table = inputs.score.respondents
    keep = [c for c in table.columns if not str(c).startswith("item:")]
    return table[keep].rename(columns={FILE: "file", ROW: "row"})


def write_respondents(ws: Worksheet, inputs: ReportInputs) -> None:
    """One row per scored respondent; comments and ids stay text."""
    formats = {"row": "0", "nps": "0", "nps_code": "0", **revenue_formats(inputs)}
    table = respondent_table(inputs)
    if len(table) >= EXCEL_ROWS:
        write_heading(
            ws,
            1,
            f"{len(table):,} respondents do not fit on one Excel sheet ({EXCEL_ROWS - 1:,} rows at most).",
        )
        write_heading(
            ws,
            2,
            "Run the report with --no-respondents; respondent scores are in b2bcx.api.accounts(...).respondents.",
        )
        return
    table_sheet(
        ws,
        table,
        "Respondents",
        formats,
        empty="No respondents.",
        labels=header_labels(inputs.score.config),
    )


def write_data_quality(ws: Worksheet, inputs: ReportInputs) -> None:
    """Row accounting, excluded rows, then every problem with a hint."""
    rows = inputs.score.rows
    summary = tables.rows_summary(rows)
    write_table(ws, summary, 1, "Row accounting", formats={"rows": "#,##0"})
    finish_sheet(ws)
    row = len(summary) + 3
    row = write_heading(ws, row, "Excluded rows")
    excluded = rows.loc[rows["status"] == "excluded", [FILE, ROW, "reason"]]
    excluded = excluded.rename(columns={FILE: "file", ROW: "row"})
    if "count" in rows and len(excluded):  # streamed: counted, not located
        row = write_heading(
            ws,
            row,
            "Counted per reason above (the exports were streamed); "
            "`b2bcx validate` lists each excluded row with its file and row.",
        )
        row += 1
    else:
        if len(excluded) > EXCLUDED_SHOWN:
            row = write_heading(
                ws,
                row,
                f"The first {EXCLUDED_SHOWN:,} of {len(excluded):,} excluded rows (counts per reason above)",
            )
            excluded = excluded.head(EXCLUDED_SHOWN)
        row = write_table(
            ws, excluded, row, "Excluded rows", {"row": "0"}, "No row was excluded."
        )
    row = write_heading(ws, row, "Problems (warnings; errors stop the run)")
    write_table(
        ws,
        problem_table(inputs.problems),
        row,
        "Problems",
        {"row": "0"},
        "No problems found.",
    )
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 40)


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """Problems as rows: severity, code, file, row, column, value, problem, hint."""
    records = [{c: getattr(p, c) for c in PROBLEM_COLUMNS} for p in problems]
    return pd.DataFrame(records, columns=PROBLEM_COLUMNS)
