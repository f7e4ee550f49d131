"""Key-driver analysis: which pillars explain an outcome, and where to act.

Two decompositions of the R² of a linear model of the outcome on the drivers, both
computed from the correlation matrix (drivers first, outcome last): Johnson's (2000)
relative weights (default) and the exact Shapley/LMG decomposition over all subsets.
Both were checked against the reference matrix of docs/method.md#drivers (Johnson 2000; R
``relaimpo``) and Shapley against ``pingouin.linear_regression(relimp=True)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import combinations
from math import factorial
from numbers import Integral, Real

import numpy as np
import pandas as pd

from b2bcx.errors import AnalysisError, Problem
from b2bcx.stats.order import ORDER_DECIMALS

MAX_SHAPLEY_DRIVERS = 15
METHODS = ("rwa", "shapley")
COLUMNS = [
    "driver",
    "label",
    "importance",
    "importance_pct",
    "ci_low",
    "ci_high",
    "pct_ci_low",
    "pct_ci_high",
    "performance",
    "quadrant",
]
_REQUEST_OPTIONS = ("method", "bootstrap", "confidence")
FEW_CASES = 50  # below this many complete cases a driver ranking is a hint only
AGREES, DIFFERS = "agrees", "differs"  # measured top driver vs a published priority
LOW_R2 = 0.05
"""Below this R² a model explains almost nothing: no quadrant advice."""
NO_ADVICE = "—"
"""The quadrant shown when a model is reported without quadrant advice."""
_COLLINEAR_TOL = 1e-10  # smallest / largest eigenvalue of R_xx below this: singular
_CHUNK_CELLS = 4_000_000  # bound on array cells per vectorised bootstrap step
_PRODUCT_CELLS = 8_000_000  # resample x account counts per bootstrap matrix product
_CONSTANT_TOL = 1e-13  # variance / mean square below this: a constant column
_ROW_BLOCK = 65_536  # rows per block when summing cross-products
_OTHER_ROLES = "\x00other roles"  # the group of respondents outside the roles shown
Decompose = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class DriverResult:
    """Key drivers of one outcome in one group of respondents.

    Attributes
    ----------
    table : one row per driver, columns ``driver, label, importance, importance_pct,
        ci_low, ci_high, performance, quadrant`` (see :func:`key_drivers`).
    r2 : R² of the linear model of the outcome on all drivers.
    n : complete cases used; dropped : rows dropped by listwise deletion.
    method : ``"rwa"`` or ``"shapley"``; outcome : the outcome column.
    resamples : usable bootstrap resamples behind ``ci_low``/``ci_high``.
    warnings : why the quadrants are withheld (R² below 0.05), if they are.
    clusters : accounts resampled by the cluster bootstrap (0: respondents were).
    """

    table: pd.DataFrame
    r2: float
    n: int
    dropped: int
    method: str
    outcome: str
    resamples: int = 0
    warnings: tuple[str, ...] = ()
    clusters: int = 0


def withhold_advice(table: pd.DataFrame) -> pd.DataFrame:
    """The driver table with every quadrant replaced by ``—`` (no advice)."""
    return table.assign(quadrant=NO_ADVICE)


def low_r2_warning(r2: float, outcome: str) -> str | None:
    """The warning for a model with ``R² < 0.05``, else None."""
    if r2 < LOW_R2:
        return (
            f"R² = {r2:.3f} (< {LOW_R2:g}): the drivers explain almost nothing of "
            f"{outcome}; no quadrant advice"
        )
    return None


def relative_weights(corr: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's (2000) relative weights from a correlation matrix.

    With ``R_xx = V diag(λ) V'`` and ``Λ = V diag(√λ) V'`` (the correlations of the
    drivers with their closest orthogonal counterparts), ``β = Λ⁻¹ r_xy`` and the raw
    weight of driver j is ``ε_j = Σ_k Λ_jk² β_k²``; ``R² = Σ_k β_k² = Σ_j ε_j``.

    Parameters
    ----------
    corr : (p+1, p+1) correlation matrix, drivers first, outcome last.

    Returns
    -------
    weights : raw relative weights (sum to R²); r2 : the model's R².

    Checked against Johnson (2000) via docs/method.md#drivers (0.2407, 0.0549, 0.1214, 0.2816).
    """
    corr = _checked_corr(corr)
    weights = _rwa_many(corr[None])[0]
    return weights, float(weights.sum())


