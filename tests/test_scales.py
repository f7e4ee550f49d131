"""Scale reliability (``b2bcx scales``) against R's psych, and its properties.

Pinned values: ``tests/data/reference/v3/r_scales.csv`` and ``r_items.csv`` from
``tests/reference/v3_agreement.R`` (``psych::alpha(x, check.keys = FALSE)``:
``raw_alpha``, ``item.stats$r.drop``, ``alpha.drop$raw_alpha``; ``psych::alpha.ci``
for Feldt's interval), on ``agreement.csv``, an export generated for the purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

from b2bcx.cli import app
from b2bcx.stats.consistency import (
    alpha_if_deleted,
    cronbach_alpha,
    feldt_interval,
    item_rest_correlations,
)

REF = Path(__file__).resolve().parent / "data" / "reference" / "v3"
TOL = 1e-6
runner = CliRunner()


def scales_json(*extra: str) -> dict:
    result = runner.invoke(
        app,
        [
            "scales",
            str(REF / "agreement.csv"),
            "-c",
            str(REF / "agreement.yaml"),
            "--format",
            "json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_alpha_and_feldt_interval_equal_psych() -> None:
    got = pd.DataFrame(scales_json()["pillars"]).set_index("pillar")
    pinned = pd.read_csv(REF / "r_scales.csv").set_index("pillar")
    assert list(got.index) == list(pinned.index)
    assert (got["n"] == pinned["n"]).all()
    for column in ("alpha", "alpha_ci_low", "alpha_ci_high"):
        np.testing.assert_allclose(got[column], pinned[column], atol=TOL, rtol=0)


def test_item_rest_and_alpha_if_dropped_equal_psych() -> None:
    got = pd.DataFrame(scales_json()["items"]).set_index(["pillar", "item"])
    pinned = pd.read_csv(REF / "r_items.csv").set_index(["pillar", "item"])
    assert list(got.index) == list(pinned.index)
    np.testing.assert_allclose(
        got["item_rest_r"], pinned["item_rest_r"], atol=TOL, rtol=0
    )
    dropped = got["alpha_if_deleted"].astype(float)
    np.testing.assert_allclose(dropped, pinned["alpha_if_deleted"], atol=TOL, rtol=0)
    # a pillar of two statements has no alpha if one is dropped
    assert dropped.loc["p2"].isna().all()


def test_missing_reverse_coding_is_named_and_only_it() -> None:
    warnings = scales_json()["warnings"]
    reverse = [w for w in warnings if "reverse coding" in w["problem"]]
    assert [w["column"] for w in reverse] == ["Q8"]
    assert "check the reverse coding of Q8" in reverse[0]["problem"]
    low = [w for w in warnings if "low internal consistency" in w["problem"]]
    assert len(low) == 1 and "`p3`" in low[0]["problem"]


def test_validate_shows_the_scale_warnings() -> None:
    result = runner.invoke(
        app,
        [
            "validate",
            str(REF / "agreement.csv"),
            "-c",
            str(REF / "agreement.yaml"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)["problems"]
    assert any("check the reverse coding of Q8" in p["problem"] for p in problems)


def test_marking_the_statement_reversed_clears_the_warning(tmp_path: Path) -> None:
    text = (REF / "agreement.yaml").read_text(encoding="utf-8")
    fixed = text.replace("Q8: {scale: num7}", "Q8: {scale: num7, reverse: true}")
    config = tmp_path / "fixed.yaml"
    config.write_text(fixed, encoding="utf-8")
    result = runner.invoke(
        app,
        ["scales", str(REF / "agreement.csv"), "-c", str(config), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["warnings"] == []
    alpha = {p["pillar"]: p["alpha"] for p in payload["pillars"]}
    assert alpha["p3"] > 0.7


def test_output_files(tmp_path: Path) -> None:
    for name in ("scales.json", "scales.csv", "scales.xlsx"):
        out = tmp_path / name
        result = runner.invoke(
            app,
            [
                "scales",
                str(REF / "agreement.csv"),
                "-c",
                str(REF / "agreement.yaml"),
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert out.exists()
    table = pd.read_csv(tmp_path / "scales.csv")
    assert {"pillar", "alpha", "item", "item_rest_r", "alpha_if_deleted"} <= set(
        table.columns
    )
    assert len(table) == 8


def test_the_terminal_table_names_pillars_by_their_labels() -> None:
    """Like drivers and score: "Time and Effort", not the id `time_and_effort`."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    result = runner.invoke(
        app,
        [
            "scales",
            str(examples / "acme_2026q3.csv"),
            "-c",
            str(examples / "acme.yaml"),
        ],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 0, result.output
    assert "Time and Effort" in result.stdout
    assert "time_and_effort" not in result.stdout


def test_feldt_interval_holds_alpha() -> None:
    low, high = feldt_interval(0.8, 100, 5)
    assert low < 0.8 < high


items_matrix = arrays(
    float,
    st.tuples(st.integers(4, 30), st.integers(2, 6)),
    elements=st.integers(1, 5).map(float),
)


@settings(deadline=None, max_examples=60)
@given(x=items_matrix, constant=st.floats(-50, 50), which=st.integers(0, 5))
def test_alpha_unchanged_by_adding_a_constant_to_an_item(
    x: np.ndarray, constant: float, which: int
) -> None:
    shifted = x.copy()
    shifted[:, which % x.shape[1]] += constant
    a, b = cronbach_alpha(x), cronbach_alpha(shifted)
    if np.isnan(a):
        assert np.isnan(b)
    else:
        assert abs(a - b) < 1e-9
    np.testing.assert_allclose(
        item_rest_correlations(x), item_rest_correlations(shifted), atol=1e-9
    )
    np.testing.assert_allclose(
        alpha_if_deleted(x), alpha_if_deleted(shifted), atol=1e-9
    )
