"""Invariants of the whole scoring pipeline (export and config in, accounts out).

The roll-up's own invariants (weights, one respondent, renormalize vs exclude, adding
a respondent) are checked on arrays in test_rollup_properties.py; here only what
needs the pipeline: scores in range after reading labels, row order, account ids.
"""

from __future__ import annotations

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
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
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
