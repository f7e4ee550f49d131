"""The tables the library hands out: the account table as written, row accounting,
the ``--by`` breakdowns."""

from __future__ import annotations

import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import DataError
from b2bcx.results import ScoreResult
from b2bcx.scoring.accounts import revenue_column, score_columns
from b2bcx.scoring.ranking import ranked


def rows_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Row accounting: rows read, scored, and excluded per reason."""
    total = len(rows)
    scored = int((rows["status"] == "scored").sum())
    reasons = rows.loc[rows["status"] == "excluded", "reason"].value_counts()
    lines = [("rows read", total), ("rows scored", scored)] + [
        (f"excluded: {r}", int(c)) for r, c in reasons.items()
    ]
    return pd.DataFrame(lines, columns=["what", "rows"])


V2_ACCOUNT_COLUMNS = (
    "name",
    "reliability",
    "index_eb",
    "index_eb_se",
    "n_eff",
    "nps_ci_low",
    "nps_ci_high",
    "p_change",
    "q_change",
    "significant_fdr",
)
"""Small-sample and change columns of the account table, in output order."""


def account_output(result: ScoreResult) -> pd.DataFrame:
    """The account table as written to CSV/JSON/Parquet/Excel (docs/method.md#output-columns).

    ``account, n, roles, coverage, index, ci_low, ci_high, nps``, pillar ids,
    composites and outcomes, ``flags`` (``;``-joined), then with a baseline
    ``index_baseline, delta, significant``, then the segment columns, revenue,
    tier and phase, then the small-sample columns ``name, reliability, index_eb,
    index_eb_se, n_eff, nps_ci_low, nps_ci_high`` and with a baseline
    ``p_change, q_change, significant_fdr``, and last ``se`` and ``role_gap``.
    Rows are ranked on ``index_eb`` (then ``index``), accounts not heard last.
    """
    config = result.config
    accounts = with_display_name(result.accounts, config)
    not_heard = with_display_name(result.not_heard, config)
    columns = ["account", "n", "roles", "coverage", "index", "ci_low", "ci_high"]
    columns += ["nps"] if "nps" in accounts else []
    columns += [*score_columns(config), "flags"]
    columns += [c for c in ("index_baseline", "delta", "significant") if c in accounts]
    revenue = revenue_column(config, None)
    master_columns = [
        c
        for c in accounts.columns
        if c in not_heard.columns and c not in ("account", "name")
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
    columns += ["se", "role_gap"]
    table = accounts[columns].copy()
    table["flags"] = table["flags"].map(";".join)
    table = ranked(table)
    if not not_heard.empty:
        table = pd.concat(
            [table, not_heard_rows(not_heard, columns)], ignore_index=True
        )
    return table.reset_index(drop=True)


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
