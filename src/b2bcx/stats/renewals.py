"""The index against renewal decisions (docs/method.md#worth-the-index-against-renewals).

Pure maths on arrays: a logistic regression of the event (churned or not renewed
= 1) on the index, fitted by Firth's penalised likelihood or plain maximum
likelihood; Wald intervals; fitted probabilities with intervals from the linear
predictor; revenue at risk and the value of one index point with delta-method
intervals; the DeLong AUC; event rates by band with Wilson intervals;
calibration by fifths of the fitted probability.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from b2bcx.errors import AnalysisError
from b2bcx.stats.intervals import Z95, wilson_interval

EVENTS_PER_PARAMETER = 10
"""The guard: at least this many events and non-events per slope parameter."""
_TOL = 1e-10
_MAX_ITER = 100


@dataclass(frozen=True)
class LogitFit:
    """A fitted logistic regression.

    Attributes
    ----------
    beta : the coefficients (intercept first).
    cov : their covariance, the inverse Fisher information ``(XᵀWX)⁻¹`` at ``beta``.
    se : the Wald standard errors, ``sqrt(diag(cov))``.
    method : ``firth`` or ``ml``.
    iterations : Newton steps taken.
    """

    beta: np.ndarray
    cov: np.ndarray
    se: np.ndarray
    method: str
    iterations: int


def expit(eta: np.ndarray) -> np.ndarray:
    """The inverse logit ``1 / (1 + exp(−η))``, without overflow."""
    eta = np.asarray(eta, float)
    out = np.empty_like(eta)
    positive = eta >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-eta[positive]))
    e = np.exp(eta[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def _penalised_loglik(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool
) -> float:
    eta = X @ beta
    loglik = float(y @ eta - np.logaddexp(0.0, eta).sum())
    if not firth:
        return loglik
    p = expit(eta)
    sign, logdet = np.linalg.slogdet(X.T @ (X * (p * (1 - p))[:, None]))
    return loglik + 0.5 * logdet if sign > 0 else -math.inf


def logistic_fit(X: np.ndarray, y: np.ndarray, method: str = "firth") -> LogitFit:
    """Logistic regression by Firth's penalised likelihood or maximum likelihood.

    Firth (1993): maximise ``l(β) + ½ log|XᵀWX|``, ``W = diag(p(1 − p))``, by Newton
    steps on the modified score ``U*(β) = Xᵀ(y − p + h(½ − p))``, ``h`` the
    diagonal of the hat matrix ``W^½ X (XᵀWX)⁻¹ XᵀW^½``, halving a step that
    lowers the penalised likelihood. ``method="ml"`` drops the ``h`` term (plain
    maximum likelihood). Wald standard errors from ``(XᵀWX)⁻¹`` at the estimate.
    A step that turns back on the one before is halved: with a large estimate and a
    nearly collinear design (an index separating one event from many non-events),
    full steps on the modified score can go back and forth around the estimate
    forever without getting closer.

    For the logit link Firth's estimate is the mean-bias-reduced one of Kosmidis &
    Firth (2009); checked against R ``glm(y ~ x, family = binomial, method =
    "brglmFit", type = "AS_mean")`` (brglm2) and ``glm(y ~ x, family = binomial)``
    (tests/reference/value_reference.R).

    Parameters
    ----------
    X : the design matrix, a column of ones first.
    y : the events, 0 or 1.
    method : ``firth`` (default) or ``ml``.

    Raises
    ------
    AnalysisError
        The design is singular, or maximum likelihood does not converge
        (separation: the index splits events from non-events perfectly).

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [1.0, 2, 3, 4, 5, 6]])
    >>> fit = logistic_fit(X, np.array([1.0, 1, 0, 1, 0, 0]))
    >>> [round(float(b), 4) for b in fit.beta]  # R brglm2 AS_mean: 2.3698, -0.6771
    [2.3698, -0.6771]
    >>> [round(float(s), 4) for s in fit.se]  # R: 2.3489, 0.6154
    [2.3489, 0.6154]
    """
    if method not in ("firth", "ml"):
        raise AnalysisError(f"unknown method {method!r}", hint="use firth or ml")
    X, y = np.asarray(X, float), np.asarray(y, float)
    firth = method == "firth"
    beta = np.zeros(X.shape[1])
    current = _penalised_loglik(X, y, beta, firth)
    taken = np.zeros_like(beta)
    for iteration in range(1, _MAX_ITER + 1):
        try:
            step = _newton_step(X, y, beta, firth)
        except np.linalg.LinAlgError:
            if iteration == 1:
                raise AnalysisError(
                    "the renewal model cannot be fitted: its design is singular",
                    hint="a covariate may be constant or duplicate another",
                ) from None
            break  # the fitted probabilities reached 0 or 1: separation
        scale = 0.5 if step @ taken < 0 else 1.0  # turned back: damp (see above)
        while True:
            trial = beta + scale * step
            value = _penalised_loglik(X, y, trial, firth)
            if value >= current - 1e-12 or scale < 1e-8:
                break
            scale /= 2
        beta, current, taken = trial, value, scale * step
        if np.max(np.abs(scale * step)) < _TOL:
            return _finish(X, beta, method, iteration)
    raise AnalysisError(
        f"the {method} logistic regression did not converge",
        hint="the index may separate renewals from losses perfectly; "
        "use `value.method: firth`",
    )


def _information(X: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = expit(X @ beta)
    return X.T @ (X * (p * (1 - p))[:, None]), p


def _newton_step(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool
) -> np.ndarray:
    info, p = _information(X, beta)
    if not np.isfinite(info).all() or np.linalg.cond(info) > 1e14:
        raise np.linalg.LinAlgError("singular information")
    inverse = np.linalg.inv(info)
    residual = y - p
    if firth:
        w = p * (1 - p)
        hat = np.einsum("ij,jk,ik->i", X, inverse, X) * w
        residual = residual + hat * (0.5 - p)
    return inverse @ (X.T @ residual)


def _finish(X: np.ndarray, beta: np.ndarray, method: str, iterations: int) -> LogitFit:
    info, _ = _information(X, beta)
    cov = np.linalg.inv(info)
    return LogitFit(beta, cov, np.sqrt(np.diag(cov)), method, iterations)


def wald_p(estimate: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Two-sided Wald p-value ``2 Φ(−|β / SE|)`` (R's ``summary.glm``)."""
    z = np.abs(np.asarray(estimate, float) / np.asarray(se, float))
    return np.array([math.erfc(v / math.sqrt(2)) for v in np.atleast_1d(z)])


