"""Terminal rendering of ``b2bcx factors`` and ``b2bcx drivers`` results."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from b2bcx.cli.render.console import (
    number,
    p_value,
    print_generic,
    print_problems,
    thousands,
)
from b2bcx.cli.render.fit import Column, fitted_table, hidden_note, print_fitted
from b2bcx.scoring.columns import role_names
from b2bcx.stats.drivers import FEW_CASES

STATUS_STYLES = {
    "important": "bold green",
    "inconclusive": "yellow",
    "not important": "dim",
    "untestable": "dim italic",
}
QUADRANT_STYLES = {
    "fix first": "bold red",
    "maintain": "green",
    "monitor": "dim",
    "possible overkill": "yellow",
}


def _tick(value: Any) -> Text:
    return (
        Text("✓", style="green")
        if value is True or value == 1
        else Text("✗", style="red")
    )


def factor_columns(result: Any) -> list[Column]:
    """The screening table's columns: the verdict first, the detail by priority."""
    rows = result.table.to_dict(orient="records")
    ratings = result.kind == "ratings"
    columns = []
    if "role" in result.table:
        columns.append(Column("role", [_role(r["role"]) for r in rows], 0, "left"))
    columns += [
        Column("factor", [str(r["label"]) for r in rows], 0, "left", flexible=True),
        Column("n", [str(r["n"]) for r in rows], 2),
        Column("count", [str(r["count"]) for r in rows], 2),
        Column("rate", [_share(r["rate"]) for r in rows], 0),
        Column(
            "95% CI",
            [f"{_share(r['rate_ci_low'])}–{_share(r['rate_ci_high'])}" for r in rows],
            1,
        ),
    ]
    groups = ("good", "average", "poor")
    headers = (
        ("med good", "med avg", "med poor") if ratings else ("good", "avg", "poor")
    )
    for group, header in zip(groups, headers, strict=True):
        cells = [
            number(r[f"median_{group}"]) if ratings else _share(r[f"rate_{group}"])
            for r in rows
        ]
        columns.append(Column(header, cells, 2))
    columns += [
        Column("p", [p_value(r["p"]) for r in rows], 3),
        Column("q", [p_value(r["q"]) for r in rows], 1),
        Column("effect", [number(r["effect"], 2) for r in rows], 3),
        Column("≥25%", [_tick(r["pass_frequency"]) for r in rows], 0, "center"),
        Column("discr.", [_tick(r["pass_discrimination"]) for r in rows], 0, "center"),
        Column(
            "status",
            [
                Text(str(r["status"]), style=STATUS_STYLES.get(str(r["status"]), ""))
                for r in rows
            ],
            0,
            "left",
        ),
    ]
    return columns


def _share(value: Any) -> str:
    return "" if value is None or value != value else f"{value:.0%}"


def factor_table(result: Any, width: int = 200, wide: bool = False) -> Table:
    """Factors with the two Lemke criteria as ✓/✗ and the status, fitted to ``width``."""
    table, _ = fitted_table(factor_columns(result), width, wide, title=FACTOR_TITLE)
    return table


FACTOR_TITLE = "Experience factors (Lemke-style screening)"


def render_factors(console: Console, result: Any, wide: bool = False) -> None:
    columns = factor_columns(result)
    hidden = print_fitted(console, columns, wide, title=FACTOR_TITLE)
    shown = {c.header for c in columns if c not in hidden}
    console.print(Text(_factor_legend(shown), style="dim"))
    groups = ", ".join(f"{g} {n}" for g, n in result.groups.items())
    line = f"respondents by experience: {groups}"
    if result.ungrouped:
        line += f"; {result.ungrouped} without a group were left out"
    console.print(line)
    note = hidden_note(hidden)
    if note:
        console.print(Text(note, style="dim"))
    console.print(Text(result.method, style="dim"))
    if result.problems:
        print_problems(console, result.problems, "Warnings", limit=20)


def _factor_legend(shown: set[str]) -> str:
    parts = ["rate: share of respondents mentioning the factor"]
    if "95% CI" in shown:
        parts.append("95% CI: Wilson interval of the rate")
    parts.append(
        "≥25%: mentioned often enough; discr.: separates good, average and poor"
    )
    if "q" in shown:
        parts.append("q: p adjusted for testing many factors")
    return "; ".join(parts)


