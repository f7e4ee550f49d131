"""``b2bcx validate``: row accounting and every problem."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from b2bcx.cli.common import load_inputs, note_unreadable, reported, working
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
    pass


def validate(
    exports: ExportsArgument,
    config: ConfigOption,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    accounts: AccountsOption = None,
    bad_answers: BadAnswersOption = BadAnswers.error,
) -> None:
    """Check the config and the data; print the row accounting and every problem.

    Exits 1 if any problem is an error. Example: b2bcx validate export.csv -c program.yaml
    """
    with reported():
        from b2bcx import api
        from b2bcx.api.load import load_master
        from b2bcx.cli.render.console import stdout_console
        from b2bcx.cli.render.score import render_validation
        from b2bcx.io.writers import json_records, json_text

        with working("Checking…"):
            cfg, export = load_inputs(exports, config, sheet)
            summary, problems = api.validate(
                export, cfg, load_master(cfg, accounts, strict=False), bad_answers.value
            )
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
