"""What the portfolio slide says (no python-pptx)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pandas as pd

from b2bcx.deck.content import (
    NO_REASONS,
    PillarChart,
    PortfolioSlide,
    Series,
    account_reasons,
    account_title,
    chart_label,
    column_text,
    interval_text,
    nps_interval,
    number,
    pillar_ids,
    pillar_labels,
    pillar_values,
    safe_text,
    score_text,
)
from b2bcx.results import DeckInputs, ScoreResult
from b2bcx.scoring import tables
from b2bcx.scoring.columns import COLUMNS
from b2bcx.scoring.ranking import movers_count, top_and_bottom
from b2bcx.scoring.risk import FLAG_LABELS, RISKS, reasons_text
from b2bcx.scoring.worth import portfolio_line
from b2bcx.stats.order import shown

WATCH = 5
"""How many accounts the portfolio slide lists to discuss first."""


def portfolio_slide(
    inputs: DeckInputs,
    accounts: pd.DataFrame,
    audience: str | None = None,
    by_column: str | None = None,
) -> PortfolioSlide:
    """Portfolio figures, this deck's accounts to discuss first, and the pillar chart."""
    result = inputs.score
    portfolio = result.portfolio
    figures = [
        coverage_line(result),
        index_figure("Portfolio CX index", portfolio),
        nps_figure(portfolio),
        movers_line(result),
        flagged_line(result),
        value_line(inputs),
    ]
    if audience is not None:
        figures.append(book_line(audience, accounts))
    title = f"Portfolio {safe_text(result.wave, 20)}".strip()
    chart = portfolio_chart(inputs, accounts, audience, by_column)
    heading = (
        f"Lowest {COLUMNS['index_eb'].deck}"
        if "index_eb" in accounts
        else "Lowest CX index"
    )
    return PortfolioSlide(
        title,
        tuple(f for f in figures if f),
        watch_list(accounts, result),
        chart,
        heading,
    )


def coverage_line(result: ScoreResult) -> str:
    table = result.accounts
    scored = int(table["index"].notna().sum())
    text = f"{scored:,} accounts scored, {result.respondent_count:,} respondents"
    if len(result.not_heard):
        text += f"; {len(result.not_heard):,} listed accounts not heard"
    coverage = number(result.revenue_coverage)
    if coverage is not None:
        text += f" · revenue coverage {coverage:.0%}"
    return text


def index_figure(label: str, row: Mapping[str, object]) -> str:
    text = f"{label} {score_text(row.get('index'))}"
    interval = interval_text(row.get("ci_low"), row.get("ci_high"))
    return f"{text} ({interval})" if interval else text


def nps_figure(row: Mapping[str, object]) -> str:
    if number(row.get("nps")) is None:
        return ""
    text = f"Account NPS {column_text('nps', row.get('nps'))}"
    interval = nps_interval(row.get("nps_ci_low"), row.get("nps_ci_high"))
    if interval:
        text += f" ({interval})"
    respondent = number(row.get("respondent_nps"))
    if respondent is not None:
        text += f" · respondents' NPS {column_text('respondent_nps', respondent)}"
    return text


def movers_line(result: ScoreResult) -> str:
    """Significant movers beside the count expected by chance and the count not testable."""
    if "delta" not in result.accounts:
        return ""
    since = f" vs {safe_text(result.baseline_wave, 20)}" if result.baseline_wave else ""
    count = movers_count(result.accounts)
    return f"Change{since}: of {count.compared} accounts, {count.sentence()}"


def flagged_line(result: ScoreResult) -> str:
    """The accounts at risk and the blind spots, counted as the workbook's Summary and
    the terminal count them (one account table, :func:`b2bcx.scoring.tables.account_output`),
    with every risk reason counted, most frequent first (ties in the flags' order)."""
    table = tables.account_output(result)
    risky = int(table["at_risk"].astype(bool).sum())
    blind = int(table["blind_spots"].astype(bool).sum())
    reasons: Counter[str] = Counter(
        r for cell in table["at_risk"] for r in str(cell).split(";") if r
    )
    # every reason (there are three), most frequent first, ties in the flags' order:
    # the two most common hid the third, and Counter breaks ties by row order
    order = {r: i for i, r in enumerate(RISKS)}
    counted = sorted(reasons.items(), key=lambda rn: (-rn[1], order.get(rn[0], 99)))
    top = ", ".join(f"{n} {FLAG_LABELS.get(r, r)}" for r, n in counted)
    at_risk = f"{risky} accounts at risk" + (f" ({top})" if top else "")
    return f"{at_risk}; {blind} blind spots (the survey cannot speak for them)"


def value_line(inputs: DeckInputs) -> str:
    """Revenue at risk and the worth of one index point (``--renewals``), or why not."""
    if inputs.value is not None and inputs.value.fitted:
        line = portfolio_line(inputs.value)
        return line[:1].upper() + line[1:]
    note = inputs.value.note if inputs.value is not None else inputs.value_note
    return f"Renewals: {note}" if note else ""


def book_line(audience: str, accounts: pd.DataFrame) -> str:
    mean = number(accounts["index"].mean()) if len(accounts) else None
    # "heard": the title slide counts the book with its accounts not heard
    # ("30 accounts, 1 not heard"), and this line said "29 accounts in this deck"
    text = f"{safe_text(audience, 60)}: {len(accounts)} accounts heard"
    return text + (f", mean CX index {shown(mean)}" if mean is not None else "")


def watch_list(accounts: pd.DataFrame, result: ScoreResult) -> tuple[str, ...]:
    """The lowest accounts of the deck, on the reliability-adjusted index when computed,
    each with why it is at risk (else why it is a blind spot), as the workbook says."""
    column = "index_eb" if "index_eb" in accounts else "index"
    _, lowest = top_and_bottom(accounts, WATCH)
    reasons = account_reasons(result)
    lines = []
    for _, row in lowest.iterrows():
        why = reasons.get(str(row["account"]), NO_REASONS)
        text = f"{account_title(row, result.config)}: {score_text(row[column])}"
        for name in ("at_risk", "blind_spots"):
            words = reasons_text(why[name])
            if words:
                text += f" ({str(COLUMNS[name].deck).lower()}: {words})"
                break
        lines.append(text)
    return tuple(lines)


def portfolio_chart(
    inputs: DeckInputs,
    accounts: pd.DataFrame,
    audience: str | None,
    by_column: str | None,
) -> PillarChart:
    """Portfolio pillars, this manager's accounts' mean, and last quarter's portfolio."""
    result = inputs.score
    pillars = pillar_ids(result)
    series = [Series("Portfolio", pillar_values(result.portfolio, pillars))]
    if audience is not None:
        book = accounts[pillars].mean() if len(accounts) else None
        series.append(
            Series(
                chart_label(f"{safe_text(audience, 60)}'s accounts"),
                pillar_values(book, pillars),
            )
        )
    if inputs.baseline is not None:
        wave = inputs.score.baseline_wave
        name = f"Portfolio {safe_text(wave, 20)}" if wave else "Portfolio last quarter"
        series.append(
            Series(chart_label(name), pillar_values(inputs.baseline.portfolio, pillars))
        )
    return PillarChart(pillar_labels(result), tuple(series))
