"""From an export's rows to the respondents that are scored, accounting for every row.

Pure: an :class:`~b2bcx.io.Export`-like frame and a config in, a
:class:`Prepared` out. Each excluded row keeps a reason; problems are collected,
never raised one at a time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import Problem, Severity
from b2bcx.io.text import normalise_ids
from b2bcx.scoring.labels import label_collisions, read_codes, relabel
from b2bcx.scoring.scales import as_number, normalise_label

FILE = "_file"
ROW = "_row"
MAX_LISTED = 100  # duplicate warnings listed one by one
COLUMN_HINT = "check the column names in the config"
UNMAPPED_ROLE = "role answer is not mapped to a role"
BLANK_ROLE_HINT = (
    "fill in the respondent's role, or set `roles.unmapped` to a role id (or "
    "`ignore`) for rows without one"
)
NO_COLUMN_HINT = (
    "the header holds none of the columns the config names: is there a title or "
    "question row above it (delete it), or is this the wrong file or sheet (--sheet)?"
)
"""When no configured column is found, the header itself is the likely fault."""
"""The hint of a missing column when no export column comes close to its name."""


@dataclass
class Prepared:
    """Rows kept for scoring, the reason of every excluded row, and problems.

    ``frame`` keeps the export's columns (renamed to the config's names),
    plus ``account`` and ``role`` (role ids). ``rows`` has one line per input row:
    ``_file, _row, status (scored|excluded), reason``.
    """

    frame: pd.DataFrame
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def resolve_columns(
    names: Sequence[str],
    available: Sequence[str],
    aliases: Mapping[str, str],
    file: str,
) -> tuple[dict[str, str], list[Problem]]:
    """Find each configured column in the export.

    Matches exactly, then through the export's aliases (Qualtrics import ids,
    legacy ``V1``..), then trimmed and case-insensitive. Returns config name ->
    export column, and a problem for every column not found.
    """
    by_folded = {normalise_label(c): c for c in available}
    folded_aliases = {normalise_label(k): v for k, v in aliases.items()}
    found: dict[str, str] = {}
    problems = []
    for name in dict.fromkeys(names):
        column = (
            name
            if name in available
            else aliases.get(name)
            or by_folded.get(normalise_label(name))
            or folded_aliases.get(normalise_label(name))
        )
        if column is None:
            close = difflib.get_close_matches(name, list(available), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else COLUMN_HINT
            problems.append(
                Problem(
                    "column named in the config is not in the export",
                    hint,
                    file=file,
                    column=name,
                    code="missing-column",
                )
            )
        else:
            found[name] = column
    if len(names) >= 3 and not found:
        problems = [replace(p, hint=NO_COLUMN_HINT) for p in problems]
    return found, problems


def configured_columns(config: Config) -> list[str]:
    """Every export column the config names (outcomes and factor columns too)."""
    c = config.columns
    names = [
        c.account,
        c.name,
        c.respondent,
        c.role,
        *c.segments,
        c.revenue,
        c.phase,
        c.wave,
        c.comment,
        c.contact,
    ]
    names += config.item_columns
    names += [config.outcome(o).item for o in config.outcomes]
    names += _factor_columns(config)
    return [n for n in dict.fromkeys(names) if n]


def _factor_columns(config: Config) -> list[str]:
    factors = config.factors
    if factors is None:
        return []
    names: list[str] = []
    if factors.mentions:
        names += [factors.mentions.column or ""]
        names += list((factors.mentions.columns or {}).values())
        if factors.mentions.from_comments:
            names += [
                factors.mentions.from_comments.column or config.columns.comment or ""
            ]
    for spec in (factors.ratings or {}).values():
        names.append(spec if isinstance(spec, str) else spec.item)
    names.append(factors.group.column or "")
    return names


def role_lookup(config: Config) -> dict[str, str]:
    """Normalised raw role answers -> role id (ids and their spelled-out forms too)."""
    lookup: dict[str, str] = {}
    for role in config.role_weights:
        lookup[normalise_label(role)] = role
        lookup[normalise_label(role.replace("_", " "))] = role
    for role, answers in config.roles.map.items():
        for answer in answers:
            lookup[normalise_label(answer)] = role
            number = as_number(answer)
            if number is not None:
                lookup[normalise_label(_number_text(number))] = role
    return lookup


def _number_text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def map_roles(raw: pd.Series, config: Config) -> tuple[pd.Series, pd.Series]:
    """Raw role answers -> role ids; also returns the mask of unmapped answers."""
    if config.roles.single:
        return pd.Series(config.roles.single, index=raw.index, dtype=object), pd.Series(
            False, index=raw.index
        )
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    lookup = role_lookup(config)
    mapped = [lookup.get(_role_key(u)) for u in uniques] + [None]
    roles = pd.Series(
        np.array(mapped, dtype=object)[codes], index=raw.index, dtype=object
    )
    return roles, roles.isna()


def _role_key(answer: object) -> str:
    number = as_number(answer)
    return normalise_label(_number_text(number) if number is not None else answer)


def exclude(reasons: pd.Series, mask: pd.Series, reason: str) -> pd.Series:
    """Give ``reason`` to the rows in ``mask`` that are not yet excluded."""
    return reasons.mask(mask & reasons.isna(), reason)


RESPONSE_TIMES = (
    "RecordedDate",
    "EndDate",
    "End Date",
    "EndDate (UTC)",
    "submitdate",
    "Date submitted",
)


def duplicate_rows(
    ids: pd.Series, keep: str, live: pd.Series, times: pd.Series | None = None
) -> pd.Series:
    """Rows whose respondent id repeats a kept one.

    ``first`` keeps the earliest response of an id, ``latest`` the most recent:
    by the response time when the export has one (``times``), else by file order.
    Times with different UTC offsets (a daylight-saving switch, two regional
    exports) are compared in UTC; times without an offset are taken as UTC.
    """
    candidates = ids.where(live & ids.notna())
    order = candidates.index
    if times is not None:
        stamps = pd.to_datetime(times, errors="coerce", format="mixed", utc=True)
        order = stamps.sort_values(kind="stable", na_position="first").index
    ranked = candidates.loc[order]
    duplicated = ranked.duplicated(keep="last" if keep == "latest" else "first")
    return (duplicated & ranked.notna()).reindex(ids.index)


def response_times(frame: pd.DataFrame) -> pd.Series | None:
    """The export's response time column (Qualtrics, SurveyMonkey), if any."""
    column = response_time_column(frame.columns)
    return None if column is None else frame[column]


