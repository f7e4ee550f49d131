"""The shipped example: it runs, and the structure planted in it is found again.

examples/generate_example.py plants role-specific drivers (Empathy for decision
makers), a low Resolution score in the `ongoing` phase, Lemke factors that trend
with NPS next to two that do not, and real quarter-on-quarter movers.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.conftest import EXAMPLES

from b2bcx import api
from b2bcx import api as analyses
from b2bcx.api.load import load_exports
from b2bcx.config.models import load_config

LEMKE = [
    "personal_contact",
    "flexibility",
    "implicit_understanding",
    "knowledge",
    "proactive_checking",
    "promise_fulfilment",
    "value_for_time",
]


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLES / "acme.yaml")


@pytest.fixture(scope="module")
def q3():
    return load_exports([EXAMPLES / "acme_2026q3.csv"])


def test_generator_reproduces_the_committed_files(tmp_path):
    subprocess.run(
        [sys.executable, str(EXAMPLES / "generate_example.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in (
        "acme_2026q3.csv",
        "acme_2026q2.csv",
        "crm_accounts.csv",
        "lemke_interviews.csv",
        "crm_renewals.csv",
    ):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_empathy_drives_decision_makers(config, q3):
    result = analyses.drivers(q3, config, outcome="nps", by_role=True, bootstrap=100)
    table = result.table
    top = table.loc[table.groupby("role")["importance"].idxmax()].set_index("role")[
        "driver"
    ]
    assert top["decision_maker"] == "empathy"
    users = table[table["role"] == "user"].nlargest(2, "importance")["driver"]
    assert set(users) == {"personalisation", "expectations"}


def test_ongoing_phase_lags_on_its_priority_pillar(config, q3):
    lifecycle = api.score(q3, config).lifecycle.set_index("phase")
    assert lifecycle.loc["ongoing", "priority_pillar"] == "resolution"
    assert lifecycle.loc["ongoing", "priority_below_average"]


def test_planted_movers_are_significant(config, q3):
    result = api.score(
        q3, config, baseline=load_exports([EXAMPLES / "acme_2026q2.csv"])
    )
    significant = result.accounts[result.accounts["significant"] == True]  # noqa: E712
    assert (significant["delta"] < 0).sum() >= 10
    assert (significant["delta"] > 0).sum() >= 8


def test_lemke_factors_pass_and_the_decoys_do_not(config, q3):
    table = analyses.factors(q3, config).table.set_index("factor")
    assert table.loc[LEMKE, "important"].all()
    assert not table.loc[["price", "brand_reputation"], "important"].any()
    assert not table.loc["proactive_objectives", "pass_frequency"]


def test_comment_coding_screens_factors_from_free_text(tmp_path, q3):
    import yaml

    from b2bcx.config.models import load_config as load

    config = {
        "extends": [str(EXAMPLES / "acme.yaml"), "lemke_factors"],
        "factors": {
            "mentions": {"column": None, "from_comments": {"column": "Comment"}}
        },
    }
    path = tmp_path / "comments.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    table = analyses.factors(q3, load(path)).table.set_index("factor")
    assert set(table.index) <= set(load(path).factors.labels)
    # "not flexible at all" is negated: flexibility is mentioned more in good experiences
    assert (
        table.loc["flexibility", "direction"] > 0
        and table.loc["flexibility", "q"] < 0.05
    )


def test_value_finds_the_planted_renewal_effect():
    """crm_renewals.csv: odds of losing an account fall ~e per 10 points (planted)."""
    from b2bcx.api.load import load_decisions

    config = load_config(EXAMPLES / "acme_value.yaml")
    decisions = load_decisions(config)
    q2 = load_exports([EXAMPLES / "acme_2026q2.csv"])
    result = api.value(q2, config, decisions)
    summary = result.summary
    assert summary["k"] == 120 and summary["events"] == 29
    assert summary["or_ci_high"] < 1  # the index is associated with keeping accounts
    assert 0.3 < summary["odds_ratio"] < 0.6
    assert summary["decisions_not_heard"] == 6
    rates = list(result.bands["rate"])
    assert rates == sorted(rates, reverse=True)
