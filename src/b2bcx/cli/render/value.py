"""Terminal rendering of ``b2bcx value``: the summary in words, bands, accounts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from b2bcx.cli.render.console import number, problem_table
from b2bcx.cli.render.fit import Column, hidden_note, print_fitted
from b2bcx.scoring.worth import left_out_lines, money, share, summary_lines


def band_columns(result: Any) -> list[Column]:
    rows = result.bands.to_dict(orient="records")
    return [
        Column("index band", [str(r["band"]) for r in rows], 0, "left"),
        Column("accounts", [str(r["accounts"]) for r in rows], 0),
        Column("lost", [str(r["events"]) for r in rows], 0),
        Column("rate", [share(r["rate"]) for r in rows], 0),
        Column(
            "95% CI",
            [
                f"{share(r['rate_ci_low'])}–{share(r['rate_ci_high'])}"
                if r["accounts"]
                else ""
                for r in rows
            ],
            0,
        ),
    ]


def account_columns(result: Any, currency: str = "") -> list[Column]:
    rows = result.accounts.to_dict(orient="records")
    names = [
        "" if r["name"] is None or r["name"] != r["name"] else str(r["name"])
        for r in rows
    ]
    columns = [Column("account", [str(r["account"]) for r in rows], 0, "left")]
    if any(names):
        columns.append(
            Column("name", names, 3, "left", flexible=True, overflow="ellipsis")
        )
    columns += [
        Column("index", [number(r["index_eb"]) for r in rows], 0),
        Column("p(lost)", [share(r["p"]) for r in rows], 0),
        Column(
            "95% CI",
            [
                f"{share(r['p_ci_low'])}–{share(r['p_ci_high'])}"
                if r["p"] == r["p"]
                else ""
                for r in rows
            ],
            2,
        ),
        Column("revenue", [money(r["revenue"], currency) for r in rows], 1),
        Column("at risk", [money(r["revenue_at_risk"], currency) for r in rows], 0),
    ]
    return columns


def render_value(console: Console, result: Any, wide: bool = False) -> None:
    """Summary lines, the band table, the account list and who is left out."""
    currency = result.currency
    for line in summary_lines(result):
        console.print(line, markup=False, highlight=False)
    print_fitted(
        console, band_columns(result), wide, title="Lost or not renewed by index band"
    )
    if not result.accounts.empty:
        title = (
            "Current accounts by revenue at risk"
            if result.summary.get("applied_to") == "current"
            else "Decided accounts by revenue at risk"
        )
        hidden = print_fitted(
            console, account_columns(result, currency), wide, title=title
        )
        note = hidden_note(hidden)
        if note:
            console.print(Text(note, style="dim"))
    for line in left_out_lines(result):
        console.print(Text(line, style="dim"))
    if result.problems:
        console.print(problem_table(result.problems, limit=20, title="Warnings"))
