"""The calibration study (validation/calibration.py) on a tiny seeded run.

Nothing stochastic is asserted: the study's full run is ``make calibrate`` and its
table is in docs/method.md#calibration-study. These tests pin what a seed gives, the
simulated inputs and the measured outputs, so a change of either is seen.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def calibration():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "calibration", ROOT / "validation" / "calibration.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibration"] = module
    spec.loader.exec_module(module)
    return module


def test_a_seeded_wave_is_pinned(calibration) -> None:  # type: ignore[no-untyped-def]
    wave = calibration.simulate_wave(
        np.random.default_rng(7), np.array([60.0, 70.0]), (1, 3), True, "w"
    )
    frame = wave.export.frame
    assert frame["Account"].tolist() == PINNED_WAVE["accounts"]
    assert frame["Role"].tolist() == PINNED_WAVE["roles"]
    assert frame["Q1"].tolist() == PINNED_WAVE["answers"]
    assert wave.truth.tolist() == pytest.approx(PINNED_WAVE["truth"], abs=1e-12)


def test_the_true_portfolio_nps_is_the_normal_tail_difference(calibration) -> None:  # type: ignore[no-untyped-def]
    # answers N(65, 10² + 15²): P(>= 85) - P(< 65) = (1 - Φ(20/sqrt(325))) - 0.5
    expected = 100 * ((1 - 0.5 * math.erfc(-20 / math.sqrt(325) / math.sqrt(2))) - 0.5)
    assert calibration.true_portfolio_nps() == pytest.approx(expected, abs=1e-12)


def test_a_tiny_seeded_study_is_pinned(calibration) -> None:  # type: ignore[no-untyped-def]
    table = calibration.study({"thin": 1, "movers": 1, "portfolio": 1}, seed=3)
    got = dict(
        zip(
            table["measure"],
            zip(table["v2.1"], table["trials"], strict=True),
            strict=True,
        )
    )
    for measure, (rate, trials) in PINNED_STUDY.items():
        assert got[measure][1] == trials, measure
        assert got[measure][0] == pytest.approx(rate, abs=1e-9, nan_ok=True), measure


PINNED_WAVE = {
    "accounts": ["A00", "A00", "A00", "A01", "A01"],
    "roles": [
        "user",
        "influencer",
        "decision_maker",
        "decision_maker",
        "decision_maker",
    ],
    "answers": ["58.6346", "62.6014", "53.0468", "66.6325", "65.8245"],
    "truth": [59.6, 66.0],
}
PINNED_STUDY = {
    "thin: account interval coverage": (0.925, 40),
    "thin: account interval, a role on 1-4 df": (1.0, 4),
    "thin: index_eb interval coverage": (0.925, 40),
    "thin: REML τ² = 0 (share of runs)": (0.0, 1),
    "thin, nothing changed: p_change < 0.05": (0.15625, 32),
    "thin, nothing changed: p_change < 0.01": (0.03125, 32),
    "thin, nothing changed: p_change < 0.001": (0.03125, 32),
    "thin, nothing changed, roles changed: p < 0.05": (0.10526315789473684, 19),
    "thin, nothing changed: FDR of significant_fdr": (1.0, 1),
    "thin: accounts flagged roles_changed": (0.675, 40),
    "movers: FDR of significant_fdr": (0.0, 1),
    "movers: power (true movers found)": (0.0, 10),
    "10 accounts: portfolio index coverage": (1.0, 1),
    "10 accounts: portfolio NPS coverage": (1.0, 1),
    "10 accounts: paired change coverage": (1.0, 1),
}
