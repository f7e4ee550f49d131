"""Agreement within each account, the ICCs of the index and the contacts each
account still needs, from per-account sums both scoring paths have
(docs/method.md#agreement-within-an-account).

Both producers of the cell statistics (the streaming pass and
:func:`b2bcx.scoring.cells.partial_from_respondents`) carry, per account, the
respondents who answered every statement of the index and each statement's
``Σs, Σs²`` over them, next to the index's moments per account x role
(:func:`sums_from_moments`).
Both end in :func:`add_agreement` and :func:`portfolio_agreement`, whose maths
is :mod:`b2bcx.stats.agreement`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from b2bcx.config.models import Config, Scale, scales_in_force
from b2bcx.stats.agreement import (
    contacts_needed,
    one_way_icc,
    respondents_needed,
    rwg_j,
    uniform_null_variance,
)

AGREE = "_agree:"
"""The prefix of the streaming pass's statement scores (not rolled up)."""
ITEM = "item:"
LOW_AGREEMENT = "low_agreement"


@dataclass(frozen=True)
class AgreementSums:
    """Per account (``accounts``, ids): the respondents who answered every statement
    of the index (``complete``) with ``Σs`` and ``Σs²`` of their item scores per
    statement, and ``n, Σx, Σx²`` of the respondent CX index."""

    accounts: np.ndarray
    complete: np.ndarray
    sums: np.ndarray
    squares: np.ndarray
    index_n: np.ndarray
    index_sums: np.ndarray
    index_squares: np.ndarray


@dataclass(frozen=True)
class PortfolioAgreement:
    """ICC(1) and ICC(2) of the respondent index by account and Spearman–Brown's
    ``k*``, the respondents an account needs for reliability ``flags.low_reliability``."""

    icc1: float = math.nan
    icc2: float = math.nan
    k_star: float = math.nan


def answer_options(scale: Scale) -> int | None:
    """The number of answer options ``A`` of a scale; None when it is continuous.

    A labelled scale has as many options as distinct label values; a numeric
    scale with whole-number bounds ``hi − lo + 1``; other bounds are continuous.
    """
    if scale.labels:
        return len(set(scale.labels.values()))
    if float(scale.lo).is_integer() and float(scale.hi).is_integer():
        return int(scale.hi - scale.lo) + 1
    return None


def null_variances(config: Config) -> np.ndarray:
    """Per statement of the index, ``σ²_EU`` on the item-score scale (0..100).

    An item score is ``100 (v − lo)/(hi − lo)`` (reversed or not), so the raw
    answers' variances scale by ``(100/(hi − lo))²``: ``s²/σ²_EU`` is the same on
    either scale.
    """
    scales = scales_in_force(config)
    out = []
    for item in config.item_columns:
        scale = scales[config.scale_for(item)]
        raw = uniform_null_variance(scale.lo, scale.hi, answer_options(scale))
        out.append(raw * (100.0 / (scale.hi - scale.lo)) ** 2)
    return np.array(out, dtype=float)


def sums_from_moments(
    accounts: np.ndarray,
    listwise: tuple[np.ndarray, np.ndarray, np.ndarray],
    index: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    config: Config,
) -> AgreementSums:
    """The per-account sums from the pass: ``listwise`` its per-account complete
    count and statement sums and squares, ``index`` the index's ``n, Σx, Σx²``
    per account x role (None without an index); roles added together."""
    size = len(accounts)
    complete, sums, squares = listwise
    if not len(complete):  # a plan without statements
        complete = np.zeros(size)
        sums = squares = np.zeros((size, len(config.item_columns)))
    if index is None:
        moments = (np.zeros(size), np.zeros(size), np.zeros(size))
    else:
        moments = (index[0].sum(1), index[1].sum(1), index[2].sum(1))
    return AgreementSums(accounts, complete, sums, squares, *moments)


def portfolio_agreement(sums: AgreementSums, config: Config) -> PortfolioAgreement:
    """ICC(1), ICC(2) of the respondent index by account, and ``k*``."""
    fit = one_way_icc(sums.index_n, sums.index_sums, sums.index_squares)
    k_star = respondents_needed(fit.icc1, config.flags.low_reliability)
    return PortfolioAgreement(fit.icc1, fit.icc2, k_star)


def add_agreement(
    table: pd.DataFrame, sums: AgreementSums, config: Config
) -> pd.DataFrame:
    """``rwg_j``, ``contacts_needed`` and the flag ``low_agreement`` on the account table.

    ``rwg_j`` over the index's statements, listwise within the account, from 3
    complete respondents (docs/method.md#agreement-within-an-account);
    ``contacts_needed = max(0, ⌈k*⌉ − n)``; the flag when ``rwg_j`` is below
    ``flags.low_agreement``.
    """
    where = pd.Index(sums.accounts).get_indexer(table["account"].astype(str))
    found = where >= 0
    agreement = np.full(len(table), np.nan)
    if found.any() and sums.sums.shape[1]:
        agreement[found] = _agreement_in_blocks(sums, where[found], config)
    k_star = portfolio_agreement(sums, config).k_star
    out = table.assign(
        rwg_j=agreement,
        contacts_needed=contacts_needed(k_star, table["n"].to_numpy(float)),
    )
    low = agreement < config.flags.low_agreement
    out["flags"] = [
        [*flags, LOW_AGREEMENT] if is_low else flags
        for flags, is_low in zip(out["flags"], low, strict=True)
    ]
    return out


AGREEMENT_BLOCK = 1 << 16
"""Accounts per block of :func:`_agreement_in_blocks`."""


def _agreement_in_blocks(
    sums: AgreementSums, at: np.ndarray, config: Config
) -> np.ndarray:
    """``rwg_j`` of the accounts at rows ``at`` of ``sums``, a block of accounts at
    a time: the statements' sums are copied and their variances made per block
    (``rwg_j`` is account by account), not for all accounts at once (at 625k
    accounts each copy of the account x statement sums is ~90 MB)."""
    null = null_variances(config)
    out = np.empty(len(at))
    for start in range(0, len(at), AGREEMENT_BLOCK):
        rows = at[start : start + AGREEMENT_BLOCK]
        out[start : start + len(rows)] = rwg_j(
            sums.complete[rows], sums.sums[rows], sums.squares[rows], null
        )
    return out
