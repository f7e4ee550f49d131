"""Readers: every supported export format and platform layout -> one Export.

``read_export(path)`` reads CSV/TSV (encoding and delimiter detected), Excel
``.xlsx`` (any sheet), SPSS ``.sav`` and Parquet files, and recognises Qualtrics
(current and legacy) and SurveyMonkey header layouts without options.
``read_exports(paths)`` stacks several files. ``platform_exclusions(frame)``
gives the reason a row is not a real response (preview, test, spam,
unfinished), or NA.
"""

from __future__ import annotations

from b2bcx.io.exclusions import platform_exclusions
from b2bcx.io.export import FILE_COLUMN, ROW_COLUMN, Export
from b2bcx.io.reader import read_export, read_exports

__all__ = [
    "FILE_COLUMN",
    "ROW_COLUMN",
    "Export",
    "platform_exclusions",
    "read_export",
    "read_exports",
]
