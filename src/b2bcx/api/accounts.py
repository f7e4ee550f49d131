"""Orchestration: a config and read exports in, result objects out.

Pure: no printing and no file reading (``b2bcx.api.load`` reads files). Every command
of the CLI is one call here, so ``import b2bcx.api.accounts`` can do what the CLI does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import DataError, Problem, raise_if_errors
from b2bcx.io import Export, platform_exclusions
from b2bcx.results import AccountMaster, ScoreResult
from b2bcx.scoring.accounts import NAME, revenue_column, score_columns, shrinkage
from b2bcx.scoring.breakdowns import compare_baseline, lifecycle_table
from b2bcx.scoring.cells import partial_from_respondents, respondent_rows
from b2bcx.scoring.finish import Tables, account_tables
from b2bcx.scoring.moments import plan
from b2bcx.scoring.prepare import Prepared, prepare
from b2bcx.scoring.respondents import BadAnswers, score_respondents
from b2bcx.scoring.scale_checks import scale_checks
from b2bcx.scoring.segments import segment_table
from b2bcx.scoring.tables import rows_summary
from b2bcx.stats.rollup import pareto_tiers


@dataclass(frozen=True)
class Checked:
    """Rows prepared and scored, with all problems (errors not yet raised)."""

    prepared: Prepared
    scores: pd.DataFrame
    problems: list[Problem]
    wave: str | None
    baseline_rows: pd.DataFrame | None
    bad_answers: BadAnswers = "error"


def check(export: Export, config: Config, bad_answers: BadAnswers = "error") -> Checked:
    """Prepare and score an export, collecting every problem without raising.

    ``bad_answers="missing"`` reads answers that are not on their scale as
    missing, each listed as a warning, instead of as errors that stop the run.
    """
    frame = export.frame
    reasons = platform_exclusions(
        frame,
        exclude_unfinished=config.filters.exclude_unfinished,
        exclude_previews=config.filters.exclude_previews,
    )
    prepared = prepare(
        frame,
        config,
        aliases=export.aliases,
        platform_reasons=reasons,
        source=_source(export),
        value_labels=export.value_labels,
    )
    prepared, wave, baseline_rows = _split_waves(prepared, config)
    problems = [*export.warnings, *prepared.problems]
    if any(p.severity == "error" and p.row is None for p in problems):
        return Checked(
            prepared, pd.DataFrame(), problems, wave, baseline_rows, bad_answers
        )
    scored = score_respondents(prepared.frame, config, bad_answers)
    return Checked(
        prepared,
        scored.table,
        problems + scored.problems,
        wave,
        baseline_rows,
        bad_answers,
    )


def validate(
    export: Export,
    config: Config,
    master: AccountMaster | None = None,
    bad_answers: BadAnswers = "error",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Row accounting and every problem, errors and warnings, without raising.

    When the data can be scored, the warnings found while rolling up (conflicting
    account attributes, accounts missing from the account list) are included.
    """
    checked = check(export, config, bad_answers)
    listed = list(master.errors) if master is not None else []
    problems = [*listed, *checked.problems]
    if not len(checked.prepared.frame) and not any(
        p.severity == "error" for p in problems
    ):
        problems += nothing_left(checked.prepared.rows, _source(export))
    if not any(p.severity == "error" for p in problems):
        try:
            found = list(_result(checked, config, export.files, master).problems)
        except DataError as error:  # refused amounts of an account attribute
            found = list(error.problems)
        problems += [p for p in found if p not in problems]
        problems += scale_checks(checked.scores, config, _source(export)).warnings
    return rows_summary(checked.prepared.rows), problems


def require_respondents(checked: Checked, source: str) -> None:
    """Refuse to score when every row was excluded, saying why each was."""
    if len(checked.prepared.frame):
        return
    raise DataError(
        f"{source}: no respondent is left to score",
        nothing_left(checked.prepared.rows, source),
    )


def nothing_left(rows: pd.DataFrame, source: str) -> list[Problem]:
    """One problem per exclusion reason, when no row is left."""
    if rows.empty:
        return [
            Problem(
                "the export has no rows",
                "export the survey again",
                file=source,
                code="empty-export",
            )
        ]
    counts = rows["reason"].value_counts()
    return [
        Problem(
            f"{count} row{'s' if count != 1 else ''} excluded: {reason}",
            "see `b2bcx validate` for the row accounting",
            file=source,
            code="no-rows-left",
        )
        for reason, count in counts.items()
    ]


def _source(export: Export) -> str:
    return ", ".join(export.files) or "export"


