"""What a report is built from: every result computed once, and where it came from.

Pure orchestration over :mod:`b2bcx.api.accounts` and :mod:`b2bcx.api.analyses` (no openpyxl,
no printing). :func:`report_inputs` is the library call behind ``b2bcx report``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from b2bcx.api.accounts import Checked, check, score_waves
from b2bcx.api.commands import (
    AUTO,
    QUIET,
    Watch,
    compared,
    config_of,
    export_paths,
    master_of,
    read_exports,
    streams,
)
from b2bcx.api.key_drivers import drivers
from b2bcx.api.screening import factors
from b2bcx.api.trends import change_from, history_trend
from b2bcx.api.worth import sources_value
from b2bcx.config.models import Config
from b2bcx.errors import AnalysisError
from b2bcx.io import Export
from b2bcx.results import (
    AccountMaster,
    AnalysisOptions,
    DriverAnalysis,
    FactorResult,
    InputFile,
    ReportInputs,
    ScoreResult,
    Sources,
    row_counts,
)
from b2bcx.scoring.prepare import FILE
from b2bcx.scoring.respondents import BadAnswers

DRIVER_OUTCOMES = ("nps", "loyalty")


def load_sources(
    exports: Sequence[str | Path],
    config: Config | str | Path,
    *,
    baseline: Sequence[str | Path] | None = None,
    accounts: AccountMaster | str | Path | None = None,
    renewals: str | Path | None = None,
    history: Sequence[str | Path] | None = None,
    sheet: str | int | None = None,
) -> Sources:
    """The config, the account list and the decisions (``renewals``, else
    ``value.file``) read once; the exports named, to be streamed or read by
    :func:`report_inputs` or :func:`b2bcx.api.deck.deck_inputs`.

    Raises
    ------
    ConfigError, DataError
        The config, the account list or the decisions cannot be used.
    """
    from b2bcx.api.load import load_decisions

    cfg = config_of(config)
    decisions = None
    if renewals is not None or cfg.value.file is not None:
        decisions = load_decisions(cfg, renewals)
    return Sources(
        cfg,
        tuple(export_paths(exports)),
        tuple(export_paths(baseline or [])),
        master_of(cfg, accounts),
        decisions,
        tuple(export_paths(history or [])),
        sheet,
        None if isinstance(config, Config) else Path(config),
    )


@dataclass(frozen=True)
class _Waves:
    """This wave and the baseline scored, the factors and drivers beside them,
    and the rows read per export file."""

    result: ScoreResult
    base: ScoreResult | None
    factors: FactorResult | None
    factors_note: str
    drivers: Drivers
    rows: dict[str, int]


Drivers = tuple[DriverAnalysis | None, DriverAnalysis | None, str]
"""A report's key drivers overall and by role, and the note their sheet shows."""


def report_inputs(
    sources: Sources,
    *,
    options: AnalysisOptions | None = None,
    run_time: datetime | None = None,
    include_respondents: bool = False,
    on_step: Callable[[str], None] | None = None,
    bad_answers: BadAnswers = "error",
    engine: str = AUTO,
    watch: Watch = QUIET,
) -> ReportInputs:
    """Score, screen factors and find key drivers once, for one workbook: the
    library call behind ``b2bcx report``.

    The exports are streamed, scores and key drivers from one pass, unless the
    report needs the respondent table (``include_respondents``, factor
    screening, a chosen sheet, ``bad_answers="missing"``) or the pass does not
    apply; then they are read whole (docs/method.md#streaming). Factors are
    screened when the config has ``factors:``; drivers are computed for the
    ``nps`` outcome, else ``loyalty``, overall and by role. An
    :class:`~b2bcx.errors.AnalysisError` in either becomes a note on its sheet
    instead of failing the report; data and config errors are raised.
    ``bad_answers="missing"`` reads answers off their scale as missing, each
    listed on the Data quality sheet.
    """
    step = on_step or watch.stage
    options = options or AnalysisOptions()
    watch = replace(watch, step=step)
    digest = hashing(sources)
    waves = None
    on = streams(engine, sources.sheet, bad_answers)
    if on is not None and not include_respondents and sources.config.factors is None:
        waves = _streamed(sources, options, on, watch)
    if waves is None:
        waves = _read(sources, options, bad_answers, step)
    result, base = waves.result, waves.base
    moved = (
        change_from(result, base, master=sources.master) if base is not None else None
    )
    if sources.decisions is not None:
        step("fitting renewals against the index")
    value, value_note = sources_value(sources, result, base)
    trend, earlier = history_trend(sources, result, base)
    overall, by_role, drivers_note = waves.drivers
    return ReportInputs(
        score=result,
        factors=waves.factors,
        factors_note=waves.factors_note,
        drivers=overall,
        drivers_by_role=by_role,
        drivers_note=drivers_note,
        files=files_read(sources, waves.rows, earlier, digest),
        run_time=run_time,
        include_respondents=include_respondents,
        value=value,
        value_note=value_note,
        change=moved,
        trend=trend,
        baseline=base,
    )


