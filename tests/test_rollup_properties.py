"""Invariants of the account roll-up, checked on arrays (the function they are about).

``roll_up`` takes respondents coded into account x role cells and one score per
respondent; these properties hold for any such input, so hypothesis draws the arrays
directly instead of building exports and configs (fast: no pipeline per example).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcx.stats.rollup import Cells, RollupSpec, roll_up

ROLES = ("decision_maker", "influencer", "user")
WEIGHTS = {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2}
SETTINGS = settings(max_examples=200, deadline=None)

score = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))
respondents = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(ROLES), score),
    min_size=1,
    max_size=40,
)
methods = st.sampled_from(["role_weighted", "mean", "waterfall"])


def rolled(rows, weights=WEIGHTS, **spec):
    accounts = pd.Series([f"A{a}" for a, _, _ in rows])
    roles = pd.Series([r for _, r, _ in rows])
    values = np.array([np.nan if v is None else v for _, _, v in rows], dtype=float)
    cells = Cells.from_respondents(accounts, roles, ROLES)
    estimate = roll_up(cells, values, RollupSpec(weights, **spec))
    return pd.DataFrame(
        {"index": estimate.estimate, "se": estimate.se}, index=cells.accounts
    )


@SETTINGS
@given(respondents, methods)
def test_an_account_index_lies_between_its_lowest_and_highest_answer(rows, method):
    table = rolled(rows, method=method)
    for account, group in pd.DataFrame(rows, columns=["a", "r", "v"]).groupby("a"):
        values = group["v"].dropna()
        index = table.loc[f"A{account}", "index"]
        if values.empty:
            assert np.isnan(index)
        else:
            assert values.min() - 1e-9 <= index <= values.max() + 1e-9


@SETTINGS
@given(respondents, methods, st.randoms(use_true_random=False))
def test_respondent_order_changes_nothing(rows, method, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    pd.testing.assert_frame_equal(
        rolled(rows, method=method), rolled(shuffled, method=method), rtol=1e-9
    )


@SETTINGS
@given(respondents, st.floats(0.01, 100))
def test_scaling_every_role_weight_changes_nothing(rows, factor):
    scaled = {role: weight * factor for role, weight in WEIGHTS.items()}
    pd.testing.assert_frame_equal(rolled(rows), rolled(rows, scaled), rtol=1e-9)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(ROLES), score), min_size=1, max_size=20))
def test_one_respondent_per_account_gives_back_that_respondents_score(people):
    rows = [(i, role, value) for i, (role, value) in enumerate(people)]
    expected = np.array([np.nan if v is None else v for _, v in people])
    index = rolled(rows)["index"]
    np.testing.assert_allclose(index[[f"A{i}" for i in range(len(people))]], expected)


@SETTINGS
@given(respondents, st.integers(0, 6), st.sampled_from(ROLES), score, methods)
def test_adding_a_respondent_changes_no_other_account(
    rows, account, role, value, method
):
    before = rolled(rows, method=method)["index"]
    after = rolled([*rows, (account, role, value)], method=method)["index"]
    others = [a for a in before.index if a != f"A{account}"]
    pd.testing.assert_series_equal(before[others], after[others])


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.floats(0, 100), st.floats(0, 100), st.floats(0, 100), st.integers(0, 4)
        ),
        min_size=1,
        max_size=10,
    )
)
def test_renormalize_equals_exclude_when_every_role_answered(accounts):
    rows = [
        (a, role, value)
        for a, (*values, _) in enumerate(accounts)
        for role, value in zip(ROLES, values, strict=True)
    ]
    pd.testing.assert_frame_equal(
        rolled(rows, missing_roles="renormalize"),
        rolled(rows, missing_roles="exclude"),
    )


@SETTINGS
@given(respondents)
def test_one_role_weighted_roll_up_is_the_plain_account_mean(rows):
    single = [(a, "user", v) for a, _, v in rows]
    means = (
        pd.DataFrame(single, columns=["a", "r", "v"])
        .assign(v=lambda t: t["v"].astype(float))
        .groupby("a")["v"]
        .mean()
    )
    table = rolled(single)
    np.testing.assert_allclose(
        table.loc[[f"A{a}" for a in means.index], "index"].to_numpy(),
        means.to_numpy(),
        rtol=1e-9,
    )
