"""Item scores -> pillar scores -> CX index, per respondent (docs/method.md#scores)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def weighted_mean(
    scores: pd.DataFrame, weights: Sequence[float] | None = None, min_present: int = 1
) -> pd.Series:
    """Row-wise weighted mean of the present (non-NaN) columns.

    Rows with fewer than ``min_present`` present values get NaN.
    """
    mean = weighted_row_mean(scores.to_numpy(dtype=float), weights, min_present)
    return pd.Series(mean, index=scores.index)


def weighted_row_mean(
    values: np.ndarray, weights: Sequence[float] | None = None, min_present: int = 1
) -> np.ndarray:
    """:func:`weighted_mean` on a (rows, columns) array, for the streaming pass.

    Parameters
    ----------
    values : scores, NaN where missing.
    weights : one weight per column (default: equal).
    min_present : rows with fewer present values get NaN.

    Returns
    -------
    numpy.ndarray
        ``Σ w_j x_j / Σ w_j`` over each row's present columns, summed column by
        column in column order, so that every path and machine gives the same
        digits. Example: ``[[50, nan, 100]]`` with weights ``[1, 1, 3]`` gives
        ``[87.5]``.
    """
    w = (
        np.ones(values.shape[1])
        if weights is None
        else np.asarray(weights, dtype=float)
    )
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    total = np.zeros(len(values))
    weight_present = np.zeros(len(values))
    for j in range(values.shape[1]):  # column by column: the same order of additions
        # whatever the array's layout or the machine (a BLAS product is neither)
        total += np.where(present[:, j], values[:, j] * w[j], 0.0)
        weight_present += np.where(present[:, j], w[j], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / weight_present
    mean[present.sum(axis=1) < max(min_present, 1)] = np.nan
    return mean


def pillar_score(
    item_scores: pd.DataFrame, min_items: int, weights: Sequence[float] | None = None
) -> pd.Series:
    """A respondent's pillar score.

    The (weighted) mean of the answered item scores of the pillar, if at least
    ``min_items`` are answered; else NaN. docs/method.md#scores.
    """
    return weighted_mean(item_scores, weights, min_items)


def cx_index(
    pillar_scores: pd.DataFrame, weights: Mapping[str, float] | None = None
) -> pd.Series:
    """A respondent's CX index.

    The (weighted) mean of the available pillar scores, if at least half of the
    pillars (rounded up) are present; else NaN. docs/method.md#scores.
    """
    index = cx_index_values(
        pillar_scores.to_numpy(dtype=float), list(pillar_scores.columns), weights
    )
    return pd.Series(index, index=pillar_scores.index)


def cx_index_values(
    pillar_scores: np.ndarray,
    pillars: Sequence[str],
    weights: Mapping[str, float] | None = None,
) -> np.ndarray:
    """:func:`cx_index` on a (respondents, pillars) array, columns named by ``pillars``."""
    w = None if weights is None else [weights.get(c, 1.0) for c in pillars]
    return weighted_row_mean(pillar_scores, w, math.ceil(len(pillars) / 2))
