"""``score`` and the drivers' sums by the moments pass: exports streamed, never
held whole in memory.

:func:`score_files` (and :func:`drivers_partial`) return None when the pass does not apply (another layout
than a plain CSV/Parquet/SPSS/xlsx, ``within_role: median``, platform status columns,
several waves, duplicate respondent ids on the embedded engine); the caller then
scores the export the respondent way (docs/method.md#streaming).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2bcx.config.models import Config
from b2bcx.errors import Problem
from b2bcx.io.batches import Source
from b2bcx.results import AccountMaster, DriverAnalysis, ScoreResult
from b2bcx.scoring import engines
from b2bcx.scoring.engines import DEFAULT
from b2bcx.scoring.finish import (
    Locator,
    Repeats,
    census_problems,
    finish,
    repeat_warnings,
)
from b2bcx.scoring.labels import label_collisions
from b2bcx.scoring.moments import CONTROLS, Partial, Plan, plan

if TYPE_CHECKING:
    from b2bcx.scoring.engine import Layout

PLATFORM_COLUMNS = {
    "status",
    "distributionchannel",
    "finished",
    "submitdate",
    "date submitted",
}


def streamable(
    paths: Sequence[str | Path], config: Config, engine: str = DEFAULT
) -> tuple[list[Source], str] | None:
    """The exports as streamable sources, or None when the pass cannot score them.

    On an engine that reads URLs (``dask``), an export may be a glob or a URL
    (``s3://...``), one source per file it names; an export of a kind the engine
    does not read is scored the respondent way.
    """
    if config.rollup.within_role != "mean":
        return None
    if (not config.roles.single and not config.columns.role) or not paths:
        return None
    runner = engines.get(engine)
    found = runner.sources(paths)
    if found is None or len({s.location for s in found}) < len(found):
        return None
    if any(s.kind not in runner.formats for s in found):
        return None
    for source in found:
        if PLATFORM_COLUMNS & {c.casefold() for c in source.columns}:
            return None
    return found, ", ".join(str(p) for p in paths)


def score_files(
    paths: Sequence[str | Path],
    config: Config,
    *,
    master: AccountMaster | None = None,
    engine: str = DEFAULT,
    scheduler: str | None = None,
    notice: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScoreResult | None:
    """Score exports by the moments pass on ``engine`` (a name in
    :mod:`b2bcx.scoring.engines`: ``embedded``, the default, or ``dask``).

    Returns None when the pass does not apply or the rows need the respondent
    path (several waves, duplicate respondent ids); ``notice`` is told why
    when that costs a second read. On an engine that counts bytes (the embedded
    one), ``progress`` is told after every batch the bytes read so far and the
    exports' total.

    Invalid answers and unmapped roles are found by the pass (each with its
    file, row, column and value) but reported by the respondent path, which
    words them with the same hints as for any other export: None is returned.

    Raises
    ------
    UsageError
        An unknown engine, or ``dask`` when it is not installed.
    """
    passed = run_pass(paths, plan(config), engine, scheduler, notice, progress)
    if passed is None:
        return None
    return _result(passed, master, notice)


@dataclass(frozen=True)
class Passed:
    """The merged partial of the exports, with what finishing it needs."""

    total: Partial
    plan: Plan
    sources: list[Source]
    repeats: Repeats | None = None
    warnings: list[Problem] = field(default_factory=list)
    """Found before the pass (value labels that several codes share)."""

    @property
    def first_rows(self) -> dict[str, int]:
        return {s.label: s.first_row for s in self.sources}


def run_pass(
    paths: Sequence[str | Path],
    p: Plan,
    engine: str = DEFAULT,
    scheduler: str | None = None,
    notice: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Passed | None:
    """The exports through the pass of plan ``p`` on ``engine``; None when the
    pass does not apply (see :func:`score_files`).

    Raises
    ------
    UsageError
        An unknown engine, an engine that is not installed, or a malformed
        ``scheduler`` address (checked before any file is read).
    ClusterError
        The scheduler cannot be reached or does not answer as a Dask scheduler.
    """
    runner = engines.get(engine)
    runner.require()
    if scheduler:
        runner.check_scheduler(scheduler)  # a malformed one stops before reading
    config = p.config
    found = streamable(paths, config, engine)
    if found is None:
        return None
    sources = found[0]
    from b2bcx.scoring.engine import layouts

    placed, missing = layouts(sources, p)
    if missing:
        return None  # the respondent path reports missing columns the usual way
    collisions = [w for layout in placed for w in _shared_labels(layout, p)]
    try:
        ran = _run(runner, placed, p, scheduler, notice, progress)
        if ran is None:  # rows it cannot number: the default engine runs the pass
            fallback = engines.default_engine()
            if notice:
                notice(
                    f"rows the {runner.name} engine cannot number: the "
                    f"{fallback.name} engine runs the pass"
                )
            ran = _run(fallback, placed, p, scheduler, notice, progress)
    except _Reread:
        return None
    if ran is None:
        return None
    total, repeats = ran
    if repeats is not None and config.filters.dedupe == "error":
        if notice:
            notice(_SECOND_READ)
        return None
    return Passed(total, p, sources, repeats, collisions)


@dataclass(frozen=True)
class Streamed:
    """A wave scored by one pass, with what a report needs beside the scores.

    rows_per_file : records read per export file.
    drivers : what ``drivers`` made of the pass's partial (``outcome`` given),
        else None.
    """

    result: ScoreResult
    rows_per_file: dict[str, int]
    drivers: Any = None


BESIDE_BYTES = 256 * 2**20
"""The drivers' sums (cross-products) under which the key drivers are fitted
beside the finish: ~300k accounts of three roles and seven columns. Above it
(625k accounts: ~530 MB) running both at once raised a report's peak by ~300 MB."""


def score_pass(
    paths: Sequence[str | Path],
    config: Config,
    *,
    master: AccountMaster | None = None,
    outcome: str | None = None,
    drivers: Callable[[Partial, Plan], Any] | None = None,
    engine: str = DEFAULT,
    scheduler: str | None = None,
    notice: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Streamed | None:
    """One pass over the exports for a report or deck: the scores and, with
    ``outcome``, what ``drivers`` makes of the cross-products of that outcome
    (called with the merged partial and its plan), from the same pass. None when
    the pass does not apply (as :func:`score_files`); the caller then reads the
    exports whole.

    ``drivers`` runs on a second thread while the finish builds the tables when
    the drivers' sums are under :data:`BESIDE_BYTES`: its bootstrap is numpy work
    that mostly leaves the interpreter lock free, so on two cores the two overlap
    (a 1M report ~0.8 s sooner, benchmarks/README.md). It reads its own view of
    the partial: the finish lets the sums go from its view only, and never reads
    the cross-products. Larger sums are fitted first and let go before the
    finish, so the two never hold memory at once.
    """
    passed = run_pass(
        paths, plan(config, drivers=outcome), engine, scheduler, notice, progress
    )
    if passed is None or not _usable(passed.total, notice):
        return None
    with ThreadPoolExecutor(max_workers=1) as beside:
        fitting: Future[Any] | None = None
        if drivers is not None and outcome is not None and not _census_errors(passed):
            fitting = beside.submit(drivers, copy.copy(passed.total), passed.plan)
            if passed.total.cross_bytes() >= BESIDE_BYTES:
                fitting.result()  # fitted before the finish, whose memory it would add to
        passed.total.release_cross_products()  # the finish does not read them
        rows: dict[str, int] = {}
        for file, records, _ in passed.total.parts.values():
            rows[file] = rows.get(file, 0) + records
        result = _result(passed, master, notice)
        found = fitting.result() if fitting is not None else None
    if result is None:
        return None
    return Streamed(result, rows, found)


def _census_errors(passed: Passed) -> bool:
    total = passed.total
    found = census_problems(total, passed.plan, Locator(total, passed.first_rows))
    return any(problem.severity == "error" for problem in found)


def _shared_labels(layout: Layout, p: Plan) -> list[Problem]:
    """The warnings for value labels that several codes of a source share, as
    :func:`b2bcx.scoring.prepare.prepare` gives them."""
    coded = layout.source.labels
    labels = {k: coded[v] for k, v in layout.columns.items() if v in coded}
    return label_collisions(p.config, labels, p.role_map, layout.source.label)


def drivers_partial(
    paths: Sequence[str | Path],
    config: Config,
    outcome: str,
    *,
    engine: str = DEFAULT,
    scheduler: str | None = None,
    notice: Callable[[str], None] | None = None,
) -> Passed | None:
    """The pass whose merged partial has the cross-products of the key drivers of
    ``outcome`` (docs/method.md#drivers), or None when the respondent path must
    read the exports: as for :func:`score_files`, and also for invalid answers
    or unmapped roles, which the respondent path reports.

    The account bootstrap's order needs row numbers: on an engine that does not
    number rows, the default engine runs the pass.
    """
    if not engines.get(engine).numbers_rows:
        engine = engines.DEFAULT
        if notice:
            notice(f"key drivers need row order: the {engine} engine runs the pass")
    passed = run_pass(paths, plan(config, drivers=outcome), engine, scheduler, notice)
    if passed is None or not _usable(passed.total, notice):
        return None
    total = passed.total
    problems = census_problems(total, passed.plan, Locator(total, passed.first_rows))
    errors = sum(problem.severity == "error" for problem in problems)
    if errors:
        if notice:
            notice(_bad_values(errors))
        return None
    return passed


_SECOND_READ = (
    "respondent ids repeat: reading the export a second time to drop "
    "duplicates (docs/method.md#streaming)"
)


class _Reread(Exception):
    """The exports must be read again, the careful way (the caller was told why)."""


def _run(
    runner: engines.Engine,
    placed: list[Layout],
    p: Plan,
    scheduler: str | None,
    notice: Callable[[str], None] | None,
    progress: Callable[[int, int], None] | None,
) -> engines.Ran | None:
    """``runner``'s run; None when it hands the pass back.

    Raises
    ------
    _Reread
        The run failed in a way the respondent path words better (bytes that are
        not UTF-8, say); ``notice`` was told why.
    """
    try:
        return runner.run(placed, p, scheduler=scheduler, progress=progress)
    except runner.rereads as exc:
        if notice:
            notice(f"reading the export again the careful way ({exc})")
        raise _Reread from exc


def _usable(total: Partial, notice: Callable[[str], None] | None) -> bool:
    """Whether the merged partial stands for the exports (one wave, some rows,
    clean account ids, no control characters, no repeated respondent ids); else
    the respondent path reads them (its reader replaces control characters with
    a warning: one rule), and ``notice`` is told why when that costs a second
    read."""
    if len(total.waves) > 1 or not total.count.sum():
        return False
    if any(kind == "invisible" for _, kind in total.census):
        if notice:
            notice(
                "account ids with invisible characters: reading the export again "
                "to name them"
            )
        return False
    if any(kind == CONTROLS for _, kind in total.census):
        if notice:
            notice(
                "control characters in the export: reading it again to replace "
                "them and name their columns"
            )
        return False
    if total.ids and _has_duplicates(total):
        if notice:
            notice(_SECOND_READ)
        return False
    return True


_QUESTIONED = "revenue amounts refused: reading the export again to name their rows"


def _bad_values(errors: int) -> str:
    return f"{errors} bad values found: reading the export again to report each one"


def _result(
    passed: Passed,
    master: AccountMaster | None,
    notice: Callable[[str], None] | None,
) -> ScoreResult | None:
    total, p, repeats = passed.total, passed.plan, passed.repeats
    if not _usable(total, notice):
        return None
    first_rows = passed.first_rows
    done = finish(total, p, first_rows)
    dropped = (
        [] if repeats is None else repeat_warnings(repeats, Locator(total, first_rows))
    )
    errors = sum(problem.severity == "error" for problem in done.problems)
    if errors or done.tables.questioned_amounts:
        if notice:
            notice(_bad_values(errors) if errors else _QUESTIONED)
        return None  # the respondent path names them (and stops) the usual way
    from b2bcx.api.accounts import assemble

    warnings: list[Problem] = [w for w in done.problems if w.severity == "warning"]
    return assemble(
        p.config,
        done.tables,
        respondents=_no_respondents(),
        rows=done.rows,
        warnings=passed.warnings + dropped + warnings,
        files=[s.label for s in passed.sources],
        wave=next(iter(total.waves)) if total.waves else None,
        master=master,
    )


def _has_duplicates(total: Partial) -> bool:
    """Whether two kept rows may share a respondent id (equal fingerprints).

    A chance match of two different ids only costs the respondent path, which
    compares the ids themselves. The fingerprints are let go either way.
    """
    import numpy as np

    prints = np.sort(np.concatenate(total.ids))
    total.ids = []
    return bool((prints[1:] == prints[:-1]).any())


def _no_respondents():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame()


def drivers_files(
    paths: Sequence[str | Path],
    config: Config,
    *,
    outcome: str = "nps",
    method: str = "rwa",
    by_role: bool = False,
    bootstrap: int = 1000,
    seed: int = 2011,
    engine: str = DEFAULT,
    scheduler: str | None = None,
    notice: Callable[[str], None] | None = None,
) -> DriverAnalysis | None:
    """:func:`drivers` from the streaming pass over the exports (on ``engine``,
    as :func:`b2bcx.api.streamed.score_files`), without a respondent table.

    Each account keeps the count, sums and cross-products of its complete cases
    per role; the overall model adds an account's roles, a role's model takes
    that role's cases, and one bootstrap resamples the accounts for every model
    with the draws of the respondent path, so the tables equal :func:`drivers`'
    to rounding. Returns None when the pass does not apply (the caller then reads
    the exports whole); ``notice`` is told why when that costs a second read.
    """
    from b2bcx.api.key_drivers import _driven_outcome, drivers_from_pass

    column = _driven_outcome(config, outcome)
    passed = drivers_partial(
        paths, config, column, engine=engine, scheduler=scheduler, notice=notice
    )
    if passed is None:
        return None
    return drivers_from_pass(
        passed.total,
        passed.plan,
        outcome=outcome,
        method=method,
        by_role=by_role,
        bootstrap=bootstrap,
        seed=seed,
    )
