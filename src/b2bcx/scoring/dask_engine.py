"""The Dask engine: the same moments pass over ``dask.dataframe`` partitions, the
partials reduced on the client (docs/scale.md).

Repeated respondent ids are dropped before the pass: a first, light pass over the
id, account, role and response time columns counts every id on the cluster; the
rows of the ids that repeat come back to the client, which keeps one per id as
the respondent path does (:func:`b2bcx.scoring.prepare.duplicate_rows`); the pass
then skips the others.

A ``--scheduler`` address is checked before anything is read
(:func:`scheduler_address`), and the scheduler must answer Dask's handshake within
:func:`connect_seconds` (:func:`open_client`): a port that is closed, silent or
speaks another protocol is a clear error, never a hang.

This is the only module that imports Dask; the rest of b2bcx never does. Dask is
imported with the module, so that without it ``--engine dask`` is a usage error.
"""

from __future__ import annotations

import asyncio
import glob
import os
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dask
import dask.dataframe as dd
import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
from dask import delayed
from fsspec.implementations.local import LocalFileSystem

from b2bcx.errors import ClusterError, DataError, UsageError, mask_secrets
from b2bcx.io.batches import Source, source_from_head, stream_source, unquoted
from b2bcx.io.detect import HEAD_BYTES
from b2bcx.io.text import arrow_to_text
from b2bcx.scoring.engine import PART_STRIDE, Layout
from b2bcx.scoring.finish import Repeats
from b2bcx.scoring.moments import (
    PART_BITS,
    Partial,
    Plan,
    live_rows,
    merge,
    pass_batch,
)
from b2bcx.scoring.prepare import duplicate_rows, response_time_column


def require() -> None:
    """Import what the engine needs: ``ImportError`` when one is missing, which
    the caller turns into a usage error. The module imports them too; asking
    again at each use also catches a library made unimportable since (tests)."""
    import dask.dataframe  # noqa: F401
    import fsspec  # noqa: F401


def is_remote(export: str) -> bool:
    """Whether an export argument is a URL or a glob (read through fsspec)."""
    return "://" in export or glob.has_magic(export)


def dask_sources(exports: Sequence[str | Path]) -> list[Source] | None:
    """The exports as sources: local paths as they are, URLs (``s3://``,
    ``gs://``, ``file://``...) and globs expanded by fsspec, one source per file
    in name order. None when one of them cannot be streamed.

    Raises
    ------
    DataError
        A glob or URL that matches no file.
    """
    sources = []
    for export in map(str, exports):
        found = [stream_source(export)] if not is_remote(export) else _matched(export)
        if any(source is None for source in found):
            return None
        sources += [s for s in found if s is not None]
    return sources


def _matched(export: str) -> list[Source | None]:
    """The sources a glob or URL names (a local glob by :mod:`glob`, the rest by fsspec)."""
    if "://" not in export:
        names = sorted(glob.glob(export))
        if not names:
            raise _no_match(export)
        return [stream_source(name) for name in names]
    try:
        files = fsspec.open_files(export, "rb")
    except (ImportError, ValueError) as exc:  # no fsspec backend for the protocol
        raise DataError(
            f"cannot read {export}: {exc}",
            hint="install the file system for the URL (s3fs for s3://, gcsfs for "
            "gs://, adlfs for az://)",
        ) from exc
    if not files:
        raise _no_match(export)
    single = len(files) == 1 and not glob.has_magic(export)
    found: list[Source | None] = []
    for file in sorted(files, key=lambda f: f.path):
        url = file.fs.unstrip_protocol(file.path)
        label = mask_secrets(export if single else url)
        if isinstance(file.fs, LocalFileSystem):
            found.append(stream_source(file.path, label=label))
            continue
        with file as handle:
            head = handle.read(HEAD_BYTES)
        with file.fs.open(file.path, "rb") as handle:
            source = source_from_head(Path(file.path), label, head, handle)
        found.append(None if source is None else _at(source, url))
    return found


def _no_match(export: str) -> DataError:
    return DataError(
        f"no file matches {export}",
        hint="check the path or pattern (quote it so the shell leaves it alone)",
    )