def relative_weights_data(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """:func:`relative_weights` of the sample correlation of columns ``X`` and ``y``."""
    data = np.column_stack([np.asarray(X, dtype=float), np.asarray(y, dtype=float)])
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(data, rowvar=False)
    return relative_weights(corr)


def shapley_lmg(corr: np.ndarray) -> tuple[np.ndarray, float]:
    """Exact Shapley (LMG) decomposition of R² over all subsets of drivers.

    ``R²(S) = r_yS' R_SS⁻¹ r_yS`` is computed once per subset S (bitmask-indexed);
    driver j receives ``Σ_{S∌j} |S|! (p-|S|-1)! / p! · (R²(S ∪ j) − R²(S))``.

    Parameters
    ----------
    corr : (p+1, p+1) correlation matrix, drivers first, outcome last; p ≤ 15.

    Returns
    -------
    weights : LMG importances (sum to R²); r2 : the model's R².

    Checked against R ``relaimpo`` (docs/method.md#drivers: 0.2381, 0.0561, 0.1180, 0.2864) and
    ``pingouin.linear_regression(relimp=True)``.
    """
    corr = _checked_corr(corr)
    _check_shapley_size(corr.shape[0] - 1)
    weights = _lmg_many(corr[None])[0]
    return weights, float(weights.sum())


def quadrants(importance: np.ndarray, performance: np.ndarray) -> list[str]:
    """Importance–performance quadrant of each driver (≥ the mean counts as high)."""
    imp = np.asarray(importance, dtype=float)
    perf = np.asarray(performance, dtype=float)
    names = {
        (True, False): "fix first",
        (True, True): "maintain",
        (False, False): "monitor",
        (False, True): "possible overkill",
    }
    high_imp, high_perf = imp >= imp.mean(), perf >= perf.mean()
    return [names[bool(i), bool(p)] for i, p in zip(high_imp, high_perf, strict=True)]


def key_drivers(
    data: pd.DataFrame,
    drivers: Sequence[str],
    outcome: str,
    *,
    method: str = "rwa",
    bootstrap: int = 1000,
    seed: int = 2011,
    labels: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    cluster: str | None = None,
) -> DriverResult:
    """Relative importance and performance of each driver for one outcome.

    Parameters
    ----------
    data : respondent table holding the driver and outcome columns (numeric).
    drivers : driver columns (pillar scores 0..100); outcome : outcome column.
    method : ``"rwa"`` (Johnson's relative weights) or ``"shapley"`` (exact LMG).
    bootstrap : resamples of complete cases for the interval (0: no interval).
    seed : seed of ``np.random.default_rng``; labels : display label per driver.
    confidence : coverage of the percentile bootstrap interval.
    cluster : column of the account id; when given (and present) the bootstrap
        resamples whole accounts with replacement (a cluster bootstrap, Davison &
        Hinkley 1997, §3.8), since respondents of one account are not independent.

    Returns
    -------
    DriverResult whose ``table`` has one row per driver: ``driver``, ``label``,
    ``importance`` (raw, sums to R²), ``importance_pct`` (share of R², sums to 100),
    ``ci_low``/``ci_high`` (percentile interval of the raw importance; resamples
    with a constant or collinear column are skipped), ``pct_ci_low``/``pct_ci_high``
    (the same resamples' interval of the share of R², :func:`share_interval`), ``performance`` (mean score
    among complete cases) and ``quadrant`` (see :func:`quadrants`; ``—`` with a
    warning when ``R² < 0.05``).
    """
    _check_request(data, drivers, outcome, method, bootstrap, confidence)
    complete, keep = _complete_cases(data, drivers, outcome)
    if cluster is not None and cluster in data.columns:
        groups, ids = pd.factorize(
            data[cluster].to_numpy()[keep], use_na_sentinel=False
        )
        result = drivers_from_cross_products(
            cross_products(complete, groups, accounts=np.asarray(ids)),
            drivers,
            outcome,
            method=method,
            bootstrap=bootstrap,
            seed=seed,
            labels=labels,
            confidence=confidence,
            performance=complete[:, :-1].mean(axis=0),
        )
    else:
        result = _respondent_drivers(
            complete, drivers, outcome, method, bootstrap, seed, labels, confidence
        )
    return replace(result, dropped=len(keep) - len(complete))


def _complete_cases(
    data: pd.DataFrame, drivers: Sequence[str], outcome: str
) -> tuple[np.ndarray, np.ndarray]:
    """The rows answering every driver and the outcome (listwise deletion), and
    which rows they are; refused when too few or a column is constant."""
    values = data[[*drivers, outcome]].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values).any(axis=1)
    complete = values[keep]
    _check_complete_cases(complete, drivers, outcome)
    return complete, keep


@dataclass(frozen=True)
class CrossProducts:
    """Per-account sums of the complete cases of ``[drivers..., outcome]``.

    The sums are of ``x − shift`` (a fixed centre, for accuracy), so account ``a``
    holds ``n_a``, ``Σ (x − c)`` and ``Σ (x − c)(x − c)ᵀ``. Partials merge by
    adding accounts' sums (:func:`merge_cross_products`); every driver statistic,
    bootstrap included, is computed from them without the rows.

    Attributes
    ----------
    counts : (k,) complete cases per account.
    sums : (k, q) sums of the shifted values per account (q = drivers + outcome).
    products : (k, q, q) sums of the shifted cross-products per account.
    shift : (q,) the centre ``c`` subtracted from every row.
    accounts : (k,) account ids, when known (partials then merge by account).
    """

    counts: np.ndarray
    sums: np.ndarray
    products: np.ndarray
    shift: np.ndarray
    accounts: np.ndarray | None = None

    def shifted(self, shift: np.ndarray) -> CrossProducts:
        """The same sums about another centre (exact algebra, no rows needed)."""
        d = np.asarray(shift, dtype=float) - self.shift  # x − c' = (x − c) − d
        n = self.counts.astype(float)[:, None]
        sums = self.sums - n * d
        outer = self.sums[:, :, None] * d[None, None, :]
        products = (
            self.products
            - outer
            - outer.transpose(0, 2, 1)
            + n[:, :, None] * (d[:, None] * d[None, :])
        )
        centre = np.asarray(shift, dtype=float)
        return CrossProducts(self.counts, sums, products, centre, self.accounts)


def cross_products(
    complete: np.ndarray,
    groups: np.ndarray,
    shift: np.ndarray | None = None,
    accounts: np.ndarray | None = None,
) -> CrossProducts:
    """Per-account :class:`CrossProducts` of complete rows.

    Parameters
    ----------
    complete : (n, q) complete cases, drivers first, outcome last.
    groups : (n,) account index of each row, 0..k-1.
    shift : centre subtracted before summing (default: the column means).
    accounts : the id of each account index (``accounts[groups[i]]`` is row i's).

    Returns
    -------
    CrossProducts with one row per id of ``accounts`` (zeros for an account
    without rows), or ``k = groups.max() + 1`` rows without ids.
    """
    complete = np.asarray(complete, dtype=float)
    n, q = complete.shape
    k = len(accounts) if accounts is not None else (int(groups.max()) + 1 if n else 0)
    centre = complete.mean(axis=0) if shift is None else np.asarray(shift, float)
    x = complete - centre
    counts = np.bincount(groups, minlength=k)
    sums = np.zeros((k, q))
    np.add.at(sums, groups, x)
    products = np.zeros((k, q * q))
    for start in range(0, n, _ROW_BLOCK):
        block = slice(start, start + _ROW_BLOCK)
        outer = (x[block, :, None] * x[block, None, :]).reshape(-1, q * q)
        np.add.at(products, groups[block], outer)
    ids = None if accounts is None else np.asarray(accounts)[:k]
    return CrossProducts(counts, sums, products.reshape(k, q, q), centre, ids)


