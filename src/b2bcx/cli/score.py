"""``b2bcx score``: account indices, pillars, NPS, coverage, intervals, flags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from b2bcx.cli.common import (
    emit,
    local_exports,
    note_unreadable,
    refuse_output_over_inputs,
    reported,
    score_inputs,
)
from b2bcx.cli.options import (
    DEFAULT_ENGINE,
    AccountsOption,
    BadAnswers,
    BadAnswersOption,
    BaselineOption,
    By,
    ConfigOption,
    EngineOption,
    ExportTextsArgument,
    Format,
    FormatOption,
    OutputOption,
    SchedulerOption,
    SheetOption,
    WideOption,
)

if TYPE_CHECKING:
    from b2bcx.results import ScoreResult


def score(
    exports: ExportTextsArgument,
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
    bad_answers: BadAnswersOption = BadAnswers.error,
    wide: WideOption = False,
    engine: EngineOption = DEFAULT_ENGINE,
    scheduler: SchedulerOption = None,
) -> None:
    """Account CX indices, pillar scores, NPS, coverage, 95% intervals and risk flags.

    Example: b2bcx score examples/acme_2026q3.csv -c examples/acme.yaml --baseline examples/acme_2026q2.csv
    """
    with reported():
        from b2bcx import api

        paths = local_exports([e for e in exports if "://" not in e])
        refuse_output_over_inputs(output, [*paths, config, *(baseline or []), accounts])
        result = score_inputs(
            exports,  # type: ignore[arg-type]
            config,
            sheet,
            baseline,
            accounts,
            bad_answers.value,
            output,
            str(engine),
            scheduler,
        )
        note_unreadable(result.problems)
        if fmt is Format.bi:
            _write_bi(result, output, by)
            return
        if by is not None:
            table = api.breakdown(result, by.value)
            emit(
                table,
                output,
                fmt,
                f"By {by.value}",
                lambda c: _render_breakdown(c, table, by, result, wide),
            )
            return
        table = api.account_output(result)
        emit(
            table,
            output,
            fmt,
            "Accounts",
            lambda c: _render_score(c, result, table, wide),
        )


def _write_bi(result: ScoreResult, output: Any, by: Any) -> None:
    from b2bcx.cli.common import note
    from b2bcx.errors import UsageError
    from b2bcx.report.bi import write_bi_tables

    if output is None or by is not None:
        raise UsageError(
            "--format bi writes a folder of tables: give -o DIR/ and no --by",
            hint="b2bcx score EXPORT -c CONFIG --format bi -o bi/",
        )
    written = write_bi_tables(result, output)
    note(f"wrote {len(written)} files to {output}")


def _render_score(
    console: Any, result: ScoreResult, table: Any, wide: bool = False
) -> None:
    from b2bcx import api
    from b2bcx.cli.render.score import render_score

    render_score(
        console,
        result,
        table,
        api.rows_summary(result.rows),
        wide=wide,
        by_tier=api.risk_by_tier(result, table),
    )


def _render_breakdown(
    console: Any, table: Any, by: By, result: ScoreResult, wide: bool = False
) -> None:
    from b2bcx.cli.render.score import render_breakdown

    render_breakdown(console, table, by.value, result.config, wide)