def ordered_waves(found: Iterable[object], config: Config) -> list[str]:
    """The waves found, oldest first: in ``waves.order``, else sorted as text.

    Raises
    ------
    DataError
        When ``waves.order`` is given and a wave found is not in it.
    """
    values = sorted({str(w) for w in found})
    order = config.waves.order
    if not order:
        return values
    unknown = [w for w in values if w not in order]
    if unknown:
        raise DataError(
            f"wave {unknown[0]!r} is not in `waves.order`",
            hint=f"add it to `waves.order` (now {', '.join(order)})",
            problems=[
                Problem(
                    f"wave {w!r} is not in `waves.order`",
                    "add it to `waves.order` in the config",
                    column=config.columns.wave,
                    value=w,
                    code="unknown-wave",
                )
                for w in unknown
            ],
        )
    return [w for w in order if w in values]


def _split_waves(
    prepared: Prepared, config: Config
) -> tuple[Prepared, str | None, pd.DataFrame | None]:
    """With several waves in one file, score the latest; the one before is the baseline."""
    column = config.columns.wave
    if not column or column not in prepared.frame:
        return prepared, None, None
    waves = prepared.frame[column].astype("string").str.strip()
    found = ordered_waves(waves.dropna().unique(), config)
    if len(found) < 2:
        return prepared, found[0] if found else None, None
    current, previous = found[-1], found[-2]
    other = (waves != current).fillna(True).to_numpy(bool)
    rows = prepared.rows.copy()
    reason = np.where(
        (waves == previous).fillna(False).to_numpy(bool),
        f"wave {previous} (baseline)",
        "not the current wave",
    )
    excluded_index = prepared.frame.index[other]
    rows.loc[excluded_index, "status"] = "excluded"
    rows.loc[excluded_index, "reason"] = pd.Series(reason, index=prepared.frame.index)[
        other
    ]
    baseline = prepared.frame[(waves == previous).fillna(False).to_numpy()]
    kept = replace(prepared, frame=prepared.frame[~other], rows=rows)
    return kept, current, baseline


def score(
    export: Export,
    config: Config,
    *,
    baseline: Export | None = None,
    master: AccountMaster | None = None,
    checked: Checked | None = None,
    bad_answers: BadAnswers = "error",
) -> ScoreResult:
    """Account indices, pillars, NPS, coverage, intervals, flags and cuts.

    Raises
    ------
    DataError
        With every problem found, when any is an error.
    """
    return score_waves(
        export,
        config,
        baseline=baseline,
        master=master,
        checked=checked,
        bad_answers=bad_answers,
    )[0]


def score_waves(
    export: Export,
    config: Config,
    *,
    baseline: Export | None = None,
    master: AccountMaster | None = None,
    checked: Checked | None = None,
    bad_answers: BadAnswers = "error",
) -> tuple[ScoreResult, ScoreResult | None]:
    """This wave compared with the baseline, and the baseline scored on its own.

    The baseline is the ``baseline`` export, else the previous wave of a
    multi-wave export; it is scored once and serves both the change columns and
    the callers that show last quarter (the deck's charts).

    Raises
    ------
    DataError
        With every problem found, when any is an error.
    """
    checked = checked or check(export, config, bad_answers)
    raise_if_errors(
        checked.problems, DataError, f"{_source(export)}: the data cannot be scored"
    )
    require_respondents(checked, _source(export))
    result = _result(checked, config, export.files, master)
    base = _baseline_result(baseline, checked, config, master)
    if base is not None:
        accounts = compare_baseline(
            result.accounts, base.accounts, result.index_cells, base.index_cells
        )
        result = replace(
            result,
            accounts=accounts,
            baseline_wave=base.wave,
            segments=segments_with_agreement(accounts, config, master, result),
        )
    return result, base


def segments_with_agreement(
    accounts: pd.DataFrame,
    config: Config,
    master: AccountMaster | None,
    result: ScoreResult,
) -> pd.DataFrame:
    """The segment and portfolio rows of ``accounts``, with the portfolio's
    agreement columns of ``result``."""
    return _with_agreement(
        _segments(accounts, config, master, result.segment_columns), result
    )


def _segments(
    accounts: pd.DataFrame,
    config: Config,
    master: AccountMaster | None,
    segment_columns: list[str],
) -> pd.DataFrame:
    weights = account_weights(accounts, config, revenue_column(config, master))
    return segment_table(accounts, segment_columns, score_columns(config), weights)


