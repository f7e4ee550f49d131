"""``b2bcx drivers``: key drivers of loyalty and advocacy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from b2bcx.cli.common import (
    emit,
    local_exports,
    note,
    parse_sheet,
    refuse_output_over_inputs,
    reported,
    working,
)
from b2bcx.cli.options import (
    DEFAULT_ENGINE,
    BootstrapOption,
    ConfigOption,
    EngineOption,
    ExportTextsArgument,
    Format,
    FormatOption,
    Method,
    OutputOption,
    RoleOnly,
    SchedulerOption,
    SeedOption,
    SheetOption,
    WideOption,
)

if TYPE_CHECKING:
    pass


def drivers(
    exports: ExportTextsArgument,
    config: ConfigOption,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="Configured outcome: nps, loyalty or another name under `outcomes:`.",
            metavar="NAME",
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
            "--by",
            help="Drivers per role, held against published role priorities.",
            metavar="role",
        ),
    ] = None,
    bootstrap: BootstrapOption = 1000,
    seed: SeedOption = 2011,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Draw the importance-performance chart to FILE.png (needs matplotlib).",
            metavar="FILE.png",
        ),
    ] = None,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    wide: WideOption = False,
    engine: EngineOption = DEFAULT_ENGINE,
    scheduler: SchedulerOption = None,
) -> None:
    """Which pillars drive loyalty and advocacy: relative importance, intervals and quadrants.

    Example: b2bcx drivers examples/acme_2026q3.csv -c examples/acme.yaml --by role
    """
    with reported():
        from b2bcx.api.commands import Watch
        from b2bcx.api.commands import drivers as key_drivers
        from b2bcx.config.models import load_config

        paths = local_exports([e for e in exports if "://" not in e])
        refuse_output_over_inputs(output, [*paths, config])
        refuse_output_over_inputs(plot, [*paths, config], "--plot")
        with working(f"Fitting key drivers ({bootstrap} bootstrap resamples)…"):
            result = key_drivers(
                exports,
                load_config(config),
                outcome=outcome,
                method=method.value,
                by_role=by is not None,
                bootstrap=bootstrap,
                seed=seed,
                engine=str(engine),
                scheduler=scheduler,
                sheet=parse_sheet(sheet),
                watch=Watch(notice=note),
            )
        if plot is not None:
            _plot(result, plot)
        emit(
            result.table,
            output,
            fmt,
            "Drivers",
            lambda c: _render(c, result, wide),
        )


def _plot(result: Any, path: Path) -> None:
    from b2bcx.cli.render.plot import plot_quadrants

    table = result.table
    panels = (
        {
            str(role).replace("_", " ").capitalize() + "s": part
            for role, part in table.groupby("role", sort=False)
        }
        if result.by_role
        else {"All respondents": table}
    )
    plot_quadrants(panels, path)
    note(f"wrote {path}")


def _render(console: Any, result: Any, wide: bool = False) -> None:
    from b2bcx.cli.render.analyses import render_drivers

    render_drivers(console, result, wide=wide)
