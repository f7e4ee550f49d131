"""Frozen result types: what the library's commands return and the writers take.

Only data lives here (pandas frames and plain values), so the report, the deck and
the CLI renderers can depend on results without depending on how they are computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from b2bcx import __version__
from b2bcx.config.models import Config
from b2bcx.errors import Problem


@dataclass(frozen=True)
class AccountMaster:
    """The CRM's account list: one row per account id, attributes as columns.

    ``warnings`` travel with the result; ``errors`` (revenues refused, kept only
    when the list was read for ``validate``) are reported by ``validate``.
    """

    table: pd.DataFrame
    source: str
    revenue: str | None = None
    segments: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class IndexCells:
    """The index of each account per role, as its roll-up used it: what the
    like-for-like change needs of a wave (docs/method.md#like-for-like-change).

    Attributes
    ----------
    accounts : account ids, one per row.
    present : accounts x configured roles, the roles with an index.
    n, m, ss : accounts x roll-up groups (the roles; one group of all roles for
        ``rollup.method: mean``): respondents with an index, their centre and
        sum of squared deviations from their mean.
    weights : the weight of each group.
    top_only : the roll-up keeps only the highest-weighted group (``waterfall``).
    """

    accounts: np.ndarray
    present: np.ndarray
    n: np.ndarray
    m: np.ndarray
    ss: np.ndarray
    weights: np.ndarray
    top_only: bool = False


def row_counts(rows: pd.DataFrame) -> dict[str, int]:
    """Input rows ``read``, ``scored`` and ``excluded``, from the row accounting
    (one line per input row, or from the streaming pass one line per status and
    reason with the number of rows in ``count``).

    Examples
    --------
    >>> lines = pd.DataFrame({"status": ["scored", "excluded"], "count": [9, 1]})
    >>> row_counts(lines)
    {'read': 10, 'scored': 9, 'excluded': 1}
    """
    if rows.empty:
        return {"read": 0, "scored": 0, "excluded": 0}
    count = rows["count"] if "count" in rows else pd.Series(1, index=rows.index)
    scored = int(count[rows["status"] == "scored"].sum())
    excluded = int(count[rows["status"] == "excluded"].sum())
    return {"read": int(count.sum()), "scored": scored, "excluded": excluded}


@dataclass(frozen=True)
class ScoreResult:
    """Everything ``b2bcx score`` computes.

    Attributes
    ----------
    accounts : one row per account (see :func:`b2bcx.scoring.finish.account_tables`),
        with attributes, tier and baseline columns.
    respondents : the scored respondents (respondent-level scores).
    by_role : pillar scores, index and NPS by role.
    segments : segment and portfolio rows (:func:`b2bcx.scoring.segments.segment_table`).
    lifecycle : pillar scores by lifecycle phase with the priority pillar.
    rows : one line per input row: file, row, status, reason.
    problems : warnings (errors are raised, never returned).
    borrowed_roles : roles whose index variance is the all-roles fallback
        (docs/method.md#variance-fallback).
    tau2, mu : the Fay–Herriot between-account variance and precision-weighted
        mean behind ``reliability`` and ``index_eb`` (NaN when not estimable).
    index_cells : the index per account and role (for the like-for-like change).
    icc1, icc2, k_star : ICC(1) and ICC(2) of the respondent index by account and
        the respondents an account needs for reliability ``flags.low_reliability``
        (docs/method.md#agreement-within-an-account; NaN when not estimable).
    pooled_variance : the index's within-account variance pooled over all roles
        (docs/method.md#variance-fallback), the chase list's ``σ²`` for accounts
        without an SE.
    cells : per account and role heard, ``respondents`` and the NPS counts
        ``nps_n``, ``nps_promoters``, ``nps_detractors``
        (:func:`b2bcx.scoring.finish.cell_counts`).
    comments : the first comments of each account and role (``account, role,
        respondent, text``; :func:`b2bcx.scoring.finish.comment_table`).
    """

    config: Config
    accounts: pd.DataFrame
    respondents: pd.DataFrame
    by_role: pd.DataFrame
    segments: pd.DataFrame
    lifecycle: pd.DataFrame
    rows: pd.DataFrame
    problems: list[Problem]
    files: list[str]
    wave: str | None = None
    baseline_wave: str | None = None
    not_heard: pd.DataFrame = field(default_factory=pd.DataFrame)
    revenue_coverage: float | None = None
    borrowed_roles: tuple[str, ...] = ()
    tau2: float = float("nan")
    mu: float = float("nan")
    index_cells: IndexCells | None = None
    icc1: float = float("nan")
    icc2: float = float("nan")
    k_star: float = float("nan")
    pooled_variance: float = float("nan")
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    comments: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def respondent_count(self) -> int:
        """Respondents scored (rows kept), on either path."""
        return row_counts(self.rows)["scored"]

    @cached_property
    def portfolio(self) -> dict[str, float]:
        """The portfolio row of the segment table (read once: a deck asks for it
        on every slide)."""
        return dict(self.segments.iloc[0].to_dict())

    @property
    def segment_columns(self) -> list[str]:
        """Account attribute columns used as cuts (segments, tier, manager...)."""
        c = self.config.columns
        names = [
            *c.segments,
            *(self.config.accounts.segments if self.config.accounts else []),
        ]
        if "tier" in self.accounts:
            names.append("tier")
        if c.phase:
            names.append(c.phase)
        return [n for n in dict.fromkeys(names) if n in self.accounts]


@dataclass(frozen=True)
class FactorResult:
    """The Lemke-style screening table, with what it was computed from.

    ``table`` has the columns of docs/method.md#factor-screening (with ``role`` first when screened
    by role), sorted by status then rate. ``groups`` counts respondents per
    experience group; ``ungrouped`` those left out for want of a group.
    """

    table: pd.DataFrame
    kind: str
    method: str
    groups: dict[str, int]
    ungrouped: int
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ScaleResult:
    """Scale reliability per pillar (``b2bcx scales``, docs/method.md#scale-reliability).

    ``pillars``: ``pillar, n, items, alpha, alpha_ci_low, alpha_ci_high``;
    ``items``: ``pillar, item, n, item_rest_r, alpha_if_deleted``; ``problems``:
    the statements whose reverse coding to check and the pillars with low
    internal consistency (warnings); ``labels``: pillar id -> its label, for display.
    """

    pillars: pd.DataFrame
    items: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChaseResult:
    """Whom to hear from next (``b2bcx chase``, docs/method.md#chase-list).

    ``accounts``: ``account, [name], status, revenue, n, priority,
    contacts_needed, roles_not_heard, rwg_j, index_eb`` (and with a contact list
    ``silent_contacts, silent_decision_makers``), not-heard accounts first by
    revenue, then by ``priority``; ``contacts``: ``account, contact, role`` of the
    listed contacts who did not answer, in the same account order, decision
    makers first (empty without a contact list); ``icc1, icc2, k_star`` as
    :class:`ScoreResult`.
    """

    accounts: pd.DataFrame
    contacts: pd.DataFrame
    icc1: float
    icc2: float
    k_star: float
    problems: list[Problem] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, float]:
        """``icc1, icc2, k_star``."""
        return {"icc1": self.icc1, "icc2": self.icc2, "k_star": self.k_star}


@dataclass(frozen=True)
class DriverAnalysis:
    """Key drivers of an outcome, overall or by role.

    ``warnings`` say why quadrant advice is withheld (R² < 0.05, or the outcome
    item is also a driver's item); ``resampled`` is what the bootstrap drew
    (``accounts`` or ``respondents``).
    """

    table: pd.DataFrame
    outcome: str
    method: str
    r2: float
    n: int
    dropped: int
    by_role: bool
    overall: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()
    resampled: str = "respondents"


@dataclass(frozen=True)
class InputFile:
    """One file the report was computed from.

    Attributes
    ----------
    path : the path as given on the command line.
    kind : ``export``, ``baseline``, ``accounts`` or ``config``.
    rows : data rows read from it (None for the config).
    sha256 : hex digest of the file's bytes, so a report can be traced to its data.
    """

    path: str
    kind: str
    rows: int | None
    sha256: str


@dataclass(frozen=True)
class ReportInputs:
    """Everything one workbook shows, computed once.

    Attributes
    ----------
    score : the account scores (``b2bcx score``), with baseline columns if any.
    factors : the factor screening, or None; ``factors_note`` then says why.
    drivers, drivers_by_role : key drivers overall and per role, or None;
        ``drivers_note`` then says why.
    files : the input files with row counts and SHA-256.
    version : the b2bcx version that computed it.
    run_time : when the run happened (injected, so a test can fix it).
    include_respondents : write the Respondents sheet (``--no-respondents`` turns it off).
    value : renewals against the index (``--renewals``), or None; ``value_note``
        then says why, when renewals were given but could not be analysed.
    change : why the portfolio moved since the baseline (the Change sheet), or None.
    baseline : last quarter scored on its own (its account pillars and portfolio,
        the "last quarter" bars of the HTML report's charts), or None.
    """

    score: ScoreResult
    factors: FactorResult | None = None
    factors_note: str = ""
    drivers: DriverAnalysis | None = None
    drivers_by_role: DriverAnalysis | None = None
    drivers_note: str = ""
    files: tuple[InputFile, ...] = ()
    version: str = __version__
    run_time: datetime | None = None
    include_respondents: bool = True
    value: ValueResult | None = None
    value_note: str = ""
    change: ChangeResult | None = None
    trend: TrendResult | None = None
    baseline: ScoreResult | None = None

    @property
    def problems(self) -> list[Problem]:
        """Every warning: scoring first, then factor screening (no duplicates)."""
        extra = self.factors.problems if self.factors is not None else []
        return list(dict.fromkeys([*self.score.problems, *extra]))


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of the key-driver analysis in a report."""

    bootstrap: int = 1000
    seed: int = 2011
    method: str = "rwa"


@dataclass(frozen=True)
class Sources:
    """What a report or deck is computed from, named by path: the library streams
    or reads the exports once (docs/method.md#streaming).

    Attributes
    ----------
    config : the config; ``config_path`` the file it came from.
    exports : this wave's export files; ``baseline`` last wave's; ``history``
        earlier waves', oldest first.
    master : the CRM account list, or None; ``decisions`` the renewals, or None.
    sheet : the worksheet of Excel exports (None: the first).
    """

    config: Config
    exports: tuple[Path, ...]
    baseline: tuple[Path, ...] = ()
    master: AccountMaster | None = None
    decisions: Decisions | None = None
    history: tuple[Path, ...] = ()
    sheet: str | int | None = None
    config_path: Path | None = None


@dataclass(frozen=True)
class DeckInputs:
    """Everything an account-review deck shows, computed once.

    Attributes
    ----------
    score : the account scores (``b2bcx score``), with baseline columns if any.
    baseline : last quarter scored on its own (its account pillars and portfolio),
        or None without a baseline.
    files : the input files with row counts and SHA-256.
    version : the b2bcx version that computed it.
    run_time : when the run happened (injected, so a test can fix it).
    value : renewals against the index (``--renewals``), or None.
    change : why the portfolio moved since the baseline (a slide), or None.
    """

    score: ScoreResult
    baseline: ScoreResult | None = None
    files: tuple[InputFile, ...] = ()
    version: str = __version__
    run_time: datetime | None = None
    value: ValueResult | None = None
    value_note: str = ""
    change: ChangeResult | None = None
    trend: TrendResult | None = None

    @property
    def problems(self) -> list[Problem]:
        """The scoring warnings (``--strict`` fails on any)."""
        return list(self.score.problems)


@dataclass(frozen=True)
class Decisions:
    """The CRM decisions file of ``b2bcx value``: one row per account.

    ``table`` has ``account, event`` (1 churned / not renewed, 0 renewed),
    ``revenue`` (the revenue at stake, NaN when the file has none), ``date``
    and any configured covariates found in the file.
    """

    table: pd.DataFrame
    source: str


@dataclass(frozen=True)
class ValueResult:
    """Everything ``b2bcx value`` computes (docs/method.md#worth-the-index-against-renewals).

    Attributes
    ----------
    summary : ``k, events, method, per, odds_ratio, or_ci_low, or_ci_high, auc,
        auc_ci_low, auc_ci_high, revenue_at_risk, rar_ci_low, rar_ci_high,
        value_per_point, vpp_ci_low, vpp_ci_high`` and the counts behind them
        (the odds ratio, AUC and amounts are None when no model was fitted).
    model : ``term, estimate, se, odds_ratio, or_ci_low, or_ci_high, p`` (empty
        without a model).
    accounts : ``account, name, index_eb, p, p_ci_low, p_ci_high, revenue,
        revenue_at_risk, event``, sorted by revenue at risk (the current wave's
        accounts with ``--current``).
    bands : ``band, accounts, events, rate, rate_ci_low, rate_ci_high``.
    calibration : ``fifth, accounts, events, p_low, p_high, predicted, observed``.
    not_heard : decisions of accounts not heard (or heard without an index).
    no_decision : accounts heard without a decision.
    curve : ``index_eb, p, p_ci_low, p_ci_high`` over 0..100 (for charts).
    note : why no model was fitted, or "".
    wording : the plain-words reading of the model (never a claim of cause).
    currency : the symbol amounts are shown with (``value.currency``).
    """

    summary: dict[str, object]
    model: pd.DataFrame
    accounts: pd.DataFrame
    bands: pd.DataFrame
    calibration: pd.DataFrame
    not_heard: pd.DataFrame
    no_decision: pd.DataFrame
    curve: pd.DataFrame
    note: str = ""
    wording: str = ""
    currency: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def fitted(self) -> bool:
        """Whether a model was fitted (the guard let it)."""
        return not self.model.empty


@dataclass(frozen=True)
class ChangeResult:
    """Why the portfolio moved between the baseline and this wave (``b2bcx change``).

    Attributes
    ----------
    parts : the account-index change split into ``continuing, weight_mix, entered,
        left`` and ``total``: columns ``part, change, accounts, revenue``.
    rate_mix : the respondent NPS change by group: one row per group (``group,
        share_before, share_after, nps_before, nps_after``) and the totals
        ``before, after, total, rate, mix`` in ``rate_mix_total``.
    migration : accounts between index bands, baseline bands as rows and current
        bands as columns (``from`` + one column per state), counts; ``migration_revenue``
        the same with revenue.
    stuart_maxwell : ``statistic, df, p`` over the accounts banded in both waves.
    accounts : per account ``account, name, index_baseline, index, delta, delta_rtm,
        p_change, q_change, significant_fdr``, most negative change first.
    """

    current: ScoreResult
    baseline: ScoreResult
    parts: pd.DataFrame
    by: str
    rate_mix: pd.DataFrame
    rate_mix_total: dict[str, float]
    migration: pd.DataFrame
    migration_revenue: pd.DataFrame
    stuart_maxwell: dict[str, float]
    accounts: pd.DataFrame


@dataclass(frozen=True)
class TrendResult:
    """Where accounts are heading over three or more waves (``b2bcx trend``).

    Attributes
    ----------
    waves : the wave labels, oldest first (``t = 0, 1, …``).
    portfolio : per wave ``wave, t, accounts, index, index_se, ci_low, ci_high``.
    accounts : per account ``account, name, waves, slope, slope_se, slope_eb,
        slope_reliability, p_slope, q_slope, deteriorating`` and the index of every
        wave (columns named by the waves).
    portfolio_slope : ``slope, se, ci_low, ci_high, accounts, observations``.
    """

    config: Config
    waves: list[str]
    portfolio: pd.DataFrame
    accounts: pd.DataFrame
    portfolio_slope: dict[str, float]
    problems: list[Problem] = field(default_factory=list)
