"""A short plain-language reading of the results, generated from the numbers."""

from __future__ import annotations

import math

import pandas as pd

from b2bcx.report.summary import (
    compared,
    flag_counts,
    risk_counts,
    tier_table,
)
from b2bcx.results import ReportInputs, ScoreResult
from b2bcx.scoring import tables
from b2bcx.scoring.columns import as_text
from b2bcx.scoring.ranking import RANKING_WORDS, movers_count
from b2bcx.scoring.worth import portfolio_line
from b2bcx.stats.drivers import FEW_CASES
from b2bcx.stats.order import for_display

FLAG_SENTENCES = {
    "decision_maker_detractor": "{n} {accounts} {have} a detractor among their {decision}.",
    "no_decision_maker": "{n} {accounts} {have} no answer from their {decision}.",
    "role_gap": "{n} {accounts} {show} a gap of {gap:g}+ points between roles.",
    "low_coverage": "{n} {accounts} {have} less than {coverage:.0%} of the role weight answering.",
    "low_reliability": "{n} {accounts} {have} a reliability below {reliability:g} (too few respondents to rank on their own).",
    "low_agreement": "In {n} {accounts} the people disagree (rwg_j below {agreement:g}): one answer cannot speak for the account.",
}


def reading(inputs: ReportInputs) -> list[str]:
    """Sentences for the Summary sheet, most important first."""
    result = inputs.score
    sentences = [
        _portfolio(result),
        _tiers(result),
        _change(result),
        _small_samples(result),
        _pillars(result),
    ]
    sentences += _drivers(inputs)
    sentences += _flags(result)
    sentences += [
        _factors(inputs),
        _lifecycle(result),
        _revenue(result),
        _renewals(inputs),
        _quality(inputs),
    ]
    return [s for s in sentences if s]


def role_name(role: str, plural: bool = True) -> str:
    """``decision_maker`` -> ``decision makers``."""
    name = str(role).replace("_", " ")
    return f"{name}s" if plural and not name.endswith("s") else name


def _number(value: float) -> str:
    return f"{for_display(value, 1):.1f}"  # last-bit noise never tips a digit


def _portfolio(result: ScoreResult) -> str:
    p = result.portfolio
    heard = (
        f"{len(result.accounts):,} accounts and {result.respondent_count:,} respondents"
    )
    if math.isnan(p["index"]):
        text = f"No CX index: the config has no pillars to score ({heard})"
    else:
        text = (
            f"The portfolio CX index is {_number(p['index'])} "
            f"(95% interval {_number(p['ci_low'])}–{_number(p['ci_high'])}) over {heard}"
        )
    if "nps" in p and not math.isnan(p["nps"]):
        text += (
            f"; account NPS (mean over accounts) is {as_text('nps', p['nps'])} "
            f"(95% interval {as_text('nps_ci_low', p['nps_ci_low'])} to "
            f"{as_text('nps_ci_high', p['nps_ci_high'])})"
        )
        respondent = p.get("respondent_nps", math.nan)
        if not math.isnan(respondent):
            text += (
                f"; respondent NPS (all respondents pooled, as a survey tool shows "
                f"it) is {as_text('respondent_nps', respondent)}"
            )
    return text + "."


def _tiers(result: ScoreResult) -> str:
    """Which revenue tier scores lowest and highest, when there are tiers."""
    tiers = tier_table(result, tables.account_output(result))
    tiers = tiers[tiers["group"].str.startswith("Tier ")].dropna(subset=["index"])
    if len(tiers) < 2:
        return ""
    low = tiers.loc[tiers["index"].idxmin()]
    high = tiers.loc[tiers["index"].idxmax()]
    return (
        f"{low['group']} accounts score lowest ({_number(low['index'])} ± "
        f"{_number(low['margin'])}) and {high['group']} highest "
        f"({_number(high['index'])} ± {_number(high['margin'])})."
    )


def _small_samples(result: ScoreResult) -> str:
    """Which roles borrowed the pooled variance; how reliable the ranking is."""
    parts = []
    if result.borrowed_roles:
        roles = ", ".join(role_name(r) for r in result.borrowed_roles)
        parts.append(
            f"No account has two {roles}, so their intervals use the "
            "within-account variance pooled over all roles"
        )
    if "reliability" in result.accounts:
        if result.tau2 == 0:
            parts.append(
                "The accounts do not differ beyond sampling noise (τ² = 0): every "
                f"shrunken index is the portfolio mean {_number(result.mu)}, so no "
                "ranking is meaningful"
            )
        else:
            low = int(
                (
                    result.accounts["reliability"] < result.config.flags.low_reliability
                ).sum()
            )
            parts.append(
                f"Rankings use {RANKING_WORDS}, the index shrunk towards the "
                f"portfolio mean by its reliability; {low} of {len(result.accounts):,} accounts have "
                f"a reliability below {result.config.flags.low_reliability:g}"
            )
    return "; ".join(parts) + "." if parts else ""


def _change(result: ScoreResult) -> str:
    both = compared(result.accounts)
    if both.empty:
        return ""
    count = movers_count(result.accounts)
    delta = float(both["delta"].mean())
    verb = "rose" if delta > 0 else "fell" if delta < 0 else "did not change"
    since = (
        f"Since {result.baseline_wave}"
        if result.baseline_wave
        else "Since the baseline"
    )
    amount = f" by {abs(delta):.1f} points on average" if delta else ""
    return (
        f"{since} the index of the {len(both):,} accounts heard in both waves {verb}"
        f"{amount}; {count.sentence()}."
    )


