"""One exception family for b2bcx, and the problem records it carries.

Every error says what is wrong and how to fix it. ``cli.py`` translates a
:class:`B2bcxError` into a message and an exit code (1 for data and config errors,
2 for usage errors); nothing else in the package decides exit codes.

Secrets in URLs (a password, a signed link's token) never reach a message:
:func:`mask_secrets` is applied to every error, problem and line the CLI prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Literal

Severity = Literal["error", "warning"]
Kind = Literal["config", "file", "data", "analysis", "usage", "system"]


@dataclass(frozen=True)
class Code:
    """One kind of problem: a stable id that views and counts match on.

    Attributes
    ----------
    id : the code, in kebab case (``invalid-answer``); never changes once released.
    kind : what is at fault: the ``config``, a ``file`` as a file (encoding,
        layout), the ``data`` in it, an ``analysis`` that cannot be computed,
        the ``usage`` of the command line, or the ``system`` (an output that
        cannot be written, a cluster that does not answer).
    severity : ``"error"`` or ``"warning"`` as usually raised; ``"either"``
        when a setting decides (``--bad-answers``, ``filters.dedupe``).
    meaning : what the problem is, in one line (docs/problems.md lists them).
    hint : the usual fix, in one line (each problem's own hint is more precise).
    """

    id: str
    kind: Kind
    severity: Literal["error", "warning", "either"]
    meaning: str
    hint: str


def _codes(*codes: Code) -> dict[str, Code]:
    return {code.id: code for code in codes}


# fmt: off
CODES: dict[str, Code] = _codes(
    # the config
    Code("invalid-config", "config", "error",
         "the config file cannot be read or used as a whole",
         "fix the YAML the message points at; start from `b2bcx init EXPORT` or examples/acme.yaml"),
    Code("unknown-config-key", "config", "error",
         "a key the config format does not have (often a typo)",
         "use the key the hint suggests; docs/config.md lists every key"),
    Code("missing-config-key", "config", "error",
         "a required key is missing",
         "add the key (docs/config.md)"),
    Code("invalid-config-value", "config", "error",
         "a key holds a value of the wrong type or range",
         "give the key a value of the type docs/config.md shows"),
    Code("draft-placeholder", "config", "error",
         "a placeholder `b2bcx init` left is still in the config",
         "name the real column, or move the statements to their pillars"),
    Code("todo-in-config", "config", "error",
         "a `# TODO` comment `b2bcx init` left is not settled",
         "settle what the comment asks, then delete the comment"),
    Code("undefined-scale", "config", "error",
         "a statement or outcome names a scale that is not defined",
         "define the scale under `scales:`, or correct its name"),
    Code("unknown-pillar", "config", "error",
         "an index weight, phase or composite names a pillar (or item) that does not exist",
         "use a pillar id defined under `pillars:`"),
    Code("unknown-item", "config", "error",
         "`items:` gives settings to a column no pillar, outcome or factor rating uses",
         "put the statement under its pillar's `items:`, or correct its name"),
    Code("pillar-too-few-items", "config", "error",
         "a pillar has no statements, or fewer than its `min_items`",
         "list the pillar's statement columns under `items:`, or lower `min_items`"),
    Code("no-pillars", "config", "error",
         "the config defines neither pillars nor factors",
         "add `pillars:` (e.g. `extends: six_pillars`) or `factors:`"),
    Code("no-roles", "config", "error",
         "no role weights are configured",
         "add `roles.weights`, or `roles.single` for one role"),
    Code("unknown-role", "config", "error",
         "a role setting names a role that has no weight",
         "give the role a weight under `roles.weights`, or correct its name"),
    Code("account-is-segment", "config", "error",
         "the account column is also listed as a segment",
         "remove the account column from `columns.segments`"),
    Code("no-role-column", "config", "error",
         "neither a role column nor a single role is configured",
         "set `columns.role`, or `roles.single` for one role"),
    # a file as a file
    Code("unreadable-data", "file", "error",
         "an export, account list or decisions file cannot be read",
         "check the path, the format and the permissions; export the file again"),
    Code("not-utf8", "file", "warning",
         "text that is not UTF-8 was read as Windows-1252 (or a value is not text)",
         "export the file as UTF-8; check the accented letters of the rows named"),
    Code("short-rows", "file", "warning",
         "rows have fewer fields than the header; the missing ones are blanks",
         "check that the rows were not cut short or broken across lines"),
    Code("extra-fields", "file", "error",
         "a row has more fields than the header",
         "quote the cell that contains the delimiter"),
    Code("metadata-row", "file", "warning",
         "a row holds survey-platform metadata, not a response; it is skipped",
         "export the survey again with its header rows only at the top"),
    Code("unnamed-column", "file", "warning",
         "a column has data but no name in the header",
         "give the column a name in the header row"),
    Code("duplicate-column", "file", "either",
         "a column name occurs more than once in the header",
         "rename the columns so that every name is unique"),
    Code("control-characters", "file", "warning",
         "cells or value labels held control characters",
         "clean the column or the value labels in the survey platform"),
    Code("long-number", "file", "warning",
         "a workbook cell holds a number of 16 or more digits (read as text)",
         "store ids as text in the workbook (Excel keeps 15 digits of a number)"),
    Code("formula-without-value", "file", "warning",
         "a workbook formula cell has no saved result",
         "open the workbook in Excel or LibreOffice, let it calculate, save it"),
    Code("nested-column", "file", "error",
         "a Parquet column holds nested values, not one value per cell",
         "flatten the column to one value per cell before exporting"),
    Code("conflicting-alias", "file", "warning",
         "a column alias means different columns in different files",
         "name the column itself in the config"),
    Code("shared-value-label", "file", "warning",
         "several codes share one SPSS value label and are read as one",
         "give each code its own value label in SPSS"),
    # the data in an export, account list or decisions file
    Code("missing-column", "data", "error",
         "a column named in the config is not in the file",
         "use the column name the hint suggests, or correct the config"),
    Code("empty-export", "data", "error",
         "the export has no rows",
         "export the survey again"),
    Code("no-rows-left", "data", "error",
         "every row was excluded (this many for this reason)",
         "see the row accounting of `b2bcx validate` for why each row was excluded"),
    Code("invalid-answer", "data", "error",
         "an answer is not on its column's scale",
         "correct the answer or the column's scale, or pass `--bad-answers missing`"),
    Code("answer-read-as-missing", "data", "warning",
         "an answer not on its scale was read as missing (`--bad-answers missing`)",
         "correct the answer or the column's scale; without `--bad-answers missing` it stops the run"),
    Code("blank-column", "data", "warning",
         "a statement column is blank in every row",
         "check that the export has the answers and that the config names the right column"),
    Code("unmapped-role", "data", "either",
         "a role answer is not mapped to a configured role",
         "add the answer under `roles.map`, or set `roles.unmapped`"),
    Code("duplicate-respondent", "data", "either",
         "a respondent id answered more than once",
         "give each respondent their own id, or set `filters.dedupe`"),
    Code("merged-account-ids", "data", "warning",
         "account ids that differ only by invisible characters were read as one",
         "remove the invisible characters from the ids in the source system"),
    Code("conflicting-attribute", "data", "warning",
         "an account has different values of one attribute (segment, revenue...)",
         "correct the export, or give the attributes with `--accounts`"),
    Code("revenue-unreadable", "data", "error",
         "an amount is not a number, abbreviated (1.2M), negative, infinite or too large",
         "write the amount as a non-negative number (1250000 or 1250000.00)"),
    Code("ambiguous-amount", "data", "warning",
         "an amount could be a decimal or a thousands group; read as thousands",
         "write amounts without thousands separators (1250 or 1250.00)"),
    Code("unknown-wave", "data", "error",
         "a wave is not listed in `waves.order`",
         "add the wave to `waves.order`"),
    Code("unlisted-account", "data", "warning",
         "an account answered the survey but is not in the account list",
         "add the account to the account list, or check its id"),
    Code("duplicate-account", "data", "error",
         "an account id is listed twice in an account list or decisions file",
         "keep one row per account"),
    Code("incomplete-contact", "data", "error",
         "a contact list row has no contact id or no account id",
         "fill both ids, or delete the row"),
    Code("no-account", "data", "error",
         "a decision has no account id",
         "give every decision its account id"),
    Code("unknown-event", "data", "error",
         "a decision's event value is neither mapped nor yes/no",
         "use yes/no (1/0) or map the value under `value.event.values`"),
    Code("unknown-factor-code", "data", "warning",
         "a factor code is not in `factors.labels`",
         "add a label for the code under `factors.labels`, or correct the code"),
    Code("invalid-mention", "data", "error",
         "a factor mention is not yes/no (1/0)",
         "code mentions as 1/0, yes/no or true/false"),
    Code("invalid-rating", "data", "error",
         "a factor rating is not a score from 0 to 100",
         "score ratings with their scale first (0 to 100)"),
    Code("invalid-nps-answer", "data", "error",
         "an NPS answer is not a whole number from 0 to 10",
         "answers must be whole numbers 0 to 10"),
    Code("unknown-experience-group", "data", "error",
         "a value is not (mapped to) an experience group",
         "use good, average or poor, or map the value to one"),
    Code("not-a-number", "data", "error",
         "a value that must be numeric is not",
         "write the value as a number"),
    Code("unknown-covariate", "data", "error",
         "a covariate of `value:` is neither a decisions column nor an account attribute",
         "name an account attribute (a segment, revenue) or a decisions column"),
    Code("missing-covariate", "data", "error",
         "a covariate of `value:` has no usable value for an account",
         "give every account a value (a known level for text covariates)"),
    # an analysis that cannot be computed (or must be read with care)
    Code("analysis-impossible", "analysis", "error",
         "the data are valid but the analysis cannot be computed",
         "follow the message's hint; more respondents or accounts often help"),
    Code("no-revenue", "analysis", "warning",
         "no account has a revenue above 0: accounts are weighted equally",
         "check that the revenue column holds the amounts (not all 0 or blank)"),
    Code("pooled-role-variance", "analysis", "warning",
         "a role's variance is the variance pooled over all roles",
         "more respondents per account and role give each role its own variance"),
    Code("no-account-variance", "analysis", "warning",
         "the accounts do not differ beyond sampling noise (tau squared = 0)",
         "rank accounts with care (docs/method.md#shrinkage-and-reliability)"),
    Code("reverse-coding-suspect", "analysis", "warning",
         "a statement runs against the rest of its pillar",
         "check its reverse coding (`items.ID.reverse`): a statement worded the other way round is reversed"),
    Code("low-consistency", "analysis", "warning",
         "a pillar's Cronbach's alpha is low",
         "see `b2bcx scales` for the statement to drop or recode"),
    Code("non-numeric-column", "analysis", "error",
         "a driver or outcome column is not numeric",
         "score the column first, or choose a numeric column"),
    Code("infinite-values", "analysis", "error",
         "a driver or outcome column holds infinite values",
         "remove or correct the infinite values"),
    Code("constant-driver", "analysis", "error",
         "a driver is constant among the complete cases",
         "drop the constant driver; it cannot explain anything"),
    Code("collinear-drivers", "analysis", "error",
         "a driver is a linear combination of others",
         "drop one of the collinear drivers, or merge them into one score"),
    # the command line, the outputs, the cluster
    Code("usage", "usage", "error",
         "the command line asks for something impossible",
         "see `b2bcx COMMAND --help`"),
    Code("unwritable-output", "system", "error",
         "an output file cannot be written",
         "check the disk space and the permissions of the output folder"),
    Code("cluster-unreachable", "system", "error",
         "the Dask scheduler cannot be reached",
         "check the scheduler address and that the scheduler runs"),
)
# fmt: on
"""Every problem code, defined once; docs/problems.md lists them (a test keeps both equal)."""

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>.,:;)\]]")
"""A URL in a message; punctuation that ends a sentence is not part of it."""
_PARAMETER = re.compile(r"(?<=[?#&;])[^?#&;]+")
MASK = "***"


def mask_secrets(text: str) -> str:
    """``text`` with the secrets of every URL in it replaced by ``***``.

    In a URL ``scheme://userinfo@host/path?query#fragment`` the user information
    (``user:password@``, a token before ``@``) and every value of the query and
    the fragment (``?token=``, ``X-Amz-Signature=``, ``sig=``, ``key=``...) are
    masked; the scheme, host, port and path stay, so the message still says
    which address or file it is about.

    Examples
    --------
    >>> mask_secrets("cannot reach tcp://admin:hunter2@10.0.0.5:8786")
    'cannot reach tcp://***@10.0.0.5:8786'
    >>> mask_secrets("s3://bucket/a.csv?X-Amz-Signature=abc&X-Amz-Expires=60")
    's3://bucket/a.csv?X-Amz-Signature=***&X-Amz-Expires=***'
    """
    if "://" not in text:
        return text
    return _URL.sub(_masked_url, text)


def _masked_url(match: re.Match[str]) -> str:
    url = match.group()
    scheme, rest = url.split("://", 1)
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    if at >= 0:
        rest = f"{MASK}@{rest[at + 1 :]}"
    cut = min((i for i in map(rest.find, "?#") if i >= 0), default=len(rest))
    head, tail = rest[:cut], rest[cut:]
    return f"{scheme}://{head}{_PARAMETER.sub(_masked_parameter, tail)}"


def _masked_parameter(match: re.Match[str]) -> str:
    name, equals, _ = match.group().partition("=")
    return f"{name}={MASK}" if equals else MASK


@dataclass(frozen=True)
class Problem:
    """One problem found in a config or an export.

    Attributes
    ----------
    problem : what is wrong, in one sentence.
    hint : how to fix it.
    file, row, column, value : where it is; ``row`` is the row number as the user
        sees it in the file (1-based, header rows counted), or None.
    severity : ``"error"`` stops the run; ``"warning"`` is reported and the run goes on.
    code : what kind of problem it is, one of :data:`CODES` (keyword only, required).
        Views and counts match the code, never the words, which may change.

    Examples
    --------
    >>> Problem("answer is not on scale `agree5`", code="invalid-answer").code
    'invalid-answer'
    """

    problem: str
    hint: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = "error"
    code: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}: define it in CODES")
        for item in fields(self):
            text = getattr(self, item.name)
            if isinstance(text, str) and "://" in text:
                object.__setattr__(self, item.name, mask_secrets(text))

    def as_dict(self) -> dict[str, object]:
        """The problem as a plain mapping (for JSON and table output), code first."""
        return {item.name: getattr(self, item.name) for item in _FIELDS_SHOWN}

    def describe(self) -> str:
        """A one-line description naming file, row, column and value."""
        where = [
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column!r}" if self.column else None,
                f"value {self.value!r}" if self.value is not None else None,
            )
            if part
        ]
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        return f"{text} (hint: {self.hint})" if self.hint else text


_FIELDS_SHOWN = sorted(fields(Problem), key=lambda item: item.name != "code")
"""The problem's fields as JSON shows them: ``code`` first, then the rest in order."""


class B2bcxError(Exception):
    """Base of every error b2bcx raises on purpose.

    Parameters
    ----------
    message : the headline, one sentence.
    problems : the individual problems behind it, all collected before raising.
    hint : how to fix it, when there is one hint for the whole error.
    """

    exit_code = 1
    code = "analysis-impossible"
    """The problem code of the error itself, when it carries no problem list."""

    def __init__(
        self, message: str, problems: Iterable[Problem] = (), hint: str = ""
    ) -> None:
        message, hint = mask_secrets(message), mask_secrets(hint)
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)
        self.hint = hint

    def __str__(self) -> str:
        lines = [self.message]
        lines += [f"  - {p.describe()}" for p in self.problems]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class ConfigError(B2bcxError):
    """The YAML config is missing, malformed or inconsistent."""

    code = "invalid-config"


class DataError(B2bcxError):
    """An export (or account list) cannot be read or holds invalid values."""

    code = "unreadable-data"


class AnalysisError(B2bcxError):
    """The data are valid but the requested analysis cannot be computed."""

    code = "analysis-impossible"


class OutputError(B2bcxError):
    """An output file cannot be written (disk full, read-only, permissions)."""

    code = "unwritable-output"


class ClusterError(B2bcxError):
    """The Dask scheduler cannot be reached, or does not answer as a scheduler."""

    code = "cluster-unreachable"


class UsageError(B2bcxError):
    """The command line asks for something impossible (exit code 2)."""

    exit_code = 2
    code = "usage"


def raise_if_errors(
    problems: Iterable[Problem], error: type[B2bcxError], message: str
) -> None:
    """Raise ``error`` carrying every problem of severity ``error``, if any."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        raise error(f"{message} ({count})", errors)
