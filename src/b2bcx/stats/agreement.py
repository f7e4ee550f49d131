"""Agreement within an account, the intraclass correlations of the index, and the
respondents an account needs (docs/method.md#agreement-within-an-account).

Everything here works on per-account sums (``n``, ``Σx``, ``Σx²``), so the
respondent path and the streaming pass, which both have them, compute the same
numbers with the same formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_AGREEMENT_N = 3
"""``rwg_j`` is shown from this many respondents who answered every statement."""


def uniform_null_variance(lo: float, hi: float, options: int | None) -> float:
    """The variance of answers spread evenly over a scale: ``σ²_EU``.

    ``(A² − 1)/12`` for ``A`` answer options, ``(hi − lo)²/12`` for a continuous
    scale (``options`` None) (James, Demaree & Wolf 1984).

    Examples
    --------
    >>> uniform_null_variance(1, 5, 5)
    2.0
    >>> uniform_null_variance(0, 1, None)
    0.08333333333333333
    """
    if options is None:
        return (hi - lo) ** 2 / 12.0
    return (options**2 - 1) / 12.0


def rwg_j(
    n: np.ndarray,
    sums: np.ndarray,
    squares: np.ndarray,
    null_variance: np.ndarray,
    min_n: int = MIN_AGREEMENT_N,
) -> np.ndarray:
    """James, Demaree & Wolf's multi-item agreement index, per account.

    ``rwg_j = J (1 − S̄) / (J (1 − S̄) + S̄)`` with ``S̄`` the mean over the ``J``
    statements of ``s²_j / σ²_EU,j`` (each statement's sample variance, n − 1,
    over its uniform null variance), capped at 1 (James, Demaree & Wolf 1984);
    as R's ``multilevel::rwg.j(x, grpid, ranvar)`` when every statement shares
    one ``σ²_EU``.

    Parameters
    ----------
    n : per account, the respondents who answered every statement (listwise).
    sums, squares : per account x statement, ``Σx`` and ``Σx²`` of those respondents'
        answers (any linear rescaling of the answers, as long as
        ``null_variance`` is on the same scale).
    null_variance : per statement ``σ²_EU`` on the scale of ``sums``.
    min_n : accounts with fewer complete respondents get NaN ("too few to tell").

    Returns
    -------
    numpy.ndarray
        ``rwg_j`` in 0..1 per account (NaN below ``min_n``).

    Examples
    --------
    >>> x = np.array([[4.0, 5.0], [4.0, 4.0], [5.0, 5.0]])
    >>> round(float(rwg_j(np.array([3.0]), x.sum(0)[None], (x**2).sum(0)[None], np.array([2.0, 2.0]))[0]), 6)
    0.909091
    """
    n = np.asarray(n, dtype=float)
    sums = np.atleast_2d(np.asarray(sums, dtype=float))
    squares = np.atleast_2d(np.asarray(squares, dtype=float))
    items = sums.shape[1]
    enough = n >= max(min_n, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        count = n[:, None]
        variance = (squares - sums**2 / count) / (count - 1)
        variance = np.maximum(variance, 0.0)  # rounding below zero on equal answers
        ratio = np.minimum((variance / np.asarray(null_variance)).mean(axis=1), 1.0)
        agreement = items * (1 - ratio) / (items * (1 - ratio) + ratio)
    return np.where(enough & (items > 0), agreement, np.nan)


@dataclass(frozen=True)
class Icc:
    """Intraclass correlations of a score by account (one-way ANOVA).

    Attributes
    ----------
    icc1 : ``(MSB − MSW) / (MSB + (k̄ − 1) MSW)``, ``k̄ = N / G``: the share of a
        single answer's variance that lies between accounts.
    icc2 : ``(MSB − MSW) / MSB``: the reliability of an account mean (of ``k̄``).
    respondents, accounts : ``N`` and ``G`` (accounts with at least one value).
    """

    icc1: float
    icc2: float
    respondents: int
    accounts: int


def one_way_icc(n: np.ndarray, sums: np.ndarray, squares: np.ndarray) -> Icc:
    """ICC(1) and ICC(2) from per-account ``n``, ``Σx`` and ``Σx²`` (Bliese 2000).

    ``MSB = Σ_a n_a (m_a − m)² / (G − 1)``, ``MSW = Σ_a (Σx² − (Σx)²/n_a) / (N − G)``;
    as R's ``multilevel::ICC1`` / ``ICC2`` of ``aov(x ~ factor(account))``. NaN
    without two accounts or without an account of two respondents.

    Examples
    --------
    >>> groups = [np.array([60.0, 70.0, 65.0]), np.array([40.0, 50.0]), np.array([80.0, 90.0, 85.0])]
    >>> n = np.array([len(g) for g in groups], float)
    >>> s = np.array([g.sum() for g in groups]); q = np.array([(g**2).sum() for g in groups])
    >>> fit = one_way_icc(n, s, q)
    >>> round(fit.icc1, 4), round(fit.icc2, 4)
    (0.922, 0.9692)
    """
    n = np.asarray(n, dtype=float)
    here = n > 0
    n, sums, squares = (
        n[here],
        np.asarray(sums, float)[here],
        np.asarray(squares, float)[here],
    )
    total, groups = float(n.sum()), len(n)
    if groups < 2 or total - groups < 1:
        return Icc(math.nan, math.nan, int(total), groups)
    means = sums / n
    grand = float(sums.sum()) / total
    between = float(n @ (means - grand) ** 2) / (groups - 1)
    within = float(np.maximum(squares - sums * means, 0.0).sum()) / (total - groups)
    size = total / groups
    denominator = between + (size - 1) * within
    icc1 = (between - within) / denominator if denominator > 0 else math.nan
    icc2 = (between - within) / between if between > 0 else math.nan
    return Icc(icc1, icc2, int(total), groups)


def respondents_needed(icc1: float, target: float) -> float:
    """Spearman–Brown: respondents whose mean reaches reliability ``target``.

    ``k* = R* (1 − ICC1) / (ICC1 (1 − R*))``; NaN when ``ICC1 ≤ 0`` (the accounts
    do not differ: no number of respondents makes their means reliable) or the
    target is 1.

    Examples
    --------
    >>> round(respondents_needed(0.25, 0.7), 4)
    7.0
    """
    if not np.isfinite(icc1) or icc1 <= 0 or target >= 1:
        return math.nan
    return target * (1 - icc1) / (icc1 * (1 - target))


def contacts_needed(k_star: float, n: np.ndarray) -> np.ndarray:
    """More respondents each account needs: ``max(0, ⌈k*⌉ − n_a)`` (NaN without ``k*``).

    Examples
    --------
    >>> contacts_needed(2.49, np.array([1, 3, 5]))
    array([2., 0., 0.])
    """
    n = np.asarray(n, dtype=float)
    if not np.isfinite(k_star):
        return np.full(len(n), np.nan)
    return np.maximum(0.0, math.ceil(k_star) - n)


def chase_priority(
    weights: np.ndarray,
    se: np.ndarray,
    n: np.ndarray,
    scored: np.ndarray,
    pooled_variance: float,
) -> np.ndarray:
    """What one more answer from an account does for the weighted portfolio mean.

    The portfolio mean ``Σ v_a I_a`` has variance ``Σ v_a² SE_a²``; one more
    respondent in account ``a`` takes ``SE_a² = σ_a²/n_a`` to ``σ_a²/(n_a + 1)``, a
    fall of ``v_a² SE_a² / (n_a + 1)``: ``priority_a``. ``v_a = w_a / Σ w`` over the
    scored accounts; an account without an SE uses ``σ²/n_a`` with the pooled
    within-account variance ``σ²``.

    Parameters
    ----------
    weights : account weights ``w_a`` (1 for equal weights, or revenue).
    se : ``SE_a`` of the index (NaN when undefined).
    n : respondents per account.
    scored : accounts with an index (the weights are normalised over these).
    pooled_variance : ``σ²``.

    Examples
    --------
    >>> chase_priority(np.array([1.0, 3.0]), np.array([4.0, np.nan]), np.array([3, 1]),
    ...                np.array([True, True]), 20.0)
    array([0.25 , 5.625])
    """
    weights = np.asarray(weights, dtype=float)
    n = np.asarray(n, dtype=float)
    total = float(np.nansum(weights[np.asarray(scored, bool)]))
    v = weights / total if total > 0 else np.full(len(weights), np.nan)
    se2 = np.asarray(se, dtype=float) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        se2 = np.where(np.isnan(se2) & (n > 0), pooled_variance / n, se2)
        return v**2 * se2 / (n + 1)
