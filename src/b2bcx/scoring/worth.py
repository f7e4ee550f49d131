"""The words of ``b2bcx value``, shared by the terminal, the workbook and the deck.

Every sentence reads the model as an association ("accounts with a higher index
were lost with lower odds"), never as a cause.
"""

from __future__ import annotations

import math
from typing import Any

LISTED = 8  # account ids named in the not-heard / no-decision lines


def money(value: Any, currency: str = "") -> str:
    """An amount with thousands separators and no decimals; blank when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    sign = "−" if value < 0 else ""
    return f"{sign}{currency}{abs(value):,.0f}"


def share(value: Any, digits: int = 0) -> str:
    """A share as a percentage; blank when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}%}"


def summary_lines(result: Any) -> list[str]:
    """The summary in plain words (association, never cause)."""
    s, currency = result.summary, result.currency
    lines = [
        f"{s['k']} accounts heard and decided, {s['events']} lost or not renewed "
        f"({method_name(s['method'])})"
    ]
    if not result.fitted:
        return [*lines, result.note]
    lines.append(result.wording[:1].upper() + result.wording[1:])
    lines.append(
        f"AUC {s['auc']:.2f} (95% CI {s['auc_ci_low']:.2f}–{s['auc_ci_high']:.2f}): "
        "how well the index ranks lost above kept accounts"
    )
    where = (
        "the current wave's accounts"
        if s["applied_to"] == "current"
        else "the decided accounts"
    )
    lines.append(
        f"revenue at risk over {where}: {money(s['revenue_at_risk'], currency)} "
        f"(95% CI {money(s['rar_ci_low'], currency)} to "
        f"{money(s['rar_ci_high'], currency)}); one index point is worth "
        f"{money(s['value_per_point'], currency)} (95% CI "
        f"{money(s['vpp_ci_low'], currency)} to {money(s['vpp_ci_high'], currency)}) "
        "in revenue kept, if the association held"
    )
    return lines


def method_name(method: str) -> str:
    """The fit in words."""
    return (
        "Firth's penalised logistic regression"
        if method == "firth"
        else "maximum-likelihood logistic regression"
    )


def portfolio_line(result: Any) -> str:
    """The deck's portfolio line: revenue at risk and the worth of one point."""
    if not result.fitted:
        return result.note
    s, c = result.summary, result.currency
    return (
        f"revenue at risk {money(s['revenue_at_risk'], c)} (95% CI "
        f"{money(s['rar_ci_low'], c)} to {money(s['rar_ci_high'], c)}); one index "
        f"point is worth {money(s['value_per_point'], c)} a year (95% CI "
        f"{money(s['vpp_ci_low'], c)} to {money(s['vpp_ci_high'], c)}), if the "
        "association with renewals held"
    )


def left_out_lines(result: Any) -> list[str]:
    """Decisions not heard and heard accounts without a decision, counted and named."""
    lines = []
    for table, what in (
        (
            result.not_heard,
            "decision(s) of accounts not heard (or heard without an index)",
        ),
        (result.no_decision, "account(s) heard without a decision"),
    ):
        if len(table):
            ids = [str(a) for a in table["account"]]
            more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
            lines.append(
                f"{len(ids)} {what}, left out: {', '.join(ids[:LISTED])}{more}"
            )
    return lines
