"""Rich rendering of result objects for the terminal (no computation here)."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from b2bcx.cli.render.fit import Column, fitted_table, hidden_note, print_fitted
from b2bcx.errors import B2bcxError, Problem
from b2bcx.stats.order import shown

FLAG_STYLES = {
    "insufficient_n": "dim",
    "single_contact": "yellow",
    "no_decision_maker": "yellow",
    "decision_maker_detractor": "bold red",
    "role_gap": "magenta",
    "low_coverage": "yellow",
}


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text a terminal shows rather than obeys: control characters (ESC, BEL, CR,
    C1 codes, bidirectional overrides) written as escapes such as ``\\x1b``."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(renderable: Any, markup: bool | None = None) -> Any:
    """A renderable whose data cannot style or steer the terminal.

    Text cells of tables become :class:`~rich.text.Text` (no markup is parsed
    from data) with control characters made visible; plain text printed without
    markup and :class:`~rich.text.Text` objects get the same treatment.
    """
    if isinstance(renderable, Table):
        _safe_table(renderable)
        return renderable
    if isinstance(renderable, Text):
        return _safe_text(renderable)
    if isinstance(renderable, str) and markup is False:
        return visible(renderable)
    return renderable


def _safe_cell(cell: Any) -> Any:
    if isinstance(cell, str):
        if "[" in cell or _CONTROL.search(cell):
            return Text(visible(cell))
        return cell
    return safe(cell)


def _safe_text(text: Text) -> Text:
    if not _CONTROL.search(text.plain):
        return text
    return Text(visible(text.plain), style=text.style)


def _safe_table(table: Table) -> None:
    table.title = _safe_cell(table.title) if table.title is not None else None
    for column in table.columns:
        column.header = _safe_cell(column.header)
        column.footer = _safe_cell(column.footer)
        column._cells = [_safe_cell(cell) for cell in column._cells]


class SafeConsole(Console):
    """A console that shows data as text: see :func:`safe`."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        markup = kwargs.get("markup")
        super().print(*(safe(item, markup) for item in objects), **kwargs)


def stdout_console() -> Console:
    """Results go to stdout; piped output gets a wide page instead of 80 columns."""
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 220
    return SafeConsole(highlight=False, soft_wrap=False, width=width)


def stderr_console() -> Console:
    """Messages go to stderr; logs and pipes get long lines rather than wrapped ones."""
    width = None if sys.stderr.isatty() or os.environ.get("COLUMNS") else 200
    return SafeConsole(stderr=True, highlight=False, width=width)


