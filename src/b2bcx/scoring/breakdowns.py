"""Breakdown tables of a scored program: by role, by lifecycle phase, vs baseline.

Pure: respondent and account tables plus the config in, DataFrames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.results import IndexCells
from b2bcx.stats.change import regression_to_mean
from b2bcx.stats.intervals import bh_q_values, p_change
from b2bcx.stats.order import ORDER_DECIMALS
from b2bcx.stats.rollup import Change, RoleCells, like_for_like

FDR_LEVEL = 0.05
"""False discovery rate of ``significant_fdr`` (fixed, like the 95% of intervals)."""


def compare_baseline(
    accounts: pd.DataFrame,
    base: pd.DataFrame,
    cells: IndexCells | None = None,
    base_cells: IndexCells | None = None,
) -> pd.DataFrame:
    """Change against the baseline, per account (docs/method.md#like-for-like-change).

    ``delta = I_a − I_a^base``. The test is like for like: ``delta_lfl`` over the
    roles heard in both waves, with its ``se_change`` and Satterthwaite
    ``df_change`` (:func:`b2bcx.stats.rollup.like_for_like`);
    ``p_change = 2(1 − F_t(|delta_lfl|/SE; df_change))``, ``significant`` when
    ``p_change < 0.05``; ``q_change`` the Benjamini–Hochberg q-value over the
    testable accounts; ``significant_fdr`` when ``q_change ≤ 0.05``. Accounts not
    testable get blanks (None), never False. Accounts scored in both waves whose
    roles with an index differ get the flag ``roles_changed``. ``delta_eb`` (the
    change of ``index_eb``) orders the biggest movers; ``delta_rtm =
    index_eb^base − I^base`` is the change expected from regression to the mean
    alone (docs/method.md#regression-to-the-mean).
    """
    kept = [c for c in ("index", "se", "index_eb") if c in base]
    previous = base.set_index("account")[kept].rename(
        columns={
            "index": "index_baseline",
            "se": "se_baseline",
            "index_eb": "index_eb_baseline",
        }
    )
    out = accounts.join(previous, on="account")
    out["delta"] = out["index"] - out["index_baseline"]
    if "index_eb" in out and "index_eb_baseline" in out:
        out["delta_eb"] = out["index_eb"] - out["index_eb_baseline"]
        expected = regression_to_mean(out["index_baseline"], out["index_eb_baseline"])
        out["delta_rtm"] = np.where(out["delta"].notna(), expected, np.nan)
    both = (out["index"].notna() & out["index_baseline"].notna()).to_numpy()
    change, changed = _like_for_like(out["account"], both, cells, base_cells)
    out["delta_lfl"] = change.delta
    out["se_change"] = change.se
    out["df_change"] = change.df
    out["p_change"] = p_change(out["delta_lfl"], out["se_change"], out["df_change"])
    significant = (out["p_change"] < FDR_LEVEL).astype(object)
    out["significant"] = significant.where(out["p_change"].notna(), None)
    out["q_change"] = bh_q_values(out["p_change"])
    fdr = (out["q_change"] <= FDR_LEVEL).astype(object)
    out["significant_fdr"] = fdr.where(out["q_change"].notna(), None)
    out["flags"] = [
        [*flags, ROLES_CHANGED] if moved else flags
        for flags, moved in zip(out["flags"], changed, strict=True)
    ]
    return out


ROLES_CHANGED = "roles_changed"
"""Flag: the account's roles with an index differ between the two waves."""


def _like_for_like(
    ids: pd.Series,
    both: np.ndarray,
    cells: IndexCells | None,
    base_cells: IndexCells | None,
) -> tuple[Change, np.ndarray]:
    """The like-for-like change of the accounts scored in both waves, in ``ids``'
    order, and whether their roles changed."""
    k = len(ids)
    empty = np.full(k, np.nan)
    changed = np.zeros(k, bool)
    if cells is None or base_cells is None:
        return Change(empty, empty.copy(), empty.copy(), np.zeros(k, int)), changed
    keys = ids.astype(str)
    rows_now = pd.Index(cells.accounts).get_indexer(keys)
    rows_base = pd.Index(base_cells.accounts).get_indexer(keys)
    pick = both & (rows_now >= 0) & (rows_base >= 0)
    now, base = _role_cells(cells), _role_cells(base_cells)
    found = like_for_like(
        now, base, rows_now[pick], rows_base[pick], cells.weights, cells.top_only
    )
    delta, se, df = empty.copy(), empty.copy(), empty.copy()
    delta[pick], se[pick], df[pick] = found.delta, found.se, found.df
    changed[pick] = (
        cells.present[rows_now[pick]] != base_cells.present[rows_base[pick]]
    ).any(axis=1)
    common = np.zeros(k, int)
    common[pick] = found.common
    return Change(delta, se, df, common), changed


def _role_cells(cells: IndexCells) -> RoleCells:
    return RoleCells(n=cells.n, m=cells.m, mean=cells.m, ss=cells.ss)


def role_means(total: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per role the respondent mean ``Σ_a T_ar / Σ_a n_ar``.

    ``total`` and ``n`` (accounts x roles) hold each account and role's sum of
    the scores and count of scores present, the accounts in id order, each cell
    summed in row order: both producers of the cell statistics sum
    this way, so their by-role tables agree to the last digit (summing the rows
    of a role in another order changes the last bits). NaN for a role without
    scores. Example: totals ``[[150, 60]]`` over counts ``[[2, 1]]`` give
    ``[75, 60]``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.ascontiguousarray(total).sum(axis=0) / np.ascontiguousarray(n).sum(
            axis=0
        )


def role_nps(
    promoters: np.ndarray, detractors: np.ndarray, answered: np.ndarray
) -> np.ndarray:
    """Per role ``NPS = 100 (Σ_a P_ar − Σ_a D_ar) / Σ_a n_ar`` from per-account x
    role counts of promoters, detractors and NPS answers (as :func:`role_means`)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (
            np.ascontiguousarray(promoters).sum(axis=0)
            - np.ascontiguousarray(detractors).sum(axis=0)
        ) / np.ascontiguousarray(answered).sum(axis=0)
    return 100 * share


def lifecycle_table(accounts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Pillar scores per lifecycle phase, with the phase's priority pillar.

    Columns: ``phase, accounts, index``, the pillar ids, ``priority_pillar``,
    ``priority_score``, ``priority_rank`` (1 = the phase's best pillar),
    ``pillar_average`` and ``priority_below_average``.
    """
    phase = config.columns.phase
    if not phase or phase not in accounts or not config.pillars:
        return pd.DataFrame()
    pillars = list(config.pillars)
    grouped = accounts.dropna(subset=[phase]).groupby(phase, sort=True)
    table = grouped[["index", *pillars]].mean()
    table.insert(0, "accounts", grouped.size())
    table["priority_pillar"] = [config.phases.get(str(p)) for p in table.index]
    table["priority_score"] = [
        row.get(row["priority_pillar"], np.nan) if row["priority_pillar"] else np.nan
        for _, row in table.iterrows()
    ]
    ranks = (
        table[pillars].round(ORDER_DECIMALS).rank(axis=1, ascending=False, method="min")
    )
    table["priority_rank"] = [
        ranks.loc[i, p] if p in pillars else np.nan
        for i, p in zip(table.index, table["priority_pillar"], strict=True)
    ]
    table["pillar_average"] = table[pillars].mean(axis=1)
    table["priority_below_average"] = table["priority_score"] < table["pillar_average"]
    return table.rename_axis("phase").reset_index()
