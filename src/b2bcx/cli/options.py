"""Shared command-line arguments and options (Typer ``Annotated`` aliases)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from b2bcx.scoring import engines


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    bi = "bi"


class By(StrEnum):
    role = "role"
    segment = "segment"
    phase = "phase"


class Method(StrEnum):
    rwa = "rwa"
    shapley = "shapley"


class RoleOnly(StrEnum):
    role = "role"


class BadAnswers(StrEnum):
    error = "error"
    missing = "missing"


ExportsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Survey export(s): CSV/TSV, XLSX, SAV, Parquet; Qualtrics and SurveyMonkey layouts are recognised.",
        show_default=False,
        metavar="EXPORT...",
    ),
]
ExportTextsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Survey export(s): CSV/TSV, XLSX, SAV, Parquet; Qualtrics and SurveyMonkey layouts are recognised. With --engine dask also globs and URLs (s3://, gs://, file://).",
        show_default=False,
        metavar="EXPORT...",
    ),
]
ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        help="The program's YAML config.",
        show_default=False,
        metavar="CONFIG",
    ),
]
SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet", help="Excel sheet by name or 0-based index.", metavar="SHEET"
    ),
]
AccountsOption = Annotated[
    Path | None,
    typer.Option(
        "--accounts",
        help="The CRM account list (id, name, revenue, segments).",
        metavar="FILE",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the table to FILE (.csv, .json, .parquet, .xlsx).",
        metavar="FILE",
    ),
]
AlertsOutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the alerts to FILE (.csv or .json, what a CRM import takes).",
        metavar="FILE",
    ),
]
"""``-o`` of ``alerts``: the generic one promised .parquet and .xlsx, refused there."""
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="How to print the result on stdout; `bi` (score only, with -o DIR/) "
        "writes long, typed tables and a data dictionary for a BI tool.",
    ),
]


RenewalsOption = Annotated[
    Path | None,
    typer.Option(
        "--renewals",
        help="The CRM decisions file: account id, event (1 lost / 0 renewed, yes/no, "
        "true/false or mapped text), revenue at stake (default: config `value.file`).",
        metavar="FILE",
    ),
]

DocumentOutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the result: .json (the summary and every table), .xlsx (its "
        "sheet), .csv or .parquet (the main table).",
        show_default=False,
        metavar="FILE",
    ),
]
"""``-o`` of the commands whose result is several tables (value, change, trend)."""

HistoryOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--history",
        help="Earlier waves, oldest first, one export each (repeat): with --baseline "
        "and this export, three or more waves give each account's trend.",
        metavar="EARLIER",
    ),
]

ReportOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="The report to write: the workbook (.xlsx) or one self-contained page (.html).",
        show_default=False,
        metavar="REPORT.xlsx|.html",
    ),
]

BaselineOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--baseline",
        "-b",
        help="The previous export(s), for change and significance (repeat for several).",
        metavar="PREV",
    ),
]

RespondentsOption = Annotated[
    bool,
    typer.Option(
        "--respondents/--no-respondents",
        help="Add the Respondents sheet, one row per respondent (the exports are "
        "then read whole, not streamed).",
    ),
]

BadAnswersOption = Annotated[
    BadAnswers,
    typer.Option(
        "--bad-answers",
        help="An answer not on its scale: stop with an error, or read it as missing "
        "and list it (for scheduled runs).",
    ),
]

StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict", help="Fail (exit 1, no file) when the data have any warning."
    ),
]

BootstrapOption = Annotated[
    int,
    typer.Option(
        "--bootstrap",
        min=0,
        help="Bootstrap resamples for the 95% intervals of driver importance.",
        metavar="N",
    ),
]

SeedOption = Annotated[
    int,
    typer.Option(
        "--seed",
        min=0,
        help="Seed of the bootstrap, 0 or more (results are reproducible).",
        metavar="N",
    ),
]

AUTO_ENGINE = "auto"
"""Stream on the default engine when the pass applies, else read the exports whole."""
DEFAULT_ENGINE = AUTO_ENGINE


def _engines_help() -> str:
    where = [f"{e.summary} ({e.name})" for e in map(engines.get, engines.names())]
    return (
        "Where the pass over the rows runs: auto (the default) streams on "
        f"{engines.DEFAULT} when the pass applies and reads the exports whole when "
        "it does not; or " + " or ".join(where) + "."
    )


if TYPE_CHECKING:
    EngineName = str
else:  # the choices typer lists: auto and the registry's names
    EngineName = StrEnum(
        "EngineName",
        {AUTO_ENGINE: AUTO_ENGINE, **{name: name for name in engines.names()}},
    )

EngineOption = Annotated[
    EngineName,
    typer.Option("--engine", help=_engines_help()),
]
"""``--engine``: its choices are the names in :mod:`b2bcx.scoring.engines`."""

SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); default: Dask's threads in this process.",
        show_default=False,
        metavar="ADDRESS",
    ),
]

WideOption = Annotated[
    bool,
    typer.Option(
        "--wide",
        "-w",
        help="Show every column, wider than the terminal if need be (-o FILE keeps them all too).",
    ),
]


def _plain_argument_help() -> None:
    """Arguments with a metavar show just it (``EXPORT...``), not a Python type.

    Typer prints ``EXPORT <list[Path]>`` and ``{EXPORT}...`` for a list argument
    whatever its metavar; this keeps the metavar as written.
    """
    from typer.core import TyperArgument

    shown_type = TyperArgument.display_type_rich
    usage_name = TyperArgument._usage_display_name

    def display_type_rich(self: TyperArgument, ctx: object) -> str | None:
        return None if self.metavar else shown_type(self, ctx)  # type: ignore[arg-type]

    def usage_display_name(self: TyperArgument) -> str:
        if self.metavar:
            return self.metavar if self.required else f"[{self.metavar}]"
        return usage_name(self)

    TyperArgument.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]
    TyperArgument._usage_display_name = usage_display_name  # type: ignore[method-assign,assignment]


_plain_argument_help()
