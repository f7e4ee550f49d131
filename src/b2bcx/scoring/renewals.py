"""The CRM decisions file of ``b2bcx value``: read, checked, joined to the accounts.

Config-aware steps (``value:`` in docs/config.md): the event column read as 1/0
through its mapping, the revenue at stake as amounts, one row per account; every
bad row is collected as a problem naming file, row, column and value.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from b2bcx.config.models import Config, RenewalEvent
from b2bcx.errors import Problem
from b2bcx.io import FILE_COLUMN, ROW_COLUMN
from b2bcx.io.text import normalise_ids
from b2bcx.scoring.accounts import read_amounts
from b2bcx.scoring.prepare import COLUMN_HINT, resolve_columns
from b2bcx.scoring.scales import as_number, normalise_label

PLAIN_EVENTS = {"1": 1, "0": 0, "yes": 1, "no": 0, "true": 1, "false": 0}
"""Event values understood without a mapping (trimmed, case-insensitive)."""
DECISION_COLUMNS = ["account", "event", "revenue", "date"]


def event_lookup(spec: RenewalEvent) -> dict[str, int]:
    """Normalised event text -> 1 (churned / not renewed) or 0 (renewed)."""
    if spec.values is None:
        return dict(PLAIN_EVENTS)
    lookup: dict[str, int] = {}
    for event, answers in spec.values.items():
        for answer in answers:
            lookup[_event_key(answer)] = int(event)
    return lookup


def _event_key(answer: object) -> str:
    number = as_number(answer)
    if number is not None and float(number).is_integer():
        return str(int(number))
    return normalise_label(answer)


def decision_id_column(config: Config) -> str:
    """The account id column of the decisions file: ``value.id``, else the
    account list's, else the export's."""
    listed = config.accounts.id if config.accounts else None
    return config.value.id or listed or config.columns.account


def read_decisions(
    frame: pd.DataFrame,
    config: Config,
    source: str,
    aliases: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The decisions as a table ``account, event, revenue, date`` (+ covariates).

    ``revenue`` is NaN when ``value.revenue`` is not set (the account's revenue
    is used then). Problems (errors): a configured column missing, a blank
    account id, an event value that is neither mapped nor 1/0, yes/no,
    true/false, a revenue that is not a non-negative number, an account listed
    twice.
    """
    found, problems = _columns(frame, config, source, aliases or {})
    if problems:
        return pd.DataFrame(columns=DECISION_COLUMNS), problems
    spec, event = config.value, config.value.event_spec
    raw = {name: frame[column] for name, column in found.items()}
    id_column = decision_id_column(config)
    ids, _ = normalise_ids(raw[id_column])
    table = pd.DataFrame({"account": ids.astype(object)}, index=frame.index)
    table["event"] = _events(raw[event.column], event)
    revenue_bad = pd.Series(False, index=frame.index)
    table["revenue"] = np.nan
    if spec.revenue:
        table["revenue"], revenue_bad = _revenue(raw[spec.revenue])
    table["date"] = raw[spec.date].astype(object) if spec.date else None
    for covariate in spec.covariates:
        if covariate in raw:
            table[covariate] = raw[covariate].astype(object)
    checks = [
        (table["account"].isna(), id_column, "no-account", "the account id is blank",
         "give every decision its account id"),
        (table["event"].isna(), event.column, "unknown-event", "unknown event value",
         f"use one of: {', '.join(sorted(event_lookup(event)))} "
         "(or map it under `value.event.values`)"),
        (table["account"].duplicated() & table["account"].notna(), id_column,
         "duplicate-account", "account listed twice",
         "keep one decision per account (the latest)"),
    ]  # fmt: skip
    if spec.revenue:
        checks.insert(2, (revenue_bad, spec.revenue, "revenue-unreadable",
                          "the revenue at stake is not a number",
                          "write the revenue as a non-negative number (1250000 or 1250000.00)"))  # fmt: skip
    for mask, column, code, what, hint in checks:
        problems += _row_problems(
            frame, mask, raw[column], column, (code, what, hint), source
        )
    return table.reset_index(drop=True), problems


def _columns(
    frame: pd.DataFrame, config: Config, source: str, aliases: dict[str, str]
) -> tuple[dict[str, str], list[Problem]]:
    """Configured name -> the decisions file's column, and a problem per one missing."""
    spec, event = config.value, config.value.event_spec
    keys = {decision_id_column(config): "id", event.column: "event"}
    for column, key in ((spec.revenue, "revenue"), (spec.date, "date")):
        if column:
            keys[column] = key
    covariates = [c for c in spec.covariates if _present(c, frame)]
    names = [*keys, *covariates]
    found, problems = resolve_columns(names, list(frame.columns), aliases, source)
    return found, [
        replace(
            p,
            problem="column named in `value:` is not in the decisions file",
            hint=p.hint
            if p.hint != COLUMN_HINT
            else f"name the decisions file's column in `value.{keys.get(p.column or '', 'covariates')}`",
        )
        for p in problems
    ]


def _row_problems(
    frame: pd.DataFrame,
    mask: pd.Series,
    values: pd.Series,
    column: str,
    problem: tuple[str, str, str],
    source: str,
) -> list[Problem]:
    """One problem per row in ``mask``: file, row as the user sees it, value.

    ``problem`` is the problem's code, its words and its hint."""
    code, what, hint = problem
    rows = (
        frame[ROW_COLUMN]
        if ROW_COLUMN in frame
        else pd.Series(range(2, len(frame) + 2))
    )
    files = frame.get(FILE_COLUMN)
    return [
        Problem(
            what,
            hint,
            file=str(files.iloc[at]) if files is not None else source,
            row=int(rows.iloc[at]),
            column=column,
            value=None if pd.isna(values.iloc[at]) else str(values.iloc[at]),
            code=code,
        )
        for at in np.flatnonzero(mask.to_numpy(bool))
    ]


def _present(column: str, frame: pd.DataFrame) -> bool:
    folded = {normalise_label(c) for c in frame.columns}
    return normalise_label(column) in folded


def _events(raw: pd.Series, spec: RenewalEvent) -> pd.Series:
    lookup = event_lookup(spec)
    keys = raw.map(lambda v: None if pd.isna(v) else _event_key(v))
    return keys.map(lambda k: lookup.get(k) if k is not None else None).astype(object)


def _revenue(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    amounts, _, infinite = read_amounts(raw)
    bad = amounts.isna() | infinite | (amounts < 0)
    return amounts, bad.fillna(True)
