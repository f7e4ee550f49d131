"""Fay–Herriot empirical Bayes on the account table (docs/method.md#shrinkage-and-reliability).

Each account index ``I_a`` is the true score plus sampling noise of known variance
``SE_a²``; true scores vary between accounts with variance ``τ²``, estimated by
restricted maximum likelihood (REML).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Shrinkage:
    """A Fay–Herriot fit, one value per account (NaN for accounts not in the fit).

    Attributes
    ----------
    tau2 : between-account variance ``τ²`` (NaN when no account has an SE).
    mu : precision-weighted mean ``μ``.
    reliability : ``B_a = τ² / (τ² + SE_a²)``.
    index_eb : ``μ + B_a (I_a − μ)``.
    index_eb_se : ``sqrt(B_a SE_a² + (1 − B_a)² / Σ u)``.
    fitted : accounts that took part (a defined index and SE).
    """

    tau2: float
    mu: float
    reliability: np.ndarray
    index_eb: np.ndarray
    index_eb_se: np.ndarray
    fitted: np.ndarray


def reml_score(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """Derivative of the REML log-likelihood of the random-effects model in ``τ²``.

    ``½ Σ u² (y − μ̂)² − ½ Σ u + ½ Σ u² / Σ u`` with ``u = 1/(τ² + v)`` and
    ``μ̂ = Σ u y / Σ u`` (Viechtbauer 2005, eq. 11).
    """
    u = 1.0 / (tau2 + v)
    mu = float(u @ y / u.sum())
    return float(0.5 * (u**2 @ (y - mu) ** 2) - 0.5 * u.sum() + 0.5 * (u @ u) / u.sum())


def reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate of the between-account variance ``τ²`` (kept ≥ 0).

    Solves the REML score equation by bisection to machine precision (the score
    is positive below the root and negative above it); ``τ² = 0`` when the score
    is not positive at 0 (no variation beyond noise). Pure numpy, so scoring does
    not load scipy.

    Parameters
    ----------
    y : account estimates ``I_a``.
    v : their known sampling variances ``SE_a²`` (positive).

    Reference: R ``metafor::rma(yi = y, vi = v, method = "REML")`` (Viechtbauer
    2010); the tests pin metafor's optimum to 1e-7 relative.
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    if len(y) < 2:
        return 0.0
    spread = float(np.var(y, ddof=1))
    if not v.any():  # no sampling noise: the REML optimum is the sample variance
        return spread
    lower = 0.0 if v.min() > 0 else 1e-12 * (spread + float(v.max()))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if not reml_score(lower, y, v) > 0:
            return 0.0
        upper = 10.0 * spread + float(v.max()) + 1.0
        while reml_score(upper, y, v) > 0:
            upper *= 2.0
        return _bisect(lambda t: reml_score(t, y, v), lower, upper)


def _bisect(score: Callable[[float], float], low: float, high: float) -> float:
    """The root of a decreasing-through-zero ``score`` on ``[low, high]``.

    Halves the bracket until its ends are adjacent floating-point numbers (or
    ``score`` is exactly 0), so the result is the root to machine precision.
    """
    for _ in range(2000):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        value = score(middle)
        if value == 0:
            return middle
        if value > 0:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def fay_herriot(index: np.ndarray, se: np.ndarray) -> Shrinkage:
    """Shrink account indices towards the portfolio mean by their reliability.

    Over the accounts with a defined index and SE: ``τ²`` by REML,
    ``u_a = 1/(τ² + SE_a²)``, ``μ = Σ u_a I_a / Σ u_a``,
    ``B_a = τ²/(τ² + SE_a²)``, ``index_eb = μ + B_a (I_a − μ)`` and
    ``index_eb_se = sqrt(B_a SE_a² + (1 − B_a)² / Σ u_a)``. With ``τ² = 0``
    every account gets ``μ`` and reliability 0. An account with ``SE_a = 0`` has
    reliability 1 (it is known exactly; with ``τ² = 0`` such accounts alone
    make ``μ``).

    Parameters
    ----------
    index : ``I_a`` per account (NaN when not scored).
    se : ``SE_a`` per account (NaN when undefined).

    Returns
    -------
    Shrinkage, aligned with the inputs; accounts outside the fit get NaN.

    Reference: R ``metafor::rma(yi = I, sei = SE, method = "REML")`` then
    ``blup()`` (pred and se); Fay & Herriot (1979), JASA 74, 269-277.
    """
    index, se = np.asarray(index, float), np.asarray(se, float)
    fitted = ~np.isnan(index) & ~np.isnan(se)
    empty = np.full(len(index), np.nan)
    if not fitted.any():
        return Shrinkage(np.nan, np.nan, empty, empty.copy(), empty.copy(), fitted)
    y, v = index[fitted], se[fitted] ** 2
    tau2 = reml_tau2(y, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = v == 0
        if tau2 == 0 and exact.any():
            u = np.where(exact, 1.0, 0.0)  # exactly known accounts carry the mean
            b = np.where(exact, 1.0, tau2 / (tau2 + v))
        else:
            u = 1.0 / (tau2 + v)
            b = tau2 / (tau2 + v)
        mu = float(u @ y / u.sum())
        eb = mu + b * (y - mu)
        eb_se = np.sqrt(b * v + (1.0 - b) ** 2 / u.sum())
    out = [empty.copy(), empty.copy(), empty.copy()]
    for column, values in zip(out, (b, eb, eb_se), strict=True):
        column[fitted] = values
    return Shrinkage(tau2, mu, out[0], out[1], out[2], fitted)