def response_time_column(columns: Iterable[object]) -> str | None:
    """The header of the response time column among ``columns``, if any."""
    folded = {normalise_label(c): c for c in columns}
    for name in RESPONSE_TIMES:
        if normalise_label(name) in folded:
            return str(folded[normalise_label(name)])
    return None


def prepare(
    frame: pd.DataFrame,
    config: Config,
    *,
    aliases: Mapping[str, str] | None = None,
    platform_reasons: pd.Series | None = None,
    source: str = "export",
    value_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Prepared:
    """Resolve the config's columns, map roles and account for every row.

    Rows are excluded, with a reason, when the survey platform marks them
    (preview, test, spam, unfinished), when they have no account, when their
    role is unmapped and ``roles.unmapped: ignore``, or when they repeat a
    respondent id (``filters.dedupe``). Unmapped roles with ``unmapped: error``
    and duplicates with ``dedupe: error`` are problems of severity error.
    Coded columns are read through the file's ``value_labels`` (export column
    -> code -> label; see :mod:`b2bcx.scoring.labels`).
    """
    columns, problems = resolve_columns(
        configured_columns(config), list(frame.columns), aliases or {}, source
    )
    renamed = frame.rename(columns={v: k for k, v in columns.items() if v != k})
    coded = value_labels or {}
    labels = {k: dict(coded[v]) for k, v in columns.items() if v in coded}
    problems += label_collisions(config, labels, role_lookup(config), source)
    renamed = read_codes(renamed, config, labels)
    reasons = pd.Series(pd.NA, index=frame.index, dtype=object)
    if platform_reasons is not None:
        reasons = platform_reasons.astype(object).where(platform_reasons.notna(), pd.NA)
    account_column = config.columns.account
    if account_column in columns:
        account, merged = normalise_ids(renamed[account_column])
        problems += merged_id_warnings(merged, account_column, source)
        reasons = exclude(reasons, account.isna() | (account == ""), "no account")
        renamed["account"] = account.astype(object)
    role_column = config.columns.role
    if config.roles.single or (role_column and role_column in columns):
        raw = (
            renamed[role_column]
            if role_column in renamed
            else pd.Series(pd.NA, index=renamed.index)
        )
        roles, unmapped = map_roles(raw, config)
        role_labels = labels.get(role_column or "")
        if role_labels:  # labelled codes: mapped by their label, else by the code
            raw = relabel(raw, lambda c: role_labels.get(c, c))
            by_label, unmapped_label = map_roles(raw, config)
            roles = by_label.where(~unmapped_label, roles)
            unmapped = unmapped & unmapped_label
            renamed[role_column or ""] = raw
        roles, unmapped, role_problems = _apply_unmapped(
            renamed, raw, roles, unmapped & reasons.isna(), config
        )
        problems += role_problems
        reasons = exclude(reasons, unmapped, "unmapped role")
        renamed["role"] = roles
    elif not role_column:
        problems.append(
            Problem(
                "no role column is configured",
                "set `columns.role`, or `roles.single` for one role",
                file=source,
                code="no-role-column",
            )
        )
    respondent = config.columns.respondent
    if respondent and respondent in columns:
        reasons, dup_problems = _dedupe(
            renamed, respondent, reasons, config.filters.dedupe
        )
        problems += dup_problems
    rows = pd.DataFrame(
        {
            FILE: frame[FILE],
            ROW: frame[ROW],
            "status": np.where(reasons.isna(), "scored", "excluded"),
            "reason": reasons,
        }
    )
    return Prepared(frame=renamed[reasons.isna()], rows=rows, problems=problems)


def _apply_unmapped(
    frame: pd.DataFrame,
    raw: pd.Series,
    roles: pd.Series,
    unmapped: pd.Series,
    config: Config,
) -> tuple[pd.Series, pd.Series, list[Problem]]:
    policy = config.roles.unmapped
    if policy in config.role_weights:
        return roles.mask(unmapped, policy), unmapped & False, []
    if policy == "ignore" or not unmapped.any():
        return roles, unmapped, []
    column = config.columns.role or "role"
    blank = unmapped & raw.isna()  # nothing to map: the role must be filled in
    problems = distinct_value_problems(
        frame[blank],
        raw[blank].fillna("(blank)"),
        column,
        "the role is blank",
        BLANK_ROLE_HINT,
        code="unmapped-role",
    ) + distinct_value_problems(
        frame[unmapped & ~blank],
        raw[unmapped & ~blank],
        column,
        UNMAPPED_ROLE,
        f"add it under `roles.map` (roles: {', '.join(config.role_weights)}), or set `roles.unmapped: ignore`",
        code="unmapped-role",
    )
    files = list(dict.fromkeys(frame[FILE].astype(str)))  # the order they were read
    return (
        roles,
        unmapped,
        sorted(problems, key=lambda p: (files.index(str(p.file)), p.row or 0)),
    )


def _dedupe(
    frame: pd.DataFrame, column: str, reasons: pd.Series, policy: str
) -> tuple[pd.Series, list[Problem]]:
    ids = frame[column].astype("string").str.strip()
    keep = "first" if policy == "error" else policy
    duplicated = duplicate_rows(ids, keep, reasons.isna(), response_times(frame))
    if policy != "error":
        warnings = dropped_duplicates(
            frame, ids, duplicated, reasons.isna(), column, policy
        )
        return exclude(reasons, duplicated, "duplicate respondent id"), warnings
    problems = distinct_value_problems(
        frame[duplicated],
        ids[duplicated],
        column,
        "respondent id appears more than once",
        "remove the duplicate rows, or set `filters.dedupe: latest` (or `first`)",
        code="duplicate-respondent",
    )
    return reasons, problems


def dropped_duplicates(
    frame: pd.DataFrame,
    ids: pd.Series,
    duplicated: pd.Series,
    live: pd.Series,
    column: str,
    policy: str,
) -> list[Problem]:
    """A warning for each row dropped as a repeated respondent id, naming the row
    kept and saying whether the two rows hold different answers."""
    dropped = duplicated.fillna(False).astype(bool)
    if not dropped.any():
        return []
    kept_rows = frame[live & ~dropped & ids.notna()]
    kept_at = dict(zip(ids[kept_rows.index], kept_rows.index, strict=True))
    answers = [c for c in frame.columns if c not in (FILE, ROW)]
    positions = frame.index[dropped.to_numpy()]
    warnings = []
    for index in positions[:MAX_LISTED]:
        respondent = ids[index]
        kept = kept_at.get(respondent)
        if kept is None:
            continue
        same = frame.loc[index, answers].equals(frame.loc[kept, answers])
        where = _row_name(frame, kept, frame.loc[index, FILE])
        warnings.append(
            duplicate_warning(
                str(respondent),
                where,
                same,
                str(frame.loc[index, FILE]),
                int(frame.loc[index, ROW]),
                column,
                policy,
            )
        )
    if len(positions) > MAX_LISTED:
        warnings.append(
            more_duplicates_warning(
                len(positions) - MAX_LISTED,
                str(frame.loc[positions[MAX_LISTED], FILE]),
                column,
            )
        )
    return warnings


def duplicate_warning(
    respondent: str,
    where: str,
    same: bool,
    file: str,
    row: int,
    column: str,
    policy: str,
) -> Problem:
    """The warning for a row dropped as a repeat of ``respondent``, kept at ``where``."""
    return Problem(
        f"respondent id {respondent!r} also answered in {where}, which is "
        f"kept (`filters.dedupe: {policy}`); this row is dropped"
        + (" (the same answers)" if same else " although its answers differ"),
        hint="check that the two rows are the same person; give each "
        "respondent their own id, or set `filters.dedupe: error` to stop",
        file=file,
        row=row,
        column=column,
        value=respondent,
        severity="warning",
        code="duplicate-respondent",
    )


def more_duplicates_warning(more: int, file: str, column: str) -> Problem:
    """The warning that stands for the dropped rows past the first ``MAX_LISTED``."""
    return Problem(
        f"{more} more rows dropped as repeated respondent ids",
        hint="see the row accounting (`b2bcx validate`) for every row",
        file=file,
        column=column,
        severity="warning",
        code="duplicate-respondent",
    )


def _row_name(frame: pd.DataFrame, index: object, file: object) -> str:
    row = f"row {int(frame.loc[index, ROW])}"
    other = frame.loc[index, FILE]
    return row if other == file else f"{other} {row}"


def distinct_value_problems(
    rows: pd.DataFrame,
    values: pd.Series,
    column: str,
    problem: str,
    hint: str,
    severity: Severity = "error",
    *,
    code: str,
) -> list[Problem]:
    """One problem per distinct bad value, at its first row, with the row count."""
    if values.empty:
        return []
    first = rows.assign(_value=values.astype(str).to_numpy()).groupby(
        "_value", sort=False
    )
    problems = []
    for value, group in first:
        extra = f" ({len(group)} rows)" if len(group) > 1 else ""
        head = group.iloc[0]
        problems.append(
            Problem(
                f"{problem}{extra}",
                hint,
                file=str(head[FILE]),
                row=int(head[ROW]),
                column=column,
                value=str(value),
                severity=severity,
                code=code,
            )  # type: ignore[arg-type]
        )
    return problems


def merged_id_warnings(
    merged: dict[str, list[str]], column: str, source: str
) -> list[Problem]:
    """A warning per account id that differently spelled ids became (hidden BOM,
    zero-width or no-break space)."""
    return [
        Problem(
            f"account ids {', '.join(map(ascii, spellings))} differ only by invisible "
            f"characters (BOM, zero-width or no-break space) and were read as {name!r}",
            "remove the invisible characters from the ids in the source system",
            file=source,
            column=column,
            value=name,
            severity="warning",
            code="merged-account-ids",
        )
        for name, spellings in merged.items()
    ]
