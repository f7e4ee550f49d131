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
from dataclasses import asdict, dataclass, fields
from typing import Literal

Severity = Literal["error", "warning"]

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
    """

    problem: str
    hint: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = "error"

    def __post_init__(self) -> None:
        for field in fields(self):
            text = getattr(self, field.name)
            if isinstance(text, str) and "://" in text:
                object.__setattr__(self, field.name, mask_secrets(text))

    def as_dict(self) -> dict[str, object]:
        """The problem as a plain mapping (for JSON and table output)."""
        return asdict(self)

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


class B2bcxError(Exception):
    """Base of every error b2bcx raises on purpose.

    Parameters
    ----------
    message : the headline, one sentence.
    problems : the individual problems behind it, all collected before raising.
    hint : how to fix it, when there is one hint for the whole error.
    """

    exit_code = 1

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


class DataError(B2bcxError):
    """An export (or account list) cannot be read or holds invalid values."""


class AnalysisError(B2bcxError):
    """The data are valid but the requested analysis cannot be computed."""


class OutputError(B2bcxError):
    """An output file cannot be written (disk full, read-only, permissions)."""


class ClusterError(B2bcxError):
    """The Dask scheduler cannot be reached, or does not answer as a scheduler."""


class UsageError(B2bcxError):
    """The command line asks for something impossible (exit code 2)."""

    exit_code = 2


def raise_if_errors(
    problems: Iterable[Problem], error: type[B2bcxError], message: str
) -> None:
    """Raise ``error`` carrying every problem of severity ``error``, if any."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        raise error(f"{message} ({count})", errors)
