"""The HTML report's page: sections of escaped text, tables and inline SVG charts.

Everything the page says comes from the workbook's and the deck's own content
functions (:mod:`b2bcx.report.summary`, :mod:`b2bcx.report.reading`,
:mod:`b2bcx.deck.plan`), with the workbook's column headers and flag words
(:mod:`b2bcx.report.labels`). Every piece of text from the data goes through
:func:`html.escape`; the page loads nothing (no script, no font, no image file).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from b2bcx.deck.content import (
    AccountSlide,
    column_text,
    money,
    nps_interval,
    number,
    safe_text,
    score_text,
    signed,
)
from b2bcx.deck.plan import account_slides, ordered
from b2bcx.deck.portfolio import portfolio_slide
from b2bcx.html.charts import PillarCharts, interval_svg, pillar_svg
from b2bcx.html.style import CSS
from b2bcx.report.labels import header, header_labels, reasons_text
from b2bcx.report.reading import reading
from b2bcx.report.sheets_method import method_rows
from b2bcx.report.sheets_tables import problem_table
from b2bcx.report.summary import (
    COUNT,
    NPS,
    PERCENT,
    SIGNED,
    Figure,
    at_risk,
    blind_spots,
    headline_note,
    movers,
    tier_table,
    top_figures,
)
from b2bcx.results import DeckInputs, ReportInputs, ScoreResult
from b2bcx.scoring import tables
from b2bcx.scoring.accounts import NAME
from b2bcx.scoring.columns import ACCOUNT_COLUMNS, Column
from b2bcx.scoring.ranking import MOVERS_NOTE, RANKING_NOTE, movers_count
from b2bcx.scoring.risk import BLIND_SPOT_WORDS
from b2bcx.stats.order import for_display, shown, sort_accounts

SHOWN = 10
"""Rows shown in a summary list before "show all"."""

SECTIONS = (
    ("summary", "Summary"),
    ("portfolio", "Portfolio and segments"),
    ("drivers", "Drivers"),
    ("accounts", "Accounts"),
    ("method", "Method and data quality"),
)


def text(value: Any) -> str:
    """Any value as escaped, single-line text ("" for missing)."""
    return escape(safe_text(value), quote=True)


def p_value(value: Any) -> str:
    """A p- or q-value: ``0.042``, ``<0.001`` ("" when missing)."""
    x = number(value)
    if x is None:
        return ""
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def percent(value: Any) -> str:
    x = number(value)
    return "" if x is None else f"{x:.0%}"


def _present(show: Callable[[Any], str]) -> Callable[[Any], str]:
    """``show`` for a number, ``""`` for a missing one."""
    return lambda v: "" if number(v) is None else show(v)


def _by_kind(column: Column) -> Callable[[Any], str] | None:
    """How the page prints an account column, from its definition's kind and
    digits (:data:`b2bcx.scoring.columns.ACCOUNT_COLUMNS`); None: as text."""
    if column.kind in ("signed", "nps", "count", "statistic"):
        # as every view prints it (its digits, sign, separators), a true minus sign
        return _present(lambda v: column_text(column.id, v))
    return {"score": score_text, "p": p_value, "share": percent}.get(column.kind)


FORMATS: dict[str, Callable[[Any], str]] = {
    **{c.id: f for c in ACCOUNT_COLUMNS if (f := _by_kind(c)) is not None},
    "margin": lambda v: "" if number(v) is None else f"± {shown(v)}",
    "share_at_risk": percent,
    "revenue": money,
    "revenue_at_risk": money,
    "accounts": _present(lambda v: f"{int(number(v) or 0):,}"),
    "direction": lambda v: {"up": "↑ up", "down": "↓ down"}.get(str(v), str(v)),
}
"""How the page prints each column it shows: the account columns by their
definitions, then the page's own (money, the movers' direction)."""
NUMERIC = {c for c in FORMATS if c != "direction"} | {"ci"}


class Anchors:
    """Stable, unique HTML ids for accounts (``acct-1`` …, by sorted account id)."""

    def __init__(self, accounts: Iterable[Any]) -> None:
        ids = sorted({str(a) for a in accounts})
        self.ids = {a: f"acct-{i}" for i, a in enumerate(ids, start=1)}

    def link(self, account: Any, label: str | None = None) -> str:
        """The account as a link to its section (plain text when it has none)."""
        shown = text(account) if label is None else label
        anchor = self.ids.get(str(account))
        return f'<a href="#{anchor}">{shown}</a>' if anchor else shown


def cell(column: str, value: Any, revenue: str | None) -> str:
    if column == revenue:
        return money(value)
    format_ = FORMATS.get(column)
    if format_ is not None:
        return escape(format_(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return text(value)


def table(
    frame: pd.DataFrame,
    labels: Mapping[str, str],
    anchors: Anchors | None = None,
    *,
    revenue: str | None = None,
    caption: str = "",
    empty: str = "None.",
) -> str:
    """A table whose rows become labelled cards at phone width (``data-label``)."""
    if frame.empty:
        return f'<p class="note">{escape(empty)}</p>'
    columns = [c for c in frame.columns if c != NAME or "account" not in frame]
    heads = [escape(header(c, labels)) for c in columns]
    out = ['<div class="table"><table>']
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append("<thead><tr>")
    numbers = {
        c
        for c in columns
        if c in NUMERIC
        or c == revenue
        or (
            pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])
        )
    }
    for column, head in zip(columns, heads, strict=True):
        numeric = column in numbers
        out.append(f'<th scope="col"{_num(numeric)}>{head}</th>')
    out.append("</tr></thead><tbody>")
    for _, row in frame.iterrows():
        out.append("<tr>")
        for column, head in zip(columns, heads, strict=True):
            numeric = column in numbers
            value = (
                _account_cell(row, anchors) if column == "account" else None
            ) or cell(column, row[column], revenue)
            out.append(f'<td data-label="{head}"{_num(numeric)}>{value}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _account_cell(row: pd.Series, anchors: Anchors | None) -> str:
    account = row["account"]
    name = safe_text(row.get(NAME))
    label = f"{text(name)} <small>{text(account)}</small>" if name else text(account)
    return anchors.link(account, label) if anchors else label


def listing(
    frame: pd.DataFrame,
    labels: Mapping[str, str],
    anchors: Anchors,
    revenue: str | None,
    noun: str,
    empty: str,
) -> str:
    """The first :data:`SHOWN` rows, the rest behind a "show all" that needs no script."""
    shown = table(frame.head(SHOWN), labels, anchors, revenue=revenue, empty=empty)
    if len(frame) <= SHOWN:
        return shown
    rest = table(frame.iloc[SHOWN:], labels, anchors, revenue=revenue)
    return (
        f"{shown}<details><summary>Show the other {len(frame) - SHOWN:,} {noun}"
        f"</summary>{rest}</details>"
    )


def figure_value(figure: Figure) -> str:
    """A headline figure in the workbook's number format."""
    value = figure.value
    if isinstance(value, str):
        return value
    x = number(value)
    if x is None:
        return "n/a"
    if figure.number_format == PERCENT:
        return f"{x:.1%}"
    if figure.number_format == COUNT:
        return f"{int(x):,}"
    if figure.number_format == NPS:
        return column_text("nps", x)
    if figure.number_format == SIGNED:
        return signed(x)
    places = re.fullmatch(r"0(?:\.(0+))?", figure.number_format)  # 0, 0.0, 0.00
    decimals = len(places.group(1) or "") if places else 1
    return f"{for_display(x, decimals):.{decimals}f}"


