"""``b2bcx validate``: row accounting and every problem."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer

from b2bcx.cli.common import note_unreadable, parse_sheet, reported, working
from b2bcx.cli.options import (
    AccountsOption,
    BadAnswers,
    BadAnswersOption,
    ConfigOption,
    ExportsArgument,
    Format,
    FormatOption,
    SheetOption,
)

if TYPE_CHECKING:
    from b2bcx.errors import B2bcxError


def validate(
    exports: ExportsArgument,
    config: ConfigOption,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    accounts: AccountsOption = None,
    bad_answers: BadAnswersOption = BadAnswers.error,
) -> None:
    """Check the config and the data; print the row accounting and every problem.

    Exits 1 if any problem is an error (2 for a usage error).

    Example: b2bcx validate examples/acme_2026q3.csv -c examples/acme.yaml
    """
    with reported():
        if fmt not in (Format.table, Format.json):
            from b2bcx.errors import UsageError

            raise UsageError(  # it printed the table: a script asking CSV got none
                f"validate prints a table or JSON, not --format {fmt.value}",
                hint="use --format json to read the problems in a script",
            )
        from b2bcx import api
        from b2bcx.cli.render.console import stdout_console
        from b2bcx.cli.render.score import render_validation
        from b2bcx.errors import B2bcxError
        from b2bcx.io.writers import json_records, json_text

        with working("Checking…"):
            try:
                summary, problems = api.validate(
                    exports,
                    config,
                    accounts=accounts,
                    sheet=parse_sheet(sheet),
                    bad_answers=bad_answers.value,
                )
            except B2bcxError as error:
                if fmt is not Format.json:
                    raise
                refused(error)
        if fmt is Format.json:
            payload = {
                "rows": json_records(summary),
                "problems": [p.as_dict() for p in problems],
            }
            sys.stdout.write(json_text(payload))
        else:
            render_validation(stdout_console(), summary, problems)
        note_unreadable(problems)
        if any(p.severity == "error" for p in problems):
            raise typer.Exit(1)


def refused(error: B2bcxError) -> NoReturn:
    """A config that cannot be loaded, as JSON on stdout (``-f json``): no rows,
    every problem (the headline when there is no list), exit 1."""
    from b2bcx.errors import Problem
    from b2bcx.io.writers import json_text

    problems = list(error.problems) or [
        Problem(error.message, error.hint, code=error.code)
    ]
    payload = {
        "error": error.message,
        "rows": [],
        "problems": [p.as_dict() for p in problems],
    }
    sys.stdout.write(json_text(payload))
    raise typer.Exit(error.exit_code)
