"""Charts for the HTML report: matplotlib figures as inline SVG, byte-identical on reruns.

Needs the ``plot`` extra (matplotlib), imported here only. Text stays text
(``svg.fonttype: none``, a generic sans-serif family), so the page loads no font;
the hash salt and ``metadata={"Date": None}`` make the same data give the same
bytes; every ``id`` is prefixed with the chart's own name so several charts sit in
one page without clashing.

Example
-------
>>> from b2bcx.deck.content import PillarChart, Series
>>> svg = pillar_svg(PillarChart(("Trust",), (Series("This account", (70.0,)),)), "a1")
>>> svg.startswith("<svg")
True
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html import escape
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; set before pyplot is imported

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from b2bcx.deck.content import SERIES_COLOURS, PillarChart, number

STYLE: dict[str, Any] = {
    "svg.hashsalt": "b2bcx",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#8c8c8c",
    "axes.labelcolor": "#333333",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
}
WIDTH = 4.6
"""Inches: narrow, so the text stays legible when a phone scales the chart down."""
INK = "#333333"
GRID = "#e0e0e0"
ACCENT = SERIES_COLOURS[0]
_ID = re.compile(r'(\bid="|url\(#|href="#)([^"\)]+)')


@contextmanager
def _style() -> Iterator[None]:
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        yield


def to_svg(figure: Figure, name: str, title: str, *, close: bool = True) -> str:
    """The figure as an ``<svg>`` element for inline use, labelled ``title``.

    The XML prologue goes, the fixed size becomes a ``viewBox`` the page scales,
    and every id gets the prefix ``name`` (unique per chart in a page).
    """
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    if close:
        plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = _ID.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", text)
    text = re.sub(
        r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
        r'<svg \1class="chart" role="img" preserveAspectRatio="xMidYMid meet"',
        text,
        count=1,
    )
    # A screen reader reads the title; it is escaped like all text of the page.
    return text.replace(">", f"><title>{escape(title)}</title>", 1)


class PillarFigure:
    """Horizontal grouped bars of the pillars (0–100), one colour per series.

    Horizontal bars keep long pillar labels readable at phone width, one row per
    pillar, so labels never overlap; each bar of the first series carries its
    value. The figure is laid out once per set of pillars and series names and
    only its bars and values change per account (drawing is the slow part).
    """

    def __init__(self, chart: PillarChart) -> None:
        self.key = self._key(chart)
        pillars, series = list(chart.categories), list(chart.series)
        height = 0.9 + max(len(pillars), 1) * (0.18 + 0.16 * len(series))
        with _style():
            figure, axes = plt.subplots(figsize=(WIDTH, height), layout="constrained")
            bar = 0.8 / max(len(series), 1)
            self.bars = []
            for k, one in enumerate(series):
                ys = [
                    i + (k - (len(series) - 1) / 2) * bar for i in range(len(pillars))
                ]
                colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
                self.bars.append(
                    axes.barh(
                        ys,
                        [0.0] * len(ys),
                        height=bar * 0.92,
                        color=colour,
                        label=one.name,
                    )
                )
                if k == 0:
                    self.values = [
                        axes.text(0, y, "", va="center", fontsize=9, color=INK)
                        for y in ys
                    ]
            axes.set_yticks(range(len(pillars)), pillars)
            axes.invert_yaxis()
            axes.set_xlim(0, 105)
            axes.set_xticks([0, 20, 40, 60, 80, 100])
            axes.xaxis.grid(True, color=GRID)
            axes.set_axisbelow(True)
            axes.tick_params(axis="y", length=0)
            figure.legend(
                loc="outside lower center",
                ncol=min(len(series), 3),
                frameon=False,
                fontsize=9,
                handlelength=1.2,
                columnspacing=1.0,
            )
            # lay out once (the legend below the axes, nothing clipped), then keep it
            figure.canvas.draw()
            figure.set_layout_engine("none")
        self.figure = figure

    @staticmethod
    def _key(chart: PillarChart) -> tuple[object, ...]:
        return (chart.categories, tuple(s.name for s in chart.series))

    def svg(self, chart: PillarChart, name: str, title: str) -> str:
        """This chart's values drawn on the laid-out figure, as inline SVG."""
        for bars, one in zip(self.bars, chart.series, strict=True):
            for patch, value in zip(bars.patches, one.values, strict=True):
                patch.set_width(number(value) or 0.0)
        for label, value in zip(self.values, chart.series[0].values, strict=True):
            x = number(value)
            label.set_x((x or 0.0) + 1.2)
            label.set_text("no answer" if x is None else f"{x:.0f}")
        with _style():
            return to_svg(self.figure, name, title, close=False)

    def close(self) -> None:
        plt.close(self.figure)


class PillarCharts:
    """Pillar charts for many accounts, one laid-out figure per chart shape."""

    def __init__(self) -> None:
        self.figures: dict[tuple[object, ...], PillarFigure] = {}

    def svg(self, chart: PillarChart, name: str, title: str = "Pillar scores") -> str:
        key = PillarFigure._key(chart)
        if key not in self.figures:
            self.figures[key] = PillarFigure(chart)
        return self.figures[key].svg(chart, name, title)

    def close(self) -> None:
        for figure in self.figures.values():
            figure.close()
        self.figures.clear()


def pillar_svg(chart: PillarChart, name: str, title: str = "Pillar scores") -> str:
    """One pillar chart (:class:`PillarFigure`) as inline SVG."""
    figure = PillarFigure(chart)
    try:
        return figure.svg(chart, name, title)
    finally:
        figure.close()


def interval_svg(
    labels: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    name: str,
    title: str,
    *,
    axis_label: str,
    limits: tuple[float, float] | None = None,
    value_format: str = "{:.1f}",
) -> str:
    """Horizontal bars with their 95% intervals as whiskers, each bar labelled with its value."""
    rows = max(len(labels), 1)
    height = 0.8 + rows * 0.42
    with _style():
        figure, axes = plt.subplots(figsize=(WIDTH, height))
        ys = list(range(len(labels)))
        shown = [number(v) or 0.0 for v in values]
        axes.barh(ys, shown, height=0.6, color=ACCENT)
        for y, v, lo, hi in zip(ys, values, lows, highs, strict=True):
            low, high = number(lo), number(hi)
            if low is not None and high is not None:
                axes.plot([low, high], [y, y], color=INK, linewidth=1.2)
                axes.plot([low, low], [y - 0.15, y + 0.15], color=INK, linewidth=1.2)
                axes.plot([high, high], [y - 0.15, y + 0.15], color=INK, linewidth=1.2)
            x = number(v)
            if x is not None:
                right = max(x, number(hi) or x)
                axes.annotate(
                    value_format.format(x),
                    (right, y),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                )
        axes.set_yticks(ys, list(labels))
        axes.invert_yaxis()
        top = max([number(h) or 0 for h in highs] + [number(v) or 0 for v in values])
        axes.set_xlim(*(limits or (0, top * 1.25 or 1)))
        axes.set_xlabel(axis_label)
        axes.xaxis.grid(True, color=GRID)
        axes.set_axisbelow(True)
        axes.tick_params(axis="y", length=0)
        figure.tight_layout()
        return to_svg(figure, name, title)