def figure_interval(figure: Figure) -> str:
    low, high = number(figure.ci_low), number(figure.ci_high)
    if low is None or high is None:
        return ""
    if figure.number_format == NPS:
        return nps_interval(low, high)
    if figure.number_format == SIGNED:
        return f"95% CI {signed(low)} to {signed(high)}"
    return f"95% CI {shown(low)}–{shown(high)}"


def cards(figures: Sequence[Figure]) -> str:
    out = ['<div class="cards">']
    for figure in figures:
        interval = figure_interval(figure)
        out.append(
            f'<div class="card"><div class="label">{escape(figure.measure)}</div>'
            f'<div class="value">{escape(figure_value(figure))}</div>'
            + (f'<div class="ci">{escape(interval)}</div>' if interval else "")
            + "</div>"
        )
    out.append("</div>")
    return "".join(out)


def paragraph(words: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{escape(words)}</p>"


class Page:
    """Builds the report page from the results (one instance per page)."""

    def __init__(self, inputs: ReportInputs) -> None:
        self.inputs = inputs
        self.result: ScoreResult = inputs.score
        self.table = tables.account_output(self.result)
        self.labels = header_labels(self.result.config)
        self.revenue = tables.account_revenue_column(self.result)
        self.anchors = Anchors(self.result.accounts["account"])
        self.deck = DeckInputs(
            score=self.result,
            baseline=inputs.baseline,
            files=inputs.files,
            version=inputs.version,
            run_time=inputs.run_time,
        )

    def title(self) -> str:
        wave = safe_text(self.result.wave, 40)
        return f"CX report {wave}".strip()

    def html(self) -> str:
        """The whole document."""
        body = [
            self.header(),
            self.summary(),
            self.portfolio(),
            self.drivers(),
            self.accounts(),
            self.method(),
            self.footer(),
        ]
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(self.title())}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n"
        )

    def header(self) -> str:
        since = self.result.baseline_wave
        subtitle = f"{len(self.result.accounts):,} accounts heard, {self.result.respondent_count:,} respondents"
        if since:
            subtitle += f"; change since {safe_text(since, 40)}"
        nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name in SECTIONS)
        return (
            f"<header><h1>{escape(self.title())}</h1>{paragraph(subtitle, 'sub')}"
            f'<nav aria-label="Sections">{nav}</nav></header>'
        )

    def summary(self) -> str:
        result, labels = self.result, self.labels
        parts = ['<section id="summary"><h2>Summary</h2>']
        sentences = reading(self.inputs)
        if sentences:
            parts.append(f'<p class="lead">{escape(sentences[0])}</p>')
        parts.append(cards(top_figures(result, self.table)))
        parts.append(paragraph(headline_note(result), "note"))
        risky = at_risk(result, self.table)
        blind = blind_spots(result, self.table)
        parts.append('<div class="pair"><div>')
        parts.append(f"<h3>At risk: {len(risky):,}</h3>")
        parts.append(
            paragraph(
                "The survey found a problem: a decision maker is a detractor, the "
                "index fell significantly, or the score is among the lowest "
                f"{self.result.config.flags.low_score:.0%} ({RANKING_NOTE}). "
                "Most revenue first.",
                "note",
            )
        )
        parts.append(
            listing(
                risky,
                labels,
                self.anchors,
                self.revenue,
                "accounts at risk",
                "No account is at risk.",
            )
        )
        parts.append("</div><div>")
        parts.append(f"<h3>Blind spots: {len(blind):,}</h3>")
        parts.append(
            paragraph(
                f"The survey cannot speak for these accounts: {BLIND_SPOT_WORDS}. "
                "Most revenue first.",
                "note",
            )
        )
        parts.append(
            listing(
                blind,
                labels,
                self.anchors,
                self.revenue,
                "blind spots",
                "No blind spot.",
            )
        )
        parts.append("</div></div>")
        parts.append(self.movers())
        parts.append(self.not_heard())
        if len(sentences) > 1:
            items = "".join(f"<li>{escape(s)}</li>" for s in sentences[1:])
            parts.append(f"<h3>What the numbers say</h3><ul>{items}</ul>")
        parts.append("</section>")
        return "".join(parts)

    def movers(self) -> str:
        if "delta" not in self.result.accounts:
            return ""
        count = movers_count(self.result.accounts)
        since = safe_text(self.result.baseline_wave, 40) or "the baseline"
        parts = [f"<h3>Biggest changes since {escape(since)}</h3>"]
        if count.compared and not count.testable:
            parts.append(paragraph(count.sentence()[:1].upper() + count.sentence()[1:]))
            return "".join(parts)
        parts.append(
            paragraph(
                f"{count.rises} rose and {count.falls} fell by more than chance would "
                f"explain; among the {count.testable:,} accounts that could be tested, "
                f"about {count.expected_by_chance:.1f} such changes are expected by "
                "chance alone, so any one of them could still be chance. "
                f"{count.significant_fdr} hold up after false discovery control "
                "(q ≤ 0.05: at most about 1 in 20 of them is chance); "
                f"{count.not_testable} could not "
                "be tested (no interval in one of the waves).",
                "lead",
            )
        )
        parts.append(paragraph(f"The top 5 up and down, {MOVERS_NOTE}.", "note"))
        frame = movers(self.result)
        parts.append(
            table(
                frame,
                {**self.labels, "q_change": "Chance (q)"},
                self.anchors,
                empty="No account changed by more than chance.",
            )
        )
        return "".join(parts)

    def not_heard(self) -> str:
        frame = self.result.not_heard
        if frame.empty:
            return ""
        columns = [
            c for c in ("account", NAME, "tier", self.revenue) if c and c in frame
        ]
        listed = frame[columns]
        if self.revenue in listed:
            listed = listed.sort_values(
                [self.revenue, "account"], ascending=[False, True], kind="stable"
            )
        else:
            listed = listed.sort_values("account", kind="stable")
        return (
            f"<h3>Not heard: {len(listed):,} listed accounts</h3>"
            + paragraph(
                "On the CRM account list, but nobody from them answered. Most revenue first.",
                "note",
            )
            + listing(
                listed,
                self.labels,
                self.anchors,
                self.revenue,
                "accounts not heard",
                "Every listed account was heard.",
            )
        )

    def portfolio(self) -> str:
        result = self.result
        parts = ['<section id="portfolio"><h2>Portfolio and segments</h2>']
        slide = portfolio_slide(self.deck, result.accounts)
        parts.append(
            "<ul>" + "".join(f"<li>{text(f)}</li>" for f in slide.figures) + "</ul>"
        )
        parts.append(
            '<figure class="chart-box">'
            + pillar_svg(slide.chart, "portfolio", "Pillar scores of the portfolio")
            + "<figcaption>Pillar scores, 0–100: the portfolio now"
            + (" and last quarter" if len(slide.chart.series) > 1 else "")
            + ".</figcaption></figure>"
        )
        tiers = tier_table(result, self.table)
        if len(tiers) > 1:
            index = tiers["index"].to_numpy(float)
            margin = tiers["margin"].to_numpy(float)
            parts.append(
                '<figure class="chart-box">'
                + interval_svg(
                    [str(g) for g in tiers["group"]],
                    list(index),
                    list(index - margin),
                    list(index + margin),
                    "tiers",
                    "CX index by group with 95% intervals",
                    axis_label="CX index (0–100), with its 95% interval",
                    limits=(0, 100),
                )
                + "<figcaption>CX index by group; the line across each bar is its 95% interval.</figcaption></figure>"
            )
            parts.append(
                table(
                    tiers,
                    {
                        **self.labels,
                        "group": "Accounts in",
                        "at_risk": "Accounts at risk",
                    },
                    revenue=self.revenue,
                )
            )
        parts.append(self.segments(skip={"tier"} if len(tiers) > 1 else set()))
        parts.append("</section>")
        return "".join(parts)

    def segments(self, skip: set[str]) -> str:
        segments = self.result.segments
        wanted = ["value", "accounts", "index", "ci", "nps", "delta"]
        parts = []
        for cut in dict.fromkeys(segments["segment"]):
            if cut == "portfolio" or cut in skip:
                continue
            rows = segments[segments["segment"] == cut]
            rows = sort_accounts(rows, ["index"], [False], tie="value")
            rows = rows.assign(
                ci=[
                    _range(lo, hi)
                    for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)
                ]
            )
            columns = [c for c in wanted if c in rows]
            parts.append(f"<h3>By {escape(str(cut))}</h3>")
            parts.append(
                table(
                    rows[columns],
                    {**self.labels, "value": str(cut), "delta": "Change (paired)"},
                )
            )
        return "".join(parts)

    def drivers(self) -> str:
        inputs = self.inputs
        parts = ['<section id="drivers"><h2>Drivers</h2>']
        analysis = inputs.drivers
        if analysis is None:
            parts.append(paragraph(inputs.drivers_note or "Not computed."))
            parts.append("</section>")
            return "".join(parts)
        frame = sort_accounts(analysis.table, ["importance_pct"], [False], tie="driver")
        low = frame["pct_ci_low"] if "pct_ci_low" in frame else [None] * len(frame)
        high = frame["pct_ci_high"] if "pct_ci_high" in frame else [None] * len(frame)
        outcome = "NPS" if analysis.outcome == "nps" else pretty_word(analysis.outcome)
        parts.append(
            paragraph(
                f"Which pillars move {outcome}: each pillar's share of what the pillars "
                f"explain together (R² = {analysis.r2:.2f}, {analysis.n:,} respondents), "
                "with its 95% interval; the quadrant sets the share against how well the "
                "pillar scores.",
                "note",
            )
        )
        parts.append(
            '<figure class="chart-box">'
            + interval_svg(
                [str(v) for v in frame["label"]],
                list(frame["importance_pct"]),
                list(low),
                list(high),
                "drivers",
                f"Share of R² per pillar for {outcome}",
                axis_label="Share of R² (%)",
                value_format="{:.1f}%",
            )
            + "</figure>"
        )
        columns = ["label", "importance_pct", "performance", "quadrant"]
        shown = frame[columns].assign(
            importance_pct=[
                _share(v, lo, hi)
                for v, lo, hi in zip(frame["importance_pct"], low, high, strict=True)
            ],
            performance=[score_text(v) for v in frame["performance"]],
        )
        parts.append(table(shown, {**self.labels, "label": "Pillar"}))
        for warning in analysis.warnings:
            parts.append(paragraph(str(warning), "note"))
        parts.append("</section>")
        return "".join(parts)

    def accounts(self) -> str:
        result = self.result
        rows = ordered(result.accounts, result)
        parts = [
            '<section id="accounts"><h2>Accounts</h2>',
            paragraph(
                "One page per account, most revenue first: the CX index with its 95% "
                "interval and reliability, the change and whether it is real, NPS, "
                "the pillars against the portfolio and last quarter, who answered, "
                "and what they wrote.",
                "note",
            ),
        ]
        reasons = self.table.set_index(self.table["account"].astype(str))
        charts = PillarCharts()
        try:
            for slide in account_slides(self.deck, rows):
                parts.append(self.account(slide, reasons, charts))
        finally:
            charts.close()
        parts.append("</section>")
        return "".join(parts)

    def account(
        self, slide: AccountSlide, reasons: pd.DataFrame, charts: PillarCharts
    ) -> str:
        anchor = self.anchors.ids.get(slide.account, "")
        parts = [f'<article class="account" id="{anchor}">']
        parts.append(f"<h3>{escape(slide.title)}</h3>")
        if slide.subtitle:
            parts.append(paragraph(slide.subtitle, "sub"))
        badges = []
        if slide.account in reasons.index:
            row = reasons.loc[slide.account]
            if isinstance(row, pd.DataFrame):
                row = row.iloc[0]
            if row.get("at_risk"):
                badges.append(
                    f'<span class="badge risk">At risk: {escape(reasons_text(row["at_risk"]))}</span>'
                )
            if row.get("blind_spots"):
                badges.append(
                    f'<span class="badge blind">Blind spot: {escape(reasons_text(row["blind_spots"]))}</span>'
                )
        if badges:
            parts.append(f'<p class="badges">{"".join(badges)}</p>')
        parts.append('<div class="slide"><div>')
        figures = [f for f in slide.figures if f]
        parts.append(
            '<ul class="figures">'
            + "".join(
                "<li>" + "<br>".join(escape(line) for line in f.split("\n")) + "</li>"
                for f in figures
            )
            + "</ul>"
        )
        people = [*slide.people, slide.priority]
        parts.append(
            '<ul class="people">'
            + "".join(f"<li>{escape(p)}</li>" for p in people if p)
            + "</ul>"
        )
        parts.append("</div>")
        parts.append(
            '<figure class="chart-box">'
            + charts.svg(
                slide.chart, anchor or "account", f"Pillar scores of {slide.title}"
            )
            + "</figure></div>"
        )
        if slide.comments:
            quotes = "".join(
                f"<blockquote>{escape(c)}</blockquote>" for c in slide.comments
            )
            parts.append(f"<h4>In their words</h4>{quotes}")
        parts.append('<p class="top"><a href="#summary">Back to the summary</a></p>')
        parts.append("</article>")
        return "".join(parts)

    def method(self) -> str:
        config = self.result.config
        parts = ['<section id="method"><h2>Method and data quality</h2>']
        parts.append("<dl>")
        for topic, rule in method_rows(config):
            parts.append(f"<dt>{escape(topic)}</dt><dd>{escape(rule)}</dd>")
        parts.append("</dl>")
        parts.append("<h3>Rows</h3>")
        parts.append(table(tables.rows_summary(self.result.rows), self.labels))
        problems = problem_table(self.inputs.problems)
        parts.append(f"<h3>Problems found: {len(problems):,}</h3>")
        parts.append(table(problems, self.labels, empty="No problems found."))
        parts.append("</section>")
        return "".join(parts)

    def footer(self) -> str:
        inputs = self.inputs
        files = ", ".join(f"{safe_text(f.path)} ({f.kind})" for f in inputs.files)
        made = f"b2bcx {inputs.version}"
        if inputs.run_time is not None:
            made += f", {inputs.run_time.isoformat(timespec='seconds')}"
        source = files or "the given results"
        return f"<footer>{paragraph(f'Made by {made} from {source}.', 'note')}</footer>"


def pretty_word(name: str) -> str:
    return re.sub(r"_+", " ", str(name))


def _range(low: Any, high: Any) -> str:
    lo, hi = number(low), number(high)
    return "" if lo is None or hi is None else f"{shown(lo)}–{shown(hi)}"


def _share(value: Any, low: Any, high: Any) -> str:
    x = number(value)
    if x is None:
        return ""
    lo, hi = number(low), number(high)
    interval = (
        f" (95% CI {shown(lo)}–{shown(hi)})"
        if lo is not None and hi is not None
        else ""
    )
    return f"{shown(x)}%{interval}"


def build_html(inputs: ReportInputs) -> str:
    """The report as one self-contained HTML document (a string).

    Parameters
    ----------
    inputs : the results one workbook shows (``b2bcx report``), with the baseline
        scored on its own for the "last quarter" bars when there is one.

    Returns
    -------
    str
        ``<!DOCTYPE html>`` … one file: inline CSS, inline SVG charts, no script,
        nothing loaded from anywhere. The same inputs give the same text.
    """
    return Page(inputs).html()