def number(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A number for display (:func:`~b2bcx.stats.order.shown`); blanks for missing,
    text as it is. Last-bit noise never tips the digit shown (62.49999999999999 and
    62.50000000000001 both print as 62.5, and as 63 with no decimals, as Excel shows
    them)."""
    if value is None:
        return ""
    try:
        float(value)
    except (TypeError, ValueError):
        return str(value)
    return shown(value, digits, signed)


def thousands(value: Any) -> str:
    """An amount or a count with thousands separators and no decimals (11,389,200;
    1,200); blank when missing."""
    if value is None or value != value:
        return ""
    return f"{value:,.0f}"


def p_value(value: Any) -> str:
    """A p or q value: three decimals, ``<0.001`` below that (as in the workbook)."""
    shown = number(value, 3)
    if shown and float(value) < 0.001:
        return "<0.001"
    return shown


def flags_text(flags: Iterable[str]) -> Text:
    """Flags, each in its colour."""
    text = Text()
    for i, flag in enumerate(flags):
        if i:
            text.append(" ")
        text.append(flag, style=FLAG_STYLES.get(flag, "red"))
    return text


def show_error(console: Console, error: B2bcxError, limit: int = 50) -> None:
    """The error headline in red, then its problems: one table on a terminal, one
    plain block each in a pipe or a log (:func:`print_problems`)."""
    console.print(Text(visible(f"error: {error.message}"), style="bold red"))
    if error.problems:
        if console.is_terminal:
            console.print(problem_table(error.problems, limit=limit))
        else:
            shown = list(error.problems)[:limit]
            console.print(
                problem_blocks(shown, console.width),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if len(error.problems) > limit:
            console.print(
                f"... and {len(error.problems) - limit} more problems (see `b2bcx validate --format json`)"
            )
    if error.hint:
        console.print(Text(visible(f"hint: {error.hint}"), style="cyan"))


def problem_table(
    problems: Sequence[Problem], limit: int | None = None, title: str | None = None
) -> Table:
    """Problems as a table: severity, code, file, row, column, value, problem, hint."""
    table = Table(title=title, show_lines=False, expand=False)
    shown = list(problems)[: limit or None]
    longest_file = max((len(p.file or "") for p in shown), default=4)
    headers = ("severity", "code", "file", "row", "column", "value", "problem", "hint")
    for header in headers:
        # a word, a code, a number and a file name are never cut; sentences wrap at spaces
        whole = header in ("severity", "code", "row", "file")
        table.add_column(
            header,
            overflow="ellipsis" if header == "file" else "fold",
            no_wrap=whole,
            justify="right" if header == "row" else "left",
            min_width={"row": 7, "file": min(max(longest_file, 4), 30)}.get(header),
        )
    for problem in shown:
        style = "red" if problem.severity == "error" else "yellow"
        table.add_row(
            Text(problem.severity, style=style),
            *(
                Text(visible(text))
                for text in (
                    problem.code,
                    problem.file or "",
                    "" if problem.row is None else str(problem.row),
                    problem.column or "",
                    "" if problem.value is None else _short(problem.value),
                    problem.problem,
                    problem.hint,
                )
            ),
        )
    return table


def print_problems(
    console: Console,
    problems: Sequence[Problem],
    title: str,
    limit: int | None = None,
) -> None:
    """Problems as a table on a terminal; as plain blocks in a pipe or a log."""
    if console.is_terminal:
        console.print(problem_table(problems, limit=limit, title=title))
        return
    shown = list(problems)[: limit or None]
    console.print(title, style="bold", markup=False, highlight=False)
    console.print(
        problem_blocks(shown, console.width),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if len(shown) < len(problems):
        console.print(f"… and {len(problems) - len(shown)} more", markup=False)


def problem_blocks(problems: Sequence[Problem], width: int = 100) -> str:
    """Problems as plain text, one block each, for logs and pipes (no table).

    ``error [invalid-answer]: FILE, row 12, column Q3, value '7'`` (severity, code,
    where) then the problem and the hint on
    their own lines, wrapped at spaces to ``width``; a blank line between blocks.
    """
    blocks = []
    for problem in problems:
        where = [problem.file or ""]
        if problem.row is not None:
            where.append(f"row {problem.row}")
        if problem.column:
            where.append(f"column {problem.column}")
        if problem.value is not None:
            where.append(f"value {visible(_short(problem.value))!r}")
        head = f"{problem.severity} [{problem.code}]: " + ", ".join(
            w for w in where if w
        )
        lines = [visible(head)]  # where: one line, a file name is never broken
        for label, text in (("problem", problem.problem), ("hint", problem.hint)):
            if text:
                lines += textwrap.wrap(
                    f"{label}: {visible(text)}",
                    width,
                    initial_indent="  ",
                    subsequent_indent="    ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def generic_columns(
    rows: Any,
    digits: int = 1,
    lead: int = 2,
    texts: Mapping[str, Callable[[Any], str]] | None = None,
) -> list[Column]:
    """Any DataFrame as fitted columns: the first ``lead`` always, the rest left to
    right; ``texts`` prints the numbers of the columns it names (an NPS with its
    sign), the others get ``digits`` decimals."""
    columns = []
    texts = texts or {}
    for i, column in enumerate(rows.columns):
        numeric = rows[column].dtype.kind in "fiu"
        as_text = texts.get(str(column))
        columns.append(
            Column(
                str(column),
                [
                    as_text(v) if as_text and numeric else _cell(v, digits)
                    for v in rows[column].tolist()
                ],
                0 if i < lead else i,
                "right" if numeric else "left",
                in_order=True,
            )
        )
    return columns


def generic_table(
    rows: Any, title: str | None = None, digits: int = 1, width: int = 10**6
) -> Table:
    """Any DataFrame as a table; floats with ``digits`` decimals."""
    table, _ = fitted_table(generic_columns(rows, digits), width, title=title)
    return table


def print_generic(
    console: Console,
    rows: Any,
    title: str | None = None,
    digits: int = 1,
    wide: bool = False,
    texts: Mapping[str, Callable[[Any], str]] | None = None,
) -> None:
    """Print a DataFrame as the table that fits, saying which columns were left out
    (``texts``: see :func:`generic_columns`)."""
    columns = generic_columns(rows, digits, texts=texts)
    hidden = print_fitted(console, columns, wide, title=title)
    note = hidden_note(hidden)
    if note:
        console.print(Text(note, style="dim"))


def _cell(value: Any, digits: int) -> str | Text:
    if isinstance(value, float):
        return number(value, digits)  # NaN shows as blank
    if isinstance(value, list):
        return flags_text(value)
    return "" if value is None else str(value)


def counted(count: int, noun: str, many: str | None = None) -> str:
    """A count and its noun, singular for one: ``counted(1, "account")`` is
    ``"1 account"``, ``counted(1200, "respondent")`` ``"1,200 respondents"``."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
