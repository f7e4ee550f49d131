"""v2.1 intervals and change tests against an independent R reference.

The expected values are pinned in ``tests/data/reference/r21_*.csv``; they were
computed from the reference exports by ``tests/reference/v21_reference.R`` (R 4.2.2,
metafor 3.8-1, survey 4.1-1), which shares no code with b2bcx: Satterthwaite df
with R ``qt``, Li & Lahiri's adjusted-likelihood tau2 as the maximiser of metafor's
REML log-likelihood at a fixed tau2 plus log tau2, g1 + g2 + 2 g3, the like-for-like
change with ``pt`` and ``p.adjust(p, "BH")``, and segment intervals by
``confint(svymean(...), df = degf(design))`` and ``t.test(paired = TRUE)``. R is not
needed to run these tests. Every column is compared to 1e-6 (absolute), blanks where
R has blanks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.test_v2_reference import assert_column_matches, pinned, score_csv

from b2bcx.stats.rollup import satterthwaite
from b2bcx.stats.shrinkage import eb_mse
from b2bcx.stats.tdist import t_quantile, t_two_sided_p

REF = Path(__file__).resolve().parent / "data" / "reference"
TOL = 1e-6

ACCOUNT = [
    "index",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "index_eb",
    "index_eb_se",
    "index_eb_ci_low",
    "index_eb_ci_high",
]
CHANGE = [
    "delta",
    "delta_lfl",
    "df_change",
    "p_change",
    "q_change",
    "significant",
    "significant_fdr",
]
SEGMENT = [
    "ci_low",
    "ci_high",
    "nps_ci_low",
    "nps_ci_high",
    "delta_ci_low",
    "delta_ci_high",
]


@pytest.fixture(scope="module")
def wave2(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return score_csv(
        tmp_path_factory.mktemp("wave2"),
        "wave2.csv",
        "reference.yaml",
        "--baseline",
        str(REF / "wave1.csv"),
    )


@pytest.fixture(scope="module")
def single_dm(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return score_csv(
        tmp_path_factory.mktemp("single"), "single_dm.csv", "reference.yaml"
    )


@pytest.mark.parametrize("column", ACCOUNT + CHANGE)
def test_wave2_accounts_match_r(wave2: pd.DataFrame, column: str) -> None:
    assert_column_matches(wave2, pinned("r21_accounts_wave2.csv"), ["account"], column)


def test_roles_changed_matches_r(wave2: pd.DataFrame) -> None:
    r = pinned("r21_accounts_wave2.csv").set_index("account")["roles_changed"]
    flagged = (
        wave2.set_index("account")["flags"].fillna("").str.contains("roles_changed")
    )
    expected = r.map({"True": True, "False": False, True: True, False: False})
    assert flagged.reindex(expected.index).tolist() == expected.tolist()
    assert expected.sum() > 0


@pytest.mark.parametrize("column", ACCOUNT)
def test_single_decision_maker_accounts_match_r(
    single_dm: pd.DataFrame, column: str
) -> None:
    assert_column_matches(
        single_dm, pinned("r21_accounts_single_dm.csv"), ["account"], column
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("reference.yaml", "r21_segments_wave2.csv"),
        ("reference_revenue.yaml", "r21_segments_wave2_revenue.csv"),
    ],
)
def test_segment_intervals_match_r(tmp_path: Path, config: str, expected: str) -> None:
    actual = score_csv(
        tmp_path,
        "wave2.csv",
        config,
        "--baseline",
        str(REF / "wave1.csv"),
        "--by",
        "segment",
    )
    for column in SEGMENT:
        assert_column_matches(actual, pinned(expected), ["segment", "value"], column)


def test_quantiles_tails_and_worked_examples_match_r() -> None:
    values = pinned("r21_values.csv").set_index("name")["value"].astype(float)
    dfs = [1, 1.5, 2, 3.7, 4, 9.99, 30, 123.4, 1e4, 1e6]
    for df in dfs:
        name = f"{df:g}"
        assert t_quantile(df) == pytest.approx(values[f"qt_0.975_df_{name}"], abs=1e-9)
        assert t_two_sided_p(2.1, df) == pytest.approx(
            values[f"pt_two_sided_2.1_df_{name}"], abs=1e-12
        )
    terms = np.array([[41.66666666666667, 32.0]])
    assert satterthwaite(terms, np.array([3.0, 1.0]))[0] == pytest.approx(
        values["satterthwaite_example"], abs=TOL
    )
    mse = eb_mse(7.5, np.array([4.0, 9.0, 16.0]))
    for i in range(3):
        assert mse[i] == pytest.approx(values[f"mse_example_{i + 1}"], abs=TOL)
