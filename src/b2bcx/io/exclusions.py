"""Rows that are not real responses: Qualtrics previews, tests, spam, unfinished.

Qualtrics ``Status`` ("Response Type") holds text or numeric codes, as listed
in Qualtrics' SPSS value labels: 0 IP Address, 1 Survey Preview, 2 Survey Test,
4 Imported, 8 Spam, 9 Survey Preview Spam, 12 Imported Spam, 16 Offline,
17 Offline Survey Preview, 32 EX, 40 EX Spam, 48 EX Offline, 256 Synthetic.
Real responses (IP Address, Imported, Offline, EX) are kept; synthetic
responses count as tests.

LimeSurvey writes an incomplete response with a blank ``submitdate`` ("Date
submitted" in a full-text export); beside its ``lastpage`` or ``startlanguage``
column, such a row is unfinished, as a Qualtrics row whose ``Finished`` is 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from b2bcx.io.text import TEXT

PREVIEW, TEST, SPAM, UNFINISHED = "preview", "test", "spam", "unfinished"

_STATUS_TEXT = {
    "survey preview": PREVIEW,
    "offline survey preview": PREVIEW,
    "survey test": TEST,
    "synthetic": TEST,
    "spam": SPAM,
    "survey preview spam": SPAM,
    "imported spam": SPAM,
    "ex spam": SPAM,
}
_STATUS_CODES = {
    1.0: PREVIEW,
    17.0: PREVIEW,
    2.0: TEST,
    256.0: TEST,
    8.0: SPAM,
    9.0: SPAM,
    12.0: SPAM,
    40.0: SPAM,
}
_CHANNELS = {"preview": PREVIEW, "test": TEST}
_FALSE = ("false", "0")
_LIMESURVEY = (
    ("submitdate", ("lastpage", "startlanguage")),
    ("Date submitted", ("Last page", "Start language")),
)


def platform_exclusions(
    frame: pd.DataFrame,
    *,
    exclude_unfinished: bool = True,
    exclude_previews: bool = True,
) -> pd.Series:
    """The reason each row is excluded as not a real response, or NA.

    Parameters
    ----------
    frame : an export's frame (column names matched case-insensitively).
    exclude_unfinished : flag rows whose ``Finished`` is False/0, and LimeSurvey
        rows without a ``submitdate``, as ``"unfinished"``.
    exclude_previews : flag Qualtrics ``Status`` previews, tests and spam, and
        ``DistributionChannel`` "preview"/"test".

    Returns
    -------
    pandas.Series
        Same index as ``frame``, ``str`` dtype: ``"preview"``, ``"test"``,
        ``"spam"``, ``"unfinished"`` or NA. The status reason comes first, then
        the distribution channel, then unfinished. Files without these columns
        give NA everywhere.
    """
    reason = pd.Series(np.nan, index=frame.index, dtype=TEXT, name="exclusion")
    if exclude_previews:
        status = _column(frame, "Status")
        if status is not None:
            reason = reason.fillna(_status_reason(status))
        channel = _column(frame, "DistributionChannel")
        if channel is not None:
            reason = reason.fillna(_normalised(channel).map(_CHANNELS).astype(TEXT))
    if exclude_unfinished:
        finished = _column(frame, "Finished")
        if finished is not None:
            unfinished = _normalised(finished).isin(_FALSE) | _is_zero(finished)
            reason = reason.mask(reason.isna() & unfinished, UNFINISHED)
        submitted = limesurvey_submitted(frame)
        if submitted is not None:
            blank = submitted.isna() | (submitted.str.strip() == "")
            reason = reason.mask(reason.isna() & blank.fillna(True), UNFINISHED)
    return reason


def limesurvey_submitted(frame: pd.DataFrame) -> pd.Series | None:
    """LimeSurvey's ``submitdate`` column, when the export is LimeSurvey's."""
    for submit, marks in _LIMESURVEY:
        column = _column(frame, submit)
        if column is not None and any(_column(frame, m) is not None for m in marks):
            return column
    return None


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    if name in frame.columns:
        return frame[name].astype(TEXT)
    folded = name.casefold()
    matches = [
        c for c in frame.columns if isinstance(c, str) and c.casefold() == folded
    ]
    return frame[matches[0]].astype(TEXT) if matches else None


def _normalised(values: pd.Series) -> pd.Series:
    return values.str.strip().str.casefold()


def _is_zero(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").eq(0)


def _status_reason(status: pd.Series) -> pd.Series:
    by_text = _normalised(status).map(_STATUS_TEXT).astype(TEXT)
    codes = pd.to_numeric(status, errors="coerce")
    by_code = codes.map(_STATUS_CODES).astype(TEXT)
    return by_text.fillna(by_code)
