"""``b2bcx value``: the index against renewal decisions (docs/method.md#worth-the-index-against-renewals).

The exports are the wave heard before the decisions. Their accounts (``index_eb``)
are joined to the decisions; a logistic regression of the event on
``index_eb / per`` gives the odds ratio, each account's probability of the event,
revenue at risk and the value of one index point, unless the events-per-parameter
guard says the data are too few; the event rates by index band are always shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from b2bcx.api.accounts import score
from b2bcx.config.models import Config
from b2bcx.errors import AnalysisError, Problem
from b2bcx.io import Export
from b2bcx.results import AccountMaster, Decisions, ScoreResult, Sources, ValueResult
from b2bcx.scoring.accounts import NAME, revenue_column
from b2bcx.stats.intervals import Z95
from b2bcx.stats.order import sort_accounts
from b2bcx.stats.renewals import (
    Amount,
    LogitFit,
    band_rates,
    calibration_fifths,
    delong_auc,
    guard_reason,
    logistic_fit,
    predicted,
    revenue_at_risk,
    value_per_point,
    wald_p,
)

SUMMARY = [
    "k",
    "events",
    "method",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "auc",
    "auc_ci_low",
    "auc_ci_high",
    "revenue_at_risk",
    "rar_ci_low",
    "rar_ci_high",
    "value_per_point",
    "vpp_ci_low",
    "vpp_ci_high",
]
MODEL = ["term", "estimate", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p"]
ACCOUNTS = [
    "account",
    "name",
    "index_eb",
    "p",
    "p_ci_low",
    "p_ci_high",
    "revenue",
    "revenue_at_risk",
    "event",
]
BANDS = [
    "band",
    "accounts",
    "events",
    "rate",
    "rate_ci_low",
    "rate_ci_high",
    "index_mean",
]


@dataclass(frozen=True)
class Design:
    """The model's design: ``X`` (intercept, ``index_eb / per``, covariates)."""

    X: np.ndarray
    terms: list[str]
    levels: dict[str, list[str]]


def value(
    export: Export,
    config: Config,
    decisions: Decisions,
    *,
    master: AccountMaster | None = None,
    current: Export | None = None,
) -> ValueResult:
    """The index against renewals: model, guard, account list, bands, calibration.

    Raises
    ------
    DataError
        The exports cannot be scored.
    AnalysisError
        No account is both heard and decided, or a covariate is missing.
    """
    scored = score(export, config, master=master)
    now = score(current, config, master=master) if current is not None else None
    return value_from(scored, decisions, master=master, current=now)


def value_from(
    scored: ScoreResult,
    decisions: Decisions,
    *,
    master: AccountMaster | None = None,
    current: ScoreResult | None = None,
) -> ValueResult:
    """:func:`value` from the wave heard before the decisions, already scored
    (and this wave's scores to apply the model to, if any).

    Raises
    ------
    AnalysisError
        No account is both heard and decided, or a covariate is missing.
    """
    config = scored.config
    joined, not_heard, no_decision = join_decisions(scored, decisions, config, master)
    if joined.empty:
        raise AnalysisError(
            "no account of the decisions file was heard in the exports",
            hint="give the wave heard before the decisions, and check the account ids",
        )
    spec = config.value
    events = joined["event"].to_numpy(float)
    bands = pd.DataFrame(
        band_rates(joined["index_eb"].to_numpy(float), events, spec.bands),
        columns=BANDS,
    )
    design = design_matrix(joined, config)
    note = guard_reason(int(events.sum()), len(joined), design.X.shape[1] - 1)
    counts: dict[str, object] = {
        "k": len(joined),
        "events": int(events.sum()),
        "method": spec.method,
        "per": spec.per,
        "decisions_not_heard": len(not_heard),
        "heard_without_decision": len(no_decision),
    }
    warnings = list(scored.problems)
    if note is not None:
        result = _guarded(counts, joined, bands, not_heard, no_decision, note)
        return replace(result, currency=spec.currency, problems=warnings)
    fit = logistic_fit(design.X, events, spec.method)
    target, target_design = joined, design
    if current is not None:
        warnings += [p for p in current.problems if p not in warnings]
        target = current_accounts(current, config, master)
        target_design = design_matrix(target, config, design.levels)
    result = _fitted(
        fit,
        counts,
        joined,
        design,
        target,
        target_design,
        bands,
        not_heard,
        no_decision,
        applied_to="current" if current is not None else "decisions",
        per=spec.per,
    )
    return replace(result, currency=spec.currency, problems=warnings)


