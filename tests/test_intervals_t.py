"""Student's t quantiles and tails (pure numpy) and Satterthwaite degrees of freedom.

References: ``scipy.special.stdtrit`` / ``stdtr`` (equal to R ``qt`` / ``pt``); the R
values pinned in tests/reference/ are checked in test_v21_reference.py. Satterthwaite
(1946): ``ν = (Σ T)² / Σ T²/d``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from b2bcx.stats.intervals import t_interval, t_margin
from b2bcx.stats.rollup import RoleCells, like_for_like, satterthwaite
from b2bcx.stats.shrinkage import (
    adjusted_tau2,
    eb_mse,
    fay_herriot,
    reml_score,
    reml_tau2,
)
from b2bcx.stats.tdist import Z95, t_quantile, t_two_sided_p

DFS = np.concatenate(
    [[1.0, 1.5, 2.0, 3.7, 4.0, 9.99], np.geomspace(10, 1e9, 60), [np.inf]]
)


def test_t_quantile_matches_scipy_over_the_range_of_df():
    np.testing.assert_allclose(
        t_quantile(DFS), special.stdtrit(DFS, 0.975), rtol=1e-10, atol=0
    )
    # R: qt(0.975, 4) = 2.776445105197799, qt(0.975, 1) = 12.70620473617471
    assert t_quantile(4.0) == pytest.approx(2.776445105197799, abs=1e-10)
    assert t_quantile(1.0) == pytest.approx(12.70620473617471, abs=1e-9)
    assert t_quantile(np.inf) == pytest.approx(Z95, abs=1e-15)
    assert np.isnan(t_quantile(np.nan)) and np.isnan(t_quantile(0.0))


@settings(deadline=None, max_examples=60)
@given(
    x=st.floats(0, 60, allow_nan=False),
    df=st.floats(1, 1e8, allow_nan=False),
)
def test_two_sided_p_matches_scipy(x, df):
    expected = 2 * special.stdtr(df, -x)
    assert t_two_sided_p(x, df) == pytest.approx(expected, abs=1e-12, rel=1e-8)


def test_t_interval_point_when_se_zero_and_empty_when_undefined():
    low, high = t_interval(
        np.array([70.0, 50.0, 40.0]), [5.0, 0.0, np.nan], [4.0, np.nan, 3.0]
    )
    assert low[0] == pytest.approx(70 - 2.776445105197799 * 5, abs=1e-9)
    assert high[0] == pytest.approx(70 + 2.776445105197799 * 5, abs=1e-9)
    assert (low[1], high[1]) == (50.0, 50.0)
    assert np.isnan(low[2]) and np.isnan(high[2])
    assert t_margin(0.0, np.nan) == 0.0


def test_satterthwaite_of_one_term_is_its_df_and_of_two_the_textbook_value():
    nu = satterthwaite(np.array([[3.0, 0.0], [1.0, 1.0]]), np.array([2.0, 4.0]))
    assert nu[0] == pytest.approx(2.0)
    assert nu[1] == pytest.approx(4.0 / (1 / 2 + 1 / 4))
    assert np.isnan(satterthwaite(np.zeros((1, 2)), np.array([2.0, 4.0]))[0])


def test_borrowed_variance_is_spread_over_the_roles_own_sums_of_squares():
    # roles: 0 has d=2, SS=8; 1 has d=1, SS=5; 2 borrows (d=0)
    cells = RoleCells(
        n=np.array([[3.0, 2.0, 1.0], [0.0, 0.0, 1.0]]),
        m=np.zeros((2, 3)),
        mean=np.zeros((2, 3)),
        ss=np.array([[8.0, 5.0, 0.0], [0.0, 0.0, 0.0]]),
    )
    c = np.array([[0.2, 0.1, 0.3], [0.0, 0.0, 1.0]])
    terms = cells.variance_terms(c)
    pooled = 13.0 / 3.0
    np.testing.assert_allclose(
        terms.sum(axis=1), [0.2 * 4 + 0.1 * 5 + 0.3 * pooled, pooled]
    )
    np.testing.assert_allclose(terms[1], [8 / 3, 5 / 3, 0.0])
    nu = satterthwaite(terms, cells.degrees_of_freedom)
    assert nu[1] == pytest.approx(pooled**2 / ((8 / 3) ** 2 / 2 + (5 / 3) ** 2 / 1))


def test_like_for_like_change_compares_the_roles_heard_in_both_waves():
    # roles: decision maker (w 0.5), user (w 0.2). Account 0 was heard through its
    # decision maker only before; now through a decision maker and a user.
    now = RoleCells(
        n=np.array([[2.0, 1.0], [3.0, 2.0]]),
        m=np.array([[80.0, 60.0], [50.0, 40.0]]),
        mean=np.array([[80.0, 60.0], [50.0, 40.0]]),
        ss=np.array([[50.0, 0.0], [200.0, 18.0]]),
    )
    base = RoleCells(
        n=np.array([[1.0, 0.0], [2.0, 1.0]]),
        m=np.array([[70.0, np.nan], [45.0, 30.0]]),
        mean=np.array([[70.0, np.nan], [45.0, 30.0]]),
        ss=np.array([[0.0, 0.0], [32.0, 0.0]]),
    )
    rows = np.array([0, 1])
    change = like_for_like(now, base, rows, rows, np.array([0.5, 0.2]))
    # account 0: decision makers only, 80 - 70; sigma2_dm = 250/3 now, 32/1 before
    now_term, base_term = 250 / 3 / 2, 32 / 1
    assert change.delta[0] == pytest.approx(10.0)
    assert change.se[0] == pytest.approx(np.sqrt(now_term + base_term))
    assert change.df[0] == pytest.approx(
        (now_term + base_term) ** 2 / (now_term**2 / 3 + base_term**2 / 1)
    )
    assert change.common.tolist() == [1, 2]
    # account 1: both roles, weights 5/7 and 2/7; the baseline's user role borrows
    # the baseline's pooled variance (32 / 1), all of it resting on the DM's SS
    share = np.array([5 / 7, 2 / 7])
    assert change.delta[1] == pytest.approx(share @ [5.0, 10.0])
    now_dm, now_user = share[0] ** 2 * 250 / 3 / 3, share[1] ** 2 * 18 / 2
    base_dm = share[0] ** 2 * 32 / 2 + share[1] ** 2 * 32 / 1
    total = now_dm + now_user + base_dm
    assert change.se[1] == pytest.approx(np.sqrt(total))
    assert change.df[1] == pytest.approx(
        total**2 / (now_dm**2 / 3 + now_user**2 / 1 + base_dm**2 / 1)
    )


def test_like_for_like_without_a_common_role_is_not_testable():
    now = RoleCells(
        n=np.array([[2.0, 0.0]]), m=np.array([[80.0, np.nan]]),
        mean=np.array([[80.0, np.nan]]), ss=np.array([[8.0, 0.0]]),
    )  # fmt: skip
    base = RoleCells(
        n=np.array([[0.0, 2.0]]), m=np.array([[np.nan, 60.0]]),
        mean=np.array([[np.nan, 60.0]]), ss=np.array([[0.0, 8.0]]),
    )  # fmt: skip
    change = like_for_like(now, base, np.array([0]), np.array([0]), np.ones(2))
    assert np.isnan(change.delta[0]) and np.isnan(change.se[0])
    assert np.isnan(change.df[0]) and change.common[0] == 0


def test_eb_mse_worked_example():
    # tau2 = 10, D = 10 for four accounts: g1 = 5, g2 = 1.25, g3 = 2.5 -> 11.25
    np.testing.assert_allclose(eb_mse(10.0, np.full(4, 10.0)), 11.25)


def test_adjusted_tau2_is_positive_where_reml_is_zero():
    # identical indices: REML gives 0, the adjusted likelihood a positive tau2 that
    # solves reml_score + 1/tau2 = 0
    y, v = np.full(6, 70.0), np.array([20.0, 30.0, 25.0, 40.0, 10.0, 15.0])
    assert reml_tau2(y, v) == 0.0
    tau2 = adjusted_tau2(y, v)
    assert tau2 > 0
    assert abs(reml_score(tau2, y, v) + 1 / tau2) < 1e-9 / tau2
    # fewer than 4 accounts: REML
    assert adjusted_tau2(y[:3], v[:3]) == reml_tau2(y[:3], v[:3])
    fit = fay_herriot(y, np.sqrt(v))
    assert fit.tau2 == 0.0 and fit.tau2_mse == pytest.approx(tau2)
    np.testing.assert_allclose(fit.index_eb_se, np.sqrt(eb_mse(tau2, v)))
