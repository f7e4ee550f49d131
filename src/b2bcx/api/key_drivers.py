"""``b2bcx drivers``: which pillars drive an outcome, overall and by role."""

from __future__ import annotations

import difflib

from b2bcx.api.accounts import Checked
from b2bcx.api.screening import _checked
from b2bcx.config.files import published_priorities
from b2bcx.config.models import Config
from b2bcx.errors import ConfigError
from b2bcx.io import Export
from b2bcx.results import DriverAnalysis
from b2bcx.stats.drivers import (
    key_drivers,
    key_drivers_by_role,
    key_drivers_table,
    published_agreement,
    withhold_advice,
)


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
    column = outcome_column(config, outcome)
    if not config.pillars:
        raise ConfigError(
            "key drivers need pillars", hint="add `pillars:` to the config"
        )
    respondents = _checked(export, config, checked).scores
    pillars = list(config.pillars)
    labels = {p: config.pillar_label(p) for p in pillars}
    clustered = "account" in respondents and respondents["account"].notna().all()
    options = {
        "method": method,
        "bootstrap": bootstrap,
        "seed": seed,
        "labels": labels,
        "cluster": "account" if clustered else None,
    }
    overall = key_drivers(respondents, pillars, column, **options)  # type: ignore[arg-type]
    overlap = outcome_overlap(config, column)
    warnings = (*overall.warnings, *([overlap] if overlap else []))
    overall_table = key_drivers_table(overall)
    if overlap:
        overall_table = withhold_advice(overall_table)
    resampled = "accounts" if clustered else "respondents"
    if not by_role:
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
    roles = [r for r in config.role_weights if r in set(respondents["role"])]
    table = key_drivers_by_role(
        respondents, pillars, column, "role", roles=roles, **options
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