def join_decisions(
    scored: ScoreResult,
    decisions: Decisions,
    config: Config,
    master: AccountMaster | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Accounts heard and decided; decisions not heard; heard accounts undecided.

    The first table has ``account, name, index_eb, revenue, event`` and the
    covariates; revenue is the decisions file's, else the account's.
    """
    accounts = _account_frame(scored, config, master)
    table = decisions.table
    heard = table["account"].isin(accounts.loc[accounts["index_eb"].notna(), "account"])
    not_heard = table.loc[~heard, ["account", "event", "revenue"]].copy()
    not_heard["reason"] = np.where(
        table.loc[~heard, "account"].isin(accounts["account"]),
        "heard, but no index",
        "not heard",
    )
    decided = accounts["account"].isin(table["account"])
    no_decision = accounts.loc[~decided, ["account", "name", "index_eb"]]
    extra = [c for c in table.columns if c not in ("account", "revenue", "date")]
    joined = accounts.drop(columns=[c for c in extra if c in accounts]).merge(
        table.loc[heard, ["account", "revenue", *extra]].rename(
            columns={"revenue": "revenue_at_stake"}
        ),
        on="account",
    )
    joined["revenue"] = joined["revenue_at_stake"].fillna(joined["revenue"])
    joined = joined.drop(columns="revenue_at_stake")
    return (
        joined.sort_values("account", kind="stable").reset_index(drop=True),
        not_heard.sort_values("account", kind="stable").reset_index(drop=True),
        no_decision.sort_values("account", kind="stable").reset_index(drop=True),
    )


def current_accounts(
    scored: ScoreResult, config: Config, master: AccountMaster | None
) -> pd.DataFrame:
    """The current wave's accounts with an index (``--current``), event unknown."""
    accounts = _account_frame(scored, config, master)
    accounts = accounts[accounts["index_eb"].notna()].copy()
    accounts["event"] = np.nan
    return accounts.sort_values("account", kind="stable").reset_index(drop=True)


def _account_frame(
    scored: ScoreResult, config: Config, master: AccountMaster | None
) -> pd.DataFrame:
    accounts = scored.accounts
    revenue = revenue_column(config, master)
    frame = pd.DataFrame(
        {
            "account": accounts["account"].astype(object),
            "name": accounts.get(NAME),
            "index_eb": accounts["index_eb"].astype(float),
            "revenue": (
                pd.to_numeric(accounts[revenue], errors="coerce")
                if revenue and revenue in accounts
                else np.nan
            ),
        }
    )
    for covariate in config.value.covariates:
        if covariate in accounts:
            frame[covariate] = accounts[covariate].to_numpy()
    return frame


def design_matrix(
    table: pd.DataFrame, config: Config, levels: dict[str, list[str]] | None = None
) -> Design:
    """Intercept, ``index_eb / per`` and the covariates (text ones as 0/1 columns).

    A covariate whose every value is a number enters as it is; any other is text:
    one 0/1 column per level, levels sorted, the first the reference (as R's
    ``factor``). ``levels`` (the fitted design's) fixes them when a fitted model is
    applied to new accounts; covariates not in it are numbers. A missing value, or a
    level the model was not fitted on, is a problem.
    """
    spec = config.value
    columns = [np.ones(len(table)), table["index_eb"].to_numpy(float) / spec.per]
    terms = ["intercept", "index_eb"]
    found_levels: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for covariate in spec.covariates:
        if covariate not in table:
            problems.append(
                Problem(
                    f"covariate `{covariate}` is neither a column of the decisions "
                    "file nor an account attribute",
                    "name an account attribute (a segment, revenue) or a decisions column",
                    column=covariate,
                    code="unknown-covariate",
                )
            )
            continue
        raw = table[covariate]
        text = raw.astype("string").str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        fixed = None if levels is None else levels.get(covariate)
        numeric = numbers.notna() == text.notna()
        if fixed is None and (levels is not None or numeric.all()):
            unusable = numbers.isna()
            columns.append(numbers.fillna(0.0).to_numpy(float))
            terms.append(covariate)
        else:
            known = fixed or sorted(text.dropna().unique())
            found_levels[covariate] = known
            unusable = text.isna() | ~text.isin(known)
            for level in known[1:]:
                columns.append((text == level).fillna(False).to_numpy(float))
                terms.append(f"{covariate}={level}")
        for at in np.flatnonzero(unusable.to_numpy(bool)):
            problems.append(
                Problem(
                    f"covariate `{covariate}` has no usable value for this account",
                    "give every account a value (a known level for text covariates)",
                    column=covariate,
                    value=f"{table['account'].iloc[at]}: {raw.iloc[at]}",
                    code="missing-covariate",
                )
            )
    if problems:
        raise AnalysisError("the covariates of `value:` cannot be used", problems)
    return Design(np.column_stack(columns), terms, found_levels)


def _guarded(
    counts: dict[str, object],
    joined: pd.DataFrame,
    bands: pd.DataFrame,
    not_heard: pd.DataFrame,
    no_decision: pd.DataFrame,
    note: str,
) -> ValueResult:
    accounts = joined.assign(p=np.nan, p_ci_low=np.nan, p_ci_high=np.nan)
    accounts["revenue_at_risk"] = np.nan
    summary = {key: counts.get(key) for key in SUMMARY}
    summary.update(counts, model_fitted=False, applied_to="decisions", note=note)
    return ValueResult(
        summary=summary,
        model=pd.DataFrame(columns=MODEL),
        accounts=_sorted(accounts[ACCOUNTS]),
        bands=bands,
        calibration=pd.DataFrame(),
        not_heard=not_heard,
        no_decision=no_decision,
        curve=pd.DataFrame(),
        note=note,
    )


def _fitted(
    fit: LogitFit,
    counts: dict[str, object],
    joined: pd.DataFrame,
    design: Design,
    target: pd.DataFrame,
    target_design: Design,
    bands: pd.DataFrame,
    not_heard: pd.DataFrame,
    no_decision: pd.DataFrame,
    *,
    applied_to: str,
    per: float,
) -> ValueResult:
    model = model_table(fit, design.terms)
    events = joined["event"].to_numpy(float)
    p_model = predicted(design.X, fit)[0]
    auc = delong_auc(events, p_model)
    p, low, high = predicted(target_design.X, fit)
    accounts = target.assign(p=p, p_ci_low=low, p_ci_high=high)
    accounts["revenue_at_risk"] = accounts["revenue"] * accounts["p"]
    priced = accounts["revenue"].notna().to_numpy()
    revenue = accounts["revenue"].to_numpy(float)[priced]
    rar = revenue_at_risk(target_design.X[priced], revenue, fit)
    vpp = value_per_point(target_design.X[priced], revenue, fit, 1.0 / per)
    if not priced.any():  # no revenue anywhere: no amounts, rather than zeros
        rar = vpp = Amount(math.nan, math.nan, math.nan, math.nan)
    odds = model.iloc[1]
    summary = {
        **{key: counts.get(key) for key in SUMMARY},
        "odds_ratio": float(odds["odds_ratio"]),
        "or_ci_low": float(odds["or_ci_low"]),
        "or_ci_high": float(odds["or_ci_high"]),
        "auc": auc[0],
        "auc_ci_low": auc[1],
        "auc_ci_high": auc[2],
        "revenue_at_risk": rar.estimate,
        "rar_ci_low": rar.ci_low,
        "rar_ci_high": rar.ci_high,
        "value_per_point": vpp.estimate,
        "vpp_ci_low": vpp.ci_low,
        "vpp_ci_high": vpp.ci_high,
    }
    summary.update(
        {k: v for k, v in counts.items() if k not in summary},
        model_fitted=True,
        applied_to=applied_to,
        accounts_priced=int(priced.sum()),
        note="",
    )
    order = _rank(joined["account"])
    calibration = pd.DataFrame(calibration_fifths(p_model, events, order))
    return ValueResult(
        summary=summary,
        model=model,
        accounts=_sorted(accounts[ACCOUNTS]),
        bands=bands,
        calibration=calibration,
        not_heard=not_heard,
        no_decision=no_decision,
        curve=_curve(fit, design, per),
        wording=wording(float(odds["odds_ratio"]), odds, per),
    )


def model_table(fit: LogitFit, terms: list[str]) -> pd.DataFrame:
    """``term, estimate, se, odds_ratio, or_ci_low, or_ci_high, p`` (Wald)."""
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": fit.beta,
            "se": fit.se,
            "odds_ratio": np.exp(fit.beta),
            "or_ci_low": np.exp(fit.beta - Z95 * fit.se),
            "or_ci_high": np.exp(fit.beta + Z95 * fit.se),
            "p": wald_p(fit.beta, fit.se),
        }
    )


