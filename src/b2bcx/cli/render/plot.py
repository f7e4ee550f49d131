"""Importance–performance (quadrant) charts of key drivers.

matplotlib is an optional dependency (``pip install 'b2bcx[plot]'``); it is imported
only when a chart is drawn, and drawn with the Agg backend (no display needed).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from b2bcx.errors import UsageError

_CORNERS = (  # (x, y, ha, va, text) in axes coordinates
    (0.98, 0.02, "right", "bottom", "fix first"),
    (0.98, 0.98, "right", "top", "maintain"),
    (0.02, 0.02, "left", "bottom", "monitor"),
    (0.02, 0.98, "left", "top", "possible overkill"),
)


def plot_quadrants(
    tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]
) -> None:
    """Draw one importance–performance panel per table and write it to ``path``.

    Parameters
    ----------
    tables : panel title (a role, or e.g. ``"all respondents"``) → driver table with
        columns ``label`` (or ``driver``), ``importance_pct`` and ``performance``, as
        made by :func:`b2bcx.stats.drivers.key_drivers`. Rows without an importance (a
        role that could not be analysed) are left out; an empty panel says so.
    path : output file; the format follows the extension (``.png``, ``.svg``,
        ``.pdf``; default PNG). Written to a temporary file and moved into place.

    The x axis is the share of R² (%), the y axis mean performance (0..100); the
    dashed lines are the mean importance and mean performance of the panel's
    drivers, the same cut points as the ``quadrant`` column.
    """
    if not tables:
        raise UsageError("no driver table to plot")
    figure_class, canvas_class = _matplotlib()
    columns = min(len(tables), 3)
    rows = -(-len(tables) // columns)
    figure = figure_class(figsize=(5.5 * columns, 4.5 * rows), layout="constrained")
    canvas = canvas_class(figure)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (title, table) in zip(axes, tables.items(), strict=False):
        _draw_panel(ax, str(title), table)
    for ax in axes[len(tables) :]:
        ax.set_visible(False)
    _save_atomically(canvas, Path(path))


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise UsageError(
            "drawing charts needs matplotlib, which is not installed",
            hint="pip install 'b2bcx[plot]'",
        ) from error
    return Figure, FigureCanvasAgg


def _draw_panel(ax: Any, title: str, table: pd.DataFrame) -> None:
    points = table[np.isfinite(table["importance_pct"].to_numpy(dtype=float))]
    ax.set_title(title)
    ax.set_xlabel("importance (% of R²)")
    ax.set_ylabel("performance (mean score)")
    if points.empty:
        warning = table.get("warning", pd.Series(dtype=str)).dropna().head(1)
        note = "\n".join(textwrap.wrap(" ".join(map(str, warning)), 40))
        ax.text(0.5, 0.5, note or "no estimate", ha="center", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    x = points["importance_pct"].to_numpy(dtype=float)
    y = points["performance"].to_numpy(dtype=float)
    names = points["label"] if "label" in points.columns else points["driver"]
    ax.scatter(x, y, color="tab:blue", zorder=3)
    for xi, yi, name, lift in zip(x, y, names, label_lifts(x, y, names), strict=True):
        ax.annotate(
            str(name), (xi, yi), xytext=(4, 4 + lift), textcoords="offset points"
        )
    ax.axvline(x.mean(), color="grey", linestyle="--", linewidth=1)
    ax.axhline(y.mean(), color="grey", linestyle="--", linewidth=1)
    for cx, cy, ha, va, text in _CORNERS:
        ax.text(cx, cy, text, ha=ha, va=va, transform=ax.transAxes, color="grey")
    ax.margins(0.15)


LINE_POINTS = 12.0
"""A label's line height in points."""
CHAR_POINTS = 6.0
"""A label character's width in points (10 pt sans-serif, roughly)."""
PANEL_POINTS = (300.0, 240.0)
"""The plotting area of a panel in points (width, height), margins included."""


def label_lifts(x: np.ndarray, y: np.ndarray, names: Any = None) -> list[float]:
    """Vertical offsets (points) that keep the points' labels from overlapping.

    Each label is a box starting 4 points right of its point, one line high and
    as wide as its text; a label whose box meets one already placed moves down a
    line until it meets none (labels are placed from the highest point down).
    Data map to points through the panel's size and the
    15% margins around the data.
    """
    names = [""] * len(x) if names is None else [str(n) for n in names]
    span_x = (float(np.ptp(x)) or 1.0) * 1.3
    span_y = (float(np.ptp(y)) or 1.0) * 1.3
    to_x = PANEL_POINTS[0] / span_x
    to_y = PANEL_POINTS[1] / span_y
    placed: list[tuple[float, float, float, float]] = []
    lifts = [0.0] * len(x)
    # from the top down, so a label only ever moves down, away from the point above
    for i in sorted(range(len(x)), key=lambda k: (-float(y[k]), float(x[k]))):
        xi, yi, name = x[i], y[i], names[i]
        left = (xi - x.min()) * to_x + 4
        right = left + CHAR_POINTS * max(len(name), 1)
        base = (yi - y.min()) * to_y + 4
        lift = 0.0
        while any(
            left < pr
            and pl < right
            and base + lift < pt
            and pb < base + lift + LINE_POINTS
            for pl, pr, pb, pt in placed
        ):
            lift -= LINE_POINTS
        placed.append((left, right, base + lift, base + lift + LINE_POINTS))
        lifts[i] = lift
    return lifts


def _save_atomically(canvas: Any, path: Path) -> None:
    if not path.parent.is_dir():
        raise UsageError(
            f"folder {str(path.parent)!r} does not exist", hint="create it"
        )
    fmt = path.suffix.lstrip(".").lower() or "png"
    if fmt not in canvas.get_supported_filetypes():
        raise UsageError(
            f"cannot write a chart as {path.suffix!r}", hint="use .png, .svg or .pdf"
        )
    from b2bcx.io.writers import atomic_path

    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        canvas.print_figure(stream, format=fmt)
