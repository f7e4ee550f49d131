"""Uncertainty in one place: t and normal intervals, standard errors of weighted
means and of NPS, and the significance of a change.

Every interval, margin and test of b2bcx takes its quantile from here: ``t`` with
Satterthwaite or ``k − 1`` degrees of freedom, ``z`` only for the adjusted-Wald NPS
interval and the Wilson interval (docs/method.md#degrees-of-freedom). Renderers
format the bounds these functions return; they compute none of their own.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from b2bcx.errors import AnalysisError
from b2bcx.stats.tdist import Z95, t_quantile, t_two_sided_p

__all__ = ["Z95", "t_quantile", "t_two_sided_p"]


def t_margin(se: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """95% margin of error ``t_{ν, 0.975} · SE`` (docs/method.md#degrees-of-freedom).

    ``ν`` need not be an integer; ``ν = inf`` gives the normal ``z · SE``. A zero
    SE gives a zero margin whatever ``ν`` (NaN); NaN where SE is undefined, or
    where SE > 0 and ``ν`` is undefined.
    """
    se, q = np.asarray(se, float), t_quantile(df)
    with np.errstate(invalid="ignore"):
        return np.where(se == 0, 0.0, q * se)


def t_interval(
    estimate: np.ndarray | float,
    se: np.ndarray | float,
    df: np.ndarray | float,
    lower: float = 0.0,
    upper: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """95% interval ``estimate ± t_{ν, 0.975} SE``, clipped to ``lower..upper``.

    ``ν`` is not rounded. SE undefined: empty (NaN); SE = 0: the point itself.
    Reference: R ``estimate + c(-1, 1) * qt(0.975, df) * se``
    (tests/reference/v21_reference.R). Example: estimate 70, SE 5, 4 df gives
    ``70 ± 2.776 · 5 = 56.12..83.88``.
    """
    estimate = np.asarray(estimate, float)
    margin = t_margin(se, df)
    low = np.clip(estimate - margin, lower, upper)
    high = np.clip(estimate + margin, lower, upper)
    return low, high


def weighted_mean(values: pd.Series, weights: pd.Series) -> tuple[float, float, int]:
    """Weighted mean of account values with its account-clustered standard error.

    Parameters
    ----------
    values : one value per account (index, a pillar, NPS, a change); NaN is skipped.
    weights : the account weights (equal or revenue); normalised over the ``k``
        accounts that have a value and a positive, finite weight (divided by
        their largest first, so that no sum overflows).

    Returns
    -------
    (mean, SE, k) with ``mean = Σ v_a Y_a`` and
    ``SE = sqrt(k/(k−1) · Σ v_a² (Y_a − Ȳ)²)``; for equal weights ``s/√k``.
    SE is NaN for fewer than two accounts.

    Checked against R ``survey::svymean(~y, svydesign(ids = ~1, weights = ~v))``.
    """
    x, v = values.to_numpy(float), weights.to_numpy(float)
    have = ~np.isnan(x) & ~np.isnan(v) & (v > 0)
    x, v = x[have & np.isfinite(v)], v[have & np.isfinite(v)]
    k = len(x)
    if k == 0:
        return np.nan, np.nan, 0
    v = v / v.max()  # scaled first: the sum of huge weights cannot overflow
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


def kish_effective_size(
    shares: np.ndarray, n: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """Kish effective size of a role-weighted mean, one per account.

    Parameters
    ----------
    shares : accounts x roles, the normalised role weights ``w_r / W_a``.
    n : accounts x roles, respondents with a value ``n_ar``.
    used : accounts x roles, the roles ``R_a`` in the account's mean.

    Returns
    -------
    ``n_eff_a = 1 / Σ_{r∈R_a} (w_r/W_a)² / n_ar``; NaN for an account with no role.
    With one role (or equal weights per respondent) it is the number of respondents.

    Reference: Kish (1965), *Survey Sampling*, design effect of unequal weights
    (docs/method.md#account-nps-interval).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(used, np.asarray(shares, float) ** 2 / n, 0.0)
        total = terms.sum(axis=1)
        return np.where(used.any(axis=1) & (total > 0), 1.0 / total, np.nan)


def adjusted_wald_nps_interval(
    promoters: np.ndarray | float,
    detractors: np.ndarray | float,
    n_eff: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted Wald 95% interval of an NPS (Rocks 2016), at an effective size.

    ``p̃ = (n p + 3/4)/(n + 3)``, ``d̃ = (n d + 3/4)/(n + 3)``;
    interval ``100(p̃ − d̃) ± z · 100 · sqrt((p̃ + d̃ − (p̃ − d̃)²)/(n + 3))``,
    clipped to −100..100. The interval is centred on ``100(p̃ − d̃)`` (it leans
    towards 0 for few respondents), contains it, and is never of zero width.

    Parameters
    ----------
    promoters, detractors : (role-weighted) promoter and detractor shares, 0..1.
    n_eff : the effective number of respondents (the plain count for one role).

    Reference: Rocks, B. (2016), "Interval estimation for the 'net promoter
    score'", *The American Statistician* 70(4), 365-372 (docs/method.md#account-nps-interval).
    NaN where any input is NaN.
    """
    p = np.asarray(promoters, float)
    d = np.asarray(detractors, float)
    n = np.asarray(n_eff, float)
    p_adj = (n * p + 0.75) / (n + 3.0)
    d_adj = (n * d + 0.75) / (n + 3.0)
    centre = 100.0 * (p_adj - d_adj)
    spread = np.maximum(p_adj + d_adj - (p_adj - d_adj) ** 2, 0.0)
    half = Z95 * 100.0 * np.sqrt(spread / (n + 3.0))
    return np.clip(centre - half, -100.0, 100.0), np.clip(centre + half, -100.0, 100.0)


def p_change(delta: pd.Series, se: pd.Series, df: pd.Series) -> pd.Series:
    """Two-sided p-value of a change with ``df`` degrees of freedom.

    ``p = 2 (1 − F_t(|Δ| / SE; df))`` (docs/method.md#like-for-like-change). NaN
    (not testable) when the change, its SE or df is undefined, or the SE is zero.

    Reference: R ``2 * pt(-abs(delta / se), df)``. Example: Δ = 9.375, SE = 9.22
    on 12.4 df gives p = 0.329.
    """
    se = se.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (delta.astype(float).abs() / se).where(se > 0)
    p = t_two_sided_p(x.to_numpy(float), df.astype(float).to_numpy())
    return pd.Series(p, index=delta.index, dtype=float)


def bh_q_values(p_values: pd.Series) -> pd.Series:
    """Benjamini–Hochberg q-values over the p-values that are defined.

    ``q_(i) = min_{j ≥ i} min(1, m p_(j) / j)`` over the ``m`` non-missing
    p-values; missing p-values (not testable) stay missing and are not counted
    in ``m``.

    Reference: Benjamini & Hochberg (1995); equals R ``p.adjust(p, "BH")`` and
    ``scipy.stats.false_discovery_control(p, method="bh")`` (the tests check both).
    """
    q = pd.Series(np.nan, index=p_values.index, dtype=float)
    tested = p_values.notna().to_numpy()
    p = p_values.to_numpy(float)[tested]
    m = len(p)
    if m:
        order = np.argsort(p, kind="stable")
        scaled = p[order] * m / np.arange(1, m + 1)
        adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
        out = np.empty(m)
        out[order] = adjusted
        q[tested] = out
    return q


def paired_change(
    delta: pd.Series, weights: pd.Series
) -> tuple[float, float, float, float, int]:
    """Paired change of a segment: weighted mean of account changes, SE, interval.

    ``Δ̄ = Σ v_a Δ_a``, ``SE = sqrt(k/(k−1) Σ v_a² (Δ_a − Δ̄)²)`` over the ``k``
    accounts with a change (both waves) and a positive weight; interval
    ``Δ̄ ± t_{k−1, 0.975} SE`` clipped to −100..100 (R ``t.test(paired = TRUE)``'s
    ``conf.int`` for equal weights).

    Returns
    -------
    (delta, delta_se, delta_ci_low, delta_ci_high, k); NaN SE and interval for
    fewer than two accounts.

    Reference: for equal weights the SE is R ``t.test(I, I_base, paired = TRUE)``'s
    standard error (docs/method.md#paired-segment-change).
    """
    mean, se, k = weighted_mean(delta, weights)
    low, high = t_interval(mean, se, k - 1, -100.0, 100.0)
    return mean, se, float(low), float(high), k
