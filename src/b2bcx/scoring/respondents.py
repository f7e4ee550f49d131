"""Respondent-level scores: items, pillars, CX index, composites, outcomes, NPS."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from b2bcx.config.models import Config, Scale, scales_in_force
from b2bcx.errors import Problem
from b2bcx.scoring.prepare import FILE, ROW, distinct_value_problems
from b2bcx.scoring.scales import (
    as_number,
    item_score,
    item_values,
    looks_like_non_answer,
    nps_category,
    scales_holding,
)
from b2bcx.stats.pillars import cx_index, pillar_score, weighted_mean

BadAnswers = Literal["error", "missing"]
READ_AS_MISSING = "unreadable answer, read as missing"


def unreadable_count(problems: list[Problem]) -> int:
    """How many answers ``--bad-answers missing`` read as missing."""
    return sum(p.code == "answer-read-as-missing" for p in problems)


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
    frame: pd.DataFrame,
    config: Config,
    columns: list[str],
    bad_answers: BadAnswers = "error",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Every statement column scored 0..100; invalid answers become problems."""
    scales = scales_in_force(config)
    scores = np.empty((len(frame), len(columns)))  # one block: no per-column frames
    problems: list[Problem] = []
    for j, item in enumerate(columns):
        scale_id = config.scale_for(item)
        spec = config.items.get(item)
        values, found = answer_values(
            frame,
            item,
            scale_id,
            scales[scale_id],
            scales,
            scale_setting(config, item),
            bad_answers,
        )
        problems += found + blank_column_warning(frame, item)
        reverse = bool(spec and spec.reverse)
        scores[:, j] = item_score(values, scales[scale_id], reverse=reverse).to_numpy()
    return pd.DataFrame(scores, index=frame.index, columns=columns), problems


def answer_values(
    frame: pd.DataFrame,
    column: str,
    scale_id: str,
    scale: Scale,
    scales: dict[str, Scale] | None = None,
    setting: str = "",
    bad_answers: BadAnswers = "error",
) -> tuple[pd.Series, list[Problem]]:
    """Raw answers of a column as numbers on ``scale``, with problems for invalid answers.

    When the invalid answers are the labels of another known scale (``scales``),
    one problem for the column names it (``setting`` is where the config sets
    the column's scale, e.g. ``default_scale``); otherwise one problem per
    distinct invalid answer. Only answers that read as non-answers are ever
    suggested as missing codes. With ``bad_answers="missing"`` every invalid
    answer is missing and listed as a warning of its own.
    """
    decoded = item_values(frame[column], scale)
    if not decoded.invalid.any():
        return decoded.values, []
    rows = frame[decoded.invalid]
    answers = frame.loc[decoded.invalid, column]
    problem = f"answer is not on scale `{scale_id}`"
    if bad_answers == "missing":
        return decoded.values, _read_as_missing(rows, answers, column, scale_id)
    matching = scales_holding(frame[column], scales or {}, scale_id)
    if matching:
        return decoded.values, [
            _other_scale_problem(rows, answers, column, problem, matching, setting)
        ]
    missing_like = answers.map(looks_like_non_answer).astype(bool)
    if not scale.labels and not missing_like.any() and _all_words(answers):
        hint = (
            f"the answers are labels but `{scale_id}` is numeric; give it "
            f"`labels` (label: number), or use a labelled scale"
        )
        return decoded.values, [_column_problem(rows, answers, column, problem, hint)]
    problems = distinct_value_problems(
        rows[missing_like],
        answers[missing_like],
        column,
        problem,
        f"if it means no answer, add it to `scales.{scale_id}.missing`",
        code="invalid-answer",
    )
    problems += distinct_value_problems(
        rows[~missing_like],
        answers[~missing_like],
        column,
        problem,
        _scale_hint(scale_id, scale, setting),
        code="invalid-answer",
    )
    problems = [_with_suggestion(p, scale) for p in problems]
    return decoded.values, sorted(problems, key=lambda p: p.row or 0)


def _read_as_missing(
    rows: pd.DataFrame, answers: pd.Series, column: str, scale_id: str
) -> list[Problem]:
    """One warning per answer that ``--bad-answers missing`` reads as missing."""
    return [
        Problem(
            f"{READ_AS_MISSING} (not on scale `{scale_id}`)",
            "correct the answer or the column's scale; without --bad-answers missing "
            "it stops the run",
            file=str(file),
            row=int(row),
            column=column,
            value=str(value),
            severity="warning",
            code="answer-read-as-missing",
        )
        for file, row, value in zip(
            rows[FILE].to_numpy(), rows[ROW].to_numpy(), answers.to_numpy(), strict=True
        )
    ]


