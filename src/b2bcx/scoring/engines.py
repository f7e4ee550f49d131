"""The engines that run the moments pass, as objects in one registry
(docs/method.md#streaming).

An engine says what it can do: which source kinds it reads (:attr:`Engine.formats`),
whether it reads URLs and globs, whether it numbers rows (which every problem that
names its file row, and the drivers' bootstrap order, need), whether it tells the
bytes read as it goes, and which extra it needs. :meth:`Engine.run` takes the
sources' layouts and the plan and returns the merged partial (and the rows it
dropped as repeated respondent ids), or None when it hands the pass to the default
engine. The caller asks these questions; it never compares engine names: this
module is the only place that knows one (a test holds that).

b2bcx registers two: ``embedded`` (the default, in this process) and ``dask``
(``b2bcx[dask]``). Anything may :func:`register` another one; the benchmarks do,
for the DuckDB prototype (benchmarks/duckdb_engine.py). The module imports only
the standard library at import, so that ``b2bcx --help`` lists the engines without
loading pyarrow or Dask; an engine's own module is imported when it runs.

Examples
--------
>>> from b2bcx.scoring import engines
>>> engines.names()
('embedded', 'dask')
>>> engines.get("dask").reads_urls
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

from b2bcx.errors import UsageError

if TYPE_CHECKING:
    from b2bcx.io.batches import Source
    from b2bcx.scoring.engine import Layout
    from b2bcx.scoring.finish import Repeats
    from b2bcx.scoring.moments import Partial, Plan

Progress = Callable[[int, int], None]
"""Told after each batch the bytes of the exports read so far and their total."""
Ran = tuple["Partial", "Repeats | None"]
"""What a run gives: the merged partial, and the rows dropped as repeated ids."""

EVERY_KIND = frozenset({"csv", "parquet", "spss", "xlsx"})
"""The source kinds :func:`b2bcx.io.batches.stream_source` streams."""


class Engine:
    """One engine of the moments pass: what it reads and can do, and its run.

    Subclasses set the class attributes and implement :meth:`run`; the registry
    holds one instance per name.
    """

    name: ClassVar[str]
    """What ``--engine`` and ``engine=`` call it."""
    summary: ClassVar[str]
    """Where the pass runs, in a few words for ``--help`` ("in this process")."""
    formats: ClassVar[frozenset[str]] = EVERY_KIND
    """The source kinds it reads; an export of another kind is scored the
    respondent way."""
    reads_urls: ClassVar[bool] = False
    """Whether an export may be a URL (``s3://...``) or a glob."""
    numbers_rows: ClassVar[bool] = True
    """Whether it knows each record's row in its file. An engine that does not
    hands the pass back (:meth:`run` returns None) when a problem must name a
    row, and the drivers (whose bootstrap follows row order) run on the default
    engine."""
    counts_bytes: ClassVar[bool] = False
    """Whether ``progress`` is told the bytes read as the pass goes."""
    default: ClassVar[bool] = False
    """The engine used unless another is asked for, and the one others hand back to."""
    needs: ClassVar[str | None] = None
    """What must be installed, in words ("Dask"), or None."""
    extra: ClassVar[str | None] = None
    """The pip extra that installs it (``b2bcx[dask]``)."""
    module: ClassVar[str | None] = None
    """The module that implements it, imported when the engine is used; it has a
    ``require()`` that raises ``ImportError`` when a library it needs is missing."""
    rereads: ClassVar[tuple[type[Exception], ...]] = (ValueError,)
    """Errors of :meth:`run` after which the respondent path reads the exports
    again, the careful way (pyarrow's ``ArrowInvalid`` is a ``ValueError``)."""

    def require(self) -> None:
        """Nothing when the engine can run here, else a usage error naming what
        to install (see :meth:`adapter`)."""
        if self.module is not None:
            self.adapter()

    def adapter(self) -> ModuleType:
        """The engine's module, imported; a usage error when what it needs is not
        installed.

        Raises
        ------
        UsageError
            ``--engine NAME`` needs ..., with the ``pip install`` that gives it.
        """
        if self.module is None:
            raise TypeError(f"the {self.name} engine has no module to import")
        try:
            found = importlib.import_module(self.module)
            found.require()
        except ImportError as exc:
            raise UsageError(
                f"`--engine {self.name}` needs {self.needs or self.module}",
                hint=f"install it with `pip install 'b2bcx[{self.extra}]'`"
                if self.extra
                else "",
            ) from exc
        return found

    def check_scheduler(self, address: str) -> None:
        """Stop on a malformed scheduler address before any file is read; engines
        without a scheduler ignore it."""

    def sources(self, paths: Sequence[str | Path]) -> list[Source] | None:
        """The exports as streamable sources, or None when one cannot be streamed."""
        return local_sources(paths)

    def run(
        self,
        layouts: Sequence[Layout],
        p: Plan,
        *,
        scheduler: str | None = None,
        progress: Progress | None = None,
    ) -> Ran | None:
        """Every source through the pass of plan ``p``, partials merged in file
        order; None hands the pass to the default engine."""
        raise NotImplementedError


def local_sources(paths: Sequence[str | Path]) -> list[Source] | None:
    """Local files as streamable sources; None when a path repeats (a symlink
    loop too: the usual reader reports it) or a file cannot be streamed."""
    from b2bcx.io.batches import stream_source

    try:
        if len({Path(p).resolve() for p in paths}) < len(paths):
            return None
    except (OSError, RuntimeError):
        return None
    sources = []
    for path in paths:
        source = stream_source(path)
        if source is None:
            return None
        sources.append(source)
    return sources


class Embedded(Engine):
    """The pass in this process over streamed record batches
    (:mod:`b2bcx.scoring.engine`)."""

    name = "embedded"
    summary = "in this process"
    counts_bytes = True
    default = True
    rereads = (OSError, ValueError)

    def run(
        self,
        layouts: Sequence[Layout],
        p: Plan,
        *,
        scheduler: str | None = None,
        progress: Progress | None = None,
    ) -> Ran | None:
        from b2bcx.scoring.engine import run_embedded

        return run_embedded(layouts, p, progress=progress), None


class Dask(Engine):
    """The pass over ``dask.dataframe`` partitions, reduced on the client
    (:mod:`b2bcx.scoring.dask_engine`, docs/scale.md)."""

    name = "dask"
    summary = "on a Dask cluster"
    formats = frozenset({"csv", "parquet"})
    reads_urls = True
    needs = "Dask"
    extra = "dask"
    module = "b2bcx.scoring.dask_engine"

    def check_scheduler(self, address: str) -> None:
        self.adapter().scheduler_address(address)

    def sources(self, paths: Sequence[str | Path]) -> list[Source] | None:
        return self.adapter().dask_sources(paths)  # type: ignore[no-any-return]

    def run(
        self,
        layouts: Sequence[Layout],
        p: Plan,
        *,
        scheduler: str | None = None,
        progress: Progress | None = None,
    ) -> Ran | None:
        return self.adapter().run_dask(layouts, p, scheduler)  # type: ignore[no-any-return]


_ENGINES: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    """Add ``engine`` to the registry under its name (replacing one of that name)."""
    _ENGINES[engine.name] = engine
    return engine


def unregister(name: str) -> None:
    """Take the engine called ``name`` out of the registry (if it is there)."""
    _ENGINES.pop(name, None)


def names() -> tuple[str, ...]:
    """The registered engines' names, in the order they were registered."""
    return tuple(_ENGINES)


def get(name: str) -> Engine:
    """The engine called ``name``.

    Raises
    ------
    UsageError
        No engine has that name; the hint lists the known ones.
    """
    try:
        return _ENGINES[name]
    except KeyError:
        raise UsageError(
            f"unknown engine {name!r}", hint=f"use one of: {', '.join(_ENGINES)}"
        ) from None


def default_engine() -> Engine:
    """The default engine, which the others hand back to."""
    return next(engine for engine in _ENGINES.values() if engine.default)


register(Embedded())
register(Dask())
DEFAULT = default_engine().name
"""The default engine's name (``embedded``), for parameter defaults."""
