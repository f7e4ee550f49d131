"""Key drivers (b2bcx.stats.drivers), published priorities and the quadrant chart."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcx.cli.render.plot import plot_quadrants
from b2bcx.config.models import SIX_PILLARS
from b2bcx.errors import AnalysisError, UsageError
from b2bcx.stats.drivers import (
    AGREES,
    COLUMNS,
    DIFFERS,
    cross_products,
    drivers_from_cross_products,
    key_drivers,
    key_drivers_by_role,
    key_drivers_table,
    key_drivers_with_roles,
    merge_cross_products,
    published_agreement,
    quadrants,
    relative_weights,
    relative_weights_data,
    shapley_lmg,
)

ROOT = Path(__file__).resolve().parents[1]
DRIVERS = ["d1", "d2", "d3", "d4"]
# docs/method.md#drivers: drivers 1-4, outcome 5.
REFERENCE_CORR = np.array(
    [
        [1, 0.2, 0.3, 0.4, -0.4],
        [0.2, 1, 0.5, 0.1, 0.1],
        [0.3, 0.5, 1, 0.2, -0.3],
        [0.4, 0.1, 0.2, 1, 0.4],
        [-0.4, 0.1, -0.3, 0.4, 1],
    ]
)
# Source: docs/method.md#drivers (Johnson 2000 relative weights; LMG from R relaimpo).
REFERENCE_RWA = [0.2407, 0.0549, 0.1214, 0.2816]
REFERENCE_R2 = 0.6986
REFERENCE_LMG = [0.2381, 0.0561, 0.1180, 0.2864]
SETTINGS = settings(max_examples=30, deadline=None)


def data_with_correlation(corr: np.ndarray, n: int = 120, seed: int = 0) -> np.ndarray:
    """Rows whose sample correlation matrix is exactly ``corr``: whiten, then colour."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, len(corr)))
    raw -= raw.mean(axis=0)
    white = raw @ np.linalg.inv(np.linalg.cholesky(np.cov(raw, rowvar=False))).T
    return white @ np.linalg.cholesky(corr).T


def reference_frame(n: int = 120) -> pd.DataFrame:
    values = data_with_correlation(REFERENCE_CORR, n)
    return pd.DataFrame(50 + 10 * values, columns=[*DRIVERS, "nps"])