def _at(source: Source, url: str) -> Source:
    from dataclasses import replace

    return replace(source, url=url)


KEYS = {"id": object, "time": object, "position": "int64", "hash": "uint64"}


def _frames(layout: Layout, extra: Sequence[str] = ()) -> Any:
    """The source as a dask DataFrame of its needed columns, as text."""
    source = layout.source
    columns = list(dict.fromkeys([*layout.read, *extra]))
    if source.kind == "parquet":
        return dd.read_parquet(source.location, columns=columns)
    return dd.read_csv(
        source.location,
        sep=source.delimiter,
        usecols=columns,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        encoding="utf-8-sig",
        blocksize="64MB" if unquoted(source) else None,
    )


def _batch(
    frame: pd.DataFrame,
    layout: Layout,
    plain: Sequence[str],
    names: Sequence[str] | None = None,
) -> pa.RecordBatch:
    """The partition's columns (config ``names``, default all) as an Arrow batch."""
    names = list(layout.columns) if names is None else list(names)
    parquet = layout.source.kind == "parquet"
    arrays = []
    for name in names:
        header = layout.columns[name]
        column = frame[header]
        if parquet:  # as the embedded engine reads Parquet (b2bcx.io.parquet)
            text = arrow_to_text(pa.Array.from_pandas(column)).cast(pa.string())
        else:
            text = pa.array(
                column.astype(object)
                .where(column.notna(), None)
                .map(lambda v: v if v is None or isinstance(v, str) else str(v)),
                pa.string(),
            )
        arrays.append(text if header in plain else text.dictionary_encode())
    return pa.RecordBatch.from_arrays(arrays, names=names)


def pass_partition(
    frame: pd.DataFrame,
    layout: Layout,
    p: Plan,
    part: int,
    dropped: np.ndarray | None = None,
) -> Partial:
    """One partition through the pass (runs on a worker), skipping the rows at
    ``dropped`` (repeated respondent ids)."""
    respondent = p.config.columns.respondent
    plain = [layout.columns[respondent]] if respondent in layout.columns else []
    batch = _batch(frame, layout, plain)
    partial = pass_batch(batch, p, part, layout.source.label, dropped=dropped)
    partial.ids = []  # repeated ids were found before the pass (see _repeats)
    return partial


def respondent_keys(
    frame: pd.DataFrame, layout: Layout, p: Plan, part: int, time: str | None
) -> pd.DataFrame:
    """Per row the pass keeps that has a respondent id: the id (trimmed), the raw
    response time, the row's position and a hash of the row (runs on a worker)."""
    c = p.config.columns
    names = [n for n in (c.account, c.role) if n and n in layout.columns]
    rows = live_rows(_batch(frame, layout, [], names), p)
    chosen = frame.iloc[rows]
    ids = chosen[layout.columns[c.respondent or ""]].astype("string").str.strip()
    keys = pd.DataFrame(
        {
            "id": ids.astype(object).to_numpy(),
            "time": (
                chosen[time].astype(object) if time else pd.Series(None, ids.index)
            ).to_numpy(),
            "position": (np.int64(part) << PART_BITS) + rows.astype(np.int64),
            "hash": pd.util.hash_pandas_object(chosen, index=False).to_numpy(),
        }
    )
    return keys[ids.notna().to_numpy()].astype(KEYS)


