"""Which export columns become account attributes, and the account's display name."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from b2bcx.config.models import Config
from b2bcx.scoring.accounts import NAME


def attribute_columns(config: Config) -> list[str]:
    """The export columns whose most frequent value per account is kept."""
    c = config.columns
    names = [c.name, *c.segments, c.revenue, c.phase]
    return [col for col in dict.fromkeys(names) if col]


def named(attributes: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The account attributes with the display ``name`` (from ``columns.name``)."""
    c = config.columns
    if c.name and c.name in attributes:
        attributes[NAME] = attributes[c.name].astype("string").str.strip()
        if c.name not in (*c.segments, c.revenue, c.phase):
            attributes = attributes.drop(columns=[c.name])
    return attributes


MANAGER_NAMES = (
    "accountmanager",
    "keyaccountmanager",
    "manager",
    "kam",
    "accountowner",
    "owner",
    "csm",
)
"""Column names (lower case, letters only) taken as the account manager, in this order."""


def manager_column(columns: Iterable[str]) -> str | None:
    """The column named like an account manager (see :data:`MANAGER_NAMES`).

    The first of ``columns`` whose name, in lower case and letters only, is in
    :data:`MANAGER_NAMES` (in that order), else the first ending in "manager";
    None when there is none. ``tier`` is never one.

    Example
    -------
    >>> manager_column(["Region", "Account Manager"])
    'Account Manager'
    """
    letters = {c: re.sub(r"[^a-z]", "", c.lower()) for c in columns if c != "tier"}
    for wanted in MANAGER_NAMES:
        for column, plain in letters.items():
            if plain == wanted:
                return column
    return next((c for c, plain in letters.items() if plain.endswith("manager")), None)
