"""Segment and portfolio scores: means of account scores (METHOD.md §2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from b2bcx.weighting import Z95

PORTFOLIO = "portfolio"


def weighted_account_mean(
    scores: pd.Series, weights: pd.Series
) -> tuple[float, float, int]:
    """Weighted mean of account scores with its between-account standard error.

    ``SE = sqrt(k/(k-1) · Σ v_a² (I_a − Ī)²)`` with ``v_a`` the normalised weights
    over the ``k`` accounts that have a score; for equal weights this is the usual
    ``s / sqrt(k)``. Returns (mean, SE, k).
    """
    x, v = scores.to_numpy(float), weights.to_numpy(float)
    have = ~np.isnan(x) & ~np.isnan(v) & (v > 0)
    x, v = x[have], v[have]
    k = len(x)
    if k == 0:
        return np.nan, np.nan, 0
    v = v / v.sum()
    mean = float(v @ x)
    se = float(np.sqrt(k / (k - 1) * (v**2 @ (x - mean) ** 2))) if k > 1 else np.nan
    return mean, se, k


def nps_margin(promoters: float, detractors: float, n: float) -> float:
    """Standard error of an NPS from its +1/0/−1 coding.

    ``SE = 100 · sqrt((p + d − (p − d)²) / n)`` (METHOD.md §2).
    """
    if not n or np.isnan(promoters) or np.isnan(detractors):
        return np.nan
    return float(
        100.0
        * np.sqrt(max(promoters + detractors - (promoters - detractors) ** 2, 0.0) / n)
    )


def summarise(
    accounts: pd.DataFrame, score_columns: Sequence[str], weights: pd.Series
) -> dict[str, float]:
    """One summary row for a set of accounts (a segment, or the portfolio).

    Segment NPS is the weighted mean of account NPS; its margin uses ``p`` and
    ``d`` = the weighted means of the accounts' role-weighted promoter and
    detractor shares, and ``n`` = respondents who answered the NPS item.
    """
    index, index_se, k = weighted_account_mean(accounts["index"], weights)
    row: dict[str, float] = {
        "accounts": float(len(accounts)),
        "scored_accounts": float(k),
        "respondents": float(accounts["n"].sum()),
        "index": index,
        "index_se": index_se,
        "ci_low": float(np.clip(index - Z95 * index_se, 0, 100)),
        "ci_high": float(np.clip(index + Z95 * index_se, 0, 100)),
        "flagged": float((accounts["flags"].str.len() > 0).sum()),
    }
    if "nps" in accounts:
        row.update(_nps_summary(accounts, weights))
    for column in score_columns:
        row[column] = weighted_account_mean(accounts[column], weights)[0]
    return row


def _nps_summary(accounts: pd.DataFrame, weights: pd.Series) -> dict[str, float]:
    nps = weighted_account_mean(accounts["nps"], weights)[0]
    p = weighted_account_mean(accounts["promoter_share"], weights)[0]
    d = weighted_account_mean(accounts["detractor_share"], weights)[0]
    n = float(accounts.loc[accounts["nps"].notna(), "nps_n"].sum())
    se = nps_margin(p, d, n)
    return {
        "nps": nps,
        "nps_se": se,
        "nps_ci_low": max(nps - Z95 * se, -100.0),
        "nps_ci_high": min(nps + Z95 * se, 100.0),
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
