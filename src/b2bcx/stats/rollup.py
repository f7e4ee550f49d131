"""Role weighting: individual respondents -> one index per account (docs/method.md#roll-up).

Respondents are grouped into account x role cells with integer codes and
``numpy.bincount``, so the roll-up has no Python loop over accounts or people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from b2bcx.stats.intervals import kish_effective_size


@dataclass(frozen=True)
class RollupSpec:
    """How respondents roll up into accounts.

    Attributes
    ----------
    role_weights : role id -> weight ``w_r > 0``, in config order.
    method : ``role_weighted``, ``mean`` or ``waterfall``.
    within_role : ``mean`` or ``median`` (the role's centre ``m_ar``).
    missing_roles : ``renormalize`` or ``exclude``.
    """

    role_weights: Mapping[str, float]
    method: str = "role_weighted"
    within_role: str = "mean"
    missing_roles: str = "renormalize"


@dataclass(frozen=True)
class Cells:
    """Respondents coded into account x role cells.

    ``account`` and ``role`` are integer codes per respondent into
    ``accounts`` and ``roles``.
    """

    account: np.ndarray
    role: np.ndarray
    accounts: pd.Index
    roles: tuple[str, ...]

    @classmethod
    def from_respondents(
        cls, accounts: pd.Series, roles: pd.Series, role_order: Sequence[str]
    ) -> Cells:
        """Code respondents' account ids and role ids (roles in ``role_order``)."""
        account_codes, account_ids = pd.factorize(accounts, sort=True)
        role_index = pd.Index(list(role_order))
        role_codes = role_index.get_indexer(roles)
        if (role_codes < 0).any() or (account_codes < 0).any():
            raise ValueError("every respondent needs an account and a configured role")
        return cls(account_codes, role_codes, pd.Index(account_ids), tuple(role_order))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.accounts), len(self.roles)

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Respondents per cell (optionally only where ``mask``), accounts x roles."""
        weights = None if mask is None else mask.astype(float)
        return self.total(weights)

    def total(self, weights: np.ndarray | None) -> np.ndarray:
        """Sum of ``weights`` (one per respondent) per cell, accounts x roles."""
        n_accounts, n_roles = self.shape
        key = self.account * n_roles + self.role
        total = np.bincount(key, weights=weights, minlength=n_accounts * n_roles)
        return total.reshape(n_accounts, n_roles).astype(float)


@dataclass(frozen=True)
class RoleCells:
    """Per account x role: respondents with a value ``n``, centre ``m``, squares ``ss``."""

    n: np.ndarray
    m: np.ndarray
    mean: np.ndarray
    ss: np.ndarray

    @classmethod
    def from_sums(
        cls,
        n: np.ndarray,
        total: np.ndarray,
        squares: np.ndarray,
        centre: np.ndarray | None = None,
    ) -> RoleCells:
        """The cells of ``n``, ``Σx`` and ``Σx²`` per account x role.

        ``mean = Σx / n`` and ``ss = Σx² − n·mean²`` (clipped at 0; 0 for an
        empty cell); the centre ``m`` is the mean unless given (cell medians).
        Example: values 50, 70, 90 give ``n = 3``, ``mean = 70``, ``ss = 800``.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
            ss = squares - n * mean**2
        ss = np.where(n > 0, np.maximum(ss, 0.0), 0.0)
        return cls(n=n, m=mean if centre is None else centre, mean=mean, ss=ss)

    @property
    def present(self) -> np.ndarray:
        return self.n > 0

    @property
    def degrees_of_freedom(self) -> np.ndarray:
        """``N_r − A_r`` per role: respondents minus accounts with that role."""
        return self.n.sum(axis=0) - self.present.sum(axis=0)

    def pooled_variance(self) -> np.ndarray:
        """Pooled within-account variance per role, with the all-roles fallback.

        ``σ_r² = Σ_a Σ_i (x_i − m_ar)² / (N_r − A_r)``. When ``N_r − A_r = 0``
        (never two respondents of the role in one account) the role borrows the
        variance pooled over all roles,
        ``Σ_r Σ_a Σ_i (x_i − m_ar)² / Σ_r (N_r − A_r)``; NaN only when that is
        undefined too. Deviations are taken from the cell mean.

        See docs/method.md#variance-fallback; checked against an independent R
        computation (tests/reference/v2_reference.R).
        """
        dof = self.degrees_of_freedom
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(dof > 0, self.ss.sum(axis=0) / dof, self.pooled_all())

    def pooled_all(self) -> float:
        """The within-account variance pooled over all roles,
        ``Σ_r Σ_a Σ_i (x_i − m_ar)² / Σ_r (N_r − A_r)`` (NaN when undefined)."""
        total_dof = self.degrees_of_freedom.sum()
        return float(self.ss.sum() / total_dof) if total_dof > 0 else float("nan")

    def borrowed(self) -> np.ndarray:
        """Per role: True when the role was heard but borrows the all-roles variance.

        A role with respondents and ``N_r − A_r = 0`` borrows when the all-roles
        variance exists; roles nobody answered borrow nothing (no account uses
        them), and when no role has a variance there is nothing to borrow.
        """
        dof = self.degrees_of_freedom
        heard = self.n.sum(axis=0) > 0
        return (dof == 0) & heard & (dof.sum() > 0)

    def variance_terms(self, c: np.ndarray) -> np.ndarray:
        """A variance ``Σ_r c_r σ²_r`` split over the independent role sums of squares.

        Parameters
        ----------
        c : accounts x roles, the coefficient ``c_r`` of each role's ``σ²_r``
            (0 for roles not used).

        Returns
        -------
        accounts x roles, ``T_k`` per role ``k`` with its own variance
        (``d_k = N_k − A_k > 0``), 0 elsewhere: ``T_k = c_k σ²_k + Σ_b c_b SS_k / D``
        over the roles ``b`` that borrow the pooled variance, ``D = Σ_k d_k``. The
        row sums are ``Σ_r c_r σ²_r``; each ``T_k`` rests on ``SS_k`` alone, with
        ``d_k`` degrees of freedom, which is what :func:`satterthwaite` needs
        (docs/method.md#degrees-of-freedom). NaN rows when a used role has no
        variance at all.
        """
        dof = self.degrees_of_freedom
        own = dof > 0
        role_ss = self.ss.sum(axis=0)
        total_dof = dof[own].sum()
        variance = self.pooled_variance()
        with np.errstate(invalid="ignore", divide="ignore"):
            mine = np.where(own, c * variance, 0.0)
            lent = np.where(own, 0.0, c).sum(axis=1)
            share = np.where(own, role_ss / total_dof, 0.0) if total_dof > 0 else None
        if share is None:
            return np.where(lent[:, None] > 0, np.nan, mine)
        return mine + lent[:, None] * share


