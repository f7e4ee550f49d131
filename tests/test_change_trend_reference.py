"""Why it moved and trends, against an independent R computation.

``tests/reference/v3_change_trend.R`` computes every number from
``tests/data/reference_v3/`` with base R, coin (``mh_test``), metafor (``rma`` REML +
``blup``) and sandwich (``vcovCL``, HC1); its outputs are pinned beside the inputs.
Agreement to 1e-6 (1e-4 relative for the REML shrinkage), the decompositions'
identities to 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from b2bcx.stats.change import index_change, kitagawa, stuart_maxwell
from b2bcx.stats.trend import account_slopes, portfolio_slope

HERE = Path(__file__).resolve().parent / "data" / "reference_v3"


def _r(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / name, skipinitialspace=True)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(HERE / "panel.csv")


def _waves(panel: pd.DataFrame) -> tuple[np.ndarray, ...]:
    w0, w1 = (panel[panel["t"] == t].set_index("account") for t in (2, 3))
    ids = sorted(set(w0.index) | set(w1.index))
    return (
        w0["index"].reindex(ids).to_numpy(),
        w0["weight"].reindex(ids).to_numpy(),
        w1["index"].reindex(ids).to_numpy(),
        w1["weight"].reindex(ids).to_numpy(),
    )


def test_index_change_parts_equal_r_and_add_up(panel):
    change = index_change(*_waves(panel))
    r = _r("r_decomposition.csv").iloc[0]
    for part in ("total", "continuing", "weight_mix", "entered", "left"):
        assert getattr(change, part) == pytest.approx(r[part], abs=1e-9), part
    parts = change.continuing + change.weight_mix + change.entered + change.left
    assert abs(parts - change.total) < 1e-12
    assert change.counts == {
        "continuing": r["n_continuing"],
        "weight_mix": r["n_continuing"],
        "entered": r["n_entered"],
        "left": r["n_left"],
    }


def test_kitagawa_equals_r():
    resp = pd.read_csv(HERE / "respondents.csv")
    roles = sorted(resp["role"].unique())

    def wave(w: int) -> tuple[np.ndarray, np.ndarray]:
        r = resp[resp["wave"] == w]
        share = np.array([(r["role"] == x).mean() for x in roles])
        nps = np.array(
            [
                100
                * (
                    (r.loc[r.role == x, "nps_code"] == 1).mean()
                    - (r.loc[r.role == x, "nps_code"] == -1).mean()
                )
                for x in roles
            ]
        )
        return share, nps

    split = kitagawa(*wave(0), *wave(1))
    r = _r("r_kitagawa.csv").iloc[0]
    for part in ("before", "after", "total", "rate", "mix"):
        assert getattr(split, part) == pytest.approx(r[part], abs=1e-9), part
    assert abs(split.rate + split.mix - split.total) < 1e-12


def test_stuart_maxwell_equals_coin():
    table = _r("r_migration.csv").to_numpy(float)
    test = stuart_maxwell(table)
    r = _r("r_stuart_maxwell.csv").iloc[0]
    assert test.statistic == pytest.approx(r["statistic"], abs=1e-9)
    assert test.df == r["df"]
    assert test.p == pytest.approx(r["p"], abs=1e-9)


def test_account_slopes_equal_lm_and_metafor(panel):
    ours = account_slopes(panel).set_index("account")
    r = _r("r_slopes.csv").set_index("account")
    assert list(ours.index) == list(r.index)
    np.testing.assert_array_equal(ours["waves"], r["waves"])
    for column in ("slope", "slope_se", "p_slope", "q_slope"):
        np.testing.assert_allclose(ours[column], r[column], atol=1e-9, err_msg=column)
    for column in ("slope_eb", "slope_reliability"):
        np.testing.assert_allclose(ours[column], r[column], rtol=1e-4, err_msg=column)
    # the planted account falls, and is the one flagged
    assert ours.loc["A07", "deteriorating"] is True
    assert ours["deteriorating"].eq(True).sum() >= 1


def test_portfolio_slope_equals_sandwich(panel):
    fit = portfolio_slope(panel)
    r = _r("r_portfolio_slope.csv").iloc[0]
    assert fit.slope == pytest.approx(r["slope"], abs=1e-9)
    assert fit.se == pytest.approx(r["se"], abs=1e-9)
    assert (fit.accounts, fit.observations) == (r["accounts"], r["observations"])


def test_the_order_of_the_rows_changes_no_slope(panel):
    shuffled = panel.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(account_slopes(shuffled), account_slopes(panel))
    assert portfolio_slope(shuffled).se == pytest.approx(portfolio_slope(panel).se)


def test_the_examples_in_the_docstrings_hold():
    import doctest

    from b2bcx.stats import change, trend

    for module in (change, trend):
        outcome = doctest.testmod(module)
        assert outcome.attempted and outcome.failed == 0, module.__name__
