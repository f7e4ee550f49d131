"""``b2bcx value``: the index against renewals, revenue at risk, the value of a point."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from b2bcx.cli.common import (
    configured_accounts,
    emit_document,
    note,
    parse_sheet,
    refuse_output_over_inputs,
    reported,
    working,
)
from b2bcx.cli.options import (
    AccountsOption,
    ConfigOption,
    DocumentOutputOption,
    ExportsArgument,
    Format,
    FormatOption,
    RenewalsOption,
    SheetOption,
    WideOption,
)

if TYPE_CHECKING:
    from b2bcx.results import ValueResult

CurrentOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--current",
        help="This wave's export(s): apply the fitted model to its accounts "
        "(repeat for several).",
        metavar="EXPORT",
    ),
]


def value(
    exports: ExportsArgument,
    config: ConfigOption,
    renewals: RenewalsOption = None,
    accounts: AccountsOption = None,
    current: CurrentOption = None,
    output: DocumentOutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    wide: WideOption = False,
) -> None:
    """What the index is worth: renewals against the index, revenue at risk, the value of a point.

    The exports are the wave heard before the decisions in --renewals.

    Example: b2bcx value examples/acme_2026q2.csv -c examples/acme_value.yaml --renewals examples/crm_renewals.csv --current examples/acme_2026q3.csv
    """
    with reported():
        from b2bcx import api
        from b2bcx.api.load import load_decisions, load_exports, load_master
        from b2bcx.config.models import load_config

        refuse_output_over_inputs(
            output, [*exports, config, renewals, accounts, *(current or [])]
        )
        _check_output(output)
        with working("Reading exports and decisions…"):
            cfg = load_config(config)
            refuse_output_over_inputs(output, [configured_accounts(cfg, accounts)])
            decisions = load_decisions(cfg, renewals)
            export = load_exports(exports, sheet=parse_sheet(sheet))
            now = load_exports(current, sheet=parse_sheet(sheet)) if current else None
            master = load_master(cfg, accounts)
        with working("Fitting renewals against the index…"):
            result = api.value(export, cfg, decisions, master=master, current=now)
        _emit(result, output, fmt, wide)


def _check_output(output: Path | None) -> None:
    from b2bcx.errors import UsageError

    written = (".json", ".csv", ".parquet", ".xlsx")
    if output is not None and output.suffix.lower() not in written:
        raise UsageError(
            f"cannot write {output.name}: `value` writes .json, .csv, .parquet or .xlsx",
            hint="-o value.json (everything), value.csv (accounts) or value.xlsx",
        )


def _emit(result: ValueResult, output: Path | None, fmt: Format, wide: bool) -> None:
    from b2bcx.api.worth import value_tables
    from b2bcx.cli.render.value import render_value

    def workbook(path: Path) -> None:
        from b2bcx.report.sheets_value import write_value_workbook

        write_value_workbook(result, path)

    emit_document(
        value_tables(result),
        result.accounts,
        output,
        fmt,
        lambda console: render_value(console, result, wide),
        sheet="Value",
        workbook=workbook,
    )
    if output is not None and not result.fitted:
        note(result.note)
