"""``b2bcx report``: the full Excel workbook, for scheduled batch jobs.

Registered in :mod:`b2bcx.cli` with
``app.command("report", no_args_is_help=True)(report_command)``. The cli helpers
are imported inside the command, so this module can be imported from cli.py
without an import cycle.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
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
    NoRespondentsOption,
    RenewalsOption,
    ReportOption,
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
    no_respondents: NoRespondentsOption = False,
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
    from b2bcx.cli.common import refuse_output_over_inputs, reported

    with reported():
        from b2bcx.api.workbook import report_inputs
        from b2bcx.report.workbook import check_report_path, write_report
        from b2bcx.results import AnalysisOptions

        check_report_path(output)
        refuse_output_over_inputs(
            output,
            [*exports, config, *(baseline or []), *(history or []), accounts, renewals],
        )
        with progress_steps() as step:
            step("reading the exports")
            sources = load_sources(
                exports, config, sheet, baseline, accounts, output, renewals, history
            )
            inputs = report_inputs(
                sources,
                options=AnalysisOptions(bootstrap=bootstrap, seed=seed),
                run_time=recorded_time(run_time),
                include_respondents=not no_respondents,
                on_step=step,
                bad_answers=bad_answers.value,  # type: ignore[arg-type]
            )
            if strict:
                fail_on_warnings(inputs)
            if output.suffix.lower() == ".xlsx":
                step("writing the workbook")
                write_report(inputs, output)
            else:
                from b2bcx.html import write_html_report

                step("writing the HTML report")
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
    """Read the config, the exports, the baseline, the account list and the
    decisions (``--renewals``, else ``value.file``) once."""
    from b2bcx.api.load import load_decisions, load_exports, load_master
    from b2bcx.api.workbook import file_sha256, input_files
    from b2bcx.cli.common import load_inputs, parse_sheet
    from b2bcx.results import InputFile, Sources

    cfg, export = load_inputs(exports, config_path, sheet, output, accounts)
    previous = load_exports(baseline, sheet=parse_sheet(sheet)) if baseline else None
    master = load_master(cfg, accounts)
    files = [
        *input_files("export", exports, export.frame),
        *input_files("baseline", baseline or [], previous.frame if previous else None),
        *input_files("config", [config_path]),
    ]
    if master is not None:
        digest = file_sha256(master.source)
        files.append(InputFile(master.source, "accounts", len(master.table), digest))
    decisions = None
    if renewals is not None or cfg.value.file is not None:
        decisions = load_decisions(cfg, renewals)
        digest = file_sha256(decisions.source)
        rows = len(decisions.table)
        files.append(InputFile(decisions.source, "renewals", rows, digest))
    earlier = tuple(load_exports([p], sheet=parse_sheet(sheet)) for p in history or [])
    for path, wave in zip(history or [], earlier, strict=True):
        files += input_files("history", [path], wave.frame)
    return Sources(export, cfg, previous, master, tuple(files), decisions, earlier)


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


@contextlib.contextmanager
def progress_steps() -> Iterator[Callable[[str], None]]:
    """A spinner with the current step on stderr, only on a terminal and without --quiet."""
    from b2bcx.cli.common import State

    if State.quiet or not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from b2bcx.cli.render.console import stderr_console

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr_console(), transient=True) as progress:
        task = progress.add_task("report", total=None)
        yield lambda text: progress.update(task, description=text)


def _summary_line(inputs: ReportInputs, output: Path) -> None:
    """One unwrapped line on stderr for the scheduler's log (silenced by --quiet)."""
    from b2bcx.cli.common import State
    from b2bcx.cli.render.console import stderr_console
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
    line = (
        f"report: {len(result.accounts):,} accounts, {result.respondent_count:,} "
        f"respondents, {excluded_rows(result):,} excluded rows, {read_as_missing}"
        f"{risky:,} accounts at risk, {blind:,} blind spots -> {output}"
    )
    stderr_console().print(line, soft_wrap=True, markup=False, highlight=False)