def _repeats(
    layouts: Sequence[Layout], p: Plan
) -> tuple[Repeats | None, dict[int, np.ndarray]]:
    """The rows to drop as repeated respondent ids, per part (row offsets)."""
    c = p.config.columns
    if not c.respondent or any(c.respondent not in lay.columns for lay in layouts):
        return None, {}
    tasks = []
    for number, layout in enumerate(layouts):
        time = response_time_column(layout.source.columns)
        frames = _frames(layout, [time] if time else [])
        for k, partition in enumerate(frames.to_delayed()):
            part = number * PART_STRIDE + k
            tasks.append(delayed(respondent_keys)(partition, layout, p, part, time))
    keys = dd.from_delayed(tasks, meta=pd.DataFrame(columns=list(KEYS)).astype(KEYS))
    counts = keys["id"].value_counts()
    repeated = counts[counts > 1].rename("times").to_frame()
    (found,) = dask.compute(keys.merge(repeated, left_on="id", right_index=True))
    if found.empty:
        return None, {}
    found = found.sort_values("position").reset_index(drop=True)
    policy = p.config.filters.dedupe
    has_times = any(response_time_column(lay.source.columns) for lay in layouts)
    dropped = (
        duplicate_rows(
            found["id"],
            "first" if policy == "error" else policy,
            pd.Series(True, found.index),
            found["time"] if has_times else None,
        )
        .fillna(False)
        .astype(bool)
    )
    kept = found[~dropped].set_index("id")
    rows = found[dropped]
    repeats = Repeats(
        c.respondent,
        policy,
        tuple(
            (
                str(respondent),
                int(position),
                int(kept.at[respondent, "position"]),
                bool(digest == kept.at[respondent, "hash"]),
            )
            for respondent, position, digest in zip(
                rows["id"], rows["position"], rows["hash"], strict=True
            )
        ),
    )
    positions = rows["position"].to_numpy(np.int64)
    parts = positions >> PART_BITS
    return repeats, {
        int(part): positions[parts == part] & 0xFFFFFFFF for part in np.unique(parts)
    }


def run_dask(
    layouts: Sequence[Layout], p: Plan, scheduler: str | None = None
) -> tuple[Partial, Repeats | None]:
    """Every source through the pass on Dask; returns the merged partial and the
    rows dropped as repeated respondent ids (``filters.dedupe``), if any.

    With ``dedupe: error``, repeated ids are returned, not dropped: the caller
    lets the respondent path list them. ``scheduler`` is a distributed scheduler
    address (``tcp://host:8786``); without one, Dask's local threaded scheduler
    runs the pass.

    Raises
    ------
    UsageError
        ``scheduler`` is not a Dask address (see :func:`scheduler_address`).
    ClusterError
        The scheduler cannot be reached or does not answer (see :func:`open_client`).
    """
    client = open_client(scheduler) if scheduler else None
    try:
        repeats, dropped = _repeats(layouts, p)
        if p.config.filters.dedupe == "error":
            dropped = {}
        tasks = []
        for number, layout in enumerate(layouts):
            for k, partition in enumerate(_frames(layout).to_delayed()):
                part = number * PART_STRIDE + k
                tasks.append(
                    delayed(pass_partition)(
                        partition, layout, p, part, dropped.get(part)
                    )
                )
        (partials,) = dask.compute(tasks)  # on the cluster when a client is open
    finally:
        if client is not None:
            client.close()
    total = Partial.empty(p)
    for partial in partials:  # reduced on the client, in file order
        total = merge(total, partial)
    return total, repeats


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
"""The protocols of a Dask scheduler address."""
CONNECT_SECONDS = 10.0
"""How long the client waits for the scheduler to accept and to answer, unless
``B2BCX_SCHEDULER_TIMEOUT`` (seconds) says otherwise."""
_ADDRESS_HINT = (
    "give the address `dask scheduler` prints, such as tcp://HOST:8786 (docs/scale.md)"
)


def connect_seconds() -> float:
    """The scheduler's time to answer: ``B2BCX_SCHEDULER_TIMEOUT``, else
    :data:`CONNECT_SECONDS`.

    Raises
    ------
    UsageError
        ``B2BCX_SCHEDULER_TIMEOUT`` is not a positive number of seconds.
    """
    text = os.environ.get("B2BCX_SCHEDULER_TIMEOUT", "").strip()
    if not text:
        return CONNECT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise UsageError(
            f"B2BCX_SCHEDULER_TIMEOUT={text!r} is not a number of seconds",
            hint="set it to a positive number such as 10, or unset it",
        )
    return seconds


