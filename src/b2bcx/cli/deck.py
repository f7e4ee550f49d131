"""``b2bcx deck``: account-review decks (PowerPoint) with native, editable charts.

python-pptx (the ``deck`` extra) is imported inside the command, so ``b2bcx
--help`` stays fast and works without it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from b2bcx.cli.options import (
    AccountsOption,
    BaselineOption,
    ConfigOption,
    ExportsArgument,
    HistoryOption,
    RenewalsOption,
    SheetOption,
    StrictOption,
)
from b2bcx.errors import UsageError

if TYPE_CHECKING:
    from b2bcx.deck import DeckOptions
    from b2bcx.results import DeckInputs


class DeckBy(StrEnum):
    manager = "manager"


DeckOutput = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="The deck to write (.pptx), or a folder (one deck per manager with --by manager).",
        show_default=False,
        metavar="DIR|DECK.pptx",
    ),
]
ByOption = Annotated[
    DeckBy | None,
    typer.Option(
        "--by",
        help="One deck per account manager (the account column named like AccountManager, "
        "Manager or Owner; see --manager-column).",
        metavar="manager",
    ),
]
ManagerColumnOption = Annotated[
    str | None,
    typer.Option(
        "--manager-column",
        help="The account column that names the manager (implies --by manager).",
        metavar="COLUMN",
    ),
]
TemplateOption = Annotated[
    Path | None,
    typer.Option(
        "--template",
        help="A .pptx whose master slides and layouts the deck uses.",
        metavar="FILE.pptx",
    ),
]
AccountsOnlyOption = Annotated[
    str | None,
    typer.Option(
        "--accounts-only",
        help="Only these account ids, comma-separated (slides in this order).",
        metavar="ID,...",
    ),
]


def deck(
    exports: ExportsArgument,
    config: ConfigOption,
    output: DeckOutput,
    baseline: BaselineOption = None,
    accounts: AccountsOption = None,
    renewals: RenewalsOption = None,
    history: HistoryOption = None,
    sheet: SheetOption = None,
    by: ByOption = None,
    manager_column: ManagerColumnOption = None,
    template: TemplateOption = None,
    accounts_only: AccountsOnlyOption = None,
    strict: StrictOption = False,
) -> None:
    """Account-review decks: a title slide, the portfolio, then one slide per account.

    Each account slide shows the CX index with its interval, the change since the
    baseline and its significance, NPS, a native (editable) chart of the pillars
    against the portfolio and last quarter, who answered by role, the lifecycle
    priority pillar and up to three comments. Written to a temporary file and moved
    into place: a failed run leaves no partial deck (with --by manager, no deck is
    replaced unless all are written). Two runs on the same inputs on the same day
    give the same file; SOURCE_DATE_EPOCH, when set, is the time recorded. One
    summary line on stderr.

    Example: b2bcx deck examples/acme_2026q3.csv -c examples/acme.yaml --baseline examples/acme_2026q2.csv --accounts examples/crm_accounts.csv --by manager -o decks/
    """
    from b2bcx.cli.common import refuse_output_over_inputs, reported, watching

    with reported():
        require_pptx()
        from b2bcx.api.deck import deck_inputs
        from b2bcx.cli.report import load_sources
        from b2bcx.deck import DeckOptions, write_decks
        from b2bcx.deck.plan import manager_column as find_manager
        from b2bcx.deck.writer import check_output, check_template, slide_count

        check_output(output)
        if template is not None:
            check_template(template)
        given = [*exports, config, *(baseline or []), *(history or []), accounts]
        given += [template, renewals]
        refuse_output_over_inputs(output if output.suffix else None, given)
        sources = load_sources(
            exports,
            config,
            sheet,
            baseline,
            accounts,
            renewals=renewals,
            history=history,
        )
        with watching() as watch:
            inputs = deck_inputs(sources, run_time=deck_time(), watch=watch)
        if strict:
            fail_on_warnings(inputs)
        split = by is DeckBy.manager or manager_column is not None  # as --help says
        column = find_manager(inputs.score, manager_column) if split else None
        options = DeckOptions(column, template, parse_ids(accounts_only))
        with account_progress(slide_count(inputs, options)) as advance:
            paths = write_decks(inputs, output, options, on_account=advance)
        _summary_line(inputs, options, paths, output)


def deck_time() -> datetime:
    """The time a deck records: SOURCE_DATE_EPOCH when set, else the start of
    today, so that two runs on the same inputs give the same file (the title
    slide shows the date)."""
    from b2bcx.cli.common import source_date

    today = datetime.now().astimezone()
    return source_date() or today.replace(hour=0, minute=0, second=0, microsecond=0)


def fail_on_warnings(inputs: DeckInputs) -> None:
    """``--strict``: any data-quality warning fails the run before anything is written."""
    from b2bcx.errors import DataError

    warnings = inputs.problems
    if warnings:
        plural = "s" if len(warnings) != 1 else ""
        raise DataError(
            f"--strict: {len(warnings)} data-quality warning{plural}; no deck written",
            warnings,
            hint="fix the data, or run without --strict (`b2bcx validate` lists them)",
        )


def require_pptx() -> None:
    """A clear usage error when the ``deck`` extra is not installed."""
    try:
        import pptx  # noqa: F401
    except ImportError:
        raise UsageError(
            "b2bcx deck needs python-pptx, which is not installed",
            hint="pip install 'b2bcx[deck]'",
        ) from None


def parse_ids(text: str | None) -> tuple[str, ...] | None:
    """``--accounts-only A,B`` -> ("A", "B"); blank items are ignored."""
    if text is None:
        return None
    ids = tuple(dict.fromkeys(i.strip() for i in text.split(",") if i.strip()))
    if not ids:
        raise UsageError(
            "--accounts-only: no account id given",
            hint="e.g. --accounts-only ACC-0001,ACC-0002",
        )
    return ids


@contextlib.contextmanager
def account_progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar over the account slides on stderr (terminal only, not --quiet)."""
    from b2bcx.cli.common import State

    if State.quiet or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from b2bcx.cli.render.console import stderr_console

    columns = (TextColumn("account slides"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=stderr_console(), transient=True) as progress:
        task = progress.add_task("deck", total=total)
        yield lambda: progress.advance(task)


def _summary_line(
    inputs: DeckInputs, options: DeckOptions, paths: list[Path], output: Path
) -> None:
    """One unwrapped line on stderr for the scheduler's log (silenced by --quiet)."""
    from b2bcx.cli.common import note
    from b2bcx.cli.render.console import counted
    from b2bcx.deck.writer import slide_count

    where = paths[0] if len(paths) == 1 else output
    note(
        f"deck: {counted(slide_count(inputs, options), 'account')}, "
        f"{counted(inputs.score.respondent_count, 'respondent')}, "
        f"{counted(len(paths), 'deck')} -> {where}"
    )
