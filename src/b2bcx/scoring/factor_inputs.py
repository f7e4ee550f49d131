"""Inputs of factor screening: experience groups and factor mentions or ratings.

Pure: prepared respondent rows and a config in, a group Series and a mention
(or rating) matrix out, with every problem collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from b2bcx.config.models import Config, Factors, Outcome, scales_in_force
from b2bcx.errors import ConfigError, Problem
from b2bcx.scoring.prepare import distinct_value_problems
from b2bcx.scoring.respondents import BadAnswers, answer_values
from b2bcx.scoring.scales import item_score, normalise_label
from b2bcx.stats.comments import code_comments
from b2bcx.stats.lemke import group_from_labels, group_from_nps, group_from_scores

TRUE_WORDS = frozenset({"1", "1.0", "yes", "y", "true", "x", "mentioned", "checked"})
FALSE_WORDS = frozenset({"0", "0.0", "no", "n", "false", ""})


@dataclass(frozen=True)
class FactorInputs:
    """Per respondent: the experience group and one column per factor.

    ``kind`` is ``mentions`` (boolean matrix) or ``ratings`` (0..100, NaN = not rated).
    """

    kind: str
    group: pd.Series
    values: pd.DataFrame
    problems: list[Problem]


def factor_spec(config: Config) -> Factors:
    """The config's ``factors:`` section, or a clear error."""
    if config.factors is None or (
        config.factors.mentions is None and not config.factors.ratings
    ):
        raise ConfigError(
            "the config has no `factors:` section with `mentions:` or `ratings:`",
            hint="add `factors: {mentions: {column: FactorsMentioned}}` (see docs/config.md)",
        )
    return config.factors


def experience_group(
    frame: pd.DataFrame, scores: pd.DataFrame, config: Config
) -> pd.Series:
    """good / average / poor per respondent (NA where it cannot be told)."""
    group = factor_spec(config).group
    if group.column:
        if not group.values:
            raise ConfigError(
                "`factors.group.values` must map the column's answers to good, average and poor"
            )
        values: dict[str, list[object]] = {
            str(k): list(v) for k, v in group.values.items()
        }
        return group_from_labels(frame[group.column], values)
    source = group.source or "nps"
    if source == "nps":
        if "nps" not in scores:
            raise ConfigError(
                "the experience group comes from NPS, but no `outcomes.nps` is configured",
                hint="add `outcomes: {nps: COLUMN}` or set `factors.group.column`",
            )
        return group_from_nps(scores["nps"])
    if source not in scores:
        raise ConfigError(
            f"`factors.group.from: {source}` is not a configured outcome",
            hint=f"outcomes: {', '.join(config.outcomes) or 'none'}",
        )
    if group.good_min is None or group.poor_max is None:
        raise ConfigError(
            f"`factors.group.from: {source}` needs `good_min` and `poor_max` thresholds (0..100)"
        )
    return group_from_scores(scores[source], group.good_min, group.poor_max)


def factor_inputs(
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    config: Config,
    bad_answers: BadAnswers = "error",
) -> FactorInputs:
    """The screening inputs of the config's ``factors:`` section."""
    spec = factor_spec(config)
    group = experience_group(frame, scores, config)
    if spec.ratings:
        values, problems = factor_ratings(frame, config, spec.ratings, bad_answers)
        return FactorInputs("ratings", group, values, problems)
    mentions, problems = factor_mentions(frame, config, spec)
    return FactorInputs("mentions", group, mentions, problems)


def factor_mentions(
    frame: pd.DataFrame, config: Config, spec: Factors
) -> tuple[pd.DataFrame, list[Problem]]:
    """Mentions from a multi-code column, 0/1 columns, and/or coded comments."""
    mention_spec = spec.mentions
    parts: list[pd.DataFrame] = []
    problems: list[Problem] = []
    if mention_spec and mention_spec.column:
        coded = split_codes(frame[mention_spec.column], mention_spec.separator)
        problems += unknown_code_problems(
            frame, coded, mention_spec.column, spec.labels
        )
        parts.append(coded)
    if mention_spec and mention_spec.columns:
        flags, found = flag_columns(frame, mention_spec.columns)
        parts.append(flags)
        problems += found
    if mention_spec and mention_spec.from_comments:
        parts.append(comment_mentions(frame, config, spec))
    combined = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)
    combined = (
        combined.T.groupby(level=0, sort=False).any().T
        if combined.columns.duplicated().any()
        else combined
    )
    return combined.astype(bool), problems


