"""Student's t distribution in pure numpy: quantiles and two-sided p-values.

Scoring an export must not load scipy (it is slow to import), so the t quantile
and tail probability that the intervals and change tests of
docs/method.md#degrees-of-freedom need are computed here: the tail from the
regularised incomplete beta function by its continued fraction (Lentz's method,
Press et al. 2007, *Numerical Recipes* §6.4), the quantile by Newton's method on
that tail. Degrees of freedom need not be integers (Satterthwaite's are not).
Above :data:`LARGE_DF` the Cornish–Fisher expansion in ``1/ν`` is used, exact to
far below the tests' tolerance there. Checked against R ``qt``/``pt`` and
``scipy.special.stdtrit``/``stdtr`` (tests/test_intervals_t.py).
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054
"""``Φ⁻¹(0.975)``."""

LARGE_DF = 1e4
"""Degrees of freedom above which the quantile and tail use the expansion in 1/ν."""

_EPS = 1e-15
_TINY = 1e-300
_MAX_STEPS = 5000


def _lgamma(x: np.ndarray) -> np.ndarray:
    """``log Γ(x)`` elementwise (numpy has none; ``math.lgamma`` per element)."""
    return np.array([math.lgamma(v) for v in np.ravel(x).tolist()], float)


def _lbeta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _lgamma(a) + _lgamma(b) - _lgamma(a + b)


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction of ``I_x(a, b)`` (modified Lentz), elementwise."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    active = np.ones(len(x), bool)
    for m in range(1, _MAX_STEPS + 1):
        i = np.flatnonzero(active)
        if not len(i):
            break
        ai, bi, xi = a[i], b[i], x[i]
        m2 = 2.0 * m
        aa = m * (bi - m) * xi / ((qam[i] + m2) * (ai + m2))
        di = 1.0 + aa * d[i]
        di = 1.0 / np.where(np.abs(di) < _TINY, _TINY, di)
        ci = 1.0 + aa / c[i]
        ci = np.where(np.abs(ci) < _TINY, _TINY, ci)
        hi = h[i] * di * ci
        aa = -(ai + m) * (qab[i] + m) * xi / ((ai + m2) * (qap[i] + m2))
        di = 1.0 + aa * di
        di = 1.0 / np.where(np.abs(di) < _TINY, _TINY, di)
        ci = 1.0 + aa / ci
        ci = np.where(np.abs(ci) < _TINY, _TINY, ci)
        step = di * ci
        h[i], d[i], c[i] = hi * step, di, ci
        active[i] = np.abs(step - 1.0) > _EPS
    return h


def _incomplete_beta(
    a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The regularised incomplete beta function ``I_x(a, b)``, ``y = 1 − x``
    (given apart, so neither loses digits)."""
    out = np.empty_like(x)
    direct = x < (a + 1.0) / (a + b + 2.0)
    for sel, aa, bb, xx, yy in (
        (direct, a, b, x, y),
        (~direct, b, a, y, x),
    ):
        if not sel.any():
            continue
        aa, bb, xx, yy = aa[sel], bb[sel], xx[sel], yy[sel]
        with np.errstate(divide="ignore"):
            log_front = aa * np.log(xx) + bb * np.log(yy) - _lbeta(aa, bb)
        value = np.exp(log_front) / aa * _continued_fraction(aa, bb, xx)
        out[sel] = value if sel is direct else 1.0 - value
    return out


