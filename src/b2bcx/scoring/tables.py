"""The tables the library hands out: the account table as written, row accounting,
the ``--by`` breakdowns."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import DataError
from b2bcx.results import ScoreResult, row_counts
from b2bcx.scoring.accounts import NAME, revenue_column, score_columns
from b2bcx.scoring.ranking import ranked
from b2bcx.scoring.risk import revenue_at_risk, risk_and_blind_spots
from b2bcx.stats.intervals import t_margin


def rows_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Row accounting: rows read, scored, and excluded per reason.

    ``rows`` has one line per input row, or (from the streaming pass) one line
    per status and reason with the number of rows in ``count``.
    """
    count = rows["count"] if "count" in rows else pd.Series(1, index=rows.index)
    counts = row_counts(rows)
    total, scored = counts["read"], counts["scored"]
    excluded = rows["status"] == "excluded"
    reasons = count[excluded].groupby(rows.loc[excluded, "reason"], sort=True).sum()
    reasons = reasons.iloc[np.lexsort((reasons.index.astype(str), -reasons.to_numpy()))]
    lines = [("rows read", total), ("rows scored", scored)] + [
        (f"excluded: {r}", int(c)) for r, c in reasons.items()
    ]
    return pd.DataFrame(lines, columns=["what", "rows"])


V2_ACCOUNT_COLUMNS = (
    "name",
    "df",
    "reliability",
    "index_eb",
    "index_eb_se",
    "index_eb_ci_low",
    "index_eb_ci_high",
    "n_eff",
    "nps_ci_low",
    "nps_ci_high",
    "delta_lfl",
    "df_change",
    "p_change",
    "q_change",
    "significant_fdr",
    "delta_rtm",
)
"""Small-sample and change columns of the account table, in output order."""
V3_ACCOUNT_COLUMNS = ("rwg_j", "contacts_needed")
"""Agreement within the account and the respondents it still needs."""


_MADE: dict[int, pd.DataFrame] = {}
""":func:`account_output` per live result (by ``id``; dropped with the result)."""


def account_output(result: ScoreResult) -> pd.DataFrame:
    """:func:`made_account_output`, made once per result (a report reads it on
    several sheets; at 125k accounts each making costs about 0.4 s); a copy, so
    a caller may change it."""
    made = _MADE.get(id(result))
    if made is None:
        made = made_account_output(result)
        _MADE[id(result)] = made
        weakref.finalize(result, _MADE.pop, id(result), None)
    return made.copy()


def made_account_output(result: ScoreResult) -> pd.DataFrame:
    """The account table as written to CSV/JSON/Parquet/Excel (docs/method.md#output-columns).

    ``account`` (and ``name`` when configured), ``n, roles, coverage, index, ci_low, ci_high, nps``, pillar ids,
    composites and outcomes, ``flags`` (``;``-joined), then with a baseline
    ``index_baseline, delta, significant``, then the segment columns, revenue,
    tier and phase, then the small-sample columns ``df, reliability, index_eb,
    index_eb_se, index_eb_ci_low, index_eb_ci_high, n_eff, nps_ci_low,
    nps_ci_high`` and with a baseline ``delta_lfl, df_change, p_change, q_change,
    significant_fdr, delta_rtm``, then ``rwg_j, contacts_needed``
    (docs/method.md#agreement-within-an-account), then ``se`` and ``role_gap``, and
    last ``margin`` (the 95% margin of error of the index, ``t_{df, 0.975} SE``),
    ``at_risk`` and
    ``blind_spots`` (reason ids, ``;``-joined, see :mod:`b2bcx.scoring.risk`).
    Rows are ranked on ``index_eb`` (then ``index``), accounts not heard last.
    """
    config = result.config
    accounts = with_display_name(result.accounts, config)
    not_heard = with_display_name(result.not_heard, config)
    columns = ["account", *([NAME] if NAME in accounts else [])]
    columns += ["n", "roles", "coverage", "index", "ci_low", "ci_high"]
    columns += ["nps"] if "nps" in accounts else []
    columns += [*score_columns(config), "flags"]
    columns += [c for c in ("index_baseline", "delta", "significant") if c in accounts]
    revenue = revenue_column(config, None)
    listed_revenue = config.accounts.revenue if config.accounts else None
    if listed_revenue and listed_revenue in accounts:
        revenue = listed_revenue  # one revenue column: the CRM's when it is given
    master_columns = [
        c
        for c in accounts.columns
        if c in not_heard.columns and c not in ("account", NAME)
    ]
    extra = [
        *config.columns.segments,
        *master_columns,
        revenue,
        "tier",
        config.columns.phase,
    ]
    columns += [
        c for c in dict.fromkeys(extra) if c and c in accounts and c not in columns
    ]
    columns += [c for c in V2_ACCOUNT_COLUMNS if c in accounts and c not in columns]
    columns += [c for c in V3_ACCOUNT_COLUMNS if c in accounts and c not in columns]
    columns += ["se", "role_gap"]
    table = accounts[columns].copy()
    table["flags"] = table["flags"].map(";".join)
    table = ranked(table)
    if not not_heard.empty:
        table = pd.concat(
            [table, not_heard_rows(not_heard, columns)], ignore_index=True
        )
    table = table.reset_index(drop=True)
    df = table["df"].astype(float) if "df" in table else float("inf")
    table["margin"] = t_margin(table["se"].astype(float), df)
    reasons = risk_and_blind_spots(table, config.flags.low_score)
    table["at_risk"] = reasons["at_risk"].map(";".join)
    table["blind_spots"] = reasons["blind_spots"].map(";".join)
    return table


def with_display_name(accounts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The account's display name as ``name``: the account list's, else the export's."""
    listed = config.accounts.name if config.accounts else None
    for column in (listed, config.columns.name):
        if column and column in accounts:
            if column == "name":
                return accounts
            return accounts.drop(columns=["name"], errors="ignore").rename(
                columns={column: "name"}
            )
    return accounts


def not_heard_rows(not_heard: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Accounts on the CRM list with no respondent: ``n`` 0 and the flag ``not_heard``."""
    rows = not_heard.assign(n=0, roles="", coverage=0.0, flags="not_heard")
    return rows.reindex(columns=columns)


def breakdown(result: ScoreResult, by: str) -> pd.DataFrame:
    """The ``--by role|segment|phase`` table."""
    if by == "role":
        return result.by_role
    if by == "phase":
        if result.lifecycle.empty:
            raise DataError(
                "no lifecycle view: the config has no `columns.phase` (or no pillars)",
                hint="set `columns.phase` to the lifecycle phase column",
            )
        return result.lifecycle
    return result.segments


def account_revenue_column(result: ScoreResult) -> str | None:
    """The one revenue column of the account table (the CRM's when given), if any."""
    config = result.config
    listed = config.accounts.revenue if config.accounts else None
    if listed and listed in result.accounts:
        return listed
    revenue = config.columns.revenue
    return revenue if revenue and revenue in result.accounts else None


def risk_by_tier(result: ScoreResult, table: pd.DataFrame) -> pd.DataFrame | None:
    """Revenue at risk per tier of :func:`account_output`'s table; None without revenue."""
    revenue = account_revenue_column(result)
    if revenue is None or revenue not in table or table[revenue].isna().all():
        return None
    return revenue_at_risk(table, revenue)