def driver_columns(result: Any) -> list[Column]:
    """The driver table's columns: driver, share, performance, quadrant first."""
    table = result.table
    rows = table.to_dict(orient="records")
    by_role = "role" in table
    columns = []
    if by_role:
        columns.append(Column("role", [_role(r["role"]) for r in rows], 0, "left"))

    def cells(render: Any) -> list[Any]:
        return ["" if _warning(r) else render(r) for r in rows]

    columns += [
        Column(
            "driver",
            [
                Text(str(r["warning"]), style="yellow")
                if _warning(r)
                else str(r["label"])
                for r in rows
            ],
            0,
            "left",
            flexible=True,
        ),
        Column("importance", cells(lambda r: number(r["importance"], 3)), 3),
        Column("share of R² (95% CI)", cells(_share_with_interval), 0),
        Column("perf.", cells(lambda r: number(r["performance"])), 0),
        Column(
            "quadrant",
            cells(
                lambda r: Text(
                    str(r["quadrant"]),
                    style=QUADRANT_STYLES.get(str(r["quadrant"]), ""),
                )
            ),
            0,
            "left",
        ),
        Column("R²", cells(lambda r: number(r["r2"], 3)), 3),
        Column("n", cells(lambda r: str(r["n"])), 3),
    ]
    if by_role:
        columns.append(
            Column(
                "published", [str(r.get("published") or "") for r in rows], 1, "left"
            )
        )
    return columns


def _share_with_interval(row: Any) -> str:
    """The share of R² with the 95% interval of that share (``14.5% (10–19)``): the
    interval is of the number shown, never of the raw importance."""
    share = f"{number(row['importance_pct'])}%"
    low, high = number(row.get("pct_ci_low"), 0), number(row.get("pct_ci_high"), 0)
    return f"{share} ({low}–{high})" if low and high else share


def _warning(row: dict[str, Any]) -> bool:
    """A role that could not be fitted: its warning replaces the numbers."""
    warning = row.get("warning")
    unfitted = row.get("importance") != row.get("importance")  # NaN
    return isinstance(warning, str) and bool(warning) and unfitted


def driver_title(result: Any) -> str:
    outcome = "NPS" if result.outcome == "nps" else result.outcome
    method = "relative weights" if result.method == "rwa" else "Shapley/LMG"
    return f"Key drivers of {outcome} ({method})"


def driver_table(result: Any, width: int = 200, wide: bool = False) -> Table:
    """Importance, share of R², interval, performance and quadrant per driver."""
    table, _ = fitted_table(
        driver_columns(result), width, wide, title=driver_title(result)
    )
    return table


def render_drivers(console: Console, result: Any, wide: bool = False) -> None:
    columns = driver_columns(result)
    hidden = print_fitted(console, columns, wide, title=driver_title(result))
    shown = {c.header for c in columns if c not in hidden}
    console.print(Text(_driver_legend(shown), style="dim"))
    line = f"{result.n} complete cases"
    r2 = getattr(result, "r2", None)
    if "R²" not in shown and isinstance(r2, float) and r2 == r2 and not result.by_role:
        line = f"R² {r2:.3f} over {line}"
    if result.dropped:
        line += f"; {result.dropped} respondents dropped for a missing pillar or outcome (listwise)"
    line += f"; bootstrap resamples {getattr(result, 'resampled', 'respondents')}"
    console.print(line)
    for warning in driver_warnings(result):
        console.print(Text(f"Warning: {warning}", style="yellow"))
    caution = few_respondents_caution(result)
    if caution:
        console.print(Text(caution, style="yellow"))
    note = hidden_note(hidden)
    if note:
        console.print(Text(note, style="dim"))


def _driver_legend(shown: set[str]) -> str:
    parts = [
        "share of R²: the driver's part of the explained variance (in brackets: "
        "its 95% bootstrap interval, %)",
        "perf.: performance, the mean score 0-100",
        "quadrant: importance and performance against their means",
    ]
    if "published" in shown:
        parts.append(
            "published: agrees when a published priority of the role is among its "
            "top 3 measured drivers, differs when it is not"
        )
    return "; ".join(parts)


def few_respondents_caution(result: Any) -> str:
    """A caution when the drivers rest on fewer than 50 complete cases."""
    table = result.table
    if "role" in table and "n" in table:
        small = [
            f"{role} ({int(n)})"
            for role, n in table.groupby("role", sort=False)["n"].first().items()
            if n == n and n is not None and int(n) < FEW_CASES
        ]
        if small:
            return (
                f"caution: few complete cases for {', '.join(small)}; "
                f"below {FEW_CASES} the ranking of drivers is a hint, not a finding"
            )
    if result.n < FEW_CASES:
        return (
            f"caution: only {result.n} complete cases; below {FEW_CASES} the "
            "ranking of drivers is a hint, not a finding"
        )
    return ""


