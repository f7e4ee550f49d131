"""Segment and portfolio scores: means of account scores (docs/method.md#roll-up)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from b2bcx.stats.intervals import (
    normal_interval,
    nps_standard_error,
    weighted_mean,
)

PORTFOLIO = "portfolio"


def summarise(
    accounts: pd.DataFrame, score_columns: Sequence[str], weights: pd.Series
) -> dict[str, float]:
    """One summary row for a set of accounts (a segment, or the portfolio).

    Segment NPS is the weighted mean of account NPS; its margin uses ``p`` and
    ``d`` = the weighted means of the accounts' role-weighted promoter and
    detractor shares, and ``n`` = respondents who answered the NPS item.
    """
    index, index_se, k = weighted_mean(accounts["index"], weights)
    low, high = normal_interval(index, index_se)
    row: dict[str, float] = {
        "accounts": float(len(accounts)),
        "scored_accounts": float(k),
        "respondents": float(accounts["n"].sum()),
        "index": index,
        "index_se": index_se,
        "ci_low": float(low),
        "ci_high": float(high),
        "flagged": float((accounts["flags"].str.len() > 0).sum()),
    }
    if "nps" in accounts:
        row.update(_nps_summary(accounts, weights))
    for column in score_columns:
        row[column] = weighted_mean(accounts[column], weights)[0]
    return row


def _nps_summary(accounts: pd.DataFrame, weights: pd.Series) -> dict[str, float]:
    nps = weighted_mean(accounts["nps"], weights)[0]
    p = weighted_mean(accounts["promoter_share"], weights)[0]
    d = weighted_mean(accounts["detractor_share"], weights)[0]
    n = float(accounts.loc[accounts["nps"].notna(), "nps_n"].sum())
    se = nps_standard_error(p, d, n)
    low, high = normal_interval(nps, se, -100.0, 100.0)
    return {
        "nps": nps,
        "nps_se": se,
        "nps_ci_low": float(low),
        "nps_ci_high": float(high),
    }


def segment_table(
    accounts: pd.DataFrame,
    segment_columns: Sequence[str],
    score_columns: Sequence[str],
    weights: pd.Series,
) -> pd.DataFrame:
    """Scores of every value of every segment column, plus the portfolio row.

    Columns: ``segment, value, accounts, scored_accounts, respondents, index,
    index_se, ci_low, ci_high, flagged, nps, nps_se, nps_ci_low, nps_ci_high``
    and the score columns. Accounts with no value for a segment are grouped
    under ``(missing)``.
    """
    rows = [
        {
            "segment": PORTFOLIO,
            "value": "all",
            **summarise(accounts, score_columns, weights),
        }
    ]
    for column in segment_columns:
        values = (
            accounts[column]
            .astype("object")
            .where(accounts[column].notna(), "(missing)")
        )
        for value, members in accounts.groupby(values, sort=True):
            summary = summarise(members, score_columns, weights.loc[members.index])
            rows.append({"segment": column, "value": str(value), **summary})
    table = pd.DataFrame(rows)
    for column in ("accounts", "scored_accounts", "respondents", "flagged"):
        table[column] = table[column].astype(int)
    return table