def merge_cross_products(parts: Sequence[CrossProducts]) -> CrossProducts:
    """One partial from several, about the first one's centre.

    When every partial knows its account ids, an account seen in several partials
    gets the sum of its sums (accounts in order of first appearance, so partials
    of consecutive row batches give the accounts the order of the whole file);
    otherwise the partials' accounts are taken as distinct and stacked.
    """
    if not parts:
        raise AnalysisError("no cross-products to merge")
    centre = parts[0].shift
    moved = [part.shifted(centre) for part in parts]
    counts = np.concatenate([m.counts for m in moved])
    sums = np.concatenate([m.sums for m in moved])
    products = np.concatenate([m.products for m in moved])
    if any(m.accounts is None for m in moved):
        return CrossProducts(counts, sums, products, centre)
    codes, ids = pd.factorize(np.concatenate([m.accounts for m in moved]))
    k = len(ids)
    merged = (np.zeros(k, dtype=counts.dtype), np.zeros((k, *sums.shape[1:])))
    np.add.at(merged[0], codes, counts)
    np.add.at(merged[1], codes, sums)
    total = np.zeros((k, *products.shape[1:]))
    np.add.at(total, codes, products)
    return CrossProducts(merged[0], merged[1], total, centre, np.asarray(ids))


def drivers_from_cross_products(
    parts: CrossProducts,
    drivers: Sequence[str],
    outcome: str,
    *,
    method: str = "rwa",
    bootstrap: int = 1000,
    seed: int = 2011,
    labels: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    performance: np.ndarray | None = None,
) -> DriverResult:
    """:func:`key_drivers` with a cluster bootstrap, from per-account sums only.

    The point estimate uses the correlation matrix of all accounts' summed
    cross-products; each bootstrap resample draws ``k`` accounts with replacement
    (the same seeded draws as the row-level bootstrap) and sums the drawn accounts'
    matrices: one matrix product per chunk of resamples, no pass over rows.

    Parameters
    ----------
    parts : per-account sums (:func:`cross_products`, merged partials).
    drivers, outcome, method, bootstrap, seed, labels, confidence : as in
        :func:`key_drivers`.
    performance : mean score per driver when known from the rows (the sums give
        it to rounding: a mean tie in the quadrants could fall the other way).

    Returns
    -------
    DriverResult with ``clusters`` = the number of accounts; ``dropped`` is 0
    (the partials hold complete cases only).
    """
    result, _ = drivers_with_roles(
        account_sums({"": parts}),
        drivers,
        outcome,
        shown=(),
        method=method,
        bootstrap=bootstrap,
        seed=seed,
        labels=labels,
        confidence=confidence,
        performance={None: performance} if performance is not None else None,
    )
    return result


@dataclass(frozen=True)
class AccountSums:
    """Per-account sums of the complete cases of each group (role), as the
    account bootstrap adds them.

    Row ``order[i]`` is the ``i``-th account of the draw order (the order of
    first complete case, which the respondent table meets them in); other rows
    (accounts without a complete case) are never drawn. A pass hands its account
    x role arrays as they are, never copied.

    Attributes
    ----------
    counts : (m, g) complete cases per row and group.
    sums : (m, g, q) sums of ``x − c``.
    triangle : (m, g, q(q+1)/2) the upper triangle of ``Σ (x − c)(x − c)ᵀ``,
        entry ``t`` at ``numpy.triu_indices(q)[t]``.
    shift : (q,) the centre ``c``.
    order : (k,) the row of each account of the draw order.
    groups : the name of each group.
    """

    counts: np.ndarray
    sums: np.ndarray
    triangle: np.ndarray
    shift: np.ndarray
    order: np.ndarray
    groups: tuple[str, ...]


def account_sums(parts: Mapping[str, CrossProducts]) -> AccountSums:
    """The :class:`AccountSums` of groups' cross-products on the same accounts
    (same order, same centre), stacked.

    Example
    -------
    >>> parts = cross_products(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([0, 0]))
    >>> account_sums({"all": parts}).triangle.tolist()
    [[[2.0, 3.0, 4.5]]]
    """
    first = next(iter(parts.values()))
    for part in parts.values():
        same = len(part.counts) == len(first.counts) and np.array_equal(
            part.shift, first.shift
        )
        if not same:
            raise AnalysisError("the groups' sums are not on the same accounts")
    q = first.sums.shape[1]
    i, j = np.triu_indices(q)
    return AccountSums(
        np.stack([p.counts.astype(float) for p in parts.values()], axis=1),
        np.stack([p.sums for p in parts.values()], axis=1),
        np.stack([p.products[:, i, j] for p in parts.values()], axis=1),
        first.shift,
        np.arange(len(first.counts)),
        tuple(parts),
    )


