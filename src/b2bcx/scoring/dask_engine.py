"""The Dask engine: the same moments pass over ``dask.dataframe`` partitions, the
partials reduced on the client (docs/scale.md).

This is the only module that imports Dask; the rest of b2bcx never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from b2bcx.io.batches import unquoted
from b2bcx.scoring.engine import PART_STRIDE, Layout
from b2bcx.scoring.moments import Partial, Plan, merge, pass_batch


def _frames(layout: Layout) -> Any:
    """The source as a dask DataFrame of its needed columns, as text."""
    import dask.dataframe as dd

    source = layout.source
    if source.kind == "parquet":
        return dd.read_parquet(str(source.path), columns=layout.read)
    return dd.read_csv(
        str(source.path),
        sep=source.delimiter,
        usecols=layout.read,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        encoding="utf-8-sig",
        blocksize="64MB" if unquoted(source) else None,
    )


def _batch(frame: pd.DataFrame, layout: Layout, plain: Sequence[str]) -> pa.RecordBatch:
    arrays = []
    for header in layout.columns.values():
        column = frame[header]
        text = pa.array(
            column.astype(object)
            .where(column.notna(), None)
            .map(lambda v: v if v is None or isinstance(v, str) else str(v)),
            pa.string(),
        )
        arrays.append(text if header in plain else text.dictionary_encode())
    return pa.RecordBatch.from_arrays(arrays, names=list(layout.columns))


def pass_partition(frame: pd.DataFrame, layout: Layout, p: Plan, part: int) -> Partial:
    """One partition through the pass (runs on a worker)."""
    respondent = p.config.columns.respondent
    plain = [layout.columns[respondent]] if respondent in layout.columns else []
    partial = pass_batch(_batch(frame, layout, plain), p, part, layout.source.label)
    partial.ids = []  # duplicates are found by Dask itself (see _duplicates)
    return partial


def _live_ids(layout: Layout, p: Plan, frames: Any) -> Any:
    """Trimmed respondent ids of rows with an account (lazy), or None."""
    c = p.config.columns
    if not (
        c.respondent and c.respondent in layout.columns and p.config.filters.dedupe
    ):
        return None
    ids = frames[layout.columns[c.respondent]].str.strip()
    account = frames[layout.columns[c.account]].str.strip()
    live = ~ids.isnull() & (ids != "") & ~account.isnull() & (account != "")
    return ids[live]


def run_dask(
    layouts: Sequence[Layout], p: Plan, scheduler: str | None = None
) -> tuple[Partial, bool]:
    """Every source through the pass on Dask; returns the merged partial and
    whether respondent ids repeat (then the respondent path must dedupe).

    ``scheduler`` is a distributed scheduler address (``tcp://host:8786``);
    without one, Dask's local threaded scheduler runs the pass.
    """
    import dask
    import dask.dataframe as dd
    from dask import delayed

    client = None
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
    try:
        tasks, ids = [], []
        for number, layout in enumerate(layouts):
            frames = _frames(layout)
            for k, partition in enumerate(frames.to_delayed()):
                part = number * PART_STRIDE + k
                tasks.append(delayed(pass_partition)(partition, layout, p, part))
            live = _live_ids(layout, p, frames)
            if live is not None:
                ids.append(live)
        checks = []
        if ids:
            every = dd.concat(ids) if len(ids) > 1 else ids[0]
            checks = [every.count(), every.nunique()]
        (partials,) = dask.compute(tasks)  # on the cluster when a client is open
        counts: tuple[Any, ...] = dask.compute(*checks) if checks else ()
    finally:
        if client is not None:
            client.close()
    total = Partial.empty(p)
    for partial in partials:  # reduced on the client, in file order
        total = merge(total, partial)
    repeats = len(counts) == 2 and int(counts[0]) > int(counts[1])
    return total, repeats
