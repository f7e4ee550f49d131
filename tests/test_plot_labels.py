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