def drivers_with_roles(
    sums: AccountSums,
    drivers: Sequence[str],
    outcome: str,
    *,
    shown: Sequence[str] | None = None,
    method: str = "rwa",
    bootstrap: int = 1000,
    seed: int = 2011,
    labels: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    performance: Mapping[str | None, np.ndarray] | None = None,
) -> tuple[DriverResult, pd.DataFrame]:
    """The overall model and each role's, their account bootstraps sharing the draws.

    The overall model takes every group's complete cases; each group shown (a
    role) has a model of its own. Each resample draws the ``k`` accounts once,
    with replacement, and every model is refitted on the drawn accounts: a role's
    model on the drawn accounts' complete cases of that role, so how many of the
    role's accounts a resample holds varies as it would between samples of
    accounts. This is how replicate weights treat a subpopulation of a clustered
    sample (Lumley 2010, *Complex Surveys*, on domain estimation; Davison &
    Hinkley 1997, §3.8): the role is a domain of the one sample of accounts, not
    a sample of its own. A resample's sums are ``times @ sums`` for every group
    at once, where ``times`` counts how often each account was drawn, and the
    overall model's are the groups' added.

    Parameters
    ----------
    sums : every group's per-account sums.
    shown : the groups given a model of their own, in output order (default:
        every group); the others only count in the overall model.
    drivers, outcome, method, bootstrap, seed, labels, confidence : as in
        :func:`key_drivers`.
    performance : the mean score per driver, overall (key None) and per group,
        when known from the rows (default: from the sums).

    Returns
    -------
    The overall :class:`DriverResult` and the table of :func:`key_drivers_by_role`
    (a group that cannot be analysed gives one row holding the warning and NaNs).

    Raises
    ------
    AnalysisError
        The overall model cannot be fitted.

    Example
    -------
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=(400, 3)); x[:, 2] += x[:, 0]
    >>> account, role = np.arange(400) // 4, np.arange(400) % 2
    >>> sums = account_sums({
    ...     name: cross_products(
    ...         x[role == r], account[role == r], np.zeros(3), np.arange(100))
    ...     for r, name in enumerate(["user", "buyer"])})
    >>> result, table = drivers_with_roles(sums, ["a", "b"], "y", bootstrap=50)
    >>> table["role"].unique().tolist(), int(table["n"].iloc[0]), result.n
    (['user', 'buyer'], 200, 400)
    """
    _check_options(drivers, outcome, method, bootstrap, confidence)
    decompose: Decompose = _rwa_many if method == "rwa" else _lmg_many
    means = performance or {}
    names = list(sums.groups)
    fit = partial(
        _point_estimate, sums, drivers=drivers, outcome=outcome, decompose=decompose
    )
    model = fit(tuple(range(len(names))), performance=means.get(None))
    own = (
        names if shown is None else list(shown)
    )  # the groups with a model of their own
    fitted: dict[str, _Model] = {}
    failed: dict[str, AnalysisError] = {}
    for role in own:
        try:
            fitted[role] = fit((names.index(role),), performance=means.get(role))
        except AnalysisError as error:
            failed[role] = error
    rng = np.random.default_rng(seed)
    boots = _account_bootstrap(
        sums, [model, *fitted.values()], model.n, decompose, bootstrap, rng
    )
    finish = partial(
        _driver_result,
        drivers=drivers,
        outcome=outcome,
        method=method,
        labels=labels,
        confidence=confidence,
    )
    results = {
        role: finish(one, boot)
        for (role, one), boot in zip(fitted.items(), boots[1:], strict=True)
    }
    table = _by_role_table(
        (role, partial(_fitted_or_raise, results.get(role), failed.get(role)))
        for role in own
    )
    return finish(model, boots[0]), table


@dataclass(frozen=True)
class _Model:
    """One model's point estimate, and which groups' sums its resamples add."""

    importance: np.ndarray
    performance: np.ndarray
    terms: tuple[int, ...]
    n: int
    clusters: int


def _point_estimate(
    sums: AccountSums,
    terms: tuple[int, ...],
    drivers: Sequence[str],
    outcome: str,
    decompose: Decompose,
    performance: np.ndarray | None,
) -> _Model:
    """The importances of the accounts' summed cross-products of the groups
    ``terms``, checked."""
    q = sums.sums.shape[-1]
    if q != len(drivers) + 1:
        raise AnalysisError(
            f"cross-products of {q} columns for {len(drivers)} drivers and an outcome"
        )
    picked = list(terms)
    total = np.concatenate(
        [
            [sums.counts[:, picked].sum()],
            sums.sums[:, picked].sum(axis=(0, 1)),
            sums.triangle[:, picked].sum(axis=(0, 1)),
        ]
    )
    n = int(np.rint(total[0]))
    with np.errstate(divide="ignore", invalid="ignore"):  # no cases: checked below
        cov = _covariances(total[None][:, _spread(q)])[0]
    means = sums.shift + total[1 : q + 1] / max(n, 1)
    variances = np.diagonal(cov)
    flat = variances <= _CONSTANT_TOL * (variances + means**2)
    _check_complete_counts(n, flat, drivers, outcome)
    corr = _corr_from_cov(cov[None])[0]
    _check_collinearity(corr, drivers)
    heard = sums.counts[sums.order][:, picked].sum(axis=1) > 0
    return _Model(
        decompose(corr[None])[0],
        means[:-1] if performance is None else performance,
        terms,
        n,
        int(np.count_nonzero(heard)),
    )


def _fitted_or_raise(
    result: DriverResult | None, error: AnalysisError | None
) -> DriverResult:
    """A role's result, or the error its fit raised (for :func:`_by_role_table`)."""
    if result is None:
        raise error or AnalysisError("the role's model was not fitted")
    return result


def _respondent_drivers(
    complete: np.ndarray,
    drivers: Sequence[str],
    outcome: str,
    method: str,
    bootstrap: int,
    seed: int,
    labels: Mapping[str, str] | None,
    confidence: float,
) -> DriverResult:
    """Drivers with the bootstrap over respondents (no account column)."""
    corr = np.corrcoef(complete, rowvar=False)
    _check_collinearity(corr, drivers)
    decompose: Decompose = _rwa_many if method == "rwa" else _lmg_many
    importance = decompose(corr[None])[0]
    rng = np.random.default_rng(seed)
    boot = _bootstrap(complete, decompose, bootstrap, rng)
    model = _Model(importance, complete[:, :-1].mean(axis=0), (), len(complete), 0)
    return _driver_result(model, boot, drivers, outcome, method, labels, confidence)


