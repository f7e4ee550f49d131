"""Account x role cell statistics -> every account-level table (the account table,
role table, attributes and their conflicts, borrowed roles, index cells,
agreement, pooled variance), with the roll-up maths of :mod:`b2bcx.stats.rollup`
(docs/method.md#streaming).

The cells have two producers: the streaming pass (:mod:`b2bcx.scoring.moments`)
and the scored respondent table (:func:`b2bcx.scoring.cells.partial_from_respondents`).
:func:`account_tables` is the one finish both go through; :func:`finish` adds the
pass's own row accounting and problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from b2bcx.errors import Problem
from b2bcx.results import IndexCells
from b2bcx.scoring.accounts import (
    _blank_insufficient,
    add_shrinkage,
    amount_problems,
    cells_of_index,
    read_amounts,
    rollup_spec,
    score_columns,
)
from b2bcx.scoring.agreement import (
    AgreementSums,
    PortfolioAgreement,
    add_agreement,
    portfolio_agreement,
    sums_from_moments,
)
from b2bcx.scoring.attributes import named
from b2bcx.scoring.breakdowns import role_means, role_nps
from b2bcx.scoring.moments import (
    DETRACTOR,
    PART_BITS,
    PROMOTER,
    Partial,
    Plan,
)
from b2bcx.scoring.prepare import (
    FILE,
    MAX_LISTED,
    ROW,
    duplicate_warning,
    more_duplicates_warning,
)
from b2bcx.scoring.respondents import _scale_hint, _with_suggestion
from b2bcx.stats.drivers import AccountSums
from b2bcx.stats.intervals import adjusted_wald_nps_interval, t_interval
from b2bcx.stats.rollup import (
    AccountEstimate,
    RoleCells,
    RollupSpec,
    account_flags,
    coverage,
    names_per_row,
    role_gap,
    roll_up_cells,
)


@dataclass(frozen=True)
class Finished:
    """What the pass yields once merged: the account-level tables
    (:func:`account_tables`), the row accounting and the problems of single
    rows, in the order the respondent path finds them (errors and warnings)."""

    tables: Tables
    rows: pd.DataFrame
    problems: list[Problem]


class Locator:
    """Positions (``part << 32 | record``) -> the file and the row the user sees."""

    def __init__(self, total: Partial, first_rows: Mapping[str, int]) -> None:
        self.parts = total.parts
        self.start: dict[int, int] = {}
        seen: dict[str, int] = {}
        for part in sorted(total.parts):
            file, records, _ = total.parts[part]
            self.start[part] = first_rows.get(file, 2) + seen.get(file, 0)
            seen[file] = seen.get(file, 0) + records

    def __call__(self, position: int) -> tuple[str, int]:
        part = int(position) >> PART_BITS
        return self.parts[part][0], self.start[part] + (int(position) & 0xFFFFFFFF)


@dataclass(frozen=True)
class Repeats:
    """Rows dropped before the pass as repeated respondent ids (``filters.dedupe``).

    ``dropped`` holds, in file order, per dropped row: the respondent id, its
    position, the position of the row kept for that id, and whether the two rows
    read the same.
    """

    column: str
    policy: str
    dropped: tuple[tuple[str, int, int, bool], ...]


def repeat_warnings(repeats: Repeats, locate: Locator) -> list[Problem]:
    """A warning per dropped row (the first ``MAX_LISTED``), as the respondent path
    words them."""
    warnings = []
    for respondent, position, kept, same in repeats.dropped[:MAX_LISTED]:
        file, row = locate(position)
        kept_file, kept_row = locate(kept)
        where = (
            f"row {kept_row}" if kept_file == file else f"{kept_file} row {kept_row}"
        )
        warnings.append(
            duplicate_warning(
                respondent, where, same, file, row, repeats.column, repeats.policy
            )
        )
    if len(repeats.dropped) > MAX_LISTED:
        file = locate(repeats.dropped[MAX_LISTED][1])[0]
        warnings.append(
            more_duplicates_warning(
                len(repeats.dropped) - MAX_LISTED, file, repeats.column
            )
        )
    return warnings


Locate = Callable[[int], tuple[str, int]]
"""A position in a partial (its first rows) -> the file and row the user sees."""


def cell_summary(total: Partial, j: int | None, within: str = "mean") -> RoleCells:
    """Account x role ``n``, centre, mean and squares of score ``j``.

    ``mean_ar = Σx / n``, ``SS_ar = Σx² − n mean_ar²`` (0 for an empty cell); the
    centre ``m_ar`` is the mean, or with ``within = "median"`` the cell medians
    the respondent producer carries (the pass does not: a ``ValueError``).
    """
    if j is None:
        zeros = np.zeros_like(total.count)
        n, s, ss = zeros, zeros, zeros
    else:
        n, s, ss = total.n[:, :, j], total.total[:, :, j], total.squares[:, :, j]
    if within == "median" and j is not None and total.median.shape[:2] != n.shape:
        raise ValueError("cell medians come from the respondent table only")
    centre = None
    if within == "median":
        centre = np.full(n.shape, np.nan) if j is None else total.median[:, :, j]
    return RoleCells.from_sums(n, s, ss, centre)


def roll_up_moments(total: Partial, j: int | None, spec: RollupSpec) -> AccountEstimate:
    """:func:`b2bcx.stats.rollup.roll_up` from the cell moments of score ``j``."""
    summary, pooled = moment_summaries(total, j, spec)
    return roll_up_cells(summary, spec, total.roles, pooled)


def moment_summaries(
    total: Partial, j: int | None, spec: RollupSpec
) -> tuple[RoleCells, RoleCells | None]:
    """:func:`b2bcx.stats.rollup.summaries` from the cell moments of score ``j``."""
    summary = cell_summary(total, j, spec.within_role)
    pooled = None
    if spec.method == "mean":
        pooled_total = replace(
            total,
            count=total.count.sum(axis=1, keepdims=True),
            n=total.n.sum(axis=1, keepdims=True),
            total=total.total.sum(axis=1, keepdims=True),
            squares=total.squares.sum(axis=1, keepdims=True),
            median=total.median_all,
        )
        pooled = cell_summary(pooled_total, j, spec.within_role)
    return summary, pooled


def index_cells(total: Partial, p: Plan) -> IndexCells | None:
    """The index per account and role as the roll-up uses it (None without an
    index), for the like-for-like change."""
    if "index" not in p.scores:
        return None
    spec = rollup_spec(p.config)
    summary, pooled = moment_summaries(total, p.scores.index("index"), spec)
    ids = np.array([str(a) for a in total.accounts.to_pylist()], dtype=object)
    return cells_of_index(ids, summary, pooled, spec)


def account_columns(
    total: Partial, p: Plan, order: np.ndarray
) -> dict[str, np.ndarray | list[object]]:
    """The account table's columns that need the per-account sums, every score
    rolled up, each put in ``order`` as it is made (the table is never copied
    whole to sort it); :func:`account_labels` has the others."""
    config = p.config
    spec = rollup_spec(config)
    scores = {name: j for j, name in enumerate(p.scores)}
    weights = np.array(list(spec.role_weights.values()), dtype=float)
    n = total.count.sum(axis=1).round().astype(np.int64)
    columns: dict[str, np.ndarray | list[object]] = {"n": n[order]}
    j_index = scores.get("index")
    index = roll_up_moments(total, j_index, spec)
    index_cells = cell_summary(total, j_index)
    answered = index_cells.present
    cover = coverage(answered, weights)
    columns["coverage"] = cover[order]
    columns["index"] = index.estimate[order]
    low, high = t_interval(index.estimate, index.se, index.df)
    columns["ci_low"], columns["ci_high"] = low[order], high[order]
    if PROMOTER in scores:
        for name, values in _nps_columns(total, scores, spec).items():
            columns[name] = values[order]
    for column in score_columns(config):
        columns[column] = roll_up_moments(total, scores[column], spec).estimate[order]
    gap = role_gap(index_cells.mean, answered)
    flags = _flags(total, p, n, cover, gap)
    columns["flags"] = [flags[i] for i in order.tolist()]
    columns["se"] = index.se[order]
    columns["df"] = index.df[order]
    columns["role_gap"] = gap[order]
    return columns


def account_labels(
    total: Partial, p: Plan, order: np.ndarray
) -> dict[str, np.ndarray | list[object]]:
    """The account ids and the roles heard, in ``order`` (no sums needed)."""
    ids = total.accounts.take(pa.array(order, pa.int64()))
    present = names_per_row(total.count > 0, p.roles)
    return {
        "account": np.array(ids.to_pylist(), object),
        "roles": [";".join(present[i]) for i in order.tolist()],
    }


def account_frame(
    labels: Mapping[str, np.ndarray | list[object]],
    columns: Mapping[str, np.ndarray | list[object]],
    p: Plan,
    agreement: AgreementSums,
) -> pd.DataFrame:
    """The account table of :func:`account_labels` and :func:`account_columns`
    (``account, n, roles``, then the scores), with the shrinkage and agreement
    columns."""
    ordered = {"account": labels["account"], "n": columns["n"], **labels, **columns}
    table = pd.DataFrame(ordered, copy=False)
    shrunk = add_shrinkage(_blank_insufficient(table, p.config), p.config)
    return add_agreement(shrunk, agreement, p.config)


def agreement_sums(total: Partial, p: Plan) -> AgreementSums:
    """The per-account sums agreement and the ICCs need (roles added together)."""
    accounts = np.array(total.accounts.to_pylist(), object)
    j = p.scores.index("index") if "index" in p.scores else None
    index = (
        None
        if j is None
        else (total.n[:, :, j], total.total[:, :, j], total.squares[:, :, j])
    )
    listwise = (total.agree_n, total.agree_sums, total.agree_squares)
    return sums_from_moments(accounts, listwise, index, p.config)


def _nps_columns(
    total: Partial, scores: Mapping[str, int], spec: RollupSpec
) -> dict[str, np.ndarray]:
    mean_spec = RollupSpec(spec.role_weights, spec.method, "mean", spec.missing_roles)
    promoter_rollup = roll_up_moments(total, scores[PROMOTER], mean_spec)
    promoters = promoter_rollup.estimate
    detractors = roll_up_moments(total, scores[DETRACTOR], mean_spec).estimate
    columns = {
        "nps": 100.0 * (promoters - detractors),
        "promoter_share": promoters,
        "detractor_share": detractors,
    }
    for name, j, source in (
        ("nps_n", scores[PROMOTER], total.n),
        ("nps_promoters", scores[PROMOTER], total.total),
        ("nps_detractors", scores[DETRACTOR], total.total),
    ):
        columns[name] = source[:, :, j].sum(axis=1).round().astype(np.int64)
    columns["n_eff"] = promoter_rollup.n_eff
    low, high = adjusted_wald_nps_interval(promoters, detractors, promoter_rollup.n_eff)
    columns["nps_ci_low"], columns["nps_ci_high"] = low, high
    return columns


def borrowed_roles(total: Partial, p: Plan) -> tuple[str, ...]:
    """Roles whose index variance is the all-roles fallback
    (docs/method.md#variance-fallback)."""
    if p.config.rollup.method == "mean" or "index" not in p.scores:
        return ()
    summary = cell_summary(total, p.scores.index("index"))
    return tuple(r for r, b in zip(p.roles, summary.borrowed(), strict=True) if b)


def _flags(
    total: Partial, p: Plan, n: np.ndarray, cover: np.ndarray, gap: np.ndarray
) -> list[list[str]]:
    config = p.config
    decision = config.roles.decision_role
    decision_present = detractors = None
    if decision and decision in p.roles:
        r = p.roles.index(decision)
        decision_present = total.count[:, r] > 0
        if DETRACTOR in p.scores:
            detractors = total.total[:, r, p.scores.index(DETRACTOR)]
    thresholds = {
        "role_gap": config.flags.role_gap,
        "low_coverage": config.flags.low_coverage,
        "min_respondents": config.rollup.min_respondents,
    }
    return account_flags(n, cover, gap, decision_present, detractors, thresholds)


def role_table(total: Partial, p: Plan, order: np.ndarray) -> pd.DataFrame:
    """Respondent means of the index, pillars and outcomes by role, and NPS by role.

    Columns: ``role, respondents, accounts, index``, the score columns, ``nps``;
    each mean sums the cells over the accounts in id order (``order``,
    :func:`b2bcx.scoring.breakdowns.role_means`), so the digits do not depend on
    which producer made the cells or in which order the rows came."""
    config = p.config
    present = total.count.sum(axis=0) > 0
    roles = [r for r, here in zip(p.roles, present, strict=True) if here]
    keep = present.nonzero()[0]
    table = pd.DataFrame(
        {
            "role": roles,
            "respondents": total.count.sum(axis=0)[keep].round().astype(np.int64),
            "accounts": (total.count > 0).sum(axis=0)[keep].astype(np.int64),
        }
    )
    names = [c for c in ["index", *score_columns(config)] if c in p.scores]

    def cells(moments: np.ndarray, j: int) -> np.ndarray:
        return moments[:, :, j][order]  # one score's cells sorted, not all

    for name in names:
        j = p.scores.index(name)
        table[name] = role_means(cells(total.total, j), cells(total.n, j))[keep]
    if PROMOTER in p.scores:
        j, k = p.scores.index(PROMOTER), p.scores.index(DETRACTOR)
        promoters, detractors = cells(total.total, j), cells(total.total, k)
        table["nps"] = role_nps(promoters, detractors, cells(total.n, j))[keep]
    return table


def attributes(
    total: Partial, p: Plan, locate: Locate, order: np.ndarray
) -> tuple[pd.DataFrame, list[Problem], bool]:
    """Each account's most frequent attribute value (ties: first as text), conflicts,
    ambiguous and refused amounts (:func:`read_amounts`; each named at the first
    row of the account with that amount), and whether an amount is refused.

    ``order`` lists the partial's accounts sorted by id; conflicts are reported
    in that order.
    """
    accounts = np.array(total.accounts.to_pylist(), object)
    out = pd.DataFrame(index=pd.Index(accounts, name="account"))
    problems: list[Problem] = []
    c = p.config.columns
    questioned = False
    firsts: dict[str, pd.DataFrame] = {}
    for column in p.attributes:
        entries = total.attributes.get(column)
        if entries is None:
            continue
        found = pd.DataFrame(entries)
        names = np.empty(len(total.vocabulary[column]), object)
        for value, code in total.vocabulary[column].items():
            names[code] = value
        found["value"] = names[found["value"].to_numpy()]
        found["text"] = found["value"].astype(str)
        top = found.sort_values(
            ["account", "count", "text"], ascending=[True, False, True], kind="stable"
        ).drop_duplicates("account")
        firsts[column] = top
        values = pd.Series(
            top["value"].tolist(),
            index=top["account"].to_numpy(),
            dtype=None if len(top) else "str",
        )
        out[column] = values.reindex(range(len(accounts))).to_numpy()
        problems += _conflicts(found, accounts, column, locate, order)
    if c.revenue and c.revenue in out:
        amounts, ambiguous, refused = read_amounts(out[c.revenue])
        questioned = bool(refused.ne("").any())
        top = firsts[c.revenue].set_index("account")["first"]
        where = {
            accounts[a]: locate(top[a])
            for a in np.flatnonzero(refused.ne("").to_numpy())
        }
        problems += amount_problems(  # by account id
            out[c.revenue].iloc[order],
            ambiguous.iloc[order],
            refused.iloc[order],
            c.revenue,
            where,
        )
        out[c.revenue] = amounts
    return out, problems, questioned


def _conflicts(
    found: pd.DataFrame,
    accounts: np.ndarray,
    column: str,
    locate: Locate,
    order: np.ndarray,
) -> list[Problem]:
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    several = found[found["account"].duplicated(keep=False)]
    several = several.assign(rank=rank[several["account"].to_numpy()])
    problems = []
    for _, group in several.sort_values(["rank", "first"]).groupby("rank", sort=True):
        account = int(group["account"].iloc[0])
        values = group["value"].tolist()
        file, row = locate(group["first"].min())
        problems.append(
            Problem(
                f"account {accounts[account]!r} has conflicting values: {', '.join(map(str, values[:5]))}",
                "the most frequent value is used; correct the export or use --accounts",
                file=file,
                row=row,
                column=column,
                value=str(values[0]),
                severity="warning",
                code="conflicting-attribute",
            )
        )
    return problems


def census_problems(total: Partial, p: Plan, locate: Locator) -> list[Problem]:
    """Unmapped roles, invalid answers and blank statement columns, in the order the
    respondent path reports them (one problem per distinct value, at its first row)."""
    config = p.config
    problems: list[Problem] = []
    role = config.columns.role or "role"
    problems += _distinct(
        total.census.get((role, "unmapped"), {}),
        locate,
        role,
        "role answer is not mapped to a role",
        f"add it under `roles.map` (roles: {', '.join(config.role_weights)}), or set `roles.unmapped: ignore`",
        code="unmapped-role",
    )
    for answer in p.items:
        problems += _invalid(total, answer, locate)
        if total.rows and not total.answered.get(answer.column, 0) and _kept(total):
            problems.append(_blank_column(total, answer.column))
    for _, answer in p.outcomes:
        problems += _invalid(total, answer, locate)
    return problems


def _kept(total: Partial) -> int:
    return int(total.count.sum().round())


def _invalid(total: Partial, answer, locate: Locator) -> list[Problem]:  # type: ignore[no-untyped-def]
    found = _distinct(
        total.census.get((answer.column, "invalid"), {}),
        locate,
        answer.column,
        f"answer is not on scale `{answer.scale_id}`",
        _scale_hint(answer.scale_id, answer.scale),
        code="invalid-answer",
    )
    return [_with_suggestion(problem, answer.scale) for problem in found]


def _distinct(
    census: Mapping[str, list[int]],
    locate: Locator,
    column: str,
    problem: str,
    hint: str,
    *,
    code: str,
) -> list[Problem]:
    problems = []
    for value, (count, first) in sorted(census.items(), key=lambda kv: kv[1][1]):
        extra = f" ({count} rows)" if count > 1 else ""
        file, row = locate(first)
        problems.append(
            Problem(
                f"{problem}{extra}",
                hint,
                file=file,
                row=row,
                column=column,
                value=value,
                code=code,
            )
        )
    return problems


def _blank_column(total: Partial, column: str) -> Problem:
    files = [file for file, _, kept in total.parts.values() if kept]
    return Problem(
        "the statement column is blank in every row: its pillar is scored from the other items",
        "check that the export has the answers and that the config names the right column",
        file=", ".join(dict.fromkeys(files)),
        column=column,
        severity="warning",
        code="blank-column",
    )


def rows_accounting(total: Partial) -> pd.DataFrame:
    """Row accounting in compact form: one line per status and reason, with ``count``."""
    lines = [("scored", pd.NA, _kept(total))]
    lines += [("excluded", reason, k) for reason, k in total.excluded.items()]
    return pd.DataFrame(
        {
            FILE: pd.NA,
            ROW: pd.NA,
            "status": [s for s, _, _ in lines],
            "reason": [r for _, r, _ in lines],
            "count": [k for _, _, k in lines],
        }
    )


@dataclass(frozen=True)
class Tables:
    """Every account-level table of some cell statistics (see :func:`account_tables`).

    ``attribute_warnings`` are the conflicting account attributes and the
    ambiguous (warnings) and refused (errors) revenue amounts; ``questioned_amounts``
    says that an amount is refused; ``cells`` the counts per account and role
    (:func:`cell_counts`), ``comments`` the comments kept (:func:`comment_table`).
    """

    accounts: pd.DataFrame
    by_role: pd.DataFrame
    attribute_warnings: list[Problem]
    borrowed: tuple[str, ...]
    questioned_amounts: bool
    index_cells: IndexCells | None
    agreement: PortfolioAgreement
    pooled_variance: float
    cells: pd.DataFrame
    comments: pd.DataFrame


def finish(total: Partial, p: Plan, first_rows: Mapping[str, int]) -> Finished:
    """The tables (:func:`account_tables`), row accounting and problems of a merged
    partial of the pass."""
    locate = Locator(total, first_rows)
    return Finished(
        account_tables(total, p, locate),
        rows_accounting(total),
        census_problems(total, p, locate),
    )


def account_tables(total: Partial, p: Plan, locate: Locate) -> Tables:
    """The one finish: every account-level table of a partial, whichever producer
    made it (the pass, or :func:`b2bcx.scoring.cells.partial_from_respondents`).

    The account table has one row per account, sorted by id: ``account, n,
    roles, coverage, index, ci_low, ci_high``, with NPS ``nps, promoter_share,
    detractor_share, nps_n, nps_promoters, nps_detractors, n_eff, nps_ci_low,
    nps_ci_high``, the pillar, composite and outcome ids, ``flags`` (a list),
    ``se, df, role_gap``, the shrinkage columns ``reliability, index_eb,
    index_eb_se, index_eb_ci_low, index_eb_ci_high``
    (docs/method.md#shrinkage-and-reliability), ``rwg_j, contacts_needed``
    (docs/method.md#agreement-within-an-account), then the account attributes.
    Accounts with fewer than ``min_respondents`` are listed with no scores.

    The partial's per-account sums are let go (:meth:`Partial.release_sums`) once
    every table that needs them is made, before the account table is built: at
    600k accounts that halves the peak memory of a streamed ``score``.
    """
    order = pc.sort_indices(total.accounts).to_numpy(zero_copy_only=False)
    by_role, borrowed = role_table(total, p, order), borrowed_roles(total, p)
    cells = index_cells(total, p)
    j_index = p.scores.index("index") if "index" in p.scores else None
    pooled = cell_summary(total, j_index).pooled_all()
    columns = account_columns(total, p, order)
    agreement = agreement_sums(total, p)
    counted = cell_counts(total, p, order)
    total.release_sums()
    accounts = account_frame(account_labels(total, p, order), columns, p, agreement)
    del columns
    found, warnings, questioned = attributes(total, p, locate, order)
    accounts = accounts.join(named(found, p.config), on="account")
    return Tables(
        accounts,
        by_role,
        warnings,
        borrowed,
        questioned,
        cells,
        portfolio_agreement(agreement, p.config),
        pooled,
        counted,
        comment_table(total, p),
    )


def comment_table(total: Partial, p: Plan) -> pd.DataFrame:
    """The comments kept per account and role (``account, role, respondent,
    text``), sorted by account, role, respondent and text."""
    lines = [
        (account, p.roles[role], person, text)
        for (account, role), said in total.comments.items()
        for person, text in said
    ]
    lines.sort(key=lambda line: (line[0], p.roles.index(line[1]), line[2], line[3]))
    return pd.DataFrame(lines, columns=["account", "role", "respondent", "text"])


def cell_counts(total: Partial, p: Plan, order: np.ndarray) -> pd.DataFrame:
    """Per account and role heard: ``respondents``, and with NPS its answers
    ``nps_n``, ``nps_promoters`` and ``nps_detractors`` (accounts in id order,
    roles in config order): the counts the deck's "who answered" and the NPS
    rate/mix split read."""
    a, r = np.nonzero(total.count[order] > 0)
    rows = order[a]  # each cell's account in the partial: no sorted copies
    columns = {  # ids and roles from Arrow: no Python string per cell
        "account": pd.Series(total.accounts.take(pa.array(rows)), dtype="str"),
        "role": pd.Series(
            pa.array(p.roles, pa.string()).take(pa.array(r)), dtype="str"
        ),
        "respondents": total.count[rows, r].round().astype(np.int64),
    }
    if PROMOTER in p.scores:
        j, k = p.scores.index(PROMOTER), p.scores.index(DETRACTOR)
        for name, source, s in (
            ("nps_n", total.n, j),
            ("nps_promoters", total.total, j),
            ("nps_detractors", total.total, k),
        ):
            columns[name] = source[rows, r, s].round().astype(np.int64)
    return pd.DataFrame(columns, copy=False)  # the columns are its own


def driver_sums(total: Partial, p: Plan) -> AccountSums:
    """The key drivers' per-account sums of every role: the pass's account x
    role arrays as they are (no copy).

    The accounts are drawn in the order of their first complete case (the order
    the respondent table meets them in, which the account bootstrap's draws
    follow); a role holds zeros where it has no complete case.
    """
    present = np.flatnonzero(total.complete.sum(axis=1) > 0)
    first = total.first.min(axis=1)
    order = present[np.argsort(first[present], kind="stable")]
    centre = np.asarray(p.centre, dtype=float)
    sums, products = total.sums, total.products
    return AccountSums(total.complete, sums, products, centre, order, tuple(p.roles))


def dropped_cases(total: Partial, role: int | None = None) -> int:
    """Respondents kept but not a complete case of the drivers' columns."""
    pick = slice(None) if role is None else slice(role, role + 1)
    return int(np.rint(total.count[:, pick].sum() - total.complete[:, pick].sum()))