def _baseline_result(
    baseline: Export | None,
    checked: Checked,
    config: Config,
    master: AccountMaster | None,
) -> ScoreResult | None:
    if baseline is not None:
        base_checked = check(baseline, config, checked.bad_answers)
        raise_if_errors(
            base_checked.problems,
            DataError,
            f"{_source(baseline)}: the baseline cannot be scored",
        )
        require_respondents(base_checked, _source(baseline))
        return _result(base_checked, config, baseline.files, master)
    if checked.baseline_rows is not None and len(checked.baseline_rows):
        prepared = replace(checked.prepared, frame=checked.baseline_rows)
        scored = score_respondents(prepared.frame, config, checked.bad_answers)
        wave = str(checked.baseline_rows[config.columns.wave or ""].iloc[0])
        base_checked = Checked(prepared, scored.table, scored.problems, wave, None)
        return _result(base_checked, config, [], master)
    return None


def _result(
    checked: Checked, config: Config, files: list[str], master: AccountMaster | None
) -> ScoreResult:
    """The result of a scored respondent table: its cell statistics
    (:func:`partial_from_respondents`) through the one finish the streaming pass
    uses (:func:`account_tables`); the row accounting and problems are the
    respondent path's own."""
    respondents = checked.scores
    p = plan(config)
    tables = account_tables(
        partial_from_respondents(respondents, p), p, respondent_rows(respondents)
    )
    warnings = [w for w in checked.problems if w.severity == "warning"]
    return assemble(
        config,
        tables,
        respondents=respondents,
        rows=checked.prepared.rows,
        warnings=warnings,
        files=files,
        wave=checked.wave,
        master=master,
    )


def assemble(
    config: Config,
    tables: Tables,
    *,
    respondents: pd.DataFrame,
    rows: pd.DataFrame,
    warnings: list[Problem],
    files: list[str],
    wave: str | None,
    master: AccountMaster | None,
) -> ScoreResult:
    """The result from the one finish's tables (:func:`account_tables`, either
    producer): the account list applied, tiers, segments and lifecycle views;
    the tables' attribute warnings follow ``warnings``.

    Raises
    ------
    DataError
        The attribute warnings hold errors (an account's revenue refused:
        infinite, negative, too large or not a number).
    """
    accounts, borrowed = tables.accounts, tables.borrowed
    warnings = warnings + tables.attribute_warnings
    raise_if_errors(
        warnings, DataError, f"{_source_of(files)}: the data cannot be scored"
    )
    not_heard, revenue_coverage = pd.DataFrame(), None
    master_warnings: list[Problem] = []
    if master is not None:
        accounts, not_heard, revenue_coverage, master_warnings = apply_master(
            accounts, master
        )
    revenue = revenue_column(config, master)
    master_warnings += no_revenue_warning(accounts, config, master, revenue)
    if config.rollup.tiers == "pareto" and revenue:
        tiers = account_tiers(accounts, master, revenue)
        accounts["tier"] = accounts["account"].map(tiers)
        if not not_heard.empty:
            not_heard = not_heard.assign(tier=not_heard["account"].map(tiers))
    fit = shrinkage(accounts)
    found = tables.agreement
    result = ScoreResult(
        config=config,
        accounts=accounts,
        respondents=respondents,
        by_role=tables.by_role,
        segments=pd.DataFrame(),
        lifecycle=pd.DataFrame(),
        rows=rows,
        problems=warnings
        + master_warnings
        + small_sample_warnings(borrowed, fit.tau2, _source_of(files)),
        files=files,
        wave=wave,
        not_heard=not_heard,
        revenue_coverage=revenue_coverage,
        borrowed_roles=borrowed,
        tau2=fit.tau2,
        mu=fit.mu,
        index_cells=tables.index_cells,
        icc1=found.icc1,
        icc2=found.icc2,
        k_star=found.k_star,
        pooled_variance=tables.pooled_variance,
        cells=tables.cells,
        comments=tables.comments,
    )
    segments = _with_agreement(
        _segments(accounts, config, master, result.segment_columns), result
    )
    return replace(
        result, segments=segments, lifecycle=lifecycle_table(accounts, config)
    )


def no_revenue_warning(
    accounts: pd.DataFrame,
    config: Config,
    master: AccountMaster | None,
    revenue: str | None,
) -> list[Problem]:
    """A warning when revenue weights or tiers are asked for and no account has a
    revenue above 0 (all zero or blank): the accounts are then weighted equally
    and get no tier, rather than a blank portfolio or every account in tier A."""
    wanted = (
        config.rollup.account_weight == "revenue" or config.rollup.tiers == "pareto"
    )
    listed = master.table if master is not None and master.revenue else accounts
    if not wanted or not revenue or revenue not in listed:
        return []
    if (pd.to_numeric(listed[revenue], errors="coerce") > 0).any():
        return []
    source = master.source if master is not None and master.revenue else None
    return [
        Problem(
            f"no account has a revenue above 0 in {revenue!r}: accounts are "
            "weighted equally and get no Pareto tier",
            "check that the revenue column holds the amounts (not all 0 or blank)",
            file=source,
            column=revenue,
            severity="warning",
            code="no-revenue",
        )
    ]