def share_interval(boot: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of each driver's share of R², in %.

    Each resample's importances are turned into shares of that resample's R²,
    ``100 · w_jb / Σ_k w_kb``, and the interval is their ``alpha`` and ``1 − alpha``
    quantiles (Efron & Tibshirani 1993, §13.3): the interval of the share the
    views show, not of the raw importance. Resamples with no R² are skipped.

    Example
    -------
    >>> low, high = share_interval(np.array([[0.1, 0.3], [0.2, 0.2]]), 0.0)
    >>> low.round(1).tolist(), high.round(1).tolist()
    ([25.0, 50.0], [50.0, 75.0])
    """
    totals = boot.sum(axis=1)
    usable = boot[totals > 0]
    if not len(usable):
        nothing = np.full(boot.shape[1], np.nan)
        return nothing, nothing.copy()
    shares = 100 * usable / usable.sum(axis=1, keepdims=True)
    low, high = np.quantile(shares, [alpha, 1 - alpha], axis=0)
    return low, high


def _driver_result(
    model: _Model,
    boot: np.ndarray,
    drivers: Sequence[str],
    outcome: str,
    method: str,
    labels: Mapping[str, str] | None,
    confidence: float,
) -> DriverResult:
    """A model's driver table: its estimates, and the intervals of ``boot``."""
    importance, performance = model.importance, model.performance
    n, clusters = model.n, model.clusters
    alpha = (1 - confidence) / 2
    ci_low, ci_high = np.full((2, importance.size), np.nan)
    pct_low, pct_high = np.full((2, importance.size), np.nan)
    if len(boot):
        ci_low, ci_high = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        pct_low, pct_high = share_interval(boot, alpha)
    r2 = float(importance.sum())
    table = pd.DataFrame({"driver": list(drivers)})
    table["label"] = [(labels or {}).get(d, d) for d in drivers]
    table["importance"] = importance
    table["importance_pct"] = 100 * importance / r2 if r2 > 0 else np.nan
    table["ci_low"], table["ci_high"] = ci_low, ci_high
    table["pct_ci_low"], table["pct_ci_high"] = pct_low, pct_high
    table["performance"] = performance
    table["quadrant"] = quadrants(importance, performance)
    warning = low_r2_warning(r2, outcome)
    if warning:
        table = withhold_advice(table)
    return DriverResult(
        table,
        r2,
        n,
        0,
        method,
        outcome,
        len(boot),
        (warning,) if warning else (),
        clusters,
    )


def key_drivers_table(result: DriverResult) -> pd.DataFrame:
    """The driver table with the model's ``r2`` and ``n`` repeated on every row."""
    return result.table.assign(r2=result.r2, n=result.n)


def key_drivers_by_role(
    data: pd.DataFrame,
    drivers: Sequence[str],
    outcome: str,
    role_column: str,
    *,
    roles: Sequence[object] | None = None,
    **options: object,
) -> pd.DataFrame:
    """:func:`key_drivers` per role, stacked into one table.

    Parameters
    ----------
    role_column : column holding the role id; rows without a role are ignored.
    roles : roles in output order (default: the roles present, sorted).
    options : keyword options of :func:`key_drivers`, applied to every role.

    Returns
    -------
    Columns ``role``, the driver table columns, ``r2``, ``n`` and ``warning``. A role
    whose analysis cannot be computed (too few cases, constant or collinear drivers)
    gives a single row holding the warning text and NaNs; the other roles go on.
    """
    if role_column not in data.columns:
        raise AnalysisError(f"role column {role_column!r} not found in the data")
    checked = {k: v for k, v in options.items() if k in _REQUEST_OPTIONS}
    _check_request(data, drivers, outcome, **checked)
    if roles is None:
        roles = sorted(data[role_column].dropna().unique(), key=str)
    if not roles:
        raise AnalysisError(f"no respondent has a role in column {role_column!r}")
    fit: Callable[..., DriverResult] = key_drivers
    return _by_role_table(
        (
            role,
            partial(fit, data[data[role_column] == role], drivers, outcome, **options),
        )
        for role in roles
    )


def key_drivers_with_roles(
    data: pd.DataFrame,
    drivers: Sequence[str],
    outcome: str,
    role_column: str,
    cluster: str,
    *,
    roles: Sequence[object],
    **options: object,
) -> tuple[DriverResult, pd.DataFrame]:
    """:func:`key_drivers` over all respondents and per role, with one account
    bootstrap for all (:func:`drivers_with_roles`).

    Parameters
    ----------
    role_column : column holding the role id; cluster : column of the account id.
    roles : roles in output order (respondents of other roles count overall).
    options : keyword options of :func:`drivers_with_roles` (method, bootstrap,
        seed, labels, confidence).

    Returns
    -------
    The overall result (``dropped`` set) and the by-role table.
    """
    for column in (role_column, cluster):
        if column not in data.columns:
            raise AnalysisError(f"column {column!r} not found in the data")
    checked = {k: v for k, v in options.items() if k in _REQUEST_OPTIONS}
    _check_request(data, drivers, outcome, **checked)
    complete, keep = _complete_cases(data, drivers, outcome)
    groups, ids = pd.factorize(data[cluster].to_numpy()[keep], use_na_sentinel=False)
    centre = complete.mean(axis=0)
    role_of = pd.Series(data[role_column].to_numpy()[keep], dtype=object)
    rows = {str(r): (role_of == r).to_numpy() for r in roles}
    other = ~np.logical_or.reduce([*rows.values(), np.zeros(len(complete), bool)])
    if other.any():
        rows[_OTHER_ROLES] = other
    sums = account_sums(
        {
            role: cross_products(complete[mine], groups[mine], centre, np.asarray(ids))
            for role, mine in rows.items()
        }
    )
    means: dict[str | None, np.ndarray] = {None: complete[:, :-1].mean(axis=0)}
    means.update(
        {
            role: complete[mine, :-1].mean(axis=0)
            for role, mine in rows.items()
            if mine.any()
        }
    )
    overall, table = drivers_with_roles(
        sums,
        drivers,
        outcome,
        shown=[str(r) for r in roles],
        performance=means,
        **options,  # type: ignore[arg-type]
    )
    return replace(overall, dropped=len(keep) - len(complete)), table


def published_agreement(
    table_by_role: pd.DataFrame,
    priorities: Mapping[str, Mapping[str, Sequence[str]]],
    outcome_kind: str,
    top: int = 3,
) -> pd.DataFrame:
    """Say, per published priority, whether the data agree it is a top driver.

    Parameters
    ----------
    table_by_role : output of :func:`key_drivers_by_role`.
    priorities : role id → outcome kind (``loyalty``/``advocacy``) → pillar ids, as in
        ``configs/published_priorities.yaml`` (KPMG Nunwood B2B findings).
    outcome_kind : ``"loyalty"``, ``"advocacy"`` or ``"nps"`` (counts as advocacy).
    top : how many of a role's most important drivers count as its top drivers.

    Returns
    -------
    A copy with column ``published``: for a driver that is a published priority of
    the role, ``"agrees"`` when it is among the role's ``top`` measured drivers and
    ``"differs"`` when it is not; ``""`` for other drivers and unmeasured roles.
    """
    kind = {"nps": "advocacy"}.get(outcome_kind.lower(), outcome_kind.lower())
    if kind not in ("loyalty", "advocacy"):
        raise AnalysisError(
            f"unknown outcome kind {outcome_kind!r}",
            hint="use 'loyalty', 'advocacy' or 'nps'",
        )
    if "role" not in table_by_role.columns:
        raise AnalysisError(
            "the driver table has no 'role' column", hint="use --by role"
        )
    ranks = (
        table_by_role["importance"]
        .round(ORDER_DECIMALS)
        .groupby(table_by_role["role"])
        .rank(ascending=False)
    )
    published = [
        str(driver) in priorities.get(str(role), {}).get(kind, ())
        for role, driver in zip(
            table_by_role["role"], table_by_role["driver"], strict=True
        )
    ]
    is_top = (ranks <= top).to_numpy()
    measured = table_by_role["importance"].notna().to_numpy()
    priority = np.array(published, dtype=bool) & measured
    verdict = np.where(priority, np.where(is_top, AGREES, DIFFERS), "")
    return table_by_role.assign(published=verdict)


# --- checks ---------------------------------------------------------------------


def _checked_corr(corr: np.ndarray) -> np.ndarray:
    corr = np.asarray(corr, dtype=float)
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1] or corr.shape[0] < 2:
        raise AnalysisError(f"need a square correlation matrix, not {corr.shape}")
    if not np.isfinite(corr).all():
        raise AnalysisError(
            "the correlation matrix has missing or infinite values",
            hint="a constant column has no correlation; drop it",
        )
    eigenvalues = np.linalg.eigvalsh(corr[:-1, :-1])
    if eigenvalues[0] <= _COLLINEAR_TOL * eigenvalues[-1]:
        raise AnalysisError("the drivers' correlation matrix is singular (collinear)")
    return corr


