"""What each slide says: numbers and sentences from the results (no python-pptx).

Every function here takes result tables and returns plain text or numbers, so the
slides' content can be tested without opening a deck. Columns a result does not
have (the reliability, the NPS interval, the display name) are simply left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from b2bcx.config.models import Config
from b2bcx.results import DeckInputs, ScoreResult
from b2bcx.scoring.attributes import manager_column
from b2bcx.scoring.columns import COLUMNS, as_text, digits
from b2bcx.scoring.risk import FEW_NPS_ANSWERS, reasons_text
from b2bcx.scoring.tables import account_output
from b2bcx.stats.order import for_display, shown

MAX_COMMENTS = 3
COMMENT_CHARS = 280


SERIES_COLOURS = ("#1F4E79", "#A6A6A6", "#9DC3E6")
"""Chart colours in series order: this account (dark blue), then the portfolio and last
quarter in neutral grey and light blue; never red and green, which read as bad and good."""

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def _label(name: str) -> str:
    """The deck's label of an account column (:data:`b2bcx.scoring.columns.COLUMNS`)."""
    return str(COLUMNS[name].deck)


@dataclass(frozen=True)
class Series:
    """One series of a pillar chart: its name and one value per pillar (None = no bar)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class PillarChart:
    """A clustered bar chart of the pillars: categories are the pillar labels."""

    categories: tuple[str, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class TrendChart:
    """A line chart of the account's index by wave beside the portfolio's."""

    categories: tuple[str, ...]
    series: tuple[Series, ...]
    caption: str


@dataclass(frozen=True)
class AccountSlide:
    """The content of one account's slide."""

    account: str
    title: str
    subtitle: str
    figures: tuple[str, ...]
    people: tuple[str, ...]
    priority: str
    comments: tuple[str, ...]
    chart: PillarChart
    trend: TrendChart | None = None


@dataclass(frozen=True)
class NotHeardSlide:
    """The accounts of the deck's book that no one answered for this wave."""

    title: str
    note: str
    rows: tuple[tuple[str, ...], ...]  # the header first


@dataclass(frozen=True)
class PortfolioSlide:
    """The content of the portfolio slide."""

    title: str
    figures: tuple[str, ...]
    watch: tuple[str, ...]
    chart: PillarChart
    watch_heading: str = "Lowest CX index"


def safe_text(value: Any, limit: int | None = None) -> str:
    """Respondent or CRM text as one plain line: no control characters, no line breaks.

    Text is stored as literal characters in the slide (never a field, never a
    link); characters XML cannot hold are dropped and runs of white space become
    one space. ``limit`` shortens it with an ellipsis.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _SPACES.sub(" ", _UNSAFE.sub("", str(value))).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def chart_label(text: str) -> str:
    """A chart category or series name the embedded workbook keeps as text.

    The chart's data sheet would read a name starting with ``=`` as a formula; a
    zero-width space in front keeps it a name.
    """
    text = safe_text(text)
    return "\u200b" + text if text.startswith(("=", "+", "-", "@")) else text


def number(value: Any) -> float | None:
    """A finite float, or None for a missing value."""
    if value is None or value is pd.NA:
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def score_text(value: Any) -> str:
    """A 0–100 score with one decimal ("n/a" when missing)."""
    x = number(value)
    return "n/a" if x is None else f"{for_display(x, 1):.1f}"


def signed(value: Any, decimals: int = 1) -> str:
    """A change with its sign: +4.9, −6.9 (a true minus sign)."""
    x = number(value)
    if x is None:
        return "n/a"
    text = f"{for_display(x, decimals):+.{decimals}f}"  # never −0.0 from noise
    return text.replace("-", "−")


def column_text(name: str, value: Any) -> str:
    """A value of a column as every view prints it
    (:func:`b2bcx.scoring.columns.as_text`: an NPS reads +35, −12, 0), with a true
    minus sign; "n/a" when missing."""
    if number(value) is None:
        return "n/a"
    return as_text(name, value).replace("-", "−")


def interval_text(low: Any, high: Any, decimals: int = 1) -> str:
    """``95% CI 61.9–66.3`` (empty when either bound is missing)."""
    lo, hi = number(low), number(high)
    if lo is None or hi is None:
        return ""
    return f"95% CI {lo:.{decimals}f}–{hi:.{decimals}f}"


def nps_interval(low: Any, high: Any) -> str:
    """``95% CI +12 to +46``: an NPS interval, its bounds as the NPS reads (empty
    when either bound is missing)."""
    if number(low) is None or number(high) is None:
        return ""
    return (
        f"95% CI {column_text('nps_ci_low', low)} to {column_text('nps_ci_high', high)}"
    )


def role_words(role: str, count: int | None = None) -> str:
    """``decision_maker`` -> "decision maker" (or "2 decision makers")."""
    words = str(role).replace("_", " ")
    if count is None:
        return words
    return f"{count} {words}{'s' if count != 1 else ''}"


def pillar_ids(result: ScoreResult) -> list[str]:
    """The configured pillars that the account table holds, in config order."""
    return [p for p in result.config.pillars if p in result.accounts]


def pillar_labels(result: ScoreResult) -> tuple[str, ...]:
    return tuple(chart_label(result.config.pillar_label(p)) for p in pillar_ids(result))


def account_flags(row: pd.Series) -> list[str]:
    """The account's flags as a list (``flags`` may be a list or ``;``-joined text)."""
    flags = row.get("flags")
    if isinstance(flags, str):
        return [f for f in flags.split(";") if f]
    if isinstance(flags, list | tuple):
        return [str(f) for f in flags]
    return []


