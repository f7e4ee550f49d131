"""`drivers --plot`: labels that never overlap, panels titled in words."""

from __future__ import annotations

import numpy as np
import pytest

from b2bcx.cli.render.plot import CHAR_POINTS, LINE_POINTS, label_lifts


def test_close_points_get_labels_one_line_apart():
    # the decision makers' panel of the example
    x = np.array([11.2, 10.5, 44.0, 8.3, 12.6])
    y = np.array([65.5, 64.8, 65.9, 58.6, 73.7])
    names = ["Personalisation", "Time and Effort", "Empathy", "Resolution", "Integrity"]
    lifts = label_lifts(x, y, names)
    assert lifts[0] == 0.0  # the higher of the two keeps its place
    assert lifts[1] == pytest.approx(-LINE_POINTS)  # the lower one moves down a line
    assert lifts[2:] == [0.0, 0.0, 0.0]  # far from the others: untouched


def test_labels_far_apart_stay_where_they_are():
    x = np.linspace(0, 100, 5)
    y = np.linspace(0, 100, 5)
    assert label_lifts(x, y, ["a"] * 5) == [0.0] * 5


def test_a_crowd_of_points_gets_a_label_per_line():
    x = np.array([0.0, 0.0, 0.0, 0.0, 100.0])
    y = np.array([50.0, 50.1, 50.2, 50.3, 0.0])
    lifts = label_lifts(x, y, ["Expectations"] * 5)
    assert len(set(lifts[:4])) == 4
    assert CHAR_POINTS > 0


def test_workbook_driver_labels_take_free_sides():
    import pandas as pd

    from b2bcx.report.sheets_analyses import label_positions

    # the example's overall drivers: Expectations, Personalisation and Empathy
    # sit within 2 points of each other
    table = pd.DataFrame(
        {
            "label": [
                "Integrity",
                "Resolution",
                "Expectations",
                "Time and Effort",
                "Personalisation",
                "Empathy",
            ],
            "importance_pct": [15.4, 10.2, 20.5, 10.8, 22.6, 20.6],
            "performance": [68.0, 56.2, 63.9, 61.2, 62.4, 61.4],
        }
    )
    sides = label_positions(table)
    assert set(sides) <= {"r", "l", "t", "b"}
    assert sides[4] != "r" or sides[5] != "r"  # the close pair never both to the right
    far = pd.DataFrame(
        {
            "label": ["a", "b"],
            "importance_pct": [5.0, 40.0],
            "performance": [20.0, 90.0],
        }
    )
    assert label_positions(far) == ["r", "r"]
