"""Terminal rendering of ``b2bcx change`` and ``b2bcx trend`` results."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from b2bcx.cli.render.console import number, p_value, thousands
from b2bcx.scoring.columns import COLUMNS, as_text
from b2bcx.stats.intervals import Z95
from b2bcx.stats.order import sort_accounts
from b2bcx.stats.trend import sparkline

PART_WORDS = {
    "continuing": "accounts heard in both waves changed",
    "weight_mix": "their weights shifted",
    "entered": "accounts that entered",
    "left": "accounts that left",
    "total": "total change",
}
MOVERS_SHOWN = 10


def _column(table: Table, header: str) -> None:
    if header == "name":  # names give way first on a narrow terminal
        table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=22)
    else:
        table.add_column(
            header,
            no_wrap=True,
            justify="left" if header in ("account", "trend") else "right",
        )


def render_change(console: Console, result: Any) -> None:
    """The four parts of the index change, the NPS split, migration and movers."""
    parts = result.parts
    before, after = parts.attrs.get("before"), parts.attrs.get("after")
    since = result.baseline.wave or "the baseline"
    now = result.current.wave or "this wave"
    console.print(
        f"Portfolio CX index {number(before)} ({since}) → {number(after)} ({now}): "
        f"{number(after - before, 1, signed=True)} points",
        style="bold",
    )
    table = Table(title="Why the account index moved", title_justify="left")
    table.add_column("part")
    table.add_column("points", justify="right")
    table.add_column("accounts", justify="right")
    table.add_column("revenue", justify="right")
    for row in parts.to_dict(orient="records"):
        table.add_row(
            PART_WORDS.get(row["part"], row["part"]),
            number(row["change"], 2, signed=True),
            str(row["accounts"]),
            thousands(row["revenue"]),
            style="bold" if row["part"] == "total" else None,
        )
    console.print(table)
    _render_rate_mix(console, result)
    _render_migration(console, result)
    _render_movers(console, result)


def _render_rate_mix(console: Console, result: Any) -> None:
    totals = result.rate_mix_total
    if result.rate_mix.empty:
        return
    table = Table(
        title=f"Respondent NPS by {result.by.replace('_', ' ')}", title_justify="left"
    )
    for header in (result.by.replace("_", " "), "share", "NPS"):
        table.add_column(header, justify="left" if header != "NPS" else "right")
    for row in result.rate_mix.to_dict(orient="records"):
        table.add_row(
            str(row["group"]).replace("_", " "),
            f"{row['share_before']:.0%} → {row['share_after']:.0%}",
            f"{as_text('nps_before', row['nps_before'])} → "
            f"{as_text('nps_after', row['nps_after'])}",
        )
    console.print(table)
    console.print(
        f"The respondent NPS moved {number(totals['total'], 1, signed=True)}: "
        f"{number(totals['rate'], 1, signed=True)} because the groups' own NPS moved, "
        f"{number(totals['mix'], 1, signed=True)} because the mix of who answered "
        "changed."
    )


def _render_migration(console: Console, result: Any) -> None:
    matrix = result.migration
    table = Table(
        title="Accounts between bands of the shrunk index (rows: baseline)",
        title_justify="left",
    )
    for column in matrix.columns:
        table.add_column(str(column), justify="left" if column == "from" else "right")
    for row in matrix.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)
    test = result.stuart_maxwell
    if test["statistic"] == test["statistic"]:
        console.print(
            f"Stuart–Maxwell test that the bands' totals stayed the same: "
            f"χ² {number(test['statistic'], 2)} on {int(test['df'])} df, "
            f"p {p_value(test['p'])}"
        )


def _render_movers(console: Console, result: Any) -> None:
    movers = result.accounts
    if movers.empty:
        return
    table = Table(
        title="Largest falls, with the change expected from regression to the mean",
        title_justify="left",
    )
    for header in ("account", "name", str(COLUMNS["delta"].terminal), "expected", "q"):
        _column(table, header)
    for row in movers.head(MOVERS_SHOWN).to_dict(orient="records"):
        table.add_row(
            str(row["account"]),
            str(row.get("name") or ""),
            number(row["delta"], 1, signed=True),
            number(row.get("delta_rtm"), 1, signed=True),
            p_value(row.get("q_change")),
        )
    console.print(table)
    console.print(
        "expected: the change regression to the mean alone would bring (thin "
        "accounts far from the mean drift back); q: after false discovery control"
    )


def render_trend(console: Console, result: Any) -> None:
    """Per wave the portfolio index, its slope, and each account's trend."""
    waves = Table(title="Portfolio CX index by wave", title_justify="left")
    for header in ("wave", "accounts", "index", "95% CI"):
        waves.add_column(header, justify="left" if header == "wave" else "right")
    for row in result.portfolio.to_dict(orient="records"):
        waves.add_row(
            str(row["wave"]),
            str(row["accounts"]),
            number(row["index"]),
            f"{number(row['ci_low'])}–{number(row['ci_high'])}",
        )
    console.print(waves)
    slope = result.portfolio_slope
    console.print(
        f"Portfolio trend {number(slope['slope'], 2, signed=True)} points per wave "
        f"(95% CI {number(slope['ci_low'], 2, signed=True)} to "
        f"{number(slope['ci_high'], 2, signed=True)}; errors clustered by account)"
    )
    accounts = result.accounts[result.accounts["slope"].notna()]
    accounts = sort_accounts(accounts, ["slope_eb"], [True])
    table = Table(
        title="Accounts heard in 3+ waves, falling fastest first", title_justify="left"
    )
    for header in ("account", "name", "trend", "slope", "shrunk", "q"):
        _column(table, header)
    has_name = "name" in accounts
    levels = accounts[[w for w in result.waves if w in accounts]].to_numpy(float)
    low, high = (
        (float(np.nanmin(levels)), float(np.nanmax(levels)))
        if np.isfinite(levels).any()
        else (0.0, 100.0)
    )
    for row in accounts.to_dict(orient="records"):
        values = [row.get(w, float("nan")) for w in result.waves]
        falling = row["deteriorating"] is True
        table.add_row(
            str(row["account"]),
            str(row["name"] or "") if has_name else "",
            sparkline(values, low, high),
            f"{number(row['slope'], 1, signed=True)} ±{number(Z95 * row['slope_se'], 1)}",
            number(row["slope_eb"], 1, signed=True),
            p_value(row["q_slope"]),
            style="bold red" if falling else None,
        )
    console.print(table)
    flagged = int(accounts["deteriorating"].eq(True).sum())
    console.print(
        f"{flagged} account{'s' if flagged != 1 else ''} deteriorating (falling, q ≤ "
        "0.05 after false discovery control); trend: the index by wave on the "
        "portfolio's scale; slope ± its 95% margin in points per wave; shrunk: the "
        "slope weighed by its reliability"
    )
