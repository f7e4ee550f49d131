"""Atomic file writing: a temporary file beside the target, moved into place.

A failed, killed or interrupted run leaves the previous file or a complete new one,
never a partial file; stale temporaries of earlier killed runs are removed.

One rule for every writer (tables, report, decks, config, charts): a destination
that is an open stream rather than a file -- a character device such as
``/dev/null`` or a terminal, a named pipe, or a descriptor path such as
``/dev/stdout`` -- is never replaced: the output is written to a private
temporary file and, once complete, copied into the stream. Other non-regular
destinations (block devices, sockets) are refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from b2bcx.errors import OutputError, UsageError


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place on success.

    Raises
    ------
    UsageError
        The folder does not exist, or ``target`` is a folder, a block device or
        a socket.
    OutputError
        Writing failed (disk full, read-only file system, permissions); the
        previous file, if any, is left as it was.
    """
    with atomic_paths([target]) as (temporary,):
        yield temporary


@contextlib.contextmanager
def atomic_paths(targets: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Yield one temporary path per target; move them all into place once every
    one is written, so a failure while writing any leaves every target as it was.

    A target that is a stream (:func:`is_stream`) is not replaced: its temporary
    file is made in the system's temporary folder and copied into the stream.

    Raises
    ------
    UsageError, OutputError
        As :func:`atomic_path`; every target is checked before anything is written.
    """
    paths = [Path(target) for target in targets]
    streams = [_check_target(path) for path in paths]
    for folder in dict.fromkeys(
        _folder(p) for p, s in zip(paths, streams, strict=True) if not s
    ):
        remove_stale_temporaries(folder)
    what = str(paths[0]) if len(paths) == 1 else f"{len(paths)} files"
    temporaries: list[Path] = []
    try:
        with _signals_exit():
            for path, stream in zip(paths, streams, strict=True):
                temporaries.append(_temporary_for(path, stream))
            yield temporaries
            for path, temporary, stream in zip(
                paths, temporaries, streams, strict=True
            ):
                what = str(path)
                if stream:
                    _copy_into(temporary, path)
                else:
                    os.chmod(temporary, file_mode(path))
            moves = [
                (temporary, path)
                for path, temporary, stream in zip(
                    paths, temporaries, streams, strict=True
                )
                if not stream
            ]
            _move_into_place(moves)
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # `-o /dev/stdout | head`: the reader stopped
            raise OutputError(
                f"{what}: the program reading the output stopped before its end",
                hint="the output is complete only when read to its end",
            ) from None
        raise OutputError(
            f"cannot write {what}: {exc.strerror or exc}",
            hint="check free space and permissions; the previous file is unchanged",
        ) from None
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def _move_into_place(moves: list[tuple[Path, Path]]) -> None:
    """Move each temporary file onto its target, all or none.

    With several targets, each previous file is first kept as a hard link (named
    as a temporary); when a move fails, the targets moved before it get their
    previous file back, or are removed when they are new.

    Raises
    ------
    OutputError
        A move failed; every target is as it was (where the file system has hard
        links).
    """
    kept: list[tuple[Path, bool, Path | None]] = []  # target, existed, previous
    links: list[Path] = []
    try:
        for temporary, target in moves:
            existed, previous = (
                _keep_previous(target, links) if len(moves) > 1 else (True, None)
            )
            os.replace(temporary, target)
            kept.append((target, existed, previous))
    except OSError as exc:
        for moved, existed, previous in reversed(kept):
            with contextlib.suppress(OSError):
                if previous is not None:
                    os.replace(previous, moved)
                elif not existed:
                    moved.unlink()
        files = "file is" if len(moves) == 1 else "files are"
        raise OutputError(
            f"cannot write {target}: {exc.strerror or exc}",
            hint=f"check free space and permissions; the previous {files} unchanged",
        ) from None
    finally:
        for link in links:
            link.unlink(missing_ok=True)


def _keep_previous(target: Path, links: list[Path]) -> tuple[bool, Path | None]:
    """(whether ``target`` exists, a hard link to it or None when none can be made)."""
    if not os.path.lexists(target):
        return False, None
    try:
        link = _temporary_for(target, stream=False)
        links.append(link)
        link.unlink()
        os.link(target, link, follow_symlinks=False)
    except (OSError, OutputError):
        return True, None
    return True, link


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _check_target(target: Path) -> bool:
    """Check one destination before writing; return whether it is a stream."""
    folder = _folder(target)
    if not folder.is_dir():
        raise UsageError(f"cannot write {target}: folder {folder} does not exist")
    check_writable(target)
    if target.is_dir():
        raise UsageError(
            f"cannot write {target}: it is a directory",
            hint="name a file, e.g. out/accounts.csv",
        )
    return is_stream(target)


_DESCRIPTOR = re.compile(
    r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd)/\d+$"
)


def is_stream(target: str | Path) -> bool:
    """Whether ``target`` is an open stream to write into, not a file to replace.

    Streams are character devices (``/dev/null``, a terminal), named pipes and
    descriptor paths (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``), also
    through symbolic links. A missing path, a regular file or a folder is not.

    Raises
    ------
    UsageError
        ``target`` is another kind of non-regular file (a block device, a
        socket), which no writer replaces nor writes into.
    """
    path = os.path.abspath(target)
    for _ in range(40):  # the kernel's own limit on links followed
        if _DESCRIPTOR.match(path):
            return True
        try:
            link = os.readlink(path)
        except OSError:
            break
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError):
        return False  # missing, or reported by check_writable
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    kind = "a block device" if stat.S_ISBLK(mode) else "a socket or special file"
    raise UsageError(
        f"cannot write {target}: it is {kind}, not a file",
        hint="name a regular file with -o",
    )


def _copy_into(temporary: Path, stream: Path) -> None:
    """The complete output, copied into a stream (appended: never truncated)."""
    with open(temporary, "rb") as source, open(stream, "ab") as sink:
        shutil.copyfileobj(source, sink)


_STOP_SIGNALS = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _signals_exit() -> Iterator[None]:
    """While a temporary file exists, SIGTERM and SIGHUP (what ``timeout``, cron and
    systemd send) end the run through ``SystemExit``, so the temporary file is
    removed on the way out; the previous handlers come back afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in _STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) in (
            signal.SIG_DFL,
            None,
        ):
            previous[number] = signal.signal(number, _exit_on_signal)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _exit_on_signal(number: int, frame: Any) -> None:
    raise SystemExit(128 + number)


