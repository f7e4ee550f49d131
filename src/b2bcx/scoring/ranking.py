"""Ranked views of the account table and the count of movers (pure pandas).

Every ranked list (top and bottom accounts, at-risk accounts, biggest movers) sorts on
the shrunken index ``index_eb``, so a lucky single respondent does not top a list
(docs/method.md#shrinkage-and-reliability). Every count of significant movers comes
with the count expected by chance and the count not testable
(docs/method.md#false-discovery-control). Terminal and workbook views use these
helpers and compute no ranking of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from b2bcx.scoring.breakdowns import FDR_LEVEL
from b2bcx.scoring.columns import COLUMNS
from b2bcx.stats.order import sort_accounts

RANKING_BASIS = "index_eb"
"""The column every ranked list sorts on."""
RANKING_WORDS = (
    f"the {COLUMNS[RANKING_BASIS].header[:1].lower()}"
    f"{COLUMNS[RANKING_BASIS].header[1:]} ({RANKING_BASIS})"
)
"""The ranking basis as people read it, its column header first: "the shrunk CX index
(index_eb)" (the id ties it to the terminal's header and the Method sheet)."""
RANKING_NOTE = f"ranked on {RANKING_WORDS}, with its reliability"
MOVERS_NOTE = f"ordered on the change of {RANKING_WORDS}, with its reliability"


def _basis(accounts: pd.DataFrame) -> str:
    return RANKING_BASIS if RANKING_BASIS in accounts else "index"


def ranked(accounts: pd.DataFrame, *, best_first: bool = True) -> pd.DataFrame:
    """Accounts sorted on ``index_eb`` (then ``index``, then id); unranked last.

    Keys are rounded to :data:`~b2bcx.stats.order.ORDER_DECIMALS` places, so accounts
    tied up to floating-point noise come in id order.
    """
    basis = _basis(accounts)
    keys = list(dict.fromkeys([basis, "index"]))
    return sort_accounts(accounts, keys, [not best_first] * len(keys))


def top_and_bottom(
    accounts: pd.DataFrame, count: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``count`` highest and lowest accounts on ``index_eb`` (ranked ones only)."""
    scored = accounts[accounts[_basis(accounts)].notna()]
    return (
        ranked(scored).head(count),
        ranked(scored, best_first=False).head(count),
    )


def at_risk_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """Flagged accounts, lowest ``index_eb`` first (accounts without one first)."""
    flagged = accounts[accounts["flags"].map(len) > 0]
    basis = _basis(flagged)
    keys = list(dict.fromkeys([basis, "index"]))
    return sort_accounts(flagged, keys, [True] * len(keys), na_position="first")


@dataclass(frozen=True)
class MoversCount:
    """How many accounts moved, with what chance and untestability say about it.

    Attributes
    ----------
    compared : accounts with an index in both waves.
    testable : ``m``, the accounts with a p-value (an interval in both waves).
    not_testable : ``compared − testable``; never counted as unchanged.
    rises, falls : significant rises and falls (each account on its own, 95%).
    significant_fdr : significant after Benjamini–Hochberg (q ≤ 0.05).
    expected_by_chance : ``m · 0.05``, the significant movers expected if no
        account had changed.
    """

    compared: int
    testable: int
    not_testable: int
    rises: int
    falls: int
    significant_fdr: int
    expected_by_chance: float

    @property
    def significant(self) -> int:
        return self.rises + self.falls

    def context(self) -> str:
        """``"1.8 expected by chance, 4 not testable; 2 after false discovery control"``."""
        return (
            f"{self.expected_by_chance:.1f} expected by chance, "
            f"{self.not_testable} not testable; "
            f"{self.significant_fdr} after false discovery control"
        )

    def sentence(self) -> str:
        """The count in words, never "0 significant" for accounts not testable."""
        if self.compared and not self.testable:
            return (
                f"none of the {self.compared} accounts could be tested for change "
                "(no interval in one of the waves)"
            )
        return (
            f"{self.rises} rose and {self.falls} fell significantly ({self.context()})"
        )


def movers_count(accounts: pd.DataFrame) -> MoversCount:
    """Count the movers of an account table compared with a baseline."""
    if "delta" not in accounts:
        return MoversCount(0, 0, 0, 0, 0, 0, 0.0)
    both = accounts[accounts["delta"].notna()]
    testable = (
        both["p_change"].notna() if "p_change" in both else both["significant"].notna()
    )
    significant = both["significant"].eq(True)
    fdr = both["significant_fdr"].eq(True) if "significant_fdr" in both else significant
    m = int(testable.sum())
    return MoversCount(
        compared=len(both),
        testable=m,
        not_testable=len(both) - m,
        rises=int((significant & (both["delta"] > 0)).sum()),
        falls=int((significant & (both["delta"] < 0)).sum()),
        significant_fdr=int(fdr.sum()),
        expected_by_chance=m * FDR_LEVEL,
    )


def biggest_movers(accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Significant rises and falls, biggest change of ``index_eb`` first.

    The change of the shrunken index (``delta_eb = index_eb − index_eb_baseline``)
    orders the list, so a jump resting on one respondent does not lead it; without
    it the plain ``delta`` does.
    """
    if "significant" not in accounts:
        empty = accounts.iloc[0:0]
        return empty, empty
    significant = accounts[accounts["significant"].eq(True)]
    key = "delta_eb" if "delta_eb" in significant else "delta"
    order = significant[key].fillna(significant["delta"])
    significant = significant.assign(_order=order)
    rises = sort_accounts(significant[significant["delta"] > 0], ["_order"], [False])
    falls = sort_accounts(significant[significant["delta"] < 0], ["_order"], [True])
    return rises.drop(columns="_order"), falls.drop(columns="_order")
