"""Terminal rendering of ``b2bcx score`` and ``b2bcx validate`` results."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from b2bcx.cli.render.console import flags_text, generic_table, number, problem_table
from b2bcx.scoring.ranking import RANKING_NOTE, movers_count, ranked


def account_table(result: Any, accounts: Any) -> Table:
    """Accounts ranked on ``index_eb``, flags highlighted, with a portfolio footer."""
    config = result.config
    pillars = list(config.pillars)
    has_baseline = "delta" in accounts
    shrunk = "index_eb" in accounts
    accounts = ranked(accounts)
    table = Table(title=_title(result), show_footer=True, footer_style="bold")
    portfolio = result.portfolio
    table.add_column("account", footer="portfolio", no_wrap=True)
    table.add_column("n", justify="right", footer=str(int(portfolio["respondents"])))
    table.add_column("roles", footer="", no_wrap=True)
    table.add_column("coverage", justify="right", footer="")
    table.add_column("index", justify="right", footer=number(portfolio["index"]))
    table.add_column(
        "95% CI", justify="right", footer=_ci(portfolio["ci_low"], portfolio["ci_high"])
    )
    if shrunk:
        table.add_column(
            "index_eb (rel.)", justify="right", footer=f"μ {number(result.mu)}"
        )
    if "nps" in accounts:
        table.add_column("account NPS", justify="right", footer=_nps_footer(portfolio))
    for pid in pillars:
        table.add_column(
            _short_label(config.pillar_label(pid)),
            justify="right",
            footer=number(portfolio.get(pid)),
        )
    if has_baseline:
        table.add_column("Δ", justify="right", footer="")
    flagged = int(portfolio["flagged"])
    footer = f"{flagged} of {int(portfolio['accounts'])} accounts flagged"
    table.add_column("flags", footer=footer, min_width=len(footer))
    for row in accounts.to_dict(orient="records"):
        cells: list[str | Text] = [
            str(row["account"]),
            str(row["n"]),
            _roles(row["roles"]),
            f"{row['coverage']:.0%}",
            number(row["index"]),
            _ci(row["ci_low"], row["ci_high"]),
        ]
        if shrunk:
            cells.append(_shrunk(row))
        if "nps" in accounts:
            cells.append(number(row["nps"], 0))
        cells += [number(row[p]) for p in pillars]
        if has_baseline:
            cells.append(_delta(row))
        cells.append(flags_text(row["flags"].split(";") if row["flags"] else []))
        table.add_row(*cells)
    return table


def _title(result: Any) -> str:
    wave = f" {result.wave}" if result.wave else ""
    base = f" vs {result.baseline_wave}" if result.baseline_wave else ""
    return f"Account CX index{wave}{base}, {RANKING_NOTE}"


def _shrunk(row: dict[str, Any]) -> str:
    """``79.2 (0.55)``: the shrunken index and its reliability."""
    value = number(row["index_eb"])
    return f"{value} ({number(row['reliability'], 2)})" if value else ""


def _short_label(label: str) -> str:
    return label if len(label) <= 12 else label[:11] + "…"


def _roles(roles: str) -> str:
    return ";".join(
        "".join(word[0] for word in role.split("_")).upper()
        for role in roles.split(";")
        if role
    )


def _ci(low: Any, high: Any) -> str:
    lo, hi = number(low), number(high)
    return f"{lo}–{hi}" if lo and hi else ""


def _nps_footer(portfolio: dict[str, Any]) -> str:
    interval = _ci(portfolio.get("nps_ci_low"), portfolio.get("nps_ci_high"))
    return f"{number(portfolio.get('nps'), 0)}" + (
        f" (95% CI {interval})" if interval else ""
    )


def _delta(row: dict[str, Any]) -> Text:
    text = number(row["delta"], 1, signed=True)
    if text and row.get("significant") is None:
        return Text(text + "?", style="dim")
    if row.get("significant") is True:
        style = "bold green" if row["delta"] > 0 else "bold red"
        return Text(text + "*", style=style)
    return Text(text)


def render_score(console: Console, result: Any, accounts: Any, summary: Any) -> None:
    """The account table, then the row accounting and any warnings."""
    console.print(account_table(result, accounts))
    excluded = int((result.rows["status"] == "excluded").sum())
    line = f"{len(result.rows)} rows read, {len(result.rows) - excluded} scored, {excluded} excluded"
    respondent_nps = result.portfolio.get("respondent_nps")
    if respondent_nps is not None and respondent_nps == respondent_nps:
        line += f"; respondent NPS {respondent_nps:+.1f} (all respondents pooled)"
    if result.baseline_wave or "delta" in accounts:
        count = movers_count(result.accounts)
        if count.compared and not count.testable:
            line += f"; {count.sentence()}"
        else:
            line += (
                f"; {count.significant} accounts moved significantly (* in Δ, 95%; "
                f"{count.context()}; ? in Δ: not testable)"
            )
    if not result.not_heard.empty:
        line += f"; {len(result.not_heard)} listed accounts not heard (flag not_heard)"
    if result.revenue_coverage is not None:
        line += f"; revenue coverage {result.revenue_coverage:.0%}"
    console.print(line)
    if result.problems:
        console.print(problem_table(result.problems, limit=20, title="Warnings"))


ESTIMANDS = {"nps": "account NPS", "respondent_nps": "respondent NPS"}
PHASE_HEADERS = {
    "priority_pillar": "priority pillar",
    "priority_score": "its score",
    "priority_rank": "its rank",
    "pillar_average": "pillar avg",
    "priority_below_average": "flag",
}
BREAKDOWN_TITLES = {
    "role": "Scores by role (respondent means)",
    "segment": "Scores by segment (means of account scores)",
    "phase": "Lifecycle: pillar scores by phase and the phase's priority pillar",
}


def render_breakdown(console: Console, table: Any, by: str, config: Any) -> None:
    """A breakdown with readable headers: pillar labels, intervals in one column."""
    shown = table.copy()
    if by == "segment":
        shown["95% CI"] = [
            _ci(lo, hi)
            for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)
        ]
        if "nps" in shown:
            shown["NPS 95% CI"] = [
                _ci(lo, hi)
                for lo, hi in zip(
                    shown["nps_ci_low"], shown["nps_ci_high"], strict=True
                )
            ]
        if "delta" in shown:
            shown["Δ 95% CI"] = [
                _ci(lo, hi)
                for lo, hi in zip(
                    shown["delta_ci_low"], shown["delta_ci_high"], strict=True
                )
            ]
        drop = [
            "delta_se",
            "delta_ci_low",
            "delta_ci_high",
            "nps_se_srs",
            "nps_n_eff",
            "scored_accounts",
            "index_se",
            "ci_low",
            "ci_high",
            "nps_se",
            "nps_ci_low",
            "nps_ci_high",
        ]
        shown = shown.drop(columns=[c for c in drop if c in shown])
        lead = [
            "segment",
            "value",
            "accounts",
            "respondents",
            "index",
            "95% CI",
            "nps",
            "NPS ±",
            "flagged",
        ]
        shown = shown[
            [c for c in lead if c in shown] + [c for c in shown if c not in lead]
        ].rename(columns=ESTIMANDS)
    if by == "phase":
        shown["priority_rank"] = shown["priority_rank"].map(
            lambda r: "" if r != r else f"{int(r)} of {len(config.pillars)}"
        )
        shown["priority_below_average"] = shown["priority_below_average"].map(
            {True: "below average", False: ""}
        )
        shown["priority_pillar"] = shown["priority_pillar"].map(
            lambda p: config.pillar_label(p) if p else ""
        )
        shown = shown.rename(columns=PHASE_HEADERS)
    labels = {pid: config.pillar_label(pid) for pid in config.pillars}
    shown = shown.rename(columns=labels)
    console.print(generic_table(shown, title=BREAKDOWN_TITLES.get(by, by)))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_validation(console: Console, summary: Any, problems: list[Any]) -> None:
    console.print(generic_table(summary, title="Row accounting", digits=0))
    if problems:
        console.print(problem_table(problems, title="Problems"))
        errors = sum(p.severity == "error" for p in problems)
        style = "bold red" if errors else "yellow"
        console.print(
            Text(
                f"{plural(errors, 'error')}, {plural(len(problems) - errors, 'warning')}",
                style=style,
            )
        )
    else:
        console.print(Text("no problems found", style="bold green"))
