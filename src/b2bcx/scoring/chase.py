"""Whom to hear from next: the chase list (docs/method.md#chase-list).

Accounts not heard come first, largest revenue first; then the accounts heard, by
what one more answer would do for the portfolio mean (``priority``,
:func:`b2bcx.stats.agreement.chase_priority`), with the respondents they still
need (``contacts_needed``) and the weighted roles not heard. With the CRM's
contact list, the contacts who did not answer, per account in the same order,
decision makers first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.results import ScoreResult
from b2bcx.scoring.accounts import NAME, revenue_column
from b2bcx.scoring.columns import in_words
from b2bcx.stats.agreement import chase_priority, contacts_needed
from b2bcx.stats.order import sort_accounts

ACCOUNT_COLUMNS = (
    "account",
    NAME,
    "status",
    "revenue",
    "n",
    "priority",
    "contacts_needed",
    "roles_not_heard",
    "rwg_j",
    "index_eb",
    "silent_contacts",
    "silent_decision_makers",
)
CONTACT_COLUMNS = ("account", "contact", "role")
HEARD, NOT_HEARD = "heard", "not heard"


def account_weights_of(result: ScoreResult, revenue: str | None) -> np.ndarray:
    """``w_a``: 1 each, or the revenue under ``rollup.account_weight: revenue``."""
    accounts = result.accounts
    if result.config.rollup.account_weight == "revenue" and revenue in accounts:
        return accounts[revenue].astype(float).to_numpy()
    return np.ones(len(accounts))


def roles_not_heard(heard: str, config: Config) -> str:
    """The weighted roles an account has not heard, heaviest first (``;``-joined)."""
    present = set(str(heard or "").split(";"))
    weights = config.role_weights
    missing = [r for r in weights if r not in present]
    return ";".join(sorted(missing, key=lambda r: (-weights[r], r)))


def chase_accounts(
    result: ScoreResult, master_revenue: str | None = None
) -> pd.DataFrame:
    """The chase list: not-heard accounts by revenue, then heard ones by ``priority``.

    Columns ``account, name, status, revenue, n, priority, contacts_needed,
    roles_not_heard, rwg_j, index_eb`` (those present); ties by account id.
    """
    config = result.config
    accounts = result.accounts
    revenue = master_revenue or revenue_column(config, None)
    revenue = revenue if revenue and revenue in accounts else None
    scored = accounts["index"].notna().to_numpy()
    priority = chase_priority(
        account_weights_of(result, revenue),
        accounts["se"].to_numpy(float),
        accounts["n"].to_numpy(float),
        scored,
        result.pooled_variance,
    )
    heard = pd.DataFrame(
        {
            "account": accounts["account"].astype(str).to_numpy(),
            NAME: _values(accounts, NAME, None),
            "status": HEARD,
            "revenue": accounts[revenue].astype(float).to_numpy()
            if revenue
            else np.nan,
            "n": accounts["n"].to_numpy(),
            "priority": priority,
            "contacts_needed": accounts["contacts_needed"].to_numpy(float),
            "roles_not_heard": in_words(
                accounts["roles"], lambda r: roles_not_heard(r, config)
            ).to_numpy(),
            "rwg_j": _values(accounts, "rwg_j", np.nan),
            "index_eb": _values(accounts, "index_eb", np.nan),
        }
    )
    heard = sort_accounts(heard, ["priority"], [False], na_position="last")
    unheard = _not_heard(result, revenue)
    table = pd.concat([unheard, heard], ignore_index=True) if len(unheard) else heard
    table = table.reset_index(drop=True)
    if table[NAME].isna().all():
        table = table.drop(columns=[NAME])
    return table


def _values(table: pd.DataFrame, column: str, default: object) -> object:
    return table[column].to_numpy() if column in table else default


def _not_heard(result: ScoreResult, revenue: str | None) -> pd.DataFrame:
    listed = result.not_heard
    if listed.empty:
        return pd.DataFrame()
    config = result.config
    money = (
        listed[revenue].astype(float)
        if revenue and revenue in listed
        else pd.Series(np.nan, index=listed.index)
    )
    rows = pd.DataFrame(
        {
            "account": listed["account"].astype(str).to_numpy(),
            NAME: listed[NAME].to_numpy() if NAME in listed else None,
            "status": NOT_HEARD,
            "revenue": money.to_numpy(),
            "n": 0,
            "priority": np.nan,
            "contacts_needed": contacts_needed(result.k_star, np.zeros(len(listed))),
            "roles_not_heard": roles_not_heard("", config),
            "rwg_j": np.nan,
            "index_eb": np.nan,
        }
    )
    return rows.sort_values(
        ["revenue", "account"],
        ascending=[False, True],
        na_position="last",
        kind="stable",
    )


def silent_contacts(
    contacts: pd.DataFrame,
    respondents: pd.DataFrame,
    config: Config,
    order: list[str],
) -> pd.DataFrame:
    """The listed contacts who did not answer, per account in ``order``, decision
    makers first (then by role weight, then contact id).

    Parameters
    ----------
    contacts : the CRM contact list: ``account, contact, role`` (roles mapped).
    respondents : the respondent table; a contact answered when its id is among
        the respondents' ``columns.contact`` values (else ``columns.respondent``).
    order : the chase list's accounts; contacts of other accounts come last, by id.
    """
    column = config.columns.contact
    ids = (
        respondents[column]
        if column and column in respondents
        else respondents.get("respondent", pd.Series(dtype=str))
    )
    answered = set(ids.dropna().astype(str).str.strip())
    silent = contacts[~contacts["contact"].isin(answered)].copy()
    rank = {a: i for i, a in enumerate(order)}
    weights = config.role_weights
    decision = config.roles.decision_role
    silent["_rank"] = silent["account"].map(rank).fillna(len(rank))
    silent["_decision"] = (silent["role"] != decision).astype(int)
    silent["_weight"] = -silent["role"].map(weights).fillna(0.0)
    silent = silent.sort_values(
        ["_rank", "account", "_decision", "_weight", "contact"], kind="stable"
    )
    return silent[list(CONTACT_COLUMNS)].reset_index(drop=True)


def with_silent_counts(
    accounts: pd.DataFrame, silent: pd.DataFrame, config: Config
) -> pd.DataFrame:
    """``silent_contacts`` and ``silent_decision_makers`` per account of the chase list."""
    counts = silent.groupby("account").size()
    decision = silent[silent["role"] == config.roles.decision_role]
    deciders = decision.groupby("account").size()
    out = accounts.copy()
    out["silent_contacts"] = out["account"].map(counts).fillna(0).astype(int)
    out["silent_decision_makers"] = out["account"].map(deciders).fillna(0).astype(int)
    return out


def chase_tables(
    result: ScoreResult, contacts: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chase list of a score result and, with ``contacts``, the contacts who
    did not answer (``account, contact, role``; empty without a contact list)."""
    config = result.config
    master_revenue = config.accounts.revenue if config.accounts else None
    accounts = chase_accounts(result, master_revenue)
    silent = pd.DataFrame(columns=list(CONTACT_COLUMNS))
    if contacts is not None:
        order = accounts["account"].tolist()
        silent = silent_contacts(contacts, result.respondents, config, order)
        accounts = with_silent_counts(accounts, silent, config)
    return accounts, silent
