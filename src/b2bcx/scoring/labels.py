"""Coded answers read through the value labels a file carries (SPSS).

A file's codes stay numbers; its value labels say what each code means. How a
column is read depends on those labels only, never on which codes a given file
happens to hold, so a region's file and the whole file give the same scores
(docs/method.md#readers-and-layouts).

- On a scale with labels, a code whose value label is one of the scale's labels
  reads as that label; the other codes keep their number. When the labels put
  codes on the scale's numbers by a straight line (1 -> 5, 3 -> 3, 5 -> 1), the
  unlabelled codes follow the same line; when they do not, an unlabelled code
  cannot be placed and is an invalid answer.
- On any scale, a code labelled as a non-answer ("Don't know") is missing.
- Account, role, segment, phase, wave and comment codes read as their labels
  (a code without a label keeps its number).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from b2bcx.config.models import Config, Scale, scales_in_force
from b2bcx.errors import Problem
from b2bcx.scoring.scales import (
    answer_lookup,
    as_number,
    looks_like_non_answer,
    normalise_label,
)

UNPLACED = " (code without a value label)"


@dataclass(frozen=True)
class CodeReading:
    """How the codes of one column are read on one scale.

    ``labels`` maps a code to the text it reads as; ``line`` is ``(a, b)`` when
    unlabelled codes ``c`` read as ``a c + b``; ``unplaced`` when they cannot
    be read at all.
    """

    labels: dict[str, str] = field(default_factory=dict)
    line: tuple[float, float] | None = None
    unplaced: bool = False

    def read(self, code: str) -> str:
        """The text one code reads as."""
        if code in self.labels:
            return self.labels[code]
        number = as_number(code)
        if number is None:
            return code
        if self.line is not None:
            slope, intercept = self.line
            value = slope * number + intercept
            return str(int(value)) if float(value).is_integer() else str(value)
        return f"{code}{UNPLACED}" if self.unplaced else code


def code_reading(labels: Mapping[str, str], scale: Scale) -> CodeReading:
    """How a column whose codes carry ``labels`` is read on ``scale``."""
    on_scale, missing_text, _ = answer_lookup(scale)
    read: dict[str, str] = {}
    pairs: list[tuple[float, float]] = []
    for code, label in labels.items():
        folded = normalise_label(label)
        if folded in on_scale:
            read[code] = label
            number = as_number(code)
            if number is not None:
                pairs.append((number, on_scale[folded]))
        elif folded in missing_text or looks_like_non_answer(label):
            read[code] = label  # missing, or an invalid answer shown by its label
    if all(code == value for code, value in pairs):
        return CodeReading(read)
    line = _straight_line(pairs)
    return CodeReading(read, line=line, unplaced=line is None)


def _straight_line(pairs: list[tuple[float, float]]) -> tuple[float, float] | None:
    codes = {code for code, _ in pairs}
    if len(codes) < 2:
        return None
    (c0, v0), (c1, v1) = min(pairs), max(pairs)
    slope = (v1 - v0) / (c1 - c0)
    intercept = v0 - slope * c0
    if all(abs(slope * c + intercept - v) < 1e-9 for c, v in pairs):
        return slope, intercept
    return None


def scale_columns(config: Config) -> dict[str, str]:
    """Every column answered on a scale -> its scale id (statements first)."""
    scales: dict[str, str] = {
        item: config.scale_for(item) for item in config.item_columns
    }
    for name in config.outcomes:
        outcome = config.outcome(name)
        scales.setdefault(outcome.item, outcome.scale or config.default_scale)
    ratings = config.factors.ratings if config.factors else None
    for spec in (ratings or {}).values():
        item = spec if isinstance(spec, str) else spec.item
        scale = None if isinstance(spec, str) else spec.scale
        scales.setdefault(item, scale or config.scale_for(item))
    return scales


def label_columns(config: Config) -> list[str]:
    """Columns whose codes read as their labels (not role: it tries both)."""
    c = config.columns
    names = [c.account, *c.segments, c.phase, c.wave, c.comment]
    return [n for n in dict.fromkeys(names) if n]


def read_codes(
    frame: pd.DataFrame, config: Config, labels: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    """``frame`` (config column names) with coded columns read through ``labels``."""
    if not labels:
        return frame
    readers = code_readers(config, labels, frame.columns)
    if not readers:
        return frame
    frame = frame.copy()
    for column, reader in readers.items():
        frame[column] = relabel(frame[column], reader)
    return frame


def code_readers(
    config: Config,
    labels: Mapping[str, Mapping[str, str]],
    columns: Iterable[object],
) -> dict[str, Callable[[str], str]]:
    """Column (config name) -> how its codes read, for the coded ``columns``."""
    present = set(columns)
    scales = scales_in_force(config)
    readers: dict[str, Callable[[str], str]] = {
        column: code_reading(labels[column], scales[scale]).read
        for column, scale in scale_columns(config).items()
        if column in labels and column in present and scale in scales
    }
    for column in label_columns(config):
        if column in labels and column in present and column not in readers:
            readers[column] = _plain_reader(labels[column])
    return readers


def role_reader(
    labels: Mapping[str, str], mapped: Callable[[str], bool]
) -> Callable[[str], str]:
    """How a coded role answer reads: by its label when the label maps to a role,
    else by its code when that does, else as its label (as ``prepare`` reads it)."""

    def read(code: str) -> str:
        label = labels.get(code, code)
        return code if not mapped(label) and mapped(code) else label

    return read


def label_collisions(
    config: Config,
    labels: Mapping[str, Mapping[str, str]],
    role_map: Mapping[str, str],
    file: str,
) -> list[Problem]:
    """A warning per value label that several codes of a column share, when
    reading the codes through their labels merges them: answers on a scale (the
    label is one of the scale's), roles (the label maps to a role), accounts,
    segments, phases or waves. Codes sharing a non-answer label ("Don't know" as
    98 and 99) are missing either way and not reported.

    ``labels``: config column -> code -> label (the columns a file codes);
    ``role_map``: normalised role answer -> role id
    (:func:`b2bcx.scoring.prepare.role_lookup`).
    Example: ``{"Account": {"1": "Acme", "2": "Acme"}}`` gives one warning naming
    the column, codes 1 and 2 and the label "Acme".
    """
    scales = scales_in_force(config)
    merged: dict[str, Mapping[str, str]] = {}
    for column, scale in scale_columns(config).items():
        if column in labels and scale in scales:
            on_scale = answer_lookup(scales[scale])[0]
            merged[column] = {
                code: normalise_label(label)
                for code, label in labels[column].items()
                if normalise_label(label) in on_scale
            }
    role = config.columns.role
    if role and role in labels and not config.roles.single:
        merged[role] = {
            code: normalise_label(label)
            for code, label in labels[role].items()
            if normalise_label(label) in role_map
        }
    for column in label_columns(config):
        if (
            column in labels
            and column not in merged
            and column != config.columns.comment
        ):
            merged[column] = dict(labels[column])
    problems = []
    for column, read in merged.items():
        codes_of: dict[str, list[str]] = {}
        for code, label in read.items():
            codes_of.setdefault(label, []).append(code)
        for codes in codes_of.values():
            if len(codes) > 1:
                codes = sorted(codes, key=_code_order)
                shown = labels[column][codes[0]]
                problems.append(
                    Problem(
                        f"codes {', '.join(codes)} share the value label {shown!r}: "
                        "their answers are read as one",
                        "give each code its own value label in SPSS, or check that "
                        "the codes mean the same",
                        file=file,
                        column=column,
                        value=shown,
                        severity="warning",
                        code="shared-value-label",
                    )
                )
    return problems


def _code_order(code: str) -> tuple[float, str]:
    number = as_number(code)
    return (number if number is not None else float("inf"), code)


def _plain_reader(labels: Mapping[str, str]) -> Callable[[str], str]:
    return lambda code: labels.get(code, code)


def relabel(values: pd.Series, reader: Callable[[str], str]) -> pd.Series:
    """Each distinct answer read once through ``reader``."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return values
    read = np.array([*(reader(str(u)) for u in uniques), None], dtype=object)
    return pd.Series(read[codes], index=values.index, name=values.name).astype(
        values.dtype
    )
