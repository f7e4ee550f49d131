"""What a report is built from: every result computed once, and where it came from.

Pure orchestration over :mod:`b2bcx.api.accounts` and :mod:`b2bcx.api.analyses` (no openpyxl,
no printing). :func:`report_inputs` is the library call behind ``b2bcx report``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from b2bcx.api.accounts import Checked, check, score_waves
from b2bcx.api.key_drivers import drivers
from b2bcx.api.screening import factors
from b2bcx.api.trends import change_from, history_trend
from b2bcx.api.worth import sources_value
from b2bcx.errors import AnalysisError
from b2bcx.results import (
    AnalysisOptions,
    DriverAnalysis,
    FactorResult,
    InputFile,
    ReportInputs,
    Sources,
)
from b2bcx.scoring.prepare import FILE
from b2bcx.scoring.respondents import BadAnswers

DRIVER_OUTCOMES = ("nps", "loyalty")


def report_inputs(
    sources: Sources,
    *,
    options: AnalysisOptions | None = None,
    run_time: datetime | None = None,
    include_respondents: bool = True,
    on_step: Callable[[str], None] | None = None,
    bad_answers: BadAnswers = "error",
) -> ReportInputs:
    """Score, screen factors and find key drivers once, for one workbook.

    Factors are screened when the config has ``factors:``; drivers are computed for
    the ``nps`` outcome, else ``loyalty``, overall and by role. An
    :class:`~b2bcx.errors.AnalysisError` in either becomes a note on its sheet
    instead of failing the report; data and config errors are raised.
    ``bad_answers="missing"`` reads answers off their scale as missing, each
    listed on the Data quality sheet.
    """
    step = on_step or (lambda _: None)
    options = options or AnalysisOptions()
    step("scoring accounts")
    checked = check(sources.export, sources.config, bad_answers)  # scored once
    result, base = score_waves(
        sources.export,
        sources.config,
        baseline=sources.baseline,
        master=sources.master,
        checked=checked,
    )
    moved = (
        change_from(result, base, master=sources.master) if base is not None else None
    )
    step("screening factors")
    factor_result, factors_note = _factors(sources, checked)
    step("finding key drivers")
    overall, by_role, drivers_note = _drivers(sources, options, checked)
    if sources.decisions is not None:
        step("fitting renewals against the index")
    value, value_note = sources_value(sources)
    return ReportInputs(
        score=result,
        factors=factor_result,
        factors_note=factors_note,
        drivers=overall,
        drivers_by_role=by_role,
        drivers_note=drivers_note,
        files=sources.files,
        run_time=run_time,
        include_respondents=include_respondents,
        value=value,
        value_note=value_note,
        change=moved,
        trend=history_trend(sources, result, base),
        baseline=base,
    )


def _factors(sources: Sources, checked: Checked) -> tuple[FactorResult | None, str]:
    if sources.config.factors is None:
        return None, "Not computed: the config has no `factors:` section."
    try:
        return factors(sources.export, sources.config, checked=checked), ""
    except AnalysisError as error:
        return None, f"Not computed: {_reason(error)}"


def _drivers(
    sources: Sources, options: AnalysisOptions, checked: Checked
) -> tuple[DriverAnalysis | None, DriverAnalysis | None, str]:
    config = sources.config
    outcome = next((o for o in DRIVER_OUTCOMES if o in config.outcomes), None)
    if outcome is None:
        return None, None, "Not computed: no `nps` or `loyalty` outcome is configured."
    if not config.pillars:
        return None, None, "Not computed: the config has no pillars."
    run = {
        "outcome": outcome,
        "method": options.method,
        "bootstrap": options.bootstrap,
        "seed": options.seed,
        "checked": checked,
    }
    try:
        by_role = drivers(sources.export, config, by_role=True, **run)  # type: ignore[arg-type]
    except AnalysisError:
        by_role = None  # e.g. a role too small: fall back to the overall model
    if by_role is not None and by_role.overall is not None:
        overall = replace(by_role, table=by_role.overall, by_role=False, overall=None)
        return overall, by_role, ""
    try:
        overall = drivers(sources.export, config, **run)  # type: ignore[arg-type]
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


def input_files(
    kind: str, paths: Iterable[str | Path], frame: pd.DataFrame | None = None
) -> list[InputFile]:
    """Describe input files; rows are counted from a read export's ``_file`` column."""
    counts = (
        frame[FILE].astype(str).value_counts()
        if frame is not None and FILE in frame
        else pd.Series(dtype=int)
    )
    described = []
    for path in paths:
        rows = counts.get(str(path))
        described.append(
            InputFile(
                str(path),
                kind,
                int(rows) if rows is not None else None,
                file_sha256(path),
            )
        )
    return described
