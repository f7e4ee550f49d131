"""Factor screening and key drivers over a read export (pure orchestration)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from b2bcx.api import Checked, check
from b2bcx.config import Config
from b2bcx.config_files import shipped_config_dirs
from b2bcx.drivers import (
    key_drivers,
    key_drivers_by_role,
    key_drivers_table,
    published_agreement,
)
from b2bcx.errors import AnalysisError, ConfigError, DataError, Problem, raise_if_errors
from b2bcx.io import Export
from b2bcx.lemke import GROUPS, method_note, screen_mentions, screen_ratings
from b2bcx.screening import factor_inputs, factor_spec

STATUS_ORDER = {"important": 0, "inconclusive": 1, "not important": 2, "untestable": 3}


@dataclass(frozen=True)
class FactorResult:
    """The Lemke-style screening table, with what it was computed from.

    ``table`` has the columns of METHOD.md §3 (with ``role`` first when screened
    by role), sorted by status then rate. ``groups`` counts respondents per
    experience group; ``ungrouped`` those left out for want of a group.
    """

    table: pd.DataFrame
    kind: str
    method: str
    groups: dict[str, int]
    ungrouped: int
    problems: list[Problem] = field(default_factory=list)


def factors(
    export: Export,
    config: Config,
    *,
    by_role: bool = False,
    checked: Checked | None = None,
) -> FactorResult:
    """Screen experience factors: frequency (≥25%) and discrimination (METHOD.md §3).

    ``checked`` (from :func:`b2bcx.api.check`) reuses rows already prepared and scored.
    """
    spec = factor_spec(config)
    checked = _checked(export, config, checked)
    inputs = factor_inputs(checked.prepared.frame, checked.scores, config)
    raise_if_errors(inputs.problems, DataError, "the factor data cannot be screened")
    grouped = inputs.group.notna()
    if not grouped.any():
        raise AnalysisError(
            "no respondent has an experience group (good / average / poor)",
            hint="check `factors.group` and the NPS or group column",
        )
    counts = inputs.group[grouped].value_counts()
    empty = [g for g in GROUPS if counts.get(g, 0) == 0]
    if empty:
        raise AnalysisError(
            f"no respondents in the experience group(s): {', '.join(empty)}",
            hint="factor discrimination needs good, average and poor experiences",
        )
    options = {
        "min_mention_rate": spec.min_mention_rate,
        "alpha": spec.alpha,
        "labels": spec.labels,
    }
    screen = screen_ratings if inputs.kind == "ratings" else screen_mentions
    values, group = inputs.values[grouped], inputs.group[grouped].astype(str)
    if values.shape[1] == 0:
        raise AnalysisError(
            "no factor mentions were found in the data",
            hint="check the mention column and its separator",
        )
    table = screen(values, group, **options)  # type: ignore[arg-type]
    if by_role:
        roles = checked.prepared.frame.loc[grouped, "role"]
        table = _by_role(screen, values, group, roles, options, table)
    table = _sorted(table)
    note = method_note(
        spec.alpha,
        spec.min_mention_rate,
        "ratings" if inputs.kind == "ratings" else "mentions",
    )
    warnings = [p for p in inputs.problems if p.severity == "warning"]
    return FactorResult(
        table,
        inputs.kind,
        note,
        {g: int(counts.get(g, 0)) for g in GROUPS},
        int((~grouped).sum()),
        warnings,
    )


def _checked(export: Export, config: Config, checked: Checked | None = None) -> Checked:
    checked = checked or check(export, config)
    raise_if_errors(checked.problems, DataError, "the data cannot be analysed")
    return checked


def _by_role(
    screen,
    values: pd.DataFrame,
    group: pd.Series,
    roles: pd.Series,
    options: Mapping,
    overall: pd.DataFrame,
) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    blocks = [overall.assign(role="all")]
    for role in dict.fromkeys(roles):
        members = roles == role
        try:
            blocks.append(
                screen(values[members], group[members], **options).assign(role=role)
            )
        except AnalysisError:
            continue  # a role too small to screen is left out of the breakdown
    table = pd.concat(blocks, ignore_index=True)
    return table[["role", *overall.columns]]


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    order = table["status"].map(STATUS_ORDER).fillna(9)
    rate = table["rate"] if "rate" in table else table["count"]
    keys = pd.DataFrame({"role": table.get("role", ""), "order": order, "rate": -rate})
    ranked = (
        keys.sort_values(["role", "order", "rate"], kind="stable").index
        if "role" in table
        else keys.sort_values(["order", "rate"], kind="stable").index
    )
    return table.loc[ranked].reset_index(drop=True)


@dataclass(frozen=True)
class DriverAnalysis:
    """Key drivers of an outcome, overall or by role."""

    table: pd.DataFrame
    outcome: str
    method: str
    r2: float
    n: int
    dropped: int
    by_role: bool
    overall: pd.DataFrame | None = None


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
    """Relative importance of the pillars for an outcome (METHOD.md §4).

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


def published_priorities(
    path: Path | None = None,
) -> Mapping[str, Mapping[str, Sequence[str]]]:
    """Published role priorities (``configs/published_priorities.yaml``)."""
    candidates = (
        [path]
        if path
        else [d / "published_priorities.yaml" for d in shipped_config_dirs()]
    )
    for candidate in candidates:
        if candidate and candidate.is_file():
            data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
            return data.get("roles", {})
    return {}
