"""Risk and blind spots: what to act on, apart from what the survey could not see.

An account is *at risk* when the survey says something bad about it: a decision
maker is a detractor, its index fell significantly since the baseline, or its score
on the ranking basis is among the lowest. A *blind spot* is an account the survey
cannot speak for: a single contact, no decision maker, low coverage of the role
weight, too few respondents, a low reliability, people who disagree (low
``rwg_j``), not heard at all, or (against a baseline) heard through different roles
than before, so its change mixes opinion with who answered. A healthy account with
one contact is a blind spot, not a risk (docs/method.md#decisions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from b2bcx.stats.order import rounded
from b2bcx.stats.rollup import names_per_row


@dataclass(frozen=True)
class Flag:
    """One flag or reason, defined once for every view.

    Attributes
    ----------
    id : the id in ``flags``, ``at_risk`` and ``blind_spots``.
    kind : ``risk`` (the survey found a problem), ``blind spot`` (it cannot speak
        for the account) or ``note`` (neither).
    label : the words every view uses (workbook, deck, HTML, alerts, BI).
    code : the terminal's one-character code.
    legend : the terminal legend's words for the code (``{basis}``: the ranking
        column; ``{share}``: ``flags.low_score`` as a percentage).
    threshold : the config key of its threshold, if it has one.
    """

    id: str
    kind: str
    label: str
    code: str
    legend: str
    threshold: str | None = None


FLAGS = (
    Flag("decision_maker_detractor", "risk", "decision-maker detractor", "D",
         "decision-maker detractor"),
    Flag("significant_fall", "risk", "significant fall", "F", "significant fall"),
    Flag("low_score", "risk", "low score", "L",
         "among the lowest {share} on {basis}", "flags.low_score"),
    Flag("not_heard", "blind spot", "not heard", "H", "not heard"),
    Flag("insufficient_n", "blind spot", "too few respondents", "N",
         "too few respondents", "rollup.min_respondents"),
    Flag("single_contact", "blind spot", "single contact", "1", "single contact"),
    Flag("no_decision_maker", "blind spot", "no decision maker", "M",
         "no decision maker"),
    Flag("low_coverage", "blind spot", "low coverage", "C", "low coverage",
         "flags.low_coverage"),
    Flag("low_reliability", "blind spot", "low reliability", "R", "low reliability",
         "flags.low_reliability"),
    Flag("low_agreement", "blind spot", "its people disagree", "A",
         "its people disagree (low rwg_j)", "flags.low_agreement"),
    Flag("role_gap", "note", "roles disagree", "G", "roles disagree (role gap)",
         "flags.role_gap"),
    Flag("roles_changed", "note", "the people who answered changed", "P",
         "the people who answered changed since the baseline"),
)  # fmt: skip
"""Every flag, once. ``roles_changed`` is a note: the change since the baseline is not
like for like (the test already compares the roles heard in both waves), which does
not stop the survey from speaking for the account."""
RISKS = tuple(f.id for f in FLAGS if f.kind == "risk")
BLIND_SPOTS = tuple(f.id for f in FLAGS if f.kind == "blind spot")
RISK_LABELS = {f.id: f.label for f in FLAGS if f.kind == "risk"}
BLIND_SPOT_LABELS = {f.id: f.label for f in FLAGS if f.kind == "blind spot"}
OTHER_FLAG_LABELS = {f.id: f.label for f in FLAGS if f.kind == "note"}
BLIND_SPOT_WORDS = (
    ", ".join(BLIND_SPOT_LABELS[f] for f in BLIND_SPOTS[:-1])
    + f" or {BLIND_SPOT_LABELS[BLIND_SPOTS[-1]]}"
)
"""Every reason for a blind spot in the words the lists print, for the sentence that
introduces them ("not heard, too few respondents, …, low reliability or its people
disagree"): one list, so no view leaves a reason out."""
FEW_NPS_ANSWERS = 3
"""With fewer NPS answers than this, an account's NPS interval is not shown: views say
"1 answer: too few to tell" (docs/method.md#small-samples)."""
FLAG_LABELS = {f.id: f.label for f in FLAGS}
"""Every flag and reason id in plain words: the one vocabulary every view reads."""


def reason_ids(reasons: object) -> list[str]:
    """Flag or reason ids from a list or ``;``-joined text (``[]`` for anything else)."""
    if isinstance(reasons, str):
        return [r for r in reasons.split(";") if r]
    if isinstance(reasons, list | tuple):
        return [str(r) for r in reasons]
    return []


def reasons_text(reasons: object, labels: Mapping[str, str] = FLAG_LABELS) -> str:
    """Reasons in the words every view prints: the workbook's cells, the deck's lines.

    Examples
    --------
    >>> reasons_text("single_contact;no_decision_maker")
    'single contact, no decision maker'
    """
    return ", ".join(
        labels.get(n, n.replace("_", " ").strip().lower()) for n in reason_ids(reasons)
    )


def ranking_basis(accounts: pd.DataFrame) -> str:
    """The column accounts are ranked on: the reliability-adjusted index when present."""
    return "index_eb" if "index_eb" in accounts else "index"


def low_score_cut(accounts: pd.DataFrame, share: float) -> float:
    """The score at or below which an account counts as low: the ``share``
    quantile of the scored accounts on the ranking basis (``flags.low_score``,
    0.1 by default: the 10th percentile).

    Scores and the cut are rounded to :data:`~b2bcx.stats.order.ORDER_DECIMALS`
    places, so accounts tied up to floating-point noise fall on the same side.
    """
    values = pd.Series(rounded(accounts[ranking_basis(accounts)])).dropna()
    if not len(values):
        return float("nan")
    return float(rounded([values.quantile(share)])[0])


def _low(score: np.ndarray, cut: float) -> np.ndarray:
    """Accounts at or below the cut, when the scores differ at all: if every
    scored account has the same score (``index_eb`` when τ² = 0 shrinks each to
    the portfolio mean) none is lower than another, so none is low.

    Example
    -------
    >>> _low(np.array([61.6, 61.6, 61.6]), 61.6).tolist()
    [False, False, False]
    >>> _low(np.array([40.0, 61.6, np.nan]), 40.0).tolist()
    [True, False, False]
    """
    present = score[np.isfinite(score)]
    if not np.isfinite(cut) or not len(present) or present.min() == present.max():
        return np.zeros(len(score), bool)
    return np.asarray(score <= cut, bool)


def risk_and_blind_spots(accounts: pd.DataFrame, low_share: float) -> pd.DataFrame:
    """Per account, the reasons it is at risk and the reasons it is a blind spot.

    Parameters
    ----------
    accounts : the account table (``flags`` as lists or ``;``-joined text), with
        ``delta`` and ``significant`` when compared with a baseline.
    low_share : the share of scored accounts, lowest on the ranking basis, that
        are at risk for a low score (``flags.low_score``).

    Returns
    -------
    pandas.DataFrame
        Same index; ``at_risk`` and ``blind_spots``, each a list of reason ids in the
        order of :data:`RISKS` and :data:`BLIND_SPOTS` (rows with the same reasons
        share one list).
    """
    flags = _flag_text(accounts["flags"])
    score = rounded(accounts[ranking_basis(accounts)])
    cut = low_score_cut(accounts, low_share)
    fell = np.zeros(len(accounts), bool)
    if "significant" in accounts and "delta" in accounts:
        tested = "delta_lfl" if "delta_lfl" in accounts else "delta"
        delta = accounts[tested].astype(float).to_numpy()
        fell = accounts["significant"].eq(True).to_numpy(bool) & (delta < 0)
    low = _low(score, cut)
    reasons = {
        "decision_maker_detractor": _has_flag(flags, "decision_maker_detractor"),
        "significant_fall": fell,
        "low_score": low,
    }
    at_risk = names_per_row(np.column_stack([reasons[r] for r in RISKS]), RISKS)
    blind = names_per_row(
        np.column_stack([_has_flag(flags, b) for b in BLIND_SPOTS]), BLIND_SPOTS
    )
    return pd.DataFrame(
        {"at_risk": at_risk, "blind_spots": blind}, index=accounts.index
    )


def _as_list(flags: object) -> list[str]:
    if isinstance(flags, list | tuple):
        return [str(f) for f in flags]
    if isinstance(flags, str) and flags:
        return flags.split(";")
    return []


def _flag_text(flags: pd.Series) -> pd.Series:
    """Each account's flags as ``;a;b;`` text, for vectorised membership tests."""
    return pd.Series([_joined(f) for f in flags.tolist()], index=flags.index, dtype=str)


def _joined(flags: object) -> str:
    if isinstance(flags, list | tuple):
        return ";" + ";".join(map(str, flags)) + ";"
    return f";{flags};" if isinstance(flags, str) else ";"


def _has_flag(text: pd.Series, flag: str) -> np.ndarray:
    return text.str.contains(f";{flag};", regex=False).to_numpy(bool)


def revenue_at_risk(table: pd.DataFrame, revenue: str) -> pd.DataFrame:
    """Revenue of the accounts at risk, per tier and in total.

    Parameters
    ----------
    table : accounts with ``tier`` (may be missing), the ``revenue`` column and
        ``at_risk`` (lists or ``;``-joined text).
    revenue : the revenue column.

    Returns
    -------
    pandas.DataFrame
        ``tier, accounts, at_risk, revenue, revenue_at_risk, share_at_risk``; tiers
        in order, then ``all``.
    """
    frame = pd.DataFrame(
        {
            "tier": table.get("tier", "all"),
            "revenue": table[revenue].astype(float),
            "risky": table["at_risk"].map(lambda r: bool(_as_list(r))),
        }
    )
    frame["tier"] = frame["tier"].fillna("no tier")
    frame["risk_revenue"] = frame["revenue"].where(frame["risky"], 0.0)
    rows = [_tier_row(str(t), part) for t, part in frame.groupby("tier", sort=True)]
    if "tier" in table:
        rows.append(_tier_row("all", frame))
    return pd.DataFrame(rows)


def _tier_row(tier: str, part: pd.DataFrame) -> dict[str, object]:
    total = float(part["revenue"].sum())
    risky = float(part["risk_revenue"].sum())
    return {
        "tier": tier,
        "accounts": len(part),
        "at_risk": int(part["risky"].sum()),
        "revenue": total,
        "revenue_at_risk": risky,
        "share_at_risk": risky / total if total > 0 else float("nan"),
    }
