"""Terminal rendering of ``b2bcx score`` and ``b2bcx validate`` results."""

from __future__ import annotations

import math
import os
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from b2bcx.cli.render.console import (
    counted,
    number,
    print_generic,
    print_problems,
    thousands,
)
from b2bcx.cli.render.fit import Column, fitted_table, hidden_note, print_fitted
from b2bcx.scoring.columns import COLUMNS, as_text, digits, is_nps, score_column
from b2bcx.scoring.ranking import (
    RANKING_BASIS,
    RANKING_NOTE,
    RANKING_WORDS,
    movers_count,
)
from b2bcx.scoring.risk import FLAGS, ranking_basis

RISK_CODES = {f.id: (f.code, f.legend) for f in FLAGS if f.kind == "risk"}
BLIND_CODES = {f.id: (f.code, f.legend) for f in FLAGS if f.kind == "blind spot"}
OTHER_CODES = {f.id: (f.code, f.legend) for f in FLAGS if f.kind == "note"}
"""The terminal's codes, read from the one definition of each flag
(:data:`b2bcx.scoring.risk.FLAGS`)."""


def _header(name: str) -> str:
    """The terminal's header of an account column (:mod:`b2bcx.scoring.columns`)."""
    return str(COLUMNS[name].terminal)


def _priority(name: str) -> int:
    return int(COLUMNS[name].priority or 0)


def _numbers(name: str, rows: list[Any], footer: Any = None) -> Column:
    """A numeric account column as its definition says: header, digits, sign (an
    NPS and a change, :func:`~b2bcx.scoring.columns.as_text`), priority (with the
    portfolio's value as ``footer``)."""
    return Column(
        _header(name),
        [as_text(name, r[name]) for r in rows],
        _priority(name),
        footer="" if footer is None else as_text(name, footer),
    )


def account_columns(result: Any, accounts: Any) -> list[Column]:
    """The account table's columns, most important first in priority.

    Headers, priorities and digits are the columns' own
    (:data:`b2bcx.scoring.columns.ACCOUNT_COLUMNS`).
    """
    config = result.config
    portfolio = result.portfolio
    rows = accounts.to_dict(orient="records")
    ids = [str(r["account"]) for r in rows]
    prefix = id_prefix(ids)
    columns = [
        Column(
            "id" if prefix else _header("account"),
            [i[len(prefix) :] for i in ids],
            _priority("account"),
            "left",
            footer="all",
        ),
    ]
    if "name" in accounts:
        columns.append(
            Column(
                _header("name"),
                [_text(r["name"]) for r in rows],
                _priority("name"),
                "left",
                flexible=True,
                overflow="ellipsis",
                max_width=32,
                flex_min=10,
                comfortable=24,
            )
        )
    columns.append(_numbers("n", rows, portfolio["respondents"]))
    columns.append(
        Column(
            _header("index"),
            [_plus_minus(r["index"], r.get("margin")) for r in rows],
            _priority("index"),
            footer=number(portfolio["index"], digits("index")),
        )
    )
    if "index_eb" in accounts and "reliability" in accounts:
        columns.append(
            Column(
                _header("index_eb"),
                [_ranked(r["index_eb"], r["reliability"]) for r in rows],
                _priority("index_eb"),
            )
        )
    elif "reliability" in accounts:
        columns.append(_numbers("reliability", rows))
    if "nps" in accounts:
        columns.append(_numbers("nps", rows, portfolio.get("nps")))
    if "delta" in accounts:
        columns.append(
            Column(_header("delta"), [_delta(r) for r in rows], _priority("delta"))
        )
        if "delta_lfl" in accounts:
            same = [
                number(r["delta_lfl"], digits("delta_lfl"), signed=True)
                if _roles_differ(r)
                else ""
                for r in rows
            ]
            columns.append(Column(_header("delta_lfl"), same, _priority("delta_lfl")))
    columns.append(
        Column(
            _header("at_risk"),
            [_codes(r["at_risk"], RISK_CODES, "bold red") for r in rows],
            _priority("at_risk"),  # promised at every width, like the blind spots
            "left",
        )
    )
    columns.append(
        Column(
            _header("blind_spots"),
            [_codes(r["blind_spots"], BLIND_CODES, "yellow") for r in rows],
            _priority("blind_spots"),
            "left",
        )
    )
    columns.append(
        Column(
            _header("roles"),
            [_roles(r["roles"]) for r in rows],
            _priority("roles"),
            "left",
        )
    )
    columns.append(
        Column(
            _header("coverage"),
            [_percent(r["coverage"]) for r in rows],
            _priority("coverage"),
        )
    )
    if "tier" in accounts:
        columns.append(
            Column(
                _header("tier"),
                [_text(r["tier"]) for r in rows],
                _priority("tier"),
                "center",
            )
        )
    for pid in config.pillars:
        spec = score_column(pid, config.pillar_label(pid))
        columns.append(
            Column(
                str(spec.terminal),
                [number(r[pid], spec.digits or 0) for r in rows],
                spec.priority or 0,
                footer=number(portfolio.get(pid), spec.digits or 0),
                group="pillars",
            )
        )
    if "index_eb_ci_low" in accounts:
        columns.append(
            Column(
                _header("index_eb_ci_low"),
                [_ci(r["index_eb_ci_low"], r["index_eb_ci_high"]) for r in rows],
                _priority("index_eb_ci_low"),
            )
        )
    if "df" in accounts:
        columns.append(_numbers("df", rows))
    if "index_baseline" in accounts:
        columns.append(_numbers("index_baseline", rows))
    columns.append(
        Column(
            _header("flags"),
            [_codes(r["flags"], OTHER_CODES, "magenta") for r in rows],
            _priority("flags"),
            "left",
        )
    )
    return columns