def random_data(seed: int, n: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlated drivers and a noisy linear outcome."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
    y = x @ rng.normal(size=p) + rng.normal(scale=2.0, size=n)
    return x, y


def ols_r2(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return float(1 - residual @ residual / ((y - y.mean()) @ (y - y.mean())))


def role_frame(seed: int = 3, n: int = 90) -> pd.DataFrame:
    x, y = random_data(seed, 3 * n, 4)
    frame = pd.DataFrame(50 + 8 * x, columns=DRIVERS).assign(nps=y)
    roles = ["decision_maker", "influencer", "user"]
    return frame.assign(role=np.repeat(roles, n))


# (a) golden numbers ---------------------------------------------------------------


def test_relative_weights_reference_matrix() -> None:
    weights, r2 = relative_weights(REFERENCE_CORR)
    np.testing.assert_allclose(weights, REFERENCE_RWA, atol=5e-5)
    assert r2 == pytest.approx(REFERENCE_R2, abs=5e-5)


def test_shapley_reference_matrix() -> None:
    weights, r2 = shapley_lmg(REFERENCE_CORR)
    np.testing.assert_allclose(weights, REFERENCE_LMG, atol=5e-5)
    assert r2 == pytest.approx(REFERENCE_R2, abs=5e-5)


@pytest.mark.parametrize(
    ("method", "expected"), [("rwa", REFERENCE_RWA), ("shapley", REFERENCE_LMG)]
)
def test_key_drivers_on_data_with_reference_correlation(
    method: str, expected: list[float]
) -> None:
    frame = reference_frame()
    result = key_drivers(frame, DRIVERS, "nps", method=method, bootstrap=0)
    np.testing.assert_allclose(result.table["importance"], expected, atol=5e-5)
    assert result.r2 == pytest.approx(REFERENCE_R2, abs=5e-5)
    assert (result.n, result.dropped, result.method, result.outcome) == (
        120,
        0,
        method,
        "nps",
    )
    assert list(result.table.columns) == COLUMNS
    assert result.table["ci_low"].isna().all()


def test_relative_weights_data_matches_matrix() -> None:
    values = data_with_correlation(REFERENCE_CORR)
    weights, _ = relative_weights_data(values[:, :4], values[:, 4])
    np.testing.assert_allclose(weights, REFERENCE_RWA, atol=5e-5)


# (b) properties -------------------------------------------------------------------


@SETTINGS
@given(st.integers(0, 10_000), st.integers(20, 80), st.integers(1, 6))
def test_importances_decompose_ols_r2(seed: int, n: int, p: int) -> None:
    x, y = random_data(seed, n, p)
    expected = ols_r2(x, y)
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    for weights, r2 in (relative_weights(corr), shapley_lmg(corr)):
        assert r2 == pytest.approx(expected, abs=1e-9)
        assert weights.sum() == pytest.approx(expected, abs=1e-9)
        assert (weights >= -1e-12).all()


@SETTINGS
@given(st.integers(0, 10_000), st.sampled_from(["rwa", "shapley"]))
def test_driver_table_shares_sum_to_100(seed: int, method: str) -> None:
    x, y = random_data(seed, 40, 4)
    frame = pd.DataFrame(x, columns=DRIVERS).assign(nps=y)
    result = key_drivers(frame, DRIVERS, "nps", method=method, bootstrap=0)
    assert result.table["importance_pct"].sum() == pytest.approx(100)
    assert result.table["importance"].sum() == pytest.approx(result.r2)
    assert result.r2 == pytest.approx(ols_r2(x, y))


@SETTINGS
@given(st.integers(0, 10_000), st.permutations(range(40)))
def test_row_order_does_not_change_importance(seed: int, order: list[int]) -> None:
    x, y = random_data(seed, 40, 3)
    frame = pd.DataFrame(x, columns=DRIVERS[:3]).assign(nps=y)
    first = key_drivers(frame, DRIVERS[:3], "nps", bootstrap=0).table
    shuffled = key_drivers(frame.iloc[order], DRIVERS[:3], "nps", bootstrap=0).table
    np.testing.assert_allclose(first["importance"], shuffled["importance"], atol=1e-12)


# (c) Shapley against pingouin -----------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_shapley_matches_pingouin_relimp(seed: int) -> None:
    x, y = random_data(seed, 60, 5)
    expected = pingouin.linear_regression(x, y, relimp=True)["relimp"].to_numpy()[1:]
    weights, _ = shapley_lmg(np.corrcoef(np.column_stack([x, y]), rowvar=False))
    np.testing.assert_allclose(weights, expected, atol=1e-10)


# (d) bootstrap --------------------------------------------------------------------


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    frame = reference_frame()
    first = key_drivers(frame, DRIVERS, "nps", bootstrap=200, seed=7).table
    again = key_drivers(frame, DRIVERS, "nps", bootstrap=200, seed=7).table
    other = key_drivers(frame, DRIVERS, "nps", bootstrap=200, seed=8).table
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_low"], other["ci_low"])


@pytest.mark.parametrize("method", ["rwa", "shapley"])
def test_bootstrap_interval_contains_estimate(method: str) -> None:
    result = key_drivers(
        reference_frame(300), DRIVERS, "nps", method=method, bootstrap=200
    )
    table = result.table
    assert result.resamples == 200
    assert (table["ci_low"] <= table["importance"]).all()
    assert (table["importance"] <= table["ci_high"]).all()
    assert (table["ci_low"] < table["ci_high"]).all()


def test_bootstrap_skips_degenerate_resamples() -> None:
    # a binary driver with two "yes" answers is constant in many resamples
    x, y = random_data(11, 30, 2)
    frame = pd.DataFrame(x, columns=["a", "b"]).assign(c=0.0, nps=y)
    frame.loc[[0, 1], "c"] = 1.0
    result = key_drivers(frame, ["a", "b", "c"], "nps", bootstrap=200)
    assert 0 < result.resamples < 200
    assert result.table[["ci_low", "ci_high"]].notna().all().all()


# (e) bad input --------------------------------------------------------------------


def bad(frame: pd.DataFrame, match: str, **options: object) -> AnalysisError:
    with pytest.raises(AnalysisError, match=match) as caught:
        key_drivers(frame, DRIVERS, "nps", bootstrap=0, **options)  # type: ignore[arg-type]
    return caught.value


def test_outcome_without_variance() -> None:
    bad(reference_frame().assign(nps=7.0), "outcome 'nps' has no variance")


def test_too_few_complete_cases() -> None:
    frame = reference_frame()
    frame.loc[5:, "d2"] = np.nan
    bad(frame, "only 5 complete cases for 4 drivers; need at least 6")


def test_constant_driver_is_named() -> None:
    error = bad(reference_frame().assign(d3=60.0), "constant driver.*'d3'")
    assert [p.column for p in error.problems] == ["d3"]


def test_collinear_drivers_are_named() -> None:
    frame = reference_frame()
    frame["d4"] = frame["d1"] - 2 * frame["d2"] + 5
    error = bad(frame, "perfectly collinear drivers: 'd1', 'd2', 'd4'")
    assert "d3" not in str(error)


def test_shapley_refuses_more_than_15_drivers() -> None:
    x, y = random_data(0, 60, 16)
    names = [f"x{i}" for i in range(16)]
    frame = pd.DataFrame(x, columns=names).assign(nps=y)
    with pytest.raises(AnalysisError, match="more than 15 drivers") as caught:
        key_drivers(frame, names, "nps", method="shapley", bootstrap=0)
    assert "--method rwa" in caught.value.hint
    with pytest.raises(AnalysisError, match="more than 15"):
        shapley_lmg(np.eye(17))
    assert key_drivers(frame, names, "nps", bootstrap=0).table.shape[0] == 16


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.drop(columns="d2"), "column.*'d2'"),
        (lambda f: f.assign(d1="high"), "column.*'d1'"),
        (lambda f: f.assign(nps=np.inf), "column.*'nps'"),
    ],
)
def test_unusable_columns(change, match: str) -> None:  # type: ignore[no-untyped-def]
    bad(change(reference_frame()), match)