def wording(odds_ratio: float, odds: pd.Series, per: float) -> str:
    """The odds ratio in plain words, as an association (never a cause)."""
    if not math.isfinite(odds_ratio):
        return ""
    interval = f"95% CI {odds['or_ci_low']:.2f}–{odds['or_ci_high']:.2f}"
    return (
        f"accounts with a {per:g}-point higher index were lost with odds "
        f"{odds_ratio:.2f} times as high ({interval}); an association in these "
        "accounts, not proof that the index causes renewals"
    )


def _curve(fit: LogitFit, design: Design, per: float) -> pd.DataFrame:
    """Predicted probability over index 0..100 (covariates at their means)."""
    grid = np.arange(0.0, 101.0)
    X = np.tile(design.X.mean(axis=0), (len(grid), 1))
    X[:, 1] = grid / per
    p, low, high = predicted(X, fit)
    return pd.DataFrame({"index_eb": grid, "p": p, "p_ci_low": low, "p_ci_high": high})


def _rank(accounts: pd.Series) -> np.ndarray:
    return accounts.astype(str).rank(method="first").to_numpy()


def _sorted(accounts: pd.DataFrame) -> pd.DataFrame:
    """By revenue at risk, then revenue (largest first), then account id: the one
    ranking rule (keys rounded, :func:`b2bcx.stats.order.sort_accounts`)."""
    return sort_accounts(
        accounts, ["revenue_at_risk", "revenue"], [False, False], na_position="last"
    ).reset_index(drop=True)


def value_tables(result: ValueResult) -> dict[str, object]:
    """The JSON output: the ``summary`` object and one list of records per table."""
    return {
        "summary": result.summary,
        "model": result.model,
        "accounts": result.accounts,
        "bands": result.bands,
        "calibration": result.calibration,
        "not_heard": result.not_heard,
        "no_decision": result.no_decision,
    }


def sources_value(
    sources: Sources, result: ScoreResult, base: ScoreResult | None
) -> tuple[ValueResult | None, str]:
    """Renewals against the index for a report or deck, or why not, from the
    waves already scored (``result``, and the baseline ``base``).

    With a baseline, the model is fitted on the baseline (the wave heard before
    the decisions) and applied to this wave's accounts; without one, it is
    fitted on this wave. An :class:`AnalysisError` becomes the note.
    """
    if sources.decisions is None:
        return None, ""
    heard, current = (base, result) if base is not None else (result, None)
    try:
        found = value_from(
            heard, sources.decisions, master=sources.master, current=current
        )
    except AnalysisError as error:
        reason = (
            f"{error.message} (hint: {error.hint})" if error.hint else error.message
        )
        return None, f"Not computed: {reason}"
    return found, ""
