"""The embedded engine: the moments pass over streamed record batches, on one or
two processes (docs/method.md#streaming, benchmarks/README.md)."""

from __future__ import annotations

import io
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from queue import Empty, Queue
from typing import TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from b2bcx.errors import Problem
from b2bcx.io import batches
from b2bcx.io.batches import DICTIONARY, Source, sized_batches, unquoted
from b2bcx.scoring.moments import (
    Partial,
    Plan,
    fold_batch,
    merge,
    settle,
)
from b2bcx.scoring.prepare import resolve_columns

PARALLEL_BYTES = 48 << 20
"""Files smaller than this are read by one process (a second one does not pay)."""

T = TypeVar("T")
PART_STRIDE = 1 << 20
WORKERS = 1


@dataclass(frozen=True)
class Layout:
    """Where a plan's columns are in one source (config name -> header name)."""

    source: Source
    columns: dict[str, str]

    @property
    def read(self) -> list[str]:
        return list(dict.fromkeys(self.columns.values()))


def layouts(sources: Sequence[Source], p: Plan) -> tuple[list[Layout], list[Problem]]:
    """Resolve the config's columns in every source; a problem per missing column."""
    found, problems = [], []
    for source in sources:
        columns, missing = resolve_columns(
            p.required, list(source.columns), {}, source.label
        )
        problems += missing
        found.append(Layout(source, {n: columns[n] for n in p.read if n in columns}))
    return found, problems


def _renamed(batch: pa.RecordBatch, layout: Layout) -> pa.RecordBatch:
    arrays = [batch.column(header) for header in layout.columns.values()]
    return pa.RecordBatch.from_arrays(arrays, names=list(layout.columns))


Reader = Callable[[str], str]


def _readers(layout: Layout, p: Plan) -> dict[str, Reader]:
    """How the coded columns of an SPSS source read through its value labels
    (config name -> reader), as :func:`b2bcx.scoring.prepare.prepare` reads them."""
    coded = layout.source.labels
    if not coded:
        return {}
    from b2bcx.scoring.labels import code_readers, role_reader
    from b2bcx.scoring.prepare import _role_key

    labels = {k: coded[v] for k, v in layout.columns.items() if v in coded}
    readers = code_readers(p.config, labels, layout.columns)
    role = p.config.columns.role
    if role and role in labels and not p.config.roles.single:
        readers[role] = role_reader(
            labels[role], lambda v: p.role_map.get(_role_key(v)) is not None
        )
    return readers


def _relabelled(batch: pa.RecordBatch, readers: dict[str, Reader]) -> pa.RecordBatch:
    """``batch`` with each coded column's dictionary read through its reader."""
    if not readers:
        return batch
    arrays = []
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        reader = readers.get(name)
        if reader is not None:
            if not pa.types.is_dictionary(array.type):
                array = array.dictionary_encode()
            read = [
                None if v is None else reader(str(v))
                for v in array.dictionary.to_pylist()
            ]
            array = pa.DictionaryArray.from_arrays(
                array.indices, pa.array(read, pa.string())
            )
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _plain(layout: Layout, p: Plan) -> list[str]:
    respondent = p.config.columns.respondent
    return [layout.columns[respondent]] if respondent in layout.columns else []


Progress = Callable[[int, int], None]
"""Told after each batch the bytes of the exports read so far and their total."""


def run_embedded(
    layouts: Sequence[Layout],
    p: Plan,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Partial:
    """Every source through the pass; partials merged in order.

    With ``workers`` > 1 (or ``B2BCX_WORKERS``), a large unquoted CSV is split at
    line ends into byte ranges read by separate processes; the default is one
    process, whose reader parses ahead on a second thread (benchmarks/README.md).
    ``progress`` is told after every batch how many bytes of all the exports were
    read (after every file on several processes).
    """
    workers = workers or int(os.environ.get("B2BCX_WORKERS", 0)) or WORKERS
    total = Partial.empty(p)
    sizes = [layout.source.path.stat().st_size for layout in layouts]
    everything, before = sum(sizes), 0
    for number, layout in enumerate(layouts):
        source = layout.source
        size = sizes[number]
        if workers > 1 and size >= PARALLEL_BYTES and unquoted(source):
            ranges = _ranges(source, workers)
            context = get_context("fork")
            with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
                jobs = [
                    pool.submit(_pass_range, layout, p, number, k, start, end)
                    for k, (start, end) in enumerate(ranges)
                ]
                for job in jobs:
                    total = merge(total, job.result())
            before += size
            if progress:
                progress(before, everything)
            continue
        base = number * PART_STRIDE
        batches_ahead = ahead(
            sized_batches(source, layout.read, plain=_plain(layout, p))
        )
        readers = _readers(layout, p)
        for k, (batch, read) in enumerate(batches_ahead):
            renamed = _relabelled(_renamed(batch, layout), readers)
            total = fold_batch(total, renamed, p, base + k, source.label)
            if progress:
                progress(before + read, everything)
        before += size
    pa.default_memory_pool().release_unused()  # the parsed blocks' pages
    return settle(total)


def ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced on a second thread, up to ``depth`` ahead.

    Arrow parses without the interpreter lock, so the next block is parsed while
    the pass works on this one. Errors reach the consumer.
    """
    queue: Queue[tuple[bool, object]] = Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put((True, item))
            queue.put((False, None))
        except BaseException as exc:  # handed to the consumer
            queue.put((False, exc))

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if isinstance(item, BaseException):
                    raise item
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # let the producer finish its put
            try:
                queue.get_nowait()
            except Empty:
                thread.join(0.01)


def _ranges(source: Source, workers: int) -> list[tuple[int, int]]:
    """Byte ranges of the body (after the header line), cut at line ends."""
    size = source.path.stat().st_size
    with source.path.open("rb") as handle:
        handle.seek(source.skip)
        handle.readline()
        start = handle.tell()
        cuts = [start]
        for k in range(1, workers):
            handle.seek(max(start + (size - start) * k // workers, cuts[-1]))
            handle.readline()
            cuts.append(min(handle.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


class _Range(io.RawIOBase):
    """A file's bytes from ``start`` to ``end`` as a readable stream."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self.handle = open(path, "rb")  # noqa: SIM115 - closed in close()
        self.handle.seek(start)
        self.left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self.left)
        if size <= 0:
            return 0
        read = self.handle.readinto(memoryview(buffer)[:size])
        self.left -= read or 0
        return read or 0

    def close(self) -> None:
        self.handle.close()
        super().close()


def _range_batches(
    layout: Layout, p: Plan, start: int, end: int
) -> Iterator[pa.RecordBatch]:
    source = layout.source
    plain = _plain(layout, p)
    stream = pacsv.open_csv(
        io.BufferedReader(_Range(str(source.path), start, end), 1 << 20),
        read_options=pacsv.ReadOptions(
            block_size=batches.BLOCK_BYTES,
            use_threads=False,
            column_names=source.columns,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=source.delimiter, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=layout.read,
            column_types={
                c: pa.string() if c in plain else DICTIONARY for c in layout.read
            },
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    for batch in stream:
        if batch.num_rows:
            yield batch


def _pass_range(
    layout: Layout, p: Plan, number: int, worker: int, start: int, end: int
) -> Partial:
    """One process's share of a file: its batches through the pass, merged."""
    total = Partial.empty(p)
    base = number * PART_STRIDE + worker * (PART_STRIDE >> 4)
    for k, batch in enumerate(_range_batches(layout, p, start, end)):
        renamed = _renamed(batch, layout)
        total = fold_batch(total, renamed, p, base + k, layout.source.label)
    return settle(total)
