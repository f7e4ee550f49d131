"""Tests for 2×k tables of counts: exact by enumeration, and their asymptotic forms.

Pure numpy/scipy. Row 0 of a table counts respondents who mention a factor, row 1 those
who do not; the columns are the experience groups. Exact p-values are conditional on
both margins: every table with the observed row and column totals is enumerated (with
numpy broadcasting) and weighted by its hypergeometric probability, computed in logs
with :func:`scipy.special.gammaln`. Nothing here draws random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from b2bcx.errors import AnalysisError

REL_TOLERANCE = 1e-7
"""Relative tolerance when comparing a table with the observed one (as R's fisher.test)."""

TREND_SCORES = (2.0, 1.0, 0.0)
"""Cochran–Armitage scores of the groups good, average, poor."""

MAX_TABLES = 20_000_000
"""Refuse to enumerate more candidate tables than this (memory guard)."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def as_table(table: npt.ArrayLike) -> IntArray:
    """Check that ``table`` is a 2×k table (k ≥ 2) of non-negative integer counts."""
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != 2 or counts.shape[1] < 2:
        raise AnalysisError(
            f"expected a 2×k table of counts with k ≥ 2, got shape {counts.shape}",
            hint="row 0 = mentioned, row 1 = not mentioned; one column per group",
        )
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise AnalysisError("table counts must be finite and non-negative")
    if np.any(counts != np.round(counts)):
        raise AnalysisError("table counts must be whole numbers")
    return counts.astype(np.int64)


def _log_comb(n: npt.ArrayLike, k: npt.ArrayLike) -> FloatArray:
    """log C(n, k), elementwise."""
    from scipy import special  # lazy: scipy is slow to import

    n_, k_ = np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    return np.asarray(
        special.gammaln(n_ + 1) - special.gammaln(k_ + 1) - special.gammaln(n_ - k_ + 1)
    )


def _log_probability(
    first_rows: IntArray, col_totals: IntArray, row_total: int
) -> FloatArray:
    """Hypergeometric log-probability of each first row, given both margins."""
    n = int(col_totals.sum())
    logs = _log_comb(col_totals[None, :], first_rows).sum(axis=1)
    return np.asarray(logs - _log_comb(n, row_total))


def enumerate_tables(col_totals: IntArray, row_total: int) -> IntArray:
    """Every first row (mentions per group) compatible with the margins.

    Returns an array of shape (tables, k); the second row is ``col_totals - first``.
    """
    ranges = [np.arange(min(int(c), row_total) + 1) for c in col_totals[:-1]]
    size = math.prod(len(r) for r in ranges)
    if size > MAX_TABLES:
        raise AnalysisError(
            f"exact test would enumerate {size:,} tables",
            hint="lower exact_limit so that the asymptotic test is used",
        )
    grids = np.meshgrid(*ranges, indexing="ij")
    first = np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)
    last = row_total - first.sum(axis=1)
    keep = (last >= 0) & (last <= col_totals[-1])
    return np.column_stack([first[keep], last[keep]])


def _scores(scores: Sequence[float], k: int) -> FloatArray:
    values = np.asarray(scores, dtype=float)
    if values.shape != (k,) or not np.all(np.isfinite(values)):
        raise AnalysisError(f"need {k} finite scores, one per column, got {scores!r}")
    return values


def cochran_armitage_exact(
    table: npt.ArrayLike, scores: Sequence[float] = TREND_SCORES
) -> float:
    """Two-sided exact Cochran–Armitage trend test for a 2×k table.

    Parameters
    ----------
    table : 2×k counts; row 0 mentioned, row 1 not; columns in score order
        (default good, average, poor).
    scores : column scores, default (2, 1, 0).

    Returns
    -------
    p : the sum of the hypergeometric probabilities of every table with the observed
        margins whose ``|T − E[T]|`` is at least the observed one (relative tolerance
        1e-7), where ``T = Σ_j s_j x_1j``.

    Notes
    -----
    Checked against docs/method.md#factor-screening (6/7, 3/7, 1/6 → p = 0.0262, as R
    ``coin::independence_test(..., distribution = "exact")``) and a brute-force
    enumeration with exact fractions (tests/test_lemke.py).
    """
    counts = as_table(table)
    s = _scores(scores, counts.shape[1])
    cols, row_total, n = counts.sum(axis=0), int(counts[0].sum()), int(counts.sum())
    first_rows = enumerate_tables(cols, row_total)
    centre = row_total * float(cols @ s)
    deviation = np.abs(n * (first_rows @ s) - centre)
    observed = abs(n * float(counts[0] @ s) - centre)
    extreme = deviation >= observed * (1 - REL_TOLERANCE)
    p = np.exp(_log_probability(first_rows[extreme], cols, row_total)).sum()
    return float(min(1.0, p))


def cochran_armitage_asymptotic(
    table: npt.ArrayLike, scores: Sequence[float] = TREND_SCORES
) -> float:
    """Two-sided asymptotic Cochran–Armitage trend test (conditional variance).

    ``Z² = (T − E[T])² / Var[T]`` with the permutation (hypergeometric) moments
    ``E[T] = R Σ c_j s_j / N`` and
    ``Var[T] = R (N − R) / (N (N − 1)) · (Σ c_j s_j² − (Σ c_j s_j)² / N)``, so that
    ``Z² = (N − 1) r²`` (r = Pearson correlation of mention and score); p from χ²₁.
    This is the large-sample form of :func:`cochran_armitage_exact` (as R
    ``coin::independence_test`` asymptotic); R's ``prop.trend.test`` uses N instead of
    N − 1. Returns NaN when the variance is zero (no variation).
    """
    from scipy import stats  # lazy: scipy is slow to import

    counts = as_table(table)
    s = _scores(scores, counts.shape[1])
    cols, row_total, n = counts.sum(axis=0), float(counts[0].sum()), float(counts.sum())
    if n < 2:
        return math.nan
    spread = float(cols @ s**2) - float(cols @ s) ** 2 / n
    variance = row_total * (n - row_total) / (n * (n - 1)) * spread
    if variance <= 0:
        return math.nan
    z_squared = (float(counts[0] @ s) - row_total * float(cols @ s) / n) ** 2 / variance
    return float(stats.chi2.sf(z_squared, 1))


def freeman_halton_exact(table: npt.ArrayLike) -> float:
    """Fisher–Freeman–Halton exact test for a 2×k table, by full enumeration.

    ``p`` is the total probability of the tables with the observed margins that are no
    more probable than the observed one (``P ≤ P_obs · (1 + 1e-7)``, as R
    ``fisher.test``). Checked against docs/method.md#factor-screening (6/7, 3/7, 1/6 → p = 0.0585, as R
    ``fisher.test``) and a brute-force enumeration with exact fractions.
    """
    counts = as_table(table)
    cols, row_total = counts.sum(axis=0), int(counts[0].sum())
    log_probs = _log_probability(enumerate_tables(cols, row_total), cols, row_total)
    observed = _log_probability(counts[:1], cols, row_total)[0]
    p = np.exp(log_probs[log_probs <= observed + math.log1p(REL_TOLERANCE)]).sum()
    return float(min(1.0, p))


def freeman_halton_asymptotic(table: npt.ArrayLike) -> float:
    """Pearson χ² test of independence with k − 1 degrees of freedom (large N).

    Same as ``scipy.stats.chi2_contingency`` for k ≥ 3; NaN when a margin is zero.
    """
    from scipy import stats  # lazy: scipy is slow to import

    counts = as_table(table)
    statistic = chi_square(counts)
    if math.isnan(statistic):
        return math.nan
    return float(stats.chi2.sf(statistic, counts.shape[1] - 1))


def chi_square(table: npt.ArrayLike) -> float:
    """Pearson χ² statistic ``Σ (O − E)² / E`` of a 2×k table (no continuity correction).

    NaN when a row or column total is zero (the test is undefined).
    """
    counts = as_table(table).astype(float)
    rows, cols, n = counts.sum(axis=1), counts.sum(axis=0), counts.sum()
    if np.any(rows == 0) or np.any(cols == 0):
        return math.nan
    expected = np.outer(rows, cols) / n
    return float(((counts - expected) ** 2 / expected).sum())


def cramers_v(table: npt.ArrayLike) -> float:
    """Cramér's V = sqrt(χ² / (N (min(r, c) − 1))); for a 2×k table sqrt(χ² / N).

    NaN when χ² is undefined. docs/method.md#factor-screening: 6/7, 3/7, 1/6 → V = 0.565.
    """
    counts = as_table(table)
    statistic = chi_square(counts)
    if math.isnan(statistic):
        return math.nan
    return math.sqrt(statistic / (counts.sum() * (min(counts.shape) - 1)))


def benjamini_hochberg(pvalues: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg q-values (step-up FDR adjustment), NaN-aware.

    ``q_(i) = min_{j ≥ i} min(1, m p_(j) / j)`` over the m non-NaN p-values; NaN stays
    NaN and does not count in m. Checked against ``scipy.stats.false_discovery_control``.
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    tested = ~np.isnan(p)
    if np.any((p[tested] < 0) | (p[tested] > 1)):
        raise AnalysisError("p-values must lie between 0 and 1")
    q = np.full(p.shape, np.nan)
    m = int(tested.sum())
    if m == 0:
        return q
    order = np.argsort(p[tested])
    ranked = p[tested][order] * (m / np.arange(1, m + 1))
    adjusted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    q_tested = np.empty(m)
    q_tested[order] = adjusted
    q[tested] = q_tested
    return q
