"""``b2bcx factors``: Lemke-style screening of experience factors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from b2bcx.cli.common import (
    emit,
    load_inputs,
    refuse_output_over_inputs,
    reported,
    working,
)
from b2bcx.cli.options import (
    ConfigOption,
    ExportsArgument,
    Format,
    FormatOption,
    OutputOption,
    RoleOnly,
    SheetOption,
    WideOption,
)

if TYPE_CHECKING:
    pass


def factors(
    exports: ExportsArgument,
    config: ConfigOption,
    by: Annotated[
        RoleOnly | None,
        typer.Option("--by", help="Screen within each role too.", metavar="role"),
    ] = None,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    wide: WideOption = False,
) -> None:
    """Lemke-style screening: factors mentioned by >=25% that discriminate good, average and poor experiences.

    Example: b2bcx factors examples/lemke_interviews.csv -c examples/lemke_interviews.yaml
    """
    with reported():
        from b2bcx.api.screening import factors as screen_factors

        refuse_output_over_inputs(output, [*exports, config])
        with working("Screening factors…"):
            cfg, export = load_inputs(exports, config, sheet)
            result = screen_factors(export, cfg, by_role=by is not None)
        emit(
            result.table,
            output,
            fmt,
            "Factors",
            lambda c: _render(c, result, wide),
        )


def _render(console: Any, result: Any, wide: bool = False) -> None:
    from b2bcx.cli.render.analyses import render_factors

    render_factors(console, result, wide=wide)
