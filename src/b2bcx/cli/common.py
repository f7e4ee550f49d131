"""What every command shares: global options, error reporting, progress lines,
reading the inputs and writing a table."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from b2bcx.cli.options import Format
from b2bcx.errors import B2bcxError, UsageError, mask_secrets

if TYPE_CHECKING:
    from datetime import datetime

    from b2bcx.config.models import Config
    from b2bcx.io import Export
    from b2bcx.results import ScoreResult


class State:
    debug = False
    quiet = False


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn b2bcx errors into a message and an exit code (traceback with --debug)."""
    try:
        yield
    except B2bcxError as error:
        if State.debug:
            raise
        from b2bcx.cli.render.console import show_error, stderr_console

        show_error(stderr_console(), error)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except MemoryError:
        if State.debug:
            raise
        out_of_memory()
        raise typer.Exit(1) from None


def out_of_memory() -> None:
    """The one-line message for a run that ran out of memory."""
    sys.stderr.write(
        "error: out of memory: the inputs are too large for this machine's memory "
        "(hint: split the export into several files, or run on a larger machine)\n"
    )


def refuse_output_over_inputs(
    output: Path | None, inputs: list[Path | None], option: str = "-o"
) -> None:
    """Stop before any work when ``-o FILE`` names one of the inputs or is read-only.

    An input is the same file when the resolved paths are equal or the files are
    the same on disk (hard links, another spelling of the path).

    Raises
    ------
    UsageError
        ``output`` is one of ``inputs`` (exit 2); nothing is read or written.
    OutputError
        ``output`` or its folder is read-only (exit 1).
    """
    from b2bcx.io.writers import check_writable, refuse_replacing_inputs

    if output is None:
        return
    check_writable(output)
    refuse_replacing_inputs(output, inputs, option)


def source_date() -> datetime | None:
    """SOURCE_DATE_EPOCH as a time (UTC), or None when it is not set.

    Raises
    ------
    UsageError
        It is not a whole number of seconds since 1970 within Python's range of
        dates (years 1 to 9999).
    """
    import os
    from datetime import UTC, datetime

    from b2bcx.errors import UsageError

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a time in seconds since 1970",
            hint="set it to an integer such as 1767225600, or unset it",
        ) from None


def configured_accounts(config: Config, accounts: Path | None) -> Path | None:
    """The account list: ``--accounts FILE``, else ``accounts.file`` of the config."""
    if accounts is not None:
        return accounts
    spec = config.accounts
    if spec is None or spec.file is None:
        return None
    return config.resolve_path(spec.file)


def parse_sheet(sheet: str | None) -> str | int | None:
    """``--sheet 2`` is an index, ``--sheet Responses`` a name."""
    if sheet is None:
        return None
    return int(sheet) if sheet.strip().isdigit() else sheet


def load_inputs(
    exports: list[Path],
    config_path: Path,
    sheet: str | None,
    output: Path | None = None,
    accounts: Path | None = None,
) -> tuple[Config, Export]:
    """Config first (cheap), then the exports.

    With ``output``, the account list the config names is checked against it
    before the exports are read (see :func:`refuse_output_over_inputs`).
    """
    from b2bcx.api.load import load_exports
    from b2bcx.config.models import load_config

    config = load_config(config_path)
    refuse_output_over_inputs(output, [configured_accounts(config, accounts)])
    return config, load_exports(exports, sheet=parse_sheet(sheet))


def emit(
    table: Any, output: Path | None, fmt: Format, sheet: str, render: Any = None
) -> None:
    """Write ``table`` to ``-o FILE``, or print it as a table, CSV or JSON."""
    from b2bcx.cli.render.console import stdout_console
    from b2bcx.io.writers import csv_pieces, json_pieces, write_table

    if fmt is Format.bi:
        raise UsageError(
            "--format bi is for `b2bcx score` (the account tables for a BI tool)",
            hint="use --format table, csv or json here",
        )
    if output is not None:
        stream_format = ".json" if fmt is Format.json else ".csv"
        write_table(table, output, sheet=sheet, stream_format=stream_format)
        note(f"wrote {output}")
    elif fmt is Format.csv:
        sys.stdout.writelines(csv_pieces(table))
    elif fmt is Format.json:
        sys.stdout.writelines(json_pieces(table))
    elif render is not None:
        render(stdout_console())


