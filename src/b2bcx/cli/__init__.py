"""The command line: parse arguments, call the API, render, map errors to exit codes.

One file per command; :mod:`b2bcx.cli.common` holds what they share.

Heavy libraries (pandas, scipy, openpyxl) are imported inside the commands, so
``b2bcx --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer

from b2bcx import __version__
from b2bcx.cli import (
    alerts,
    change,
    chase,
    deck,
    drivers,
    factors,
    init,
    report,
    scales,
    score,
    validate,
    value,
)
from b2bcx.cli.common import State
from b2bcx.errors import UsageError, mask_secrets

app = typer.Typer(
    name="b2bcx",
    help="Account-level analytics for B2B customer-experience surveys.\n\n"
    "Example: b2bcx score examples/acme_2026q3.csv -c examples/acme.yaml",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion
    rich_markup_mode=None,  # plain help: rich's help renderer doubles start-up time
    pretty_exceptions_enable=False,
)


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


COMMANDS = (
    (
        score.score,
        "score",
        "Account CX indices, pillars, NPS, coverage, intervals, risk flags.",
    ),
    (
        validate.validate,
        "validate",
        "Row accounting and every problem; exit 1 on errors.",
    ),
    (factors.factors, "factors", "Lemke-style screening of experience factors."),
    (
        drivers.drivers,
        "drivers",
        "Key drivers of loyalty and advocacy, overall and by role.",
    ),
    (
        value.value,
        "value",
        "What the index is worth: renewals, revenue at risk, the value of a point.",
    ),
    (
        chase.chase,
        "chase",
        "Whom to hear from next: accounts and silent contacts to chase.",
    ),
    (
        scales.scales,
        "scales",
        "Cronbach's alpha per pillar; statements to check for reverse coding.",
    ),
    (
        report.report,
        "report",
        "The Excel workbook (or one HTML page) for account managers; batch jobs.",
    ),
    (
        deck.deck,
        "deck",
        "Account-review decks (PowerPoint) with native, editable charts.",
    ),
    (change.change, "change", "Why the portfolio moved: accounts, weights, mix."),
    (change.trend, "trend", "Where accounts are heading over three or more waves."),
    (
        alerts.alerts,
        "alerts",
        "Accounts needing action, one row each, for a CRM import.",
    ),
    (init.init, "init", "Draft a program config from an export."),
)
for command, name, short_help in COMMANDS:
    app.command(name, no_args_is_help=True, short_help=short_help)(command)


GLOBAL_FLAGS = ("--quiet", "-q", "--debug")


def hoist_global_flags(args: list[str]) -> list[str]:
    """``b2bcx report ... --quiet`` works like ``b2bcx --quiet report ...``.

    The global flags are moved before the command; everything else keeps its order.
    """
    commands = {name for _, name, _ in COMMANDS}
    at = next((i for i, a in enumerate(args) if a in commands), None)
    if at is None:
        return args
    moved = [a for a in args[at + 1 :] if a in GLOBAL_FLAGS]
    kept = [a for a in args[at + 1 :] if a not in GLOBAL_FLAGS]
    return [*args[:at], *moved, args[at], *kept]


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""The variables that size the BLAS libraries' thread pools (numpy's and scipy's
OpenBLAS; MKL in other builds), read when numpy is first imported."""


def one_blas_thread() -> None:
    """BLAS on one thread unless the environment says otherwise.

    b2bcx's matrices are small or few (the key drivers' bootstrap is the largest:
    ~16 products of 64 x 125k by 125k x 108 at 1M rows), and BLAS threads that
    wait for a core spin: on a busy two-core machine the 1M report's key drivers
    took 23.6 s with OpenBLAS's two threads and 2.3 s with one
    (benchmarks/README.md). The pass already keeps a second core busy reading.
    """
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def main() -> None:
    """Console-script entry point."""
    one_blas_thread()  # before any command imports numpy
    try:
        sys.argv[1:] = hoist_global_flags(sys.argv[1:])
        app()
    except UsageError as error:  # raised outside a command
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    except MemoryError:
        if State.debug:
            raise
        from b2bcx.cli.common import out_of_memory

        out_of_memory()
        raise SystemExit(1) from None
    except Exception as error:  # a bug in b2bcx: say so plainly; --debug shows where
        if State.debug:  # the traceback, secrets in URLs masked as everywhere
            sys.stderr.write(mask_secrets(traceback.format_exc()))
            raise SystemExit(1) from None
        typer.echo(
            mask_secrets(
                f"internal error: {type(error).__name__}: {error}\n"
                "rerun with --debug for the traceback, and please report it"
            ),
            err=True,
        )
        raise SystemExit(1) from None
