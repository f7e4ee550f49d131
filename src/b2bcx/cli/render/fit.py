"""Tables that fit the terminal: columns chosen by priority, numbers never cut.

Each column says how important it is. The table keeps the most important columns
that fit the console's width at their full width; a text column marked ``flexible``
(a name, a label) takes what is left and wraps or ends in ``…``, numbers, stars and
flag codes never do. ``wide`` keeps every column and widens the console to match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Cell = str | Text
Justify = Literal["left", "right", "center"]
FLEX_MIN = 16  # narrowest a flexible text column gets


@dataclass
class Column:
    """One column of a fitted table.

    ``priority`` 0 is always shown; higher numbers are dropped first when the
    table does not fit. ``flexible`` text may wrap (``overflow="fold"``) or be
    cut with ``…`` (``overflow="ellipsis"``).
    """

    header: str
    cells: Sequence[Cell]
    priority: int = 0
    justify: Justify = "right"
    flexible: bool = False
    overflow: Literal["fold", "ellipsis"] = "fold"
    footer: str = ""
    style: str = ""
    max_width: int | None = None
    flex_min: int = FLEX_MIN
    comfortable: int | None = None  # kept before columns of priority 2 and lower
    group: str = ""
    in_order: bool = False  # once one such column does not fit, none after it is shown

    @property
    def natural(self) -> int:
        """Width of the widest cell, the footer, and the header's longest word."""
        cells = [_width(c) for c in self.cells] + [cell_len(self.footer)]
        words = [cell_len(w) for w in self.header.split()] or [0]
        return max([*cells, *words, 1])

    @property
    def least(self) -> int:
        """The width this column needs at the least."""
        return self.needs(1)

    def needs(self, priority: int) -> int:
        """The width kept for this column while columns of ``priority`` are added."""
        if not self.flexible:
            return self.natural
        words = [cell_len(w) for w in self.header.split()]
        floor = self.flex_min
        if priority > 1 and self.comfortable is not None:
            floor = max(floor, self.comfortable)
        return min(self.natural, max(floor, *words))


def _width(cell: Cell) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in text.splitlines()), default=0)


def table_width(widths: list[int], compact: bool = False) -> int:
    """Total width of a table with rich's default box: padding 2 and a border per column.

    ``compact``: no vertical borders and no edge padding, two spaces between columns.
    """
    if compact:
        return sum(widths) + 2 * max(len(widths) - 1, 0)
    return sum(w + 3 for w in widths) + 1


COMPACT = {
    "box": box.SIMPLE_HEAD,
    "pad_edge": False,
    "show_edge": False,
    "collapse_padding": True,
}
"""A table without vertical borders: ten columns fit 80 characters."""


def choose(
    columns: list[Column], width: int, wide: bool = False, compact: bool = False
) -> list[Column]:
    """The columns to show, in their order: by priority while they fit ``width``."""
    if wide:
        return list(columns)
    kept = [c for c in columns if c.priority == 0]
    for priority in sorted({c.priority for c in columns if c.priority > 0}):
        for column in [c for c in columns if c.priority == priority]:
            if column in kept:
                continue
            together = [
                c
                for c in columns
                if c is column or (column.group and c.group == column.group)
            ]
            trial = [*kept, *together]
            if table_width([c.needs(priority) for c in trial], compact) <= width:
                kept = trial
            elif column.in_order:
                return [c for c in columns if c in kept]
    return [c for c in columns if c in kept]


def fitted_table(
    columns: list[Column],
    width: int,
    wide: bool = False,
    compact: bool = False,
    sections: Sequence[int] = (),
    **options: Any,
) -> tuple[Table, list[Column]]:
    """A rich table of the columns that fit, and the columns left out.

    ``compact`` draws no vertical borders (:data:`COMPACT`); ``sections`` are the
    rows after which a line is drawn (the end of a group of rows).
    """
    shown = choose(columns, width, wide, compact)
    gap = 2 if compact else 3
    fixed = sum(c.natural + gap for c in shown if not c.flexible) + (
        -2 if compact else 1
    )
    flexible = [c for c in shown if c.flexible]
    spare = max(width - fixed, 0) if not wide else 10**6
    share = spare // len(flexible) - gap if flexible else 0
    if compact:
        options = {**COMPACT, **options}
    table = Table(show_footer=any(c.footer for c in shown), **options)
    for column in shown:
        if column.flexible:
            limit = max(min(column.natural, share), column.least)
            if column.max_width is not None:
                limit = min(limit, column.max_width)
            table.add_column(
                column.header,
                justify=column.justify,
                footer=column.footer,
                overflow=column.overflow,
                no_wrap=column.overflow == "ellipsis",
                width=limit,
                style=column.style,
            )
        else:
            table.add_column(
                column.header,
                justify=column.justify,
                footer=column.footer,
                width=column.natural,  # cells never wrap; a header wraps at spaces
                style=column.style,
            )
    ends = set(sections)
    for i in range(max((len(c.cells) for c in shown), default=0)):
        table.add_row(
            *[c.cells[i] if i < len(c.cells) else "" for c in shown],
            end_section=i in ends,
        )
    hidden = [c for c in columns if c not in shown]
    return table, hidden


def print_fitted(
    console: Console,
    columns: list[Column],
    wide: bool = False,
    compact: bool = False,
    sections: Sequence[int] = (),
    **options: Any,
) -> list[Column]:
    """Print the table that fits ``console``; with ``wide``, widen the console instead."""
    if wide:
        needed = table_width([c.natural for c in columns], compact)
        console.width = max(console.width, needed)
    table, hidden = fitted_table(
        columns, console.width, wide, compact, sections, **options
    )
    console.print(table)
    return hidden


def hidden_note(hidden: list[Column]) -> str:
    """``more columns: a, b (--wide, or -o FILE for all)`` when some were left out."""
    if not hidden:
        return ""
    names = ", ".join(" ".join(c.header.split()) for c in hidden)
    return f"not shown: {names} (--wide, or -o FILE for every column)"
