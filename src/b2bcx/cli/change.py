"""``b2bcx change`` and ``b2bcx trend``: why the portfolio moved, where accounts head."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from b2bcx.cli.common import (
    configured_accounts,
    emit_document,
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
    SheetOption,
)

RequiredBaseline = Annotated[
    list[Path],
    typer.Option(
        "--baseline",
        "-b",
        help="The previous export(s) (repeat for several).",
        metavar="PREV",
    ),
]


def change(
    exports: ExportsArgument,
    config: ConfigOption,
    baseline: RequiredBaseline,
    accounts: AccountsOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Split the respondent NPS change by this segment column instead of "
            "by role.",
            metavar="SEGMENT",
        ),
    ] = None,
    output: DocumentOutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
) -> None:
    """Why the portfolio moved: accounts that changed, weights, entries and exits.

    Example: b2bcx change examples/acme_2026q3.csv -b examples/acme_2026q2.csv -c examples/acme.yaml
    """
    with reported():
        from b2bcx import api
        from b2bcx.api.load import load_exports, load_master
        from b2bcx.config.models import load_config

        refuse_output_over_inputs(output, [*exports, *baseline, config, accounts])
        with working("Comparing waves…"):
            cfg = load_config(config)
            refuse_output_over_inputs(output, [configured_accounts(cfg, accounts)])
            current = load_exports(exports, sheet=parse_sheet(sheet))
            previous = load_exports(baseline, sheet=parse_sheet(sheet))
            master = load_master(cfg, accounts)
            result = api.change(current, previous, cfg, master=master, by=by)
        _emit(
            _change_document(result),
            output,
            fmt,
            lambda c: _render_change(c, result),
            lambda: _workbook("change", result),
        )


def trend(
    exports: ExportsArgument,
    config: ConfigOption,
    wave_per_file: Annotated[
        bool,
        typer.Option(
            "--wave-per-file",
            help="Each export is one wave, oldest first, in the order given "
            "(default: the waves of `columns.wave`).",
        ),
    ] = False,
    accounts: AccountsOption = None,
    output: DocumentOutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
) -> None:
    """Where each account is heading: slopes over three or more waves.

    Example: b2bcx trend examples/acme_202[56]q*.csv -c examples/acme.yaml --wave-per-file
    """
    with reported():
        from b2bcx import api
        from b2bcx.api.load import load_exports, load_master
        from b2bcx.config.models import load_config

        refuse_output_over_inputs(output, [*exports, config, accounts])
        with working("Scoring the waves…"):
            cfg = load_config(config)
            refuse_output_over_inputs(output, [configured_accounts(cfg, accounts)])
            master = load_master(cfg, accounts)
            if wave_per_file and sheet is None:  # one streaming pass per wave
                result = api.trend_files(exports, cfg, master=master)
            elif wave_per_file:
                waves = [
                    (Path(p).stem, load_exports([p], sheet=parse_sheet(sheet)))
                    for p in exports
                ]
                result = api.trend(waves, cfg, master=master)
            else:
                stacked = load_exports(exports, sheet=parse_sheet(sheet))
                result = api.trend(api.split_waves(stacked, cfg), cfg, master=master)
        _emit(
            _trend_document(result),
            output,
            fmt,
            lambda c: _render_trend(c, result),
            lambda: _workbook("trend", result),
        )


def _change_document(result: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    parts = {r["part"]: r["change"] for r in result.parts.to_dict(orient="records")}
    summary = {
        "before": result.parts.attrs.get("before"),
        "after": result.parts.attrs.get("after"),
        **parts,
        "rate": result.rate_mix_total["rate"],
        "mix": result.rate_mix_total["mix"],
        "nps_before": result.rate_mix_total["before"],
        "nps_after": result.rate_mix_total["after"],
        "nps_change": result.rate_mix_total["total"],
        "by": result.by,
        "stuart_maxwell": result.stuart_maxwell,
    }
    tables = {
        "accounts": result.accounts,
        "parts": result.parts,
        "rate_mix": result.rate_mix,
        "migration": result.migration,
        "migration_revenue": result.migration_revenue,
    }
    return summary, tables, "accounts"


def _trend_document(result: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    slope = result.portfolio_slope
    summary = {
        "waves": result.waves,
        "portfolio_slope": slope["slope"],
        "portfolio_slope_se": slope["se"],
        "portfolio_slope_ci_low": slope["ci_low"],
        "portfolio_slope_ci_high": slope["ci_high"],
        "deteriorating": int(result.accounts["deteriorating"].eq(True).sum()),
    }
    tables = {"accounts": result.accounts, "waves": result.portfolio}
    return summary, tables, "accounts"


def _workbook(kind: str, result: Any) -> Any:
    from b2bcx.report.sheets_change import change_workbook, trend_workbook

    return change_workbook(result) if kind == "change" else trend_workbook(result)


def _emit(
    document: Any, output: Path | None, fmt: Format, render: Any, workbook: Any
) -> None:
    """As every command with several tables; ``-o FILE.xlsx`` the sheet with its
    chart."""
    from b2bcx.io.writers import json_records

    summary, tables, main = document
    payload = {"summary": summary, **{k: json_records(t) for k, t in tables.items()}}

    def written(path: Path) -> None:
        from b2bcx.io.worksheet import write_workbook
        from b2bcx.io.writers import atomic_path

        book = workbook()
        with atomic_path(path) as temporary:
            write_workbook(temporary, book)

    emit_document(payload, tables[main], output, fmt, render, workbook=written)


def _render_change(console: Any, result: Any) -> None:
    from b2bcx.cli.render.change import render_change

    render_change(console, result)


def _render_trend(console: Any, result: Any) -> None:
    from b2bcx.cli.render.change import render_trend

    render_trend(console, result)