def _pillars(result: ScoreResult) -> str:
    pillars = [p for p in result.config.pillars if p in result.portfolio]
    scores = pd.Series({p: result.portfolio[p] for p in pillars}, dtype=float).dropna()
    if len(scores) < 2:
        return ""
    best, worst = scores.idxmax(), scores.idxmin()
    label = result.config.pillar_label
    return (
        f"Strongest pillar: {label(best)} ({_number(scores[best])}); "
        f"weakest: {label(worst)} ({_number(scores[worst])})."
    )


def _drivers(inputs: ReportInputs) -> list[str]:
    sentences = []
    overall = inputs.drivers
    if overall is not None and not overall.table.empty:
        outcome = (
            overall.outcome.upper() if overall.outcome == "nps" else overall.outcome
        )
        top = overall.table.loc[overall.table["importance"].idxmax()]
        if overall.n < FEW_CASES:
            sentences.append(
                f"Caution: the drivers of {outcome} rest on {overall.n} complete cases "
                f"(fewer than {FEW_CASES}); {top['label']} ranks first, but read the "
                "ranking as a hint, not a finding."
            )
        else:
            sentences.append(
                f"{top['label']} is the strongest driver of {outcome} overall "
                f"({top['importance_pct']:.0f}% of the explained variance, R² {overall.r2:.2f})."
            )
        fix = overall.table.loc[overall.table["quadrant"] == "fix first", "label"]
        if len(fix):
            sentences.append(
                f"Fix first (important, below-average performance): {', '.join(map(str, fix))}."
            )
    sentences += _drivers_by_role(inputs)
    return sentences


def _drivers_by_role(inputs: ReportInputs) -> list[str]:
    analysis = inputs.drivers_by_role
    if analysis is None or analysis.table.empty:
        return []
    outcome = (
        analysis.outcome.upper() if analysis.outcome == "nps" else analysis.outcome
    )
    sentences = []
    for role, table in analysis.table.groupby("role", sort=False):
        importance = table["importance"].astype(float)
        if importance.notna().any():
            top = table.loc[importance.idxmax()]
            cases = int(top["n"]) if top["n"] == top["n"] else 0
            who = role_name(str(role))
            if cases < FEW_CASES:
                sentences.append(
                    f"Caution: for {who} only {cases} complete cases; {top['label']} "
                    "ranks first as a hint, not a finding."
                )
            else:
                sentences.append(
                    f"{top['label']} is the strongest driver of {outcome} for {who}."
                )
    return sentences


def _flags(result: ScoreResult) -> list[str]:
    counts = flag_counts(result)
    risky, blind = risk_counts(result)
    sentences = [
        f"{risky} of {len(result.accounts):,} accounts heard are at risk; {blind} "
        "accounts are blind spots the survey cannot speak for (see the lists above)."
    ]
    config = result.config
    limits = {
        "gap": config.flags.role_gap,
        "coverage": config.flags.low_coverage,
        "reliability": config.flags.low_reliability,
        "agreement": config.flags.low_agreement,
        "decision": role_name(config.roles.decision_role or "decision_maker"),
    }
    for flag, template in FLAG_SENTENCES.items():
        n = counts.get(flag, 0)
        if n:
            words = {"n": n, "accounts": "account" if n == 1 else "accounts"}
            words |= {
                "have": "has" if n == 1 else "have",
                "show": "shows" if n == 1 else "show",
            }
            sentences.append(template.format(**words, **limits))
    return sentences


def _factors(inputs: ReportInputs) -> str:
    result = inputs.factors
    if result is None or result.table.empty:
        return ""
    table = result.table
    if "role" in table:
        table = table[table["role"] == "all"]
    important = table.loc[table["status"] == "important", "label"].astype(str)
    if important.empty:
        return f"None of the {len(table)} experience factors screened is important."
    return (
        f"{len(important)} of {len(table)} experience factors are important: "
        f"{', '.join(important)}."
    )


def _lifecycle(result: ScoreResult) -> str:
    table = result.lifecycle
    if table.empty or "priority_below_average" not in table:
        return ""
    below = table[table["priority_below_average"].eq(True)]
    if below.empty:
        return "In every lifecycle phase the priority pillar is at or above the phase's average."
    parts = [
        f"{row['phase']} ({result.config.pillar_label(str(row['priority_pillar']))})"
        for _, row in below.iterrows()
    ]
    return f"The priority pillar is below the phase's average in: {', '.join(parts)}."


def _revenue(result: ScoreResult) -> str:
    if result.revenue_coverage is None:
        return ""
    verdict = "meets" if result.revenue_coverage >= 0.8 else "is below"
    return (
        f"The accounts heard hold {result.revenue_coverage:.0%} of the listed revenue "
        f"({verdict} the 80% practice target)."
    )


def _renewals(inputs: ReportInputs) -> str:
    """Renewals against the index (``--renewals``), in words (see the Value sheet)."""
    value = inputs.value
    if value is None or not value.fitted:
        note = value.note if value is not None else inputs.value_note
        return f"Renewals: {note} (see Value)." if note else ""
    return f"{value.wording[:1].upper()}{value.wording[1:]}; {portfolio_line(value)} (see Value)."


def _quality(inputs: ReportInputs) -> str:
    counts = tables.row_counts(inputs.score.rows)
    warnings = len(inputs.problems)
    return (
        f"{counts['read']:,} input rows read, {counts['excluded']:,} excluded; "
        f"{warnings} data-quality warning{'s' if warnings != 1 else ''} (see Data quality)."
    )