def account_table(
    result: Any, accounts: Any, width: int = 200, wide: bool = False
) -> Table:
    """The account table that fits ``width`` (every column with ``wide``)."""
    accounts, sections = act_first(accounts)
    table, _ = fitted_table(
        account_columns(result, accounts),
        width,
        wide,
        compact=True,
        sections=sections,
        title=_title(result),
    )
    return table


def act_first(accounts: Any) -> tuple[Any, list[int]]:
    """Accounts at risk first, then blind spots, then the rest; each block keeps its order.

    The blocks keep the table's own ranking (``index_eb``, highest first, ties by
    id); returns the reordered table and the last row of each block but the last.
    """
    block = (accounts["at_risk"] == "").astype(int) + (
        (accounts["at_risk"] == "") & (accounts["blind_spots"] == "")
    ).astype(int)
    order = block.reset_index(drop=True).sort_values(kind="stable").index
    ordered = accounts.iloc[order]
    sizes = block.value_counts().reindex([0, 1, 2], fill_value=0).cumsum()
    ends = sorted({int(sizes[k]) - 1 for k in (0, 1) if 0 < sizes[k] < len(accounts)})
    return ordered, ends


def id_prefix(ids: list[str]) -> str:
    """The prefix every id shares up to its last non-alphanumeric character ("ACC-").

    Shown once in the legend instead of on every row, so the names keep their room.
    """
    if len(ids) < 2:
        return ""
    common = os.path.commonprefix(ids)  # noqa: RUF071 (ids, not paths)
    cut = max((i for i, ch in enumerate(common) if not ch.isalnum()), default=-1)
    prefix = common[: cut + 1]
    return prefix if all(len(i) > len(prefix) for i in ids) else ""


def _ranked(index_eb: Any, reliability: Any) -> str:
    eb = number(index_eb, digits("index_eb"))
    rel = number(reliability, digits("reliability"))
    if not eb:
        return ""
    return f"{eb} {rel[1:] if rel.startswith('0.') else rel}".strip()


def _title(result: Any) -> str:
    wave = f" {result.wave}" if result.wave else ""
    base = f" vs {result.baseline_wave}" if result.baseline_wave else ""
    return (
        f"Account CX index{wave}{base}: at risk first, then blind spots, then the "
        f"rest, each {RANKING_NOTE}, highest first"
    )


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value)


def _percent(value: Any) -> str:
    return "" if value is None or value != value else f"{value:.0%}"


def _plus_minus(value: Any, margin: Any) -> str:
    shown, plus = number(value, digits("index")), number(margin, digits("margin"))
    return f"{shown} ±{plus}" if shown and plus else shown


def _codes(reasons: Any, codes: dict[str, tuple[str, str]], style: str) -> Text:
    names = reasons.split(";") if isinstance(reasons, str) and reasons else []
    return Text(" ".join(codes[n][0] for n in names if n in codes), style=style)


def _roles(roles: str) -> str:
    return ";".join(
        "".join(word[0] for word in role.split("_")).upper()
        for role in str(roles or "").split(";")
        if role
    )


def _ci(low: Any, high: Any) -> str:
    lo, hi = number(low), number(high)
    return f"{lo}–{hi}" if lo and hi else ""


def _nps_ci(low: Any, high: Any) -> str:
    """An NPS interval, its bounds as the NPS reads: ``+12 to +32``."""
    lo, hi = as_text("nps_ci_low", low), as_text("nps_ci_high", high)
    return f"{lo} to {hi}" if lo and hi else ""


