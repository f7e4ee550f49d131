"""``b2bcx drivers``: key drivers of loyalty and advocacy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from b2bcx.cli.common import (
    emit,
    load_inputs,
    local_exports,
    note,
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
from b2bcx.scoring import engines

if TYPE_CHECKING:
    from b2bcx.results import DriverAnalysis


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
        from b2bcx.api.key_drivers import drivers as key_drivers

        paths = local_exports([e for e in exports if "://" not in e])
        refuse_output_over_inputs(output, [*paths, config])
        refuse_output_over_inputs(plot, [*paths, config], "--plot")
        options: dict[str, Any] = {
            "outcome": outcome,
            "method": method.value,
            "by_role": by is not None,
            "bootstrap": bootstrap,
            "seed": seed,
        }
        with working(f"Fitting key drivers ({bootstrap} bootstrap resamples)…"):
            result = None
            if sheet is None:
                streamed = (
                    exports
                    if engines.get(engine).reads_urls
                    else local_exports(exports)
                )
                result = _streamed(streamed, config, engine, scheduler, options)
            if result is None:
                cfg, export = load_inputs(local_exports(exports), config, sheet)
                result = key_drivers(export, cfg, **options)
        if plot is not None:
            _plot(result, plot)
        emit(
            result.table,
            output,
            fmt,
            "Drivers",
            lambda c: _render(c, result, wide),
        )


def _streamed(
    exports: list[str] | list[Path],
    config_path: Path,
    engine: str,
    scheduler: str | None,
    options: dict[str, Any],
) -> DriverAnalysis | None:
    """The drivers from the streaming pass, or None when it does not apply."""
    from b2bcx.api.key_drivers import drivers_files
    from b2bcx.config.models import load_config

    result = drivers_files(
        exports,
        load_config(config_path),
        engine=engine,
        scheduler=scheduler,
        notice=note,
        **options,
    )
    if result is None and not engines.get(engine).default:
        note(f"the {engine} engine cannot read these exports; reading them here")
    return result


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
