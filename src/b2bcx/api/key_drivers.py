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
    over all respondents, so both come from one call.
    """
    column = outcome_column(config, outcome)
    if not config.pillars:
        raise ConfigError(
            "key drivers need pillars", hint="add `pillars:` to the config"
        )
    respondents = _checked(export, config, checked).scores
    pillars = list(config.pillars)
    labels = {p: config.pillar_label(p) for p in pillars}
    options = {"method": method, "bootstrap": bootstrap, "seed": seed, "labels": labels}
    overall = key_drivers(respondents, pillars, column, **options)  # type: ignore[arg-type]
    if not by_role:
        return DriverAnalysis(
            key_drivers_table(overall),
            outcome,
            method,
            overall.r2,
            overall.n,
            overall.dropped,
            False,
        )
    roles = [r for r in config.role_weights if r in set(respondents["role"])]
    table = key_drivers_by_role(
        respondents, pillars, column, "role", roles=roles, **options
    )
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
        key_drivers_table(overall),
    )
