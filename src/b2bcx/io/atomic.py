"""Atomic file writing: a temporary file beside the target, moved into place.

A failed, killed or interrupted run leaves the previous file or a complete new one,
never a partial file; stale temporaries of earlier killed runs are removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from b2bcx.errors import OutputError, UsageError


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place on success.

    Raises
    ------
    UsageError
        The folder does not exist, or ``target`` is a folder.
    OutputError
        Writing failed (disk full, read-only file system, permissions); the
        previous file, if any, is left as it was.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {target}: folder {folder} does not exist")
    check_writable(target)
    if target.is_dir():
        raise UsageError(
            f"cannot write {target}: it is a directory",
            hint="name a file, e.g. out/accounts.csv",
        )
    remove_stale_temporaries(folder)
    temporary = _temporary_beside(target, folder)
    try:
        with _signals_exit():
            yield temporary
            os.chmod(temporary, file_mode(target))
            os.replace(temporary, target)
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {exc.strerror or exc}",
            hint="check free space and permissions; the previous file is unchanged",
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


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
    r"^\..+\.(csv|json|parquet|xlsx|yaml|yml|png|svg|pdf)\.[a-z0-9_]{8}\.tmp$"
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


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _temporary_beside(target: Path, folder: Path) -> Path:
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise OutputError(
            f"cannot write in {folder}: {exc.strerror or exc}",
            hint="check permissions of the folder",
        ) from None
    os.close(handle)
    return Path(name)


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
