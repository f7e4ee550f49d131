"""``b2bcx report``: the full Excel workbook, for scheduled batch jobs.

Registered in :mod:`b2bcx.cli` with
``app.command("report", no_args_is_help=True)(report_command)``. The cli helpers
are imported inside the command, so this module can be imported from cli.py
without an import cycle.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from b2bcx.cli.options import (
    AccountsOption,
    BadAnswers,
    BadAnswersOption,
    BaselineOption,
    BootstrapOption,
    ConfigOption,
    ExportsArgument,
    HistoryOption,
    RenewalsOption,
    ReportOption,
    RespondentsOption,
    SeedOption,
    SheetOption,
    StrictOption,
)
from b2bcx.errors import DataError

if TYPE_CHECKING:
    from b2bcx.results import ReportInputs, Sources


def report(
    exports: ExportsArgument,
    config: ConfigOption,
    output: ReportOption,
    baseline: BaselineOption = None,
    accounts: AccountsOption = None,
    renewals: RenewalsOption = None,
    history: HistoryOption = None,
    sheet: SheetOption = None,
    respondents: RespondentsOption = False,
    strict: StrictOption = False,
    bootstrap: BootstrapOption = 1000,
    seed: SeedOption = 2011,
    bad_answers: BadAnswersOption = BadAnswers.error,
    run_time: Annotated[
        bool,
        typer.Option(
            "--run-time",
            help="Record when the report was made (Method sheet, document "
            "properties); without it two runs on the same inputs give the same "
            "file. SOURCE_DATE_EPOCH, when set, is the time recorded.",
        ),
    ] = False,
) -> None:
    """The full Excel workbook (-o REPORT.xlsx) or one self-contained page for any browser (-o REPORT.html): summary, accounts, roles, segments, lifecycle, factors, drivers, data quality and method.

    Written to a temporary file and moved into place: a failed run never leaves a
    partial file nor destroys last quarter's report. One summary line on stderr.

    The HTML report (the plot extra draws its charts) loads nothing from the
    network: open it offline, mail it, print it.

    Example: b2bcx report examples/acme_2026q3.csv -c examples/acme.yaml --baseline examples/acme_2026q2.csv -o acme_report.xlsx
    """
    from b2bcx.cli.common import refuse_output_over_inputs, reported, watching

    with reported():
        from b2bcx.api.workbook import report_inputs
        from b2bcx.report.workbook import check_report_path, write_report
        from b2bcx.results import AnalysisOptions

        check_report_path(output)
        refuse_output_over_inputs(
            output,
            [*exports, config, *(baseline or []), *(history or []), accounts, renewals],
        )
        sources = load_sources(
            exports, config, sheet, baseline, accounts, output, renewals, history
        )
        with watching() as watch:
            inputs = report_inputs(
                sources,
                options=AnalysisOptions(bootstrap=bootstrap, seed=seed),
                run_time=recorded_time(run_time),
                include_respondents=respondents,
                bad_answers=bad_answers.value,  # type: ignore[arg-type]
                watch=watch,
            )
            if strict:
                fail_on_warnings(inputs)
            if output.suffix.lower() == ".xlsx":
                watch.stage("writing the workbook")
                write_report(inputs, output)
            else:
                from b2bcx.html import write_html_report

                watch.stage("writing the HTML report")
                write_html_report(inputs, output)
        _summary_line(inputs, output)


def load_sources(
    exports: list[Path],
    config_path: Path,
    sheet: str | None,
    baseline: list[Path] | None,
    accounts: Path | None,
    output: Path | None = None,
    renewals: Path | None = None,
    history: list[Path] | None = None,
) -> Sources:
    """The config, the account list (checked against ``-o``) and the decisions
    read once; the exports named for the library to stream or read."""
    from dataclasses import replace

    from b2bcx.api.workbook import load_sources as named_sources
    from b2bcx.cli.common import (
        configured_accounts,
        parse_sheet,
        refuse_output_over_inputs,
    )
    from b2bcx.config.models import load_config

    cfg = load_config(config_path)
    refuse_output_over_inputs(output, [configured_accounts(cfg, accounts)])
    found = named_sources(
        exports,
        cfg,
        baseline=baseline,
        accounts=accounts,
        renewals=renewals,
        history=history,
        sheet=parse_sheet(sheet),
    )
    return replace(found, config_path=config_path)


def recorded_time(wanted: bool) -> datetime | None:
    """The run time the report records: SOURCE_DATE_EPOCH when set (reproducible
    builds), now with ``--run-time``, else none (the file depends on its inputs
    only)."""
    from b2bcx.cli.common import source_date

    epoch = source_date()
    if epoch is not None:
        return epoch
    return datetime.now().astimezone() if wanted else None


def fail_on_warnings(inputs: ReportInputs) -> None:
    """``--strict``: any data-quality warning fails the run before anything is written."""
    warnings = inputs.problems
    if warnings:
        count = (
            f"{len(warnings)} data-quality warning{'s' if len(warnings) != 1 else ''}"
        )
        raise DataError(
            f"--strict: {count}; no report written",
            warnings,
            hint="fix the data, or run without --strict to report them on the Data quality sheet",
        )


def _summary_line(inputs: ReportInputs, output: Path) -> None:
    """One unwrapped line on stderr for the scheduler's log (silenced by --quiet)."""
    from b2bcx.cli.common import State
    from b2bcx.cli.render.console import counted, stderr_console
    from b2bcx.report.summary import excluded_rows, risk_counts
    from b2bcx.scoring.respondents import unreadable_count

    if State.quiet:
        return
    result = inputs.score
    unreadable = unreadable_count(list(result.problems))
    read_as_missing = (
        f"{unreadable:,} unreadable answers read as missing, " if unreadable else ""
    )
    risky, blind = risk_counts(result)
    excluded = excluded_rows(result)
    line = (
        f"report: {counted(len(result.accounts), 'account')}, "
        f"{counted(result.respondent_count, 'respondent')}, "
        f"{counted(excluded, 'excluded row')}, {read_as_missing}"
        f"{counted(risky, 'account')} at risk, {counted(blind, 'blind spot')} "
        f"-> {output}"
    )
    stderr_console().print(line, soft_wrap=True, markup=False, highlight=False)
