"""``b2bcx scales``: does each pillar measure one thing (Cronbach's α)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from b2bcx.cli.common import (
    emit_document,
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
    SheetOption,
    WideOption,
)


def scales(
    exports: ExportsArgument,
    config: ConfigOption,
    output: OutputOption = None,
    fmt: FormatOption = Format.table,
    sheet: SheetOption = None,
    wide: WideOption = False,
) -> None:
    """Cronbach's α per pillar (Feldt's 95% interval), item–rest correlations and α if dropped.

    A negative item–rest correlation says to check that statement's reverse coding.

    Example: b2bcx scales examples/acme_2026q3.csv -c examples/acme.yaml
    """
    with reported():
        from b2bcx.api.consistency import scales as scale_reliability

        refuse_output_over_inputs(output, [*exports, config])
        with working("Checking the scales…"):
            cfg, export = load_inputs(exports, config, sheet)
            result = scale_reliability(export, cfg)
        _emit(result, output, fmt, wide)


def scale_payload(result: Any) -> dict[str, Any]:
    """The JSON of a scales result: pillar records, statement records, warnings."""
    from b2bcx.io.writers import json_records

    return {
        "pillars": json_records(result.pillars),
        "items": json_records(result.items),
        "warnings": [p.as_dict() for p in result.problems],
    }


def scale_table(result: Any) -> Any:
    """One row per statement with its pillar's α (the CSV, Parquet and Excel output)."""
    return result.pillars.merge(result.items.drop(columns="n"), on="pillar", how="left")


def _emit(result: Any, output: Path | None, fmt: Format, wide: bool) -> None:
    from b2bcx.cli.render.analyses import render_scales

    emit_document(
        scale_payload(result),
        scale_table(result),
        output,
        fmt,
        lambda console: render_scales(console, result, wide=wide),
        sheet="Scales",
    )
