"""Reading inputs for the API: exports, the account list, the config."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from b2bcx.config.models import Config
from b2bcx.errors import DataError, Problem, UsageError, raise_if_errors
from b2bcx.io import ROW_COLUMN, Export, read_export, read_exports
from b2bcx.io.text import normalise_ids
from b2bcx.results import AccountMaster, Decisions
from b2bcx.scoring.accounts import NAME, amount_problems, read_amounts
from b2bcx.scoring.prepare import (
    _role_key,
    merged_id_warnings,
    resolve_columns,
    role_lookup,
)
from b2bcx.scoring.renewals import read_decisions


def load_exports(paths: Sequence[str | Path], sheet: str | int | None = None) -> Export:
    """Read and stack one or more survey exports."""
    return read_exports(list(paths), sheet=sheet)


def load_master(
    config: Config, path: str | Path | None = None, strict: bool = True
) -> AccountMaster | None:
    """The CRM account list from ``--accounts FILE`` or ``accounts.file`` in the config.

    Revenues that cannot be used (infinite, negative, larger than 1e18, not a
    number: :func:`b2bcx.scoring.accounts.read_amounts`) are errors with their
    row: raised, or with ``strict=False`` (``validate``) kept in the list's
    ``errors`` to be reported beside every other problem.
    """
    spec = config.accounts
    if path is None and (spec is None or spec.file is None):
        return None
    if spec is None:
        raise DataError(
            "--accounts needs an `accounts:` section in the config naming its id column",
            hint="add `accounts: {id: AccountId, revenue: ARR, segments: [...]}`",
        )
    source = Path(path) if path is not None else config.resolve_path(spec.file or "")
    export = read_export(source)
    names = [spec.id, spec.name, spec.revenue, spec.phase, *spec.segments]
    wanted = [n for n in names if n]
    found, problems = resolve_columns(
        wanted, list(export.frame.columns), export.aliases, str(source)
    )
    raise_if_errors(
        problems, DataError, f"{source}: the account list does not match `accounts:`"
    )
    errors: list[Problem] = []
    table = export.frame[[found[n] for n in wanted]].rename(
        columns={found[n]: n for n in wanted}
    )
    table = table.rename(columns={spec.id: "account"})
    if spec.name:
        names = table[spec.name].astype("string").str.strip()
        table[NAME] = names.mask(names == "")
        if spec.name not in (*spec.segments, spec.revenue, spec.phase):
            table = table.drop(columns=[spec.name])
    ids, merged = normalise_ids(table["account"])
    table["account"] = ids.astype(object)
    warnings = merged_id_warnings(merged, spec.id, str(source))
    duplicated = table["account"].duplicated()
    if duplicated.any():
        rows = export.frame[ROW_COLUMN].to_numpy()
        first = dict(zip(table["account"][::-1], rows[::-1], strict=True))
        dupes = [
            Problem(
                "account id listed twice",
                f"keep one row per account (it is first listed at row {first[a]})",
                file=str(source),
                row=int(row),
                column=spec.id,
                value=str(a),
                code="duplicate-account",
            )
            for a, row in zip(
                table.loc[duplicated, "account"],
                rows[duplicated.to_numpy()],
                strict=True,
            )
        ]
        raise DataError(f"{source}: the account list repeats account ids", dupes)
    if spec.revenue:
        raw = table.set_index("account")[spec.revenue]
        rows = export.frame[ROW_COLUMN].to_numpy()
        where = {a: (str(source), int(r)) for a, r in zip(raw.index, rows, strict=True)}
        amounts, ambiguous, refused = read_amounts(raw)
        problems = amount_problems(raw, ambiguous, refused, spec.revenue, where)
        errors = [p for p in problems if p.severity == "error"]
        if strict:
            raise_if_errors(errors, DataError, f"{source}: revenue cannot be read")
        warnings += [p for p in problems if p.severity != "error"]
        table[spec.revenue] = amounts.to_numpy()
    return AccountMaster(
        table.reset_index(drop=True),
        str(source),
        spec.revenue,
        tuple(spec.segments),
        tuple(warnings),
        tuple(errors),
    )


def load_decisions(config: Config, path: str | Path | None = None) -> Decisions:
    """The CRM decisions file from ``--renewals FILE`` or ``value.file``.

    Raises
    ------
    UsageError
        Neither ``path`` nor ``value.file`` names a decisions file.
    DataError
        Every bad row at once: a configured column missing, a blank account id,
        an unknown event value, a revenue that is not a number, an account
        listed twice (each with file, row, column, value and a hint).
    """
    if path is None and config.value.file is None:
        raise UsageError(
            "no decisions file: give `--renewals FILE` or `value.file` in the config",
            hint="one row per account: account id, event (1/0, yes/no, true/false or "
            "mapped text), revenue at stake",
        )
    source = (
        Path(path) if path is not None else config.resolve_path(config.value.file or "")
    )
    export = read_export(source)
    table, problems = read_decisions(export.frame, config, str(source), export.aliases)
    raise_if_errors(problems, DataError, f"{source}: the decisions file cannot be used")
    return Decisions(table, str(source))


def load_contacts(
    config: Config, path: str | Path
) -> tuple[pd.DataFrame, list[Problem]]:
    """The CRM contact list (``b2bcx chase --contacts FILE``): ``account, contact,
    role``, columns named by the config's ``contacts:`` block, roles mapped by
    ``roles.map``; a role that maps to no role keeps its text and is warned about.

    Raises
    ------
    DataError
        A column is missing, or a row has no contact or account id.
    """
    spec = config.contacts
    source = str(path)
    export = read_export(path)
    wanted = [spec.id, spec.account, spec.role]
    found, problems = resolve_columns(
        wanted, list(export.frame.columns), export.aliases, source
    )
    raise_if_errors(
        problems, DataError, f"{source}: the contact list does not match `contacts:`"
    )
    frame = export.frame
    ids, _ = normalise_ids(frame[found[spec.id]])
    accounts, _ = normalise_ids(frame[found[spec.account]])
    raw = frame[found[spec.role]].astype("string").str.strip()
    lookup = role_lookup(config)
    roles = raw.map(lambda v: lookup.get(_role_key(v), v) if pd.notna(v) else v)
    table = pd.DataFrame(
        {
            "account": accounts.astype(object),
            "contact": ids.astype(object),
            "role": roles,
        }
    )
    errors = [
        Problem(
            "the row has no contact id or no account id",
            "fill both, or delete the row",
            file=source,
            row=int(frame.at[i, "_row"]) if "_row" in frame else None,
            column=spec.id if pd.isna(table.at[i, "contact"]) else spec.account,
            code="incomplete-contact",
        )
        for i in table.index[table["contact"].isna() | table["account"].isna()]
    ]
    raise_if_errors(errors, DataError, f"{source}: the contact list has gaps")
    unknown = sorted(
        {str(r) for r in table["role"].dropna() if r not in config.role_weights}
    )
    warnings = [
        Problem(
            f"contact role {role!r} is not mapped to a role",
            "add it under `roles.map`; such contacts are listed after the mapped ones",
            file=source,
            column=spec.role,
            value=role,
            severity="warning",
            code="unmapped-role",
        )
        for role in unknown
    ]
    return table.drop_duplicates(["account", "contact"]).reset_index(
        drop=True
    ), warnings
