"""Which decks, which slides, in which order (no python-pptx).

A deck is the title slide, the portfolio slide, then one slide per account. With
``--by manager`` there is one deck per account manager, each with that manager's
accounts; the manager column is chosen by :func:`manager_column`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from b2bcx.deck.content import (
    COMMENT_CHARS,
    MAX_COMMENTS,
    AccountSlide,
    account_chart,
    account_title,
    change_line,
    guess_manager_column,
    index_line,
    nps_line,
    people_lines,
    phase_pillar_scores,
    priority_line,
    reliability_line,
    revenue_column,
    role_words,
    safe_text,
    subtitle,
)
from b2bcx.errors import UsageError
from b2bcx.results import DeckInputs, ScoreResult
from b2bcx.stats.order import sort_accounts

NO_MANAGER = "No manager"


@dataclass(frozen=True)
class DeckPlan:
    """One deck to write: its file stem, who it is for and its account rows."""

    stem: str
    audience: str | None
    accounts: pd.DataFrame


def manager_column(result: ScoreResult, name: str | None = None) -> str:
    """The account attribute that names each account's manager.

    ``name`` (``--manager-column``) when given; else the first account attribute
    (configured segments and account-list columns) whose name, in lower case and
    letters only, is AccountManager, KeyAccountManager, Manager, KAM,
    AccountOwner, Owner or CSM; else one ending in "manager".

    Raises
    ------
    UsageError
        No such column among the account attributes.
    """
    candidates = [c for c in result.segment_columns if c != "tier"]
    if name is not None:
        if name in result.accounts:
            return name
        raise UsageError(
            f"--manager-column {name}: no such account column",
            hint=f"use one of: {', '.join(candidates) or '(none configured)'}",
        )
    found = guess_manager_column(result)
    if found is not None:
        return found
    raise UsageError(
        "--by manager: no account-manager column among the account attributes",
        hint="add it to columns.segments or accounts.segments in the config, "
        "or name it with --manager-column",
    )


def select_accounts(result: ScoreResult, only: Sequence[str] | None) -> pd.DataFrame:
    """The account rows to show: all, or the ``--accounts-only`` ids in that order.

    Raises
    ------
    UsageError
        An id that is not in this quarter's account table.
    """
    table = result.accounts
    if not only:
        return table
    ids = table["account"].astype(str)
    unknown = [a for a in only if a not in set(ids)]
    if unknown:
        raise UsageError(
            f"--accounts-only: {len(unknown)} unknown account id(s): {', '.join(unknown[:10])}",
            hint="use ids from the account column of `b2bcx score`",
        )
    position = {a: i for i, a in enumerate(dict.fromkeys(only))}
    chosen = table[ids.isin(position)]
    return chosen.iloc[ids[chosen.index].map(position).argsort()]


def ordered(accounts: pd.DataFrame, result: ScoreResult) -> pd.DataFrame:
    """Accounts by revenue, largest first (ties and no revenue: by id)."""
    revenue = revenue_column(result)
    if not revenue:
        return sort_accounts(accounts, ["account"], [True])
    return sort_accounts(accounts, [revenue], [False])


def deck_plans(
    inputs: DeckInputs,
    accounts: pd.DataFrame,
    by_column: str | None,
    stem: str,
    keep_order: bool = False,
) -> list[DeckPlan]:
    """One plan for the whole portfolio, or one per value of ``by_column``."""
    result = inputs.score
    rows = accounts if keep_order else ordered(accounts, result)
    if by_column is None:
        return [DeckPlan(stem, None, rows)]
    owners = rows[by_column].map(lambda v: safe_text(v, 60) or NO_MANAGER)
    plans: list[DeckPlan] = []
    used: set[str] = set()
    for owner in sorted(owners.unique(), key=lambda o: (o == NO_MANAGER, o.lower())):
        name = unique_stem(slug(owner), used)
        plans.append(DeckPlan(name, owner, rows[owners == owner]))
    return plans


def slug(text: str) -> str:
    """A safe file-name stem: letters, digits and hyphens ("Claire Dubois" -> claire-dubois)."""
    stem = re.sub(r"[^\w]+", "-", text.lower(), flags=re.ASCII).strip("-")
    return stem[:60] or "deck"


def unique_stem(stem: str, used: set[str]) -> str:
    candidate, count = stem, 1
    while candidate in used:
        count += 1
        candidate = f"{stem}-{count}"
    used.add(candidate)
    return candidate


def roles_by_account(result: ScoreResult) -> dict[str, dict[str, int]]:
    """Respondents per role in each account."""
    people = result.respondents
    if people.empty or "role" not in people:
        return {}
    counts = people.groupby(["account", "role"], observed=True).size()
    out: dict[str, dict[str, int]] = {}
    for (account, role), count in counts.items():
        out.setdefault(str(account), {})[str(role)] = int(count)
    return out


def comments_by_account(result: ScoreResult) -> dict[str, list[str]]:
    """Up to three verbatim comments per account, decision makers' first.

    Roles take turns (the heaviest-weighted role first), so one talkative role does
    not fill the slide; within a role comments come in respondent-id order (then by
    text, when no respondent column is configured), so the choice does not depend on
    the order of the rows in the export.
    """
    column = result.config.columns.comment
    people = result.respondents
    if not column or column not in people or people.empty:
        return {}
    text = people[column].map(lambda v: safe_text(v, COMMENT_CHARS))
    frame = pd.DataFrame(
        {
            "account": people["account"].astype(str),
            "role": people["role"].astype(str),
            "text": text,
            "respondent": (
                people["respondent"].astype(str)
                if result.config.columns.respondent
                else ""
            ),
        }
    )
    frame = frame[frame["text"] != ""]
    frame = frame.sort_values(["account", "role", "respondent", "text"], kind="stable")
    weights = result.config.role_weights
    frame["weight"] = frame["role"].map(lambda r: -weights.get(r, 0.0))
    frame["turn"] = frame.groupby(["account", "role"]).cumcount()
    frame = frame.sort_values(["account", "turn", "weight"], kind="stable")
    out: dict[str, list[str]] = {}
    for account, group in frame.groupby("account", sort=False):
        out[str(account)] = [
            f"“{t}” — {role_words(r)}"
            for t, r in zip(
                group["text"].head(MAX_COMMENTS),
                group["role"].head(MAX_COMMENTS),
                strict=True,
            )
        ]
    return out


def account_slides(
    inputs: DeckInputs, accounts: pd.DataFrame
) -> Iterable[AccountSlide]:
    """The content of each account's slide, in the order of ``accounts``."""
    result = inputs.score
    roles = roles_by_account(result)
    comments = comments_by_account(result)
    previous = _previous_rows(inputs)
    phases = phase_pillar_scores(result.lifecycle)
    for _, row in accounts.iterrows():
        account = str(row["account"])
        yield AccountSlide(
            account=safe_text(account),
            title=account_title(row, result.config),
            subtitle=subtitle(row, result),
            figures=(
                index_line(row),
                reliability_line(row),
                change_line(row, result.baseline_wave) if "delta" in row else "",
                nps_line(row),
            ),
            people=people_lines(row, roles.get(account, {}), result),
            priority=priority_line(row, result, phases),
            comments=tuple(comments.get(account, [])),
            chart=account_chart(row, inputs, previous.get(account)),
        )


def _previous_rows(inputs: DeckInputs) -> dict[str, pd.Series]:
    if inputs.baseline is None:
        return {}
    table = inputs.baseline.accounts
    return {str(row["account"]): row for _, row in table.iterrows()}