def _with_agreement(segments: pd.DataFrame, result: ScoreResult) -> pd.DataFrame:
    """``icc1, icc2, k_star`` on the portfolio row (blank on segment rows)."""
    out = segments.copy()
    portfolio = (out["segment"] == "portfolio").to_numpy()
    for name in ("icc1", "icc2", "k_star"):
        out[name] = np.where(portfolio, getattr(result, name), np.nan)
    return out


def small_sample_warnings(
    borrowed: tuple[str, ...], tau2: float, source: str
) -> list[Problem]:
    """Warnings for roles borrowing the pooled variance and for ``τ² = 0``."""
    problems = []
    if borrowed:
        problems.append(
            Problem(
                "no account has two respondents of role "
                f"{', '.join(borrowed)}: its variance is the within-account "
                "variance pooled over all roles",
                "see docs/method.md#variance-fallback; more respondents per "
                "account and role give each role its own variance",
                file=source,
                value=", ".join(borrowed),
                severity="warning",
                code="pooled-role-variance",
            )
        )
    if tau2 == 0:
        problems.append(
            Problem(
                "the accounts do not differ beyond sampling noise (τ² = 0): every "
                "account's index_eb is the portfolio mean and its reliability 0",
                "rank accounts with care; see docs/method.md#shrinkage-and-reliability",
                file=source,
                severity="warning",
                code="no-account-variance",
            )
        )
    return problems


def _source_of(files: list[str]) -> str:
    return ", ".join(files) or "export"


def account_tiers(
    accounts: pd.DataFrame, master: AccountMaster | None, revenue: str
) -> pd.Series:
    """Pareto tiers by account id: over the whole CRM list when given, else accounts heard."""
    if master is not None and revenue in master.table:
        return pareto_tiers(master.table.set_index("account")[revenue])
    if revenue not in accounts:
        return pd.Series(dtype=object)
    return pareto_tiers(accounts.set_index("account")[revenue])


def account_weights(
    accounts: pd.DataFrame, config: Config, revenue: str | None
) -> pd.Series:
    """Equal weights, or revenue when ``rollup.account_weight: revenue``.

    When no account has a revenue above 0 the weights are equal
    (:func:`no_revenue_warning` says so).
    """
    if config.rollup.account_weight == "revenue":
        if not revenue or revenue not in accounts:
            raise DataError(
                "`rollup.account_weight: revenue` needs a revenue column",
                hint="set `columns.revenue` or `accounts.revenue`",
            )
        weights = accounts[revenue].astype(float)
        if (weights > 0).any():
            return weights
    return pd.Series(1.0, index=accounts.index)


def apply_master(
    accounts: pd.DataFrame, master: AccountMaster
) -> tuple[pd.DataFrame, pd.DataFrame, float | None, list[Problem]]:
    """Take account attributes from the CRM list; list accounts not heard.

    Revenue coverage = revenue of accounts heard / revenue of all listed accounts.
    """
    listed = master.table
    attributes = [c for c in listed.columns if c != "account"]
    merged = accounts.drop(columns=[c for c in attributes if c in accounts]).merge(
        listed, on="account", how="left"
    )
    if (
        NAME in accounts and NAME in listed
    ):  # the CRM's name wins; the export's fills gaps
        merged[NAME] = merged[NAME].fillna(accounts[NAME].reset_index(drop=True))
    heard = listed["account"].isin(accounts["account"])  # has a scored respondent
    not_heard = listed[~heard]
    coverage = None
    if master.revenue and master.revenue in listed:
        total = listed[master.revenue].sum()
        coverage = (
            float(listed.loc[heard, master.revenue].sum() / total)
            if total > 0
            else None
        )
    unknown = accounts.loc[~accounts["account"].isin(listed["account"]), "account"]
    warnings = [*master.warnings] + [
        Problem(
            f"account {a!r} answered the survey but is not in the account list",
            "add it to the CRM list, or check the account id",
            file=master.source,
            value=str(a),
            severity="warning",
            code="unlisted-account",
        )
        for a in unknown
    ]
    return merged, not_heard, coverage, warnings
