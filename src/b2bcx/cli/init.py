"""``b2bcx init``: draft a program config from a survey export.

Registered in ``cli.py`` as ``app.command("init", no_args_is_help=True)(init_command)``.
The drafting itself is :func:`b2bcx.api.draft.draft_config` (pure); this module reads
the export, writes the YAML (atomically, never over an existing file unless
``--force``) and tells the user what to review.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def init(
    export: Annotated[
        Path,
        typer.Argument(
            help="The survey export to draft from (CSV/TSV, XLSX, SAV, Parquet).",
            show_default=False,
            metavar="EXPORT",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the draft config to FILE (YAML) instead of printing it.",
            metavar="FILE",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite FILE if it already exists.")
    ] = False,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", help="Excel sheet by name or 0-based index.", metavar="SHEET"
        ),
    ] = None,
) -> None:
    """Draft a program config from an export: columns, scales, pillars, roles, NPS.

    Columns are recognised by their values and wording; every role answer is
    mapped, so the draft scores the export it came from. Each guess is printed (on
    stderr) and commented in the draft with its evidence and confidence; doubtful
    ones are TODO lines, and every command refuses the draft until they are settled.

    Example: b2bcx init examples/acme_2026q3.csv -o program.yaml
    """
    from b2bcx.cli.common import note, parse_sheet, reported

    with reported():
        from rich.markup import escape

        from b2bcx.api.draft import draft_config
        from b2bcx.io import read_export

        refuse_overwrite(output, force, export)
        draft = draft_config(read_export(export, sheet=parse_sheet(sheet)))
        if output is None:
            sys.stdout.write(draft.text)
        else:
            write_config(draft.text, output)
            note(f"wrote {escape(str(output))}")
        if draft.review:
            note("what the draft guessed, from what evidence (TODO lines: check them):")
        for line in draft.review:
            note(f"  {escape(line)}")
        for line in draft.notes:
            note(f"review: {escape(line)}")


def refuse_overwrite(output: Path | None, force: bool, export: Path) -> None:
    """Stop before any work when ``-o FILE`` exists (without ``--force``), is a
    folder, or is the export itself; a stream (``-o /dev/stdout``) is written into."""
    from b2bcx.errors import B2bcxError, UsageError

    if output is None:
        return
    from b2bcx.io.writers import check_writable, is_stream, same_file

    check_writable(output)

    if output.is_dir() or same_file(output, export):
        raise UsageError(
            f"cannot write the config to {output}", hint="name a new .yaml file"
        )
    if output.exists() and not force and not is_stream(output):
        raise B2bcxError(
            f"{output} exists; use --force to overwrite",
            hint="or choose another file with -o",
        )


def write_config(text: str, output: Path) -> None:
    """Write the YAML through a temporary file moved into place."""
    from b2bcx.errors import B2bcxError
    from b2bcx.io.writers import atomic_path

    try:
        with atomic_path(output) as temporary:
            temporary.write_text(text, encoding="utf-8")
    except OSError as error:
        raise B2bcxError(f"cannot write {output}: {error.strerror}") from None
