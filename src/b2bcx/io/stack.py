"""Several exports stacked into one: union of columns, aliases matched."""

from __future__ import annotations

import pandas as pd

from b2bcx.errors import Problem
from b2bcx.io.export import FILE_COLUMN, ROW_COLUMN, Export
from b2bcx.io.text import TEXT


def stack(exports: list[Export]) -> Export:
    """Stack exports row-wise.

    A column of a later file whose name is an alias of an earlier file's column
    (or the reverse) joins that column, so a legacy Qualtrics ``ResponseID`` and
    a current ``ResponseId`` become one column. An alias that points to
    different columns in different files keeps the first and adds a warning.
    Value labels are merged like questions (the first file's win).
    """
    if len(exports) == 1:
        return exports[0]
    columns: list[str] = []
    aliases: dict[str, str] = {}
    questions: dict[str, str] = {}
    value_labels: dict[str, dict[str, str]] = {}
    user_missing: dict[str, list[float]] = {}
    warnings: list[Problem] = []
    frames: list[pd.DataFrame] = []
    for export in exports:
        renames = _renames(export, set(columns), aliases)
        frame = export.frame.rename(columns=renames)
        frames.append(frame)
        columns += [c for c in export.data_columns if renames.get(c, c) not in columns]
        for alias, target in export.aliases.items():
            target = renames.get(target, target)
            known = aliases.setdefault(alias, target)
            if known != target and alias not in columns:
                warnings.append(_conflict(alias, known, target, export.files[0]))
        for name, text in export.questions.items():
            questions.setdefault(renames.get(name, name), text)
        for name, labels in export.value_labels.items():
            value_labels.setdefault(renames.get(name, name), labels)
        for name, codes in export.user_missing.items():
            user_missing.setdefault(renames.get(name, name), codes)
        warnings += export.warnings
    frame = pd.concat(frames, ignore_index=True, sort=False)
    frame = frame[[*columns, FILE_COLUMN, ROW_COLUMN]]
    for name in columns:
        if frame[name].dtype != TEXT:
            frame[name] = frame[name].astype(TEXT)
    layouts = {file: layout for e in exports for file, layout in e.layouts.items()}
    kinds = set(layouts.values())
    return Export(
        frame=frame,
        layout=kinds.pop() if len(kinds) == 1 else "mixed",
        aliases={a: t for a, t in aliases.items() if a not in columns},
        questions=questions,
        files=[file for e in exports for file in e.files],
        layouts=layouts,
        warnings=warnings,
        value_labels=value_labels,
        user_missing=user_missing,
    )


def _renames(
    export: Export, seen: set[str], seen_aliases: dict[str, str]
) -> dict[str, str]:
    """New column -> earlier column, for columns known under another name."""
    own = set(export.data_columns)
    renames: dict[str, str] = {}
    for column in export.data_columns:
        if column in seen:
            continue
        earlier = seen_aliases.get(column)
        if earlier is None:
            earlier = next(
                (a for a, t in export.aliases.items() if t == column and a in seen),
                None,
            )
        if earlier in seen and earlier not in own and earlier not in renames.values():
            renames[column] = earlier
    return renames


def _conflict(alias: str, known: str, other: str, file: str) -> Problem:
    return Problem(
        f"alias {alias!r} means column {known!r} in an earlier file but {other!r} here; "
        f"{alias!r} refers to {known!r}",
        hint="name the column itself in the config",
        file=file,
        column=other,
        severity="warning",
        code="conflicting-alias",
    )
