"""``b2bcx drivers``: which pillars drive an outcome, overall and by role.

:func:`drivers` fits them on the respondent table; :func:`drivers_from_pass` on the
per-account sums of the streaming pass (docs/method.md#streaming), with the same
results, or None when the pass does not apply.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from b2bcx.api.accounts import Checked
from b2bcx.api.screening import _checked
from b2bcx.config.files import published_priorities
from b2bcx.config.models import Config
from b2bcx.errors import ConfigError
from b2bcx.io import Export
from b2bcx.results import DriverAnalysis
from b2bcx.stats.drivers import (
    DriverResult,
    drivers_with_roles,
    key_drivers,
    key_drivers_by_role,
    key_drivers_table,
    key_drivers_with_roles,
    published_agreement,
    withhold_advice,
)

if TYPE_CHECKING:
    from b2bcx.scoring.moments import Partial, Plan


def outcome_column(config: Config, outcome: str) -> str:
    """The respondent-table column of an outcome name, or a clear error."""
    if outcome in config.outcomes:
        return outcome
    known = list(config.outcomes)
    close = difflib.get_close_matches(outcome, known, n=1)
    hint = (
        f"did you mean `{close[0]}`?"
        if close
        else f"configured outcomes: {', '.join(known) or 'none (add `outcomes:`)'}"
    )
    raise ConfigError(f"outcome `{outcome}` is not configured", hint=hint)


def drivers(
    export: Export,
    config: Config,
    *,
    outcome: str = "nps",
    method: str = "rwa",
    by_role: bool = False,
    bootstrap: int = 1000,
    seed: int = 2011,
    checked: Checked | None = None,
) -> DriverAnalysis:
    """Relative importance of the pillars for an outcome (docs/method.md#drivers).

    With ``by_role``, ``table`` holds the roles' drivers and ``overall`` the model
    over all respondents, so both come from one call. The bootstrap resamples
    accounts when the respondents have an account. A model with ``R² < 0.05``, or
    whose outcome item is also an item of a driver pillar, is returned with a
    warning and quadrant ``—`` (no advice).
    """
    column = _driven_outcome(config, outcome)
    respondents = _checked(export, config, checked).scores
    pillars = list(config.pillars)
    clustered = "account" in respondents and respondents["account"].notna().all()
    options = _options(config, method, bootstrap, seed)
    roles = [r for r in config.role_weights if r in set(respondents["role"])]
    if by_role and clustered:  # one account bootstrap for every model
        overall, table = key_drivers_with_roles(
            respondents, pillars, column, "role", "account", roles=roles, **options
        )
    else:
        cluster = "account" if clustered else None
        overall = key_drivers(respondents, pillars, column, cluster=cluster, **options)
        table = (
            key_drivers_by_role(
                respondents,
                pillars,
                column,
                "role",
                roles=roles,
                cluster=cluster,
                **options,
            )
            if by_role
            else None
        )
    return _analysis(
        config, outcome, overall, table, "accounts" if clustered else "respondents"
    )


def drivers_from_pass(
    total: Partial,
    p: Plan,
    *,
    outcome: str = "nps",
    method: str = "rwa",
    by_role: bool = False,
    bootstrap: int = 1000,
    seed: int = 2011,
) -> DriverAnalysis:
    """:func:`drivers` from a merged partial whose plan sums the cross-products
    of ``outcome`` (``plan(config, drivers=...)``), before the finish lets the
    sums go. Every model reads the partial's account x role sums in place.

    Raises
    ------
    AnalysisError
        The overall model cannot be fitted (a role's model that cannot is left
        out of the breakdown).
    """
    from b2bcx.scoring.finish import driver_sums, dropped_cases

    config = p.config
    column = _driven_outcome(config, outcome)
    pillars = list(config.pillars)
    options = _options(config, method, bootstrap, seed)
    heard = total.count.sum(axis=0) > 0
    roles = [role for k, role in enumerate(p.roles) if heard[k]]
    overall, table = drivers_with_roles(
        driver_sums(total, p),
        pillars,
        column,
        shown=roles if by_role else (),
        **options,
    )
    overall = replace(overall, dropped=dropped_cases(total))
    return _analysis(config, outcome, overall, table if by_role else None, "accounts")


def _driven_outcome(config: Config, outcome: str) -> str:
    """The outcome's column, once the config can have drivers."""
    column = outcome_column(config, outcome)
    if not config.pillars:
        raise ConfigError(
            "key drivers need pillars", hint="add `pillars:` to the config"
        )
    return column


def _options(config: Config, method: str, bootstrap: int, seed: int) -> dict[str, Any]:
    labels = {p: config.pillar_label(p) for p in config.pillars}
    return {"method": method, "bootstrap": bootstrap, "seed": seed, "labels": labels}


def _analysis(
    config: Config,
    outcome: str,
    overall: DriverResult,
    table: pd.DataFrame | None,
    resampled: str,
) -> DriverAnalysis:
    """The analysis of the overall model and, given the roles' ``table``, the
    roles' models: warnings, withheld advice, published priorities."""
    column, method = overall.outcome, overall.method
    overlap = outcome_overlap(config, column)
    warnings = (*overall.warnings, *([overlap] if overlap else []))
    overall_table = key_drivers_table(overall)
    if overlap:
        overall_table = withhold_advice(overall_table)
    if table is None:
        return DriverAnalysis(
            overall_table,
            outcome,
            method,
            overall.r2,
            overall.n,
            overall.dropped,
            False,
            warnings=warnings,
            resampled=resampled,
        )
    if overlap:
        table = withhold_advice(table)
    kind = "advocacy" if outcome == "nps" else "loyalty"
    table = published_agreement(table, published_priorities(), kind)
    return DriverAnalysis(
        table,
        outcome,
        method,
        overall.r2,
        overall.n,
        overall.dropped,
        True,
        overall_table,
        warnings=warnings,
        resampled=resampled,
    )


def outcome_overlap(config: Config, outcome: str) -> str | None:
    """A warning when the outcome's item is also an item of a driver pillar."""
    item = config.outcome(outcome).item
    pillars = [p for p, spec in config.pillars.items() if item in spec.items]
    if not pillars:
        return None
    names = ", ".join(config.pillar_label(p) for p in pillars)
    return (
        f"the outcome item {item} is also an item of {names}: the model explains "
        "the outcome by itself; no quadrant advice"
    )
