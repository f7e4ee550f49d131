"""The DuckDB engine (a prototype, measured, not part of b2bcx): the moments pass as
SQL that DuckDB runs on all cores, finished by the same
:mod:`b2bcx.scoring.finish` (benchmarks/README.md).

Usage::

    .venv/bin/python benchmarks/duckdb_engine.py FILE... [-c CONFIG] -o OUT.parquet

scores the exports as ``b2bcx score FILE... -c CONFIG -o OUT.parquet`` does, with
this engine registered (:func:`register`) as ``duckdb`` in
:mod:`b2bcx.scoring.engines` and asked for: ``run.py --extra duckdb_engine`` times
that command. It was b2bcx's ``--engine duckdb`` until it moved here: it is not
the default and not faster on this machine than the embedded engine.

A first query lists the distinct answers of the statement, outcome and role
columns; Python decodes each one exactly as the pass does (labels, missing codes,
reversal, the role map) and writes the lookups into a second query, which reads
the plan's columns and returns per account × role (× wave and attribute values)
the respondents and, for every score, ``n, Σx, Σx²``. Pillars, index and
composites are the weighted means of :mod:`b2bcx.stats.pillars` written in SQL.

DuckDB does not number CSV records, so whatever must name a row is left to the
embedded engine: :func:`run_duckdb` returns None (the engine hands the pass back)
for invalid answers, unmapped roles under ``unmapped: error``, conflicting account
attributes, repeated respondent ids, account ids with non-ASCII characters,
several waves, Parquet exports and unreadable files.

b2bcx never imports this module or DuckDB (import-linter holds that).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from b2bcx.config.models import Config
from b2bcx.io.text import CONTROL_CHARACTERS
from b2bcx.scoring import engines
from b2bcx.scoring.engine import PART_STRIDE, Layout
from b2bcx.scoring.engines import Engine, Progress, Ran
from b2bcx.scoring.moments import (
    DETRACTOR,
    NO_ACCOUNT,
    PROMOTER,
    UNMAPPED,
    Answer,
    Partial,
    Plan,
    merge,
)
from b2bcx.scoring.prepare import _role_key
from b2bcx.scoring.scales import _decode

WHITESPACE = " \t\n\r\x0b\x0c"
KEPT, NONE, LOST = "kept", "no account", "unmapped"


def _name(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _blank(expression: str) -> str:
    """The text trimmed, NULL when blank (empty or whitespace); trimming only the
    values that need it (DuckDB's trim of a character set is slow)."""
    edge = _text(f"^[{WHITESPACE}]|[{WHITESPACE}]$")
    return (
        f"CASE WHEN regexp_matches({expression}, {edge}) "
        f"THEN nullif(trim({expression}, {_text(WHITESPACE)}), '') "
        f"ELSE nullif({expression}, '') END"
    )


def _present(expression: str, values: Sequence[str]) -> str:
    """Whether the column holds one of its non-blank ``values`` (known in advance)."""
    if not values:
        return "false"
    return f"coalesce({expression} IN ({', '.join(map(_text, values))}), false)"


def _number(value: float) -> str:
    return repr(float(value))


def _case(column: str, table: dict[str, float]) -> str:
    """``column`` looked up in ``table`` (raw value -> number), else NULL."""
    if not table:
        return "CAST(NULL AS DOUBLE)"
    whens = " ".join(
        f"WHEN {_text(raw)} THEN {_number(value)}" for raw, value in table.items()
    )
    return f"CASE {column} {whens} END"


def _weighted(parts: Sequence[str], weights: Sequence[float], least: int) -> str:
    """SQL of :func:`b2bcx.stats.pillars.weighted_mean` over ``parts``."""
    present = " + ".join(f"CAST({x} IS NOT NULL AS INTEGER)" for x in parts)
    total = " + ".join(
        f"coalesce({x}, 0.0) * {_number(w)}"
        for x, w in zip(parts, weights, strict=True)
    )
    weight = " + ".join(
        f"CASE WHEN {x} IS NOT NULL THEN {_number(w)} ELSE 0.0 END"
        for x, w in zip(parts, weights, strict=True)
    )
    return (
        f"CASE WHEN ({present}) >= {max(least, 1)} "
        f"THEN ({total}) / nullif({weight}, 0.0) END"
    )


def _source(layout: Layout) -> str:
    source = layout.source
    columns = ", ".join(f"{_text(c)}: 'VARCHAR'" for c in source.columns)
    return (
        f"read_csv({_text(str(source.path))}, header = true, auto_detect = false, "
        f"delim = {_text(source.delimiter)}, quote = '\"', escape = '\"', "
        f"columns = {{{columns}}})"
    )


def _distinct(
    connection: _Connection, layout: Layout, p: Plan, names: Sequence[str]
) -> tuple[dict[str, list[str]], bool, bool]:
    """Distinct non-blank values of the config columns ``names``, whether an
    account id has non-ASCII characters or a cell control characters (the
    embedded engine's reader replaces them), and whether a respondent id repeats
    among the rows with an account (one read of the file)."""
    c = p.config.columns
    account = _name(layout.columns[c.account])
    lists = [f"list(DISTINCT {_name(layout.columns[n])})" for n in names]
    repeats = "0"
    if c.respondent and c.respondent in layout.columns:
        ids = _blank(_name(layout.columns[c.respondent]))
        live = f"FILTER (WHERE {_blank(account)} IS NOT NULL)"
        repeats = f"count({ids}) {live} - count(DISTINCT {ids}) {live}"
    every = ", ".join(_name(c) for c in layout.read)
    controls = f"regexp_matches(concat_ws('', {every}), {_text(CONTROL_CHARACTERS)})"
    query = (
        f"SELECT bool_or(strlen({account}) <> length({account}) OR {controls}), "
        f"{repeats}, {', '.join(lists) or 'NULL'} FROM {_source(layout)}"
    )
    row = connection.row(query)
    found = {
        n: [v for v in (row[k + 2] or []) if v is not None and v.strip()]
        for k, n in enumerate(names)
    }
    return found, bool(row[0]), bool(row[1])


class _Connection:
    """A DuckDB connection and the config's account column."""

    def __init__(self, config: Config) -> None:
        self.duckdb = duckdb.connect()

    def row(self, query: str) -> tuple[Any, ...]:
        """The one row of an aggregate query."""
        return tuple(self.duckdb.execute(query).fetchall()[0])

    def table(self, query: str) -> pa.Table:
        return self.duckdb.sql(query).to_arrow_table()


def _decoded(answer: Answer, values: Sequence[str]) -> dict[str, float] | None:
    """Raw answer -> scale value (missing codes left out); None when one is invalid."""
    table = {}
    for raw in values:
        value = _decode(raw, answer.scale, answer.lookup)
        if value is None:
            return None
        if not math.isnan(value):
            table[raw] = value
    return table


def _item(answer: Answer, value: float) -> float:
    score = 100.0 * (value - answer.scale.lo) / (answer.scale.hi - answer.scale.lo)
    return 100.0 - score if answer.reverse else score


def _score_sql(
    p: Plan, layout: Layout, values: dict[str, list[str]]
) -> list[list[str]] | None:
    """The scores of the plan as three layers of SQL (items and outcomes; pillars;
    index and composites), each column computed once; the score ``j`` of the plan
    is the column ``score_j``. None when an answer is invalid."""
    config = p.config
    decoded = {}
    for answer in [*p.items, *(a for _, a in p.outcomes)]:
        table = _decoded(answer, values[answer.column])
        if table is None:
            return None
        decoded[id(answer)] = table
    alias = {s: f"score_{j}" for j, s in enumerate(p.scores)}
    item = {a.column: f"item_{k}" for k, a in enumerate(p.items)}
    first = [
        _case(
            _name(layout.columns[a.column]),
            {k: _item(a, v) for k, v in decoded[id(a)].items()},
        )
        + f" AS {item[a.column]}"
        for a in p.items
    ]
    for name, answer in p.outcomes:
        column = _name(layout.columns[answer.column])
        table = decoded[id(answer)]
        if name == "nps":
            promoter = {k: float(v >= 9) for k, v in table.items()}
            detractor = {k: float(v < 7) for k, v in table.items()}
            first.append(f"{_case(column, promoter)} AS {alias[PROMOTER]}")
            first.append(f"{_case(column, detractor)} AS {alias[DETRACTOR]}")
        else:
            plain = Answer(answer.column, answer.scale_id, answer.scale, False, ())
            scores = {k: _item(plain, v) for k, v in table.items()}
            first.append(f"{_case(column, scores)} AS {alias[name]}")
    second = []
    if p.agreement:  # agreement: statements of respondents who answered them all
        whole = " AND ".join(f"{item[c]} IS NOT NULL" for c in p.agreement)
        for k, column in enumerate(p.agreement):
            second.append(f"CASE WHEN {whole} THEN {item[column]} END AS agree_{k}")
    for pid, pillar in config.pillars.items():
        weights = [
            config.items[i].weight if i in config.items else 1.0 for i in pillar.items
        ]
        parts = [item[i] for i in pillar.items]
        second.append(
            f"{_weighted(parts, weights, config.min_items(pid))} AS {alias[pid]}"
        )
    third = []
    if config.pillars:
        given = config.index.weights
        names = list(config.pillars)
        weights = [given.get(n, 1.0) if isinstance(given, dict) else 1.0 for n in names]
        least = math.ceil(len(names) / 2)
        parts = [alias[n] for n in names]
        third.append(f"{_weighted(parts, weights, least)} AS {alias['index']}")
    for cid, composite in config.composites.items():
        parts = [
            alias[s] if s in config.pillars else item[s] for s in composite.sources
        ]
        weights = list(composite.weights or [1.0] * len(parts))
        least = math.ceil(len(parts) / 2)
        third.append(f"{_weighted(parts, weights, least)} AS {alias[cid]}")
    return [first, second, third]


def _role_sql(p: Plan, layout: Layout, values: dict[str, list[str]]) -> str:
    config = p.config
    if config.roles.single:
        return str(p.roles.index(config.roles.single))
    mapped = {}
    for raw in values[config.columns.role or ""]:
        role = p.role_map.get(_role_key(raw))
        if role:
            mapped[raw] = float(p.roles.index(role))
    column = _name(layout.columns[config.columns.role or ""])
    case = _case(column, mapped)
    if config.roles.unmapped in p.roles:
        return f"coalesce({case}, {p.roles.index(config.roles.unmapped)})"
    return case


def _query(p: Plan, layout: Layout, values: dict[str, list[str]]) -> str | None:
    """The moments of one export as one aggregate query, or None."""
    config = p.config
    c = config.columns
    layers = _score_sql(p, layout, values)
    if layers is None:
        return None
    header = layout.columns
    account = _blank(_name(header[c.account]))
    listed = {layout.columns[n]: v for n, v in values.items()}
    filled = " OR ".join(
        _present(_name(h), listed[h])
        if h in listed
        else f"{_blank(_name(h))} IS NOT NULL"
        for h in layout.read
    )
    keys = [*p.attributes, *([c.wave] if c.wave in header else [])]
    answers = _answer_columns(p)
    rows = [
        f"{account} AS account",
        f"{_role_sql(p, layout, values)} AS role",
        *(
            f"{_blank(_name(header[k]))} IS NULL AS blank_{j}"
            for j, k in enumerate(keys)
        ),
        *(f"{_name(header[k])} AS raw_{j}" for j, k in enumerate(keys)),
        *(
            f"{_present(_name(header[a]), values[a])} AS answered_{j}"
            for j, a in enumerate(answers)
        ),
        *layers[0],
    ]
    status = (
        f"CASE WHEN account IS NULL THEN {_text(NONE)} "
        f"WHEN role IS NULL THEN {_text(LOST)} ELSE {_text(KEPT)} END"
    )
    kept = "account IS NOT NULL AND role IS NOT NULL"  # other rows: one group each
    grouped = [
        f"{status} AS status",
        f"CASE WHEN {kept} THEN account END AS account",
        f"CASE WHEN {kept} THEN role END AS role",
    ]
    grouped += [
        f"CASE WHEN {kept} AND NOT blank_{j} THEN raw_{j} END AS key_{j}"
        for j in range(len(keys))
    ]
    aggregates = ["count(*) AS respondents"]
    aggregates += [
        f"count_if(answered_{j}) AS answered_{j}" for j in range(len(answers))
    ]
    for j in range(len(p.scores)):
        aggregates += [
            f"count(score_{j}) AS n_{j}",
            f"sum(score_{j}) AS total_{j}",
            f"sum(score_{j} * score_{j}) AS squares_{j}",
        ]
    if p.agreement:
        aggregates.append("count(agree_0) AS agree_n")
        for k in range(len(p.agreement)):
            aggregates += [
                f"sum(agree_{k}) AS agree_sum_{k}",
                f"sum(agree_{k} * agree_{k}) AS agree_square_{k}",
            ]
    layered = [f"l2 AS (SELECT *{''.join(', ' + x for x in layers[1])} FROM l1)"]
    layered += [f"l3 AS (SELECT *{''.join(', ' + x for x in layers[2])} FROM l2)"]
    return (
        f"WITH l1 AS (SELECT {', '.join(rows)} FROM {_source(layout)} "
        f"WHERE {filled}), {', '.join(layered)} "
        f"SELECT {', '.join(grouped + aggregates)} FROM l3 GROUP BY ALL"
    )


def _answer_columns(p: Plan) -> list[str]:
    return list(
        dict.fromkeys([a.column for a in p.items] + [a.column for _, a in p.outcomes])
    )


def _numbers(table: pa.Table, name: str, rows: np.ndarray) -> np.ndarray:
    column = pc.fill_null(table.column(name).cast(pa.float64()), 0.0)
    return np.asarray(column.to_numpy(), float)[rows]


def _partial(table: pa.Table, p: Plan, layout: Layout, number: int) -> Partial | None:
    """The partial of one export from its aggregate rows, or None."""
    config = p.config
    c = config.columns
    out = Partial.empty(p)
    status = np.asarray(table.column("status").to_numpy(zero_copy_only=False), object)
    respondents = _numbers(table, "respondents", np.arange(table.num_rows))
    lost, none = (int(respondents[status == k].sum()) for k in (LOST, NONE))
    if lost and config.roles.unmapped != "ignore":
        return None  # unmapped: error - the respondent path names each value
    out.excluded = {k: v for k, v in ((NO_ACCOUNT, none), (UNMAPPED, lost)) if v}
    out.rows = int(respondents.sum())
    rows = np.flatnonzero(status == KEPT)
    kept = table.take(pa.array(rows)) if len(rows) < table.num_rows else table
    rows = np.arange(kept.num_rows)
    distinct = pc.unique(kept.column("account"))
    accounts = distinct.take(pc.sort_indices(distinct))
    code = np.asarray(
        pc.index_in(kept.column("account"), accounts).to_numpy(), np.int64
    )
    roles = len(p.roles)
    cell = code * roles + _numbers(kept, "role", rows).astype(np.int64)
    cells, shape = len(accounts) * roles, (len(accounts), roles)
    out.accounts = pa.array(accounts, pa.string())
    counts = _numbers(kept, "respondents", rows)
    out.count = np.bincount(cell, counts, cells).reshape(shape)
    k = len(p.scores)
    out.n, out.total, out.squares = (np.zeros((*shape, k)) for _ in range(3))
    for j in range(k):
        for name, target in (
            ("n", out.n),
            ("total", out.total),
            ("squares", out.squares),
        ):
            sums = np.bincount(cell, _numbers(kept, f"{name}_{j}", rows), cells)
            target[:, :, j] = sums.reshape(shape)
    if p.agreement:  # per account: the roles' sums added together
        size = len(accounts)
        out.agree_n = np.bincount(code, _numbers(kept, "agree_n", rows), size)
        out.agree_sums, out.agree_squares = (
            np.zeros((size, len(p.agreement))) for _ in "sq"
        )
        for k in range(len(p.agreement)):
            for name, per_account in (
                ("agree_sum", out.agree_sums),
                ("agree_square", out.agree_squares),
            ):
                per_account[:, k] = np.bincount(
                    code, _numbers(kept, f"{name}_{k}", rows), size
                )
    answers = _answer_columns(p)
    out.answered = {
        a: int(_numbers(kept, f"answered_{j}", rows).sum())
        for j, a in enumerate(answers)
    }
    keys = [*p.attributes, *([c.wave] if c.wave in layout.columns else [])]
    for j, column in enumerate(keys):
        chosen = kept.select(["account", f"key_{j}", "respondents"])
        present = chosen.filter(pc.is_valid(chosen.column(f"key_{j}")))
        counts = present.group_by(["account", f"key_{j}"]).aggregate(
            [("respondents", "sum")]
        )
        values = counts.column(f"key_{j}").to_pylist()
        if column == c.wave:
            out.waves = {str(v).strip() for v in values}
            continue
        owners = counts.column("account")
        if len(pc.unique(owners)) < len(owners):
            return None  # conflicting attributes: their first rows are named
        vocabulary = {v: i for i, v in enumerate(dict.fromkeys(values))}
        out.vocabulary[column] = vocabulary
        out.attributes[column] = {
            "account": np.asarray(pc.index_in(owners, accounts).to_numpy(), np.int64),
            "value": np.array([vocabulary[v] for v in values], np.int64),
            "count": np.asarray(counts.column("respondents_sum").to_numpy(), np.int64),
            "first": np.zeros(len(values), np.int64),
        }
    kept_rows = int(out.count.sum())
    out.parts[number * PART_STRIDE] = (layout.source.label, out.rows, kept_rows)
    return out


def _repeats(connection: _Connection, layouts: Sequence[Layout], p: Plan) -> bool:
    """Whether a respondent id repeats among the rows with an account (all files)."""
    c = p.config.columns
    if not c.respondent:
        return False
    selects = [
        f"SELECT {_blank(_name(lay.columns[c.respondent]))} AS id FROM {_source(lay)} "
        f"WHERE {_blank(_name(lay.columns[c.account]))} IS NOT NULL"
        for lay in layouts
        if c.respondent in lay.columns
    ]
    if not selects:
        return False
    row = connection.row(
        f"SELECT count(id) - count(DISTINCT id) FROM ({' UNION ALL '.join(selects)})"
    )
    return bool(row[0])


def _conflicting(total: Partial) -> bool:
    return any(
        len(np.unique(entries["account"])) < len(entries["account"])
        for entries in total.attributes.values()
    )


def run_duckdb(layouts: Sequence[Layout], p: Plan) -> Partial | None:
    """Every export through the pass in DuckDB; the merged partial, or None when
    the embedded engine must run the pass (see the module notes)."""
    if any(layout.source.kind != "csv" for layout in layouts):
        return None
    config = p.config
    connection = _Connection(config)
    names = [a.column for a in p.items] + [a.column for _, a in p.outcomes]
    if not config.roles.single and config.columns.role:
        names.append(config.columns.role)
    total = Partial.empty(p)
    try:
        if len(layouts) > 1 and _repeats(connection, layouts, p):
            return None  # across files (within a file: found by _distinct)
        for number, layout in enumerate(layouts):
            values, odd, repeats = _distinct(
                connection, layout, p, list(dict.fromkeys(names))
            )
            query = None if odd or repeats else _query(p, layout, values)
            if query is None:
                return None
            result = connection.table(query)
            partial = _partial(result, p, layout, number)
            if partial is None:
                return None
            total = merge(total, partial)
        if _conflicting(total):
            return None  # across files: their first rows are named
    except duckdb.Error:
        return None  # a malformed file: the embedded engine says where
    finally:
        connection.duckdb.close()
    return total


class DuckDB(Engine):
    """:func:`run_duckdb` as an engine of :mod:`b2bcx.scoring.engines`: it reads
    CSV and hands the pass back to the embedded engine whenever a row must be
    named (it does not number rows)."""

    name = "duckdb"
    summary = "in DuckDB (a prototype)"
    numbers_rows = False

    def run(
        self,
        layouts: Sequence[Layout],
        p: Plan,
        *,
        scheduler: str | None = None,
        progress: Progress | None = None,
    ) -> Ran | None:
        total = run_duckdb(layouts, p)
        return None if total is None else (total, None)


def register() -> str:
    """Register the prototype as ``duckdb``; returns the name to ask for."""
    return engines.register(DuckDB()).name


def main() -> None:
    """Score the exports on the prototype and write the account table (as
    ``b2bcx score FILE... -c CONFIG -o OUT.parquet``)."""
    import argparse
    import sys
    from pathlib import Path

    from b2bcx import api
    from b2bcx.config.models import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=Path(__file__).resolve().parent / "data" / "bench.yaml",
    )
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    config = load_config(args.config)
    said: list[str] = []
    result = api.score_files(args.files, config, engine=register(), notice=said.append)
    for line in said:
        print(line, file=sys.stderr)
    if result is None:
        sys.exit("the moments pass does not apply to these exports")
    api.account_output(result).to_parquet(args.output, index=False)


if __name__ == "__main__":
    main()
