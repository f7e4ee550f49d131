"""The account table's shared parts: the roll-up settings, shrinkage, amounts
(docs/method.md#roll-up, §5); :func:`b2bcx.scoring.finish.account_tables` builds
the table from cell statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import Problem
from b2bcx.results import AccountMaster, IndexCells
from b2bcx.stats.intervals import t_interval
from b2bcx.stats.rollup import (
    RoleCells,
    RollupSpec,
)
from b2bcx.stats.shrinkage import Shrinkage, fay_herriot

NAME = "name"  # the account's display name (export `columns.name`, CRM `accounts.name`)


def rollup_spec(config: Config) -> RollupSpec:
    """The roll-up settings of a config."""
    r = config.rollup
    return RollupSpec(config.role_weights, r.method, r.within_role, r.missing_roles)


def score_columns(config: Config) -> list[str]:
    """Rolled-up score columns after ``index``: pillars, composites, 0..100 outcomes."""
    outcomes = [o for o in config.outcomes if o != "nps"]
    return [*config.pillars, *config.composites, *outcomes]


def add_shrinkage(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """``reliability``, ``index_eb``, ``index_eb_se``, its interval
    ``index_eb_ci_low/high`` and the ``low_reliability`` flag.

    The interval is ``index_eb ± t_{df, 0.975} index_eb_se`` with the account's
    Satterthwaite ``df`` (z where ``df`` is undefined), clipped to 0..100
    (docs/method.md#shrunken-index-interval).
    """
    fit = shrinkage(table)
    df = table["df"].to_numpy(float) if "df" in table else np.full(len(table), np.inf)
    low, high = t_interval(
        fit.index_eb, fit.index_eb_se, np.where(np.isnan(df), np.inf, df)
    )
    out = table.assign(
        reliability=fit.reliability,
        index_eb=fit.index_eb,
        index_eb_se=fit.index_eb_se,
        index_eb_ci_low=low,
        index_eb_ci_high=high,
    )
    low = fit.reliability < config.flags.low_reliability
    out["flags"] = [
        [*flags, "low_reliability"] if is_low else flags
        for flags, is_low in zip(out["flags"], low, strict=True)
    ]
    return out


def shrinkage(accounts: pd.DataFrame) -> Shrinkage:
    """The Fay–Herriot fit of an account table (``index`` with its ``se``)."""
    return fay_herriot(
        accounts["index"].to_numpy(float), accounts["se"].to_numpy(float)
    )


def cells_of_index(
    ids: np.ndarray, summary: RoleCells, pooled: RoleCells | None, spec: RollupSpec
) -> IndexCells:
    """:class:`IndexCells` from the roll-up's cell summaries, whatever computed them
    (:func:`b2bcx.scoring.finish.index_cells`)."""
    groups = pooled if spec.method == "mean" and pooled is not None else summary
    weights = (
        np.ones(1)
        if groups is pooled
        else np.array(list(spec.role_weights.values()), dtype=float)
    )
    return IndexCells(
        accounts=np.asarray(ids, dtype=object),
        present=summary.present,
        n=groups.n,
        m=groups.m,
        ss=groups.ss,
        weights=weights,
        top_only=spec.method == "waterfall",
    )


def _blank_insufficient(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    too_few = table["n"] < config.rollup.min_respondents
    if too_few.any():
        scores = [
            c
            for c in table.columns
            if c
            not in (
                "account",
                "n",
                "roles",
                "coverage",
                "flags",
                "nps_n",
                "nps_promoters",
                "nps_detractors",
            )
        ]
        table.loc[too_few, scores] = np.nan
    return table


_COMMA_THOUSANDS = r"-?\d{1,3}(,\d{3})+(\.\d*)?"
_DOT_THOUSANDS = r"-?\d{1,3}(\.\d{3})+(,\d*)?"
_ONE_GROUP = r"-?\d{1,3}[.,]\d{3}"
_INFINITE = r"[+-]?(inf|infinity)"
_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_CURRENCY_CODE = r"^[A-Za-z]{3}\.?(?=[\s\d$€£¥])|(?<=[\d\s])[A-Za-z]{3}\.?$"
"""A currency code before or after the amount (EUR 1200, 1200 SEK): its E is no exponent."""
_ABBREVIATED = (
    r"\d\s*(?:k|m|mm|mn|mln|b|bn|t|tn|mil|mio|mrd|bio|tsd|lakhs?|crores?"
    r"|thousands?|millions?|billions?)\b"
)
MAX_AMOUNT = 1e18
"""The largest amount read (no account's revenue comes near it in any currency);
below it no sum over a million accounts can overflow."""
REFUSED = {
    "infinite": "write the amount as a number",
    "abbreviated (k, M, bn)": "write the amount in full (1200000, not 1.2M): "
    "b2bcx does not guess what a unit multiplies",
    "not a number": "write the amount with digits, a decimal mark and at most "
    "thousands separators (1250000 or 1,250,000.50)",
    "negative": "an account's revenue is 0 or more; correct the amount, or leave "
    "the cell blank when it is not known",
    "larger than 1e18": "check the amount's unit and decimal mark",
}
"""Why an amount is refused -> the hint (an error each, docs/method.md#bad-input)."""


def read_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Amounts written as text -> float, with the cells to warn or stop about.

    ``"1,250,000"``, ``"1.250.000"``, ``"1 250 000"``, ``"1'250'000"``,
    ``"1,250,000.50"``, ``"1.250.000,50"``, ``"€ 1.2e6"``, ``"EUR 1250000"`` and
    ``"1250000.00"``
    are all understood: a separator that repeats, or that precedes the other
    one, groups thousands; the other is the decimal mark. A single separator
    followed by exactly three digits (``"1.250"``, ``"1,250"``) is ambiguous: it
    is read as thousands (1250) and flagged. Text without a digit (``"n/a"``) is
    a missing amount.

    An amount must be a finite number ``0 <= x <= MAX_AMOUNT``: an infinite,
    negative or larger amount, or digits that do not form a number (``"1_0"``,
    ``"12-5"``), or an amount written with a unit that multiplies it (``"1.2M"``,
    ``"12k"``, ``"3 bn"``: its letters would otherwise be dropped and 1.2M read as
    1.2), is refused (see :data:`REFUSED`). Example: ``"-5"`` is refused
    as negative, ``"1_000"`` as not a number.

    Returns
    -------
    tuple of Series
        The amounts (NaN when missing or refused), whether each cell was
        ambiguous, and why each was refused (``""`` when it was not).
    """
    text = values.astype("string").str.strip()
    infinite_word = text.str.fullmatch(_INFINITE, case=False, na=False)
    abbreviated = text.str.contains(_ABBREVIATED, case=False, na=False)
    odd = text.str.contains("_", regex=False, na=False)
    digits = text.str.contains(r"\d", regex=True, na=False)
    text = text.str.replace(r"(?<=\d)[\s\u00a0\u202f'’](?=\d)", "", regex=True)
    text = text.str.replace(_CURRENCY_CODE, "", regex=True)
    text = text.str.replace(r"[^0-9.,eE+-]", "", regex=True)
    ambiguous = text.str.fullmatch(_ONE_GROUP, na=False)
    comma_groups = text.str.fullmatch(_COMMA_THOUSANDS, na=False)
    dot_groups = text.str.fullmatch(_DOT_THOUSANDS, na=False) & ~comma_groups
    text = text.mask(comma_groups, text.str.replace(",", "", regex=False))
    text = text.mask(dot_groups, text.str.replace(".", "", regex=False))
    text = text.str.replace(",", ".", regex=False)
    unreadable = odd | (digits & ~text.str.fullmatch(_NUMBER, na=False))
    amounts = pd.to_numeric(text.mask(unreadable), errors="coerce").astype(float)
    number = amounts.to_numpy()
    infinite = infinite_word.to_numpy() | np.isinf(number)
    reasons = np.select(
        [
            infinite,
            abbreviated.to_numpy(),
            unreadable.to_numpy(),
            number < 0,
            number > MAX_AMOUNT,
        ],
        list(REFUSED),
        "",
    )
    refused = pd.Series(reasons, index=values.index, dtype=object)
    amounts = amounts.mask(refused.ne("").to_numpy())
    return amounts, ambiguous & values.notna(), refused


def parse_amount(values: pd.Series) -> pd.Series:
    """Amounts written as text -> float (see :func:`read_amounts`); never infinite."""
    return read_amounts(values)[0]


def amount_problems(
    values: pd.Series,
    ambiguous: pd.Series,
    refused: pd.Series,
    column: str,
    where: Mapping[Any, tuple[str, int]] | None = None,
) -> list[Problem]:
    """An error per refused amount, a warning per ambiguous one (index = account;
    ``where`` gives each account's amount its file and row)."""
    where = where or {}

    problems = [
        Problem(
            f"the amount is {refused[account]}",
            REFUSED[refused[account]],
            file=where.get(account, (None, None))[0],
            row=where.get(account, (None, None))[1],
            column=column,
            value=f"{account}: {values[account]}",
            code="revenue-unreadable",
        )
        for account in values.index[refused.ne("").to_numpy()]
    ]
    problems += [
        Problem(
            f"{values[account]!r} could be {values[account].replace(',', '.')!r} or "
            "a thousands group; it was read as thousands",
            "write amounts without thousands separators (1250 or 1250.00)",
            file=where.get(account, (None, None))[0],
            row=where.get(account, (None, None))[1],
            column=column,
            value=f"{account}: {values[account]}",
            severity="warning",
            code="ambiguous-amount",
        )
        for account in values.index[ambiguous.to_numpy()]
    ]
    return problems


def revenue_column(config: Config, master: AccountMaster | None) -> str | None:
    if master is not None and master.revenue:
        return master.revenue
    return config.columns.revenue
