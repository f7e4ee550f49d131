"""``b2bcx alerts``: one row per account needing action, for a CRM import."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from b2bcx.cli.options import (
    AccountsOption,
    AlertsOutputOption,
    BadAnswers,
    BadAnswersOption,
    BaselineOption,
    ConfigOption,
    ExportsArgument,
    Format,
    FormatOption,
    SheetOption,
)


def alerts(
    exports: ExportsArgument,
    config: ConfigOption,
    baseline: BaselineOption = None,
    accounts: AccountsOption = None,
    output: AlertsOutputOption = None,
    fmt: FormatOption = Format.csv,
    sheet: SheetOption = None,
    bad_answers: BadAnswersOption = BadAnswers.error,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the alerts are raised (YYYY-MM-DD); due dates count from it. "
            "Default: SOURCE_DATE_EPOCH's day when set, else today.",
            metavar="DATE",
        ),
    ] = None,
) -> None:
    """One row per account at risk or blind spot: owner, account, name, kind, reasons, severity, revenue, due date.

    The columns a CRM import takes (docs/config.md#alerts); -o alerts.csv or
    alerts.json (or --format json on stdout). Reasons use the workbook's words;
    text never starts with = + - @.

    Example: b2bcx alerts examples/acme_2026q3.csv -c examples/acme.yaml --baseline examples/acme_2026q2.csv --accounts examples/crm_accounts.csv -o alerts.csv
    """
    from b2bcx.cli.common import emit, refuse_output_over_inputs, reported, score_inputs

    with reported():
        from b2bcx.scoring.alerts import alerts as alert_table

        day = alert_day(as_of)
        if output is not None and output.suffix.lower() not in (".csv", ".json"):
            from b2bcx.errors import UsageError

            raise UsageError(
                f"cannot write alerts to {output.name}: it must end in .csv or .json",
                hint="pass -o alerts.csv or -o alerts.json",
            )
        refuse_output_over_inputs(
            output, [*exports, config, *(baseline or []), accounts]
        )
        result = score_inputs(
            exports, config, sheet, baseline, accounts, bad_answers.value, output
        )
        table = alert_table(result, day)
        emit(table, output, Format.csv if fmt is Format.table else fmt, "Alerts")


def alert_day(text: str | None) -> date:
    """``--as-of`` as a date; else SOURCE_DATE_EPOCH's day; else today."""
    from b2bcx.cli.report import recorded_time
    from b2bcx.errors import UsageError

    if text is None:
        when = recorded_time(False)
        return when.date() if when is not None else date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--as-of {text!r} is not a date", hint="write it as YYYY-MM-DD"
        ) from None