def scheduler_address(address: str) -> str:
    """A ``--scheduler`` address checked for form, with its protocol
    (``host:8786`` is ``tcp://host:8786``, as Dask reads it).

    A network address needs a host and a port from 1 to 65535 and nothing else:
    Dask addresses carry no user, password, path or query.

    Raises
    ------
    UsageError
        The address is malformed (the message shows it with secrets masked).
    """
    text = address.strip()
    full = text if "://" in text else f"tcp://{text}"
    scheme = full.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise _bad_address(
            full, f"{scheme!r} is not a Dask protocol ({', '.join(SCHEMES)})"
        )
    if scheme == "inproc":
        return full
    parts = urlsplit(full)
    if "@" in parts.netloc:
        raise _bad_address(full, "a Dask address carries no user or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _bad_address(full, "a Dask address has a host and a port, nothing after")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if not parts.hostname or not port:
        raise _bad_address(full, "it needs a host and a port from 1 to 65535")
    return full


def _bad_address(address: str, why: str) -> UsageError:
    return UsageError(
        f"--scheduler {address} is not a Dask scheduler address: {why}",
        hint=_ADDRESS_HINT,
    )


def open_client(address: str) -> Any:
    """A ``distributed.Client`` on the scheduler at ``address``, or a clear error
    within about twice :func:`connect_seconds`.

    The host and port are first reached with a plain connection (a closed port or
    unknown host fails at once); then Dask's handshake must be answered in time:
    a port that accepts and says nothing, or answers in another protocol (HTTP),
    is not a scheduler. Only then is the client opened.

    Raises
    ------
    UsageError
        The address is malformed, or Dask's distributed scheduler is not installed.
    ClusterError
        The scheduler cannot be reached or does not answer as a Dask scheduler.
    """
    full = scheduler_address(address)
    seconds = connect_seconds()
    try:
        from distributed import Client
    except ImportError as exc:
        raise UsageError(
            "`--scheduler` needs Dask's distributed scheduler",
            hint="install it with `pip install 'b2bcx[dask]'`",
        ) from exc
    if urlsplit(full).scheme.lower() != "inproc":
        _reach(full, seconds)
        _handshake(full, seconds)
    try:
        return Client(full, timeout=seconds)
    except (OSError, TimeoutError, MemoryError, ValueError) as exc:
        raise _unanswered(full, seconds, exc) from None


def _reach(address: str, seconds: float) -> None:
    """Open and close a plain connection to the address's host and port."""
    parts = urlsplit(address)
    try:
        with socket.create_connection((parts.hostname, parts.port), seconds):
            pass
    except OSError as exc:  # refused, unknown host, unreachable, timed out
        reason = exc.strerror or type(exc).__name__
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {reason}",
            hint="check that the scheduler runs and that the host and port are "
            "right (`dask scheduler` listens on 8786 unless told otherwise)",
        ) from None


def _handshake(address: str, seconds: float) -> None:
    """Dask's handshake with the scheduler, on a thread of its own, given
    ``seconds`` to complete."""
    from distributed.comm import connect
    from distributed.security import Security

    arguments = Security().get_connection_args("client")
    failed: list[BaseException] = []

    async def shake() -> None:
        comm = await asyncio.wait_for(
            connect(address, timeout=seconds, **arguments), seconds
        )
        await comm.close()

    def run() -> None:
        try:
            asyncio.run(shake())
        except BaseException as exc:  # handed to the caller
            failed.append(exc)

    thread = threading.Thread(target=run, name="b2bcx-handshake", daemon=True)
    thread.start()
    thread.join(seconds + 5)
    if thread.is_alive() or failed:
        raise _unanswered(address, seconds, failed[0] if failed else None)


def _unanswered(
    address: str, seconds: float, exc: BaseException | None
) -> ClusterError:
    if exc is None or isinstance(exc, TimeoutError):
        why = f"no answer within {seconds:g} s"
    elif isinstance(exc, MemoryError):
        why = "it answers in another protocol"
    else:
        why = str(exc) or type(exc).__name__
    return ClusterError(
        f"{address} does not answer as a Dask scheduler ({why})",
        hint="check the port: it must be the scheduler's (8786 unless told "
        "otherwise), not its dashboard's (8787) or another service's; "
        "B2BCX_SCHEDULER_TIMEOUT sets how many seconds to wait",
    )
