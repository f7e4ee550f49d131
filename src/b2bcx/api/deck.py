"""What an account-review deck is built from: this quarter and last, scored once.

Pure orchestration over :mod:`b2bcx.api.accounts` (no python-pptx, no printing).
:func:`deck_inputs` is the library call behind ``b2bcx deck``.
"""

from __future__ import annotations

from datetime import datetime

from b2bcx.api.commands import QUIET, Watch, score_waves
from b2bcx.api.trends import change_from, history_trend
from b2bcx.api.worth import sources_value
from b2bcx.results import DeckInputs, Sources


def deck_inputs(
    sources: Sources,
    *,
    run_time: datetime | None = None,
    engine: str = "auto",
    watch: Watch = QUIET,
) -> DeckInputs:
    """Score this quarter (with its change) and last quarter on its own.

    Last quarter is the ``--baseline`` export, else the previous wave of a
    multi-wave export; its account pillars and portfolio are the "last quarter"
    bars of the deck's charts. With decisions (``--renewals``), renewals against
    the index as :func:`b2bcx.api.worth.sources_value` computes them. The
    exports are streamed when the pass applies, else read whole.

    Raises
    ------
    DataError
        When this quarter or the baseline cannot be scored.
    """
    from b2bcx.api.workbook import files_read, hashing, rows_per_file

    digest = hashing(sources)
    result, previous = score_waves(
        list(sources.exports),
        sources.config,
        baseline=list(sources.baseline) or None,
        master=sources.master,
        sheet=sources.sheet,
        engine=engine,
        watch=watch,
    )
    value, value_note = sources_value(sources, result, previous)
    moved = (
        change_from(result, previous, master=sources.master)
        if previous is not None
        else None
    )
    trend, earlier = history_trend(sources, result, previous)
    return DeckInputs(
        score=result,
        baseline=previous,
        files=files_read(sources, rows_per_file(result.rows), earlier, digest),
        run_time=run_time,
        value=value,
        value_note=value_note,
        change=moved,
        trend=trend,
    )