def split_codes(cells: pd.Series, separator: str) -> pd.DataFrame:
    """A multi-code cell (``"flexibility; knowledge"``) -> one boolean column per code.

    Codes are trimmed and compared case-insensitively; column order is first seen.
    Distinct cells are split once, so long files cost one pass.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    split = [
        [normalise_label(c) for c in str(u).split(separator) if c.strip()]
        for u in uniques
    ]
    factors = list(dict.fromkeys(c for cell in split for c in cell))
    matrix = pd.DataFrame(False, index=range(len(uniques) + 1), columns=factors)
    for i, cell in enumerate(split):
        matrix.loc[i, cell] = True
    rows = matrix.to_numpy()[codes]  # NA cells take the last (all False) row
    return pd.DataFrame(
        rows, index=cells.index, columns=[_factor_id(f) for f in factors]
    )


def _factor_id(code: str) -> str:
    return code.replace(" ", "_").replace("-", "_")


def unknown_code_problems(
    frame: pd.DataFrame, coded: pd.DataFrame, column: str, labels: Mapping[str, str]
) -> list[Problem]:
    """Codes found in the data that the config's ``factors.labels`` does not list (warnings)."""
    if not labels:
        return []
    unknown = [c for c in coded.columns if c not in labels]
    problems = []
    for code in unknown:
        mask = coded[code]
        problems += distinct_value_problems(
            frame[mask],
            pd.Series(code, index=frame.index[mask]),
            column,
            "factor code is not in `factors.labels`; it is screened under its code",
            "add a label for it, or correct the code",
            severity="warning",
            code="unknown-factor-code",
        )
    return problems


def flag_columns(
    frame: pd.DataFrame, columns: Mapping[str, str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """0/1 (yes/no, true/false, x) columns -> booleans; blanks are no mention."""
    flags: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for factor, column in columns.items():
        text = frame[column].map(normalise_label, na_action="ignore").fillna("")
        bad = ~text.isin(TRUE_WORDS | FALSE_WORDS)
        if bad.any():
            problems += distinct_value_problems(
                frame[bad],
                frame.loc[bad, column],
                column,
                "mention is not 0/1",
                "use 1/0, yes/no or true/false",
                code="invalid-mention",
            )
        flags[factor] = text.isin(TRUE_WORDS)
    return pd.DataFrame(flags, index=frame.index), problems


def comment_mentions(
    frame: pd.DataFrame, config: Config, spec: Factors
) -> pd.DataFrame:
    """Mentions coded from free-text comments with the lexicon."""
    source = spec.mentions.from_comments if spec.mentions else None
    column = (source.column if source else None) or config.columns.comment
    lexicon = (
        source.lexicon if source and isinstance(source.lexicon, dict) else spec.lexicon
    )
    if not column or not lexicon:
        raise ConfigError(
            "`factors.mentions.from_comments` needs a comment column and a lexicon",
            hint="`extends: lemke_factors` ships a starter lexicon",
        )
    return code_comments(frame[column], lexicon)


def factor_ratings(
    frame: pd.DataFrame,
    config: Config,
    ratings: Mapping[str, str | Outcome],
    bad_answers: BadAnswers = "error",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Survey statements mapped to factors, scored 0..100 on their scales."""
    scales = scales_in_force(config)
    values: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for factor, spec in ratings.items():
        item = spec if isinstance(spec, str) else spec.item
        scale_id = (None if isinstance(spec, str) else spec.scale) or config.scale_for(
            item
        )
        numbers, found = answer_values(
            frame,
            item,
            scale_id,
            scales[scale_id],
            scales,
            f"factors.ratings.{factor}.scale",
            bad_answers,
        )
        problems += found
        values[factor] = item_score(numbers, scales[scale_id])
    return pd.DataFrame(values, index=frame.index), problems
