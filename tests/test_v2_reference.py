"""v2 account and segment statistics against an independent R reference.

The expected values are pinned in ``tests/data/reference/r_*.csv``; they were computed
from the exports in that folder by ``tests/reference/v2_reference.R`` (R 4.2.2,
metafor 3.8-1, survey 4.1-1), which shares no code with b2bcx. R is not needed to run
these tests; rerun the script (``Rscript tests/reference/v2_reference.R`` from the
repository root) only to change the reference. The script's header lists the readings
of docs/method.md it takes where the text leaves a choice.

Exports: ``wave2.csv`` (this quarter, 40 accounts), ``wave1.csv`` (the baseline: 36 of
the same accounts and 4 others), ``single_dm.csv`` (no account has two decision
makers, so the decision-maker pooled variance is undefined and the v2 fallback to the
variance pooled over all roles applies). ``reference.yaml`` weighs accounts equally in
segments, ``reference_revenue.yaml`` by revenue.

Every column is compared to 1e-6 (absolute), blanks where R has blanks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from b2bcx.cli import app

REF = Path(__file__).resolve().parent / "data" / "reference"
TOL = 1e-6
runner = CliRunner()

# v1 columns: b2bcx already computes them; pinned so v2 cannot change their meaning
# (on single_dm.csv ci_low/ci_high/se change: v2's variance fallback defines them).
# v2.1 (docs/method.md#degrees-of-freedom) moves ci_low/ci_high to t quantiles: they
# are pinned with the other v2.1 columns in test_v21_reference.py.
V1_ACCOUNT = ["n", "coverage", "index", "se", "nps"]
# v2 account columns (docs/method.md §2b, §5).
V2_ACCOUNT = [
    "reliability",
    "index_eb",  # v2.1: index_eb_se (g1 + g2 + 2 g3) is in test_v21_reference.py
    "n_eff",
    "nps_ci_low",
    "nps_ci_high",
]
# v2.1 tests the like-for-like change with t: p_change, q_change and significant_fdr
# are pinned in test_v21_reference.py.
V2_CHANGE = ["index_baseline", "delta"]
V1_SEGMENT = ["accounts", "index", "index_se", "nps"]
V2_SEGMENT = [
    "nps_se",  # v2: account-clustered (v1's respondent margin moves to nps_se_srs)
    "nps_se_srs",
    "nps_deff",
    "nps_n_eff",
    "respondent_nps",
    "delta",
    "delta_se",  # v2.1: delta_ci_low/high on t_{k-1} are in test_v21_reference.py
]


def score_csv(tmp_path: Path, export: str, config: str, *options: str) -> pd.DataFrame:
    """Run ``b2bcx score`` on a reference export and read back its CSV output."""
    out = tmp_path / "out.csv"
    args = ["score", str(REF / export), "-c", str(REF / config), *options]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype={"account": str, "value": str})


def pinned(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype={"account": str, "value": str})


def as_numbers(column: pd.Series) -> np.ndarray:
    """Numbers, with True/False as 1/0 and blanks as NaN."""
    mapped = column.map(
        lambda v: {"True": 1.0, "False": 0.0, True: 1.0, False: 0.0}.get(v, v)
    )
    return pd.to_numeric(mapped, errors="coerce").to_numpy(float)


def assert_column_matches(
    actual: pd.DataFrame, expected: pd.DataFrame, key: list[str], column: str
) -> None:
    assert column in actual.columns, f"b2bcx output has no column {column!r}"
    merged = expected[[*key, column]].merge(
        actual[[*key, column]], on=key, how="left", suffixes=("_r", "_b2bcx")
    )
    r = as_numbers(merged[f"{column}_r"])
    got = as_numbers(merged[f"{column}_b2bcx"])
    np.testing.assert_array_equal(
        np.isnan(got), np.isnan(r), err_msg=f"{column}: blank where R is not (or not)"
    )
    np.testing.assert_allclose(
        got, r, rtol=0, atol=TOL, equal_nan=True, err_msg=f"{column} vs R"
    )


@pytest.fixture(scope="module")
def wave2_accounts(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return score_csv(
        tmp_path_factory.mktemp("wave2"),
        "wave2.csv",
        "reference.yaml",
        "--baseline",
        str(REF / "wave1.csv"),
    )


@pytest.fixture(scope="module")
def single_dm_accounts(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return score_csv(
        tmp_path_factory.mktemp("single"), "single_dm.csv", "reference.yaml"
    )


def segments(tmp_path: Path, config: str) -> pd.DataFrame:
    return score_csv(
        tmp_path,
        "wave2.csv",
        config,
        "--by",
        "segment",
        "--baseline",
        str(REF / "wave1.csv"),
    )


@pytest.fixture(scope="module")
def wave2_segments(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return segments(tmp_path_factory.mktemp("seg"), "reference.yaml")


@pytest.fixture(scope="module")
def wave2_segments_revenue(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return segments(tmp_path_factory.mktemp("segrev"), "reference_revenue.yaml")


# -- accounts ---------------------------------------------------------------------


# Reference: R 4.2.2 base (roll-up, pooled variances, qnorm(0.975) intervals, adjusted
# Wald NPS interval), metafor 3.8-1 rma(REML)+blup for reliability / index_eb /
# index_eb_se, pnorm and p.adjust(method = "BH") for p_change / q_change; see
# tests/reference/v2_reference.R.
@pytest.mark.parametrize("column", V1_ACCOUNT + V2_ACCOUNT + V2_CHANGE)
def test_wave2_accounts_match_r(wave2_accounts: pd.DataFrame, column: str) -> None:
    expected = pinned("r_accounts_wave2.csv")
    assert set(wave2_accounts["account"]) == set(expected["account"])
    assert_column_matches(wave2_accounts, expected, ["account"], column)


# Reference: R 4.2.2 base with the v2 pooled-variance fallback, metafor 3.8-1
# rma(REML)+blup; see tests/reference/v2_reference.R.
@pytest.mark.parametrize("column", V1_ACCOUNT + V2_ACCOUNT)
def test_single_decision_maker_accounts_match_r(
    single_dm_accounts: pd.DataFrame, column: str
) -> None:
    expected = pinned("r_accounts_single_dm.csv")
    assert set(single_dm_accounts["account"]) == set(expected["account"])
    assert_column_matches(single_dm_accounts, expected, ["account"], column)


def test_single_decision_maker_intervals_are_all_defined(
    single_dm_accounts: pd.DataFrame,
) -> None:
    """With the fallback no account's interval is empty (v1 left 19 of 30 blank)."""
    assert single_dm_accounts[["se", "ci_low", "ci_high"]].notna().all().all()


