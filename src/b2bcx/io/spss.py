"""SPSS ``.sav``/``.zsav`` files, read with pyreadstat.

Value labels are applied (a response coded 5 with label "Very satisfied" reads
as "Very satisfied"; codes without a label keep their number), user-missing
codes read as missing, and variable labels (the question text) go to
``questions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from b2bcx.errors import DataError
from b2bcx.io.text import column_to_text


def read_spss(path: Path, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The cases of an SPSS file as text columns, and the variable labels.

    Parameters
    ----------
    path : the ``.sav`` file.
    label : the file as the user named it, for messages.

    Returns
    -------
    frame : one row per case, one ``str`` column per variable (NA = missing,
        system- or user-missing).
    questions : variable name -> variable label, for labelled variables.

    Raises
    ------
    DataError
        The file cannot be read (damaged, encrypted, not SPSS).
    """
    try:
        raw, meta = pyreadstat.read_sav(
            str(path), apply_value_formats=False, user_missing=False
        )
    except Exception as exc:  # pyreadstat raises ReadstatError and OSError subtypes
        raise DataError(
            f"{label} cannot be read as an SPSS .sav file: {exc}",
            hint="the file may be damaged or encrypted; save it again from SPSS",
        ) from exc
    value_labels = meta.variable_value_labels or {}
    frame = pd.DataFrame(
        {
            name: column_to_text(labelled(raw[name], value_labels.get(name, {})))
            for name in raw.columns
        },
        index=raw.index,
    )
    labels = meta.column_names_to_labels or {}
    questions = {name: text for name, text in labels.items() if text}
    return frame, questions


def labelled(values: pd.Series, labels: Mapping[Any, str]) -> pd.Series:
    """Value labels applied when they name every answer given; else the numbers.

    SPSS files often label only a scale's end points (0 "Not at all likely",
    10 "Extremely likely"): replacing just those would mix words and numbers,
    so such variables keep their numbers.
    """
    if not labels:
        return values
    given = set(values.dropna().unique())
    if not given <= set(labels):
        return values
    return values.map(labels).astype(object)