def _streamed(
    sources: Sources, options: AnalysisOptions, engine: str, watch: Watch
) -> _Waves | None:
    """Both waves by the pass, the drivers from this wave's; None when the pass
    does not apply."""
    from b2bcx.api.key_drivers import drivers_from_pass
    from b2bcx.api.streamed import score_pass

    config = sources.config
    outcome, drivers_note = driver_outcome(config)
    run = {
        "master": sources.master,
        "engine": engine,
        "notice": watch.notice,
    }
    watch.stage("scoring accounts and finding key drivers")
    now = score_pass(
        sources.exports,
        config,
        outcome=outcome,
        drivers=lambda total, p: report_drivers(
            lambda by_role: drivers_from_pass(
                total,
                p,
                outcome=outcome,  # type: ignore[arg-type]
                by_role=by_role,
                method=options.method,
                bootstrap=options.bootstrap,
                seed=options.seed,
            )
        ),
        progress=watch.progress,
        **run,  # type: ignore[arg-type]
    )
    if now is None:
        return None
    rows, base = dict(now.rows_per_file), None
    if sources.baseline:
        watch.stage("scoring the baseline")
        before = score_pass(sources.baseline, config, **run)  # type: ignore[arg-type]
        if before is None:
            return None
        base = before.result
        rows |= before.rows_per_file
    result = now.result
    if base is not None:
        result = compared(result, base, config, sources.master)
    found: Drivers = (None, None, drivers_note)
    return _Waves(
        result,
        base,
        None,
        "Not computed: the config has no `factors:` section.",
        now.drivers if now.drivers is not None else found,
        rows,
    )


def _read(
    sources: Sources,
    options: AnalysisOptions,
    bad_answers: BadAnswers,
    step: Callable[[str], None],
) -> _Waves:
    """Both waves read whole and scored once; factors and drivers from the
    same respondent table."""
    step("reading the exports")
    export = read_exports(sources.exports, sources.sheet)
    baseline = (
        read_exports(sources.baseline, sources.sheet) if sources.baseline else None
    )
    step("scoring accounts")
    checked = check(export, sources.config, bad_answers)  # scored once
    result, base = score_waves(
        export,
        sources.config,
        baseline=baseline,
        master=sources.master,
        checked=checked,
    )
    step("screening factors")
    factor_result, factors_note = _factors(export, sources.config, checked)
    step("finding key drivers")
    found = _drivers(export, sources.config, options, checked)
    rows = rows_per_file(export.frame)
    if baseline is not None:
        rows |= rows_per_file(baseline.frame)
    return _Waves(result, base, factor_result, factors_note, found, rows)


def driver_outcome(config: Config) -> tuple[str | None, str]:
    """The outcome a report's drivers explain (``nps``, else ``loyalty``), or
    None and why not."""
    outcome = next((o for o in DRIVER_OUTCOMES if o in config.outcomes), None)
    if outcome is None:
        return None, "Not computed: no `nps` or `loyalty` outcome is configured."
    if not config.pillars:
        return None, "Not computed: the config has no pillars."
    return outcome, ""


def _factors(
    export: Export, config: Config, checked: Checked
) -> tuple[FactorResult | None, str]:
    if config.factors is None:
        return None, "Not computed: the config has no `factors:` section."
    try:
        return factors(export, config, checked=checked), ""
    except AnalysisError as error:
        return None, f"Not computed: {_reason(error)}"


