"""Internal consistency of a scale: Cronbach's α, Feldt's interval, item–rest
correlations and α if an item is dropped (docs/method.md#scale-reliability).

Every function takes the complete cases of one scale: a respondents x items array
with no missing value (listwise deletion is the caller's, so each statistic here
is on the same rows).
"""

from __future__ import annotations

import numpy as np

ALPHA_LEVEL = 0.95
"""The coverage of Feldt's interval."""


def _covariance(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError("a scale needs a respondents x items array of 2+ items")
    if x.shape[0] < 2:
        return np.full((x.shape[1], x.shape[1]), np.nan)
    return np.atleast_2d(np.cov(x, rowvar=False, ddof=1))


def _alpha_of(cov: np.ndarray) -> float:
    j = cov.shape[0]
    total = float(cov.sum())
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    return j / (j - 1) * (1.0 - float(np.trace(cov)) / total)


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's α of the items (columns) of ``x``.

    ``α = J/(J − 1) · (1 − Σ_j var_j / var_total)``, with sample variances
    (n − 1) of the ``J`` items and of their sum (Cronbach 1951). NaN with fewer
    than two respondents or when the sum does not vary.

    Examples
    --------
    >>> round(cronbach_alpha(np.array([[1, 2], [2, 3], [3, 3], [4, 5]])), 4)
    0.96
    """
    return _alpha_of(_covariance(x))


def feldt_interval(
    alpha: float, n: int, items: int, level: float = ALPHA_LEVEL
) -> tuple[float, float]:
    """Feldt's interval of Cronbach's α.

    ``(1 − α̂) / (1 − α)`` follows an F distribution with ``n − 1`` and
    ``(n − 1)(J − 1)`` degrees of freedom (Feldt 1965; Feldt, Woodruff & Salih
    1987), so the interval is ``1 − (1 − α̂) F_{1−p/2}`` to ``1 − (1 − α̂) F_{p/2}``,
    ``p = 1 − level``; as R's ``psych::alpha.ci(alpha, n.obs, n.var)``.

    Examples
    --------
    >>> low, high = feldt_interval(0.8, 100, 5)
    >>> round(low, 4), round(high, 4)
    (0.7306, 0.8559)
    """
    from scipy.stats import f

    if not np.isfinite(alpha) or n < 2 or items < 2:
        return float("nan"), float("nan")
    p = 1.0 - level
    df1, df2 = n - 1, (n - 1) * (items - 1)
    low = 1.0 - (1.0 - alpha) * float(f.ppf(1.0 - p / 2, df1, df2))
    high = 1.0 - (1.0 - alpha) * float(f.ppf(p / 2, df1, df2))
    return low, high


def item_rest_correlations(x: np.ndarray) -> np.ndarray:
    """Per item, its correlation with the sum of the other items ("corrected
    item–total" correlation).

    ``r_j = cov(x_j, T − x_j) / sqrt(var_j · var(T − x_j))``, ``T`` the row sum;
    R's ``psych::alpha(x)$item.stats$r.drop``. A negative value says the item
    runs against the others: its reverse coding is likely missing (or wrong).
    NaN for an item or a rest that does not vary.

    Examples
    --------
    >>> x = np.array([[1, 2, 5], [2, 3, 4], [3, 3, 2], [4, 5, 1]])
    >>> np.round(item_rest_correlations(x), 3)
    array([-0.674, -0.688, -0.949])
    """
    cov = _covariance(x)
    total = cov.sum()
    variance = np.diag(cov)
    with_total = cov.sum(axis=0)
    rest = total - 2.0 * with_total + variance
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (with_total - variance) / np.sqrt(variance * rest)
    return np.where((variance > 0) & (rest > 0), r, np.nan)


def alpha_if_deleted(x: np.ndarray) -> np.ndarray:
    """Per item, Cronbach's α of the other items (R's ``psych::alpha(x)$alpha.drop$raw_alpha``).

    NaN for every item of a two-item scale (one item left has no α).

    Examples
    --------
    >>> x = np.array([[1, 2, 5], [2, 3, 4], [3, 3, 2], [4, 5, 1]])
    >>> np.round(alpha_if_deleted(x), 3)
    array([ -8.727, -28.   ,   0.96 ])
    """
    cov = _covariance(x)
    j = cov.shape[0]
    if j < 3:
        return np.full(j, np.nan)
    keep = ~np.eye(j, dtype=bool)
    return np.array([_alpha_of(cov[np.ix_(keep[i], keep[i])]) for i in range(j)])


def items_running_against(x: np.ndarray) -> list[int]:
    """The items that look reverse-worded: flipped one at a time, most negative
    item–rest correlation first, until none is negative.

    One reversed statement drags down the item–rest correlation of the others too
    (the rest they are correlated with contains it), so the plain sign would name
    innocent items; flipping the worst and looking again names the item itself.
    Flipping is ``−x_j`` (the same correlations as ``100 − s`` on item scores).

    Examples
    --------
    >>> x = np.array([[1, 2, 5], [2, 3, 4], [3, 3, 2], [4, 5, 1]])
    >>> items_running_against(x)
    [2]
    """
    flipped = np.asarray(x, dtype=float).copy()
    found: list[int] = []
    for _ in range(flipped.shape[1]):
        r = item_rest_correlations(flipped)
        if not np.any(r < 0):
            break
        worst = int(np.nanargmin(r))
        found.append(worst)
        flipped[:, worst] = -flipped[:, worst]
    return found
