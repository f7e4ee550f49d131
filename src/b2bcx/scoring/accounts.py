"""The account table: respondents rolled up into one row per account (docs/method.md#roll-up, §5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import Problem
from b2bcx.results import AccountMaster, IndexCells
from b2bcx.scoring.agreement import (
    AgreementSums,
    add_agreement,
    sums_from_respondents,
)
from b2bcx.scoring.prepare import FILE, ROW
from b2bcx.stats.intervals import adjusted_wald_nps_interval, t_interval
from b2bcx.stats.rollup import (
    AccountEstimate,
    Cells,
    RoleCells,
    RollupSpec,
    account_flags,
    coverage,
    names_per_row,
    role_cells,
    role_gap,
    roll_up,
    summaries,
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


def account_table(
    respondents: pd.DataFrame, config: Config, agreement: AgreementSums | None = None
) -> pd.DataFrame:
    """One row per account.

    Columns: ``account, n, roles, coverage, index, ci_low, ci_high, nps``, the
    pillar ids, composite ids and outcome ids, ``flags`` (a list), then ``se``,
    ``promoter_share``, ``detractor_share``, ``nps_n``, ``n_eff``,
    ``nps_ci_low``, ``nps_ci_high``, ``nps_promoters``, ``nps_detractors``,
    ``role_gap`` and the shrinkage columns ``reliability``, ``index_eb``,
    ``index_eb_se`` (docs/method.md#shrinkage-and-reliability); accounts with
    reliability below ``flags.low_reliability`` get the flag ``low_reliability``;
    then ``rwg_j`` and ``contacts_needed`` (docs/method.md#agreement-within-an-account,
    from ``agreement``, the sums of :func:`b2bcx.scoring.agreement.sums_from_respondents`,
    made here when not given) and the flag ``low_agreement``.
    Accounts with fewer than ``min_respondents`` are listed with no scores.
    """
    spec = rollup_spec(config)
    cells = Cells.from_respondents(
        respondents["account"], respondents["role"], list(spec.role_weights)
    )
    weights = np.array(list(spec.role_weights.values()), dtype=float)
    table = pd.DataFrame({"account": cells.accounts.astype(str)})
    n = np.bincount(cells.account, minlength=len(cells.accounts))
    table["n"] = n
    table["roles"] = [
        ";".join(r) for r in names_per_row(cells.count() > 0, cells.roles)
    ]
    has_index = "index" in respondents
    index_values = (
        respondents["index"].to_numpy(float)
        if has_index
        else np.full(len(respondents), np.nan)
    )
    index = roll_up(cells, index_values, spec)
    index_cells = role_cells(cells, index_values)
    answered = index_cells.present
    table["coverage"] = coverage(answered, weights)
    table["index"] = index.estimate
    table["ci_low"], table["ci_high"] = t_interval(index.estimate, index.se, index.df)
    table = table.join(_nps_columns(respondents, cells, spec))
    for column in score_columns(config):
        table[column] = roll_up(
            cells, respondents[column].to_numpy(float), spec
        ).estimate
    gap = role_gap(index_cells.mean, answered)
    table["flags"] = _flags(
        respondents, cells, config, n, table["coverage"].to_numpy(), gap
    )
    table["se"] = index.se
    table["df"] = index.df
    table["role_gap"] = gap
    table = _blank_insufficient(table, config)
    if agreement is None:
        agreement = sums_from_respondents(respondents, config)
    return add_agreement(add_shrinkage(table, config), agreement, config)


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


def index_cells(respondents: pd.DataFrame, config: Config) -> IndexCells | None:
    """The index per account and role as the roll-up uses it (None without an index)."""
    if "index" not in respondents or respondents.empty:
        return None
    spec = rollup_spec(config)
    cells = Cells.from_respondents(
        respondents["account"], respondents["role"], list(spec.role_weights)
    )
    summary, pooled = summaries(cells, respondents["index"].to_numpy(float), spec)
    return cells_of_index(cells.accounts.astype(str).to_numpy(), summary, pooled, spec)


def cells_of_index(
    ids: np.ndarray, summary: RoleCells, pooled: RoleCells | None, spec: RollupSpec
) -> IndexCells:
    """:class:`IndexCells` from the roll-up's cell summaries, whatever computed them
    (the respondent path and the moments pass)."""
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


def borrowed_variance_roles(respondents: pd.DataFrame, config: Config) -> list[str]:
    """Roles whose index variance is the all-roles fallback (docs/method.md#variance-fallback)."""
    spec = rollup_spec(config)
    if spec.method == "mean" or "index" not in respondents or respondents.empty:
        return []
    cells = Cells.from_respondents(
        respondents["account"], respondents["role"], list(spec.role_weights)
    )
    summary = role_cells(cells, respondents["index"].to_numpy(float))
    return [r for r, b in zip(cells.roles, summary.borrowed(), strict=True) if b]


def pooled_index_variance(respondents: pd.DataFrame, config: Config) -> float:
    """The within-account variance of the index pooled over all roles (§2's
    fallback ``σ²``), NaN when undefined."""
    if "index" not in respondents or respondents.empty:
        return float("nan")
    spec = rollup_spec(config)
    cells = Cells.from_respondents(
        respondents["account"], respondents["role"], list(spec.role_weights)
    )
    return role_cells(cells, respondents["index"].to_numpy(float)).pooled_all()


def _nps_columns(
    respondents: pd.DataFrame, cells: Cells, spec: RollupSpec
) -> pd.DataFrame:
    columns = pd.DataFrame(index=range(len(cells.accounts)))
    if "nps_code" not in respondents:
        return columns
    code = respondents["nps_code"].to_numpy(float)
    mean_spec = RollupSpec(spec.role_weights, spec.method, "mean", spec.missing_roles)
    promoter_rollup: AccountEstimate = roll_up(
        cells, np.where(np.isnan(code), np.nan, code == 1), mean_spec
    )
    promoters = promoter_rollup.estimate
    detractors = roll_up(
        cells, np.where(np.isnan(code), np.nan, code == -1), mean_spec
    ).estimate
    columns["nps"] = 100.0 * (promoters - detractors)
    columns["promoter_share"] = promoters
    columns["detractor_share"] = detractors
    columns["nps_n"] = _count(cells, ~np.isnan(code))
    columns["nps_promoters"] = _count(cells, code == 1)
    columns["nps_detractors"] = _count(cells, code == -1)
    columns["n_eff"] = promoter_rollup.n_eff
    low, high = adjusted_wald_nps_interval(promoters, detractors, promoter_rollup.n_eff)
    columns["nps_ci_low"], columns["nps_ci_high"] = low, high
    return columns


def _count(cells: Cells, mask: np.ndarray) -> np.ndarray:
    """Respondents per account where ``mask`` holds."""
    return np.bincount(
        cells.account, weights=mask, minlength=len(cells.accounts)
    ).astype(int)


def _flags(
    respondents: pd.DataFrame,
    cells: Cells,
    config: Config,
    n: np.ndarray,
    cover: np.ndarray,
    gap: np.ndarray,
) -> list[list[str]]:
    decision = config.roles.decision_role
    decision_present = detractors = None
    if decision and decision in cells.roles:
        is_decision = cells.role == cells.roles.index(decision)
        decision_present = (
            np.bincount(cells.account, weights=is_decision, minlength=len(n)) > 0
        )
        if "nps_code" in respondents:
            detracting = is_decision & (respondents["nps_code"].to_numpy(float) == -1)
            detractors = np.bincount(
                cells.account, weights=detracting, minlength=len(n)
            )
    thresholds = {
        "role_gap": config.flags.role_gap,
        "low_coverage": config.flags.low_coverage,
        "min_respondents": config.rollup.min_respondents,
    }
    return account_flags(n, cover, gap, decision_present, detractors, thresholds)


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


def account_attributes(
    respondents: pd.DataFrame, columns: Sequence[str], numeric: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[Problem]]:
    """Each account's most frequent non-missing value per attribute column.

    Ties go to the value that sorts first as text, so the choice does not depend on
    the order of the rows. Accounts whose rows disagree are reported as warnings
    naming the account, the column and the values.
    """
    out = pd.DataFrame(
        index=pd.Index(sorted(respondents["account"].unique()), name="account")
    )
    problems: list[Problem] = []
    for column in columns:
        values = respondents[["account", column, FILE, ROW]].dropna(subset=[column])
        counts = (
            values.groupby(["account", column], sort=False)
            .size()
            .rename("count")
            .reset_index()
        )
        top = counts.assign(_text=counts[column].astype(str))
        top = top.sort_values(
            ["count", "_text"], ascending=[False, True], kind="stable"
        ).drop_duplicates("account")
        out[column] = top.set_index("account")[column].reindex(out.index)
        problems += _conflicts(values, counts, column)
    for column in numeric:
        if column in out:
            amounts, ambiguous, refused = read_amounts(out[column])
            refused_at = out[column][refused.ne("").to_numpy()]  # rows named
            first = respondents.drop_duplicates(["account", column])
            rows = first.set_index(["account", column])
            where: dict[Any, tuple[str, int]] = {}
            for account, value in refused_at.items():
                at = (account, value)
                where[account] = (str(rows.at[at, FILE]), int(rows.at[at, ROW]))
            problems += amount_problems(out[column], ambiguous, refused, column, where)
            out[column] = amounts
    return out, problems


def _conflicts(
    values: pd.DataFrame, counts: pd.DataFrame, column: str
) -> list[Problem]:
    """Warnings for accounts with more than one distinct value (vectorised lookup)."""
    conflicting = counts[counts["account"].duplicated(keep=False)]
    if conflicting.empty:
        return []
    seen = conflicting.groupby("account", sort=True)[column].agg(list)
    first = (
        values[values["account"].isin(seen.index)]
        .drop_duplicates("account")
        .set_index("account")
    )
    problems = []
    for account, found in seen.items():
        where = first.loc[account]
        problems.append(
            Problem(
                f"account {account!r} has conflicting values: {', '.join(map(str, found[:5]))}",
                "the most frequent value is used; correct the export or use --accounts",
                file=str(where[FILE]),
                row=int(where[ROW]),
                column=column,
                value=str(found[0]),
                severity="warning",
                code="conflicting-attribute",
            )
        )
    return problems


_COMMA_THOUSANDS = r"-?\d{1,3}(,\d{3})+(\.\d*)?"
_DOT_THOUSANDS = r"-?\d{1,3}(\.\d{3})+(,\d*)?"
_ONE_GROUP = r"-?\d{1,3}[.,]\d{3}"
_INFINITE = r"[+-]?(inf|infinity)"
_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
MAX_AMOUNT = 1e18
"""The largest amount read (no account's revenue comes near it in any currency);
below it no sum over a million accounts can overflow."""
REFUSED = {
    "infinite": "write the amount as a number",
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
    ``"1,250,000.50"``, ``"1.250.000,50"``, ``"€ 1.2e6"`` and ``"1250000.00"``
    are all understood: a separator that repeats, or that precedes the other
    one, groups thousands; the other is the decimal mark. A single separator
    followed by exactly three digits (``"1.250"``, ``"1,250"``) is ambiguous: it
    is read as thousands (1250) and flagged. Text without a digit (``"n/a"``) is
    a missing amount.

    An amount must be a finite number ``0 <= x <= MAX_AMOUNT``: an infinite,
    negative or larger amount, or digits that do not form a number (``"1_0"``,
    ``"12-5"``), is refused (see :data:`REFUSED`). Example: ``"-5"`` is refused
    as negative, ``"1_000"`` as not a number.

    Returns
    -------
    tuple of Series
        The amounts (NaN when missing or refused), whether each cell was
        ambiguous, and why each was refused (``""`` when it was not).
    """
    text = values.astype("string").str.strip()
    infinite_word = text.str.fullmatch(_INFINITE, case=False, na=False)
    odd = text.str.contains("_", regex=False, na=False)
    digits = text.str.contains(r"\d", regex=True, na=False)
    text = text.str.replace(r"(?<=\d)[\s\u00a0\u202f'’](?=\d)", "", regex=True)
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