def _all_words(answers: pd.Series) -> bool:
    return all(as_number(a) is None for a in answers.dropna().unique())


def _other_scale_problem(
    rows: pd.DataFrame,
    answers: pd.Series,
    column: str,
    problem: str,
    matching: list[str],
    setting: str,
) -> Problem:
    """One problem for a column answered in another scale's labels."""
    scale = matching[0]
    use = f"use `{setting}: {scale}`" if setting else f"answer it on scale `{scale}`"
    hint = f"these look like `{scale}` labels; {use}"
    return _column_problem(rows, answers, column, problem, hint)


def _column_problem(
    rows: pd.DataFrame, answers: pd.Series, column: str, problem: str, hint: str
) -> Problem:
    """One problem for all the invalid answers of a column, at its first row."""
    distinct = list(dict.fromkeys(answers.astype(str)))
    shown = ", ".join(repr(a) for a in distinct[:4]) + (
        ", ..." if len(distinct) > 4 else ""
    )
    count = f"{len(answers)} row{'s' if len(answers) != 1 else ''}"
    return Problem(
        f"{problem} ({count}: {shown})",
        hint,
        file=str(rows[FILE].iloc[0]),
        row=int(rows[ROW].iloc[0]),
        column=column,
        value=str(answers.iloc[0]),
        code="invalid-answer",
    )


def _with_suggestion(problem: Problem, scale: Scale) -> Problem:
    """Name the label a mistyped answer was probably meant to be ("Agre" -> "Agree")."""
    labels = list(scale.labels or {})
    close = difflib.get_close_matches(str(problem.value), labels, n=1, cutoff=0.75)
    if not close:
        return problem
    return replace(problem, hint=f"did you mean {close[0]!r}? {problem.hint}")


def scale_setting(config: Config, item: str) -> str:
    """Where the config sets the scale of a statement."""
    spec = config.items.get(item)
    return f"items.{item}.scale" if spec and spec.scale else "default_scale"


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
            code="blank-column",
        )
    ]


def _scale_hint(scale_id: str, scale: Scale, setting: str = "") -> str:
    kind = "a whole number" if scale.whole else "a number"
    bounds = f"{kind} {scale.lo:g}..{scale.hi:g}"
    expected = (
        f"expected one of: {', '.join(scale.labels)}, or {bounds}"
        if scale.labels
        else f"expected {bounds}"
    )
    where = f"`{setting}`" if setting else "the column's scale"
    return f"{expected}; check the answer, or {where}"


def score_respondents(
    frame: pd.DataFrame, config: Config, bad_answers: BadAnswers = "error"
) -> RespondentScores:
    """Item, pillar, index, composite and outcome scores of each respondent (docs/method.md#scores).

    ``bad_answers="missing"`` reads answers that are not on their scale as
    missing, each listed as a warning, instead of stopping with errors.
    """
    items, problems = score_items(frame, config, config.item_columns, bad_answers)
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
    outcomes, outcome_problems = score_outcomes(frame, config, bad_answers)
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
    for column in [
        c.name,
        *c.segments,
        c.revenue,
        c.phase,
        c.wave,
        c.comment,
        c.contact,
    ]:
        if column and column in frame:
            table[column] = frame[column]
    return table


def score_outcomes(
    frame: pd.DataFrame, config: Config, bad_answers: BadAnswers = "error"
) -> tuple[pd.DataFrame, list[Problem]]:
    """``nps`` (0..10) and ``nps_code``; other outcomes scored 0..100."""
    scales = scales_in_force(config)
    out = pd.DataFrame(index=frame.index)
    problems: list[Problem] = []
    for name in config.outcomes:
        outcome = config.outcome(name)
        scale_id = outcome.scale or config.default_scale
        values, found = answer_values(
            frame,
            outcome.item,
            scale_id,
            scales[scale_id],
            scales,
            f"outcomes.{name}.scale",
            bad_answers,
        )
        problems += found
        if name == "nps":
            out["nps"] = values
            out["nps_code"] = nps_category(values)
        else:
            out[name] = item_score(values, scales[scale_id])
    return out, problems