def _roles_differ(row: dict[str, Any]) -> bool:
    text = number(row.get("delta"), digits("delta"), signed=True)
    same_roles = number(row.get("delta_lfl"), digits("delta_lfl"), signed=True)
    return bool(text and same_roles and same_roles != text)


def _delta(row: dict[str, Any]) -> Text:
    """``Δ`` with ``*`` when significant, ``?`` when not testable and ``†`` when the
    people who answered changed (the tested change is then ``Δ same roles``)."""
    text = number(row["delta"], digits("delta"), signed=True)
    if _roles_differ(row):
        text += "†"
    if text and row.get("significant") not in (True, False):
        return Text(text + "?", style="dim")  # no interval in a wave: not testable
    if row.get("significant") is True:
        basis = row.get("delta_lfl")
        rising = (basis if basis == basis and basis is not None else row["delta"]) > 0
        style = "bold green" if rising else "bold red"
        return Text(text + "*", style=style)
    return Text(text)


def account_legend(result: Any, accounts: Any, shown: list[str]) -> str:
    """One line saying what the shown columns, codes, ``*`` and blanks mean."""
    parts = []
    prefix = id_prefix([str(a) for a in accounts["account"]])
    if prefix and "id" in shown:
        parts.append(f"id: the account id without its {prefix} prefix")
    if _header("index") in shown:
        parts.append(
            "index ± its 95% margin of error (t on df degrees of freedom); "
            "blank: not scored"
        )
    threshold = result.config.flags.low_reliability
    if _header("index_eb") in shown:
        parts.append(
            f"{_header('index_eb')}: {RANKING_WORDS} the rows are ranked on, and "
            f"its reliability, 0-1 (below {threshold:g}: blind spot R)"
        )
    if _header("reliability") in shown:
        parts.append(
            f"{_header('reliability')}: reliability of the index, 0-1 (below "
            f"{threshold:g}: blind spot R)"
        )
    if _header("delta") in shown:
        since = result.baseline_wave or "the baseline"
        parts.append(
            f"{_header('delta')}: change since {since}, * significant at 95%, ? not "
            "testable, † the people who answered changed (what is tested is the change "
            f"over the roles heard in both waves: {_header('delta_lfl')}), blank: not "
            "in both waves"
        )
    for column, codes in (
        ("at_risk", RISK_CODES),
        ("blind_spots", BLIND_CODES),
        ("flags", OTHER_CODES),
    ):
        present = {r for cell in accounts[column] for r in str(cell or "").split(";")}
        ranked_on = ranking_basis(accounts)
        basis = RANKING_WORDS if ranked_on == RANKING_BASIS else _header(ranked_on)
        share = f"{result.config.flags.low_score:.0%}"
        used = [
            f"{c} {text.format(basis=basis, share=share)}"
            for name, (c, text) in codes.items()
            if name in present
        ]
        if _header(column) in shown and used:
            parts.append(f"{_header(column)}: " + ", ".join(used))
    if _header("roles") in shown:
        parts.append(f"{_header('roles')}: initials of the roles heard")
    return "; ".join(parts)


def render_score(
    console: Console,
    result: Any,
    accounts: Any,
    summary: Any,
    wide: bool = False,
    by_tier: Any = None,
) -> None:
    """The account table that fits, a legend, the row accounting and any warnings."""
    accounts, sections = act_first(accounts)
    columns = account_columns(result, accounts)
    hidden = print_fitted(
        console, columns, wide, compact=True, sections=sections, title=_title(result)
    )
    shown = [c.header for c in columns if c not in hidden]
    console.print(Text(account_legend(result, accounts, shown), style="dim"))
    console.print(_portfolio_line(result))
    agreement = agreement_line(result)
    if agreement:
        console.print(Text(agreement, style="dim"))
    console.print(_risk_line(accounts, by_tier))
    counts = summary.set_index("what")["rows"]
    read, scored = int(counts["rows read"]), int(counts["rows scored"])
    line = f"{read:,} rows read, {scored:,} scored, {read - scored:,} excluded"
    if result.baseline_wave or "delta" in accounts:
        count = movers_count(result.accounts)
        if count.compared and not count.testable:
            line += f"; {count.sentence()}"
        else:
            line += (
                f"; {count.significant} accounts moved significantly (* in Δ, 95%; "
                f"{count.context()})"
            )
    if not result.not_heard.empty:
        line += f"; {len(result.not_heard)} listed accounts not heard"
    if result.revenue_coverage is not None:
        line += f"; revenue coverage {result.revenue_coverage:.0%}"
    console.print(line)
    note = hidden_note(hidden)
    if note:
        console.print(Text(note, style="dim"))
    if result.problems:
        print_problems(console, result.problems, "Warnings", limit=20)


