"""Factor screening and key drivers over a read export (pure orchestration)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from b2bcx.api.accounts import Checked, check
from b2bcx.config.models import Config
from b2bcx.errors import AnalysisError, DataError, raise_if_errors
from b2bcx.io import Export
from b2bcx.results import FactorResult
from b2bcx.scoring.factor_inputs import factor_inputs, factor_spec
from b2bcx.stats.lemke import GROUPS, method_note, screen_mentions, screen_ratings

STATUS_ORDER = {"important": 0, "inconclusive": 1, "not important": 2, "untestable": 3}


def factors(
    export: Export,
    config: Config,
    *,
    by_role: bool = False,
    checked: Checked | None = None,
) -> FactorResult:
    """Screen experience factors: frequency (≥25%) and discrimination (docs/method.md#factor-screening).

    ``checked`` (from :func:`b2bcx.api.accounts.check`) reuses rows already prepared and scored.
    """
    spec = factor_spec(config)
    checked = _checked(export, config, checked)
    inputs = factor_inputs(
        checked.prepared.frame, checked.scores, config, checked.bad_answers
    )
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