def account_title(row: pd.Series, config: Config | None = None) -> str:
    """ "Name (ID)" when the account has a display name, else the id."""
    account = safe_text(row["account"])
    name = safe_text(display_name(row, config), 80)
    return f"{name} ({account})" if name and name != account else account


def display_name(row: pd.Series, config: Config | None) -> Any:
    """The ``name`` column, else the configured name column of the list or export."""
    columns = ["name"]
    if config is not None:
        listed = getattr(config.accounts, "name", None) if config.accounts else None
        columns += [c for c in (listed, getattr(config.columns, "name", None)) if c]
    for column in columns:
        if safe_text(row.get(column)):
            return row.get(column)
    return None


def revenue_column(result: ScoreResult) -> str | None:
    """The account-list revenue column, else the export's, when the table has one."""
    config = result.config
    for column in (
        config.accounts.revenue if config.accounts else None,
        config.columns.revenue,
    ):
        if column and column in result.accounts:
            return column
    return None


def money(value: Any) -> str:
    x = number(value)
    if x is None:
        return ""
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.1f}{unit}"
    return f"{x:,.0f}"


def guess_manager_column(result: ScoreResult) -> str | None:
    """The account attribute named like an account manager.

    The first configured segment or account-list column named like AccountManager,
    Manager, Owner … (:data:`b2bcx.scoring.attributes.MANAGER_NAMES`); None when
    there is none.
    """
    return manager_column(result.segment_columns)


def subtitle(row: pd.Series, result: ScoreResult) -> str:
    """Tier, revenue and the account's segments on one line."""
    parts = []
    if number(row.get("tier")) is None and safe_text(row.get("tier")):
        parts.append(f"Tier {safe_text(row.get('tier'))}")
    revenue = revenue_column(result)
    if revenue and money(row.get(revenue)):
        parts.append(f"revenue {money(row.get(revenue))}")
    phase = result.config.columns.phase
    manager = guess_manager_column(result)
    for column in result.segment_columns:
        value = safe_text(row.get(column), 40)
        if column in {"tier", phase} or not value:
            continue
        parts.append(f"account manager {value}" if column == manager else value)
    return " · ".join(parts)


def index_line(row: pd.Series) -> str:
    """The CX index with its 95% interval."""
    text = f"{_label('index')} {score_text(row.get('index'))}"
    interval = interval_text(row.get("ci_low"), row.get("ci_high"))
    return f"{text} ({interval})" if interval else text


def reliability_line(row: pd.Series) -> str:
    """The index's reliability and the reliability-adjusted index ("" when not computed)."""
    reliability = number(row.get("reliability"))
    if reliability is None:
        return ""
    text = f"{_label('reliability')} {shown(reliability, digits('reliability'))}"
    if "low_reliability" in account_flags(row):  # the config's threshold decided
        text += " (low)"
    adjusted = number(row.get("index_eb"))
    return text + (
        f" · {_label('index_eb')} {shown(adjusted, digits('index_eb'))}"
        if adjusted is not None
        else ""
    )