def _check_shapley_size(n_drivers: int) -> None:
    if n_drivers > MAX_SHAPLEY_DRIVERS:
        raise AnalysisError(
            f"Shapley/LMG over {n_drivers} drivers needs 2^{n_drivers} models; "
            f"b2bcx refuses more than {MAX_SHAPLEY_DRIVERS} drivers",
            hint="use --method rwa (relative weights), which handles any number",
        )


def _check_request(
    data: pd.DataFrame,
    drivers: Sequence[str],
    outcome: str,
    method: object = "rwa",
    bootstrap: object = 1000,
    confidence: object = 0.95,
) -> None:
    _check_options(drivers, outcome, method, bootstrap, confidence)
    _check_columns(data, [*drivers, outcome])


def _check_options(
    drivers: Sequence[str],
    outcome: str,
    method: object = "rwa",
    bootstrap: object = 1000,
    confidence: object = 0.95,
) -> None:
    if method not in METHODS:
        raise AnalysisError(f"unknown method {method!r}", hint="use 'rwa' or 'shapley'")
    if not drivers or len(set(drivers)) != len(drivers) or outcome in drivers:
        raise AnalysisError(
            "drivers must be distinct, at least one, and not include the outcome",
            hint=f"drivers: {list(drivers)}, outcome: {outcome!r}",
        )
    if method == "shapley":
        _check_shapley_size(len(drivers))
    if not isinstance(bootstrap, Integral) or int(bootstrap) < 0:
        raise AnalysisError(f"bootstrap must be a whole number ≥ 0, got {bootstrap!r}")
    if not isinstance(confidence, Real) or not 0 < float(confidence) < 1:
        raise AnalysisError(f"confidence must be between 0 and 1, got {confidence!r}")


def _check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    problems = [p for p in (_column_problem(data, c) for c in columns) if p]
    if problems:
        names = ", ".join(repr(p.column) for p in problems)
        raise AnalysisError(f"key drivers cannot use column(s) {names}", problems)


def _column_problem(data: pd.DataFrame, column: str) -> Problem | None:
    if column not in data.columns:
        return Problem("column not found", column=column, code="missing-column")
    if not pd.api.types.is_numeric_dtype(data[column]):
        return Problem(
            "column is not numeric", column=column, code="non-numeric-column"
        )
    if np.isinf(data[column].to_numpy(dtype=float, na_value=np.nan)).any():
        return Problem(
            "column holds infinite values", column=column, code="infinite-values"
        )
    return None