def emit_document(
    payload: dict[str, Any],
    table: Any,
    output: Path | None,
    fmt: Format,
    render: Callable[[Any], None],
    *,
    sheet: str = "Accounts",
    workbook: Callable[[Path], None] | None = None,
) -> None:
    """Write or show a result made of several tables (value, chase, scales, change,
    trend): ``-o FILE.json`` and ``--format json`` the whole ``payload``; ``-o
    FILE.xlsx`` the command's own sheet when it has one (``workbook`` writes it),
    else, like ``-o FILE.csv``/``.parquet`` and ``--format csv``, the main ``table``;
    else the terminal view."""
    from b2bcx.cli.render.console import stdout_console
    from b2bcx.io.writers import csv_pieces, json_pieces, write_json, write_table

    if output is not None:
        suffix = output.suffix.lower()
        if suffix == ".json":
            write_json(payload, output)
        elif suffix == ".xlsx" and workbook is not None:
            workbook(output)
        else:
            write_table(table, output, sheet=sheet)
        note(f"wrote {output}")
    elif fmt is Format.json:
        sys.stdout.writelines(json_pieces(payload))
    elif fmt is Format.csv:
        sys.stdout.writelines(csv_pieces(table))
    else:
        render(stdout_console())


def note(message: str) -> None:
    """A progress or summary line on stderr (silenced by --quiet), secrets in URLs
    masked."""
    if not State.quiet:
        from b2bcx.cli.render.console import stderr_console

        stderr_console().print(
            mask_secrets(message), markup=False, highlight=False, soft_wrap=True
        )


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while long work runs (only on a terminal, not with --quiet)."""
    if State.quiet or not sys.stderr.isatty():
        yield
        return
    from b2bcx.cli.render.console import stderr_console

    with stderr_console().status(message):
        yield


def local_exports(exports: list[str]) -> list[Path]:
    """Export arguments as local files: a quoted glob expanded (in name order).

    Raises
    ------
    UsageError
        A URL: only ``--engine dask`` reads those.
    """
    from b2bcx.api.commands import export_paths

    return export_paths(exports)


@contextlib.contextmanager
def watching() -> Iterator[Any]:
    """What a library call tells while it runs, shown on stderr: its stage and,
    while the pass reads, a bar over the bytes read (only on a terminal, not with
    --quiet); notices always (unless --quiet). Yields a
    :class:`b2bcx.api.commands.Watch`."""
    from b2bcx.api.commands import Watch

    if State.quiet or not sys.stderr.isatty():
        yield Watch(notice=note)
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from b2bcx.cli.render.console import stderr_console

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task("Working…", total=None)

        def step(message: str) -> None:
            bar.update(task, description=message[:1].upper() + message[1:] + "…")

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield Watch(notice=bar.console.print, progress=progress, step=step)


def score_inputs(
    exports: list[Path],
    config_path: Path,
    sheet: str | None,
    baseline: list[Path] | None,
    accounts: Path | None,
    bad_answers: str = "error",
    output: Path | None = None,
    engine: str = "auto",
    scheduler: str | None = None,
) -> ScoreResult:
    """``b2bcx.api.score`` on what the command line names, with its progress shown:
    the config loaded first (cheap), the account list checked against ``-o``."""
    from b2bcx import api
    from b2bcx.config.models import load_config

    config = load_config(config_path)
    refuse_output_over_inputs(output, [configured_accounts(config, accounts)])
    with watching() as watch:
        return api.score(  # type: ignore[no-any-return]
            exports,
            config,
            baseline=baseline,
            accounts=accounts,
            engine=engine,
            scheduler=scheduler,
            sheet=parse_sheet(sheet),
            bad_answers=bad_answers,
            watch=watch,
        )


def note_unreadable(problems: list[Any]) -> None:
    """The stderr count of answers ``--bad-answers missing`` read as missing."""
    from b2bcx.scoring.respondents import unreadable_count

    count = unreadable_count(problems)
    if count:
        note(
            f"--bad-answers missing: {count:,} unreadable answer"
            f"{'s' if count != 1 else ''} read as missing (each is listed by "
            "`b2bcx validate` and on the report's Data quality sheet)"
        )
