"""Respondent-level scores: items, pillars, CX index, composites, outcomes, NPS."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from b2bcx.config.models import Config, Scale, scales_in_force
from b2bcx.errors import Problem
from b2bcx.scoring.prepare import FILE, ROW, distinct_value_problems
from b2bcx.scoring.scales import item_score, item_values, nps_category
from b2bcx.stats.pillars import cx_index, pillar_score, weighted_mean


@dataclass
class RespondentScores:
    """Scores per respondent, and the invalid answers found on the way.

    ``table`` columns: ``_file, _row, respondent, account, role``, the pillar
    ids, ``index``, composite ids, ``nps`` (0..10 answer), ``nps_code``
    (+1/0/−1), other outcome ids (0..100), and the item scores.
    """

    table: pd.DataFrame
    problems: list[Problem]


def score_items(
    frame: pd.DataFrame, config: Config, columns: list[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Every statement column scored 0..100; invalid answers become problems."""
    scales = scales_in_force(config)
    scores = np.empty((len(frame), len(columns)))  # one block: no per-column frames
    problems: list[Problem] = []
    for j, item in enumerate(columns):
        scale_id = config.scale_for(item)
        spec = config.items.get(item)
        values, found = answer_values(frame, item, scale_id, scales[scale_id])
        problems += found + blank_column_warning(frame, item)
        reverse = bool(spec and spec.reverse)
        scores[:, j] = item_score(values, scales[scale_id], reverse=reverse).to_numpy()
    return pd.DataFrame(scores, index=frame.index, columns=columns), problems


def answer_values(
    frame: pd.DataFrame, column: str, scale_id: str, scale: Scale
) -> tuple[pd.Series, list[Problem]]:
    """Raw answers of a column as numbers on ``scale``, with a problem per invalid answer."""
    decoded = item_values(frame[column], scale)
    problems = []
    if decoded.invalid.any():
        problems = distinct_value_problems(
            frame[decoded.invalid],
            frame.loc[decoded.invalid, column],
            column,
            f"answer is not on scale `{scale_id}`",
            _scale_hint(scale_id, scale),
        )
        problems = [_with_suggestion(p, scale) for p in problems]
    return decoded.values, problems


def _with_suggestion(problem: Problem, scale: Scale) -> Problem:
    """Name the label a mistyped answer was probably meant to be ("Agre" -> "Agree")."""
    labels = list(scale.labels or {})
    close = difflib.get_close_matches(str(problem.value), labels, n=1, cutoff=0.75)
    if not close:
        return problem
    return replace(problem, hint=f"did you mean {close[0]!r}? {problem.hint}")


def blank_column_warning(frame: pd.DataFrame, column: str) -> list[Problem]:
    """A statement nobody answered is usually a wrong export or column name."""
    if len(frame) == 0 or frame[column].notna().any():
        return []
    source = ", ".join(dict.fromkeys(frame[FILE].astype(str)))
    return [
        Problem(
            "the statement column is blank in every row: its pillar is scored from the other items",
            "check that the export has the answers and that the config names the right column",
            file=source,
            column=column,
            severity="warning",
        )
    ]


def _scale_hint(scale_id: str, scale: Scale) -> str:
    bounds = f"a number {scale.lo:g}..{scale.hi:g}"
    if scale.labels:
        labels = ", ".join(scale.labels)
        return f"expected one of: {labels}, or {bounds}; add other non-answers to `scales.{scale_id}.missing`"
    return f"expected {bounds}; add missing codes to `scales.{scale_id}.missing`"


def score_respondents(frame: pd.DataFrame, config: Config) -> RespondentScores:
    """Item, pillar, index, composite and outcome scores of each respondent (docs/method.md#scores)."""
    items, problems = score_items(frame, config, config.item_columns)
    pillar_scores = {}
    for pid, pillar in config.pillars.items():
        weights = [
            config.items[i].weight if i in config.items else 1.0 for i in pillar.items
        ]
        pillar_scores[pid] = pillar_score(
            items[pillar.items], config.min_items(pid), weights
        )
    pillars = pd.DataFrame(pillar_scores, index=frame.index)
    index_weights = (
        config.index.weights if isinstance(config.index.weights, dict) else None
    )
    table = _identity(frame, config)
    if config.pillars:
        table = table.join(pillars)
        table["index"] = cx_index(pillars, index_weights)
    for cid, composite in config.composites.items():
        parts = pd.concat(
            [pillars[s] if s in pillars else items[s] for s in composite.sources],
            axis=1,
        )
        table[cid] = weighted_mean(
            parts, composite.weights, math.ceil(len(composite.sources) / 2)
        )
    outcomes, outcome_problems = score_outcomes(frame, config)
    return RespondentScores(
        table.join(outcomes).join(items.add_prefix("item:")),
        problems + outcome_problems,
    )


def _identity(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    c = config.columns
    table = pd.DataFrame({FILE: frame[FILE], ROW: frame[ROW]}, index=frame.index)
    table["respondent"] = (
        frame[c.respondent]
        if c.respondent
        else (frame[FILE] + ":" + frame[ROW].astype(str))
    )
    table["account"] = frame["account"]
    table["role"] = frame["role"]
    for column in [c.name, *c.segments, c.revenue, c.phase, c.wave, c.comment]:
        if column and column in frame:
            table[column] = frame[column]
    return table


def score_outcomes(
    frame: pd.DataFrame, config: Config
) -> tuple[pd.DataFrame, list[Problem]]:
    """``nps`` (0..10) and ``nps_code``; other outcomes scored 0..100."""
    scales = scales_in_force(config)
    out = pd.DataFrame(index=frame.index)
    problems: list[Problem] = []
    for name in config.outcomes:
        outcome = config.outcome(name)
        scale_id = outcome.scale or config.default_scale
        values, found = answer_values(frame, outcome.item, scale_id, scales[scale_id])
        problems += found
        if name == "nps":
            out["nps"] = values
            out["nps_code"] = nps_category(values)
        else:
            out[name] = item_score(values, scales[scale_id])
    return out, problems