def test_bad_options() -> None:
    frame = reference_frame()
    bad(frame, "unknown method 'ols'", method="ols")
    bad(frame, "confidence", confidence=1.5)
    with pytest.raises(AnalysisError, match="distinct"):
        key_drivers(frame, ["d1", "nps"], "nps")
    with pytest.raises(AnalysisError, match="singular"):
        relative_weights(np.ones((3, 3)))


def test_listwise_deletion_counts_dropped_rows() -> None:
    frame = reference_frame()
    frame.loc[[3, 9], "d1"] = np.nan
    frame.loc[[9, 20], "nps"] = np.nan
    result = key_drivers(frame, DRIVERS, "nps", bootstrap=0)
    assert (result.n, result.dropped) == (117, 3)
    complete = frame.dropna()
    assert result.table["performance"].tolist() == pytest.approx(
        complete[DRIVERS].mean().tolist()
    )


# (f) by role ----------------------------------------------------------------------


def test_by_role_columns_and_blocks() -> None:
    table = key_drivers_by_role(role_frame(), DRIVERS, "nps", "role", bootstrap=50)
    assert list(table.columns) == ["role", *COLUMNS, "r2", "n", "warning"]
    assert table["role"].tolist() == [
        r for r in ["decision_maker", "influencer", "user"] for _ in DRIVERS
    ]
    assert (table["warning"] == "").all()
    assert (table["n"] == 90).all()
    for _, block in table.groupby("role"):
        assert block["importance"].sum() == pytest.approx(block["r2"].iloc[0])


def test_by_role_degenerate_role_gives_warning_row() -> None:
    frame = role_frame()
    frame.loc[frame["role"] == "user", "d2"] = 40.0
    table = key_drivers_by_role(frame, DRIVERS, "nps", "role", bootstrap=50)
    user = table[table["role"] == "user"]
    assert len(user) == 1
    assert "constant driver" in user["warning"].iloc[0]
    assert "'d2'" in user["warning"].iloc[0]
    assert user[["importance", "r2", "ci_low"]].isna().all().all()
    assert len(table[table["role"] != "user"]) == 8


