"""Which decks, which slides, in which order (no python-pptx).

A deck is the title slide, the portfolio slide, then one slide per account. With
``--by manager`` there is one deck per account manager, each with that manager's
accounts; the manager column is chosen by :func:`manager_column`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from b2bcx.deck.content import (
    COMMENT_CHARS,
    MAX_COMMENTS,
    NO_REASONS,
    AccountSlide,
    NotHeardSlide,
    account_chart,
    account_reasons,
    account_title,
    change_line,
    guess_manager_column,
    index_line,
    money,
    nps_line,
    number,
    people_lines,
    phase_pillar_scores,
    priority_line,
    reliability_line,
    revenue_column,
    role_words,
    safe_text,
    score_text,
    subtitle,
)
from b2bcx.deck.moved import trend_chart
from b2bcx.errors import UsageError
from b2bcx.results import DeckInputs, ScoreResult
from b2bcx.scoring.columns import COLUMNS
from b2bcx.scoring.tables import with_display_name
from b2bcx.stats.order import sort_accounts

NO_MANAGER = "No manager"


@dataclass(frozen=True)
class DeckPlan:
    """One deck to write: its file stem, who it is for, its account rows and the
    accounts of its book (the CRM list) that were not heard."""

    stem: str
    audience: str | None
    accounts: pd.DataFrame
    not_heard: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def book(self) -> int:
        """Every account of the deck: heard or not."""
        return len(self.accounts) + len(self.not_heard)


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
        An id that is neither in this wave's account table nor in the CRM list.
    """
    table = result.accounts
    if not only:
        return table
    ids = table["account"].astype(str)
    listed = (
        set(result.not_heard["account"].astype(str))
        if "account" in result.not_heard
        else set()
    )
    unknown = [a for a in only if a not in set(ids) and a not in listed]
    if unknown:
        raise UsageError(
            f"--accounts-only: {len(unknown)} unknown account id(s): {', '.join(unknown[:10])}",
            hint="use ids from the account column of `b2bcx score` or the CRM list",
        )
    position = {a: i for i, a in enumerate(dict.fromkeys(only))}
    chosen = table[ids.isin(position)]
    return chosen.iloc[ids[chosen.index].map(position).argsort()]


def select_not_heard(result: ScoreResult, only: Sequence[str] | None) -> pd.DataFrame:
    """The CRM accounts not heard this wave (all, or those ``--accounts-only`` names),
    most revenue first, then by id."""
    table = result.not_heard
    if "account" not in table or table.empty:
        return pd.DataFrame()
    if only:
        table = table[table["account"].astype(str).isin(set(only))]
    return ordered(table, result)


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
    not_heard: pd.DataFrame | None = None,
) -> list[DeckPlan]:
    """One plan for the whole portfolio, or one per value of ``by_column``.

    Each manager (the whole value, however long) gets a deck of their own, in
    name order, with the accounts of their book that were not heard; the accounts
    without one a last deck, ``no-manager.pptx``; file names are unique (see
    :func:`manager_stems`).
    """
    result = inputs.score
    rows = accounts if keep_order else ordered(accounts, result)
    silent = pd.DataFrame() if not_heard is None else not_heard
    if by_column is None:
        return [DeckPlan(stem, None, rows, silent)]
    owners = rows[by_column].map(lambda v: safe_text(v))
    silent_owners = (
        silent[by_column].map(lambda v: safe_text(v))
        if by_column in silent
        else pd.Series("", index=silent.index, dtype=object)
    )
    names = sorted(
        (set(owners) | set(silent_owners)) - {""}, key=lambda o: (o.lower(), o)
    )
    stems = manager_stems(names)
    plans = [
        DeckPlan(stems[name], name, rows[owners == name], silent[silent_owners == name])
        for name in names
    ]
    if (owners == "").any() or (silent_owners == "").any():
        plans.append(
            DeckPlan(
                NO_MANAGER_STEM,
                NO_MANAGER,
                rows[owners == ""],
                silent[silent_owners == ""],
            )
        )
    return plans


def not_heard_slide(inputs: DeckInputs, rows: pd.DataFrame) -> NotHeardSlide:
    """The deck's accounts no one answered for: revenue and when last heard (the
    baseline, when it heard them)."""
    result = inputs.score
    table = with_display_name(rows, result.config)
    revenue = revenue_column(result)
    before = (
        inputs.baseline.accounts.set_index(
            inputs.baseline.accounts["account"].astype(str)
        )
        if inputs.baseline is not None
        else pd.DataFrame()
    )
    since = safe_text(inputs.baseline.wave, 20) if inputs.baseline is not None else ""
    body = []
    for _, row in table.iterrows():
        account = str(row["account"])
        last = "not in the baseline" if inputs.baseline is not None else ""
        if account in before.index and number(before.at[account, "index"]) is not None:
            last = f"{since or 'baseline'}: CX index {score_text(before.at[account, 'index'])}"
        body.append(
            (
                safe_text(account, 30),
                safe_text(row.get("name", ""), 40),
                money(row.get(revenue)) if revenue else "",
                last,
            )
        )
    header = (
        COLUMNS["account"].header,
        COLUMNS["name"].header,
        "Revenue",
        "Last heard",
    )
    wave = safe_text(result.wave, 20) or "this wave"
    note = (
        f"{len(body)} account{'s' if len(body) != 1 else ''} of this book had no one "
        f"answer in {wave}: the survey cannot speak for them (blind spot: not heard)."
    )
    return NotHeardSlide(f"Not heard in {wave}", note, (header, *body))


