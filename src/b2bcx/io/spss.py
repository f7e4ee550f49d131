"""SPSS ``.sav``/``.zsav`` files, read with pyreadstat.

How a variable is read depends on its metadata only, never on which answers a
file happens to hold: codes stay numbers (a response coded 5 reads as ``"5"``)
and the value labels travel beside them (``value_labels``: column -> code ->
label), so that a scale written with label text matches the coded answers
through the labels. User-missing codes read as missing, and variable labels
(the question text) go to ``questions``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from b2bcx.errors import DataError, Problem
from b2bcx.io.text import column_to_text, floats_to_text, has_controls, without_controls

ValueLabels = dict[str, dict[str, str]]


def read_spss(
    path: Path, label: str
) -> tuple[pd.DataFrame, dict[str, str], ValueLabels, list[Problem]]:
    """The cases of an SPSS file as text columns, the variable and value labels.

    Parameters
    ----------
    path : the ``.sav`` file.
    label : the file as the user named it, for messages.

    Returns
    -------
    frame : one row per case, one ``str`` column per variable, codes as
        written (``"1"``, not ``"1.0"``); NA = missing, system- or user-missing.
    questions : variable name -> variable label, for labelled variables.
    value_labels : variable name -> code (as text in ``frame``) -> value label.
    warnings : a warning per variable whose value labels held control characters.

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
    frame = pd.DataFrame(
        {name: column_to_text(raw[name]) for name in raw.columns}, index=raw.index
    )
    labels = meta.column_names_to_labels or {}
    questions = {name: text for name, text in labels.items() if text}
    value_labels, controlled = file_value_labels(meta, frame.columns)
    warnings = [label_control_warning(label, column) for column in controlled]
    return frame, questions, value_labels, warnings


def file_value_labels(
    meta: Any, columns: Iterable[str]
) -> tuple[ValueLabels, list[str]]:
    """The value labels of a file's ``columns`` (:func:`code_labels`), and the
    columns whose labels held control characters (replaced as in any text:
    :func:`b2bcx.io.text.without_controls`)."""
    wanted = set(columns)
    out: ValueLabels = {}
    controlled = []
    for name, labelled in (meta.variable_value_labels or {}).items():
        if labelled and name in wanted:
            out[name] = code_labels(labelled)
            if any(map(has_controls, map(str, labelled.values()))):
                controlled.append(name)
    return out, controlled


def label_control_warning(label: str, column: str) -> Problem:
    """The warning for a column whose value labels held control characters."""
    return Problem(
        "value labels held control characters (vertical tab, ESC, BEL, NUL...): "
        "a vertical tab or form feed was read as a line break, the others as \ufffd",
        hint="clean the value labels in SPSS; these characters cannot be shown in "
        "Excel or a terminal",
        file=label,
        column=column,
        severity="warning",
        code="control-characters",
    )


def user_missing_codes(path: Path) -> dict[str, list[float]]:
    """Each variable's user-missing codes (SPSS missing values), from the file's
    dictionary alone; a range of whole codes lists each (``8 thru 9``: 8, 9).

    They read as NA in ``frame``; ``b2bcx init`` keeps their labels ("Refused")
    from setting a scale's bounds and drafts them as its missing codes.
    """
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    except Exception:  # read_spss has read the file: a failure here is no news
        return {}
    codes: dict[str, list[float]] = {}
    for name, ranges in (meta.missing_ranges or {}).items():
        found: list[float] = []
        for span in ranges:
            if not isinstance(span, dict):
                continue  # a string variable's missing value: no code to list
            lo, hi = span.get("lo"), span.get("hi")
            if not isinstance(lo, int | float) or not isinstance(hi, int | float):
                continue
            if lo == hi or hi - lo > 20:
                found += sorted({float(lo), float(hi)})
            else:
                found += [float(v) for v in range(math.ceil(lo), math.floor(hi) + 1)]
        if found:
            codes[name] = found
    return codes


def code_labels(labels: dict[Any, Any]) -> dict[str, str]:
    """Value labels keyed by their code as the frame writes it (``1.0`` -> ``"1"``),
    control characters replaced (:func:`b2bcx.io.text.without_controls`)."""
    codes = list(labels)
    if all(isinstance(c, int | float) and not isinstance(c, bool) for c in codes):
        texts = floats_to_text(np.array(codes, dtype="float64")).tolist()
    else:
        texts = [str(c).strip() for c in codes]
    return {
        str(text): " ".join(without_controls(str(value)).split())
        for text, value in zip(texts, labels.values(), strict=True)
        if text is not None and str(value).strip()
    }
