"""Numeric rating columns for ``b2bcx init``: their range, their battery, copies
of one another, and statements that run against the rest of their pillar.

A column's range comes from its value labels (SPSS metadata) and from its
battery - the columns sharing a question stem (``Q3_1``, ``Q3_2``; ``IMAG1``,
``IMAG2``; "Stem - Statement") - never from its highest answer alone: an item of
a 1..7 battery that nobody rated above 5 is still on 1..7.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from b2bcx.api.draft.words import MISSING_CODES
from b2bcx.scoring.scales import as_number, looks_like_non_answer, normalise_label

TOPS = (3.0, 4.0, 5.0, 6.0, 7.0, 10.0)  # where rating scales end
COPY_SUFFIXES = ("r", "rev", "reversed", "recoded", "recode", "rc", "inv", "rec")
COPY_PREFIXES = ("r", "rev", "rec")
BRACKET = re.compile(r"(.*\S)\s*\[([^\[\]]+)\]")  # "Stem [Row]": stem, row
# LimeSurvey's "question code & question text" heading: "likert2[affSat3]. [I find…]"
CODED = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\[[^\[\]]+\]\.(\s|$)")


@dataclass(frozen=True)
class Range:
    """A numeric column's drafted range and where it came from.

    ``answers`` is the span of the answers themselves; ``battery`` names the
    columns whose range it shares (empty when none).
    """

    lo: float
    hi: float
    answers: tuple[float, float]
    battery: tuple[str, ...] = ()

    @property
    def short(self) -> bool:
        """Whether the answers stop short of the top of the drafted range."""
        return self.answers[1] < self.hi


def battery_key(name: str, question: str) -> str | None:
    """The battery a column belongs to: its question stem or its name stem."""
    coded = CODED.match(name)
    if coded:  # the question code before the subquestion code is the stem
        return "stem:" + coded.group(1).casefold()
    for text in (question, name):
        if " - " in text:
            return "stem:" + normalise_label(text.rsplit(" - ", 1)[0])
        bracket = BRACKET.fullmatch(text.strip())
        if bracket:  # LimeSurvey, Google Forms grids: "Stem [Row]", SAT[SQ001]
            return "stem:" + normalise_label(bracket.group(1))
    match = re.fullmatch(r"(.*?)[_.\-]?\d+", name.strip())
    if match:
        stem = match.group(1).rstrip("_.- ")
        if len(re.sub(r"[^A-Za-z0-9]", "", stem)) >= 2:
            return "name:" + stem.casefold()
    return None


def label_codes(labels: Mapping[str, str]) -> set[float]:
    """The numeric codes of substantive value labels (not "Refused", not 99)."""
    codes = set()
    for code, label in labels.items():
        number = as_number(code)
        if number is not None and not looks_like_non_answer(label):
            codes.add(number)
    return codes


def non_answer_codes(labels: Mapping[str, str]) -> set[float]:
    """The numeric codes labelled as non-answers (Refused, Don't know, Not
    applicable): missing codes of the scale, never its bounds."""
    return {
        number
        for code, label in labels.items()
        if (number := as_number(code)) is not None and looks_like_non_answer(label)
    }


def below_scale_codes(numbers: Iterable[float]) -> set[float]:
    """Negative whole codes (-1 to -9) under answers that all run from 1 up: the
    non-answers of a rating ("No opinion" -1, "Never tried it" -2), never its
    points, for a scale does not skip 0 between -1 and 1.

    Qualtrics exports the "recode values" of a choice, and a negative recode is
    how a survey keeps "No basis for evaluation" out of the mean.

    >>> sorted(below_scale_codes([1, 2, 3, -1, -2]))
    [-2.0, -1.0]
    >>> below_scale_codes([-2, -1, 0, 1, 2])  # a bipolar scale: no codes
    set()
    """
    values = {float(v) for v in numbers}
    codes = {v for v in values if -9 <= v < 0 and v.is_integer()}
    rest = values - codes - MISSING_CODES
    if not codes or len(rest) < 2 or min(rest) < 1:
        return set()
    return codes if all(v.is_integer() for v in rest) else set()


def out_of_order(
    labels: Mapping[str, str], order: Mapping[str, float] | None
) -> str | None:
    """Why a column's substantive codes do not run with their labels, or None.

    ``order`` ranks the labels by their wording (``_natural_order``). Qualtrics
    "recode values" edited by hand leave codes such as 1, 2, 3, 4, 7, 6 (6 =
    "Somewhat disagree") or a gap (5 never used): read as numbers, a scale
    built on them scores the wrong answers high.

    >>> out_of_order({"1": "Disagree", "2": "Neutral", "4": "Agree"}, None)
    'codes 1, 2, 4 skip 3'
    """
    codes = sorted(
        (number, label)
        for code, label in labels.items()
        if (number := as_number(code)) is not None and not looks_like_non_answer(label)
    )
    if len(codes) < 3 or any(not float(n).is_integer() for n, _ in codes):
        return None
    if order is not None and all(label in order for _, label in codes):
        ranks = [order[label] for _, label in codes]
        if ranks != sorted(ranks) and ranks != sorted(ranks, reverse=True):
            shown = ", ".join(f"{n:g} = {label!r}" for n, label in codes)
            return f"codes do not follow the wording ({shown})"
    numbers = [int(n) for n, _ in codes]
    skipped = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    if skipped:
        return (f"codes {', '.join(map(str, numbers))} skip "
                f"{', '.join(map(str, skipped))}")  # fmt: skip
    return None


def own_span(
    numbers: Iterable[float], labelled: set[float]
) -> tuple[float, float] | None:
    """The span of a column's answers and labelled codes, if it can be a rating."""
    answers = {v for v in numbers if v not in MISSING_CODES}
    answers -= below_scale_codes(answers)
    if len(answers) < 3 and len(labelled) < 2:
        return None
    span = answers | labelled
    if any(not float(v).is_integer() for v in span):
        return None
    if min(span) < 0 or max(span) > 10 or max(span) < 2:
        return None
    return min(span), max(span)