def test_by_role_tiny_role_and_explicit_order() -> None:
    frame = role_frame()
    frame.loc[:2, "role"] = "champion"
    roles = ["user", "champion", "absent"]
    table = key_drivers_by_role(frame, DRIVERS, "nps", "role", roles=roles, bootstrap=0)
    assert table["role"].drop_duplicates().tolist() == roles
    assert (
        "only 3 complete cases"
        in table.loc[table["role"] == "champion", "warning"].iloc[0]
    )
    assert (
        "only 0 complete cases"
        in table.loc[table["role"] == "absent", "warning"].iloc[0]
    )


def test_by_role_structural_errors_still_fail() -> None:
    with pytest.raises(AnalysisError, match=r"column.*'d9'"):
        key_drivers_by_role(role_frame(), [*DRIVERS, "d9"], "nps", "role")
    with pytest.raises(AnalysisError, match="role column 'dmu'"):
        key_drivers_by_role(role_frame(), DRIVERS, "nps", "dmu")


def test_key_drivers_table_appends_model_columns() -> None:
    result = key_drivers(reference_frame(), DRIVERS, "nps", bootstrap=0)
    table = key_drivers_table(result)
    assert list(table.columns) == [*COLUMNS, "r2", "n"]
    assert (table["n"] == 120).all()


# (g) quadrants --------------------------------------------------------------------


def test_quadrant_rules_and_ties() -> None:
    names = quadrants(np.array([0.4, 0.4, 0.1, 0.1]), np.array([30, 70, 30, 70]))
    assert names == ["fix first", "maintain", "monitor", "possible overkill"]
    assert quadrants(np.array([0.2, 0.2]), np.array([50, 50])) == ["maintain"] * 2


def test_quadrants_in_driver_table() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 4))
    y = 3 * x[:, 0] + 3 * x[:, 1] + 0.3 * x[:, 2] + 0.3 * x[:, 3] + rng.normal(size=400)
    frame = pd.DataFrame(x * 5 + [40, 80, 40, 80], columns=DRIVERS).assign(nps=y)
    labels = {"d1": "Empathy"}
    table = key_drivers(frame, DRIVERS, "nps", bootstrap=0, labels=labels).table
    assert table["quadrant"].tolist() == [
        "fix first",
        "maintain",
        "monitor",
        "possible overkill",
    ]
    assert table["label"].tolist() == ["Empathy", "d2", "d3", "d4"]


# published priorities -------------------------------------------------------------


def load_priorities() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(
        (ROOT / "configs" / "published_priorities.yaml").read_text("utf-8")
    )


def test_published_priorities_file() -> None:
    config = load_priorities()
    pillars = set(SIX_PILLARS)
    assert set(config["roles"]) == {"decision_maker", "influencer", "user"}
    for kinds in config["roles"].values():
        assert set(kinds) == {"loyalty", "advocacy"}
        assert all(set(pillar_ids) <= pillars for pillar_ids in kinds.values())
    assert config["roles"]["user"]["loyalty"] == ["empathy", "time_and_effort"]
    assert config["roles"]["decision_maker"]["advocacy"] == ["personalisation"]
    assert config["phases"]["pre_purchase"] == "integrity"
    assert set(config["phases"].values()) <= pillars


def test_published_agreement_marks_top_published_drivers() -> None:
    table = pd.DataFrame(
        {
            "role": ["user"] * 4 + ["decision_maker"] * 2,
            "driver": [
                "empathy",
                "integrity",
                "personalisation",
                "expectations",
                "empathy",
                "integrity",
            ],
            "importance": [0.30, 0.20, 0.10, 0.05, np.nan, np.nan],
        }
    )
    priorities = load_priorities()["roles"]
    advocacy = published_agreement(table, priorities, "nps")["published"].tolist()
    assert advocacy == ["", "", AGREES, DIFFERS, "", ""]
    loyalty = published_agreement(table, priorities, "loyalty", top=1)[
        "published"
    ].tolist()
    assert loyalty == [AGREES, "", "", "", "", ""]
    with pytest.raises(AnalysisError, match="unknown outcome kind"):
        published_agreement(table, priorities, "csat")


# (h) plot -------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plot_single_panel(tmp_path: Path) -> None:
    result = key_drivers(reference_frame(), DRIVERS, "nps", bootstrap=0)
    path = tmp_path / "drivers.png"
    plot_quadrants({"all respondents": result.table}, path)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["drivers.png"]


