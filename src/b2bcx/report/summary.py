"""The Summary sheet's numbers: headline figures, change, movers, risks (pure pandas)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from b2bcx.results import ScoreResult
from b2bcx.scoring.ranking import (
    at_risk_accounts,
    biggest_movers,
    movers_count,
)

SCORE = "0.0"
SIGNED = "+0.0;-0.0;0.0"
PERCENT = "0.0%"
COUNT = "#,##0"
MOVER_COLUMNS = [
    "account",
    "direction",
    "index_eb",
    "reliability",
    "index",
    "index_baseline",
    "delta",
    "q_change",
]
RISK_COLUMNS = [
    "account",
    "n",
    "index_eb",
    "reliability",
    "index",
    "nps",
    "delta",
    "flags",
]


@dataclass(frozen=True)
class Figure:
    """One line of a key-figure block: a measure, its value, interval and format."""

    measure: str
    value: float | int | str | None
    ci_low: float | None = None
    ci_high: float | None = None
    number_format: str = SCORE


def headline(result: ScoreResult) -> list[Figure]:
    """Portfolio index and NPS with 95% intervals, counts and coverage."""
    portfolio = result.portfolio
    figures = [Figure("Portfolio CX index (0-100)", *_interval(portfolio, "index"))]
    if "nps" in portfolio:
        nps = _interval(portfolio, "nps")
        figures.append(Figure("Portfolio account NPS (-100..100)", *nps))
        if "respondent_nps" in portfolio:
            figures.append(
                Figure(
                    "Respondent NPS (as a survey tool shows it)",
                    portfolio["respondent_nps"],
                )
            )
    return figures + _counts(result)


def _counts(result: ScoreResult) -> list[Figure]:
    accounts = result.accounts
    counts = {
        "Respondents scored": len(result.respondents),
        "Accounts heard": len(accounts),
        "Accounts with an index": int(accounts["index"].notna().sum()),
        "Accounts flagged": flagged_count(result),
    }
    figures = [Figure(k, v, number_format=COUNT) for k, v in counts.items()]
    coverage = _mean(accounts["coverage"])
    figures.append(
        Figure("Mean coverage of role weight", coverage, None, None, PERCENT)
    )
    if result.revenue_coverage is not None:
        revenue = result.revenue_coverage
        figures.append(
            Figure("Revenue coverage (target 80%)", revenue, None, None, PERCENT)
        )
    if not result.not_heard.empty:
        figures.append(
            Figure(
                "Listed accounts not heard", len(result.not_heard), None, None, COUNT
            )
        )
    figures.append(
        Figure("Input rows excluded", excluded_rows(result), None, None, COUNT)
    )
    return figures


def _interval(
    row: dict[str, float], name: str
) -> tuple[float, float | None, float | None]:
    low, high = (
        ("ci_low", "ci_high")
        if name == "index"
        else (f"{name}_ci_low", f"{name}_ci_high")
    )
    return row.get(name, math.nan), row.get(low), row.get(high)


def _mean(values: pd.Series) -> float | None:
    mean = values.astype(float).mean()
    return None if pd.isna(mean) else float(mean)


def flagged_count(result: ScoreResult) -> int:
    """Accounts heard that carry at least one flag."""
    return int(result.accounts["flags"].map(len).gt(0).sum())


def excluded_rows(result: ScoreResult) -> int:
    """Input rows excluded from scoring (any reason)."""
    return int((result.rows["status"] == "excluded").sum())


def flag_counts(result: ScoreResult) -> dict[str, int]:
    """Accounts per flag, most frequent first."""
    flags = result.accounts["flags"].explode().dropna()
    return {str(k): int(v) for k, v in flags.value_counts().items()}


def compared(accounts: pd.DataFrame) -> pd.DataFrame:
    """Accounts with an index now and in the baseline."""
    if "delta" not in accounts:
        return accounts.iloc[0:0]
    return accounts[accounts["delta"].notna()]


def baseline_change(result: ScoreResult) -> list[Figure]:
    """Index now vs baseline over the accounts heard in both waves (equal weights)."""
    both = compared(result.accounts)
    if both.empty:
        return []
    count = movers_count(result.accounts)
    change = result.portfolio
    low, high = change.get("delta_ci_low"), change.get("delta_ci_high")
    return [
        Figure("Accounts scored in both waves", len(both), number_format=COUNT),
        Figure("Mean index now (these accounts)", float(both["index"].mean())),
        Figure("Mean index at baseline", float(both["index_baseline"].mean())),
        Figure(
            "Mean change (points, paired, portfolio weights)",
            float(change.get("delta", both["delta"].mean())),
            low,
            high,
            number_format=SIGNED,
        ),
        Figure("Significant rises", count.rises, number_format=COUNT),
        Figure("Significant falls", count.falls, number_format=COUNT),
        Figure(
            "Expected by chance (testable accounts × 0.05)",
            count.expected_by_chance,
            number_format="0.0",
        ),
        Figure(
            "Not testable (no interval in a wave)",
            count.not_testable,
            number_format=COUNT,
        ),
        Figure(
            "Significant after false discovery control (q ≤ 0.05)",
            count.significant_fdr,
            number_format=COUNT,
        ),
    ]


def significant_moves(accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Significant rises and falls, biggest change of ``index_eb`` first."""
    return biggest_movers(accounts)


def movers(result: ScoreResult, top: int = 5) -> pd.DataFrame:
    """The ``top`` biggest significant rises, then falls (ordered on the change of ``index_eb``).

    Columns ``account, direction, index_eb, reliability, index, index_baseline,
    delta, q_change`` (those present).
    """
    rises, falls = significant_moves(compared(result.accounts))
    parts = [
        rises.head(top).assign(direction="up"),
        falls.head(top).assign(direction="down"),
    ]
    parts = [p for p in parts if not p.empty]
    columns = [c for c in MOVER_COLUMNS if c == "direction" or c in result.accounts]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def at_risk(result: ScoreResult) -> pd.DataFrame:
    """Flagged accounts, lowest ``index_eb`` first.

    Columns ``account, n, index_eb, reliability, index, nps, delta, flags`` (+ tier).
    """
    flagged = at_risk_accounts(result.accounts).copy()
    flagged["flags"] = flagged["flags"].map(", ".join)
    columns = [c for c in RISK_COLUMNS if c in flagged]
    columns += [c for c in ("tier",) if c in flagged]
    return flagged[columns].reset_index(drop=True)
