"""Orders that do not depend on floating-point noise.

Two accounts with the same answers get the same index, but the last bit of a sum can
depend on the order of the additions (the CPU's vector width, the input format, the
engine). Every ranking therefore sorts on its key rounded to :data:`ORDER_DECIMALS`
decimal places, then on the account id, so tied accounts come in id order on every
machine (docs/method.md#order).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and pandas load on first use: the CLI's --help reads
    import numpy as np  # ORDER_DECIMALS and must stay fast
    import pandas as pd

ORDER_DECIMALS = 9
"""Decimal places a sort or threshold key is rounded to (1e-9 on a 0–100 scale)."""


def order_key(column: pd.Series) -> pd.Series:
    """The sort key of one column: numbers rounded to :data:`ORDER_DECIMALS`.

    Text and other columns are returned as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> order_key(pd.Series([58.4325396825397, 58.43253968253969])).nunique()
    1
    """
    from pandas.api.types import is_float_dtype

    if is_float_dtype(column):
        return column.round(ORDER_DECIMALS)
    return column


def rounded(values: np.ndarray | pd.Series) -> np.ndarray:
    """``values`` as floats rounded to :data:`ORDER_DECIMALS` (for cut-offs and ranks)."""
    import numpy as np

    return np.round(np.asarray(values, dtype=float), ORDER_DECIMALS)


def sort_accounts(
    frame: pd.DataFrame,
    by: list[str],
    ascending: list[bool],
    *,
    na_position: str = "last",
    tie: str = "account",
) -> pd.DataFrame:
    """Sort on ``by`` with numbers rounded, then on ``tie`` (the account id) ascending.

    Parameters
    ----------
    frame : the table to sort.
    by, ascending : the ranking keys and their directions.
    na_position : where rows without a key go.
    tie : the column that breaks ties (skipped when absent or already a key).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"account": ["B", "A"], "index": [1.0 + 1e-15, 1.0]})
    >>> sort_accounts(t, ["index"], [False])["account"].tolist()
    ['A', 'B']
    """
    keys, directions = list(by), list(ascending)
    if tie in frame and tie not in keys:
        keys.append(tie)
        directions.append(True)
    return frame.sort_values(
        keys,
        ascending=directions,
        na_position=na_position,  # type: ignore[arg-type]
        kind="stable",
        key=order_key,
    )


def for_display(value: float, digits: int) -> Decimal:
    """``value`` as shown with ``digits`` decimals, the same on every machine.

    Rounded first to :data:`ORDER_DECIMALS` places, so last-bit noise never tips a
    digit, then half away from zero as Excel shows it (0.5 -> 1, -2.25 -> -2.3 at one
    decimal); a negative zero becomes zero.

    Examples
    --------
    >>> str(for_display(0.49999999999999994, 0)), str(for_display(-0.04, 1))
    ('1', '0.0')
    >>> import numpy as np
    >>> str(for_display(np.float64(38.5), 0))
    '39'

    """
    value = float(value)  # numpy scalars: repr() must be the plain number
    if not math.isfinite(value) or abs(value) >= 1e15:  # beyond noise and Decimal's
        return Decimal(repr(value))  # 28 digits: shown as they are
    exact = Decimal(repr(round(value, ORDER_DECIMALS)))
    shown = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return shown if shown else abs(shown)


def shown(value: object, digits: int = 1, signed: bool = False) -> str:
    """A number as every view prints it: :func:`for_display`, with a sign when asked;
    ``""`` for a missing value.

    Examples
    --------
    >>> shown(38.5, 0), shown(-0.04, 1, signed=True), shown(float("nan"))
    ('39', '+0.0', '')
    """
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if math.isnan(x):
        return ""
    if math.isinf(x) or abs(x) >= 1e15:  # beyond noise: as Python prints it
        return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    text = for_display(x, digits)
    return f"{text:+.{digits}f}" if signed else f"{text:.{digits}f}"