def test_plot_by_role_with_degenerate_role(tmp_path: Path) -> None:
    frame = role_frame()
    frame.loc[frame["role"] == "user", "d2"] = 40.0
    table = key_drivers_by_role(frame, DRIVERS, "nps", "role", bootstrap=0)
    path = tmp_path / "by_role.png"
    path.write_bytes(b"old")
    plot_quadrants({role: block for role, block in table.groupby("role")}, path)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert len(list(tmp_path.iterdir())) == 1


def test_plot_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    table = key_drivers(reference_frame(), DRIVERS, "nps", bootstrap=0).table
    with pytest.raises(UsageError) as caught:
        plot_quadrants({"all": table}, tmp_path / "chart.png")
    assert caught.value.hint == "pip install 'b2bcx[plot]'"
    assert not list(tmp_path.iterdir())


def test_plot_bad_requests(tmp_path: Path) -> None:
    table = key_drivers(reference_frame(), DRIVERS, "nps", bootstrap=0).table
    with pytest.raises(UsageError, match="cannot write a chart"):
        plot_quadrants({"all": table}, tmp_path / "chart.docx")
    with pytest.raises(UsageError, match="no driver table"):
        plot_quadrants({}, tmp_path / "chart.png")
    assert not list(tmp_path.iterdir())


# (e) cluster bootstrap and withheld advice (docs/method.md#bootstrap) -------------


def test_cluster_bootstrap_of_one_respondent_accounts_is_the_plain_bootstrap() -> None:
    frame = reference_frame().assign(account=[f"a{i}" for i in range(120)])
    plain = key_drivers(frame, DRIVERS, "nps", bootstrap=200, seed=5)
    clustered = key_drivers(
        frame, DRIVERS, "nps", bootstrap=200, seed=5, cluster="account"
    )
    pd.testing.assert_frame_equal(plain.table, clustered.table)
    assert clustered.clusters == 120


def test_cluster_bootstrap_widens_intervals_of_repeated_accounts() -> None:
    # every account answered by five identical respondents: 60 accounts of information
    base = reference_frame(60)
    frame = base.loc[base.index.repeat(5)].assign(
        account=np.repeat([f"a{i}" for i in range(60)], 5)
    )
    plain = key_drivers(frame, DRIVERS, "nps", bootstrap=300, seed=3).table
    clustered = key_drivers(
        frame, DRIVERS, "nps", bootstrap=300, seed=3, cluster="account"
    ).table
    width = lambda t: (t["ci_high"] - t["ci_low"]).mean()  # noqa: E731
    assert width(clustered) > 1.5 * width(plain)


def test_a_model_that_explains_almost_nothing_gives_no_quadrant_advice() -> None:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(size=(400, 5)), columns=[*DRIVERS, "nps"])
    result = key_drivers(frame, DRIVERS, "nps", bootstrap=0)
    assert result.r2 < 0.05
    assert set(result.table["quadrant"]) == {"—"}
    assert result.warnings and "R²" in result.warnings[0]


def test_an_outcome_item_inside_a_driver_pillar_is_warned() -> None:
    from tests.conftest import small_config

    from b2bcx.api.key_drivers import outcome_overlap
    from b2bcx.config.models import parse_config

    config = parse_config(small_config(outcomes={"nps": "NPS", "loyal": "Q3"}))
    assert outcome_overlap(config, "nps") is None
    warning = outcome_overlap(config, "loyal")
    assert warning is not None and "Q3" in warning and "Empathy" in warning


# (f) drivers from merged per-account cross-products ---------------------------------


def accounts_frame(seed: int, n: int = 600, k: int = 70) -> pd.DataFrame:
    """Scores 0..100 with an account effect, accounts of uneven size."""
    rng = np.random.default_rng(seed)
    account = rng.integers(0, k, size=n) ** 2 % k  # some accounts much bigger
    effect = rng.normal(scale=8, size=(k, 1))[account]
    x, y = random_data(seed, n, len(DRIVERS))
    values = np.column_stack([x, y]) * 6 + 60 + effect
    frame = pd.DataFrame(values, columns=[*DRIVERS, "nps"])
    frame.loc[rng.random(n) < 0.05, "d2"] = np.nan
    return frame.assign(account=[f"acc{a:03d}" for a in account])


