"""Small-sample statistics at the function level: fallback, shrinkage, NPS interval,
false discovery control and paired change (docs/method.md#small-samples, #change).

Outside references are named beside each test: R metafor / p.adjust / t.test values
pinned by tests/reference/v2_reference.R, scipy, and Rocks (2016). Hypothesis
properties hold for any input the strategies draw.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import stdtr, stdtrit
from scipy.stats import false_discovery_control, ttest_rel

from b2bcx.scoring.ranking import movers_count
from b2bcx.stats.intervals import (
    adjusted_wald_nps_interval,
    bh_q_values,
    kish_effective_size,
    p_change,
    paired_change,
)
from b2bcx.stats.rollup import Cells, role_cells
from b2bcx.stats.shrinkage import fay_herriot, reml_score, reml_tau2

REF = Path(__file__).resolve().parent / "data" / "reference"
SETTINGS = settings(max_examples=60, deadline=None)

scores = st.floats(0, 100, allow_nan=False)
ses = st.floats(0.5, 40, allow_nan=False)
accounts = st.lists(st.tuples(scores, ses), min_size=2, max_size=30)


# -- variance fallback -------------------------------------------------------------


def test_a_role_never_heard_twice_borrows_the_all_roles_variance():
    # decision makers: one per account (N - A = 0); users: (40, 60) and (70, 90)
    cells = Cells.from_respondents(
        pd.Series(["a", "a", "a", "b", "b", "b"]),
        pd.Series(["dm", "user", "user", "dm", "user", "user"]),
        ["dm", "user"],
    )
    summary = role_cells(cells, np.array([50.0, 40, 60, 80, 70, 90]))
    # users: SS = 200 + 200 over 4 - 2 = 2 -> 200; dm borrows (0 + 400) / (0 + 2)
    np.testing.assert_allclose(summary.pooled_variance(), [200.0, 200.0])
    assert summary.borrowed().tolist() == [True, False]


def test_nothing_is_borrowed_when_no_role_has_a_variance():
    cells = Cells.from_respondents(
        pd.Series(["a", "b"]), pd.Series(["dm", "user"]), ["dm", "user"]
    )
    summary = role_cells(cells, np.array([50.0, 70.0]))
    assert np.isnan(summary.pooled_variance()).all()
    assert not summary.borrowed().any()


# -- Fay–Herriot -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["r_accounts_wave2.csv", "r_accounts_single_dm.csv"])
def test_reml_tau2_matches_metafor(name):
    # Reference: R metafor 3.8-1 rma(method = "REML", threshold 1e-12), pinned.
    r = pd.read_csv(REF / name)
    tau2 = reml_tau2(r["index"].to_numpy(), r["se"].to_numpy() ** 2)
    assert tau2 == pytest.approx(r["tau2"].iloc[0], rel=1e-9)
    assert abs(reml_score(tau2, r["index"].to_numpy(), r["se"].to_numpy() ** 2)) < 1e-9


@SETTINGS
@given(accounts)
def test_reliability_is_a_share_and_index_eb_lies_between_mu_and_the_index(pairs):
    index, se = (np.array(v) for v in zip(*pairs, strict=True))
    fit = fay_herriot(index, se)
    assert fit.tau2 >= 0
    assert ((fit.reliability >= 0) & (fit.reliability <= 1)).all()
    low, high = np.minimum(fit.mu, index), np.maximum(fit.mu, index)
    assert (fit.index_eb >= low - 1e-9).all() and (fit.index_eb <= high + 1e-9).all()
    # the adjusted-likelihood tau2 behind index_eb_se is never 0 from 4 accounts on
    assert fit.tau2_mse > 0 or len(index) < 4
    assert (fit.index_eb_se > 0).all()


@SETTINGS
@given(st.floats(0, 100), st.lists(ses, min_size=2, max_size=20))
def test_with_tau2_zero_every_account_gets_mu(value, se_list):
    # identical indices: the REML score at 0 is negative, so tau2 = 0
    se = np.array(se_list)
    fit = fay_herriot(np.full(len(se), value), se)
    assert fit.tau2 == 0.0
    np.testing.assert_allclose(fit.index_eb, fit.mu)
    np.testing.assert_array_equal(fit.reliability, 0.0)


def test_accounts_without_se_take_no_part():
    fit = fay_herriot(np.array([60.0, 70, 80, 50]), np.array([5.0, np.nan, 4.0, 6.0]))
    assert np.isnan([fit.reliability[1], fit.index_eb[1]]).all()
    assert fit.fitted.tolist() == [True, False, True, True]


# -- account NPS interval ------------------------------------------------------------


def test_adjusted_wald_worked_example():
    # docs/method.md#account-nps-interval: n_eff 2.17, p 0.625, d 0.1875
    low, high = adjusted_wald_nps_interval(0.625, 0.1875, 2.17)
    assert (float(low), float(high)) == pytest.approx((-48.26, 84.99), abs=0.01)


def test_adjusted_wald_is_rocks_for_one_role():
    # Rocks (2016): n = 20 respondents, 10 promoters, 4 detractors, formula by hand
    n, p, d = 20, 0.5, 0.2
    pt, dt = (n * p + 0.75) / (n + 3), (n * d + 0.75) / (n + 3)
    half = 1.959963984540054 * 100 * np.sqrt((pt + dt - (pt - dt) ** 2) / (n + 3))
    low, high = adjusted_wald_nps_interval(p, d, n)
    assert float(low) == pytest.approx(100 * (pt - dt) - half)
    assert float(high) == pytest.approx(100 * (pt - dt) + half)


@st.composite
def nps_shares(draw):
    n = draw(st.integers(1, 200))
    promoters = draw(st.integers(0, n))
    detractors = draw(st.integers(0, n - promoters))
    return promoters / n, detractors / n, draw(st.floats(0.5, float(n)))


@SETTINGS
@given(nps_shares())
def test_adjusted_wald_contains_its_estimate_and_has_width(shares):
    p, d, n_eff = shares
    low, high = adjusted_wald_nps_interval(p, d, n_eff)
    centre = 100 * ((n_eff * p + 0.75) - (n_eff * d + 0.75)) / (n_eff + 3)
    # the point estimate of the adjusted Wald interval is its centre 100(p~ - d~);
    # the observed NPS can fall outside it (one detractor: -98.5 .. 48.5, not -100)
    assert low <= centre <= high
    assert high - low > 0
    assert low >= -100 and high <= 100


def test_one_detractor_does_not_reach_minus_100():
    low, high = adjusted_wald_nps_interval(0.0, 1.0, 1.0)
    assert (float(low), float(high)) == pytest.approx((-98.50, 48.50), abs=0.01)


def test_kish_effective_size():
    # shares 0.625/0.375 over 1 and 2 respondents: 1 / (0.390625 + 0.0703125)
    shares = np.array([[0.625, 0.375], [1.0, 0.0]])
    n = np.array([[1.0, 2.0], [5.0, 0.0]])
    used = n > 0
    np.testing.assert_allclose(
        kish_effective_size(shares, n, used), [1 / 0.4609375, 5.0]
    )


# -- change --------------------------------------------------------------------------


def test_bh_equals_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") -> 0.02 0.04 0.04 0.02
    p = pd.Series([0.01, 0.04, np.nan, 0.03, 0.005])
    q = bh_q_values(p)
    np.testing.assert_allclose(q.dropna(), [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(q[2])


def test_pinned_q_change_equals_r_and_scipy():
    # Reference: R p.adjust(p, "BH") pinned in r_accounts_wave2.csv
    r = pd.read_csv(REF / "r_accounts_wave2.csv")
    q = bh_q_values(r["p_change"])
    np.testing.assert_allclose(q, r["q_change"], rtol=0, atol=1e-12)
    tested = r["p_change"].dropna().to_numpy()
    np.testing.assert_allclose(
        q.dropna(), false_discovery_control(tested, method="bh"), rtol=1e-15
    )


def test_p_change_is_blank_when_not_testable():
    p = p_change(
        pd.Series([9.375, 5.0, 4.0, 3.0]),
        pd.Series([9.22, np.nan, 2.0, 0.0]),
        pd.Series([12.4, 8.0, np.nan, 5.0]),
    )
    # Reference: R 2 * pt(-9.375 / 9.22, 12.4) = 0.3287 (scipy.special.stdtr)
    assert p[0] == pytest.approx(2 * stdtr(12.4, -9.375 / 9.22), abs=1e-12)
    assert p[0] == pytest.approx(0.3287, abs=5e-4)
    assert np.isnan(p[1]) and np.isnan(p[2]) and np.isnan(p[3])


@SETTINGS
@given(
    st.lists(
        st.tuples(scores, st.floats(-30, 30, allow_nan=False)), min_size=3, max_size=25
    )
)
@example([(0.0, 0.0), (0.99999, 0.5), (0.0, -0.5)])  # mean change 0 to rounding
@example([(0.0, 0.0), (0.0, 0.5), (0.0, -0.5)])  # mean change exactly 0
def test_paired_change_equals_the_paired_t_test(pairs):
    # Reference: scipy.stats.ttest_rel == R t.test(paired = TRUE): estimate and SE.
    # The SE is read off t.test's interval (half its width over the t quantile),
    # not as mean / t, which is 0 / 0 when the mean change is (nearly) zero.
    now = np.array([a for a, _ in pairs])
    before = np.array([a + b for a, b in pairs])
    delta = pd.Series(now - before)
    if delta.std() < 1e-6:
        return
    mean, se, low, high, k = paired_change(delta, pd.Series(1.0, index=delta.index))
    test = ttest_rel(now, before)
    assert k == len(pairs)
    assert mean == pytest.approx(float(np.mean(now - before)), abs=1e-9)
    ci = test.confidence_interval()
    half = (ci.high - ci.low) / 2
    assert se == pytest.approx(half / stdtrit(len(pairs) - 1, 0.975), rel=1e-9)
    # the interval on t with k - 1 df, as t.test's conf.int (clipped to -100..100)
    assert low == pytest.approx(max(ci.low, -100.0), rel=1e-9, abs=1e-9)
    assert high == pytest.approx(min(ci.high, 100.0), rel=1e-9, abs=1e-9)


def test_movers_count_never_counts_untestable_accounts_as_unchanged():
    accounts = pd.DataFrame(
        {
            "account": list("abcd"),
            "delta": [12.0, -3.0, 20.0, np.nan],
            "significant": [True, False, None, None],
            "p_change": [0.01, 0.4, np.nan, np.nan],
            "significant_fdr": [True, False, None, None],
        }
    )
    count = movers_count(accounts)
    assert (count.compared, count.testable, count.not_testable) == (3, 2, 1)
    assert count.expected_by_chance == pytest.approx(0.1)
    assert "1 not testable" in count.sentence()
    untestable = accounts.assign(significant=None, p_change=np.nan)
    assert "could be tested" in movers_count(untestable).sentence()
    assert "0 rose" not in movers_count(untestable).sentence()
