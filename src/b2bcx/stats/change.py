"""Why the portfolio moved: exact decompositions of a change, migration between bands,
and the change expected from regression to the mean (docs/method.md#why-it-moved).

Pure numpy: every function takes aligned arrays and returns numbers; which accounts,
waves and weights go in is decided by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

PARTS = ("continuing", "weight_mix", "entered", "left")
"""The parts of the index change, in the order they are shown."""


@dataclass(frozen=True)
class IndexChange:
    """The change of the weighted mean account index, split into four parts.

    Attributes
    ----------
    before, after : the weighted means ``Ȳ0`` and ``Ȳ1`` over each wave's scored
        accounts.
    total : ``Ȳ1 − Ȳ0`` = ``continuing + weight_mix + entered + left``.
    continuing, weight_mix, entered, left : the parts (docs/method.md#why-it-moved).
    counts : accounts behind each part (continuing and weight_mix: those scored in
        both waves).
    """

    before: float
    after: float
    total: float
    continuing: float
    weight_mix: float
    entered: float
    left: float
    counts: dict[str, int]


def _mean(y: np.ndarray, w: np.ndarray) -> float:
    total = w.sum()
    return float(w @ y / total) if total > 0 else 0.0


def index_change(
    y0: np.ndarray, v0: np.ndarray, y1: np.ndarray, v1: np.ndarray
) -> IndexChange:
    """Split the change of a weighted mean of account values into four exact parts.

    ``B`` = accounts with a value in both waves, ``E`` = now only (entered),
    ``L`` = before only (left); ``u0, u1`` the weights renormalised within ``B``,
    ``ū = (u0 + u1)/2``; ``s1_E``, ``s0_L`` the weight shares of ``E`` and ``L`` in
    their wave:

    - ``continuing = Σ_B ū_a (Y1_a − Y0_a)``
    - ``weight_mix = Σ_B (u1_a − u0_a)(Y1_a + Y0_a)/2``
    - ``entered = s1_E (Ȳ1_E − Ȳ1_B)``
    - ``left = −s0_L (Ȳ0_L − Ȳ0_B)``

    They add up to ``Ȳ1 − Ȳ0`` exactly (a shift-share identity). An account counts
    in a wave when its value is defined and its weight positive.

    Parameters
    ----------
    y0, v0 : value and weight of each account in the baseline (NaN: not scored).
    y1, v1 : the same now, aligned with ``y0`` (one entry per account of either wave).

    Examples
    --------
    >>> nan = float("nan")
    >>> c = index_change(
    ...     np.array([50.0, 60.0, 70.0, nan]), np.ones(4),
    ...     np.array([55.0, 60.0, nan, 40.0]), np.ones(4))
    >>> round(c.total, 9) == round(c.continuing + c.weight_mix + c.entered + c.left, 9)
    True
    >>> round(c.continuing, 6), round(c.entered, 6), round(c.left, 6)
    (2.5, -5.833333, -5.0)
    """
    y0, v0, y1, v1 = (np.asarray(a, float) for a in (y0, v0, y1, v1))
    in0 = ~np.isnan(y0) & (np.nan_to_num(v0) > 0)
    in1 = ~np.isnan(y1) & (np.nan_to_num(v1) > 0)
    both, entered, left = in0 & in1, in1 & ~in0, in0 & ~in1
    before = _mean(y0[in0], v0[in0])
    after = _mean(y1[in1], v1[in1])
    parts = dict.fromkeys(PARTS, 0.0)
    if both.any():
        u0 = v0[both] / v0[both].sum()
        u1 = v1[both] / v1[both].sum()
        a0, a1 = y0[both], y1[both]
        parts["continuing"] = float(((u0 + u1) / 2) @ (a1 - a0))
        parts["weight_mix"] = float((u1 - u0) @ ((a1 + a0) / 2))
        kept1, kept0 = float(u1 @ a1), float(u0 @ a0)
        if entered.any():
            share = v1[entered].sum() / v1[in1].sum()
            parts["entered"] = float(share * (_mean(y1[entered], v1[entered]) - kept1))
        if left.any():
            share = v0[left].sum() / v0[in0].sum()
            parts["left"] = float(-share * (_mean(y0[left], v0[left]) - kept0))
    else:  # no account in both waves: the whole change is turnover
        parts["entered"] = after if in1.any() else 0.0
        parts["left"] = -before if in0.any() else 0.0
    counts = {
        "continuing": int(both.sum()),
        "weight_mix": int(both.sum()),
        "entered": int(entered.sum()),
        "left": int(left.sum()),
    }
    return IndexChange(
        before=before,
        after=after,
        total=after - before,
        counts=counts,
        **parts,
    )


@dataclass(frozen=True)
class RateMix:
    """A rate change split into the groups' own change and the change of their mix.

    Attributes
    ----------
    before, after : ``Σ s0_g N0_g`` and ``Σ s1_g N1_g``.
    total : ``after − before`` = ``rate + mix``.
    rate : ``Σ_g (s0_g + s1_g)/2 · (N1_g − N0_g)``.
    mix : ``Σ_g (s1_g − s0_g)(N0_g + N1_g)/2``.
    """

    before: float
    after: float
    total: float
    rate: float
    mix: float


def kitagawa(
    share0: np.ndarray, rate0: np.ndarray, share1: np.ndarray, rate1: np.ndarray
) -> RateMix:
    """Kitagawa's decomposition of the change of a mix of group rates.

    ``share`` are the groups' shares of the respondents in each wave (each sums to
    1 over the groups present), ``rate`` the groups' NPS. A group absent from a
    wave (share 0) takes the other wave's rate there, so its whole contribution is
    mix; the identity ``rate + mix = after − before`` holds whatever that rate is.

    Reference: Kitagawa (1955), JASA 50, 1168–1194.

    Examples
    --------
    >>> r = kitagawa(np.array([.5, .5]), np.array([20., -20.]),
    ...              np.array([.8, .2]), np.array([20., -20.]))
    >>> round(r.rate, 9), round(r.mix, 9), round(r.total, 9)
    (0.0, 12.0, 12.0)
    """
    s0, n0, s1, n1 = (np.asarray(a, float) for a in (share0, rate0, share1, rate1))
    n0 = np.where(np.isnan(n0) | (s0 == 0), n1, n0)
    n1 = np.where(np.isnan(n1) | (s1 == 0), n0, n1)
    n0, n1 = np.nan_to_num(n0), np.nan_to_num(n1)
    rate = float(((s0 + s1) / 2) @ (n1 - n0))
    mix = float((s1 - s0) @ ((n0 + n1) / 2))
    before, after = float(s0 @ n0), float(s1 @ n1)
    return RateMix(before=before, after=after, total=after - before, rate=rate, mix=mix)


@dataclass(frozen=True)
class MarginalTest:
    """Stuart–Maxwell test of marginal homogeneity of a square table."""

    statistic: float
    df: int
    p: float


def stuart_maxwell(table: np.ndarray) -> MarginalTest:
    """Stuart–Maxwell test that the row and column margins of a square table agree.

    ``d_i = n_i· − n_·i``; ``V_ii = n_i· + n_·i − 2 n_ii``, ``V_ij = −(n_ij + n_ji)``;
    the statistic ``dᵀ V⁺ d`` (Moore–Penrose inverse) on ``rank(V)`` degrees of
    freedom, chi-squared. Empty table or ``rank(V) = 0``: NaN statistic and p.

    Reference: Stuart (1955), Maxwell (1970); R ``coin::mh_test`` (asymptotic).

    Examples
    --------
    >>> t = stuart_maxwell(np.array([[10, 5, 0], [2, 20, 3], [0, 1, 9]]))
    >>> t.df, round(t.statistic, 4)
    (2, 2.2857)
    """
    n = np.asarray(table, float)
    rows, cols = n.sum(axis=1), n.sum(axis=0)
    d = rows - cols
    v = -(n + n.T)
    np.fill_diagonal(v, rows + cols - 2 * np.diag(n))
    rank = int(np.linalg.matrix_rank(v)) if n.sum() else 0
    if rank == 0:
        return MarginalTest(float("nan"), 0, float("nan"))
    from scipy import stats  # on first use: scoring a CSV does not load scipy

    statistic = float(d @ np.linalg.pinv(v) @ d)
    return MarginalTest(statistic, rank, float(stats.chi2.sf(statistic, rank)))


def regression_to_mean(
    index_baseline: np.ndarray, eb_baseline: np.ndarray
) -> np.ndarray:
    """The change expected from regression to the mean, with no real change.

    ``delta_rtm = −(1 − B_a)(I_a − μ) = index_eb_a − I_a`` in the baseline: an
    account measured far from the mean on thin data is expected to come back by
    the part of its distance that its reliability does not vouch for.

    Reference: Barnett, van der Pols & Dobson (2005), Int J Epidemiol 34, 215–220.

    Examples
    --------
    >>> regression_to_mean(np.array([30.0]), np.array([40.0]))
    array([10.])
    """
    return np.asarray(eb_baseline, float) - np.asarray(index_baseline, float)


def waterfall_bars(
    before: float, steps: dict[str, float], after: float
) -> pd.DataFrame:
    """The bars of a waterfall chart drawn as stacked columns.

    One row per bar (``Before``, each step, ``Now``): ``base`` is the invisible part,
    ``level`` the full bars of the start and the end, ``rise``/``fall`` the visible
    part of a step. ``attrs["floor"]`` is where the value axis starts: one spread of
    the levels below the lowest, rounded down, so small steps can be seen.

    Examples
    --------
    >>> bars = waterfall_bars(64.7, {"a": -0.5, "b": 0.1}, 64.3)
    >>> bars["bar"].tolist(), round(bars.attrs["floor"], 6)
    (['Before', 'a', 'b', 'Now'], 63.7)
    """
    levels = [before, after]
    level = before
    for step in steps.values():
        level += step
        levels.append(level)
    low, high = min(levels), max(levels)
    spread = max(high - low, 0.1)
    unit = 10 ** math.floor(math.log10(spread))
    floor = max(0.0, unit * math.floor((low - spread) / unit))
    rows = [("Before", floor, before - floor, 0.0, 0.0)]
    level = before
    for label, step in steps.items():
        bottom, size = min(level, level + step), abs(step)
        rise, fall = (size, 0.0) if step >= 0 else (0.0, size)
        rows.append((label, bottom, 0.0, rise, fall))
        level += step
    rows.append(("Now", floor, after - floor, 0.0, 0.0))
    table = pd.DataFrame(rows, columns=["bar", "base", "level", "rise", "fall"])
    table.attrs["floor"] = floor
    return table
