"""The Summary sheet's numbers: headline figures, change, movers, risks (pure pandas)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from b2bcx.results import ScoreResult
from b2bcx.scoring import tables
from b2bcx.scoring.accounts import NAME
from b2bcx.scoring.columns import COUNT as COUNT
from b2bcx.scoring.columns import NPS as NPS
from b2bcx.scoring.columns import SCORE as SCORE
from b2bcx.scoring.columns import SIGNED as SIGNED
from b2bcx.scoring.columns import in_words
from b2bcx.scoring.ranking import biggest_movers, movers_count
from b2bcx.scoring.risk import ranking_basis, reasons_text
from b2bcx.stats.order import sort_accounts

PERCENT = "0.0%"
MOVER_COLUMNS = [
    "account",
    "direction",
    "delta_eb",  # what orders them
    "index_eb",
    "reliability",
    "index",
    "index_baseline",
    "delta",
    "delta_lfl",
    "q_change",
]


@dataclass(frozen=True)
class Figure:
    """One line of a key-figure block: a measure, its value, interval and format."""

    measure: str
    value: float | int | str | None
    ci_low: float | None = None
    ci_high: float | None = None
    number_format: str = SCORE


INDEX_LABEL = "Account CX index (0-100)"
NPS_LABEL = "Account NPS (-100..100)"
RESPONDENT_NPS_LABEL = "Respondent NPS (-100..100)"


def headline(result: ScoreResult) -> list[Figure]:
    """Portfolio index and NPS with 95% intervals, counts and coverage."""
    return _scores(result) + _counts(result)


def _scores(result: ScoreResult) -> list[Figure]:
    portfolio = result.portfolio
    figures = [Figure(INDEX_LABEL, *_interval(portfolio, "index"))]
    if "nps" in portfolio:
        figures.append(Figure(NPS_LABEL, *_interval(portfolio, "nps"), NPS))
    if "respondent_nps" in portfolio:
        figures.append(
            Figure(RESPONDENT_NPS_LABEL, portfolio["respondent_nps"], None, None, NPS)
        )
    return [f for f in figures if not _missing(f.value)]


def _moved(result: ScoreResult) -> str:
    """``9 up, 11 down (7.2 by chance)``; never "0" for accounts not testable."""
    count = movers_count(result.accounts)
    if count.compared and not count.testable:
        return f"none of {count.compared} testable"
    return (
        f"{count.rises} up, {count.falls} down "
        f"({count.expected_by_chance:.1f} by chance)"
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def headline_note(result: ScoreResult) -> str:
    """What the account figures mean (and the respondent NPS, when shown)."""
    note = "Account figures: each account counts once, its roles weighted as configured"
    if "respondent_nps" in result.portfolio:
        note += "; respondent NPS counts every respondent once"
    return note + "."


def top_figures(result: ScoreResult, table: pd.DataFrame) -> list[Figure]:
    """What an account manager reads first: scores, change, risk, blind spots."""
    figures = _scores(result)
    both = compared(result.accounts)
    if not both.empty:
        since = result.baseline_wave or "the baseline"
        change = result.portfolio
        figures.append(
            Figure(
                f"Change in CX index since {since} (accounts in both waves)",
                float(change.get("delta", both["delta"].mean())),
                change.get("delta_ci_low"),
                change.get("delta_ci_high"),
                number_format=SIGNED,
            )
        )
        figures.append(Figure("Accounts that moved significantly", _moved(result)))
    heard = table[table["n"] > 0]
    figures.append(
        Figure(
            "Accounts at risk",
            f"{int((heard['at_risk'] != '').sum())} of {len(heard)}",
        )
    )
    figures.append(
        Figure(
            "Blind spots",
            f"{int((table['blind_spots'] != '').sum())} of {len(table)}",
        )
    )
    by_tier = revenue_by_tier(result, table)
    if not by_tier.empty:
        total = by_tier[by_tier["tier"] == "all"]
        row = total.iloc[0] if len(total) else by_tier.iloc[-1]
        figures.append(
            Figure(
                "Share of revenue at risk", row["share_at_risk"], None, None, PERCENT
            )
        )
    if result.revenue_coverage is not None:
        figures.append(
            Figure(
                "Revenue heard (target 80%)",
                result.revenue_coverage,
                None,
                None,
                PERCENT,
            )
        )
    return figures + agreement_figures(result)


def agreement_figures(result: ScoreResult) -> list[Figure]:
    """ICC(1), ICC(2) and ``k*`` (docs/method.md#icc-and-contacts-needed), when estimable."""
    if _missing(result.icc1):
        return []
    target = result.config.flags.low_reliability
    figures = [
        Figure(
            "ICC(1): share of one answer's variance between accounts",
            result.icc1,
            None,
            None,
            "0.00",
        ),
        Figure(
            "ICC(2): reliability of an account mean", result.icc2, None, None, "0.00"
        ),
    ]
    if not _missing(result.k_star):
        figures.append(
            Figure(
                f"Respondents an account needs for reliability {target:g} "
                f"(k* = {result.k_star:.1f}, rounded up)",
                float(math.ceil(result.k_star)),
                None,
                None,
                COUNT,
            )
        )
    return figures


FLAGGED = "Accounts with any flag (at risk, blind spot or note)"


def _counts(result: ScoreResult) -> list[Figure]:
    accounts = result.accounts
    counts = {
        "Respondents scored": result.respondent_count,
        "Accounts heard": len(accounts),
        "Accounts with an index": int(accounts["index"].notna().sum()),
        # beside "Accounts at risk" and "Blind spots", a bare "Accounts flagged" (100
        # beside 45 and 45) read as a third kind; it counts the notes as well
        FLAGGED: flagged_count(result),
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
    return tables.row_counts(result.rows)["excluded"]


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

    Columns ``account`` (and ``name``), ``direction, delta_eb, index_eb, reliability, index,
    index_baseline, delta, delta_lfl, q_change`` (those present; ``delta_lfl``,
    the change over the roles heard in both waves, is what was tested).
    """
    rises, falls = significant_moves(compared(result.accounts))
    parts = [
        rises.head(top).assign(direction="up"),
        falls.head(top).assign(direction="down"),
    ]
    parts = [p for p in parts if not p.empty]
    present = [c for c in MOVER_COLUMNS if c == "direction" or c in result.accounts]
    columns = _with_name(result.accounts, present)
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _with_name(accounts: pd.DataFrame, columns: list[str]) -> list[str]:
    if NAME in accounts and NAME not in columns:
        return [columns[0], NAME, *columns[1:]]
    return list(columns)


def _by_value(table: pd.DataFrame, revenue: str | None) -> pd.DataFrame:
    """Most revenue first when revenue is known, else lowest score first."""
    if revenue and revenue in table and table[revenue].notna().any():
        return sort_accounts(table, [revenue], [False])
    basis = ranking_basis(table)
    return sort_accounts(table, [basis], [True], na_position="first")


def at_risk(result: ScoreResult, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Accounts at risk, most revenue first (lowest score first without revenue).

    Columns ``account, name, tier, <revenue>, index, nps, delta, at_risk``
    (those present); ``at_risk`` in plain words.
    """
    table = tables.account_output(result) if table is None else table
    revenue = tables.account_revenue_column(result)
    risky = _by_value(table[table["at_risk"] != ""], revenue)
    basis = ranking_basis(table)
    wanted = ["account", NAME, "tier", revenue, basis, "reliability", "nps", "delta"]
    columns = [c for c in dict.fromkeys(wanted) if c and c in risky] + ["at_risk"]
    out = risky[columns].copy()
    out["at_risk"] = in_words(out["at_risk"], reasons_text)
    return out.reset_index(drop=True)


def blind_spots(result: ScoreResult, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Accounts the survey cannot speak for, most revenue first.

    Columns ``account, name, tier, <revenue>, n, blind_spots`` (those present).
    """
    table = tables.account_output(result) if table is None else table
    revenue = tables.account_revenue_column(result)
    blind = table[table["blind_spots"] != ""]
    if revenue and revenue in blind and blind[revenue].notna().any():
        blind = sort_accounts(blind, [revenue], [False])
    wanted = ["account", NAME, "tier", revenue, "n"]
    columns = [c for c in dict.fromkeys(wanted) if c and c in blind] + ["blind_spots"]
    out = blind[columns].copy()
    out["blind_spots"] = in_words(out["blind_spots"], reasons_text)
    return out.reset_index(drop=True)


def revenue_by_tier(
    result: ScoreResult, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Revenue at risk per tier (empty without revenue)."""
    table = tables.account_output(result) if table is None else table
    by_tier = tables.risk_by_tier(result, table)
    return pd.DataFrame() if by_tier is None else by_tier


def tier_table(result: ScoreResult, table: pd.DataFrame) -> pd.DataFrame:
    """Per tier (or first segment) and the portfolio: index, its margin, revenue at risk.

    Columns ``group, accounts, index, margin`` (half the 95% interval, for error
    bars), and with revenue ``at_risk, revenue, revenue_at_risk, share_at_risk``.
    """
    segments = result.segments
    cut = "tier" if (segments["segment"] == "tier").any() else None
    if cut is None:
        others = [s for s in segments["segment"].unique() if s != "portfolio"]
        cut = others[0] if others else None
    rows = segments[segments["segment"].isin(["portfolio", cut])]
    keys = [
        "all" if s == "portfolio" else str(v)
        for s, v in zip(rows["segment"], rows["value"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "group": [
                "Portfolio" if s == "portfolio" else f"{_cut_name(s)} {v}"
                for s, v in zip(rows["segment"], rows["value"], strict=True)
            ],
            "accounts": rows["accounts"].to_numpy(),
            "index": rows["index"].to_numpy(float),
            "margin": (rows["ci_high"] - rows["ci_low"]).to_numpy(float) / 2,
        }
    )
    by_tier = revenue_by_tier(result, table) if cut == "tier" else pd.DataFrame()
    if not by_tier.empty:
        money = by_tier.set_index("tier")
        for column in ("at_risk", "revenue", "revenue_at_risk", "share_at_risk"):
            out[column] = [money[column].get(k, float("nan")) for k in keys]
    return out


def _cut_name(segment: str) -> str:
    return "Tier" if segment == "tier" else str(segment)


def risk_counts(result: ScoreResult) -> tuple[int, int]:
    """Accounts at risk and blind spots (listed accounts not heard included)."""
    table = tables.account_output(result)
    return int((table["at_risk"] != "").sum()), int((table["blind_spots"] != "").sum())
