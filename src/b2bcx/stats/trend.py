"""Trends over three or more waves: account slopes with known variances, shrunk like
the index, and the portfolio slope with account-clustered errors
(docs/method.md#trends).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from b2bcx.stats.intervals import Z95, bh_q_values
from b2bcx.stats.shrinkage import fay_herriot

MIN_WAVES = 3
"""Waves with an index and an SE an account needs for a slope."""
FDR_LEVEL = 0.05


def wls_slope(t: np.ndarray, index: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares slope of an account's index on time, known variances.

    ``w = 1/SE²``, ``t̄_w = Σ w t / Σ w``, ``b = Σ w (t − t̄_w)(I − Ī_w) / Σ w (t − t̄_w)²``,
    ``se_b = sqrt(1 / Σ w (t − t̄_w)²)``.

    Reference: R ``lm(I ~ t, weights = w)``: the coefficient, and its SE divided by
    the residual sigma (the variances are known, not estimated).

    Examples
    --------
    >>> b, se = wls_slope(np.array([0., 1., 2.]), np.array([60., 58., 55.]),
    ...                   np.array([2., 2., 2.]))
    >>> round(b, 6), round(se, 6)
    (-2.5, 1.414214)
    """
    t, y, s = (np.asarray(a, float) for a in (t, index, se))
    w = 1.0 / s**2
    tw = w @ t / w.sum()
    yw = w @ y / w.sum()
    sxx = float(w @ (t - tw) ** 2)
    if sxx <= 0:
        return float("nan"), float("nan")
    return float(w @ ((t - tw) * (y - yw)) / sxx), float(np.sqrt(1.0 / sxx))


def account_slopes(panel: pd.DataFrame) -> pd.DataFrame:
    """Per account, the slope of its index over the waves, shrunk and tested.

    Parameters
    ----------
    panel : one row per account and wave: ``account, t, index, se`` (``t`` =
        0, 1, … the wave's position). Rows without an index or with ``se`` NaN or
        not positive are left out.

    Returns
    -------
    pandas.DataFrame
        One row per account with ``waves`` (the waves used) and, from
        :data:`MIN_WAVES` waves, ``slope, slope_se`` (:func:`wls_slope`),
        ``slope_eb, slope_reliability`` (Fay–Herriot REML across the accounts'
        slopes, as the index is shrunk), ``p_slope = 2(1 − Φ(|b|/se_b))``,
        ``q_slope`` (Benjamini–Hochberg) and ``deteriorating`` (``b < 0`` and
        ``q_slope ≤ 0.05``); sorted by account.
    """
    used = panel[panel["index"].notna() & (panel["se"] > 0)]
    rows = []
    for account, group in used.groupby("account", sort=True):
        slope, se = (
            wls_slope(group["t"], group["index"], group["se"])
            if len(group) >= MIN_WAVES
            else (np.nan, np.nan)
        )
        rows.append((account, len(group), slope, se))
    out = pd.DataFrame(rows, columns=["account", "waves", "slope", "slope_se"])
    out["account"] = out["account"].astype(str)
    fit = fay_herriot(out["slope"].to_numpy(float), out["slope_se"].to_numpy(float))
    out["slope_eb"] = fit.index_eb
    out["slope_reliability"] = fit.reliability
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.abs(out["slope"] / out["slope_se"])
    out["p_slope"] = 2 * (1 - _normal_cdf(z))
    out["q_slope"] = bh_q_values(out["p_slope"])
    falling = (out["slope"] < 0) & (out["q_slope"] <= FDR_LEVEL)
    out["deteriorating"] = falling.astype(object).where(out["q_slope"].notna(), None)
    return out


def _normal_cdf(z: pd.Series) -> pd.Series:
    from scipy import stats

    return pd.Series(stats.norm.cdf(z.to_numpy(float)), index=z.index)


@dataclass(frozen=True)
class PortfolioSlope:
    """The portfolio's trend: least squares on every scored account-wave.

    Attributes
    ----------
    slope, se : the coefficient of ``t`` and its account-clustered (CR1) SE.
    ci_low, ci_high : ``slope ± z·se``.
    accounts, observations : the clusters ``G`` and the account-waves ``N``.
    """

    slope: float
    se: float
    ci_low: float
    ci_high: float
    accounts: int
    observations: int


def portfolio_slope(panel: pd.DataFrame) -> PortfolioSlope:
    """Slope of the account × wave index on ``t``, weighted by the account weights.

    Weighted least squares of ``I_at`` on ``(1, t)`` with weights ``v_at`` (the
    account weights of the portfolio means: equal, or revenue), over every scored
    account-wave; the cluster-robust variance
    ``(XᵀWX)⁻¹ (Σ_g u_g u_gᵀ) (XᵀWX)⁻¹ · G/(G−1) · (N−1)/(N−K)`` with
    ``u_g = Σ_{i∈g} w_i x_i e_i`` summed over each account ``g`` (CR1, ``K = 2``).

    Reference: R ``sandwich::vcovCL(lm(I ~ t, weights = v), cluster = ~account,
    type = "HC1")``.

    Parameters
    ----------
    panel : ``account, t, index, weight`` per account-wave.
    """
    used = panel[panel["index"].notna() & (panel["weight"] > 0)]
    n, g = len(used), used["account"].nunique()
    if n < 3 or g < 2 or used["t"].nunique() < 2:
        nan = float("nan")
        return PortfolioSlope(nan, nan, nan, nan, g, n)
    x = np.column_stack([np.ones(n), used["t"].to_numpy(float)])
    y = used["index"].to_numpy(float)
    w = used["weight"].to_numpy(float)
    bread = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = bread @ (x.T @ (w * y))
    score = x * (w * (y - x @ beta))[:, None]
    codes = pd.factorize(used["account"])[0]
    per_account = np.zeros((g, 2))
    np.add.at(per_account, codes, score)
    meat = per_account.T @ per_account
    factor = g / (g - 1) * (n - 1) / (n - 2)
    cov = factor * bread @ meat @ bread
    slope, se = float(beta[1]), float(np.sqrt(cov[1, 1]))
    return PortfolioSlope(slope, se, slope - Z95 * se, slope + Z95 * se, g, n)


def sparkline(
    values: list[float], low: float | None = None, high: float | None = None
) -> str:
    """A row of block characters, one per wave (blank where not scored).

    ``low`` and ``high`` fix the scale (e.g. the portfolio's range, so that a small
    wobble looks small); by default the values' own range.

    Examples
    --------
    >>> sparkline([60.0, float("nan"), 50.0, 40.0])
    '█ ▅▁'
    >>> sparkline([60.0, 58.0], low=0.0, high=100.0)
    '▅▅'
    """
    blocks = "▁▂▃▄▅▆▇█"
    known = [v for v in values if v == v]
    if not known:
        return " " * len(values)
    low = min(known) if low is None else low
    high = max(known) if high is None else high
    span = high - low
    out = []
    for v in values:
        if v != v:
            out.append(" ")
        else:
            level = 0 if span <= 0 else round((v - low) / span * (len(blocks) - 1))
            out.append(blocks[min(max(level, 0), len(blocks) - 1)])
    return "".join(out)
