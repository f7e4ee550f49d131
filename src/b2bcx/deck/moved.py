"""What the "why the portfolio moved" slide says (no python-pptx)."""

from __future__ import annotations

from dataclasses import dataclass

from b2bcx.deck.content import (
    Series,
    TrendChart,
    number,
    safe_text,
    score_text,
    signed,
)
from b2bcx.results import ChangeResult, TrendResult
from b2bcx.stats.change import waterfall_bars
from b2bcx.stats.order import shown

PART_WORDS = {
    "continuing": "Accounts heard in both waves",
    "weight_mix": "Their weights",
    "entered": "Accounts that entered",
    "left": "Accounts that left",
}


@dataclass(frozen=True)
class ChangeSlide:
    """The waterfall's bars, the lines beside it and the migration matrix."""

    title: str
    lines: tuple[str, ...]
    bars: tuple[str, ...]
    base: tuple[float, ...]
    rise: tuple[float, ...]
    fall: tuple[float, ...]
    level: tuple[float, ...]
    floor: float
    matrix: tuple[tuple[str, ...], ...]


def change_slide(change: ChangeResult) -> ChangeSlide:
    """The slide's content from :class:`~b2bcx.results.ChangeResult`.

    The bars are the same as the workbook's waterfall: the portfolio index before,
    the four parts (rises and falls), the index now.
    """
    parts = change.parts.set_index("part")
    bars = waterfall_bars(
        float(change.parts.attrs["before"]),
        {words: float(parts.loc[part, "change"]) for part, words in PART_WORDS.items()},
        float(change.parts.attrs["after"]),
    )
    before, after = change.parts.attrs["before"], change.parts.attrs["after"]
    since = safe_text(change.baseline.wave, 20) or "the baseline"
    lines = [
        f"Portfolio CX index {score_text(before)} → {score_text(after)} since {since} "
        f"({signed(after - before)} points), of which:"
    ]
    for part, words in PART_WORDS.items():
        row = parts.loc[part]
        lines.append(
            f"• {words}: {signed(row['change'], 2)} ({int(row['accounts'])} accounts)"
        )
    totals = change.rate_mix_total
    if totals["total"] == totals["total"]:
        lines.append(
            f"Respondent NPS {signed(totals['total'])}: {signed(totals['rate'])} from "
            f"the {change.by.replace('_', ' ')}s' own NPS, {signed(totals['mix'])} from "
            "the mix of who answered."
        )
    test = change.stuart_maxwell
    if test["p"] == test["p"]:
        verdict = (
            "a shift unlikely to be chance" if test["p"] < 0.05 else "could be chance"
        )
        lines.append(
            f"Accounts moving between bands: {verdict} (Stuart–Maxwell p "
            f"{shown(test['p'], 3)})."
        )
    header = tuple(str(c) for c in change.migration.columns)
    body = [
        tuple(str(v) for v in row) for row in change.migration.itertuples(index=False)
    ]
    matrix = (header, *body)
    return ChangeSlide(
        title="Why the portfolio moved",
        lines=tuple(lines),
        bars=tuple(bars["bar"]),
        base=tuple(bars["base"]),
        rise=tuple(bars["rise"]),
        fall=tuple(bars["fall"]),
        level=tuple(bars["level"]),
        floor=float(bars.attrs["floor"]),
        matrix=matrix,
    )


def trend_chart(account: str, trend: TrendResult | None) -> TrendChart | None:
    """The account's index by wave beside the portfolio's, with its slope in words
    (``--history``); None without a trend or when the account was never heard."""
    if trend is None:
        return None
    found = trend.accounts[trend.accounts["account"].astype(str) == account]
    if found.empty:
        return None
    row = found.iloc[0]
    mine = tuple(number(row.get(w)) for w in trend.waves)
    portfolio = tuple(number(v) for v in trend.portfolio["index"])
    if number(row.get("slope")) is None:
        caption = f"Heard in {int(row['waves'])} of {len(trend.waves)} waves: too few for a trend"
    else:
        verdict = (
            "deteriorating: a fall unlikely to be chance"
            if row.get("deteriorating") is True
            else "could be chance"
            if (number(row.get("q_slope")) or 1.0) > 0.05
            else "a change unlikely to be chance"
        )
        caption = (
            f"Trend {signed(row['slope'])} points a wave (weighed by its reliability "
            f"{signed(row['slope_eb'])}): {verdict}"
        )
    return TrendChart(
        categories=tuple(safe_text(w, 20) for w in trend.waves),
        series=(Series("This account", mine), Series("Portfolio", portfolio)),
        caption=caption,
    )
