"""The command line: parse arguments, call the API, render, map errors to exit codes.

Heavy libraries (pandas, scipy, openpyxl) are imported inside the commands, so
``b2bcx --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from b2bcx import __version__
from b2bcx.errors import B2bcxError, UsageError
from b2bcx.options import (
    AccountsOption,
    BaselineOption,
    BootstrapOption,
    By,
    ConfigOption,
    ExportsArgument,
    Format,
    FormatOption,
    Method,
    OutputOption,
    RoleOnly,
    SeedOption,
    SheetOption,
)

if TYPE_CHECKING:
    from b2bcx.api import ScoreResult
    from b2bcx.config import Config
    from b2bcx.io import Export

app = typer.Typer(
    name="b2bcx",
    help="Account-level analytics for B2B customer-experience surveys.\n\n"
    "Example: b2bcx score examples/acme_2026q3.csv -c examples/acme.yaml",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's help renderer doubles start-up time
    pretty_exceptions_enable=False,
)


class State:
    debug = False
    quiet = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"b2bcx {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress or summary lines on stderr."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Account-level analytics for B2B customer-experience surveys."""
    State.debug = debug
    State.quiet = quiet


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn b2bcx errors into a message and an exit code (traceback with --debug)."""
    try:
        yield
    except B2bcxError as error:
        if State.debug:
            raise
        from b2bcx.console import show_error, stderr_console

        show_error(stderr_console(), error)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def parse_sheet(sheet: str | None) -> str | int | None:
    """``--sheet 2`` is an index, ``--sheet Responses`` a name."""
    if sheet is None:
        return None
    return int(sheet) if sheet.strip().isdigit() else sheet


def load_inputs(
    exports: list[Path], config_path: Path, sheet: str | None
) -> tuple[Config, Export]:
    """Config first (cheap), then the exports."""
    from b2bcx.config import load_config
    from b2bcx.load import load_exports

    config = load_config(config_path)
    return config, load_exports(exports, sheet=parse_sheet(sheet))


def emit(
    table: Any, output: Path | None, fmt: Format, sheet: str, render: Any = None
) -> None:
    """Write ``table`` to ``-o FILE``, or print it as a table, CSV or JSON."""
    from b2bcx.console import stdout_console
    from b2bcx.output import csv_text, json_text, write_table

    if output is not None:
        write_table(table, output, sheet=sheet)
        note(f"wrote {output}")
    elif fmt is Format.csv:
        sys.stdout.write(csv_text(table))
    elif fmt is Format.json:
        sys.stdout.write(json_text(table))
    elif render is not None:
        render(stdout_console())


def note(message: str) -> None:
    """A progress or summary line on stderr (silenced by --quiet)."""
    if not State.quiet:
        from b2bcx.console import stderr_console

        stderr_console().print(message, markup=False, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while long work runs (only on a terminal, not with --quiet)."""
    if State.quiet or not sys.stderr.isatty():
        yield
        return
    from b2bcx.console import stderr_console

    with stderr_console().status(message):
        yield


def score_inputs(
    exports: list[Path],
    config_path: Path,
    sheet: str | None,
    baseline: list[Path] | None,
    accounts: Path | None,
) -> ScoreResult:
    """Read everything ``score`` and ``report`` need and score it."""
    from b2bcx import api
    from b2bcx.load import load_exports, load_master

    with working("Reading exports…"):
        config, export = load_inputs(exports, config_path, sheet)
        previous = (
            load_exports(baseline, sheet=parse_sheet(sheet)) if baseline else None
        )
        master = load_master(config, accounts)
    with working("Scoring accounts…"):
        return api.score(export, config, baseline=previous, master=master)


