"""The one shape every reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from b2bcx.errors import Problem

FILE_COLUMN = "_file"
ROW_COLUMN = "_row"
LAYOUTS = ("plain", "qualtrics", "qualtrics_legacy", "surveymonkey", "spss", "parquet")


Sheet = str | int | None
"""A worksheet by name or 0-based index (None: the first)."""


@dataclass
class Export:
    """Survey responses as read, one row per response.

    Attributes
    ----------
    frame : the export's data columns, every value text (pandas ``str`` dtype)
        and blank or whitespace-only cells NA, plus ``_file`` (the source path as
        given) and ``_row`` (int: the row number a user sees in that file - the
        1-based record number of a CSV with header rows counted, the spreadsheet
        row of a worksheet, the case number of an SPSS or Parquet file).
    layout : ``"plain"``, ``"qualtrics"``, ``"qualtrics_legacy"``,
        ``"surveymonkey"``, ``"limesurvey"``, ``"google_forms"``, ``"kobo"``,
        ``"spss"`` or ``"parquet"``; ``"mixed"`` when stacked
        files differ (see ``layouts``).
    aliases : other names a config may use for a column -> the frame's column
        name (Qualtrics ImportIds such as ``QID5_1``, legacy ``V1``,
        SurveyMonkey ``Q3_2``).
    questions : column -> question text, when the layout has it.
    files : the source paths, as given.
    layouts : source path -> its layout.
    warnings : problems of severity ``"warning"`` met while reading (a file read
        as Windows-1252, an unnamed column).
    value_labels : column -> code (as text in ``frame``) -> label, from the
        file's metadata (SPSS value labels); the codes stay in ``frame``.
    user_missing : column -> its user-missing codes (SPSS missing values); such
        answers are NA in ``frame`` already.
    """

    frame: pd.DataFrame
    layout: str = "plain"
    aliases: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    layouts: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    user_missing: dict[str, list[float]] = field(default_factory=dict)

    @property
    def data_columns(self) -> list[str]:
        """The export's own columns (without ``_file`` and ``_row``)."""
        return [c for c in self.frame.columns if c not in (FILE_COLUMN, ROW_COLUMN)]

    def resolve(self, name: str) -> str | None:
        """The frame column a config name refers to (itself or via an alias)."""
        if name in self.frame.columns:
            return name
        return self.aliases.get(name)
