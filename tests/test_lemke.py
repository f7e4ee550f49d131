"""Lemke-style factor screening (docs/method.md#factor-screening) and its exact tests."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from b2bcx.errors import AnalysisError
from b2bcx.stats import lemke
from b2bcx.stats.intervals import wilson_interval
from b2bcx.stats.lemke import (
    benjamini_hochberg,
    chi_square,
    cochran_armitage_asymptotic,
    cochran_armitage_exact,
    cramers_v,
    freeman_halton_asymptotic,
    freeman_halton_exact,
    screen_mentions,
    screen_ratings,
)

# docs/method.md#factor-screening reference: mentions good 6 of 7, average 3 of 7, poor 1 of 6.
REFERENCE = [[6, 3, 1], [1, 4, 5]]

MENTION_COLUMNS = [
    *("factor", "label", "n", "count", "rate", "rate_ci_low", "rate_ci_high"),
    *("rate_good", "rate_average", "rate_poor"),
    *("test", "statistic", "p", "p_omnibus", "q", "effect", "direction"),
    *("pass_frequency", "pass_discrimination", "important", "status"),
]
RATING_COLUMNS = [
    *MENTION_COLUMNS[:7],
    *("median_good", "median_average", "median_poor"),
    *MENTION_COLUMNS[10:],
]


def respondents(table: list[list[int]]) -> tuple[pd.Series, pd.Series]:
    """Expand a 2×3 table (mentioned / not × good, average, poor) to respondents."""
    flags, groups = [], []
    for column, group in enumerate(lemke.GROUPS):
        flags += [True] * table[0][column] + [False] * table[1][column]
        groups += [group] * (table[0][column] + table[1][column])
    return pd.Series(flags), pd.Series(groups)


def screen_table(table: list[list[int]], **options: object) -> pd.Series:
    flags, groups = respondents(table)
    result = screen_mentions(pd.DataFrame({"f": flags}), groups, **options)  # type: ignore[arg-type]
    return result.iloc[0]


# --- golden numbers ----------------------------------------------------------------


def test_reference_table_matches_method_md():
    # docs/method.md#factor-screening; values as from R coin::independence_test / fisher.test
    # (independence_test(..., scores = list(group = c(2, 1, 0)), distribution = "exact")
    # and fisher.test(matrix(c(6, 1, 3, 4, 1, 5), 2))).
    assert cochran_armitage_exact(REFERENCE) == pytest.approx(0.0262, abs=5e-5)
    assert freeman_halton_exact(REFERENCE) == pytest.approx(0.0585, abs=5e-5)
    assert chi_square(REFERENCE) == pytest.approx(6.381, abs=5e-4)
    assert cramers_v(REFERENCE) == pytest.approx(0.565, abs=5e-4)


def test_screen_mentions_reference_row():
    # docs/method.md#factor-screening reference, through the full screening.
    row = screen_table(REFERENCE)
    assert row["test"] == "cochran_armitage_exact"
    assert row["n"] == 20 and row["count"] == 10 and row["rate"] == 0.5
    assert row["p"] == pytest.approx(0.0262, abs=5e-5)
    assert row["p_omnibus"] == pytest.approx(0.0585, abs=5e-5)
    assert row["statistic"] == pytest.approx(6.381, abs=5e-4)
    assert row["effect"] == pytest.approx(0.565, abs=5e-4)
    assert row["direction"] == pytest.approx(6 / 7 - 1 / 6)
    assert row["q"] == row["p"]  # a single factor: BH changes nothing
    assert row["important"] and row["status"] == "important"


def test_wilson_interval_published_value():
    # Wilson (1927) score interval; R prop.test(5, 20, correct = FALSE)$conf.int
    # gives 0.1118 0.4687.
    low, high = wilson_interval(5, 20)
    assert low == pytest.approx(0.1119, abs=5e-5)
    assert high == pytest.approx(0.4687, abs=5e-5)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def kruskal_example() -> tuple[pd.DataFrame, pd.Series]:
    # R documentation, ?kruskal.test (Hollander & Wolfe 1973, p. 116):
    # kruskal.test(list(x, y, z)) -> Kruskal-Wallis chi-squared = 0.77143, p = 0.68.
    # Scaled by 10 to sit on 0..100 (ranks are unchanged).
    x, y, z = [2.9, 3.0, 2.5, 2.6, 3.2], [3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0]
    ratings = pd.DataFrame({"knowledge": [10 * v for v in x + y + z]})
    group = pd.Series(["good"] * 5 + ["average"] * 4 + ["poor"] * 5)
    return ratings, group


def test_screen_ratings_kruskal_wallis_r_example():
    ratings, group = kruskal_example()
    row = screen_ratings(ratings, group).iloc[0]
    assert row["test"] == "kruskal_wallis"
    assert row["statistic"] == pytest.approx(0.77143, abs=5e-6)
    assert row["p"] == pytest.approx(0.68, abs=5e-3)
    assert row["p_omnibus"] == row["p"]
    assert row["effect"] == pytest.approx(0.77143 / 13, abs=1e-6)  # ε² = H / (N − 1)
    assert row["median_good"] == pytest.approx(29.0)
    assert row["median_poor"] == pytest.approx(28.0)
    assert row["direction"] == pytest.approx(1.0)
    assert row["status"] == "not important"


def test_screen_ratings_tie_correction_matches_textbook_formula():
    # H = [12/(N(N+1)) Σ R_j²/n_j − 3(N+1)] / (1 − Σ(t³ − t)/(N³ − N))
    # (Hollander & Wolfe, Nonparametric Statistical Methods, §6.1, ties).
    good, average, poor = [80.0, 80, 90, 100], [60.0, 80, 70], [50.0, 60, 60, 70]
    values = np.array(good + average + poor)
    ranks = stats.rankdata(values)
    sizes = [4, 3, 4]
    sums = np.split(ranks, np.cumsum(sizes)[:-1])
    n = len(values)
    h = 12 / (n * (n + 1)) * sum(s.sum() ** 2 / len(s) for s in sums) - 3 * (n + 1)
    ties = np.unique(values, return_counts=True)[1]
    h /= 1 - (ties**3 - ties).sum() / (n**3 - n)
    ratings = pd.DataFrame({"f": values})
    group = pd.Series(["good"] * 4 + ["average"] * 3 + ["poor"] * 4)
    row = screen_ratings(ratings, group).iloc[0]
    assert row["statistic"] == pytest.approx(h)
    assert row["effect"] == pytest.approx(h / (n - 1))
    assert row["p"] == pytest.approx(stats.chi2.sf(h, 2))


# --- exact tests against an independent brute force ----------------------------------


def brute_force(table: list[list[int]]) -> tuple[Fraction, Fraction]:
    """Exact trend and Freeman–Halton p-values with itertools, math.comb, Fraction."""
    cols = [table[0][j] + table[1][j] for j in range(len(table[0]))]
    mentioned, n = sum(table[0]), sum(cols)
    scores = list(range(len(cols)))[::-1]  # 2, 1, 0 for good, average, poor

    def probability(row: tuple[int, ...]) -> Fraction:
        ways = math.prod(math.comb(c, x) for c, x in zip(cols, row, strict=True))
        return Fraction(ways, math.comb(n, mentioned))

    def deviation(row: tuple[int, ...]) -> int:
        return abs(
            n * sum(s * x for s, x in zip(scores, row, strict=True))
            - mentioned * sum(s * c for s, c in zip(scores, cols, strict=True))
        )

    rows = [
        row
        for row in itertools.product(*(range(c + 1) for c in cols))
        if sum(row) == mentioned
    ]
    observed = tuple(table[0])
    trend = sum(
        (probability(r) for r in rows if deviation(r) >= deviation(observed)),
        Fraction(0),
    )
    limit = probability(observed) * Fraction(10**7 + 1, 10**7)
    omnibus = sum(
        (probability(r) for r in rows if probability(r) <= limit), Fraction(0)
    )
    return trend, omnibus


def tables(columns: int) -> st.SearchStrategy[list[list[int]]]:
    cell = st.integers(0, 6)
    row = st.lists(cell, min_size=columns, max_size=columns)
    return st.lists(row, min_size=2, max_size=2)


@settings(max_examples=50, deadline=None)
@given(tables(3))
def test_exact_p_values_match_brute_force(table):
    trend, omnibus = brute_force(table)
    assert cochran_armitage_exact(table) == pytest.approx(float(trend), rel=1e-9)
    assert freeman_halton_exact(table) == pytest.approx(float(omnibus), rel=1e-9)
    assert 0 <= cochran_armitage_exact(table) <= 1
    assert 0 <= freeman_halton_exact(table) <= 1


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4).flatmap(tables))
def test_freeman_halton_2xk_matches_brute_force(table):
    scores = list(range(len(table[0])))[::-1]
    trend, omnibus = brute_force(table)
    assert freeman_halton_exact(table) == pytest.approx(float(omnibus), rel=1e-9)
    exact_trend = cochran_armitage_exact(table, scores=scores)
    assert exact_trend == pytest.approx(float(trend), rel=1e-9)


def test_exact_tests_run_fast_at_the_exact_limit():
    table = [[170, 160, 170], [163, 167, 170]]  # N = 1000, ~250k tables
    assert 0 < cochran_armitage_exact(table) <= 1
    assert 0 < freeman_halton_exact(table) <= 1


@pytest.mark.parametrize(
    "bad", [[[1, 2, 3]], [[1, -1, 2], [0, 1, 1]], [[1.5, 1, 1], [1, 1, 1]]]
)
def test_tables_are_validated(bad):
    with pytest.raises(AnalysisError):
        cochran_armitage_exact(bad)


# --- asymptotic path ---------------------------------------------------------------

LARGE = [[260, 220, 190], [240, 280, 310]]  # N = 1500


def test_asymptotic_omnibus_matches_scipy_chi2_contingency():
    expected = stats.chi2_contingency(np.array(LARGE)).pvalue
    assert freeman_halton_asymptotic(LARGE) == pytest.approx(expected, rel=1e-10)
    assert chi_square(LARGE) == pytest.approx(
        stats.chi2_contingency(np.array(LARGE)).statistic, rel=1e-12
    )


def test_asymptotic_trend_matches_closed_form():
    # Conditional (permutation) Cochran–Armitage: Z² = (N − 1) r², r the Pearson
    # correlation between the mention indicator and the group score.
    flags, groups = respondents(LARGE)
    score = groups.map({"good": 2, "average": 1, "poor": 0}).to_numpy(float)
    r = np.corrcoef(flags.to_numpy(float), score)[0, 1]
    expected = stats.chi2.sf((len(score) - 1) * r**2, 1)
    assert cochran_armitage_asymptotic(LARGE) == pytest.approx(expected, rel=1e-9)


def test_exact_and_asymptotic_trend_agree_for_large_n():
    # Sanity: at N = 900 the two differ only by the discreteness of the exact test
    # (the exact p counts the whole probability of the observed statistic).
    table = [[110, 100, 95], [190, 200, 205]]
    exact, asymptotic = (
        cochran_armitage_exact(table),
        cochran_armitage_asymptotic(table),
    )
    assert asymptotic == pytest.approx(exact, abs=0.03)
    assert asymptotic < exact


def test_screen_mentions_uses_asymptotic_tests_above_exact_limit():
    row = screen_table(LARGE)
    assert row["test"] == "cochran_armitage_asymptotic"
    assert row["p"] == pytest.approx(cochran_armitage_asymptotic(LARGE))
    assert row["p_omnibus"] == pytest.approx(freeman_halton_asymptotic(LARGE))
    exact_row = screen_table(REFERENCE, exact_limit=10)
    assert exact_row["test"] == "cochran_armitage_asymptotic"


# --- multiple testing --------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1) | st.just(math.nan), min_size=1, max_size=30))
def test_benjamini_hochberg_matches_scipy_and_ignores_nan(pvalues):
    p = np.array(pvalues)
    q = benjamini_hochberg(p)
    tested = ~np.isnan(p)
    assert np.array_equal(np.isnan(q), ~tested)
    if tested.any():
        expected = stats.false_discovery_control(p[tested], method="bh")
        np.testing.assert_allclose(q[tested], expected, rtol=1e-12, atol=1e-15)
        assert np.all(q[tested] >= p[tested]) and np.all(q[tested] <= 1)


def test_q_values_are_bh_across_testable_factors():
    flags, groups = respondents(REFERENCE)
    mentions = pd.DataFrame(
        {
            "a": flags,
            "b": flags[::-1].to_numpy(),
            "all": True,
            "c": flags.sample(frac=1, random_state=1).to_numpy(),
        }
    )
    result = screen_mentions(mentions, groups)
    testable = result["status"] != "untestable"
    assert list(testable) == [True, True, False, True]
    expected = stats.false_discovery_control(result.loc[testable, "p"], method="bh")
    np.testing.assert_allclose(result.loc[testable, "q"], expected)
    assert (result.loc[testable, "q"] >= result.loc[testable, "p"]).all()
    assert math.isnan(result.loc[2, "q"])


# --- decision rules ----------------------------------------------------------------


def test_frequency_rule_is_an_integer_comparison():
    # docs/method.md#factor-screening: 5 of 20 passes at 0.25, 4 of 20 does not.
    groups = pd.Series(["good", "average", "poor", "poor"] * 5)
    mentions = pd.DataFrame(
        {"five": [True] * 5 + [False] * 15, "four": [True] * 4 + [False] * 16}
    )
    result = screen_mentions(mentions, groups, min_mention_rate=0.25)
    assert list(result["pass_frequency"]) == [True, False]
    assert lemke.frequency_threshold(20, 0.25) == 5
    assert lemke.frequency_threshold(100, 0.07) == 7  # 0.07 * 100 = 7.000000000000001
    assert lemke.frequency_threshold(100, 0.29) == 29


def test_inconclusive_when_effect_large_but_too_few_respondents():
    row = screen_table([[2, 1, 0], [0, 1, 2]])
    assert row["effect"] >= 0.3 and row["q"] > 0.05 and row["pass_frequency"]
    assert row["status"] == "inconclusive" and not row["important"]


def test_negative_direction_is_not_important():
    row = screen_table([[1, 3, 6], [6, 4, 0]])
    assert row["q"] <= 0.05 and row["direction"] < 0
    assert not row["pass_discrimination"] and row["status"] == "not important"


def test_rare_factor_fails_frequency_even_if_discriminating():
    row = screen_table([[6, 0, 0], [14, 20, 20]], min_mention_rate=0.25)
    assert row["pass_discrimination"] and not row["pass_frequency"]
    assert row["status"] == "not important"


@pytest.mark.parametrize(
    "table",
    [[[7, 7, 6], [0, 0, 0]], [[0, 0, 0], [7, 7, 6]], [[6, 0, 1], [1, 0, 5]]],
    ids=["everyone", "nobody", "empty group"],
)
def test_untestable_mentions(table):
    row = screen_table(table)
    assert row["status"] == "untestable" and row["test"] == "none"
    assert math.isnan(row["p"]) and math.isnan(row["q"]) and not row["important"]


def test_untestable_ratings():
    group = pd.Series(["good", "average", "poor"] * 4)
    ratings = pd.DataFrame(
        {
            "constant": [50.0] * 12,
            "poor_never_rated": [80.0, 60.0, math.nan] * 4,
            "nobody": [math.nan] * 12,
        }
    )
    result = screen_ratings(ratings, group)
    assert list(result["status"]) == ["untestable"] * 3
    assert list(result["count"]) == [12, 8, 0]
    assert result["p"].isna().all()


def test_output_columns_labels_and_order():
    flags, groups = respondents(REFERENCE)
    mentions = pd.DataFrame({"value_for_time": flags, "flexibility": flags})
    result = screen_mentions(mentions, groups, labels={"flexibility": "Flexibility"})
    assert list(result.columns) == MENTION_COLUMNS
    assert list(result["factor"]) == ["value_for_time", "flexibility"]
    assert list(result["label"]) == ["value_for_time", "Flexibility"]
    ratings, group = kruskal_example()
    assert list(screen_ratings(ratings, group).columns) == RATING_COLUMNS


@settings(max_examples=20, deadline=None)
@given(st.permutations(range(20)))
def test_row_order_changes_nothing(order):
    flags, groups = respondents(REFERENCE)
    mentions = pd.DataFrame({"f": flags, "g": ~flags})
    base = screen_mentions(mentions, groups)
    shuffled = screen_mentions(mentions.iloc[list(order)], groups.iloc[list(order)])
    pd.testing.assert_frame_equal(base, shuffled)


def test_group_aligned_by_index():
    flags, groups = respondents(REFERENCE)
    mentions = pd.DataFrame({"f": flags})
    reversed_group = groups.iloc[::-1]
    pd.testing.assert_frame_equal(
        screen_mentions(mentions, reversed_group), screen_mentions(mentions, groups)
    )


@pytest.mark.parametrize(
    ("mentions", "group"),
    [
        (pd.DataFrame({"f": [True, False]}), pd.Series(["good", None])),
        (pd.DataFrame({"f": [True, False]}), pd.Series(["good", "great"])),
        (pd.DataFrame({"f": [True, None]}), pd.Series(["good", "poor"])),
        (pd.DataFrame({"f": [True, 2]}), pd.Series(["good", "poor"])),
        (pd.DataFrame({"f": [True, False]}), pd.Series(["good", "poor"], index=[5, 6])),
        (pd.DataFrame({"f": []}, dtype=bool), pd.Series([], dtype=str)),
    ],
    ids=[
        "na group",
        "unknown group",
        "na mention",
        "not boolean",
        "other ids",
        "empty",
    ],
)
def test_bad_input_raises_analysis_error(mentions, group):
    with pytest.raises(AnalysisError):
        screen_mentions(mentions, group)


def test_bad_options_and_ratings_raise():
    ratings, group = kruskal_example()
    with pytest.raises(AnalysisError):
        screen_ratings(ratings * 10, group)
    with pytest.raises(AnalysisError):
        screen_ratings(ratings, group, min_mention_rate=25)
    with pytest.raises(AnalysisError):
        screen_ratings(ratings, group, alpha=0)


# --- groups and method note --------------------------------------------------------


def test_group_from_nps():
    nps = pd.Series([0, 6, 7, 8, 9, 10, None], name="nps")
    result = group_list(lemke.group_from_nps(nps))
    assert result == ["poor", "poor", "average", "average", "good", "good", None]
    for bad in ([11], [7.5], ["high"]):
        with pytest.raises(AnalysisError):
            lemke.group_from_nps(pd.Series(bad))


def test_group_from_scores():
    scores = pd.Series([0, 50, 50.5, 74.9, 75, 100, math.nan])
    result = group_list(lemke.group_from_scores(scores, good_min=75, poor_max=50))
    assert result == ["poor", "poor", "average", "average", "good", "good", None]
    with pytest.raises(AnalysisError):
        lemke.group_from_scores(scores, good_min=50, poor_max=60)


def test_group_from_labels():
    values = pd.Series([" Good ", "OK", 1, "1.0", 3, None, "meh"])
    mapping = {"good": ["good", 3], "average": ["ok"], "poor": ["1"]}
    with pytest.raises(AnalysisError, match="unmapped") as error:
        lemke.group_from_labels(values, mapping)
    assert [p.value for p in error.value.problems] == ["meh"]
    result = group_list(lemke.group_from_labels(values.iloc[:-1], mapping))
    assert result == ["good", "average", "poor", "poor", "good", None]
    with pytest.raises(AnalysisError):
        lemke.group_from_labels(values, {"great": ["good"]})
    with pytest.raises(AnalysisError):
        lemke.group_from_labels(values, {"good": ["1"], "poor": [1]})


def group_list(groups: pd.Series) -> list[str | None]:
    return [None if pd.isna(g) else str(g) for g in groups]


def test_method_note_names_methods_and_thresholds():
    note = lemke.method_note(alpha=0.1, min_mention_rate=0.3, kind="ratings")
    assert "30%" in note and "0.1" in note and "Kruskal–Wallis" in note
    assert "not published" in lemke.METHOD_NOTE
    assert "Cochran–Armitage" in lemke.METHOD_NOTE and "25%" in lemke.METHOD_NOTE
