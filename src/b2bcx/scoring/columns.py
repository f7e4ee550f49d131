"""The account table's columns, defined once for every view.

Each column of the account table (:func:`b2bcx.scoring.tables.account_output`) has
one :class:`Column`: its id (the CSV, JSON and Parquet name), the header the
workbook and the HTML page show, its number format in Excel and the digits the
terminal and the deck print, the terminal's header and priority (which columns
survive on a narrow terminal), and the label of the deck line that shows it. The
workbook, the terminal, the deck and JSON read these; none keeps its own copy.

Columns that come from the config (pillars, composites, outcomes, segments,
revenue, the lifecycle phase) are named by the config; :func:`score_column` gives
the one definition of a score column. The flags and their thresholds are defined
in :data:`b2bcx.scoring.risk.FLAGS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b2bcx.stats.order import ORDER_DECIMALS, shown

if TYPE_CHECKING:
    import pandas as pd

SCORE = "0.0"
"""A 0-100 score: one decimal."""
SIGNED = "+0.0;-0.0;0.0"
"""A change in points, with its sign."""
NPS = "+0;-0;0"
"""An NPS, -100 to +100: a whole number with its sign (+35, -12, 0), which keeps it
apart from the 0-100 scores."""
COUNT = "#,##0"
"""A count: a whole number with thousands separators (1,200)."""
SHARE = "0.0%"
TWO = "0.00"
"""A 0-1 statistic compared with a threshold of two decimals (0.691 must not read 0.7)."""
P_FORMAT = '[<0.001]"<0.001";0.000'
"""p- and q-values: three decimals, "<0.001" below (a p of 0.049 never reads 0.0)."""


@dataclass(frozen=True)
class Column:
    """One column of the account table, for every view.

    Attributes
    ----------
    id : the column's name in the data (CSV, JSON, Parquet, the library).
    header : the words the workbook and the HTML page put over it.
    kind : what it holds: ``id``, ``text``, ``count``, ``score`` (0-100),
        ``nps`` (an NPS or an NPS bound, -100 to +100, a whole number with its
        sign: ``+35``, ``-12``, ``0``; :data:`NPS`), ``signed`` (a change in
        points), ``share`` (0-1 shown as %), ``statistic`` (0-1), ``p``,
        ``logical``, ``flags``, ``reasons``. :func:`as_text` prints a value the
        way its kind says.
    excel : its Excel number format on the Accounts sheet (None for text and
        true/false).
    digits : the decimals the terminal and the deck print.
    terminal : the terminal table's header (None: not a column of its own there).
    priority : the terminal's priority, 0 shown at every width, higher numbers
        left out first when the table does not fit (80 columns keep 0 and 1).
    deck : the label of the deck line that shows it (None: not on a slide).
    description : what it means, in one sentence.
    """

    id: str
    header: str
    kind: str
    excel: str | None = None
    digits: int | None = None
    terminal: str | None = None
    priority: int | None = None
    deck: str | None = None
    description: str = ""


ACCOUNT_COLUMNS = (
    Column("account", "Account", "id", terminal="account", priority=0,
           description="the account id"),
    Column("name", "Name", "text", terminal="name", priority=1,
           description="the account's display name"),
    Column("n", "Respondents", "count", COUNT, 0, "n", 0,
           description="respondents heard"),
    Column("roles", "Roles heard", "text", terminal="roles", priority=3,
           description="the roles that answered"),
    Column("coverage", "Coverage of role weight", "share", SHARE, 0, "coverage", 3,
           description="share of the role weight that answered"),
    Column("index", "CX index", "score", SCORE, 1, "index ±95%", 0, "CX index",
           "the account's CX index, 0-100, with its 95% margin in the terminal"),
    Column("ci_low", "95% CI low", "score", SCORE, 1,
           description="lower bound of the index's 95% interval"),
    Column("ci_high", "95% CI high", "score", SCORE, 1,
           description="upper bound of the index's 95% interval"),
    Column("nps", "NPS", "nps", NPS, 0, "NPS", 1, "NPS",
           "the account NPS, -100 to +100"),
    Column("nps_n", "NPS answers", "count", COUNT, 0,
           description="respondents who answered the NPS question"),
    Column("flags", "Flags", "flags", terminal="other flags", priority=4,
           description="every flag of the account (the terminal shows the notes)"),
    Column("index_baseline", "CX index before", "score", SCORE, 1, "index before", 5,
           description="the index in the baseline wave"),
    Column("delta", "Change", "signed", SIGNED, 1, "Δ", 1, "Change",
           "the change of the index since the baseline, in points"),
    Column("significant", "Significant change", "logical",
           description="the change is significant at 95%"),
    Column("delta_eb", "Change of shrunk index", "signed", SIGNED, 1,
           description="the change of the shrunk index since the baseline, which "
           "orders the biggest movers"),
    Column("df", "Degrees of freedom", "score", SCORE, 1, "df", 5,
           description="degrees of freedom of the index's t interval"),
    Column("reliability", "Reliability", "statistic", TWO, 2, "rel.", 1,
           "Reliability", "reliability of the index, 0-1"),
    Column("index_eb", "Shrunk CX index", "score", SCORE, 1, "shrunk rel.", 0,
           "shrunk CX index",
           "the reliability-adjusted (shrunk) index the accounts are ranked on, "
           "with its reliability in the terminal"),
    Column("index_eb_se", "Shrunk index standard error", "statistic", TWO, 2,
           description="standard error of the shrunk index"),
    Column("index_eb_ci_low", "Shrunk index 95% CI low", "score", SCORE, 1,
           "index_eb 95%", 5,
           description="lower bound of the shrunk index's 95% interval"),
    Column("index_eb_ci_high", "Shrunk index 95% CI high", "score", SCORE, 1,
           description="upper bound of the shrunk index's 95% interval"),
    Column("n_eff", "Effective respondents", "count", COUNT, 0,
           description="respondents the role weights are worth"),
    Column("nps_ci_low", "NPS 95% CI low", "nps", NPS, 0,
           description="lower bound of the NPS's 95% interval"),
    Column("nps_ci_high", "NPS 95% CI high", "nps", NPS, 0,
           description="upper bound of the NPS's 95% interval"),
    Column("delta_lfl", "Change, same roles", "signed", SIGNED, 1, "Δ same roles", 4,
           description="the change over the roles heard in both waves (tested)"),
    Column("df_change", "Degrees of freedom (change)", "score", SCORE, 1,
           description="degrees of freedom of the change's test"),
    Column("p_change", "p (change)", "p", P_FORMAT, 3,
           description="p-value of the change"),
    Column("q_change", "q (change)", "p", P_FORMAT, 3,
           description="the change's p-value adjusted for false discoveries"),
    Column("significant_fdr", "Significant after FDR", "logical",
           description="the change is significant among all the accounts compared"),
    Column("delta_rtm", "Change expected from regression to the mean", "signed",
           SIGNED, 1,
           description="the part of the change regression to the mean explains"),
    Column("rwg_j", "Agreement (rwg_j)", "statistic", TWO, 2, deck="agreement",
           description="agreement among the account's respondents, 0-1"),
    Column("contacts_needed", "Contacts needed", "count", COUNT, 0,
           description="more respondents for a reliable score"),
    Column("se", "Standard error", "statistic", TWO, 2,
           description="standard error of the index"),
    Column("role_gap", "Role gap (points)", "score", SCORE, 1,
           description="points between the highest and lowest role"),
    Column("margin", "± 95% margin", "score", SCORE, 1,
           description="the 95% margin of error of the index"),
    Column("at_risk", "At risk because", "reasons", terminal="at risk", priority=0,
           deck="At risk because",
           description="why the account is at risk (risk flags)"),
    Column("blind_spots", "Blind spot because", "reasons", terminal="blind spots",
           priority=0, deck="Blind spot because",
           description="why the survey cannot speak for the account"),
    Column("tier", "Tier", "text", terminal="tier", priority=3,
           description="the account's revenue tier"),
)  # fmt: skip
"""Every fixed column of the account table, once (in the order of
docs/method.md#output-columns, ``nps_n`` after ``nps``)."""

COLUMNS = {c.id: c for c in ACCOUNT_COLUMNS}
"""Column id -> its definition."""

ACCOUNT_HEADERS = {c.id: c.header for c in ACCOUNT_COLUMNS}
"""Column id -> the header the workbook shows."""

SCORE_PRIORITY = 4
"""The terminal's priority of the pillar columns."""

MONEY = "#,##0"
"""Revenue: whole currency units with thousands separators."""


def column(name: str) -> Column:
    """The definition of a fixed account column (``KeyError`` for another name)."""
    return COLUMNS[name]


def digits(name: str) -> int:
    """The decimals the terminal and the deck print for a fixed account column."""
    return int(COLUMNS[name].digits or 0)


def score_column(name: str, header: str) -> Column:
    """A score column the config names (a pillar, a composite, an outcome)."""
    return Column(name, header, "score", SCORE, 1, header, SCORE_PRIORITY,
                  description="a 0-100 score of the config")  # fmt: skip


def excel_formats(names: list[str]) -> dict[str, str]:
    """Column id -> Excel number format, for the fixed account columns named."""
    formats = {}
    for name in names:
        fmt = COLUMNS[name].excel if name in COLUMNS else None
        if fmt is not None:
            formats[name] = fmt
    return formats


OTHER_NPS = ("respondent_nps", "nps_before", "nps_after")
"""NPS columns of other tables that are not account columns (the portfolio's and a
segment's respondent NPS, the NPS before and after in the change's rate-and-mix
split): they read the definition of ``nps``. The segment and role tables name
their account NPS ``nps``, ``nps_ci_low`` and ``nps_ci_high``, as here."""


def is_nps(name: str) -> bool:
    """Whether a column of any table holds an NPS (-100 to +100, kind ``nps``)."""
    return name in OTHER_NPS or (name in COLUMNS and COLUMNS[name].kind == "nps")


def nps_formats(names: list[str]) -> dict[str, str]:
    """Column id -> the NPS's Excel format, for the NPS columns among ``names``: the
    sheets of segments, roles and the change read the account's ``nps`` definition."""
    fmt = str(COLUMNS["nps"].excel)
    return {name: fmt for name in names if is_nps(name)}


def as_text(name: str, value: object) -> str:
    """A value of a column as every view prints it: the column's digits, with a sign
    for a change (kind ``signed``) and for an NPS (kind ``nps``); ``""`` when missing.

    The columns of :data:`OTHER_NPS` print as ``nps``. An NPS takes its sign from
    the value, as Excel picks the section of :data:`NPS` ("+0;-0;0"): a positive
    NPS reads ``+35``, a negative one ``-12``, zero ``0`` (zero to
    :data:`~b2bcx.stats.order.ORDER_DECIMALS` places, so last-bit noise is zero).
    Views that print a true minus sign (the deck, the HTML page) replace ``-``
    in this text and nothing else.

    Examples
    --------
    >>> as_text("nps", 35.4), as_text("nps", -100.0), as_text("nps_ci_low", 0.0)
    ('+35', '-100', '0')
    >>> as_text("respondent_nps", 15.86), as_text("nps", float("nan"))
    ('+16', '')
    >>> as_text("delta", -6.94), as_text("index", 64.06), as_text("n", 1200)
    ('-6.9', '64.1', '1,200')
    """
    spec = COLUMNS["nps"] if name in OTHER_NPS else COLUMNS[name]
    places = int(spec.digits or 0)
    if spec.kind == "count":
        text = shown(value, places)
        return f"{int(text):,}" if text and places == 0 else text  # as COUNT shows it
    if spec.kind != "nps":
        return shown(value, places, signed=spec.kind == "signed")
    text = shown(value, places)
    if not text:
        return ""
    x = round(float(value), ORDER_DECIMALS)  # type: ignore[arg-type]
    if x > 0:
        return "+" + text
    if x < 0 and not text.startswith("-"):
        return "-" + text  # -0.3 reads "-0", as in Excel
    return text


def pretty(name: str) -> str:
    """An id in words: ``decision_maker`` -> ``Decision maker``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def role_names(roles: Any) -> str:
    """A ``;``-joined list of role ids as people read it, in the same order.

    The data keep the ids (CSV, JSON); the workbook and the terminal's tables
    of roles heard or not heard show these words.

    Examples
    --------
    >>> role_names("decision_maker;influencer")
    'Decision maker, Influencer'
    >>> role_names("")
    ''
    """
    return ", ".join(pretty(role) for role in str(roles or "").split(";") if role)


def in_words(values: pd.Series, words: Callable[[Any], str]) -> pd.Series:
    """``values.map(words)`` with ``words`` called once per distinct value: a
    125k-account table holds a few dozen reason lists and role sets.

    Examples
    --------
    >>> import pandas as pd
    >>> in_words(pd.Series(["a;b", "a;b", ""]), lambda v: v.replace(";", ", ")).tolist()
    ['a, b', 'a, b', '']
    """
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    worded = np.array([words(v) for v in distinct], dtype=object)
    return pd.Series(worded[codes], index=values.index, name=values.name)
