"""Frozen result types: what the library's commands return and the writers take.

Only data lives here (pandas frames and plain values), so the report, the deck and
the CLI renderers can depend on results without depending on how they are computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from b2bcx import __version__
from b2bcx.config.models import Config
from b2bcx.errors import Problem
from b2bcx.io import Export


@dataclass(frozen=True)
class AccountMaster:
    """The CRM's account list: one row per account id, attributes as columns."""

    table: pd.DataFrame
    source: str
    revenue: str | None = None
    segments: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ScoreResult:
    """Everything ``b2bcx score`` computes.

    Attributes
    ----------
    accounts : one row per account (see :func:`b2bcx.scoring.accounts.account_table`),
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

    @property
    def portfolio(self) -> dict[str, float]:
        """The portfolio row of the segment table."""
        return self.segments.iloc[0].to_dict()

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
    """The exports and lists a report reads (already loaded)."""

    export: Export
    config: Config
    baseline: Export | None = None
    master: AccountMaster | None = None
    files: tuple[InputFile, ...] = field(default_factory=tuple)


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
    """

    score: ScoreResult
    baseline: ScoreResult | None = None
    files: tuple[InputFile, ...] = ()
    version: str = __version__
    run_time: datetime | None = None

    @property
    def problems(self) -> list[Problem]:
        """The scoring warnings (``--strict`` fails on any)."""
        return list(self.score.problems)
