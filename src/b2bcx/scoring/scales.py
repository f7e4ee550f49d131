"""Answers -> numbers -> 0..100 item scores, with missing codes (docs/method.md#scores).

Answers arrive as text (labels or numbers). Each column is factorised once, so the
label lookup runs over the distinct answers, not over every cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from b2bcx.config.models import Scale
from b2bcx.config.models import normalise_label as normalise_label

NON_SUBSTANTIVE = frozenset(
    {
        "",
        "don't know",
        "dont know",
        "do not know",
        "not applicable",
        "n/a",
        "na",
        "prefer not to say",
        "no answer",
    }
)


# Answers that say "no answer" in other words; only these may be suggested as
# missing codes. Numbers that surveys use as missing codes likewise.
NON_ANSWER_STARTS = (
    "don't know", "dont know", "do not know", "not applicable", "not relevant",
    "refused", "refuse", "prefer not", "no answer", "not answered", "not asked",
    "not sure", "unsure", "no opinion", "can't say", "cannot say", "skip",
    "n/a", "na", "missing", "none of", "dk", "nr",
)  # fmt: skip
MISSING_NUMBERS = frozenset({-999.0, -99.0, -98.0, -97.0, -9.0, -8.0, -7.0, -1.0,
                             97.0, 98.0, 99.0, 999.0, 9999.0})  # fmt: skip


NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
"""How an export writes a number: ASCII digits, an optional sign and one decimal
point or comma. Python's other literal forms (``1_0``, ``1e5``, ``inf``, ``nan``,
``0x1F``, non-ASCII digits) are no numbers in an answer (docs/method.md#bad-input)."""


def as_number(text: object) -> float | None:
    """A number written as text (``"4"``, ``"4.0"``, ``"4,5"``, ``" -1 "``), else None.

    Only :data:`NUMBER`'s form counts: ``"1_0"``, ``"1e1"``, ``"inf"`` and ``"nan"``
    are None (Python's ``float`` would read them). Examples: ``as_number("4,5") ==
    4.5``; ``as_number("1_0") is None``.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text) if math.isfinite(float(text)) else None
    cleaned = str(text).strip()
    if not NUMBER.fullmatch(cleaned):
        return None
    return float(cleaned.replace(",", "."))


@dataclass(frozen=True)
class ItemValues:
    """An item's answers as scale values.

    Attributes
    ----------
    values : the answer's number on the scale (NaN when missing or invalid).
    invalid : True where the answer is neither a label, a missing code, nor a
        number inside the scale's bounds.
    """

    values: pd.Series
    invalid: pd.Series


def answer_lookup(scale: Scale) -> tuple[dict[str, float], set[str], set[float]]:
    """The label -> number map and the text and numeric missing codes of a scale."""
    labels = {normalise_label(k): float(v) for k, v in (scale.labels or {}).items()}
    missing_text = set(NON_SUBSTANTIVE)
    missing_numbers: set[float] = set()
    for code in scale.missing:
        number = as_number(code)
        if number is not None:
            missing_numbers.add(number)
        missing_text.add(normalise_label(code))
    return labels, missing_text, missing_numbers


def _decode(answer: object, scale: Scale, lookup: tuple) -> float | None:
    """One distinct answer -> its number, NaN for missing, None for invalid."""
    labels, missing_text, missing_numbers = lookup
    text = normalise_label(answer)
    if text in labels:
        return labels[text]
    if text in missing_text:
        return math.nan
    number = as_number(answer)
    if number is None:
        return None
    if number in missing_numbers:
        return math.nan
    if scale.whole and not number.is_integer():
        return None  # 7.5 on a 0..10 NPS item: no category holds it
    return number if scale.lo <= number <= scale.hi else None


def item_values(answers: pd.Series, scale: Scale) -> ItemValues:
    """Map an item's raw answers to numbers on its scale.

    Parameters
    ----------
    answers : raw answers (text or numbers; NA = blank).
    scale : the item's scale.

    Returns
    -------
    ItemValues
        ``values`` (float, NaN = missing or invalid) and the ``invalid`` mask.
    """
    codes, uniques = pd.factorize(answers, use_na_sentinel=True)
    lookup = answer_lookup(scale)
    decoded = [_decode(answer, scale, lookup) for answer in uniques]
    table = np.array([math.nan if d is None else d for d in decoded] + [math.nan])
    bad = np.array([d is None for d in decoded] + [False])
    return ItemValues(
        values=pd.Series(table[codes], index=answers.index, dtype=float),
        invalid=pd.Series(bad[codes], index=answers.index, dtype=bool),
    )


def item_score(values: pd.Series, scale: Scale, reverse: bool = False) -> pd.Series:
    """Scale values -> 0..100: ``s = 100 (v - lo) / (hi - lo)``; reversed ``100 - s``."""
    score = 100.0 * (values - scale.lo) / (scale.hi - scale.lo)
    return 100.0 - score if reverse else score


def nps_category(values: pd.Series) -> pd.Series:
    """NPS coding of 0..10 answers: promoter +1 (9-10), passive 0 (7-8), detractor -1."""
    coded = pd.Series(
        np.where(values >= 9, 1.0, np.where(values >= 7, 0.0, -1.0)), index=values.index
    )
    return coded.where(values.notna())


def looks_like_non_answer(answer: object) -> bool:
    """Whether an answer reads as a refusal or "don't know", not as a rating.

    Only such answers may be suggested as missing codes: suggesting a
    substantive answer ("Very important", 4) would silently drop it.
    """
    text = normalise_label(answer)
    number = as_number(text)
    if number is not None:
        return number in MISSING_NUMBERS
    return text in NON_SUBSTANTIVE or any(
        text == start or text.startswith((f"{start} ", f"{start}-", f"{start},"))
        for start in NON_ANSWER_STARTS
    )


def scales_holding(
    answers: pd.Series, scales: dict[str, Scale], other_than: str
) -> list[str]:
    """The labelled scales (``other_than`` excepted) whose labels name every
    text answer of a column; empty when an answer is no label at all."""
    texts = {
        normalise_label(a)
        for a in answers.dropna().unique()
        if as_number(a) is None and not looks_like_non_answer(a)
    }
    if not texts:
        return []
    return [
        scale_id
        for scale_id, scale in scales.items()
        if scale_id != other_than
        and scale.labels
        and texts <= {normalise_label(label) for label in scale.labels}
    ]
