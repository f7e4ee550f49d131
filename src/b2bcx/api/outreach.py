"""The chase list over a read export (``b2bcx chase``; pure orchestration)."""

from __future__ import annotations

import pandas as pd

from b2bcx.api.accounts import score
from b2bcx.config.models import Config
from b2bcx.errors import Problem
from b2bcx.io import Export
from b2bcx.results import AccountMaster, ChaseResult, ScoreResult
from b2bcx.scoring.chase import chase_tables


def chase(
    export: Export,
    config: Config,
    *,
    master: AccountMaster | None = None,
    contacts: pd.DataFrame | None = None,
    contact_warnings: list[Problem] | None = None,
    scored: ScoreResult | None = None,
) -> ChaseResult:
    """The accounts to hear from next and, with ``contacts`` (from
    :func:`b2bcx.api.load.load_contacts`), the contacts who did not answer
    (docs/method.md#chase-list).

    ``scored`` reuses a score of the same export (the respondent path: the
    respondent table names who answered).

    Raises
    ------
    DataError
        With every problem found, when any is an error.
    """
    result = scored if scored is not None else score(export, config, master=master)
    accounts, silent = chase_tables(result, contacts)
    return ChaseResult(
        accounts,
        silent,
        result.icc1,
        result.icc2,
        result.k_star,
        list(contact_warnings or []),
    )
