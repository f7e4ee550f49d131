"""One exception family for b2bcx, and the problem records it carries.

Every error says what is wrong and how to fix it. ``cli.py`` translates a
:class:`B2bcxError` into a message and an exit code (1 for data and config errors,
2 for usage errors); nothing else in the package decides exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


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