def change_line(row: pd.Series, baseline_wave: str | None) -> str:
    """Change against last quarter and whether it is real.

    "not testable" when the change has no interval in one of the waves (never
    "not significant"). With p- and q-values, a change significant on its own but
    not after false discovery control says so.
    """
    since = f"vs {safe_text(baseline_wave, 20)}" if baseline_wave else "vs last quarter"
    since = f"{_label('delta')} {since}"
    if number(row.get("index")) is None:
        return f"{since}: not scored this quarter"
    if number(row.get("index_baseline")) is None:
        return f"{since}: not surveyed then"
    delta = signed(row.get("delta"))
    same_roles = signed(row.get("delta_lfl"))
    roles = ""
    if number(row.get("delta_lfl")) is not None and same_roles != delta:
        roles = f"; {same_roles} over the same roles (who answered changed)"
    significant = row.get("significant")
    p_value, q_value = number(row.get("p_change")), number(row.get("q_change"))
    if (
        number(row.get("delta")) is None
        or _missing(significant)
        or ("p_change" in row and p_value is None)
    ):
        return f"{since}: {delta} points, not testable (no interval){roles}"
    said = verdict(bool(significant), row, p_value, q_value)
    head, _, tail = said.partition("\n")
    return f"{since}: {delta} points, {head}{roles}" + (f"\n{tail}" if tail else "")


REAL_CHANGE = "unlikely to be chance"
COULD_BE_CHANCE = "could be chance"


def verdict(
    significant: bool, row: pd.Series, p_value: float | None, q_value: float | None
) -> str:
    """In plain words: "unlikely to be chance" or "could be chance"; then p and q.

    A change significant on its own but not after false discovery control (among
    all the accounts compared, about 1 in 20 moves that far by chance) "could be
    chance". The p- and q-values follow on a second line (after a line break).
    """
    fdr = row.get("significant_fdr")
    real = significant and (_missing(fdr) or bool(fdr))
    word = REAL_CHANGE if real else COULD_BE_CHANCE
    if significant and not real:
        word += " (large on its own, not among all the accounts compared)"
    if p_value is None or q_value is None:
        return word
    return f"{word}\np {p_text(p_value)}; q {p_text(q_value)}"


def p_text(value: float) -> str:
    """A p- or q-value for a slide: "= 0.042", "< 0.001"."""
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def _missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and math.isnan(value))
    )


def nps_line(row: pd.Series) -> str:
    """The account NPS with its interval and how many answered it.

    With fewer than :data:`~b2bcx.scoring.risk.FEW_NPS_ANSWERS` answers the
    interval is left out ("1 answer: too few to tell"): an interval on one or two
    answers is mostly its adjustment and can exclude the NPS shown
    (docs/method.md#small-samples).
    """
    if number(row.get("nps")) is None:
        return f"{_label('nps')}: no answers"
    text = f"{_label('nps')} {column_text('nps', row.get('nps'))}"
    answers = number(row.get("nps_n"))
    if answers is not None and answers < FEW_NPS_ANSWERS:
        return text + f" · {answers_text(int(answers))}: too few to tell"
    interval = nps_interval(row.get("nps_ci_low"), row.get("nps_ci_high"))
    if interval:
        text += f" ({interval})"
    if answers is not None:
        text += f" · {answers_text(int(answers))}"
    return text


def answers_text(count: int) -> str:
    """``1 answer``, ``2 answers``."""
    return f"{count} answer{'s' if count != 1 else ''}"


def people_lines(
    row: pd.Series, roles: dict[str, int], result: ScoreResult
) -> tuple[str, ...]:
    """Who answered by role, which roles were not heard, and the account's risks."""
    configured = list(result.config.role_weights)
    heard = [role_words(r, roles[r]) for r in configured if roles.get(r)]
    heard += [role_words(r, n) for r, n in roles.items() if r not in configured and n]
    lines = [f"Answered: {', '.join(heard) if heard else 'nobody'}"]
    missing = [role_words(r) for r in configured if not roles.get(r)]
    if missing:
        lines.append(f"Not heard: {', '.join(missing)}")
    lines += reason_lines(row)
    lines.append(next_line(row, [r for r in configured if not roles.get(r)]))
    return tuple(lines)


