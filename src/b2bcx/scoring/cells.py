"""The scored respondent table as account x role cell statistics: the second
producer of the :class:`~b2bcx.scoring.moments.Partial` the streaming pass makes
(docs/method.md#streaming).

Both producers hand their cells to one :func:`b2bcx.scoring.finish.account_tables`,
which builds every account-level table, so the respondent path and the pass agree
by construction.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from b2bcx.scoring.agreement import ITEM
from b2bcx.scoring.moments import (
    DETRACTOR,
    PROMOTER,
    Comments,
    Partial,
    Plan,
    first_comments,
)
from b2bcx.scoring.prepare import FILE, ROW


def partial_from_respondents(respondents: pd.DataFrame, p: Plan) -> Partial:
    """The cell statistics of a scored respondent table, as the pass sums them.

    Per account (sorted by id) x role (config order) the respondents ``count``;
    per score of ``p.scores`` the values present ``n``, ``Σx`` and ``Σx²``
    (``_promoter``/``_detractor`` are the indicators ``nps_code = 1`` and
    ``= −1``, missing where there is no NPS answer); per account the listwise
    statement sums agreement needs; per attribute column each account's value
    counts with the first row (a position in ``respondents``); per account and
    role the first comments by respondent id, then text. With
    ``rollup.within_role: median`` also each cell's median and each account's
    median over all roles (``median``, ``median_all``), which the pass does not
    carry. Each sum runs over the rows in table order, as the pass adds them.

    Example: two respondents of account ``A``, role ``user``, index 50 and 70,
    give ``count = 2``, ``n = 2``, ``Σx = 120``, ``Σx² = 7400`` at ``A`` x ``user``.
    """
    ids = respondents["account"].astype(str)
    account, accounts = pd.factorize(ids, sort=True)
    role = pd.Index(list(p.roles)).get_indexer(respondents["role"])
    if (role < 0).any() or (account < 0).any():
        raise ValueError("every respondent needs an account and a configured role")
    size, width = len(accounts), len(p.roles)
    cell = account.astype(np.int64) * width + role
    cells = size * width
    out = Partial.empty(p)
    out.accounts = pa.array([str(a) for a in accounts], pa.string())
    out.count = np.bincount(cell, minlength=cells).astype(float).reshape(size, width)
    values = _scores(respondents, p)
    have = ~np.isnan(values)
    filled = np.where(have, values, 0.0)
    shape = (size, width, len(p.scores))
    out.n, out.total, out.squares = (np.zeros(shape) for _ in "nts")
    for j in range(len(p.scores)):
        out.n[:, :, j] = np.bincount(cell, have[:, j], cells).reshape(size, width)
        x = filled[:, j]
        out.total[:, :, j] = np.bincount(cell, x, cells).reshape(size, width)
        out.squares[:, :, j] = np.bincount(cell, x**2, cells).reshape(size, width)
    if p.agreement:
        _agreement(out, respondents, p, account)
    if p.config.rollup.within_role == "median":
        out.median = _medians(values, cell, cells).reshape(shape)
        pooled = _medians(values, account.astype(np.int64), size)
        out.median_all = pooled.reshape(size, 1, len(p.scores))
    _attributes(out, respondents, p, account)
    out.comments = _comments(respondents, p, accounts, account, role)
    return out


def respondent_rows(respondents: pd.DataFrame) -> Callable[[int], tuple[str, int]]:
    """A position in the respondent table -> the file and row the user sees
    (the :class:`b2bcx.scoring.finish.Locator` of the respondent producer)."""
    files = respondents[FILE].to_numpy()
    rows = respondents[ROW].to_numpy()

    def locate(position: int) -> tuple[str, int]:
        return str(files[int(position)]), int(rows[int(position)])

    return locate


def _scores(respondents: pd.DataFrame, p: Plan) -> np.ndarray:
    """Rows x scores of the plan (NaN where missing or not in the table)."""
    out = np.full((len(respondents), len(p.scores)), np.nan)
    code = (
        respondents["nps_code"].to_numpy(float)
        if "nps_code" in respondents
        else np.full(len(respondents), np.nan)
    )
    for j, name in enumerate(p.scores):
        if name in (PROMOTER, DETRACTOR):
            target = 1 if name == PROMOTER else -1
            out[:, j] = np.where(np.isnan(code), np.nan, code == target)
        elif name in respondents:
            out[:, j] = respondents[name].to_numpy(float)
    return out


def _agreement(
    out: Partial, respondents: pd.DataFrame, p: Plan, account: np.ndarray
) -> None:
    """Per account the respondents who answered every statement of the index,
    with ``Σs`` and ``Σs²`` of each statement's item score over them."""
    size = len(out.accounts)
    columns = [f"{ITEM}{c}" for c in p.agreement]
    if set(columns) <= set(respondents.columns):
        x = respondents[columns].to_numpy(float)
    else:
        x = np.full((len(respondents), len(columns)), np.nan)
    whole = ~np.isnan(x).any(axis=1)
    out.agree_n = np.bincount(account, whole.astype(float), size)
    out.agree_sums = np.zeros((size, len(columns)))
    out.agree_squares = np.zeros((size, len(columns)))
    for j in range(len(columns)):
        value = np.where(whole, x[:, j], 0.0)
        out.agree_sums[:, j] = np.bincount(account, value, size)
        out.agree_squares[:, j] = np.bincount(account, value**2, size)


