"""One entry point: a path in, an :class:`Export` out, whatever the format."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from b2bcx.errors import DataError, Problem, UsageError
from b2bcx.io.delimited import read_delimited
from b2bcx.io.detect import check_path, sniff_format
from b2bcx.io.export import FILE_COLUMN, ROW_COLUMN, Export, Sheet
from b2bcx.io.grid import Table, table_from_cells
from b2bcx.io.limits import check_columns
from b2bcx.io.stack import stack
from b2bcx.io.text import TEXT, blank_to_na, replace_controls


def read_export(path: str | Path, sheet: Sheet = None) -> Export:
    """Read one export file, whatever its format and platform layout.

    Parameters
    ----------
    path : a CSV/TSV (any of UTF-8, UTF-8 with BOM, UTF-16 with BOM,
        Windows-1252; delimiter ``,`` ``;`` or tab), ``.xlsx``, SPSS ``.sav`` or
        Parquet file. The format is recognised from the content first, then the
        extension.
    sheet : for a workbook, the sheet name or 0-based index (default: the
        first sheet); ignored for other formats.

    Returns
    -------
    Export
        ``frame`` holds the data columns as text (NA = blank) plus ``_file``
        (``str(path)``) and ``_row`` (the row number the user sees in the file).

    Raises
    ------
    DataError
        The path does not exist, is a directory, or the file cannot be read as
        an export; the message names the file and what is wrong.
    """
    label = str(path)
    file = Path(path)
    check_path(file, label)
    kind = sniff_format(file, label)
    # format readers are imported when needed: pyreadstat and pyarrow.parquet
    # cost start-up time that a CSV run should not pay
    if kind == "xlsx":
        from b2bcx.io.excel import read_excel

        cells, sheet_name = read_excel(file, label, sheet)
        return _from_table(
            table_from_cells(cells, label, f" (sheet {sheet_name!r})"), label
        )
    if kind == "delimited":
        return _from_table(table_from_cells(read_delimited(file, label), label), label)
    if kind == "spss":
        from b2bcx.io.spss import read_spss, user_missing_codes

        frame, questions, value_labels, warnings = read_spss(file, label)
        export = _from_records(frame, label, "spss", questions)
        export.value_labels = value_labels
        export.warnings = [*warnings, *export.warnings]
        export.user_missing = user_missing_codes(file)
        return export
    from b2bcx.io.parquet import read_parquet

    return _from_records(read_parquet(file, label), label, "parquet", {})


def read_exports(paths: Sequence[str | Path], sheet: Sheet = None) -> Export:
    """Read several exports and stack them into one :class:`Export`.

    Columns are the union of the files' columns (NA where a file lacks one);
    every row keeps its ``_file`` and ``_row``. Layouts may differ per file:
    a column named differently by the two Qualtrics formats (``ResponseID`` in
    a legacy file, ``ResponseId`` in a current one) is matched through the
    aliases. Aliases and questions are merged (the first file wins).

    Parameters
    ----------
    paths : the export files, in order.
    sheet : the sheet to read from every workbook (see :func:`read_export`).

    Raises
    ------
    UsageError
        No paths were given, or a file is named twice.
    DataError
        A file cannot be read.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise UsageError("no export files given", hint="name at least one export file")
    resolved = [_resolved(Path(path)) for path in paths]
    repeated = sorted(
        {str(p) for p, r in zip(paths, resolved, strict=True) if resolved.count(r) > 1}
    )
    if repeated:
        raise UsageError(
            f"the same export is named twice: {', '.join(repeated)}",
            hint="name each export file once; its responses would be counted twice",
        )
    return stack([read_export(path, sheet) for path in paths])


def _resolved(path: Path) -> Path:
    """The resolved path, or the absolute one for a path that cannot be resolved
    (a symlink loop; reading it then reports the problem)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def _from_table(table: Table, label: str) -> Export:
    from b2bcx.io.platforms import PLAIN, plain_platform

    rows = table.frame.index.to_numpy() + 1
    layout = table.layout
    if layout == PLAIN:
        layout = plain_platform([str(c) for c in table.frame.columns])
    return _finish(
        table.frame,
        rows,
        label,
        layout,
        table.aliases,
        table.questions,
        table.warnings,
        controls=table.controls,
    )


def _from_records(
    frame: pd.DataFrame, label: str, layout: str, questions: dict[str, str]
) -> Export:
    if frame.shape[1] == 0:
        raise DataError(f"{label} has no columns", hint="export the survey again")
    check_columns(frame.shape[1], label)
    frame = frame.apply(blank_to_na)
    if frame.empty:
        raise DataError(
            f"{label} holds no responses (0 rows)", hint="export the survey again"
        )
    rows = np.arange(1, len(frame) + 1)
    return _finish(frame, rows, label, layout, {}, questions, [])


def _repeated(text: str, index: pd.Index) -> pd.Series:
    """One text for every row, built in Arrow (cheap for millions of rows)."""
    column = pa.repeat(pa.scalar(text, pa.large_string()), len(index)).to_pandas()
    column.index = index
    return column.astype(TEXT)


def _finish(
    frame: pd.DataFrame,
    rows: np.ndarray,
    label: str,
    layout: str,
    aliases: dict[str, str],
    questions: dict[str, str],
    warnings: list[Problem],
    controls: bool = True,
) -> Export:
    reserved = [name for name in (FILE_COLUMN, ROW_COLUMN) if name in frame.columns]
    if reserved:
        raise DataError(
            f"{label} has a column named {reserved[0]!r}, a name b2bcx reserves "
            "for the source file and row",
            hint=f"rename the column {reserved[0]!r} in the export",
        )
    frame = frame.reset_index(drop=True)
    if controls:
        frame, found = replace_controls(frame)
        warnings = [*warnings, *_control_warnings(label, found, rows)]
    frame[FILE_COLUMN] = _repeated(label, frame.index)
    frame[ROW_COLUMN] = rows.astype(np.int64)
    return Export(
        frame=frame,
        layout=layout,
        aliases=dict(aliases),
        questions=dict(questions),
        files=[label],
        layouts={label: layout},
        warnings=list(warnings),
    )


def _control_warnings(
    label: str, counts: dict[str, tuple[int, int]], rows: np.ndarray
) -> list[Problem]:
    """One warning per column whose text held control characters, naming the
    first row that did."""
    return [
        Problem(
            f"{count} cell{'s' if count != 1 else ''} held control characters "
            f"{'(the row shown is the first) ' if count > 1 else ''}"
            "(vertical tab, ESC, BEL, NUL...): a vertical tab or form feed was read as "
            "a line break, the others as \ufffd",
            hint="clean the column in the survey platform; these characters cannot "
            "be shown in Excel or a terminal",
            file=label,
            column=column,
            row=int(rows[first]),
            severity="warning",
            code="control-characters",
        )
        for column, (count, first) in counts.items()
    ]
