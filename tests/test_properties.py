"""Invariants of scoring and roll-up, checked with hypothesis (properties, not only examples)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import as_export, respondent, small_config

from b2bcx import api
from b2bcx.config.models import parse_config

LABELS = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
    "Don't know",
    None,
]
ROLES = ["DM", "Influencer", "User"]
SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

answers = st.lists(st.sampled_from(LABELS), min_size=4, max_size=4)
rows_strategy = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(ROLES),
        answers,
        st.one_of(st.none(), st.integers(0, 10)),
    ),
    min_size=1,
    max_size=30,
)


def export_of(rows):
    built = [
        respondent(f"r{i}", f"ACC{a}", role, q, nps="" if nps is None else nps)
        for i, (a, role, q, nps) in enumerate(rows)
    ]
    return as_export(built)


def accounts_of(rows, **overrides) -> pd.DataFrame:
    config = parse_config(small_config(**overrides))
    return api.score(export_of(rows), config).accounts.set_index("account").sort_index()


SCORES = ["index", "ci_low", "ci_high", "integrity", "empathy"]


@SETTINGS
@given(rows_strategy)
def test_scores_stay_within_0_and_100(rows):
    accounts = accounts_of(rows)
    for column in SCORES:
        values = accounts[column].dropna()
        assert ((values >= 0) & (values <= 100)).all()
    nps = accounts["nps"].dropna()
    assert ((nps >= -100) & (nps <= 100)).all()
    assert ((accounts["coverage"] >= 0) & (accounts["coverage"] <= 1)).all()


@SETTINGS
@given(rows_strategy, st.randoms(use_true_random=False))
def test_row_order_changes_nothing(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    pd.testing.assert_frame_equal(
        accounts_of(rows)[[*SCORES, "nps", "se"]],
        accounts_of(shuffled)[[*SCORES, "nps", "se"]],
        check_exact=False,
        rtol=1e-9,
    )


@SETTINGS
@given(rows_strategy, st.floats(0.01, 100))
def test_scaling_all_role_weights_changes_nothing(rows, factor):
    roles = small_config()["roles"]
    scaled = {**roles, "weights": {r: w * factor for r, w in roles["weights"].items()}}
    pd.testing.assert_frame_equal(
        accounts_of(rows)[[*SCORES, "nps", "coverage"]],
        accounts_of(rows, roles=scaled)[[*SCORES, "nps", "coverage"]],
        check_exact=False,
        rtol=1e-9,
    )


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(ROLES), answers), min_size=1, max_size=15))
def test_one_respondent_per_account_returns_that_respondents_score(people):
    rows = [(i, role, q, 7) for i, (role, q) in enumerate(people)]
    config = parse_config(small_config())
    result = api.score(export_of(rows), config)
    respondents = result.respondents.set_index("account")
    accounts = result.accounts.set_index("account")
    for column in ["index", "integrity", "empathy"]:
        np.testing.assert_allclose(
            accounts[column].to_numpy(float),
            respondents.loc[accounts.index, column].to_numpy(float),
        )


@SETTINGS
@given(rows_strategy, st.integers(0, 5), answers)
def test_adding_a_respondent_changes_no_other_account_index(rows, account, q):
    before = accounts_of(rows)
    after = accounts_of([*rows, (account, "User", q, 5)])
    others = [a for a in before.index if a != f"ACC{account}"]
    pd.testing.assert_series_equal(
        before.loc[others, "index"], after.loc[others, "index"]
    )


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 3), answers, answers, answers), min_size=1, max_size=10
    )
)
def test_renormalize_equals_exclude_when_every_role_is_present(accounts):
    rows = [
        (a, role, q, 8)
        for a, *answer_sets in accounts
        for role, q in zip(ROLES, answer_sets, strict=True)
    ]
    renormalized = accounts_of(rows)["index"]
    excluded = accounts_of(rows, rollup={"missing_roles": "exclude"})["index"]
    has_all_roles = (
        accounts_of(rows)["coverage"] == 1.0
    )  # every role has an index value
    pd.testing.assert_series_equal(renormalized[has_all_roles], excluded[has_all_roles])


@SETTINGS
@given(rows_strategy, st.sampled_from(["X-", "acct ", "Ü"]))
def test_renaming_accounts_changes_no_result(rows, prefix):
    config = parse_config(small_config())
    before = api.score(export_of(rows), config).accounts.set_index("account")
    renamed = export_of(rows)
    renamed.frame["Account"] = prefix + renamed.frame["Account"]
    after = api.score(renamed, config).accounts.set_index("account")
    after.index = after.index.str.removeprefix(prefix)
    columns = [*SCORES, "nps", "se", "coverage", "n"]
    pd.testing.assert_frame_equal(before.loc[after.index, columns], after[columns])