def row_level_cluster_intervals(
    frame: pd.DataFrame,
    method: str,
    resamples: int,
    seed: int,
    role: str | None = None,
) -> np.ndarray:
    """Reference: per resample, repeat each drawn account's rows and refit.

    Uses the seeded draws of the bootstrap (``rng.integers(0, k, (size, k))`` per
    chunk of ``max(n, k)``-bounded size, accounts in order of first appearance)
    and the plain row-level fit of :func:`relative_weights_data`/np.corrcoef.
    With ``role``, the accounts are drawn from every complete case and the model
    is refitted on the drawn accounts' rows of that role.
    """
    from b2bcx.stats.drivers import _chunks, _lmg_many, _rwa_many, _usable

    complete = frame.dropna(subset=[*DRIVERS, "nps"])
    groups = pd.factorize(complete["account"])[0]
    values = complete[[*DRIVERS, "nps"]].to_numpy()
    n, k = len(values), int(groups.max()) + 1
    mine = np.ones(n, bool) if role is None else (complete["role"] == role).to_numpy()
    members = [np.flatnonzero((groups == a) & mine) for a in range(k)]
    rng = np.random.default_rng(seed)
    decompose = _rwa_many if method == "rwa" else _lmg_many
    found = []
    for rows in _chunks(resamples, max(n, k)):
        for draw in rng.integers(0, k, size=(rows.stop - rows.start, k)):
            resample = values[np.concatenate([members[a] for a in draw])]
            with np.errstate(divide="ignore", invalid="ignore"):
                corr = np.corrcoef(resample, rowvar=False)
            if _usable(corr[None])[0]:
                found.append(decompose(corr[None])[0])
    boot = np.array(found)
    return np.quantile(boot, [0.025, 0.975], axis=0)


@pytest.mark.parametrize("method", ["rwa", "shapley"])
def test_merged_cross_products_give_the_row_level_point_estimate(method: str) -> None:
    frame = accounts_frame(1)
    complete = frame.dropna().loc[:, [*DRIVERS, "nps"]].to_numpy()
    corr = np.corrcoef(complete, rowvar=False)
    expected = (relative_weights if method == "rwa" else shapley_lmg)(corr)[0]
    result = key_drivers(
        frame, DRIVERS, "nps", method=method, bootstrap=0, cluster="account"
    )
    np.testing.assert_allclose(result.table["importance"], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        result.table["performance"], complete[:, :-1].mean(axis=0), atol=1e-12
    )
    assert result.n == len(complete) and result.dropped == len(frame) - len(complete)


@pytest.mark.parametrize("method", ["rwa", "shapley"])
def test_account_bootstrap_equals_resampling_rows_with_the_same_draws(
    method: str,
) -> None:
    frame = accounts_frame(2)
    result = key_drivers(
        frame, DRIVERS, "nps", method=method, bootstrap=150, seed=9, cluster="account"
    )
    low, high = row_level_cluster_intervals(frame, method, 150, seed=9)
    np.testing.assert_allclose(result.table["ci_low"], low, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.table["ci_high"], high, rtol=0, atol=1e-10)
    assert result.clusters == frame["account"].nunique()


@pytest.mark.parametrize("method", ["rwa", "shapley"])
def test_roles_share_the_account_draws_of_the_overall_model(method: str) -> None:
    """Each role's interval equals refitting that role's rows of the drawn
    accounts, every model on the same draws; the overall model's interval is
    the one it has alone."""
    frame = accounts_frame(4, n=900)
    roles = ["decision_maker", "influencer", "user"]
    frame["role"] = np.random.default_rng(4).choice(roles, size=len(frame))
    options = {"method": method, "bootstrap": 120, "seed": 5}
    overall, table = key_drivers_with_roles(
        frame, DRIVERS, "nps", "role", "account", roles=roles, **options
    )
    alone = key_drivers(frame, DRIVERS, "nps", cluster="account", **options)
    np.testing.assert_allclose(
        overall.table[["ci_low", "ci_high"]],
        alone.table[["ci_low", "ci_high"]],
        rtol=0,
        atol=1e-10,
    )
    for role in roles:
        mine = table[table["role"] == role]
        low, high = row_level_cluster_intervals(frame, method, 120, 5, role=role)
        np.testing.assert_allclose(mine["ci_low"], low, rtol=0, atol=1e-10)
        np.testing.assert_allclose(mine["ci_high"], high, rtol=0, atol=1e-10)
        complete = frame[frame["role"] == role].dropna(subset=[*DRIVERS, "nps"])
        corr = np.corrcoef(complete[[*DRIVERS, "nps"]].to_numpy(), rowvar=False)
        expected = (relative_weights if method == "rwa" else shapley_lmg)(corr)[0]
        np.testing.assert_allclose(mine["importance"], expected, rtol=0, atol=1e-12)
        assert (mine["n"] == len(complete)).all()