def _snap(lo: float, hi: float) -> tuple[float, float]:
    return (0.0 if lo == 0 else 1.0), next(top for top in TOPS if top >= hi)


def snapped(lo: float, hi: float) -> tuple[float, float] | None:
    """Where a numbered scale whose answers run ``lo..hi`` starts and ends: at 0
    or 1, and at 3, 4, 5, 6, 7 or 10 (None outside 0..10).

    >>> snapped(2, 9)  # "2" … "9" and "10 (Always)" unanswered
    (1.0, 10.0)
    """
    if lo < 0 or hi > 10:
        return None
    return _snap(lo, hi)


def numeric_ranges(
    spans: Mapping[str, tuple[float, float]],
    answers: Mapping[str, tuple[float, float]],
    batteries: Mapping[str, str | None],
) -> dict[str, Range]:
    """Each column's range: its battery's (the union of the members' spans) or its own."""
    members: dict[str, list[str]] = {}
    for name in spans:
        key = batteries.get(name)
        if key is not None:
            members.setdefault(key, []).append(name)
    ranges = {}
    for name in spans:
        group = members.get(batteries.get(name) or "", [name])
        if len(group) < 2:
            group = [name]
        lo = min(spans[m][0] for m in group)
        hi = max(spans[m][1] for m in group)
        ranges[name] = Range(
            *_snap(lo, hi), answers[name], tuple(group) if len(group) > 1 else ()
        )
    return ranges


def copy_of(name: str, others: Iterable[str]) -> str | None:
    """The column ``name`` is a recoded copy of, by name (``Q5r``, ``rev_Q5``)."""
    folded = {re.sub(r"[^a-z0-9]", "", o.casefold()): o for o in others if o != name}
    key = re.sub(r"[^a-z0-9]", "", name.casefold())
    for suffix in COPY_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in folded:
            return folded[key[: -len(suffix)]]
    for prefix in COPY_PREFIXES:
        if key.startswith(prefix) and key[len(prefix) :] in folded:
            return folded[key[len(prefix) :]]
    return None


def same_answers(a: pd.Series, b: pd.Series) -> float | None:
    """The correlation of two items when it is (nearly) perfect, else None."""
    both = pd.concat([a, b], axis=1).dropna()
    if len(both) < 5 or both.iloc[:, 0].std() == 0 or both.iloc[:, 1].std() == 0:
        return None
    r = float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1])
    return r if abs(r) >= 0.99 else None


def rest_correlations(values: pd.DataFrame) -> dict[str, float]:
    """Each item's correlation with the mean of the other items, when it is
    clearly negative: below -0.2 and below -2/sqrt(n) (about p < .05)."""
    found = {}
    for item in values.columns:
        rest = values.drop(columns=item).mean(axis=1)
        both = pd.concat([values[item], rest], axis=1).dropna()
        if len(both) < 10 or both.std().min() == 0:
            continue
        r = float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1])
        if r < -max(0.2, 2 / np.sqrt(len(both))):
            found[item] = r
    return found


def reversed_items(
    pillars: Mapping[str, list[str]],
    values: pd.DataFrame,
    against: list[str] | None = None,
) -> dict[str, float]:
    """Statements that correlate clearly negatively with the rest of their pillar.

    In a two-statement pillar both correlate alike with each other; the one that
    correlates less with all the other statements is the reversed one. When half
    of a larger pillar or more runs against the rest, no statement is marked:
    reversing them all would say nothing, so the codes need a look instead
    (such pillars are appended to ``against``).
    """
    flagged: dict[str, float] = {}
    everything = [i for items in pillars.values() for i in items if i in values]
    for pid, items in pillars.items():
        present = [i for i in items if i in values]
        if len(present) < 2:
            continue
        negative = rest_correlations(values[present])
        if len(present) == 2 and len(negative) == 2:
            outside = [i for i in everything if i not in present]
            if not outside:
                continue
            rest = values[outside].mean(axis=1)
            lean = {i: float(values[i].corr(rest)) for i in present}
            worse = min(lean, key=lambda i: lean[i] if lean[i] == lean[i] else 0.0)
            negative = {worse: negative[worse]}
        elif 2 * len(negative) >= len(present):
            if against is not None:
                against.append(pid)
            continue
        flagged.update(negative)
    return flagged
