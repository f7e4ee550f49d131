"""Work handed to a worker process (b2bcx.io.workers): the answer, its errors,
and a worker that dies."""

from __future__ import annotations

import os
import signal
from operator import add

import numpy as np
import pytest

from b2bcx.errors import AnalysisError
from b2bcx.io.workers import InWorker, WorkerError, can_start_workers

pytestmark = pytest.mark.skipif(
    not can_start_workers(), reason="no worker processes on one core"
)


def _total(values: np.ndarray, offset: float) -> float:
    return float(values.sum() + offset)


def _refuse(message: str) -> None:
    raise AnalysisError(message, hint="a hint")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_the_worker_answers_with_its_arguments_arrays_sent_out_of_band() -> None:
    values = np.arange(1_000_000, dtype=float)  # sent as a buffer, not pickled
    assert InWorker(_total).submit(values, 0.5).result() == pytest.approx(
        values.sum() + 0.5, rel=1e-12
    )
    worker = InWorker(add).submit(2, 3)
    assert worker.result() == 5
    assert worker.result() == 5  # asked again: the same answer


def test_an_error_in_the_worker_is_raised_here() -> None:
    worker = InWorker(_refuse).submit("too few accounts")
    for _ in range(2):  # asked again, the same answer
        with pytest.raises(AnalysisError, match="too few accounts"):
            worker.result()


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match="stopped before it answered"):
        InWorker(_die).submit().result()


def test_a_worker_given_no_work_is_stopped() -> None:
    worker = InWorker(add)
    worker.stop()
    assert not worker._process.is_alive()