def _comments(
    respondents: pd.DataFrame,
    p: Plan,
    accounts: pd.Index,
    account: np.ndarray,
    role: np.ndarray,
) -> Comments:
    """Per (account id, role code) the first :data:`COMMENTS_KEPT` non-blank
    comments as ``(respondent id, text)``, as the pass keeps them."""
    column = p.comment
    if not column or column not in respondents:
        return {}
    text = respondents[column].astype("string")
    said = (text.notna() & text.str.strip().ne("")).to_numpy(bool)
    where = np.flatnonzero(said)
    people = (
        respondents["respondent"].astype("string").fillna("").to_numpy(object)
        if p.config.columns.respondent and "respondent" in respondents
        else np.full(len(respondents), "", object)
    )
    found: Comments = {}
    texts = text.to_numpy(object)
    for k in where.tolist():
        key = (str(accounts[account[k]]), int(role[k]))
        found.setdefault(key, []).append((str(people[k]), str(texts[k])))
    return first_comments(found)


def _medians(values: np.ndarray, key: np.ndarray, groups: int) -> np.ndarray:
    """Per group (``key`` 0..groups−1) and score column the median of the values
    present (NaN for none)."""
    out = np.full((groups, values.shape[1]), np.nan)
    if len(values):
        found = pd.DataFrame(values).groupby(key).median()
        out[found.index.to_numpy()] = found.to_numpy(float)
    return out


def _attributes(
    out: Partial, respondents: pd.DataFrame, p: Plan, account: np.ndarray
) -> None:
    """Per attribute column each account's distinct values, their counts and the
    position of their first row (values as the table holds them)."""
    for column in p.attributes:
        if column not in respondents:
            continue
        series = respondents[column]
        present = series.notna().to_numpy()
        code, values = pd.factorize(series[present], sort=False)
        rows = np.flatnonzero(present)
        key = account[rows].astype(np.int64) * max(len(values), 1) + code
        found, first, counts = np.unique(key, return_index=True, return_counts=True)
        out.vocabulary[column] = {v: k for k, v in enumerate(values.tolist())}
        out.attributes[column] = {
            "account": (found // max(len(values), 1)).astype(np.int64),
            "value": (found % max(len(values), 1)).astype(np.int64),
            "count": counts.astype(np.int64),
            "first": rows[first].astype(np.int64),
        }
