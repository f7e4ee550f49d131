"""Lemke-style factor screening (docs/method.md#factor-screening): frequency, discrimination, decision.

Lemke, Clark & Wilson (2011) kept an experience factor when at least 25% of
respondents mentioned it and it discriminated between good, average and poor
experiences. Their weighted variability index is not published, so criterion 2 uses
standard statistics: the Cochran–Armitage trend test (mentions) or Kruskal–Wallis
(ratings), with Benjamini–Hochberg q-values across factors. Pure: no I/O, no printing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from b2bcx.errors import AnalysisError, Problem
from b2bcx.stats.exact_tests import (
    benjamini_hochberg,
    chi_square,
    cochran_armitage_asymptotic,
    cochran_armitage_exact,
    cramers_v,
    freeman_halton_asymptotic,
    freeman_halton_exact,
)
from b2bcx.stats.intervals import wilson_interval

GROUPS = ("good", "average", "poor")
LARGE_V = 0.3
LARGE_EPSILON2 = 0.14
_HEAD = ["factor", "label", "n", "count", "rate", "rate_ci_low", "rate_ci_high"]
_TAIL = ["test", "statistic", "p", "p_omnibus", "q", "effect", "direction"]
_DECISION = ["pass_frequency", "pass_discrimination", "important", "status"]
MENTION_COLUMNS = [*_HEAD, "rate_good", "rate_average", "rate_poor", *_TAIL, *_DECISION]
RATING_COLUMNS = [
    *_HEAD,
    *("median_good", "median_average", "median_poor"),
    *_TAIL,
    *_DECISION,
]
Row = dict[str, Any]


def method_note(
    alpha: float = 0.05,
    min_mention_rate: float = 0.25,
    kind: Literal["mentions", "ratings"] = "mentions",
    exact_limit: int = 1000,
) -> str:
    """One sentence naming the screening methods, for output footers and reports."""
    if kind == "mentions":
        test = (
            "a two-sided Cochran–Armitage trend test across good, average and poor "
            f"experiences (exact by conditional enumeration up to {exact_limit:,} "
            "respondents, Fisher–Freeman–Halton as omnibus check, Cramér's V as "
            "effect) with more mentions in good than in poor experiences"
        )
    else:
        test = (
            "a Kruskal–Wallis test of the ratings across good, average and poor "
            "experiences (ε² as effect) with a higher median rating in good than in "
            "poor experiences"
        )
    return (
        f"A factor is important when at least {100 * min_mention_rate:g}% of "
        f"respondents mention it and it discriminates by {test}, at "
        f"Benjamini–Hochberg q ≤ {alpha:g}; Lemke et al.'s weighted variability index "
        "is not published, so these standard statistics replace it."
    )


METHOD_NOTE = method_note()


def frequency_threshold(n: int, min_mention_rate: float) -> int:
    """Smallest passing count, ``ceil(min_mention_rate · n)``, computed exactly.

    The rate is read as the decimal the user wrote (``Fraction(repr(rate))``), so
    0.25 of 20 needs 5 and 0.07 of 100 needs 7 despite float rounding.
    """
    return math.ceil(Fraction(repr(float(min_mention_rate))) * n)


def screen_mentions(
    mentions: pd.DataFrame,
    group: pd.Series,
    *,
    min_mention_rate: float = 0.25,
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
    exact_limit: int = 1000,
) -> pd.DataFrame:
    """Screen coded mentions of experience factors (docs/method.md#factor-screening).

    Parameters
    ----------
    mentions : respondents × factor ids, boolean (True = mentioned; 0/1 accepted).
    group : same index, "good" / "average" / "poor"; NA is an error (drop those rows).
    min_mention_rate : frequency rule; passes when ``count ≥ ceil(rate · N)``.
    alpha : q-value threshold for discrimination.
    labels : display names by factor id; the id is used when absent.
    exact_limit : exact tests when N ≤ exact_limit, asymptotic above.

    Returns
    -------
    One row per factor, in input order: ``factor, label, n`` (respondents),
    ``count, rate`` and its Wilson 95% interval ``rate_ci_low, rate_ci_high``;
    ``rate_good, rate_average, rate_poor``; ``test`` ("cochran_armitage_exact",
    "cochran_armitage_asymptotic", or "none" when untestable); ``statistic`` (Pearson
    χ² of the 2×3 table); ``p`` (two-sided Cochran–Armitage, scores 2/1/0);
    ``p_omnibus`` (Fisher–Freeman–Halton, or χ²₂ above exact_limit); ``q``
    (Benjamini–Hochberg over testable factors); ``effect`` (Cramér's V);
    ``direction`` (rate_good − rate_poor); ``pass_frequency``,
    ``pass_discrimination`` (q ≤ alpha and direction > 0), ``important`` (both) and
    ``status`` (important / inconclusive / untestable / not important).

    Notes
    -----
    Untestable: nobody or everybody mentions the factor, or a group is empty.
    Inconclusive: frequency passes and V ≥ 0.3, but q > alpha. Checked against
    docs/method.md#factor-screening (6/7, 3/7, 1/6: p = 0.0262, p_omnibus = 0.0585, χ² = 6.381,
    V = 0.565) in tests/test_lemke.py.
    """
    _check_options(min_mention_rate, alpha)
    groups = _check_group(group, mentions.index)
    flags = _check_mentions(mentions)
    rows = [_mention_row(flags[f], groups, exact_limit) for f in flags.columns]
    table = _frame(rows, flags.columns, len(groups), MENTION_COLUMNS)
    return _decide(table, len(groups), labels, min_mention_rate, alpha, LARGE_V)


def screen_ratings(
    ratings: pd.DataFrame,
    group: pd.Series,
    *,
    min_mention_rate: float = 0.25,
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
    exact_limit: int = 1000,
) -> pd.DataFrame:
    """Screen factors measured by 0–100 ratings (NaN = not rated; docs/method.md#factor-screening).

    A respondent mentions a factor when they rated it. Discrimination is the
    tie-corrected Kruskal–Wallis H of the ratings across the three groups
    (``scipy.stats.kruskal``), effect ``ε² = H / (N_r − 1)`` with N_r the number of
    ratings, direction ``median(good) − median(poor)``. The columns are those of
    :func:`screen_mentions` with ``median_good, median_average, median_poor`` instead
    of the group rates; ``test`` is "kruskal_wallis", ``statistic`` is H and
    ``p_omnibus`` equals ``p``. Untestable: a group has no rating, or all ratings are
    equal. Inconclusive: frequency passes and ε² ≥ 0.14, but q > alpha.
    ``exact_limit`` is accepted for symmetry and unused. Checked against R
    ``kruskal.test`` (Hollander & Wolfe example: H = 0.77143, p = 0.68).
    """
    _check_options(min_mention_rate, alpha)
    groups = _check_group(group, ratings.index)
    scores = _check_ratings(ratings)
    rows = [_rating_row(scores[f], groups) for f in scores.columns]
    table = _frame(rows, scores.columns, len(groups), RATING_COLUMNS)
    return _decide(table, len(groups), labels, min_mention_rate, alpha, LARGE_EPSILON2)


def _mention_row(flags: pd.Series, groups: pd.Series, exact_limit: int) -> Row:
    yes = [int(flags[groups == g].sum()) for g in GROUPS]
    sizes = np.array([int((groups == g).sum()) for g in GROUPS])
    table = np.array([yes, sizes - yes])
    count, n = int(table[0].sum()), int(table.sum())
    rates = [table[0, j] / sizes[j] if sizes[j] else math.nan for j in range(3)]
    row: Row = {"count": count, "direction": rates[0] - rates[2], "test": "none"}
    row |= {f"rate_{g}": rate for g, rate in zip(GROUPS, rates, strict=True)}
    if 0 < count < n and np.all(sizes > 0):
        exact = n <= exact_limit
        trend = cochran_armitage_exact if exact else cochran_armitage_asymptotic
        omnibus = freeman_halton_exact if exact else freeman_halton_asymptotic
        row["test"] = f"cochran_armitage_{'exact' if exact else 'asymptotic'}"
        row |= {"p": trend(table), "p_omnibus": omnibus(table)}
        row |= {"statistic": chi_square(table), "effect": cramers_v(table)}
    return row


def _rating_row(scores: pd.Series, groups: pd.Series) -> Row:
    samples = [scores[groups == g].dropna().to_numpy() for g in GROUPS]
    medians = [float(np.median(s)) if len(s) else math.nan for s in samples]
    count, direction = int(scores.notna().sum()), medians[0] - medians[2]
    row: Row = {"count": count, "direction": direction, "test": "none"}
    row |= {f"median_{g}": m for g, m in zip(GROUPS, medians, strict=True)}
    rated = np.concatenate(samples)
    if all(len(s) for s in samples) and np.ptp(rated) > 0:
        from scipy import stats  # lazy: scipy is slow to import

        h, p = stats.kruskal(*samples)
        row |= {"test": "kruskal_wallis", "statistic": float(h), "p": float(p)}
        row |= {"p_omnibus": float(p), "effect": float(h) / (len(rated) - 1)}
    return row


def _frame(
    rows: list[Row], factors: pd.Index, n: int, columns: list[str]
) -> pd.DataFrame:
    """Rows to the output frame: Wilson interval, defaults for untestable factors."""
    table = pd.DataFrame(rows, index=range(len(rows)), columns=columns)
    table["factor"], table["n"] = list(factors), n
    table["count"] = table["count"].astype("int64")
    table["rate"] = table["count"] / n
    ci = [wilson_interval(int(c), n) for c in table["count"]]
    table["rate_ci_low"] = [low for low, _ in ci]
    table["rate_ci_high"] = [high for _, high in ci]
    table["test"] = table["test"].astype(str)
    numeric = ["statistic", "p", "p_omnibus", "effect", "direction"]
    table[numeric] = table[numeric].astype(float)
    return table


def _decide(
    table: pd.DataFrame,
    n: int,
    labels: Mapping[str, str] | None,
    min_mention_rate: float,
    alpha: float,
    large_effect: float,
) -> pd.DataFrame:
    """Add label, q, the three passes and the status (docs/method.md#factor-screening, step 3–4)."""
    names = labels or {}
    table["label"] = [str(names.get(f, f)) for f in table["factor"]]
    table["q"] = benjamini_hochberg(table["p"].to_numpy())
    threshold = frequency_threshold(n, min_mention_rate)
    table["pass_frequency"] = table["count"] >= threshold
    discriminates = (table["q"] <= alpha) & (table["direction"] > 0)
    table["pass_discrimination"] = discriminates
    table["important"] = table["pass_frequency"] & discriminates
    large = table["pass_frequency"] & (table["effect"] >= large_effect)
    table["status"] = np.select(
        [table["important"], table["p"].isna(), large & (table["q"] > alpha)],
        ["important", "untestable", "inconclusive"],
        default="not important",
    )
    return table


def _check_options(min_mention_rate: float, alpha: float) -> None:
    if not 0 <= min_mention_rate <= 1:
        raise AnalysisError(
            f"min_mention_rate must lie between 0 and 1, got {min_mention_rate}",
            hint="write 25% as 0.25",
        )
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie between 0 and 1, got {alpha}")


def _check_group(group: pd.Series, index: pd.Index) -> pd.Series:
    """The experience groups aligned with the data's respondents, as lower-case text."""
    if not index.is_unique or not group.index.is_unique:
        raise AnalysisError("respondent ids must be unique to screen factors")
    if not group.index.equals(index):
        if len(group) != len(index) or not group.index.isin(index).all():
            raise AnalysisError(
                "the experience groups and the factor data hold different respondents",
                hint="index both by the same respondent ids",
            )
        group = group.reindex(index)
    if group.isna().any():
        raise AnalysisError(
            f"{int(group.isna().sum())} respondents have no experience group",
            hint="drop respondents without a group before screening",
        )
    if len(group) == 0:
        raise AnalysisError("no respondents with an experience group to screen")
    values = group.astype(str).str.strip().str.lower()
    unknown = sorted(set(values) - set(GROUPS))
    if unknown:
        problem = Problem(
            "not an experience group",
            "use good, average or poor",
            code="unknown-experience-group",
        )
        problems = [replace(problem, value=v) for v in unknown]
        raise AnalysisError("unknown experience groups", problems)
    return values


def _check_factor_columns(
    data: pd.DataFrame, is_bad: Callable[[pd.Series], pd.Series], problem: Problem
) -> None:
    """Raise one problem per factor column holding values that ``is_bad`` flags."""
    if not data.columns.is_unique:
        raise AnalysisError("factor ids (columns) must be unique")
    problems = []
    for factor in data.columns:
        bad = is_bad(data[factor])
        if bad.any():
            value = str(data[factor][bad].iloc[0])
            problems.append(replace(problem, column=str(factor), value=value))
    if problems:
        raise AnalysisError("invalid factor data", problems)


def _check_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    def is_bad(values: pd.Series) -> pd.Series:
        return values.isna() | ~values.isin([True, False])

    problem = Problem(
        "mentions must be True/False (or 1/0)",
        hint="code respondents who did not mention the factor as False",
        code="invalid-mention",
    )
    _check_factor_columns(mentions, is_bad, problem)
    return mentions.astype(bool)


def _check_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    def is_bad(values: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(values, errors="coerce")
        return (values.notna() & numbers.isna()) | (numbers < 0) | (numbers > 100)

    problem = Problem(
        "ratings must be scores from 0 to 100 (NaN = not rated)",
        hint="score ratings with their scale first (docs/method.md#scores)",
        code="invalid-rating",
    )
    _check_factor_columns(ratings, is_bad, problem)
    return ratings.apply(pd.to_numeric).astype(float)


def _as_groups(codes: np.ndarray, index: pd.Index, name: Hashable) -> pd.Series:
    """Codes 0/1/2 (−1 = NA) to a categorical Series: good, average, poor."""
    groups = pd.Categorical.from_codes(codes.astype(int), pd.Index(GROUPS))
    return pd.Series(groups, index=index, name=name)


def _numbers(values: pd.Series, what: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & numbers.isna()
    if bad.any():
        problems = [
            Problem(f"not a number: {what}", value=str(v), code="not-a-number")
            for v in values[bad]
        ]
        raise AnalysisError(f"{what} must be numeric", problems[:20])
    return numbers.astype(float)


def group_from_nps(nps_values: pd.Series) -> pd.Series:
    """Experience group from a 0–10 recommendation answer.

    Promoters 9–10 → good, passives 7–8 → average, detractors 0–6 → poor (the usual NPS reading,
    docs/method.md#scores); NA stays NA. Values outside 0..10 or not whole are an
    :class:`AnalysisError`. Returns a categorical Series (good, average, poor).
    """
    scores = _numbers(nps_values, "NPS answers")
    bad = scores.notna() & ((scores < 0) | (scores > 10) | (scores % 1 != 0))
    if bad.any():
        values = nps_values[bad]
        problems = [
            Problem("not an NPS answer 0–10", value=str(v), code="invalid-nps-answer")
            for v in values
        ]
        raise AnalysisError("NPS answers must be whole numbers 0–10", problems[:20])
    levels = [scores >= 9, scores >= 7, scores.notna()]
    codes = np.select([level.to_numpy() for level in levels], [0, 1, 2], -1)
    return _as_groups(codes, nps_values.index, nps_values.name)


def group_from_scores(scores: pd.Series, good_min: float, poor_max: float) -> pd.Series:
    """Experience group from a 0–100 outcome score with two thresholds.

    ``score ≥ good_min`` → good, ``score ≤ poor_max`` → poor, otherwise average; NA
    stays NA. Requires ``poor_max < good_min``. Returns a categorical Series.
    """
    if not poor_max < good_min:
        raise AnalysisError(
            f"poor_max ({poor_max}) must be below good_min ({good_min})",
            hint="e.g. good_min: 75, poor_max: 50",
        )
    values = _numbers(scores, "outcome scores")
    good, poor = (values >= good_min).to_numpy(), (values <= poor_max).to_numpy()
    codes = np.select([good, poor, values.notna().to_numpy()], [0, 2, 1], -1)
    return _as_groups(codes, scores.index, scores.name)


def _normalise_label(value: object) -> str:
    """Trimmed, case-folded text; whole numbers as integers ("1", 1 and 1.0 → "1")."""
    text = str(value).strip().casefold()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _label_lookup(mapping: Mapping[str, Sequence[object]]) -> dict[str, str]:
    unknown = sorted(set(mapping) - set(GROUPS))
    if unknown:
        raise AnalysisError(
            f"unknown experience groups in the mapping: {', '.join(unknown)}",
            hint="map values to good, average and poor",
        )
    lookup: dict[str, str] = {}
    for grp, raw_values in mapping.items():
        raw = [raw_values] if isinstance(raw_values, str) else raw_values
        for key in map(_normalise_label, raw):
            if lookup.setdefault(key, grp) != grp:
                raise AnalysisError(f"value {key!r} is mapped to two experience groups")
    return lookup


def group_from_labels(
    values: pd.Series, mapping: Mapping[str, Sequence[object]]
) -> pd.Series:
    """Experience group from raw answers through ``{group: [raw values]}``.

    Matching is trimmed and case-insensitive, and numeric codes match as text (1, 1.0
    and "1" are the same). NA stays NA; any other unmapped value is an
    :class:`AnalysisError` listing each one. Returns a categorical Series.
    """
    lookup = _label_lookup(mapping)
    keys = values.map(_normalise_label, na_action="ignore")
    unmapped = keys.notna() & ~keys.isin(list(lookup))
    if unmapped.any():
        problem = Problem(
            "not mapped to an experience group",
            "add it to the mapping",
            code="unknown-experience-group",
        )
        problems = [replace(problem, value=str(v)) for v in pd.unique(values[unmapped])]
        raise AnalysisError("unmapped experience-group values", problems)
    codes = keys.map({k: GROUPS.index(g) for k, g in lookup.items()}).fillna(-1)
    return _as_groups(codes.to_numpy(), values.index, values.name)