def test_a_role_without_cases_is_a_warning_row_beside_the_shared_draws() -> None:
    frame = accounts_frame(5).assign(role="user")
    overall, table = key_drivers_with_roles(
        frame,
        DRIVERS,
        "nps",
        "role",
        "account",
        roles=["user", "buyer"],
        bootstrap=30,
    )
    buyer = table[table["role"] == "buyer"]
    assert len(buyer) == 1 and "only 0 complete cases" in buyer["warning"].iloc[0]
    user = table[table["role"] == "user"]
    np.testing.assert_allclose(
        user["importance"], overall.table["importance"], rtol=0, atol=1e-12
    )
    assert overall.dropped == int(frame[[*DRIVERS, "nps"]].isna().any(axis=1).sum())


def test_partials_merge_to_the_same_drivers_whatever_their_centre() -> None:
    frame = accounts_frame(3).dropna()
    values = frame[[*DRIVERS, "nps"]].to_numpy()
    groups = pd.factorize(frame["account"])[0]
    whole = cross_products(values, groups)
    # two partials over disjoint accounts, each about its own centre
    first = groups < 30
    parts = [
        cross_products(values[first], groups[first]),
        cross_products(values[~first], groups[~first] - 30, shift=np.full(5, 3.0)),
    ]
    merged = merge_cross_products(parts)
    np.testing.assert_allclose(merged.counts, whole.counts)
    moved = merged.shifted(whole.shift)
    np.testing.assert_allclose(moved.products, whole.products, atol=1e-8)
    a = drivers_from_cross_products(whole, DRIVERS, "nps", bootstrap=50, seed=1)
    b = drivers_from_cross_products(merged, DRIVERS, "nps", bootstrap=50, seed=1)
    columns = ["importance", "ci_low", "ci_high", "performance"]
    np.testing.assert_allclose(a.table[columns], b.table[columns], atol=1e-10)


def test_cross_products_refuse_a_constant_outcome() -> None:
    values = np.column_stack(
        [np.arange(20.0), np.arange(20.0) ** 1.5, np.full(20, 7.0)]
    )
    parts = cross_products(values, np.arange(20) % 4)
    with pytest.raises(AnalysisError, match="no variance"):
        drivers_from_cross_products(parts, ["d1", "d2"], "nps", bootstrap=0)


def test_partials_of_row_batches_merge_by_account() -> None:
    # the same accounts answer in both batches: their sums add up
    frame = accounts_frame(4)
    whole = key_drivers(
        frame, DRIVERS, "nps", bootstrap=80, seed=6, cluster="account"
    ).table
    parts = []
    for batch in (frame.iloc[:250], frame.iloc[250:]):
        complete = batch.dropna()
        groups, ids = pd.factorize(complete["account"])
        values = complete[[*DRIVERS, "nps"]].to_numpy()
        parts.append(cross_products(values, groups, accounts=np.asarray(ids)))
    merged = merge_cross_products(parts)
    assert len(merged.counts) == frame.dropna()["account"].nunique()
    result = drivers_from_cross_products(merged, DRIVERS, "nps", bootstrap=80, seed=6)
    columns = ["importance", "ci_low", "ci_high", "performance"]
    np.testing.assert_allclose(result.table[columns], whole[columns], atol=1e-10)


def test_respondents_without_an_account_form_one_cluster() -> None:
    frame = accounts_frame(5)
    accounts = frame["account"].nunique()
    frame.loc[frame.index[::10], "account"] = None
    result = key_drivers(frame, DRIVERS, "nps", bootstrap=20, seed=1, cluster="account")
    assert result.clusters == frame["account"].nunique() + 1 <= accounts + 1
