"""Uncertainty in one place: the z constant, normal intervals, standard errors of
weighted means and of NPS, and the significance of a change.

Every interval, margin and test of b2bcx takes its ``z`` from here
(docs/method.md#standard-error-and-interval). Renderers format the bounds these
functions return; they compute none of their own.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from b2bcx.errors import AnalysisError

Z95 = 1.959963984540054
"""``Φ⁻¹(0.975)``: the two-sided 95% normal quantile used by every interval."""


def normal_interval(
    estimate: np.ndarray | float,
    se: np.ndarray | float,
    lower: float = 0.0,
    upper: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """95% interval ``estimate ± z·SE``, clipped to ``lower..upper``.

    NaN where the standard error is undefined (never a zero-width interval).
    """
    estimate, se = np.asarray(estimate, float), np.asarray(se, float)
    low = np.clip(estimate - Z95 * se, lower, upper)
    high = np.clip(estimate + Z95 * se, lower, upper)
    return low, high


def weighted_mean(values: pd.Series, weights: pd.Series) -> tuple[float, float, int]:
    """Weighted mean of account values with its account-clustered standard error.

    Parameters
    ----------
    values : one value per account (index, a pillar, NPS, a change); NaN is skipped.
    weights : the account weights (equal or revenue); normalised over the ``k``
        accounts that have a value and a positive weight.

    Returns
    -------
    (mean, SE, k) with ``mean = Σ v_a Y_a`` and
    ``SE = sqrt(k/(k−1) · Σ v_a² (Y_a − Ȳ)²)``; for equal weights ``s/√k``.
    SE is NaN for fewer than two accounts.

    Checked against R ``survey::svymean(~y, svydesign(ids = ~1, weights = ~v))``.
    """
    x, v = values.to_numpy(float), weights.to_numpy(float)
    have = ~np.isnan(x) & ~np.isnan(v) & (v > 0)
    x, v = x[have], v[have]
    k = len(x)
    if k == 0:
        return np.nan, np.nan, 0
    v = v / v.sum()
    mean = float(v @ x)
    se = float(np.sqrt(k / (k - 1) * (v**2 @ (x - mean) ** 2))) if k > 1 else np.nan
    return mean, se, k


def nps_standard_error(promoters: float, detractors: float, n: float) -> float:
    """Standard error of an NPS from the +1/0/−1 coding of ``n`` respondents.

    ``SE = 100 · sqrt((p + d − (p − d)²) / n)``: the simple-random-sample formula,
    which treats respondents as independent. NaN for ``n = 0``.
    """
    if not n or np.isnan(promoters) or np.isnan(detractors):
        return np.nan
    spread = max(promoters + detractors - (promoters - detractors) ** 2, 0.0)
    return float(100.0 * np.sqrt(spread / n))


def change_significant(
    delta: pd.Series, se: pd.Series, se_baseline: pd.Series
) -> pd.Series:
    """``|Δ| > z · sqrt(SE² + SE_base²)``: True/False, or None when not testable.

    Not testable (None) when the change or either standard error is undefined;
    such an account is never counted as unchanged.
    """
    limit = Z95 * np.sqrt(se**2 + se_baseline**2)
    significant = (delta.abs() > limit).astype(object)
    return significant.where(delta.notna() & limit.notna(), None)


def wilson_interval(
    count: int, n: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a proportion ``count / n``.

    ``(p̂ + z²/2n ± z sqrt(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)``, z the normal
    quantile. ``(nan, nan)`` when n = 0. Checked against 5/20 → (0.1119, 0.4687)
    (R ``prop.test(5, 20, correct = FALSE)``).
    """
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence must be between 0 and 1, got {confidence}")
    if n < 0 or not 0 <= count <= max(n, 0):
        raise AnalysisError(f"need 0 ≤ count ≤ n, got count={count}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z = Z95 if confidence == 0.95 else NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    share, z2 = count / n, z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == n else min(1.0, centre + half)
    return (low, high)
