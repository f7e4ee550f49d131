"""The Summary sheet's numbers: headline figures, change, movers, risks (pure pandas)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from b2bcx.results import ScoreResult

SCORE = "0.0"
SIGNED = "+0.0;-0.0;0.0"
PERCENT = "0.0%"
COUNT = "#,##0"
MOVER_COLUMNS = ["account", "direction", "index", "index_baseline", "delta"]
RISK_COLUMNS = ["account", "n", "index", "nps", "delta", "flags"]


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
        figures.append(Figure("Portfolio NPS (-100..100)", *nps))
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
    rises, falls = significant_moves(both)
    return [
        Figure("Accounts scored in both waves", len(both), number_format=COUNT),
        Figure("Mean index now (these accounts)", float(both["index"].mean())),
        Figure("Mean index at baseline", float(both["index_baseline"].mean())),
        Figure(
            "Mean change (points)", float(both["delta"].mean()), number_format=SIGNED
        ),
        Figure("Significant rises", len(rises), number_format=COUNT),
        Figure("Significant falls", len(falls), number_format=COUNT),
    ]


def significant_moves(accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Significant rises (largest first) and falls (largest first)."""
    if "significant" not in accounts:
        empty = accounts.iloc[0:0]
        return empty, empty
    significant = accounts[accounts["significant"].eq(True)]
    rises = significant[significant["delta"] > 0].sort_values(
        ["delta", "account"], ascending=[False, True], kind="stable"
    )
    falls = significant[significant["delta"] < 0].sort_values(
        ["delta", "account"], ascending=[True, True], kind="stable"
    )
    return rises, falls


def movers(result: ScoreResult, top: int = 5) -> pd.DataFrame:
    """The ``top`` biggest significant rises, then falls: ``account, direction, index, index_baseline, delta``."""
    rises, falls = significant_moves(compared(result.accounts))
    parts = [
        rises.head(top).assign(direction="up"),
        falls.head(top).assign(direction="down"),
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    return pd.concat(parts, ignore_index=True)[MOVER_COLUMNS]


def at_risk(result: ScoreResult) -> pd.DataFrame:
    """Flagged accounts, lowest index first: ``account, n, index, nps, delta, flags`` (+ tier)."""
    accounts = result.accounts
    flagged = accounts[accounts["flags"].map(len) > 0].copy()
    flagged["flags"] = flagged["flags"].map(", ".join)
    columns = [c for c in RISK_COLUMNS if c in flagged]
    columns += [c for c in ("tier",) if c in flagged]
    flagged = flagged.sort_values(
        ["index", "account"], ascending=[True, True], na_position="first", kind="stable"
    )
    return flagged[columns].reset_index(drop=True)