def guard_reason(events: int, accounts: int, slopes: int) -> str | None:
    """Why no model may be fitted, or None: the events-per-parameter guard.

    A model with ``slopes`` parameters besides the intercept needs at least 10
    events and 10 non-events per parameter (Peduzzi et al. 1996).
    """
    need = EVENTS_PER_PARAMETER * max(slopes, 1)
    non_events = accounts - events
    if events >= need and non_events >= need:
        return None
    return (
        f"no model was fitted: {events} event{'s' if events != 1 else ''} and "
        f"{non_events} non-event{'s' if non_events != 1 else ''} among {accounts} "
        f"accounts, and a model with {slopes} parameter{'s' if slopes != 1 else ''} "
        f"besides the intercept needs at least {need} of each; the event rates by "
        "index band are shown instead"
    )


def predicted(
    X: np.ndarray, fit: LogitFit
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fitted probabilities with 95% intervals from the linear predictor.

    ``p = expit(η)``, ``η = x̃ᵀβ``; interval ``expit(η ± z sqrt(x̃ᵀ V x̃))``.
    """
    eta = X @ fit.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.cov, X))
    return expit(eta), expit(eta - Z95 * se), expit(eta + Z95 * se)


@dataclass(frozen=True)
class Amount:
    """A portfolio amount with its delta-method standard error and 95% interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float


def _amount(estimate: float, gradient: np.ndarray, cov: np.ndarray) -> Amount:
    se = float(np.sqrt(gradient @ cov @ gradient))
    return Amount(estimate, se, estimate - Z95 * se, estimate + Z95 * se)


def revenue_at_risk(X: np.ndarray, revenue: np.ndarray, fit: LogitFit) -> Amount:
    """Revenue at risk ``Σ r_a p_a`` with a delta-method interval.

    Gradient ``g = Σ r_a p_a (1 − p_a) x̃_a``, ``SE = sqrt(gᵀ V g)``, interval
    ``± z SE`` (not clipped). Checked against the same formulas in R.
    """
    p = expit(X @ fit.beta)
    gradient = X.T @ (revenue * p * (1 - p))
    return _amount(float(revenue @ p), gradient, fit.cov)


def value_per_point(
    X: np.ndarray, revenue: np.ndarray, fit: LogitFit, step: float, column: int = 1
) -> Amount:
    """Revenue kept if every account's index rose by one point, with its interval.

    ``Σ r_a (p_a(x_a) − p_a(x_a + step))``, ``step = 1/per`` added to the index
    column ``column`` of ``X``; gradient ``Σ r_a (p_a(1 − p_a) x̃_a −
    p'_a(1 − p'_a) x̃'_a)``, ``SE = sqrt(gᵀ V g)``, interval ``± z SE``.
    """
    shifted = X.copy()
    shifted[:, column] += step
    p, q = expit(X @ fit.beta), expit(shifted @ fit.beta)
    gradient = X.T @ (revenue * p * (1 - p)) - shifted.T @ (revenue * q * (1 - q))
    return _amount(float(revenue @ (p - q)), gradient, fit.cov)


def delong_auc(events: np.ndarray, score: np.ndarray) -> tuple[float, float, float]:
    """AUC of ``score`` for the events, with the DeLong 95% interval, clipped to 0..1.

    ``AUC = mean ψ(X_i, Y_j)`` over event scores ``X_i`` and non-event scores
    ``Y_j`` (``ψ`` 1 when ``X > Y``, ½ when equal); DeLong, DeLong &
    Clarke-Pearson (1988): ``Var = s²(V10)/m + s²(V01)/n`` with the structural
    components ``V10_i = mean_j ψ(X_i, Y_j)``, ``V01_j = mean_i ψ(X_i, Y_j)``.
    As R ``pROC::ci.auc(roc(event, p, levels = c(0, 1), direction = "<"),
    method = "delong")``. NaN without both events and non-events.

    Examples
    --------
    >>> auc, low, high = delong_auc(np.array([0, 0, 1, 1, 0, 1]), np.array([.1, .4, .35, .8, .2, .9]))
    >>> round(auc, 4), round(low, 4), round(high, 4)  # R pROC: 0.8889 (0.5809, 1)
    (0.8889, 0.5809, 1.0)
    """
    events = np.asarray(events, bool)
    cases, controls = (
        np.asarray(score, float)[events],
        np.asarray(score, float)[~events],
    )
    m, n = len(cases), len(controls)
    if m == 0 or n == 0:
        return math.nan, math.nan, math.nan
    psi = (cases[:, None] > controls[None, :]) + 0.5 * (
        cases[:, None] == controls[None, :]
    )
    auc = float(psi.mean())
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    s10 = float(v10.var(ddof=1)) if m > 1 else 0.0
    s01 = float(v01.var(ddof=1)) if n > 1 else 0.0
    se = math.sqrt(s10 / m + s01 / n)
    return auc, max(0.0, auc - Z95 * se), min(1.0, auc + Z95 * se)


def band_labels(bands: Sequence[float]) -> list[str]:
    """Band names for cut points: ``[50, 70]`` -> below 50, 50–70, 70 and above."""
    cuts = [_number(b) for b in bands]
    if not cuts:
        return ["all"]
    middle = [f"{a}–{b}" for a, b in itertools.pairwise(cuts)]
    return [f"below {cuts[0]}", *middle, f"{cuts[-1]} and above"]


def _number(value: float) -> str:
    return f"{value:g}"


def band_of(index: np.ndarray, bands: Sequence[float]) -> np.ndarray:
    """The band number of each index (0 below the first cut; a cut opens its band)."""
    return np.searchsorted(
        np.asarray(bands, float), np.asarray(index, float), side="right"
    )


def band_rates(
    index: np.ndarray, events: np.ndarray, bands: Sequence[float]
) -> list[dict[str, object]]:
    """Event rate by index band with Wilson 95% intervals (Wilson 1927).

    One record per band, empty bands included: ``band, accounts, events, rate,
    rate_ci_low, rate_ci_high`` (rate and interval NaN for an empty band) and
    ``index_mean``, the band's mean index (where a chart plots its rate).
    """
    index = np.asarray(index, float)
    which = band_of(index, bands)
    records = []
    for number, label in enumerate(band_labels(bands)):
        members = which == number
        k, e = int(members.sum()), int(np.asarray(events)[members].sum())
        low, high = wilson_interval(e, k)
        records.append(
            {
                "band": label,
                "accounts": k,
                "events": e,
                "rate": e / k if k else math.nan,
                "rate_ci_low": low,
                "rate_ci_high": high,
                "index_mean": float(np.mean(index[members])) if k else math.nan,
            }
        )
    return records


def calibration_fifths(
    p: np.ndarray, events: np.ndarray, order: np.ndarray
) -> list[dict[str, object]]:
    """Observed against mean predicted event rate by fifths of ``p``.

    Accounts ranked by ``p`` (ties by ``order``, the account ids' rank); rank
    ``i`` of ``k`` (1-based) falls in fifth ``⌊5(i − 1)/k⌋ + 1``. Records:
    ``fifth, accounts, events, p_low, p_high, predicted, observed``.
    """
    ranked = np.lexsort((order, p))
    k = len(p)
    fifth = np.empty(k, int)
    fifth[ranked] = (5 * np.arange(k)) // k + 1
    records: list[dict[str, object]] = []
    for number in range(1, 6):
        members = fifth == number
        if not members.any():
            continue
        records.append(
            {
                "fifth": number,
                "accounts": int(members.sum()),
                "events": int(events[members].sum()),
                "p_low": float(p[members].min()),
                "p_high": float(p[members].max()),
                "predicted": float(p[members].mean()),
                "observed": float(events[members].mean()),
            }
        )
    return records
