"""Which export columns become account attributes, and the account's display name."""

from __future__ import annotations

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
