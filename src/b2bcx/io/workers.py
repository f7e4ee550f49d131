"""Work handed to another process while this one goes on.

A report's key drivers (the account bootstrap: 4 models x 1,000 resamples, some
seconds at 100k accounts) need nothing the workbook needs, so they are fitted in
a worker process while this one builds the sheets. Workers start from a clean
server process (``forkserver``): never forked from this one, whose other threads
(a progress bar) may hold locks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def can_start_workers() -> bool:
    """Whether worker processes help here: several cores, and a clean server
    process to start them from (POSIX)."""
    return (os.cpu_count() or 1) >= 2 and (
        "forkserver" in multiprocessing.get_all_start_methods()
    )


class InWorker(Generic[T]):
    """A worker process that runs ``work(*args)``: started now (it imports
    ``work``'s module while this process goes on), given its arguments by
    :meth:`submit`; :meth:`result` waits for the answer.

    The arguments go to the worker through a pipe, array buffers out of band
    (pickle protocol 5): this process makes no copy of them, and a background
    thread sends them, so the caller goes on at once. The result comes back
    pickled. An exception in the worker is raised again by :meth:`result`; a
    worker that dies (killed, out of memory) raises :class:`WorkerError`. A
    worker never given work, or whose result is never asked for, is stopped by
    :meth:`stop`, when its handle is dropped, or when this process exits.

    ``work`` must be importable by name (a module's function); the program's
    main module must guard what it runs with ``if __name__ == "__main__":``, as
    for any worker process that does not fork.

    Examples
    --------
    >>> from operator import add
    >>> InWorker(add).submit(2, 3).result()  # doctest: +SKIP
    5
    """

    def __init__(self, work: Callable[..., T]) -> None:
        context = multiprocessing.get_context("forkserver")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, work), daemon=True)
        self._process.start()
        theirs.close()
        self.stop = weakref.finalize(self, _stop, self._process, self._connection)
        self._sending: Any = None
        self._answer: tuple[bool, Any] | None = None

    def submit(self, *args: Any) -> InWorker[T]:
        """Hand the worker its arguments (sent by a background thread)."""
        import threading

        self._sending = threading.Thread(
            target=_send_quietly, args=(self._connection, args), daemon=True
        )
        self._sending.start()
        return self

    def result(self) -> T:
        """The worker's result (waits for it; asked again, the same answer)."""
        if self._answer is None:
            self._answer = self._received()
        ok, value = self._answer
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def _received(self) -> tuple[bool, Any]:
        if self._sending is None:
            raise RuntimeError("the worker was given no work (submit)")
        try:
            self._sending.join()
            return self._connection.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            self._process.join()
            code = self._process.exitcode
            error = WorkerError(
                f"a worker process stopped before it answered (exit code {code})"
            )
            return False, error
        finally:
            self.stop()


class WorkerError(RuntimeError):
    """A worker process died without an answer."""


def send_arguments(connection: Any, args: tuple[Any, ...]) -> None:
    """``args`` down ``connection``: their pickle, then each array buffer as it
    is in memory (out of band, no copy)."""
    import pickle

    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(args, protocol=5, buffer_callback=buffers.append)
    connection.send(len(buffers))
    connection.send_bytes(head)
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def received_arguments(connection: Any) -> tuple[Any, ...]:
    """What :func:`send_arguments` sent."""
    import pickle

    count = connection.recv()
    head = connection.recv_bytes()
    buffers = [connection.recv_bytes() for _ in range(count)]
    return pickle.loads(head, buffers=buffers)  # type: ignore[no-any-return]


def _send_quietly(connection: Any, args: tuple[Any, ...]) -> None:
    """:func:`send_arguments`; a worker that died meanwhile is reported by
    :meth:`InWorker.result`."""
    with contextlib.suppress(OSError, EOFError):
        send_arguments(connection, args)


def _serve(connection: Any, work: Callable[..., Any]) -> None:
    """In the worker: take the arguments, run the work and send back
    ``(True, result)`` or ``(False, exception)``."""
    try:
        answer = (True, work(*received_arguments(connection)))
    except BaseException as error:  # every failure goes back
        answer = (False, error)
    try:
        connection.send(answer)
    except Exception as error:  # an answer that cannot be pickled
        connection.send((False, WorkerError(f"the answer could not be sent: {error}")))
    connection.close()


def _stop(process: Any, answer: Any) -> None:
    answer.close()
    if process.is_alive():
        process.kill()
    process.join()