NO_MANAGER_STEM = "no-manager"
"""The file stem of the deck of accounts without a manager; a manager whose name
gives the same stem gets a hashed one."""
MANAGER_STEM_CHARS = 60
"""The longest manager part of a deck's file name (a slug: ASCII, 1 byte a character)."""
STEM_BYTES = 120
"""The longest file-name stem of a deck in bytes (a file name holds 255)."""
_HASHED = re.compile(r"-[0-9a-f]{8}$")


def manager_stems(names: Sequence[str]) -> dict[str, str]:
    """A unique file stem per manager name: its slug ("Claire Dubois" ->
    claire-dubois), or, when the slug is cut, empty, the no-manager stem or
    shared with another name, the slug followed by a short hash of the name.

    Example: "Claire Dubois" -> claire-dubois; "No manager" -> no-manager-<hash>,
    since no-manager.pptx holds the accounts without a manager.
    """
    slugs = {name: slug(name) for name in names}
    shared = Counter(slugs.values())
    stems = {}
    for name, stem in slugs.items():
        plain = (
            stem
            and len(stem) <= MANAGER_STEM_CHARS
            and shared[stem] == 1
            and stem != NO_MANAGER_STEM
            and not _HASHED.search(stem)  # never mistaken for another's hashed stem
        )
        stems[name] = (
            stem if plain else hashed_stem(stem or "deck", name, MANAGER_STEM_CHARS + 9)
        )
    return stems


def slug(text: str) -> str:
    """A safe file-name stem: letters, digits and hyphens ("Claire Dubois" -> claire-dubois)."""
    return re.sub(r"[^\w]+", "-", text.lower(), flags=re.ASCII).strip("-")


def capped_stem(stem: str, key: str) -> str:
    """``stem`` if it fits ``STEM_BYTES``, else cut with a short hash of ``key``."""
    if len(stem.encode("utf-8")) <= STEM_BYTES:
        return stem
    return hashed_stem(stem, key, STEM_BYTES)


def hashed_stem(stem: str, key: str, limit: int) -> str:
    """``stem`` cut to fit ``limit`` bytes with ``-`` and 8 hex digits of the
    SHA-256 of ``key``: stable from run to run, distinct for distinct keys."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    head = stem.encode("utf-8")[: limit - 9].decode("utf-8", "ignore").rstrip("-_")
    return f"{head}-{digest}"


def roles_by_account(result: ScoreResult) -> dict[str, dict[str, int]]:
    """Respondents per role in each account (the result's cells)."""
    cells = result.cells
    out: dict[str, dict[str, int]] = {}
    if cells.empty:
        return out
    for account, role, count in zip(
        cells["account"], cells["role"], cells["respondents"], strict=True
    ):
        out.setdefault(str(account), {})[str(role)] = int(count)
    return out


def comments_by_account(
    result: ScoreResult, only: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Up to three verbatim comments per account, decision makers' first.

    Roles take turns (the heaviest-weighted role first), so one talkative role does
    not fill the slide; within a role comments come in respondent-id order (then by
    text, when no respondent column is configured), so the choice does not depend on
    the order of the rows in the export. Read from the result's kept comments
    (:attr:`ScoreResult.comments`), which a streamed result has too. ``only``: the
    accounts wanted (a manager's deck), each chosen as among all accounts.
    """
    said = result.comments
    if only is not None and not said.empty:
        said = said[said["account"].astype(str).isin(set(only))]
    if said.empty:
        return {}
    frame = said.assign(text=said["text"].map(lambda v: safe_text(v, COMMENT_CHARS)))
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
    wanted = set(accounts["account"].astype(str))  # a manager's deck: their accounts
    comments = comments_by_account(result, wanted)
    previous = _previous_rows(inputs, wanted)
    phases = phase_pillar_scores(result.lifecycle)
    if "at_risk" not in accounts:
        reasons = account_reasons(result)
        keys = accounts["account"].astype(str)
        found = {
            name: [reasons.get(key, NO_REASONS)[name] for key in keys]
            for name in NO_REASONS
        }
        accounts = accounts.assign(**found)
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
            trend=trend_chart(account, inputs.trend),
        )


def _previous_rows(inputs: DeckInputs, wanted: set[str]) -> dict[str, pd.Series]:
    if inputs.baseline is None:
        return {}
    table = inputs.baseline.accounts
    table = table[table["account"].astype(str).isin(wanted)]
    return {str(row["account"]): row for _, row in table.iterrows()}