def satterthwaite(terms: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """Satterthwaite degrees of freedom of a sum of independent variance terms.

    ``ν = (Σ_k T_k)² / Σ_k T_k² / d_k`` per row, over the columns with ``d_k > 0``
    (Satterthwaite 1946). NaN when the sum is zero or undefined.

    Parameters
    ----------
    terms : rows x terms, each ``T_k`` an estimated variance with ``d_k`` degrees
        of freedom (e.g. :meth:`RoleCells.variance_terms`).
    dof : ``d_k`` per column.

    Example: one term gives ``ν = d``; two equal terms with 2 and 4 df give
    ``(2T)² / (T²/2 + T²/4) = 5.33``. Checked against an independent R
    computation (tests/reference/v21_reference.R).
    """
    terms = np.asarray(terms, float)
    dof = np.asarray(dof, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(dof > 0, 1.0 / np.where(dof > 0, dof, 1.0), 0.0)
        total = terms.sum(axis=1)
        spread = (terms**2 * inv).sum(axis=1)
        nu = total**2 / spread
    return np.where((total > 0) & (spread > 0), nu, np.nan)


def role_cells(
    cells: Cells, values: np.ndarray, within_role: str = "mean"
) -> RoleCells:
    """Summarise a respondent-level score per account x role cell
    (:meth:`RoleCells.from_sums` of the cells' sums)."""
    have = ~np.isnan(values)
    filled = np.where(have, values, 0.0)
    centre = _cell_median(cells, values, have) if within_role == "median" else None
    return RoleCells.from_sums(
        cells.count(have), cells.total(filled), cells.total(filled**2), centre
    )


def _cell_median(cells: Cells, values: np.ndarray, have: np.ndarray) -> np.ndarray:
    n_accounts, n_roles = cells.shape
    key = (cells.account * n_roles + cells.role)[have]
    medians = pd.Series(values[have]).groupby(key).median()
    out = np.full(n_accounts * n_roles, np.nan)
    out[medians.index.to_numpy()] = medians.to_numpy()
    return out.reshape(n_accounts, n_roles)


@dataclass(frozen=True)
class AccountEstimate:
    """One rolled-up score per account: estimate, standard error, roles used.

    ``n_eff`` is the Kish effective size of the weighted mean, ``borrowed``
    marks the roles whose variance is the all-roles fallback (in role order) and
    ``df`` are the Satterthwaite degrees of freedom of ``se`` (NaN when ``se``
    is undefined or zero).
    """

    estimate: np.ndarray
    se: np.ndarray
    roles_used: np.ndarray
    n_eff: np.ndarray
    borrowed: np.ndarray
    df: np.ndarray


def roll_up(cells: Cells, values: np.ndarray, spec: RollupSpec) -> AccountEstimate:
    """Roll a respondent-level score up to accounts.

    ``role_weighted``: ``I_a = Σ_{r∈R_a} w_r m_ar / W_a``, ``W_a = Σ_{r∈R_a} w_r``,
    ``SE_a = sqrt(Σ (w_r/W_a)² σ_r² / n_ar)`` (docs/method.md#roll-up). ``waterfall`` uses only
    the highest-weighted role present; ``mean`` counts every respondent equally
    (one pooled group, SE from the pooled within-account variance).
    ``missing_roles: exclude`` leaves an account missing unless every role is present.
    """
    summary, pooled = summaries(cells, values, spec)
    return roll_up_cells(summary, spec, cells.roles, pooled)


def summaries(
    cells: Cells, values: np.ndarray, spec: RollupSpec
) -> tuple[RoleCells, RoleCells | None]:
    """The account x role summary of ``values`` and, for ``method: mean``, the
    summary over one group of all roles (what :func:`roll_up_cells` takes)."""
    summary = role_cells(cells, values, spec.within_role)
    pooled = None
    if spec.method == "mean":
        one_group = Cells(
            cells.account, np.zeros_like(cells.role), cells.accounts, ("all",)
        )
        pooled = role_cells(one_group, values, spec.within_role)
    return summary, pooled


def roll_up_cells(
    summary: RoleCells,
    spec: RollupSpec,
    roles: Sequence[str],
    pooled: RoleCells | None = None,
) -> AccountEstimate:
    """The roll-up from account x role cell summaries, whatever computed them.

    The one definition of the account roll-up: the product's tables give it the
    cells of :func:`b2bcx.scoring.finish.cell_summary` (from either producer of
    the cell statistics); :func:`roll_up` cells from respondent-level values.

    Parameters
    ----------
    summary : per account x role ``n``, centre, mean and squares (``role_cells``).
    spec : the roll-up method, role weights and missing-role rule.
    roles : the role ids of ``summary``'s columns, in order.
    pooled : for ``method: mean``, the same summary over one group of all roles.
    """
    if spec.method == "mean":
        if pooled is None:
            raise ValueError("`method: mean` needs the pooled cell summary")
        estimate = _weighted(pooled, pooled.present, np.ones(1))
        estimate = replace(estimate, borrowed=np.zeros(len(roles), dtype=bool))
    else:
        weights = np.array([spec.role_weights[r] for r in roles], dtype=float)
        used = summary.present
        if spec.method == "waterfall":
            used = _top_role(used, weights)
        estimate = _weighted(summary, used, weights)
    if spec.missing_roles == "exclude" and spec.method != "waterfall":
        complete = summary.present.all(axis=1)
        estimate = AccountEstimate(
            np.where(complete, estimate.estimate, np.nan),
            np.where(complete, estimate.se, np.nan),
            estimate.roles_used,
            np.where(complete, estimate.n_eff, np.nan),
            estimate.borrowed,
            np.where(complete, estimate.df, np.nan),
        )
    return estimate


def _top_role(present: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Keep only the highest-weighted role present (ties: config order)."""
    order = np.argsort(-weights, kind="stable")
    first = np.argmax(present[:, order], axis=1)
    top = np.zeros_like(present)
    rows = np.arange(present.shape[0])
    top[rows, order[first]] = present[rows, order[first]]
    return top


def _weighted(
    summary: RoleCells, used: np.ndarray, weights: np.ndarray
) -> AccountEstimate:
    w = np.where(used, weights, 0.0)
    total_weight = w.sum(axis=1)
    variance = summary.pooled_variance()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = w / total_weight[:, None]
        estimate = np.where(used, share * np.nan_to_num(summary.m), 0.0).sum(axis=1)
        c = np.where(used, share**2 / summary.n, 0.0)
        terms = np.where(used, c * variance, 0.0)
    estimate[total_weight == 0] = np.nan
    se = np.sqrt(terms.sum(axis=1))
    se[(total_weight == 0) | np.isnan(terms).any(axis=1)] = np.nan
    n_eff = kish_effective_size(share, summary.n, used)
    n_eff[total_weight == 0] = np.nan
    df = satterthwaite(summary.variance_terms(c), summary.degrees_of_freedom)
    df[np.isnan(se) | (se == 0)] = np.nan
    return AccountEstimate(estimate, se, used, n_eff, summary.borrowed(), df)


@dataclass(frozen=True)
class Change:
    """The like-for-like change of accounts between two waves.

    ``delta`` over the roles heard in both waves, its standard error ``se`` and
    Satterthwaite degrees of freedom ``df`` (NaN where not testable), and
    ``common`` the number of roles compared.
    """

    delta: np.ndarray
    se: np.ndarray
    df: np.ndarray
    common: np.ndarray


def like_for_like(
    now: RoleCells,
    base: RoleCells,
    rows_now: np.ndarray,
    rows_base: np.ndarray,
    weights: np.ndarray,
    top_only: bool = False,
) -> Change:
    """The change of an account over the roles heard in both waves.

    Over ``C`` = the roles with an index in both waves (the highest-weighted of
    them for ``waterfall``), weights renormalised over ``C``:
    ``Δ = Σ_{r∈C} (w_r/W_C)(m_ar − m'_ar)``,
    ``SE² = Σ_{r∈C} (w_r/W_C)² (σ²_r/n_ar + σ'²_r/n'_ar)``, each wave with its own
    pooled role variances (and fallback), and ``df`` by Satterthwaite over both
    waves' independent role sums of squares (:meth:`RoleCells.variance_terms`).
    Not testable (NaN ``se`` and ``df``): no common role, or an SE or df
    undefined or zero (docs/method.md#like-for-like-change).

    Parameters
    ----------
    now, base : each wave's account x role cells over all its accounts (the
        pooled variances are the whole wave's).
    rows_now, rows_base : the row of each compared account in ``now`` and ``base``.
    weights : ``w_r`` per role (column).
    top_only : keep only the highest-weighted common role (``waterfall``).

    Example: one role heard in both waves, 2 and 3 respondents, variances 100 and
    150 on 10 and 12 df: ``SE² = 50 + 50``, ``df = 100² / (50²/10 + 50²/12)``.
    """
    n1, n0 = now.n[rows_now], base.n[rows_base]
    common = (n1 > 0) & (n0 > 0)
    if top_only:
        common = _top_role(common, weights)
    w = np.where(common, weights, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = w / total[:, None]
        gap = np.nan_to_num(now.m[rows_now]) - np.nan_to_num(base.m[rows_base])
        delta = np.where(common, share * gap, 0.0).sum(axis=1)
        c1 = np.where(common, share**2 / n1, 0.0)
        c0 = np.where(common, share**2 / n0, 0.0)
    terms = np.hstack([now.variance_terms(c1), base.variance_terms(c0)])
    dof = np.concatenate([now.degrees_of_freedom, base.degrees_of_freedom])
    se = np.sqrt(terms.sum(axis=1))
    df = satterthwaite(terms, dof)
    untestable = (total == 0) | np.isnan(se) | (se == 0) | np.isnan(df)
    delta[total == 0] = np.nan
    se[untestable] = np.nan
    df[untestable] = np.nan
    return Change(delta, se, df, common.sum(axis=1))


def coverage(present: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Share of role weight that answered: ``Σ_{r∈R_a} w_r / Σ_r w_r``."""
    return (present * weights).sum(axis=1) / weights.sum()


def role_gap(role_means: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Highest minus lowest role mean per account (NaN with fewer than two roles)."""
    high = np.where(present, role_means, -np.inf).max(axis=1)
    low = np.where(present, role_means, np.inf).min(axis=1)
    return np.where(present.sum(axis=1) >= 2, high - low, np.nan)


TIE = 1e-9
"""Scores closer than this to a flag threshold count as on it."""


def account_flags(
    n: np.ndarray,
    coverage_share: np.ndarray,
    gap: np.ndarray,
    decision_present: np.ndarray | None,
    decision_detractors: np.ndarray | None,
    thresholds: Mapping[str, float],
) -> list[list[str]]:
    """The risk flags of each account, in a fixed order (docs/method.md#roll-up).

    ``thresholds`` holds ``role_gap``, ``low_coverage`` and ``min_respondents``.
    """
    conditions = {
        "insufficient_n": n < thresholds["min_respondents"],
        "single_contact": n == 1,
        "no_decision_maker": (
            ~decision_present
            if decision_present is not None
            else np.zeros_like(n, bool)
        ),
        "decision_maker_detractor": (
            decision_detractors > 0
            if decision_detractors is not None
            else np.zeros_like(n, bool)
        ),
        # a gap of exactly the threshold counts whatever the summation order
        # (means of 80 and 60 may differ by 19.999999999999993)
        "role_gap": np.nan_to_num(gap, nan=-1.0) >= thresholds["role_gap"] - TIE,
        "low_coverage": coverage_share < thresholds["low_coverage"],
    }
    matrix = np.column_stack(list(conditions.values()))
    return names_per_row(matrix, list(conditions))


def names_per_row(matrix: np.ndarray, names: Sequence[str]) -> list[list[str]]:
    """Per row, the names of its True columns.

    Rows are encoded as bit masks, so each list is built once per distinct
    pattern, not once per account (rows with the same pattern share one list).
    """
    bits = np.int64(1) << np.arange(matrix.shape[1], dtype=np.int64)
    patterns, inverse = np.unique(matrix.astype(np.int64) @ bits, return_inverse=True)
    lists = [[n for j, n in enumerate(names) if int(p) >> j & 1] for p in patterns]
    return [lists[i] for i in inverse.ravel().tolist()]


def pareto_tiers(
    revenue: pd.Series, a_share: float = 0.80, b_share: float = 0.95
) -> pd.Series:
    """A/B/C tiers by revenue (Pareto).

    Accounts sorted by revenue, descending: tier A while the cumulative share
    *before* the account is below 80% (so the account that reaches 80% is A),
    then B below 95%, then C. Accounts without revenue get no tier; when no
    account has a revenue above 0, none gets one (there are no shares).
    """
    known = revenue.dropna()
    # largest first; equal revenues in index (account) order, whatever the row order
    known = known.iloc[np.lexsort((known.index.astype(str), -known.to_numpy(float)))]
    total = known.sum()
    if not total > 0:
        return pd.Series(np.nan, index=revenue.index, dtype=object)
    before = (known.cumsum() - known) / total
    tiers = pd.Series(
        np.where(before < a_share, "A", np.where(before < b_share, "B", "C")),
        index=known.index,
    )
    return tiers.reindex(revenue.index)
