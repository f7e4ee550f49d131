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
    tau2 : between-account variance ``τ²`` by REML (NaN when no account has an SE).
    mu : precision-weighted mean ``μ``.
    reliability : ``B_a = τ² / (τ² + SE_a²)``.
    index_eb : ``μ + B_a (I_a − μ)``.
    index_eb_se : ``sqrt(g1 + g2 + 2 g3)`` at the adjusted-likelihood ``τ̃²``
        (:func:`eb_mse`).
    fitted : accounts that took part (a defined index and SE).
    tau2_mse : ``τ̃²``, the between-account variance behind ``index_eb_se``.
    """

    tau2: float
    mu: float
    reliability: np.ndarray
    index_eb: np.ndarray
    index_eb_se: np.ndarray
    fitted: np.ndarray
    tau2_mse: float = float("nan")


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


ADJUSTED_MIN_ACCOUNTS = 4
"""Fewer accounts than this: the adjusted likelihood has no maximum; REML ``τ²`` is used."""


def adjusted_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """Li & Lahiri's adjusted-likelihood estimate ``τ̃²`` of the between-account variance.

    The maximiser of ``l_REML(τ²) + log τ²``: the root of
    ``reml_score(τ²) + 1/τ²``, which is positive near 0 and, from 4 accounts on,
    negative for large ``τ²``, so ``τ̃² > 0`` always (found by bisection to
    machine precision). With fewer than 4 accounts the REML ``τ²``.

    Reference: Li, H. & Lahiri, P. (2010), "An adjusted maximum likelihood method
    for solving small area estimation problems", *Journal of Multivariate
    Analysis* 101, 882-892; checked against the maximiser of metafor's REML
    log-likelihood at fixed ``τ²`` plus ``log τ²`` (tests/reference/v21_reference.R).
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    if len(y) < ADJUSTED_MIN_ACCOUNTS:
        return reml_tau2(y, v)
    scale = float(np.var(y, ddof=1)) + float(v.max()) + 1.0

    def score(t: float) -> float:
        return reml_score(t, y, v) + 1.0 / t

    lower = 1e-12 * scale
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        while not score(lower) > 0 and lower > 1e-300:
            lower *= 1e-3
        upper = 10.0 * scale
        while score(upper) > 0:
            upper *= 2.0
        return _bisect(score, lower, upper)


def eb_mse(tau2: float, v: np.ndarray) -> np.ndarray:
    """Mean squared error of the shrunken index, ``g1 + g2 + 2 g3``, at ``τ²``.

    With ``D_a = SE_a²`` and ``γ_a = τ²/(τ² + D_a)``: ``g1 = γ_a D_a``,
    ``g2 = (1 − γ_a)² / Σ_j 1/(τ² + D_j)``,
    ``g3 = D_a² (τ² + D_a)^{−3} · 2 / Σ_j (τ² + D_j)^{−2}`` (Prasad & Rao 1990;
    Datta & Lahiri 2000: g3 counts the uncertainty of the estimated ``τ²``).
    ``g3`` takes ``2 / Σ (τ² + D_j)^{−2}``, the asymptotic variance of the REML
    ``τ²``. Reference: Rao & Molina (2015), *Small Area Estimation*, §6.2.

    Example: ``τ² = 10`` and ``D = (10, 10, 10, 10)`` give ``γ = ½``,
    ``g1 = 5``, ``g2 = ¼ / 0.2 = 1.25``, ``g3 = 100 / 8000 · 2 / 0.01 = 2.5``:
    ``MSE = 11.25``.
    """
    v = np.asarray(v, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = tau2 + v
        exact = total == 0
        gamma = np.where(exact, 1.0, tau2 / np.where(exact, 1.0, total))
        inv = np.where(exact, 0.0, 1.0 / np.where(exact, 1.0, total))
        g1 = gamma * v
        g2 = (1.0 - gamma) ** 2 / inv.sum() if inv.sum() > 0 else np.zeros_like(v)
        spread = float((inv**2).sum())
        g3 = np.where(exact, 0.0, v**2 * inv**3) * (2.0 / spread if spread else 0.0)
    return g1 + g2 + 2.0 * g3


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
    ``B_a = τ²/(τ² + SE_a²)``, ``index_eb = μ + B_a (I_a − μ)``, and
    ``index_eb_se = sqrt(g1 + g2 + 2 g3)`` (:func:`eb_mse`) at Li & Lahiri's
    adjusted-likelihood ``τ̃²`` (:func:`adjusted_tau2`), which is never 0, so
    the uncertainty does not collapse onto ``μ`` when REML gives ``τ² = 0``
    (docs/method.md#shrunken-index-interval). With ``τ² = 0``
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
    ``blup()`` (pred); Fay & Herriot (1979), JASA 74, 269-277.
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
    tau2_mse = adjusted_tau2(y, v)
    eb_se = np.sqrt(eb_mse(tau2_mse, v))
    out = [empty.copy(), empty.copy(), empty.copy()]
    for column, values in zip(out, (b, eb, eb_se), strict=True):
        column[fitted] = values
    return Shrinkage(tau2, mu, out[0], out[1], out[2], fitted, tau2_mse)
