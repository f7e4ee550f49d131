"""Terminal rendering of ``b2bcx factors`` and ``b2bcx drivers`` results."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from b2bcx.cli.render.console import number, problem_table

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


def factor_table(result: Any) -> Table:
    """Factors with the two Lemke criteria as ✓/✗ and the status."""
    table = result.table
    ratings = result.kind == "ratings"
    out = Table(
        title="Experience factors (Lemke-style screening)",
        caption=result.method,
        caption_justify="left",
    )
    if "role" in table:
        out.add_column("role")
    for header in ("factor", "n", "count", "rate", "95% CI"):
        out.add_column(header, justify="left" if header == "factor" else "right")
    for header in (
        ("good", "avg", "poor") if not ratings else ("med good", "med avg", "med poor")
    ):
        out.add_column(header, justify="right")
    for header in ("p", "q", "effect", "≥25%", "discr.", "status"):
        out.add_column(
            header, justify="right" if header in ("p", "q", "effect") else "center"
        )
    for row in table.to_dict(orient="records"):
        cells: list[Any] = [str(row["role"])] if "role" in table else []
        cells += [
            str(row["label"]),
            str(row["n"]),
            str(row["count"]),
            f"{row['rate']:.0%}",
            f"{row['rate_ci_low']:.0%}–{row['rate_ci_high']:.0%}",
        ]
        if ratings:
            cells += [number(row[f"median_{g}"]) for g in ("good", "average", "poor")]
        else:
            cells += [
                f"{row[f'rate_{g}']:.0%}"
                if row[f"rate_{g}"] == row[f"rate_{g}"]
                else ""
                for g in ("good", "average", "poor")
            ]
        cells += [number(row["p"], 4), number(row["q"], 4), number(row["effect"], 2)]
        cells += [
            _tick(row["pass_frequency"]),
            _tick(row["pass_discrimination"]),
            Text(str(row["status"]), style=STATUS_STYLES.get(str(row["status"]), "")),
        ]
        out.add_row(*cells)
    return out


def render_factors(console: Console, result: Any) -> None:
    console.print(factor_table(result))
    groups = ", ".join(f"{g} {n}" for g, n in result.groups.items())
    line = f"respondents by experience: {groups}"
    if result.ungrouped:
        line += f"; {result.ungrouped} without a group were left out"
    console.print(line)
    if result.problems:
        console.print(problem_table(result.problems, limit=20, title="Warnings"))


def driver_table(result: Any) -> Table:
    """Importance, share of R², interval, performance and quadrant per driver."""
    table = result.table
    title = f"Key drivers of {result.outcome} ({'relative weights' if result.method == 'rwa' else 'Shapley/LMG'})"
    out = Table(title=title)
    by_role = "role" in table
    if by_role:
        out.add_column("role")
    for header in (
        "driver",
        "importance",
        "share",
        "95% CI",
        "performance",
        "quadrant",
        "R²",
        "n",
    ):
        out.add_column(
            header, justify="left" if header in ("driver", "quadrant") else "right"
        )
    if by_role:
        out.add_column("published")
    for row in table.to_dict(orient="records"):
        cells: list[Any] = [str(row["role"])] if by_role else []
        if by_role and row.get("warning") and row["importance"] != row["importance"]:
            cells += [Text(str(row["warning"]), style="yellow")] + [""] * 7 + [""]
            out.add_row(*cells)
            continue
        cells += [
            str(row["label"]),
            number(row["importance"], 3),
            f"{number(row['importance_pct'])}%",
            f"{number(row['ci_low'], 3)}–{number(row['ci_high'], 3)}",
            number(row["performance"]),
        ]
        cells += [
            Text(
                str(row["quadrant"]),
                style=QUADRANT_STYLES.get(str(row["quadrant"]), ""),
            ),
            number(row["r2"], 3),
            str(row["n"]),
        ]
        if by_role:
            cells.append(str(row.get("published") or ""))
        out.add_row(*cells)
    return out


def render_drivers(console: Console, result: Any) -> None:
    console.print(driver_table(result))
    line = f"{result.n} complete cases"
    if result.dropped:
        line += f"; {result.dropped} respondents dropped for a missing pillar or outcome (listwise)"
    line += f"; bootstrap resamples {getattr(result, 'resampled', 'respondents')}"
    console.print(line)
    for warning in driver_warnings(result):
        console.print(Text(f"Warning: {warning}", style="yellow"))


def driver_warnings(result: Any) -> list[str]:
    """The model's warnings, then the warnings of roles that were fitted."""
    found = list(getattr(result, "warnings", ()))
    table = result.table
    if "warning" in table:
        fitted = table[table["warning"].astype(bool) & table["importance"].notna()]
        found += list(dict.fromkeys(fitted["warning"]))
    return found
