"""Alerts for the CRM: one row per account that needs action, in the workbook's words.

An account *at risk* (the survey found a problem) or a *blind spot* (the survey
cannot speak for it, not heard included) becomes one row: its owner, id, name,
kind, reason codes and the same reasons in words (:data:`~b2bcx.scoring.risk.FLAG_LABELS`),
a severity, revenue and tier, the index and NPS, and a due date from the config's
``alerts:`` block. Text cells never start with ``= + - @`` (a CRM import is often a
spreadsheet first).

Severity
--------
``high``: at risk for two reasons or more, or at risk in revenue tier A;
``medium``: any other account at risk, and a blind spot in tier A;
``low``: any other blind spot.

Example
-------
>>> table = alerts(result, date(2026, 10, 1))  # doctest: +SKIP
>>> table.columns[:4].tolist()  # doctest: +SKIP
['owner', 'account', 'name', 'kind']
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from b2bcx.io.formulas import defuse_frame
from b2bcx.results import ScoreResult
from b2bcx.scoring import tables
from b2bcx.scoring.accounts import NAME
from b2bcx.scoring.attributes import manager_column
from b2bcx.scoring.risk import FLAG_LABELS

RISK, BLIND_SPOT = "risk", "blind spot"
SEVERITIES = ("high", "medium", "low")
COLUMNS = [
    "owner",
    "account",
    "name",
    "kind",
    "severity",
    "reason_codes",
    "reasons",
    "revenue",
    "tier",
    "index",
    "nps",
    "due_by",
    "wave",
]
"""The alert columns, in order (docs/config.md#alerts)."""


def owner_column(result: ScoreResult) -> str | None:
    """``alerts.owner`` when set, else the account column named like an account manager."""
    wanted = result.config.alerts.owner
    if wanted:
        return wanted if wanted in result.accounts else None
    return manager_column(result.segment_columns)


def severity(kind: str, risks: list[str], tier: object) -> str:
    """``high``, ``medium`` or ``low`` (see the module's notes)."""
    top_tier = str(tier) == "A"
    if kind == RISK:
        return "high" if len(risks) >= 2 or top_tier else "medium"
    return "medium" if top_tier else "low"


def alerts(result: ScoreResult, as_of: date) -> pd.DataFrame:
    """One row per account at risk or blind spot (at risk wins when both).

    Parameters
    ----------
    result : the scored accounts (with the CRM list for accounts not heard).
    as_of : the day the alerts are raised; ``due_by`` = ``as_of`` + the config's
        ``alerts.risk_days`` or ``alerts.blind_spot_days``.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`; ``reason_codes`` ``;``-joined ids, ``reasons`` the same
        in words; sorted risk first, then by severity, most revenue first, then by
        account id. Text is formula-safe.
    """
    table = tables.account_output(result)
    table = table[(table["at_risk"] != "") | (table["blind_spots"] != "")]
    owner = owner_column(result)
    revenue = tables.account_revenue_column(result)
    settings = result.config.alerts
    records = []
    for _, row in table.iterrows():
        risks = [r for r in str(row["at_risk"]).split(";") if r]
        blind = [r for r in str(row["blind_spots"]).split(";") if r]
        kind = RISK if risks else BLIND_SPOT
        codes = risks + blind
        days = settings.risk_days if kind == RISK else settings.blind_spot_days
        tier = row.get("tier")
        records.append(
            {
                "owner": _text(row.get(owner)) if owner else "",
                "account": str(row["account"]),
                "name": _text(row.get(NAME)),
                "kind": kind,
                "severity": severity(kind, risks, tier),
                "reason_codes": ";".join(codes),
                "reasons": ", ".join(FLAG_LABELS.get(c, c) for c in codes),
                "revenue": _number(row.get(revenue)) if revenue else None,
                "tier": _text(tier),
                "index": _number(row.get("index")),
                "nps": _number(row.get("nps")),
                "due_by": (as_of + timedelta(days=days)).isoformat(),
                "wave": result.wave or "",
            }
        )
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    out["_kind"] = (out["kind"] != RISK).astype(int)
    out["_severity"] = out["severity"].map(SEVERITIES.index)
    out = out.sort_values(
        ["_kind", "_severity", "revenue", "account"],
        ascending=[True, True, False, True],
        na_position="last",
        kind="stable",
    ).drop(columns=["_kind", "_severity"])
    out["revenue"] = out["revenue"].astype("Float64")
    for column in ("index", "nps"):  # as the views show them
        out[column] = out[column].astype("Float64").round(1)
    return defuse_frame(out.reset_index(drop=True))


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _number(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if x != x else x
