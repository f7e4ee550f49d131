"""Scores and roll-up against hand-computed values from docs/method.md#scores-2.

Each expected number below is worked out by hand from the formulas in docs/method.md
(written next to the assertion), not by running b2bcx.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special
from tests.conftest import as_export, respondent, small_config

from b2bcx import api
from b2bcx.config.models import parse_config
from b2bcx.errors import DataError

SA, A, N, D, SD = (
    "Strongly agree",
    "Agree",
    "Neither agree nor disagree",
    "Disagree",
    "Strongly disagree",
)


def three_accounts() -> list[dict]:
    return [
        respondent(
            "a1", "A", "DM", [A, SA, A, A], nps=10, revenue=1000
        ),  # 87.5, 75 -> 81.25
        respondent(
            "a2", "A", "Executive", [N, A, N, N], nps=6, revenue=1000
        ),  # 62.5, 50 -> 56.25
        respondent("a3", "A", "Influencer", [A, A, A, A], nps=9, revenue=1000),  # 75
        respondent(
            "b1", "B", "User", [SA, SA, SA, SA], nps=9, region="APAC", revenue=3000
        ),  # 100
        respondent(
            "b2",
            "B",
            " user ",
            [D, "Don't know", D, D],
            nps=3,
            region="APAC",
            revenue=3000,
        ),  # 25
        respondent(
            "b3", "B", "DM", [N, N, N, N], nps=2, region="APAC", revenue=3000
        ),  # 50
        respondent(
            "c1", "C", "3", [A, A, A, A], nps=10, revenue=6000
        ),  # 75, numeric role code
    ]


def score(rows=None, **overrides):
    config = parse_config(small_config(**overrides))
    return api.score(as_export(rows or three_accounts()), config)


def by_account(result) -> pd.DataFrame:
    return result.accounts.set_index("account")


def test_respondent_scores_follow_item_and_pillar_rules():
    respondents = score().respondents.set_index("respondent")
    # Agree = 100*(4-1)/(5-1) = 75; Strongly agree = 100
    assert respondents.loc["a1", "integrity"] == pytest.approx(87.5)
    # "Don't know" is missing, not zero: one of two items answered (min_items = 1)
    assert respondents.loc["b2", "integrity"] == pytest.approx(25.0)
    assert respondents.loc["a2", "index"] == pytest.approx((62.5 + 50) / 2)


def test_role_weighted_index_and_coverage():
    accounts = by_account(score())
    # A: DM mean (81.25+56.25)/2 = 68.75, influencer 75, no user:
    # (0.5*68.75 + 0.3*75) / 0.8 = 71.09375; coverage 0.8
    assert accounts.loc["A", "index"] == pytest.approx(71.09375)
    assert accounts.loc["A", "coverage"] == pytest.approx(0.8)
    # B: DM 50, users (100+25)/2 = 62.5: (0.5*50 + 0.2*62.5)/0.7
    assert accounts.loc["B", "index"] == pytest.approx(37.5 / 0.7)
    assert accounts.loc["B", "coverage"] == pytest.approx(0.7)
    assert accounts.loc["C", "index"] == pytest.approx(75.0)


def test_standard_error_uses_pooled_within_account_role_variance():
    accounts = by_account(score())
    # DM: SS = 2*12.5^2 = 312.5 over N-A = 3-2 -> 312.5
    # user: B (100, 25) SS = 2812.5, C one answer; N-A = 3-2 -> 2812.5
    dm_b, user_b = (0.5 / 0.7) ** 2 * 312.5 / 1, (0.2 / 0.7) ** 2 * 2812.5 / 2
    se_b = math.sqrt(dm_b + user_b)
    assert accounts.loc["B", "se"] == pytest.approx(se_b)
    # Satterthwaite: each role's variance rests on N_r - A_r = 1 degree of freedom
    df_b = (dm_b + user_b) ** 2 / (dm_b**2 / 1 + user_b**2 / 1)
    assert accounts.loc["B", "df"] == pytest.approx(df_b)
    # reference: scipy.special.stdtrit == R qt(0.975, df)
    margin = special.stdtrit(df_b, 0.975) * se_b
    assert accounts.loc["B", "ci_high"] == pytest.approx(
        min(37.5 / 0.7 + margin, 100.0), abs=1e-9
    )
    assert accounts.loc["B", "ci_low"] == pytest.approx(
        max(37.5 / 0.7 - margin, 0.0), abs=1e-9
    )
    # influencer: one answer in one account -> N_r - A_r = 0 -> the role borrows the
    # variance pooled over all roles: (312.5 + 2812.5) / (1 + 1) = 1562.5
    se_a = math.sqrt((0.5 / 0.8) ** 2 * 312.5 / 2 + (0.3 / 0.8) ** 2 * 1562.5 / 1)
    assert accounts.loc["A", "se"] == pytest.approx(se_a)
    # its df: the borrowed term is spread over the roles' own sums of squares,
    # c * SS_k / D with D = 1 + 1, so each term rests on one role's SS
    borrowed = (0.3 / 0.8) ** 2 / 1
    dm_a = (0.5 / 0.8) ** 2 / 2 * 312.5 + borrowed * 312.5 / 2
    user_a = borrowed * 2812.5 / 2
    assert dm_a + user_a == pytest.approx(se_a**2)
    df_a = (dm_a + user_a) ** 2 / (dm_a**2 / 1 + user_a**2 / 1)
    assert accounts.loc["A", "df"] == pytest.approx(df_a)
    # C: sqrt(2812.5/1) = 53.03 -> interval clipped to 0..100
    assert accounts.loc["C", "ci_low"] == 0.0
    assert accounts.loc["C", "ci_high"] == 100.0


def test_account_nps_is_role_weighted():
    accounts = by_account(score())
    # A: DM p=d=0.5 -> 0; influencer promoter -> 1: 100*(0.5*0 + 0.3*1)/0.8 = 37.5
    assert accounts.loc["A", "nps"] == pytest.approx(37.5)
    # B: DM detractor -1; users 9 and 3 -> 0: 100*(0.5*-1)/0.7
    assert accounts.loc["B", "nps"] == pytest.approx(-50 / 0.7)


def test_flags():
    # three accounts with large SEs do not differ beyond noise: tau2 = 0, so every
    # reliability is 0 and every account is flagged low_reliability
    result = score()
    flags = by_account(result)["flags"]
    assert result.tau2 == 0.0
    assert flags["A"] == ["decision_maker_detractor", "low_reliability"]
    assert flags["B"] == ["decision_maker_detractor", "low_reliability"]
    assert flags["C"] == [
        "single_contact",
        "no_decision_maker",
        "low_coverage",
        "low_reliability",
    ]
    relaxed = by_account(score(flags={"low_reliability": 0.0}))["flags"]
    assert "low_reliability" not in relaxed["A"]


def test_variance_fallback_is_named_in_the_problems():
    result = score()
    assert result.borrowed_roles == ("influencer",)
    assert any(
        "influencer" in p.problem and p.severity == "warning" for p in result.problems
    )


def test_role_gap_flag_at_threshold():
    rows = [
        respondent("1", "A", "DM", [A, A, A, A]),  # 75
        respondent("2", "A", "User", [N, N, N, N]),  # 50 -> gap 25
    ]
    assert "role_gap" in by_account(score(rows)).loc["A", "flags"]
    assert (
        "role_gap"
        not in by_account(score(rows, flags={"role_gap": 25.5})).loc["A", "flags"]
    )


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("mean", {"A": (81.25 + 56.25 + 75) / 3, "B": (100 + 25 + 50) / 3, "C": 75}),
        ("waterfall", {"A": 68.75, "B": 50.0, "C": 75.0}),
    ],
)
def test_other_rollup_methods(method, expected):
    accounts = by_account(score(rollup={"method": method}))
    for account, value in expected.items():
        assert accounts.loc[account, "index"] == pytest.approx(value)


def test_missing_roles_exclude_needs_every_role():
    rows = [
        *three_accounts(),
        respondent("d1", "D", "DM", [A] * 4),
        respondent("d2", "D", "Influencer", [A] * 4),
        respondent("d3", "D", "User", [N] * 4),
    ]
    accounts = by_account(score(rows, rollup={"missing_roles": "exclude"}))
    assert accounts["index"].isna().sum() == 3
    # D has every role: (0.5*75 + 0.3*75 + 0.2*50) / 1.0
    assert accounts.loc["D", "index"] == pytest.approx(70.0)


def test_within_role_median():
    rows = [respondent(str(i), "A", "DM", [v] * 4) for i, v in enumerate([SD, D, SA])]
    assert by_account(score(rows, rollup={"within_role": "median"})).loc[
        "A", "index"
    ] == pytest.approx(25.0)


def test_min_respondents_lists_account_without_score():
    accounts = by_account(score(rollup={"min_respondents": 2}))
    assert math.isnan(accounts.loc["C", "index"])
    assert "insufficient_n" in accounts.loc["C", "flags"]
    assert accounts.loc["C", "n"] == 1


def test_portfolio_equal_and_revenue_weighted():
    equal = score().portfolio
    assert equal["index"] == pytest.approx((71.09375 + 37.5 / 0.7 + 75) / 3)
    weighted = score(rollup={"account_weight": "revenue"}).portfolio
    assert weighted["index"] == pytest.approx(
        (71.09375 * 1000 + 37.5 / 0.7 * 3000 + 75 * 6000) / 10000
    )


def test_pareto_tiers():
    accounts = by_account(score(rollup={"tiers": "pareto"}))
    # C 60% (A), B reaches 90% (share before 60% -> A), A: share before 90% -> B
    assert accounts["tier"].to_dict() == {"A": "B", "B": "A", "C": "A"}


def test_segments_by_region():
    segments = score().segments.set_index(["segment", "value"])
    assert segments.loc[("Region", "APAC"), "accounts"] == 1
    assert segments.loc[("Region", "EMEA"), "index"] == pytest.approx(
        (71.09375 + 75) / 2
    )


def test_nps_standard_error_formula():
    from b2bcx.stats.intervals import nps_standard_error

    # p = .5, d = .2, n = 100: 100*sqrt((0.7 - 0.09)/100) = 7.8102
    assert nps_standard_error(0.5, 0.2, 100) == pytest.approx(7.81025, abs=1e-5)


def test_composites():
    result = score(
        composites={"trust": {"from": ["integrity", "empathy"], "weights": [3, 1]}}
    )
    respondents = result.respondents.set_index("respondent")
    assert respondents.loc["a1", "trust"] == pytest.approx((3 * 87.5 + 75) / 4)


def test_baseline_delta_and_significance():
    config = parse_config(small_config())
    current = as_export(three_accounts())
    previous_rows = three_accounts()
    for row in previous_rows:
        if row["Account"] == "B":
            row.update({"Q1": SD, "Q2": SD, "Q3": SD, "Q4": SD})
    result = api.score(current, config, baseline=as_export(previous_rows, "prev.csv"))
    accounts = by_account(result)
    # B was 0 everywhere before: delta = 37.5/0.7 - 0
    assert accounts.loc["B", "delta"] == pytest.approx(37.5 / 0.7)
    # the same roles answered in both waves: the like-for-like change is delta and
    # its SE combines the two account SEs
    b = accounts.loc["B"]
    assert b["delta_lfl"] == pytest.approx(b["delta"])
    assert b["se_change"] == pytest.approx(math.hypot(b["se"], b["se_baseline"]))
    # reference: scipy.special.stdtr == R pt
    p = 2 * special.stdtr(b["df_change"], -abs(b["delta_lfl"]) / b["se_change"])
    assert b["p_change"] == pytest.approx(p, abs=1e-12)
    assert b["significant"] == (p < 0.05)
    assert "roles_changed" not in b["flags"]
    assert accounts.loc["A", "delta"] == pytest.approx(0.0)
    assert accounts.loc["A", "significant"] is False
    assert accounts.loc["A", "p_change"] == pytest.approx(1.0)


def test_accounts_without_any_variance_are_not_testable():
    # every account x role cell holds one respondent: no pooled variance at all
    rows = [
        respondent("1", "A", "DM", [A, A, A, A]),
        respondent("2", "A", "User", [N, N, N, N]),
        respondent("3", "B", "DM", [SA, SA, SA, SA]),
    ]
    config = parse_config(small_config())
    previous = [dict(r, Q1=N) for r in rows]
    result = api.score(
        as_export(rows), config, baseline=as_export(previous, "prev.csv")
    )
    accounts = by_account(result)
    assert accounts["se"].isna().all()
    assert accounts["significant"].tolist() == [None, None]
    assert accounts["significant_fdr"].tolist() == [None, None]
    assert accounts["p_change"].isna().all() and accounts["q_change"].isna().all()
    assert accounts["reliability"].isna().all()


def test_bad_answers_are_collected_with_file_row_column_value():
    rows = three_accounts()
    rows[1]["Q2"] = "Agreee"
    rows[4]["Q3"] = "7"
    rows[5]["Role"] = "Janitor"
    with pytest.raises(DataError) as caught:
        score(rows)
    problems = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert (3, "Q2", "Agreee") in problems
    assert (6, "Q3", "7") in problems
    assert (7, "Role", "Janitor") in problems
    assert all(p.file == "test.csv" and p.hint for p in caught.value.problems)
    typo = next(p for p in caught.value.problems if p.value == "Agreee")
    assert typo.hint.startswith("did you mean 'Agree'?")


def test_missing_columns_are_named_with_a_suggestion():
    rows = three_accounts()
    for row in rows:
        row["Q1x"] = row.pop("Q1")
    with pytest.raises(DataError) as caught:
        score(rows)
    (problem,) = caught.value.problems
    assert problem.column == "Q1" and "Q1x" in problem.hint


def test_configured_missing_code_and_reverse_item():
    rows = [respondent("1", "A", "DM", [A, "99", SA, D])]
    config = small_config(
        items={"Q4": {"reverse": True}},
        scales={
            "agree5": {"labels": {SD: 1, D: 2, N: 3, A: 4, SA: 5}, "missing": [99]}
        },
    )
    respondents = score(
        rows, **{k: v for k, v in config.items() if k in ("items", "scales")}
    ).respondents
    assert respondents.loc[0, "integrity"] == pytest.approx(75.0)  # 99 is missing
    assert respondents.loc[0, "empathy"] == pytest.approx(
        (100 + 75) / 2
    )  # Disagree reversed: 100-25


def test_every_row_is_scored_or_excluded_with_a_reason():
    rows = [
        *three_accounts(),
        respondent("a1", "A", "DM", [A] * 4),
        respondent("x", "", "DM", [A] * 4),
    ]
    result = score(rows, roles={**small_config()["roles"], "unmapped": "ignore"})
    counts = result.rows["reason"].value_counts().to_dict()
    assert counts == {"duplicate respondent id": 1, "no account": 1}
    assert len(result.rows) == len(rows)
    assert (result.rows["status"] == "scored").sum() == len(result.respondents)


def test_lifecycle_priority_pillar():
    rows = [
        respondent("1", "A", "DM", [SA, SA, D, D]),
        respondent("2", "B", "DM", [D, D, SA, SA]),
    ]
    for row, phase in zip(rows, ["ongoing", "ongoing"], strict=True):
        row["Phase"] = phase
    cfg = small_config(phases={"ongoing": "empathy"})
    cfg["columns"] = {**cfg["columns"], "phase": "Phase"}
    config = parse_config(cfg)
    lifecycle = api.score(as_export(rows), config).lifecycle.set_index("phase")
    assert lifecycle.loc["ongoing", "priority_pillar"] == "empathy"
    assert lifecycle.loc["ongoing", "empathy"] == pytest.approx(62.5)
    assert not lifecycle.loc["ongoing", "priority_below_average"]


def test_pooled_variance_matches_pandas_groupby():
    """The bincount roll-up against a plain pandas computation of docs/method.md#roll-up."""
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "account": rng.integers(0, 40, n).astype(str),
            "role": rng.choice(["decision_maker", "influencer", "user"], n),
            "x": rng.uniform(0, 100, n),
        }
    )
    from b2bcx.stats.rollup import Cells, RollupSpec, roll_up

    weights = {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2}
    cells = Cells.from_respondents(frame["account"], frame["role"], list(weights))
    got = roll_up(cells, frame["x"].to_numpy(), RollupSpec(weights))
    grouped = frame.groupby(["account", "role"])["x"]
    stats = pd.DataFrame(
        {
            "n": grouped.size(),
            "m": grouped.mean(),
            "ss": grouped.apply(lambda s: ((s - s.mean()) ** 2).sum()),
        }
    ).reset_index()
    pooled = stats.groupby("role").apply(
        lambda g: g["ss"].sum() / (g["n"].sum() - len(g)), include_groups=False
    )
    stats["w"] = stats["role"].map(weights)
    for i, account in enumerate(cells.accounts):
        s = stats[stats["account"] == account]
        total = s["w"].sum()
        assert got.estimate[i] == pytest.approx((s["w"] * s["m"]).sum() / total)
        se = np.sqrt(((s["w"] / total) ** 2 * s["role"].map(pooled) / s["n"]).sum())
        assert got.se[i] == pytest.approx(se)