def _portfolio_line(result: Any) -> str:
    p = result.portfolio
    line = f"portfolio: CX index {number(p['index'])} (95% CI {_ci(p['ci_low'], p['ci_high'])})"
    respondent_nps = as_text("respondent_nps", p.get("respondent_nps"))
    if "nps" in p and as_text("nps", p.get("nps")):
        line += f"; account NPS {as_text('nps', p['nps'])} (95% CI {_nps_ci(p.get('nps_ci_low'), p.get('nps_ci_high'))})"
    if respondent_nps:
        line += f"; respondent NPS {respondent_nps} (every respondent counted once)"
    return line


def agreement_line(result: Any) -> str:
    """ICC(1), ICC(2) and the respondents an account needs, or "" when not estimable."""
    icc1, icc2, k_star = result.icc1, result.icc2, result.k_star
    if not number(icc1, 2):
        return ""
    line = (
        f"agreement: ICC(1) {number(icc1, 2)} (share of an answer's variance between "
        f"accounts), ICC(2) {number(icc2, 2)} (reliability of an account mean)"
    )
    target = result.config.flags.low_reliability
    if number(k_star, 1):
        line += (
            f"; an account needs {math.ceil(k_star)} respondents for reliability "
            f"{target:g} (contacts_needed)"
        )
    else:
        line += (
            "; the accounts do not differ: no number of respondents makes them reliable"
        )
    return line


def _risk_line(accounts: Any, by_tier: Any) -> str:
    risky = int(accounts["at_risk"].astype(bool).sum())
    blind = int(accounts["blind_spots"].astype(bool).sum())
    line = f"{risky} accounts at risk; {blind} blind spots (the survey cannot speak for them)"
    if by_tier is not None and not by_tier.empty:
        parts = [
            f"{row['tier']} {row['share_at_risk']:.0%}"
            for row in by_tier.to_dict(orient="records")
            if row["revenue"] > 0
        ]
        line += "; revenue at risk by tier: " + ", ".join(parts)
    return line


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


def render_breakdown(
    console: Console, table: Any, by: str, config: Any, wide: bool = False
) -> None:
    """A breakdown with readable headers: pillar labels, intervals in one column."""
    shown = table.copy()
    if by == "segment":
        shown["95% CI"] = [
            _ci(lo, hi)
            for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)
        ]
        if "nps" in shown:
            shown["NPS 95% CI"] = [
                _nps_ci(lo, hi)
                for lo, hi in zip(
                    shown["nps_ci_low"], shown["nps_ci_high"], strict=True
                )
            ]
        if "delta" in shown and "delta_ci_low" in shown:
            shown[f"{_header('delta')} 95% CI"] = [
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
        ]
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
    names = {**labels, **ESTIMANDS}
    texts = {  # an NPS reads as the account's (+35, -12, 0), right-aligned
        names.get(c, c): lambda v, c=c: as_text(c, v) for c in shown if is_nps(c)
    }
    shown = shown.rename(columns=names)
    first = [c for c in shown.columns[:2] if c not in BREAKDOWN_LEAD]
    lead = [c for c in (*first, *BREAKDOWN_LEAD) if c in shown]
    shown = shown[lead + [c for c in shown.columns if c not in lead]]
    print_generic(
        console, shown, title=BREAKDOWN_TITLES.get(by, by), wide=wide, texts=texts
    )


ESTIMANDS = {
    "nps": "account NPS",
    "respondent_nps": "respondent NPS",
    "delta": _header("delta"),
    "nps_deff": "NPS design effect",
}
BREAKDOWN_LEAD = (
    "segment",
    "value",
    "role",
    "phase",
    "index",
    "95% CI",
    _header("delta"),
    f"{_header('delta')} 95% CI",
    "account NPS",
    "NPS 95% CI",
    "respondent NPS",
    "priority pillar",
    "its score",
    "its rank",
    "flag",
    "accounts",
    "respondents",
)


def render_validation(console: Console, summary: Any, problems: list[Any]) -> None:
    print_generic(
        console,
        summary,
        title="Row accounting",
        digits=0,
        texts={"rows": thousands},  # 1,200, as the workbook shows it
    )
    if problems:
        # a log or a pipe gets one problem per block, never a table cut at any width
        print_problems(console, problems, "Problems")
        errors = sum(p.severity == "error" for p in problems)
        style = "bold red" if errors else "yellow"
        console.print(
            Text(
                f"{counted(errors, 'error')}, {counted(len(problems) - errors, 'warning')}",
                style=style,
            )
        )
    else:
        console.print(Text("no problems found", style="bold green"))