def _normal_upper(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.array([math.erfc(v / math.sqrt(2.0)) for v in x.tolist()], float)


def t_upper_tail(x: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """``P(T > x)`` for Student's t with ``df`` degrees of freedom, ``x ≥ 0``.

    ``P(T > x) = ½ I_{ν/(ν + x²)}(ν/2, ½)`` (Abramowitz & Stegun 26.7.1); above
    :data:`LARGE_DF` the normal tail with the first terms of its expansion in
    ``1/ν`` (A&S 26.7.8). ``df = inf`` is the normal tail; NaN in, NaN out.
    Equals R ``pt(x, df, lower.tail = FALSE)``.
    """
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    shape = x.shape
    x, df = x.ravel().copy(), df.ravel().copy()
    out = np.full(len(x), np.nan)
    ok = ~np.isnan(x) & ~np.isnan(df) & (df > 0)
    large = ok & (df > LARGE_DF)
    small = ok & ~large
    if small.any():
        nu, t = df[small], np.abs(x[small])
        z, w = nu / (nu + t * t), t * t / (nu + t * t)
        tail = np.where(t == 0, 0.5, 0.0)
        inner = (t > 0) & (w > 0)
        if inner.any():
            tail[inner] = 0.5 * _incomplete_beta(
                nu[inner] / 2.0, np.full(inner.sum(), 0.5), z[inner], w[inner]
            )
        tail[(t > 0) & (w == 0)] = 0.5
        out[small] = tail
    if large.any():
        nu, t = df[large], np.abs(x[large])
        density = np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)
        finite = np.isfinite(nu)
        inv = np.where(finite, 1.0 / np.where(finite, nu, 1.0), 0.0)
        g1 = (t**3 + t) / 4.0
        g2 = (3 * t**7 - 7 * t**5 - 5 * t**3 - 3 * t) / 96.0
        out[large] = _normal_upper(t) + density * (g1 * inv + g2 * inv * inv)
    return out.reshape(shape)


def t_two_sided_p(x: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Two-sided p-value ``2 P(T > |x|)``; NaN where ``x`` or ``df`` is NaN.

    Equals R ``2 * pt(-abs(x), df)``.
    """
    return 2.0 * t_upper_tail(np.abs(np.asarray(x, float)), df)


def _cornish_fisher(z: float, nu: np.ndarray) -> np.ndarray:
    """The t quantile from the normal one ``z`` (A&S 26.7.5), for large ``ν``."""
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / nu + g2 / nu**2 + g3 / nu**3 + g4 / nu**4


def t_quantile(df: np.ndarray | float) -> np.ndarray:
    """The 97.5% quantile ``t_{ν, 0.975}`` of Student's t, elementwise in ``ν``.

    ``ν`` need not be an integer; ``ν = inf`` gives ``z = 1.959964``, NaN or
    ``ν ≤ 0`` gives NaN. Distinct ``ν`` are solved once each: Newton's method on
    :func:`t_upper_tail` from the normal quantile (below the root the tail is
    convex, so a step from below never overshoots) from the Cornish–Fisher
    expansion, to 1e-13 relative; above :data:`LARGE_DF` that expansion alone.

    Reference: R ``qt(0.975, df)``. Example: ``t_quantile(4) = 2.776445``.
    """
    nu = np.asarray(df, float)
    flat = nu.ravel()
    out = np.full(len(flat), np.nan)
    ok = ~np.isnan(flat) & (flat > 0)
    if ok.any():
        values, inverse = np.unique(flat[ok], return_inverse=True)
        out[ok] = _quantiles(values)[inverse]
    return out.reshape(nu.shape)


def _quantiles(nu: np.ndarray) -> np.ndarray:
    q = np.full(len(nu), Z95)
    large = nu > LARGE_DF
    finite_large = large & np.isfinite(nu)
    q[finite_large] = _cornish_fisher(Z95, nu[finite_large])
    small = ~large
    if small.any():
        v = nu[small]
        x = np.maximum(_cornish_fisher(Z95, v), Z95)  # within 1.5 of the root at ν = 1
        coef = np.exp(_lgamma((v + 1) / 2) - _lgamma(v / 2)) / np.sqrt(v * math.pi)
        active = np.ones(len(v), bool)
        for _ in range(200):
            i = np.flatnonzero(active)
            if not len(i):
                break
            tail = t_upper_tail(x[i], v[i])
            density = coef[i] * (1.0 + x[i] ** 2 / v[i]) ** (-(v[i] + 1) / 2)
            step = (tail - 0.025) / density
            new = np.maximum(x[i] + step, Z95)
            active[i] = np.abs(new - x[i]) > 1e-13 * new
            x[i] = new
        q[small] = x
    return q
