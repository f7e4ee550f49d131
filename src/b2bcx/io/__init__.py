"""Readers: every supported export format and platform layout -> one Export.

Temporary minimal version (plain CSV only); replaced by the full readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FILE_COLUMN = "_file"
ROW_COLUMN = "_row"


@dataclass
class Export:
    """Survey responses as read, one row per response.

    ``frame`` holds the export's columns as text (missing = NA) plus ``_file``
    (the source path as given) and ``_row`` (the row number a user sees in that
    file, header rows counted).
    """

    frame: pd.DataFrame
    layout: str = "plain"
    aliases: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def read_export(path: str | Path, sheet: str | int | None = None) -> Export:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    frame[FILE_COLUMN] = str(path)
    frame[ROW_COLUMN] = range(2, len(frame) + 2)
    return Export(frame=frame, files=[str(path)])


def read_exports(paths: Sequence[str | Path], sheet: str | int | None = None) -> Export:
    exports = [read_export(p, sheet) for p in paths]
    frame = pd.concat([e.frame for e in exports], ignore_index=True)
    return Export(frame=frame, files=[f for e in exports for f in e.files])


def platform_exclusions(
    frame: pd.DataFrame,
    *,
    exclude_unfinished: bool = True,
    exclude_previews: bool = True,
) -> pd.Series:
    return pd.Series(pd.NA, index=frame.index, dtype=object)
