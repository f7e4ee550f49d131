"""Segment and portfolio scores: means of account scores (docs/method.md#roll-up)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from b2bcx.stats.intervals import (
    nps_standard_error,
    paired_change,
    t_interval,
    weighted_mean,
)

PORTFOLIO = "portfolio"
CHANGE_COLUMNS = ("delta", "delta_se", "delta_ci_low", "delta_ci_high")


def summarise(
    accounts: pd.DataFrame, score_columns: Sequence[str], weights: pd.Series
) -> dict[str, float]:
    """One summary row for a set of accounts (a segment, or the portfolio).

    Every margin is account-clustered (docs/method.md#clustered-margins) and every
    interval uses ``t_{k−1}``, ``k`` the accounts entering that mean (empty for
    ``k < 2``; docs/method.md#few-accounts). Segment
    NPS is the weighted mean of account NPS (the *account NPS*) with a clustered
    ``nps_se``; ``nps_se_srs`` is the respondent-level margin from ``p`` and ``d``
    = the weighted means of the accounts' role-weighted promoter and detractor
    shares and ``n`` = respondents who answered the NPS item, with the design
    effect ``nps_deff`` and ``nps_n_eff``; ``respondent_nps`` is the plain NPS of
    the respondents. With a ``delta`` column (a baseline), the paired change
    ``delta, delta_se, delta_ci_low, delta_ci_high`` over accounts in both waves.
    """
    index, index_se, k = weighted_mean(accounts["index"], weights)
    low, high = t_interval(index, index_se, k - 1)
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
    if "nps" in accounts:
        row.update(_nps_design(accounts, weights, row["nps_se"]))
    if "delta" in accounts:
        change = paired_change(accounts["delta"], weights)
        row.update(dict(zip(CHANGE_COLUMNS, change[:4], strict=True)))
    return row


def _nps_summary(accounts: pd.DataFrame, weights: pd.Series) -> dict[str, float]:
    nps, se, k = weighted_mean(accounts["nps"], weights)
    low, high = t_interval(nps, se, k - 1, -100.0, 100.0)
    return {
        "nps": nps,
        "nps_se": se,
        "nps_ci_low": float(low),
        "nps_ci_high": float(high),
    }


def _nps_design(
    accounts: pd.DataFrame, weights: pd.Series, clustered_se: float
) -> dict[str, float]:
    """Respondent-level NPS margin, design effect, effective n and respondent NPS."""
    p = weighted_mean(accounts["promoter_share"], weights)[0]
    d = weighted_mean(accounts["detractor_share"], weights)[0]
    n = float(accounts.loc[accounts["nps"].notna(), "nps_n"].sum())
    srs = nps_standard_error(p, d, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = np.float64(clustered_se) ** 2 / np.float64(srs) ** 2
        n_eff = np.float64(n) / deff
    answered = float(accounts["nps_n"].sum())
    net = float(accounts["nps_promoters"].sum() - accounts["nps_detractors"].sum())
    return {
        "nps_se_srs": srs,
        "nps_deff": float(deff),
        "nps_n_eff": float(n_eff),
        "respondent_nps": 100.0 * net / answered if answered else np.nan,
    }


def segment_table(
    accounts: pd.DataFrame,
    segment_columns: Sequence[str],
    score_columns: Sequence[str],
    weights: pd.Series,
) -> pd.DataFrame:
    """Scores of every value of every segment column, plus the portfolio row.

    Columns: ``segment, value, accounts, scored_accounts, respondents, index,
    index_se, ci_low, ci_high, flagged, nps, nps_se, nps_ci_low, nps_ci_high``,
    the score columns, ``nps_se_srs, nps_deff, nps_n_eff, respondent_nps`` and,
    with a baseline, ``delta, delta_se, delta_ci_low, delta_ci_high``. Accounts with no value for a segment are grouped
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