def reason_lines(row: pd.Series) -> list[str]:
    """Why the account is at risk and why it is a blind spot, in the workbook's words.

    ``row`` carries ``at_risk`` and ``blind_spots`` from
    :func:`b2bcx.scoring.tables.account_output`; each line is labelled as its column
    (:data:`b2bcx.scoring.columns.COLUMNS`) and says what the workbook's cell says,
    e.g. "At risk because: decision-maker detractor, low score".
    """
    lines = []
    for name in ("at_risk", "blind_spots"):
        text = reasons_text(row.get(name))
        if text:
            lines.append(f"{COLUMNS[name].deck}: {text}")
    return lines


NO_REASONS = {"at_risk": "", "blind_spots": ""}


def account_reasons(result: ScoreResult) -> dict[str, dict[str, str]]:
    """Each account's ``at_risk`` and ``blind_spots`` (``;``-joined ids), from the one
    account table every view reads (:func:`b2bcx.scoring.tables.account_output`)."""
    table = account_output(result)
    return {
        str(account): {"at_risk": risk, "blind_spots": blind}
        for account, risk, blind in zip(
            table["account"], table["at_risk"], table["blind_spots"], strict=True
        )
    }


def next_line(row: pd.Series, missing: list[str]) -> str:
    """Who to hear from next: the roles not heard, heaviest first, and the more
    respondents a reliable score needs (docs/method.md#chase-list)."""
    parts = []
    if missing:
        parts.append(" and ".join(role_words(r) for r in missing[:2]) + " first")
    needed = number(row.get("contacts_needed"))
    if needed:
        more = int(needed)
        parts.append(
            f"{more} more respondent{'s' if more != 1 else ''} for a reliable score"
        )
    agreement = number(row.get("rwg_j"))
    if agreement is not None and "low_agreement" in account_flags(row):
        parts.append(
            f"its people disagree ({_label('rwg_j')} {shown(agreement, digits('rwg_j'))})"
        )
    if not parts:
        return "Who to hear from next: enough voices for a reliable score"
    return "Who to hear from next: " + "; ".join(parts)


def priority_line(
    row: pd.Series, result: ScoreResult, phase_scores: Mapping[str, Mapping[str, Any]]
) -> str:
    """The account's lifecycle phase, its priority pillar and how the account does on it.

    ``phase_scores`` are the lifecycle table's pillar scores by phase
    (:func:`phase_pillar_scores`).
    """
    column = result.config.columns.phase
    phase = safe_text(row.get(column)) if column else ""
    if not phase:
        return "Lifecycle phase: not known"
    pillar = result.config.phases.get(phase)
    if not pillar:
        return f"Lifecycle phase {role_words(phase)}: no priority pillar configured"
    label = result.config.pillar_label(pillar)
    text = f"Phase {role_words(phase)}: priority pillar {label}, {score_text(row.get(pillar))} here"
    peers = number(phase_scores.get(phase, {}).get(pillar))
    if peers is not None:
        text += f" vs {shown(peers)} across accounts in this phase"
    return text


def phase_pillar_scores(lifecycle: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The lifecycle table as {phase: {pillar: score}} (empty without phases)."""
    if lifecycle.empty or "phase" not in lifecycle:
        return {}
    return {str(r["phase"]): r.to_dict() for _, r in lifecycle.iterrows()}


def pillar_values(row: Any, pillars: list[str]) -> tuple[float | None, ...]:
    """One value per pillar from an account row or a portfolio mapping."""
    if row is None:
        return tuple(None for _ in pillars)
    return tuple(number(row.get(p)) for p in pillars)


def account_chart(
    row: pd.Series, inputs: DeckInputs, previous: pd.Series | None
) -> PillarChart:
    """This account's pillars, the portfolio's, and the account's last quarter."""
    result = inputs.score
    pillars = pillar_ids(result)
    series = [
        Series("This account", pillar_values(row, pillars)),
        Series("Portfolio", pillar_values(result.portfolio, pillars)),
    ]
    before = pillar_values(previous, pillars)
    if inputs.baseline is not None and any(v is not None for v in before):
        # an account not heard last quarter gets no empty series (a legend entry
        # with no bars)
        name = (
            f"Last quarter ({safe_text(result.baseline_wave, 20)})"
            if result.baseline_wave
            else "Last quarter"
        )
        series.append(Series(chart_label(name), before))
    return PillarChart(pillar_labels(result), tuple(series))
