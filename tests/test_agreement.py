"""Agreement within an account, ICC(1)/ICC(2) and contacts needed against R.

Pinned values: ``tests/data/reference/v3/r_rwg.csv`` (``multilevel::rwg.j``) and
``r_icc.csv`` (``multilevel::ICC1`` / ``ICC2`` of ``aov(index ~ factor(account))``,
Spearman–Brown ``k*``) from ``tests/reference/v3_agreement.R``, on
``agreement.csv``, an export generated for the purpose (statements on a 1..5 and
a 1..7 scale, one reverse-coded statement, blanks, a planted split account ACC40).
Both scoring paths are checked: the respondent table and the streaming pass;
the DuckDB prototype (benchmarks/) in tests/test_duckdb_prototype.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcx import api
from b2bcx.config.models import load_config
from b2bcx.scoring.tables import account_output
from b2bcx.stats.agreement import contacts_needed, respondents_needed, rwg_j

REF = Path(__file__).resolve().parent / "data" / "reference" / "v3"
TOL = 1e-6
EXPORT = REF / "agreement.csv"


def respondent_path():  # type: ignore[no-untyped-def]
    config = load_config(REF / "agreement.yaml")
    return api.score(api.load_exports([EXPORT]), config)


def streamed_path():  # type: ignore[no-untyped-def]
    config = load_config(REF / "agreement.yaml")
    result = api.score_files([EXPORT], config)
    assert result is not None
    return result


def paths() -> list:
    return [
        pytest.param(respondent_path, id="respondents"),
        pytest.param(streamed_path, id="streamed"),
    ]


@pytest.mark.parametrize("run", paths())
def test_rwg_j_and_contacts_needed_equal_r(run) -> None:  # type: ignore[no-untyped-def]
    result = run()
    got = result.accounts.set_index("account").sort_index()
    pinned = pd.read_csv(REF / "r_rwg.csv", dtype={"account": str}).set_index("account")
    assert list(got.index) == list(pinned.index)
    np.testing.assert_allclose(
        got["rwg_j"].astype(float), pinned["rwg_j"].astype(float), atol=TOL, rtol=0
    )
    assert (got["n"] == pinned["n"]).all()
    assert (got["contacts_needed"].astype(int) == pinned["contacts_needed"]).all()


@pytest.mark.parametrize("run", paths())
def test_icc_and_k_star_equal_r(run) -> None:  # type: ignore[no-untyped-def]
    result = run()
    pinned = pd.read_csv(REF / "r_icc.csv").iloc[0]
    assert result.icc1 == pytest.approx(pinned["icc1"], abs=TOL)
    assert result.icc2 == pytest.approx(pinned["icc2"], abs=TOL)
    assert result.k_star == pytest.approx(pinned["k_star"], abs=TOL)
    portfolio = result.portfolio
    assert portfolio["icc1"] == pytest.approx(pinned["icc1"], abs=TOL)
    assert portfolio["k_star"] == pytest.approx(pinned["k_star"], abs=TOL)


def test_the_streaming_pass_computes_the_same_agreement() -> None:
    """On the example, the streaming pass equals the respondent path."""
    root = Path(__file__).resolve().parents[1] / "examples"
    config = load_config(root / "acme.yaml")
    export = root / "acme_2026q3.csv"
    whole = api.score(api.load_exports([export]), config)
    notices: list[str] = []
    streamed = api.score_files([export], config, notice=notices.append)
    assert streamed is not None and notices == []
    a = whole.accounts.set_index("account").sort_index()
    b = streamed.accounts.set_index("account").sort_index()
    assert a["rwg_j"].notna().sum() > 50
    np.testing.assert_allclose(b["rwg_j"], a["rwg_j"], atol=1e-9, rtol=0)
    np.testing.assert_array_equal(b["contacts_needed"], a["contacts_needed"])
    assert list(b["flags"]) == list(a["flags"])
    for name in ("icc1", "icc2", "k_star", "pooled_variance"):
        assert getattr(streamed, name) == pytest.approx(getattr(whole, name), abs=1e-9)


def test_planted_split_account_is_a_blind_spot() -> None:
    result = respondent_path()
    table = account_output(result).set_index("account")
    assert "low_agreement" in table.loc["ACC40", "flags"].split(";")
    assert "low_agreement" in table.loc["ACC40", "blind_spots"].split(";")
    agreeing = table[table["rwg_j"] >= 0.7]
    assert not agreeing["flags"].str.contains("low_agreement").any()
    # fewer than 3 complete respondents: no rwg_j and no flag
    few = pd.read_csv(REF / "r_rwg.csv", dtype={"account": str})
    few = few[few["complete"] < 3]["account"]
    assert table.loc[few, "rwg_j"].isna().all()
    assert not table.loc[few, "flags"].str.contains("low_agreement").any()


def test_threshold_comes_from_the_config(tmp_path: Path) -> None:
    text = (REF / "agreement.yaml").read_text(encoding="utf-8")
    config_path = tmp_path / "strict.yaml"
    config_path.write_text(text + "\nflags:\n  low_agreement: 0.95\n", "utf-8")
    config = load_config(config_path)
    result = api.score(api.load_exports([EXPORT]), config)
    flagged = result.accounts[
        result.accounts["flags"].map(lambda f: "low_agreement" in f)
    ]
    assert set(flagged["account"]) == set(
        result.accounts.loc[result.accounts["rwg_j"] < 0.95, "account"]
    )
    assert len(flagged) > 1


answers = st.lists(
    st.lists(st.integers(1, 5), min_size=3, max_size=3), min_size=3, max_size=12
)


@settings(deadline=None, max_examples=80)
@given(rows=answers)
def test_rwg_j_is_between_0_and_1(rows: list[list[int]]) -> None:
    x = np.array(rows, dtype=float)
    value = rwg_j(
        np.array([len(x)]), x.sum(0)[None], (x**2).sum(0)[None], np.full(3, 2.0)
    )[0]
    assert 0.0 <= value <= 1.0


@settings(deadline=None, max_examples=40)
@given(row=st.lists(st.integers(1, 5), min_size=2, max_size=6), k=st.integers(3, 9))
def test_identical_answers_give_full_agreement(row: list[int], k: int) -> None:
    x = np.tile(np.array(row, dtype=float), (k, 1))
    value = rwg_j(
        np.array([k]), x.sum(0)[None], (x**2).sum(0)[None], np.full(len(row), 2.0)
    )[0]
    assert value == pytest.approx(1.0)


def test_too_few_respondents_give_no_agreement() -> None:
    x = np.array([[1.0, 5.0], [5.0, 1.0]])
    assert np.isnan(
        rwg_j(np.array([2]), x.sum(0)[None], (x**2).sum(0)[None], np.full(2, 2.0))[0]
    )


def test_contacts_needed_is_empty_without_between_account_variance() -> None:
    assert np.isnan(respondents_needed(0.0, 0.7))
    assert np.isnan(contacts_needed(float("nan"), np.array([1, 2]))).all()