def _check_complete_cases(
    complete: np.ndarray, drivers: Sequence[str], outcome: str
) -> None:
    constant = np.ptp(complete, axis=0) == 0 if len(complete) else np.zeros(0, bool)
    _check_complete_counts(len(complete), constant, drivers, outcome)


def _check_complete_counts(
    n: int, constant: np.ndarray, drivers: Sequence[str], outcome: str
) -> None:
    needed = len(drivers) + 2
    if n < needed:
        raise AnalysisError(
            f"only {n} complete cases for {len(drivers)} drivers; need at least {needed}",
            hint="add respondents, drop drivers, or fill in missing answers",
        )
    if constant[-1]:
        raise AnalysisError(
            f"outcome {outcome!r} has no variance among the {n} complete cases",
            hint="every respondent gave the same answer; nothing to explain",
        )
    names = [d for d, flat in zip(drivers, constant[:-1], strict=True) if flat]
    if names:
        problems = [
            Problem("driver is constant", column=d, code="constant-driver")
            for d in names
        ]
        raise AnalysisError(
            f"constant driver(s) {', '.join(map(repr, names))} among {n} complete cases",
            problems,
            hint="drop the constant driver(s); they cannot explain anything",
        )


def _check_collinearity(corr: np.ndarray, drivers: Sequence[str]) -> None:
    eigenvalues, vectors = np.linalg.eigh(corr[:-1, :-1])
    null = vectors[:, eigenvalues <= _COLLINEAR_TOL * eigenvalues[-1]]
    if null.size:
        involved = np.abs(null).max(axis=1) > 1e-4
        names = [d for d, hit in zip(drivers, involved, strict=True) if hit]
        raise AnalysisError(
            f"perfectly collinear drivers: {', '.join(map(repr, names))}",
            [
                Problem(
                    "driver is a linear combination of others",
                    column=d,
                    code="collinear-drivers",
                )
                for d in names
            ],
            hint="drop one of the collinear drivers (or merge them into one score)",
        )


# --- computation ----------------------------------------------------------------


def _rwa_many(corrs: np.ndarray) -> np.ndarray:
    """Relative weights of a stack of correlation matrices, shape (B, p+1, p+1)."""
    rxx, rxy = corrs[:, :-1, :-1], corrs[:, :-1, -1]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(eigenvalues)[:, None, :]
    lam = (vectors * root) @ vectors.transpose(0, 2, 1)
    lam_inv = (vectors / root) @ vectors.transpose(0, 2, 1)
    beta = np.einsum("bjk,bk->bj", lam_inv, rxy)
    return np.einsum("bjk,bk->bj", lam**2, beta**2)


def _lmg_many(corrs: np.ndarray) -> np.ndarray:
    """Shapley/LMG weights of a stack of correlation matrices, shape (B, p+1, p+1)."""
    p = corrs.shape[1] - 1
    r2 = _subset_r2(corrs)
    masks = np.arange(2**p)
    sizes = np.array([bin(m).count("1") for m in masks])
    shares = np.array(
        [factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)]
    )
    weights = np.empty((len(corrs), p))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        gains = r2[:, without | (1 << j)] - r2[:, without]
        weights[:, j] = gains @ shares[sizes[without]]
    return weights


def _subset_r2(corrs: np.ndarray) -> np.ndarray:
    """R² of every subset of drivers, bitmask-indexed: shape (B, 2^p)."""
    count, p = len(corrs), corrs.shape[1] - 1
    r2 = np.zeros((count, 2**p))
    for size in range(1, p + 1):
        subsets = np.array(list(combinations(range(p), size)))
        masks = (1 << subsets).sum(axis=1)
        for rows in _chunks(count, len(subsets) * size * size):
            rxx = corrs[rows][:, subsets[:, :, None], subsets[:, None, :]]
            rxy = corrs[rows][:, subsets, -1]
            solved = np.linalg.solve(rxx, rxy[..., None])[..., 0]
            r2[rows, masks] = (rxy * solved).sum(axis=-1)
    return r2