def driver_warnings(result: Any) -> list[str]:
    """The model's warnings, then the warnings of roles that were fitted."""
    found = list(getattr(result, "warnings", ()))
    table = result.table
    if "warning" in table:
        fitted = table[table["warning"].astype(bool) & table["importance"].notna()]
        found += list(dict.fromkeys(fitted["warning"]))
    return found


def _role(role: Any) -> str:
    """``decision_maker`` -> ``decision maker`` (``all`` stays)."""
    return str(role).replace("_", " ")


SCALES_LEGEND = (
    "α: Cronbach's alpha of the pillar's statements (complete answers only), with "
    "Feldt's 95% interval; item–rest r: a statement's correlation with the rest of "
    "its pillar (negative: check its reverse coding); α if dropped: the pillar's α "
    "without it (blank for a pillar of two statements)"
)


def render_scales(console: Console, result: Any, wide: bool = False) -> None:
    """Per pillar α with its interval, then per statement item–rest r and α if dropped."""
    alpha = result.pillars.set_index("pillar")
    rows = result.items.to_dict(orient="records")
    columns = [
        Column(
            "pillar",
            [result.labels.get(r["pillar"], str(r["pillar"])) for r in rows],
            0,
            "left",
            flexible=True,
        ),
        Column("n", [str(r["n"]) for r in rows], 1),
        Column("α", [number(alpha.loc[r["pillar"], "alpha"], 2) for r in rows], 0),
        Column(
            "95% CI",
            [
                f"{number(alpha.loc[r['pillar'], 'alpha_ci_low'], 2)}–"
                f"{number(alpha.loc[r['pillar'], 'alpha_ci_high'], 2)}"
                for r in rows
            ],
            2,
        ),
        Column("statement", [str(r["item"]) for r in rows], 0, "left"),
        Column(
            "item–rest r",
            [
                Text(number(r["item_rest_r"], 2), style="bold red")
                if r["item_rest_r"] < 0
                else number(r["item_rest_r"], 2)
                for r in rows
            ],
            0,
        ),
        Column("α if dropped", [number(r["alpha_if_deleted"], 2) for r in rows], 1),
    ]
    hidden = print_fitted(console, columns, wide, title="Scale reliability")
    console.print(Text(SCALES_LEGEND, style="dim"))
    note = hidden_note(hidden)
    if note:
        console.print(Text(note, style="dim"))
    if result.problems:
        print_problems(console, result.problems, "Warnings", limit=20)


def render_chase(console: Console, result: Any, wide: bool = False) -> None:
    """The chase list, the silent contacts (when listed) and the ICC line."""
    rows = result.accounts.to_dict(orient="records")
    columns = [
        Column("account", [str(r["account"]) for r in rows], 0, "left"),
    ]
    if "name" in result.accounts:
        columns.append(
            Column(
                "name",
                [str(r["name"] or "") for r in rows],
                3,
                "left",
                flexible=True,
                overflow="ellipsis",
            )
        )
    columns += [
        Column("status", [str(r["status"]) for r in rows], 1, "left"),
        Column("revenue", [thousands(r["revenue"]) for r in rows], 2),
        Column("n", [str(r["n"]) for r in rows], 0),
        Column("priority", [_priority(r["priority"]) for r in rows], 1),
        Column("needs", [number(r["contacts_needed"], 0) for r in rows], 0),
        Column(
            "roles not heard",
            [role_names(r["roles_not_heard"]) for r in rows],
            1,
            "left",
        ),
        Column("rwg_j", [number(r["rwg_j"], 2) for r in rows], 3),
    ]
    if "silent_contacts" in result.accounts:
        columns.append(Column("silent", [str(r["silent_contacts"]) for r in rows], 1))
    hidden = print_fitted(console, columns, wide, title="Accounts to chase")
    console.print(
        Text(
            "not-heard accounts first (largest revenue first), then by priority: how "
            "much one more answer narrows the portfolio index (×10⁴); needs: more "
            "respondents for a reliable account mean (contacts_needed)",
            style="dim",
        )
    )
    line = _icc_line(result)
    if line:
        console.print(line)
    note = hidden_note(hidden)
    if note:
        console.print(Text(note, style="dim"))
    if len(result.contacts):
        print_generic(console, result.contacts, title="Contacts who did not answer")
    if result.problems:
        print_problems(console, result.problems, "Warnings", limit=20)


def _priority(value: Any) -> str:
    return number(value * 1e4, 2) if value == value else ""


def _icc_line(result: Any) -> str:
    if result.icc1 != result.icc1:
        return ""
    line = f"ICC(1) {result.icc1:.2f}, ICC(2) {result.icc2:.2f}"
    if result.k_star == result.k_star:
        line += (
            f"; k* = {result.k_star:.1f} respondents per account for a reliable mean"
        )
    return line
