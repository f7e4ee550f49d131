"""One library call per command, with its inputs named by path: the library, not
the command line, decides whether the exports are streamed or read whole.

:func:`score` is ``b2bcx score``, :func:`drivers` ``b2bcx drivers``. Each takes
the export files (or an :class:`~b2bcx.io.Export` already read), the config (a
:class:`~b2bcx.config.models.Config` or its path) and the account list (an
:class:`~b2bcx.results.AccountMaster`, a path, or None for the config's
``accounts.file``); each loads the config and the account list once, then
scores by the streaming pass when it applies and reads the exports whole when it
does not (docs/method.md#streaming).
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from b2bcx.config.models import Config, load_config
from b2bcx.errors import UsageError
from b2bcx.io import Export
from b2bcx.results import AccountMaster, DriverAnalysis, ScoreResult
from b2bcx.scoring.respondents import BadAnswers

if TYPE_CHECKING:
    import pandas as pd

    from b2bcx.errors import Problem

AUTO = "auto"
"""The engine that streams on this machine when the pass applies, else reads."""

Exports = Export | Sequence[str | Path]
Notice = Callable[[str], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Watch:
    """What a long call tells its caller while it runs (all optional).

    notice : a line worth showing (why the exports are read a second time).
    progress : bytes of the exports read so far, and their total.
    step : the stage now running ("reading the exports", "scoring accounts"...).
    """

    notice: Notice | None = None
    progress: Progress | None = None
    step: Callable[[str], None] | None = None

    def tell(self, message: str) -> None:
        if self.notice is not None:
            self.notice(message)

    def stage(self, message: str) -> None:
        if self.step is not None:
            self.step(message)


QUIET = Watch()


def config_of(config: Config | str | Path) -> Config:
    """The config itself, or loaded from its path."""
    return config if isinstance(config, Config) else load_config(Path(config))


def master_of(
    config: Config, accounts: AccountMaster | str | Path | None
) -> AccountMaster | None:
    """The account list itself, loaded from ``accounts``, or from ``accounts.file``."""
    if isinstance(accounts, AccountMaster):
        return accounts
    from b2bcx.api.load import load_master

    return load_master(config, accounts)


def export_paths(exports: Sequence[str | Path], engine: str = AUTO) -> list[Path]:
    """Export arguments as local files: a quoted glob expanded (in name order).

    Raises
    ------
    UsageError
        A URL, unless the engine reads URLs (``dask``).
    """
    paths: list[Path] = []
    for export in map(str, exports):
        if "://" in export:
            raise UsageError(
                f"{export} is a URL; only `--engine dask` reads exports from object "
                "storage (plain CSV/TSV or Parquet)",
                hint="download the file, or add `--engine dask`",
            )
        matched = sorted(glob.glob(export)) if glob.has_magic(export) else []
        paths += [Path(m) for m in matched] or [Path(export)]
    return paths


def streams(
    engine: str, sheet: str | int | None, bad_answers: BadAnswers
) -> str | None:
    """The engine the pass runs on, or None when these options need the whole
    export read (a chosen sheet; ``--bad-answers missing``, which lists every
    answer read as missing)."""
    from b2bcx.scoring import engines

    if sheet is not None or bad_answers != "error":
        return None
    return engines.DEFAULT if engine == AUTO else engines.get(engine).name


def read_exports(
    exports: Sequence[str | Path], sheet: str | int | None = None
) -> Export:
    """The exports read whole (local files and globs)."""
    from b2bcx.api.load import load_exports

    return load_exports(export_paths(exports), sheet=sheet)


def score(
    exports: Exports,
    config: Config | str | Path,
    *,
    baseline: Exports | None = None,
    accounts: AccountMaster | str | Path | None = None,
    master: AccountMaster | None = None,
    engine: str = AUTO,
    scheduler: str | None = None,
    sheet: str | int | None = None,
    bad_answers: BadAnswers = "error",
    checked: object = None,
    watch: Watch = QUIET,
) -> ScoreResult:
    """Account indices, pillars, NPS, coverage, intervals, flags and cuts:
    ``b2bcx score`` as one call.

    Parameters
    ----------
    exports : the export files (globs expanded; URLs on ``engine="dask"``), or
        an export already read.
    config : the config or its path.
    baseline : last wave's exports (files or read), or None.
    accounts, master : the CRM account list (or its path); None reads the
        config's ``accounts.file``, if any.
    engine : ``"auto"`` streams on this machine when the pass applies, else reads
        the exports whole; an engine's name (``embedded``, ``dask``) streams on
        it, falling back to reading when the pass cannot score the exports (told
        to ``watch.notice``).

    Raises
    ------
    DataError
        With every problem found, when any is an error.

    Examples
    --------
    >>> from b2bcx import api
    >>> result = api.score(["examples/acme_2026q3.csv"], "examples/acme.yaml")
    >>> len(result.accounts) > 100
    True
    """
    cfg = config_of(config)
    found = master if master is not None else master_of(cfg, accounts)
    return score_waves(
        exports,
        cfg,
        baseline=baseline,
        master=found,
        engine=engine,
        scheduler=scheduler,
        sheet=sheet,
        bad_answers=bad_answers,
        checked=checked,
        watch=watch,
    )[0]


def score_waves(
    exports: Exports,
    config: Config,
    *,
    baseline: Exports | None = None,
    master: AccountMaster | None = None,
    engine: str = AUTO,
    scheduler: str | None = None,
    sheet: str | int | None = None,
    bad_answers: BadAnswers = "error",
    checked: object = None,
    watch: Watch = QUIET,
) -> tuple[ScoreResult, ScoreResult | None]:
    """This wave compared with the baseline, and the baseline scored on its own
    (as :func:`b2bcx.api.accounts.score_waves`), streamed when the pass applies."""
    from b2bcx.api import accounts

    on = streams(engine, sheet, bad_answers)
    if on is not None and not isinstance(exports, Export):
        streamed = _streamed_waves(
            exports, config, baseline, master, on, scheduler, watch
        )
        if streamed is not None:
            return streamed
        if engine != AUTO:
            watch.tell(f"the {engine} engine cannot score these exports; reading them")
    watch.stage("reading the exports")
    export = exports if isinstance(exports, Export) else read_exports(exports, sheet)
    before = (
        baseline
        if baseline is None or isinstance(baseline, Export)
        else read_exports(baseline, sheet)
    )
    watch.stage("scoring accounts")
    return accounts.score_waves(
        export,
        config,
        baseline=before,
        master=master,
        checked=checked,  # type: ignore[arg-type]
        bad_answers=bad_answers,
    )


def _streamed_waves(
    exports: Sequence[str | Path],
    config: Config,
    baseline: Exports | None,
    master: AccountMaster | None,
    engine: str,
    scheduler: str | None,
    watch: Watch,
) -> tuple[ScoreResult, ScoreResult | None] | None:
    """Both waves by the pass, or None when it does not apply to either."""
    from b2bcx.api.streamed import score_files

    if isinstance(baseline, Export):
        return None
    paths = _pass_paths(exports, engine)
    watch.stage("scoring accounts")
    run = partial(
        score_files,
        config=config,
        master=master,
        engine=engine,
        scheduler=scheduler,
        notice=watch.notice,
    )
    result = run(paths, progress=watch.progress)
    if result is None:
        return None
    if baseline is None:
        return result, None
    watch.stage("scoring the baseline")
    base = run(_pass_paths(baseline, engine))
    if base is None:
        return None
    return compared(result, base, config, master), base


def _pass_paths(exports: Sequence[str | Path], engine: str) -> list[str | Path]:
    """What the pass reads: URLs and globs as given on Dask, local files else."""
    from b2bcx.scoring import engines

    if engines.get(engine).reads_urls:
        return list(exports)
    return list(export_paths(exports))


def compared(
    result: ScoreResult,
    base: ScoreResult,
    config: Config,
    master: AccountMaster | None,
) -> ScoreResult:
    """``result`` with the change since ``base`` on every account and segment."""
    from b2bcx.api.accounts import segments_with_agreement
    from b2bcx.scoring.breakdowns import compare_baseline

    accounts = compare_baseline(
        result.accounts, base.accounts, result.index_cells, base.index_cells
    )
    return replace(
        result,
        accounts=accounts,
        baseline_wave=base.wave,
        segments=segments_with_agreement(accounts, config, master, result),
    )


Outcome = Literal["nps", "loyalty"] | str


def drivers(
    exports: Exports,
    config: Config | str | Path,
    *,
    outcome: str = "nps",
    method: str = "rwa",
    by_role: bool = False,
    bootstrap: int = 1000,
    seed: int = 2011,
    engine: str = AUTO,
    scheduler: str | None = None,
    sheet: str | int | None = None,
    watch: Watch = QUIET,
) -> DriverAnalysis:
    """Relative importance of the pillars for an outcome (``b2bcx drivers``), from
    the pass's cross-products when it applies, else from the exports read whole
    (docs/method.md#drivers)."""
    from b2bcx.api import key_drivers, streamed

    cfg = config_of(config)
    options = {
        "outcome": outcome,
        "method": method,
        "by_role": by_role,
        "bootstrap": bootstrap,
        "seed": seed,
    }
    on = streams(engine, sheet, "error")
    if on is not None and not isinstance(exports, Export):
        found = streamed.drivers_files(
            _pass_paths(exports, on),
            cfg,
            engine=on,
            scheduler=scheduler,
            notice=watch.notice,
            **options,  # type: ignore[arg-type]
        )
        if found is not None:
            return found
        if engine != AUTO:
            watch.tell(f"the {engine} engine cannot read these exports; reading them")
    export = exports if isinstance(exports, Export) else read_exports(exports, sheet)
    return key_drivers.drivers(export, cfg, **options)  # type: ignore[arg-type]


def validate(
    exports: Exports,
    config: Config | str | Path,
    *,
    accounts: AccountMaster | str | Path | None = None,
    sheet: str | int | None = None,
    bad_answers: BadAnswers = "error",
) -> tuple[pd.DataFrame, list[Problem]]:
    """``b2bcx validate`` as one call: the row accounting and every problem of
    the config, the account list and the exports (read whole: each problem is
    named with its file, row, column and value).

    Raises
    ------
    ConfigError, DataError
        The config or an export cannot be read at all.
    """
    from b2bcx.api import accounts as scoring
    from b2bcx.api.load import load_master

    cfg = config_of(config)
    export = exports if isinstance(exports, Export) else read_exports(exports, sheet)
    master = (
        accounts
        if isinstance(accounts, AccountMaster)
        else load_master(cfg, accounts, strict=False)
    )
    return scoring.validate(export, cfg, master, bad_answers)