def test_dedupe_latest_uses_the_response_time_when_there_is_one():
    older = respondent("r1", "A", "DM", [SD] * 4)
    newer = respondent("r1", "A", "DM", [SA] * 4)
    older["RecordedDate"], newer["RecordedDate"] = (
        "2026-09-30 10:00:00",
        "2026-10-02 09:00:00",
    )
    # the newer answer comes first in the file; `latest` must still keep it
    result = score([newer, older])
    assert result.accounts.loc[0, "index"] == pytest.approx(100.0)
    assert result.rows["reason"].fillna("").tolist() == ["", "duplicate respondent id"]
    first = score([newer, older], filters={"dedupe": "first"})
    assert first.accounts.loc[0, "index"] == pytest.approx(0.0)


def test_dedupe_error_lists_the_repeated_ids():
    rows = [
        respondent("r1", "A", "DM", [A] * 4),
        respondent("r1", "B", "User", [A] * 4),
    ]
    with pytest.raises(DataError) as caught:
        score(rows, filters={"dedupe": "error"})
    (problem,) = caught.value.problems
    assert problem.value == "r1" and problem.row == 3


def test_an_account_heard_without_scores_is_not_also_listed_as_not_heard():
    from b2bcx.results import AccountMaster

    rows = [*three_accounts(), respondent("d1", "D", "DM", ["Don't know"] * 4, nps="")]
    listed = pd.DataFrame(
        {"account": ["A", "B", "C", "D", "E"], "ARR": [1.0, 2.0, 3.0, 4.0, 5.0]}
    )
    master = AccountMaster(listed, "crm.csv", revenue="ARR")
    result = api.score(as_export(rows), parse_config(small_config()), master=master)
    assert result.not_heard["account"].tolist() == ["E"]
    output = api.account_output(result)
    assert output["account"].is_unique and len(output) == 5
    assert result.revenue_coverage == pytest.approx(10 / 15)