STALE_AFTER_SECONDS = 24 * 60 * 60


_TEMPORARY_NAME = re.compile(
    r"^\..+\.(csv|json|parquet|xlsx|pptx|yaml|yml|png|svg|pdf)\.[a-z0-9_]{8}\.tmp$",
    re.IGNORECASE,
)


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove temporary files of b2bcx's own naming (``.NAME.EXT.XXXXXXXX.tmp``)
    older than a day: left by a run that was killed outright (SIGKILL, power loss).

    Returns the files removed; files that cannot be removed are left alone.
    """
    import time

    cutoff = (time.time() if now is None else now) - STALE_AFTER_SECONDS
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not _TEMPORARY_NAME.match(entry.name):
            continue
        try:
            if (
                entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def check_writable(target: str | Path) -> None:
    """Refuse to replace a read-only file or to write into a read-only folder.

    A file is read-only when the user may not write it (``os.access``) or when
    no write permission bit is set at all (``chmod a-w``: honoured even for root,
    who could otherwise replace it).

    Raises
    ------
    OutputError
        The target or its folder is read-only (exit 1); nothing is written.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except (OSError, ValueError) as exc:
        reason = {
            errno.ELOOP: "a symbolic link that loops back on itself",
            errno.ENAMETOOLONG: "a file name too long for the file system",
        }.get(
            getattr(exc, "errno", None) or 0, getattr(exc, "strerror", None) or str(exc)
        )
        raise OutputError(
            f"cannot write {_short(str(target))}: {reason}",
            hint="choose a shorter or another file name with -o",
        ) from None
    if mode is not None and is_stream(target):
        if not os.access(target, os.W_OK):
            raise OutputError(
                f"cannot write {target}: permission denied",
                hint="choose another file with -o",
            )
        return
    if (
        mode is not None
        and not stat.S_ISDIR(mode)
        and not (os.access(target, os.W_OK) and mode & 0o222)
    ):
        raise OutputError(
            f"cannot write {target}: the file is read-only; it was left unchanged",
            hint="make it writable (chmod u+w) or choose another file with -o",
        )
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write {target}: the folder {folder} is not writable",
            hint="choose another folder, or check its permissions",
        )


def refuse_replacing_inputs(
    output: str | Path, inputs: Iterable[str | Path | None], option: str = "-o"
) -> None:
    """Refuse an output that names one of the inputs (the same file by resolved
    path or on disk: hard links, another spelling of the path).

    Raises
    ------
    UsageError
        ``output`` is one of ``inputs`` (exit 2); nothing is read or written.
    """
    for source in inputs:
        if source is not None and same_file(Path(output), Path(source)):
            raise UsageError(
                f"{option} {output} names an input file ({source}); "
                "it would be replaced by the results",
                hint="write the results to a new file",
            )


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file (resolved path or same inode)."""
    try:
        if first.resolve() == second.resolve():
            return True
        return os.path.samefile(first, second)
    except (OSError, ValueError, RuntimeError):
        return False


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


TEMPORARY_NAME_BYTES = 120
"""The longest output name used whole in its temporary's name; a longer one is
cut, so a temporary's name stays within the file system's 255 bytes."""


def _temporary_for(target: Path, stream: bool) -> Path:
    """A new private file: ``.NAME.XXXXXXXX.tmp`` beside ``target``, or in the
    system's temporary folder for a stream."""
    name = target.name
    if len(os.fsencode(name)) > TEMPORARY_NAME_BYTES:
        suffix = target.suffix if len(target.suffix) <= 16 else ""
        stem = os.fsencode(name)[: TEMPORARY_NAME_BYTES - len(os.fsencode(suffix))]
        name = stem.decode("utf-8", "ignore") + suffix
    folder = None if stream else _folder(target)
    try:
        handle, made = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"cannot write in {folder or tempfile.gettempdir()}: {exc.strerror or exc}",
            hint="check permissions of the folder",
        ) from None
    os.close(handle)
    return Path(made)


def file_mode(path: Path) -> int:
    """Permissions for an output: the previous file's, else the usual (umask) ones.

    Temporary files are created private (0600); without this a report replaced in
    a shared folder would stop being readable by its audience.
    """
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` and make sure it reached the disk."""
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