def _chunks(count: int, cells_per_item: int) -> Iterator[slice]:
    step = max(1, _CHUNK_CELLS // max(1, cells_per_item))
    for start in range(0, count, step):
        yield slice(start, min(start + step, count))


def _bootstrap(
    complete: np.ndarray, decompose: Decompose, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Importances of the usable resamples, shape (usable, p)."""
    n, q = complete.shape
    z = (complete - complete.mean(axis=0)) / complete.std(axis=0)
    products = (z[:, :, None] * z[:, None, :]).reshape(n, q * q)
    found = [np.empty((0, q - 1))]
    for rows in _chunks(resamples, n):
        draws = rng.integers(0, n, size=(rows.stop - rows.start, n))
        offsets = (np.arange(len(draws)) * n)[:, None]
        counts = np.bincount((draws + offsets).ravel(), minlength=len(draws) * n)
        corrs = _weighted_corr(counts.reshape(len(draws), n) / n, z, products)
        usable = _usable(corrs)
        if usable.any():
            found.append(decompose(corrs[usable]))
    return np.concatenate(found)


def _account_bootstrap(
    sums: AccountSums,
    models: Sequence[_Model],
    n: int,
    decompose: Decompose,
    resamples: int,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Importances of usable resamples of whole accounts, one (usable, p) array
    per model, every model refitted on the same draws.

    Each resample draws ``k`` accounts with replacement out of the ``k`` of the
    draw order; ``times`` counts how often each was drawn, at its row, and the
    resamples' sums of every group are three matrix products with the groups'
    arrays (no copy of them); a model adds its groups'. The draws (and their
    chunking, by ``max(n, k)`` with ``n`` the overall model's cases) are those of
    the row-level cluster bootstrap, so a seed gives the same resamples.
    """
    order = sums.order
    k, rows_held = len(order), len(sums.counts)
    in_order = rows_held == k and np.array_equal(order, np.arange(k))
    q = sums.sums.shape[-1]
    spread = _spread(q)
    found: list[list[np.ndarray]] = [[np.empty((0, q - 1))] for _ in models]
    for block in _product_blocks(_chunks(resamples, max(n, k)), rows_held):
        times = np.zeros((block[-1].stop - block[0].start, rows_held))
        for rows in block:
            draws = rng.integers(0, k, size=(rows.stop - rows.start, k))
            start = rows.start - block[0].start
            for row, drawn in enumerate(draws, start=start):
                counted = np.bincount(drawn, minlength=k)  # a cache-sized table
                if in_order:
                    times[row] = counted
                else:
                    times[row, order] = counted
        summed = _resample_sums(times, sums)
        for model, kept in zip(models, found, strict=True):
            total = summed[:, list(model.terms)].sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):  # no cases drawn
                corrs = _corr_from_cov(_covariances(total[:, spread]))
            usable = _usable(corrs)
            if usable.any():
                kept.append(decompose(corrs[usable]))
    return [np.concatenate(kept) for kept in found]


def _resample_sums(times: np.ndarray, sums: AccountSums) -> np.ndarray:
    """``[n, Σx, triangle]`` of each resample (a row of ``times``) and group,
    shape (resamples, groups, 1 + q + q(q+1)/2)."""
    rows, groups = sums.counts.shape
    return np.concatenate(
        [
            (times @ sums.counts)[:, :, None],
            (times @ sums.sums.reshape(rows, -1)).reshape(len(times), groups, -1),
            (times @ sums.triangle.reshape(rows, -1)).reshape(len(times), groups, -1),
        ],
        axis=2,
    )


def _spread(q: int) -> np.ndarray:
    """Where each column of ``[n, Σx, Σxxᵀ]`` rows (``Σxxᵀ`` whole, row by row)
    comes from in ``[n, Σx, triangle]`` rows: ``(i, j)`` and ``(j, i)`` from the
    triangle's ``(min, max)`` entry.

    Example
    -------
    >>> _spread(2).tolist()
    [0, 1, 2, 3, 4, 4, 5]
    """
    i, j = np.divmod(np.arange(q * q), q)
    low, high = np.minimum(i, j), np.maximum(i, j)
    entry = low * q - low * (low - 1) // 2 + (high - low)  # numpy.triu_indices order
    return np.concatenate([np.arange(1 + q), 1 + q + entry])


def _product_blocks(chunks: Iterable[slice], k: int) -> Iterator[list[slice]]:
    """Consecutive chunks of draws grouped for one matrix product of about
    :data:`_PRODUCT_CELLS` counts.

    The draws stay chunked as before (the generator's stream depends on the sizes
    drawn); the product is taken over many chunks at once because a product of a
    few rows with ``k`` accounts reads the whole ``k`` x ``q²`` matrix for a few
    rows' work (at 1M rows the draw chunks hold 4 resamples).
    """
    block: list[slice] = []
    rows = 0
    for chunk in chunks:
        block.append(chunk)
        rows += chunk.stop - chunk.start
        if rows * k >= _PRODUCT_CELLS:
            yield block
            block, rows = [], 0
    if block:
        yield block


def _width(stacked: np.ndarray) -> int:
    """q of rows ``[n, Σx (q), Σxxᵀ (q²)]``: the root of ``q² + q = columns − 1``."""
    return int(np.rint((np.sqrt(4 * (stacked.shape[1] - 1) + 1) - 1) / 2))


def _covariances(totals: np.ndarray) -> np.ndarray:
    """Covariance matrices of summed ``[n, Σx, Σxxᵀ]`` rows, shape (B, q, q)."""
    q = _width(totals)
    count = totals[:, :1]
    means = totals[:, 1 : q + 1] / count
    second = (totals[:, q + 1 :] / count).reshape(-1, q, q)
    return second - means[:, :, None] * means[:, None, :]


def _corr_from_cov(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _weighted_corr(freq: np.ndarray, z: np.ndarray, products: np.ndarray) -> np.ndarray:
    q = z.shape[1]
    means = freq @ z
    cov = (freq @ products).reshape(-1, q, q) - means[:, :, None] * means[:, None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _usable(corrs: np.ndarray) -> np.ndarray:
    """Resamples with every column varying and the drivers not collinear."""
    finite = np.isfinite(corrs).all(axis=(1, 2))
    eigenvalues = np.linalg.eigvalsh(
        np.where(finite[:, None, None], corrs, 1.0)[:, :-1, :-1]
    )
    return finite & (eigenvalues[:, 0] > _COLLINEAR_TOL * eigenvalues[:, -1])


def _by_role_table(
    fits: Iterable[tuple[object, Callable[[], DriverResult]]],
) -> pd.DataFrame:
    """The by-role table: each role's drivers, or its one warning row."""
    records = [row for role, fit in fits for row in _role_records(role, fit)]
    table = pd.DataFrame.from_records(
        records, columns=["role", *COLUMNS, "r2", "n", "warning"]
    )
    return table.astype({"n": "Int64"})


def _role_records(
    role: object, fit: Callable[[], DriverResult]
) -> list[dict[str, object]]:
    """A role's rows of the by-role table: its drivers, or one warning row when
    ``fit`` cannot analyse it."""
    try:
        result = fit()
    except AnalysisError as error:
        warning = f"role {role!s}: {error.message}"
        blank: dict[str, object] = {c: np.nan for c in [*COLUMNS, "r2", "n"]}
        return [{"role": role, **blank, "warning": warning}]
    table = key_drivers_table(result).assign(
        warning="; ".join(f"role {role!s}: {w}" for w in result.warnings)
    )
    table.insert(0, "role", [role] * len(table))
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]