def _drivers(
    export: Export, config: Config, options: AnalysisOptions, checked: Checked
) -> Drivers:
    outcome, note = driver_outcome(config)
    if outcome is None:
        return None, None, note
    run = {
        "outcome": outcome,
        "method": options.method,
        "bootstrap": options.bootstrap,
        "seed": options.seed,
        "checked": checked,
    }
    return report_drivers(
        lambda by_role: drivers(export, config, by_role=by_role, **run)  # type: ignore[arg-type]
    )


def report_drivers(fit: Callable[[bool], DriverAnalysis]) -> Drivers:
    """A report's drivers, overall and by role, and the note their sheet shows,
    whichever path fits them (``fit(by_role)``): the roles' models with the
    overall one in one call; the overall model alone when a role's cannot be
    fitted; else none, with the reason."""
    try:
        by_role = fit(True)
    except AnalysisError:
        by_role = None  # e.g. a role too small: fall back to the overall model
    if by_role is not None and by_role.overall is not None:
        overall = replace(by_role, table=by_role.overall, by_role=False, overall=None)
        return overall, by_role, ""
    try:
        overall = fit(False)
    except AnalysisError as error:
        return None, None, f"Not computed: {_reason(error)}"
    return overall, None, "By role not computed: the roles' models could not be fitted."


def _reason(error: AnalysisError) -> str:
    return f"{error.message} (hint: {error.hint})" if error.hint else error.message


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rows_per_file(frame: pd.DataFrame) -> dict[str, int]:
    """Data rows read per file, from a read export's ``_file`` column (or a
    row accounting's, one line per row); empty when the rows are not
    located (a streamed result's compact accounting)."""
    if FILE not in frame or "count" in frame:
        return {}
    named = frame[FILE].dropna().astype(str)
    return {str(k): int(v) for k, v in named.value_counts().items()}


def files_read(
    sources: Sources,
    rows: Mapping[str, int],
    history: Sequence[ScoreResult] = (),
    digest: Callable[[str | Path], str] = file_sha256,
) -> tuple[InputFile, ...]:
    """Every input file with its rows read and its SHA-256 (``digest``): the
    exports, the baseline, the config, the account list, the decisions, the
    history."""
    files = [
        *input_files("export", sources.exports, rows, digest),
        *input_files("baseline", sources.baseline, rows, digest),
    ]
    if sources.config_path is not None:
        files += input_files("config", [sources.config_path], digest=digest)
    if sources.master is not None:
        master = sources.master
        files.append(
            InputFile(
                master.source, "accounts", len(master.table), digest(master.source)
            )
        )
    if sources.decisions is not None:
        decided = sources.decisions
        files.append(
            InputFile(
                decided.source, "renewals", len(decided.table), digest(decided.source)
            )
        )
    for path, wave in zip(sources.history, history, strict=False):
        read = {str(path): row_counts(wave.rows)["read"]}
        files += input_files("history", [path], read, digest)
    return tuple(files)


def input_files(
    kind: str,
    paths: Iterable[str | Path],
    rows: Mapping[str, int] | None = None,
    digest: Callable[[str | Path], str] = file_sha256,
) -> list[InputFile]:
    """Describe input files, with the rows read from each when known."""
    counts = rows or {}
    return [
        InputFile(str(path), kind, counts.get(str(path)), digest(path))
        for path in paths
    ]


def hashing(sources: Sources) -> Callable[[str | Path], str]:
    """A :func:`file_sha256` whose exports' digests are being computed already,
    in a background thread while the exports are scored (hashlib lets other
    threads run: a 1.5 GB export takes ~2 s to hash); other files are hashed
    when asked for."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [*sources.exports, *sources.baseline, *sources.history]
    pool = ThreadPoolExecutor(1, thread_name_prefix="b2bcx-sha256")
    started = {str(path): pool.submit(file_sha256, path) for path in paths}
    pool.shutdown(wait=False)  # the thread ends once the queued files are hashed

    def digest(path: str | Path) -> str:
        found = started.get(str(path))
        return found.result() if found is not None else file_sha256(path)

    return digest