# Reference: R metafor 3.8-1 rma(REML)+blup, see tests/reference/v2_reference.R.
# tau2 and mu are not columns; each account's reliability and shrunken index imply
# them: tau2 = B SE^2 / (1 - B), mu = (index_eb - B index) / (1 - B).
@pytest.mark.parametrize(
    ("fixture", "pinned_file"),
    [
        ("wave2_accounts", "r_accounts_wave2.csv"),
        ("single_dm_accounts", "r_accounts_single_dm.csv"),
    ],
)
def test_fay_herriot_tau2_and_mu_match_r(
    request: pytest.FixtureRequest, fixture: str, pinned_file: str
) -> None:
    accounts = request.getfixturevalue(fixture)
    expected = pinned(pinned_file)
    b = accounts["reliability"].to_numpy(float)
    se = accounts["se"].to_numpy(float)
    tau2 = b * se**2 / (1 - b)
    mu = (
        accounts["index_eb"].to_numpy(float) - b * accounts["index"].to_numpy(float)
    ) / (1 - b)
    np.testing.assert_allclose(tau2, expected["tau2"].iloc[0], rtol=1e-7)
    np.testing.assert_allclose(mu, expected["mu"].iloc[0], rtol=0, atol=TOL)


# -- segments and portfolio -------------------------------------------------------


# Reference: R survey 4.1-1 svymean(~y, svydesign(ids = ~1, weights = ~v)) per segment
# for index_se / nps_se / delta_se, t.test(paired = TRUE) for the equal-weight change,
# v1's respondent margin for nps_se_srs; see tests/reference/v2_reference.R.
@pytest.mark.parametrize("column", V1_SEGMENT + V2_SEGMENT)
def test_wave2_segments_match_r(wave2_segments: pd.DataFrame, column: str) -> None:
    expected = pinned("r_segments_wave2.csv")
    assert wave2_segments.iloc[0][["segment", "value"]].tolist() == ["portfolio", "all"]
    assert_column_matches(wave2_segments, expected, ["segment", "value"], column)


# Reference: R survey 4.1-1 svymean with revenue weights; see
# tests/reference/v2_reference.R.
@pytest.mark.parametrize("column", V1_SEGMENT + V2_SEGMENT)
def test_wave2_revenue_segments_match_r(
    wave2_segments_revenue: pd.DataFrame, column: str
) -> None:
    expected = pinned("r_segments_wave2_revenue.csv")
    assert_column_matches(
        wave2_segments_revenue, expected, ["segment", "value"], column
    )


def test_pinned_paired_change_agrees_with_t_test() -> None:
    """The pinned equal-weight change SE is the paired t-test's (R t.test)."""
    expected = pinned("r_segments_wave2.csv")
    np.testing.assert_allclose(
        expected["delta_se"], expected["delta_se_ttest"], rtol=1e-12
    )


def test_validate_names_the_role_that_borrows_the_pooled_variance() -> None:
    """docs/method.md §2: validate says which roles borrowed the all-roles variance."""
    result = runner.invoke(
        app, ["validate", str(REF / "single_dm.csv"), "-c", str(REF / "reference.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert "decision_maker" in result.output
