"""Shared command-line arguments and options (Typer ``Annotated`` aliases)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


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
        metavar="EXPORT",
    ),
]
ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config", "-c", help="The program's YAML config.", show_default=False
    ),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help="Excel sheet by name or 0-based index.")
]
AccountsOption = Annotated[
    Path | None,
    typer.Option("--accounts", help="The CRM account list (id, revenue, segments)."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the table to FILE (.csv, .json, .parquet, .xlsx)."
    ),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="How to print the result on stdout.")
]


ReportOption = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help="The workbook to write (.xlsx).", show_default=False
    ),
]

BaselineOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--baseline", "-b", help="The previous export(s), for change and significance."
    ),
]

NoRespondentsOption = Annotated[
    bool,
    typer.Option(
        "--no-respondents", help="Leave out the Respondents sheet (smaller file)."
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
    ),
]

SeedOption = Annotated[
    int,
    typer.Option("--seed", help="Seed of the bootstrap (results are reproducible)."),
]