def test_a_change_of_who_answered_is_flagged_and_tested_like_for_like():
    config = parse_config(small_config())
    current = as_export(three_accounts())
    # before, A was heard through its decision makers only (a3, the influencer, is new)
    previous = [r for r in three_accounts() if r["Id"] != "a3"]
    result = api.score(current, config, baseline=as_export(previous, "prev.csv"))
    a = by_account(result).loc["A"]
    assert "roles_changed" in a["flags"]
    # now 0.5*68.75 + 0.3*75 over 0.8 vs 68.75 before: delta mixes in the influencer
    assert a["delta"] == pytest.approx((0.5 * 68.75 + 0.3 * 75) / 0.8 - 68.75)
    # like for like: the decision makers alone, who did not change their answers
    assert a["delta_lfl"] == pytest.approx(0.0)
    assert a["p_change"] == pytest.approx(1.0)
    assert "roles_changed" not in by_account(result).loc["B", "flags"]


def test_only_a_whole_scale_refuses_answers_between_its_numbers():
    """``whole: true`` (the nps11 preset's) makes 7.5 invalid; a plain numeric
    scale reads it, and decimal commas are decimals on both."""
    from b2bcx.config.models import PRESET_SCALES, Scale
    from b2bcx.scoring.scales import item_values

    answers = pd.Series(["7", "7.5", "9,5", "10", None, "11"])
    nps = item_values(answers, PRESET_SCALES["nps11"])
    assert nps.invalid.tolist() == [False, True, True, False, False, True]
    assert nps.values[0] == pytest.approx(7.0) and nps.values[3] == pytest.approx(10)
    plain = item_values(answers, Scale(min=0, max=10))
    assert plain.invalid.tolist() == [False, False, False, False, False, True]
    assert plain.values[2] == pytest.approx(9.5)
    seven = parse_config(
        {**small_config(), "scales": {"s7": {"min": 1, "max": 7, "whole": True}}}
    ).scales["s7"]
    assert item_values(pd.Series(["3.5", "4"]), seven).invalid.tolist() == [True, False]
