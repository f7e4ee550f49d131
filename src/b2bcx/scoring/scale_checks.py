"""Does each pillar measure one thing? Cronbach's α per pillar, item–rest
correlations and α if dropped per statement, with the warnings they call for
(docs/method.md#scale-reliability).

On the item scores of the respondent table (reverse-coded statements already
reversed), listwise within each pillar: respondents who answered every statement
of the pillar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import Problem
from b2bcx.stats.consistency import (
    alpha_if_deleted,
    cronbach_alpha,
    feldt_interval,
    item_rest_correlations,
    items_running_against,
)

LOW_ALPHA = 0.7
"""Below this α a pillar's statements are said to have low internal consistency
(Nunnally's customary threshold)."""
ITEM = "item:"
"""The prefix of the item-score columns of the respondent table."""
PILLAR_COLUMNS = ("pillar", "n", "items", "alpha", "alpha_ci_low", "alpha_ci_high")
ITEM_COLUMNS = ("pillar", "item", "n", "item_rest_r", "alpha_if_deleted")


@dataclass(frozen=True)
class ScaleChecks:
    """Per pillar α with Feldt's interval; per statement item–rest r and α if dropped.

    ``warnings`` name the statements that run against their pillar (a negative
    item–rest correlation that stays negative once the worse ones are flipped,
    :func:`b2bcx.stats.consistency.items_running_against`) and the pillars with
    ``α < 0.7``.
    """

    pillars: pd.DataFrame
    items: pd.DataFrame
    warnings: list[Problem]


def complete_items(respondents: pd.DataFrame, items: list[str]) -> np.ndarray:
    """The item scores of the respondents who answered every one of ``items``."""
    columns = [f"{ITEM}{i}" for i in items]
    if not set(columns) <= set(respondents.columns):
        return np.empty((0, len(items)))
    x = respondents[columns].to_numpy(float)
    return x[~np.isnan(x).any(axis=1)]


def scale_checks(
    respondents: pd.DataFrame, config: Config, source: str = ""
) -> ScaleChecks:
    """Cronbach's α of every pillar with two or more statements (docs/method.md#scale-reliability).

    Parameters
    ----------
    respondents : the respondent table (``item:<column>`` item scores).
    config : the program config (its pillars and statements).
    source : the export's name, for the warnings.

    Returns
    -------
    ScaleChecks
        ``pillars``: ``pillar, n, items, alpha, alpha_ci_low, alpha_ci_high``;
        ``items``: ``pillar, item, n, item_rest_r, alpha_if_deleted`` (α if
        dropped empty for a pillar of two statements).
    """
    pillar_rows: list[dict[str, object]] = []
    item_rows: list[dict[str, object]] = []
    warnings: list[Problem] = []
    for pid, pillar in config.pillars.items():
        items = list(dict.fromkeys(pillar.items))
        if len(items) < 2:
            continue
        x = complete_items(respondents, items)
        n = len(x)
        alpha = cronbach_alpha(x)
        low, high = feldt_interval(alpha, n, len(items))
        pillar_rows.append(
            {
                "pillar": pid,
                "n": n,
                "items": len(items),
                "alpha": alpha,
                "alpha_ci_low": low,
                "alpha_ci_high": high,
            }
        )
        rest = item_rest_correlations(x)
        dropped = alpha_if_deleted(x)
        against = {items[j] for j in items_running_against(x)} if n > 2 else set()
        if against and len(items) == 2:
            against = set(items)  # two statements: either may be the reversed one
        for item, r, a in zip(items, rest, dropped, strict=True):
            item_rows.append(
                {
                    "pillar": pid,
                    "item": item,
                    "n": n,
                    "item_rest_r": r,
                    "alpha_if_deleted": a,
                }
            )
            if item in against:
                warnings.append(_reverse_warning(pid, item, r, config, source))
        if alpha < LOW_ALPHA:
            warnings.append(_low_alpha_warning(pid, alpha, n, source))
    return ScaleChecks(
        pd.DataFrame(pillar_rows, columns=list(PILLAR_COLUMNS)),
        pd.DataFrame(item_rows, columns=list(ITEM_COLUMNS)),
        warnings,
    )


def _reverse_warning(
    pillar: str, item: str, r: float, config: Config, source: str
) -> Problem:
    spec = config.items.get(item)
    reversed_now = bool(spec and spec.reverse)
    setting = f"`items.{item}.reverse: {'false' if reversed_now else 'true'}`"
    return Problem(
        f"statement {item} runs against the rest of pillar `{pillar}` "
        f"(item–rest correlation {r:.2f}): check the reverse coding of {item}",
        f"if {item} is worded the other way round, set {setting}",
        file=source or None,
        column=item,
        value=f"{r:.2f}",
        severity="warning",
        code="reverse-coding-suspect",
    )


def _low_alpha_warning(pillar: str, alpha: float, n: int, source: str) -> Problem:
    return Problem(
        f"pillar `{pillar}`: low internal consistency (Cronbach's α {alpha:.2f} "
        f"< {LOW_ALPHA:g}, {n} respondents)",
        "its statements may not measure one thing; see `b2bcx scales` for the "
        "statement to drop or recode",
        file=source or None,
        value=f"{alpha:.2f}",
        severity="warning",
        code="low-consistency",
    )