@app.command(
    no_args_is_help=True,
    short_help="Account CX indices, pillars, NPS, coverage, intervals, risk flags.",
)
def score(
    exports: ExportsArgument,
    config: ConfigOption,
    baseline: BaselineOption = None,
    by: Annotated[
        By | None,
        typer.Option(
            "--by", help="Show the breakdown by role, segment or lifecycle phase."
        ),
    ] = None,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Account CX indices, pillar scores, NPS, coverage, 95% intervals and risk flags.

    Example: b2bcx score examples/acme_2026q3.csv -c examples/acme.yaml --baseline examples/acme_2026q2.csv
    """
    with reported():
        from b2bcx import api

        result = score_inputs(exports, config, sheet, baseline, accounts)
        if by is not None:
            table = api.breakdown(result, by.value)
            emit(
                table,
                output,
                fmt,
                f"By {by.value}",
                lambda c: _render_breakdown(c, table, by, result),
            )
            return
        table = api.account_output(result)
        emit(table, output, fmt, "Accounts", lambda c: _render_score(c, result, table))


def _render_score(console: Any, result: ScoreResult, table: Any) -> None:
    from b2bcx import api
    from b2bcx.console_score import render_score

    render_score(console, result, table, api.rows_summary(result.rows))


def _render_breakdown(console: Any, table: Any, by: By, result: ScoreResult) -> None:
    from b2bcx.console_score import render_breakdown

    render_breakdown(console, table, by.value, result.config)


@app.command(
    no_args_is_help=True,
    short_help="Row accounting and every problem; exit 1 on errors.",
)
def validate(
    exports: ExportsArgument,
    config: ConfigOption,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Check the config and the data; print the row accounting and every problem.

    Exits 1 if any problem is an error. Example: b2bcx validate export.csv -c program.yaml
    """
    with reported():
        from b2bcx import api
        from b2bcx.console import stdout_console
        from b2bcx.console_score import render_validation
        from b2bcx.load import load_master
        from b2bcx.output import json_records, json_text

        with working("Checking…"):
            cfg, export = load_inputs(exports, config, sheet)
            summary, problems = api.validate(export, cfg, load_master(cfg, accounts))
        if fmt is Format.json:
            payload = {
                "rows": json_records(summary),
                "problems": [p.as_dict() for p in problems],
            }
            sys.stdout.write(json_text(payload))
        else:
            render_validation(stdout_console(), summary, problems)
        if any(p.severity == "error" for p in problems):
            raise typer.Exit(1)


@app.command(
    no_args_is_help=True,
    short_help="Lemke-style screening of experience factors.",
)
def factors(
    exports: ExportsArgument,
    config: ConfigOption,
    by: Annotated[
        RoleOnly | None, typer.Option("--by", help="Screen within each role too.")
    ] = None,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
) -> None:
    """Lemke-style screening: factors mentioned by >=25% that discriminate good, average and poor experiences.

    Example: b2bcx factors examples/lemke_interviews.csv -c examples/lemke_interviews.yaml
    """
    with reported():
        from b2bcx.analyses import factors as screen_factors

        with working("Screening factors…"):
            cfg, export = load_inputs(exports, config, sheet)
            result = screen_factors(export, cfg, by_role=by is not None)
        emit(
            result.table,
            output,
            fmt,
            "Factors",
            lambda c: _render("render_factors", c, result),
        )


@app.command(
    no_args_is_help=True,
    short_help="Key drivers of loyalty and advocacy, overall and by role.",
)
def drivers(
    exports: ExportsArgument,
    config: ConfigOption,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="Configured outcome: nps, loyalty or another name under `outcomes:`.",
        ),
    ] = "nps",
    method: Annotated[
        Method,
        typer.Option(
            "--method", help="rwa: Johnson's relative weights; shapley: exact LMG."
        ),
    ] = Method.rwa,
    by: Annotated[
        RoleOnly | None,
        typer.Option(
            "--by", help="Drivers per role, held against published role priorities."
        ),
    ] = None,
    bootstrap: BootstrapOption = 1000,
    seed: SeedOption = 2011,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Draw the importance-performance chart to FILE.png."
        ),
    ] = None,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
) -> None:
    """Which pillars drive loyalty and advocacy: relative importance, intervals and quadrants.

    Example: b2bcx drivers examples/acme_2026q3.csv -c examples/acme.yaml --by role
    """
    with reported():
        from b2bcx.analyses import drivers as key_drivers

        with working(f"Fitting key drivers ({bootstrap} bootstrap resamples)…"):
            cfg, export = load_inputs(exports, config, sheet)
            result = key_drivers(
                export,
                cfg,
                outcome=outcome,
                method=method.value,
                by_role=by is not None,
                bootstrap=bootstrap,
                seed=seed,
            )
        if plot is not None:
            _plot(result, plot)
        emit(
            result.table,
            output,
            fmt,
            "Drivers",
            lambda c: _render("render_drivers", c, result),
        )


def _plot(result: Any, path: Path) -> None:
    from b2bcx.plot import plot_quadrants

    table = result.table
    panels = (
        {str(role): part for role, part in table.groupby("role", sort=False)}
        if result.by_role
        else {"all respondents": table}
    )
    plot_quadrants(panels, path)
    note(f"wrote {path}")


def _render(name: str, console: Any, result: Any) -> None:
    from b2bcx import console_analyses

    getattr(console_analyses, name)(console, result)


def _register_commands() -> None:
    """Commands that live in their own modules (they import cli lazily)."""
    from b2bcx.commands_init import init_command
    from b2bcx.commands_report import report_command

    app.command(
        "report",
        no_args_is_help=True,
        short_help="The full Excel workbook for account managers (batch jobs).",
    )(report_command)
    app.command(
        "init",
        no_args_is_help=True,
        short_help="Draft a program config from an export.",
    )(init_command)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except UsageError as error:  # raised outside a command
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    except Exception as error:  # a bug in b2bcx: say so plainly; --debug shows where
        if State.debug:
            raise
        typer.echo(
            f"internal error: {type(error).__name__}: {error}\n"
            "rerun with --debug for the traceback, and please report it",
            err=True,
        )
        raise SystemExit(1) from None
