"""The moments pass in Polars: a candidate pass engine, measured, not used by b2bcx.

Usage::

    .venv/bin/python benchmarks/polars_pass.py FILE [-c CONFIG] [-o OUT.parquet]
    .venv/bin/python benchmarks/polars_pass.py --check FILE      # == embedded, 1e-9
    .venv/bin/python benchmarks/polars_pass.py --in-process 3 FILE # the pass alone
    .venv/bin/python benchmarks/polars_pass.py --time 200k,1M    # whole processes

The pass reads the plan's columns with Polars' lazy ``scan_csv`` (every column as
text) on the streaming engine. Python decodes the distinct values of the answer and
role columns as the embedded pass does (:func:`b2bcx.scoring.scales._decode`, the
role map), taken from the first records (:func:`sampled`); the read takes those
columns as enums of those values, so a value the first records lacked stops it, and
a census read (distinct raw value -> count and first record, records numbered by
``row_index_name``) supplies them before the read runs again. The lookups
(``replace_strict`` on the enum codes) give item scores (reversal), then pillars
(``min_items``), the index and the NPS indicators, grouped by account x role (x
attribute value): respondents and ``n, Σx, Σx²`` of every score, the table the
DuckDB engine's query returns (``duckdb_engine.py``), so its ``_partial`` and
:func:`b2bcx.scoring.finish.finish` build the tables. Whatever would name a row (an
invalid answer, an unmapped role, odd account ids, repeated respondent ids) stops
the script: this measures the clean path only.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # duckdb_engine, run, generate, duckdb_rollup
DEFAULT_CONFIG = HERE / "data" / "bench.yaml"
SAMPLE_RECORDS = 10_000
SHOWN = ("index", "nps", "n", "coverage", "integrity", "empathy")


def _blank(name: str) -> Any:
    """The column trimmed, null when blank (as the DuckDB engine's ``_blank``)."""
    import polars as pl
    from duckdb_engine import WHITESPACE

    trimmed = pl.col(name).str.strip_chars(WHITESPACE)
    return pl.when(trimmed != "").then(trimmed)


def _weighted(parts: Sequence[Any], weights: Sequence[float], least: int) -> Any:
    """:func:`b2bcx.stats.pillars.weighted_mean` over the expressions ``parts``."""
    import polars as pl

    present = pl.sum_horizontal([x.is_not_null().cast(pl.Int32) for x in parts])
    total = pl.sum_horizontal(
        [x.fill_null(0.0) * w for x, w in zip(parts, weights, strict=True)]
    )
    weight = pl.sum_horizontal(
        [
            pl.when(x.is_not_null()).then(pl.lit(w)).otherwise(0.0)
            for x, w in zip(parts, weights, strict=True)
        ]
    )
    return pl.when(present >= max(least, 1)).then(total / weight)


def _scan(
    layout: Any, row_index: str | None = None, enums: dict[str, list[str]] | None = None
) -> Any:
    """The plan's columns as text; the columns in ``enums`` (header -> every raw
    value, known from the census) read as Polars enums, codes in that order."""
    import polars as pl

    source = layout.source
    return pl.scan_csv(
        source.path,
        separator=source.delimiter,
        quote_char='"',
        infer_schema=False,
        schema_overrides={h: pl.Enum(v) for h, v in (enums or {}).items()},
        row_index_name=row_index,
    ).select(([row_index] if row_index else []) + layout.read)


def _lookup(head: str, codes: dict[str, int], table: dict[str, Any], dtype: Any) -> Any:
    """The enum column ``head`` looked up in ``table`` (raw value -> value) on its
    codes; null for a value not in the table."""
    import polars as pl

    by_code = {codes[raw]: value for raw, value in table.items()}
    return (
        pl.col(head)
        .to_physical()
        .replace_strict(by_code, default=None, return_dtype=dtype)
    )


def census(layout: Any, names: Sequence[str]) -> dict[str, dict[str, list]]:
    """Per config column in ``names``: distinct raw value -> [count, first record]
    (records numbered from 0), from one streaming read."""
    import polars as pl

    heads = [layout.columns[n] for n in names]
    counts = (
        _scan(layout, "record")
        .select(["record", *dict.fromkeys(heads)])
        .unpivot(index="record", variable_name="column", value_name="value")
        .group_by("column", "value")
        .agg(pl.len().alias("count"), pl.col("record").min().alias("first"))
        .collect(engine="streaming")
    )
    found: dict[str, dict[str, list]] = {h: {} for h in heads}
    for head, value, count, first in counts.iter_rows():
        if value is not None:
            found[head][value] = [count, first]
    return {n: found[layout.columns[n]] for n in names}


def sampled(layout: Any, names: Sequence[str]) -> dict[str, dict[str, list]]:
    """The distinct raw values of the columns ``names`` in the first
    ``SAMPLE_RECORDS`` records (counts and first records unknown)."""
    import polars as pl

    source = layout.source
    heads = list(dict.fromkeys(layout.columns[n] for n in names))
    head = pl.read_csv(
        source.path,
        separator=source.delimiter,
        quote_char='"',
        infer_schema=False,
        columns=heads,
        n_rows=SAMPLE_RECORDS,
    )
    values = {n: head[layout.columns[n]].drop_nulls().unique() for n in names}
    return {n: {v: [] for v in found.to_list()} for n, found in values.items()}


def _score_layers(
    p: Any, layout: Any, values: dict[str, list[str]], codes: dict[str, dict[str, int]]
) -> list[list]:
    """Item and outcome scores; pillars; index and composites (three layers of
    expressions; the plan's score ``j`` is the column ``score_j``)."""
    import polars as pl
    from duckdb_engine import _decoded, _item

    from b2bcx.scoring.moments import DETRACTOR, PROMOTER, Answer

    config = p.config
    alias = {s: f"score_{j}" for j, s in enumerate(p.scores)}
    item = {a.column: f"item_{k}" for k, a in enumerate(p.items)}

    def looked_up(column: str, table: dict[str, float], name: str) -> Any:
        head = layout.columns[column]
        return _lookup(head, codes[head], table, pl.Float64).alias(name)

    def decoded(answer: Answer) -> dict[str, float]:
        table = _decoded(answer, values[answer.column])
        if table is None:
            sys.exit(
                f"{answer.column}: an invalid answer (the embedded engine names it)"
            )
        return table

    first = [
        looked_up(
            a.column, {k: _item(a, v) for k, v in decoded(a).items()}, item[a.column]
        )
        for a in p.items
    ]
    for name, answer in p.outcomes:
        table = decoded(answer)
        if name == "nps":
            promoter = {k: float(v >= 9) for k, v in table.items()}
            detractor = {k: float(v < 7) for k, v in table.items()}
            first.append(looked_up(answer.column, promoter, alias[PROMOTER]))
            first.append(looked_up(answer.column, detractor, alias[DETRACTOR]))
        else:
            plain = Answer(answer.column, answer.scale_id, answer.scale, False, ())
            scores = {k: _item(plain, v) for k, v in table.items()}
            first.append(looked_up(answer.column, scores, alias[name]))
    second = []
    for pid, pillar in config.pillars.items():
        weights = [
            config.items[i].weight if i in config.items else 1.0 for i in pillar.items
        ]
        parts = [pl.col(item[i]) for i in pillar.items]
        least = config.min_items(pid)
        second.append(_weighted(parts, weights, least).alias(alias[pid]))
    third = []
    if config.pillars:
        given = config.index.weights
        names = list(config.pillars)
        weights = [given.get(n, 1.0) if isinstance(given, dict) else 1.0 for n in names]
        parts = [pl.col(alias[n]) for n in names]
        least = math.ceil(len(names) / 2)
        third.append(_weighted(parts, weights, least).alias(alias["index"]))
    for cid, composite in config.composites.items():
        parts = [
            pl.col(alias[s] if s in config.pillars else item[s])
            for s in composite.sources
        ]
        weights = list(composite.weights or [1.0] * len(parts))
        least = math.ceil(len(parts) / 2)
        third.append(_weighted(parts, weights, least).alias(alias[cid]))
    return [first, second, third]


def _role(
    p: Any, layout: Any, values: dict[str, list[str]], codes: dict[str, dict[str, int]]
) -> Any:
    import polars as pl

    from b2bcx.scoring.prepare import _role_key

    config = p.config
    if config.roles.single:
        return pl.lit(p.roles.index(config.roles.single))
    mapped = {}
    for raw in values[config.columns.role or ""]:
        role = p.role_map.get(_role_key(raw))
        if role:
            mapped[raw] = p.roles.index(role)
    head = layout.columns[config.columns.role or ""]
    role = _lookup(head, codes[head], mapped, pl.Int64)
    if config.roles.unmapped in p.roles:
        return role.fill_null(p.roles.index(config.roles.unmapped))
    return role


def grouped(p: Any, layout: Any, counted: dict[str, dict[str, list]]) -> Any:
    """Per status x account x role (x attribute values) the respondents, answered
    statements and ``n, Σx, Σx²`` of every score (the DuckDB engine's columns).

    ``counted`` holds every raw value of the census columns (:func:`census` or
    :func:`sampled`): they are read as enums of those values, so the lookups work
    on small integer codes; a value outside them stops the read (ComputeError).
    ``ids`` lists per group the 64-bit hashes of the respondent ids of kept rows,
    as the embedded pass keeps fingerprints for the duplicate check.
    """
    import polars as pl
    from duckdb_engine import KEPT, LOST, NONE, _answer_columns

    config = p.config
    c = config.columns
    header = layout.columns
    values = {n: [v for v in found if v.strip()] for n, found in counted.items()}
    enums = {header[n]: list(found) for n, found in counted.items()}
    codes = {h: {raw: k for k, raw in enumerate(v)} for h, v in enums.items()}
    layers = _score_layers(p, layout, values, codes)
    keys = [*p.attributes, *([c.wave] if c.wave in header else [])]
    answers = _answer_columns(p)
    listed = {header[n]: [codes[header[n]][v] for v in vs] for n, vs in values.items()}
    present = {  # per column read: whether the row holds a non-blank value
        h: pl.col(h).to_physical().is_in(listed[h]).fill_null(False)
        if h in listed  # the census knows its non-blank values' codes
        else _blank(h).is_not_null()
        for h in layout.read
    }
    marks = {h: f"present_{j}" for j, h in enumerate(layout.read)}
    filled = pl.any_horizontal([pl.col(m) for m in marks.values()])
    account = _blank(header[c.account])
    role = _role(p, layout, values, codes)
    kept = account.is_not_null() & role.is_not_null()
    rows = [
        pl.when(account.is_null())
        .then(pl.lit(NONE))
        .when(role.is_null())
        .then(pl.lit(LOST))
        .otherwise(pl.lit(KEPT))
        .alias("status"),
        pl.when(kept).then(account).alias("account"),
        pl.when(kept).then(role).alias("role"),
        *(
            pl.when(kept & pl.col(marks[header[k]]))
            .then(pl.col(header[k]))
            .alias(f"key_{j}")
            for j, k in enumerate(keys)
        ),
        *(
            pl.col(marks[header[a]]).alias(f"answered_{j}")
            for j, a in enumerate(answers)
        ),
        *layers[0],
    ]
    aggregates = [pl.len().alias("respondents")]
    if c.respondent and c.respondent in header:
        ids = _blank(header[c.respondent]).hash()
        rows.append(pl.when(kept).then(ids).alias("id_hash"))
        aggregates.append(pl.col("id_hash").drop_nulls().alias("ids"))
    aggregates += [pl.col(f"answered_{j}").sum() for j in range(len(answers))]
    for j in range(len(p.scores)):
        x = pl.col(f"score_{j}")
        aggregates += [
            x.count().alias(f"n_{j}"),
            x.sum().alias(f"total_{j}"),
            (x * x).sum().alias(f"squares_{j}"),
        ]
    frame = _scan(layout, enums=enums).with_columns(
        x.alias(marks[h]) for h, x in present.items()
    )
    frame = frame.filter(filled).select(rows)
    frame = frame.with_columns(layers[1]).with_columns(layers[2])
    by = ["status", "account", "role", *(f"key_{j}" for j in range(len(keys)))]
    return frame.group_by(by).agg(aggregates).collect(engine="streaming")


def _odd_or_repeated(frame: Any) -> bool:
    """Whether a kept account id has non-ASCII characters, or two kept rows'
    respondent ids hash alike (the embedded engine then names them)."""
    import polars as pl
    from duckdb_engine import KEPT

    kept = frame.filter(pl.col("status") == KEPT)
    account = kept.get_column("account")
    if (account.str.len_bytes() != account.str.len_chars()).any():
        return True
    if "ids" not in kept.columns:
        return False
    ids = kept.get_column("ids").explode().drop_nulls()
    return ids.n_unique() < len(ids)


def polars_pass(
    path: Path, config: Any, read_census: bool = False
) -> tuple[Any, Any, list]:
    """One export through the pass in Polars: the partial, the plan and the sources.

    The labels are first decoded from the first records (:func:`sampled`); when a
    later record holds another value, or with ``read_census``, the census read
    (:func:`census`) comes first and the query runs on it.
    """
    import polars as pl
    import pyarrow as pa
    from duckdb_engine import _partial

    from b2bcx.api.streamed import streamable
    from b2bcx.scoring.engine import layouts
    from b2bcx.scoring.moments import plan

    p = plan(config)
    found = streamable([path], config)
    if found is None or found[0][0].kind != "csv":
        sys.exit(f"{path}: not a CSV export the pass can stream")
    sources = found[0]
    (layout,), missing = layouts(sources, p)
    if missing:
        sys.exit(f"{path}: missing columns")
    names = [a.column for a in p.items] + [a.column for _, a in p.outcomes]
    if not config.roles.single and config.columns.role:
        names.append(config.columns.role)
    names = list(dict.fromkeys(names))
    try:
        if read_census:
            raise pl.exceptions.ComputeError("the census first")
        frame = grouped(p, layout, sampled(layout, names))
    except pl.exceptions.ComputeError:  # a value the first records did not hold
        frame = grouped(p, layout, census(layout, names))
    if _odd_or_repeated(frame):
        sys.exit(f"{path}: odd account ids or repeated respondent ids")
    table = frame.drop("ids", strict=False).to_arrow()
    table = table.cast(
        pa.schema(
            [
                pa.field(
                    f.name, pa.string() if pa.types.is_large_string(f.type) else f.type
                )
                for f in table.schema
            ]
        )
    )
    partial = _partial(table, p, layout, 0)
    if partial is None:
        sys.exit(f"{path}: unmapped roles or conflicting attributes")
    return partial, p, sources


def account_table(path: Path, config_path: Path) -> Any:
    """The account table ``b2bcx score -o`` writes, by the Polars pass."""
    from b2bcx import api
    from b2bcx.api.streamed import Passed, _result
    from b2bcx.config.models import load_config

    config = load_config(config_path)
    total, p, sources = polars_pass(path, config)
    result = _result(Passed(total, p, sources), None, None)
    if result is None:
        sys.exit(f"{path}: the respondent path would read it")
    return api.account_output(result)


def check(path: Path, config: Path) -> int:
    """Polars' account table against the embedded engine's (``b2bcx score -o``)."""
    import os
    import subprocess
    import tempfile

    import numpy as np
    import pandas as pd

    ours = account_table(path, config)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "accounts.parquet"
        env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
        command = [sys.executable, "-m", "b2bcx", "--quiet", "score", str(path)]
        subprocess.run(
            [*command, "-c", str(config), "-o", str(out)], check=True, env=env
        )
        theirs = pd.read_parquet(out)
    merged = ours.merge(theirs, on="account", how="outer", suffixes=("", "_embedded"))
    print(
        f"{path.name}: Polars {len(ours):,} accounts, embedded {len(theirs):,}; "
        f"{len(theirs.columns) - 1} columns compared"
    )
    bad = abs(len(ours) - len(theirs)) + (len(merged) != len(ours))
    for column in theirs.columns.drop("account"):
        a, b = merged[column], merged[f"{column}_embedded"]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            a, b = a.to_numpy(float), b.to_numpy(float)
            differ = ~((np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= 1e-9))
            worst = f", largest {np.nanmax(np.abs(a - b)):.1e}"
        else:
            differ, worst = (a.astype(str) != b.astype(str)).to_numpy(), ""
        if column in SHOWN or differ.any():
            print(f"  {column:<16} {int(differ.sum())} differ{worst}")
        bad += int(differ.sum())
    return bad


def in_process(path: Path, config_path: Path, repeats: int) -> None:
    """The pass alone, in this process (census, checks, the grouped query, the
    partial), interleaved with the embedded engine's pass over the same file."""
    from b2bcx.api.streamed import run_pass
    from b2bcx.config.models import load_config
    from b2bcx.scoring.moments import plan

    config = load_config(config_path)
    passes = {
        "Polars pass (labels from the first records)": lambda: polars_pass(
            path, config
        ),
        "Polars pass (census read first)": lambda: polars_pass(path, config, True),
        "embedded pass": lambda: run_pass([path], plan(config)),
    }
    for run in passes.values():
        run()  # warm: imports, page cache
    for _ in range(repeats):
        for name, run in passes.items():
            began, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - began, time.process_time() - cpu
            print(f"{path.name}: {name} {wall:.2f} s, {cpu:.2f} CPU s")


def polars_command(python: str, csv: Path, config: Path, out: Path) -> list[str]:
    """This script writing the account table of ``csv``: what :func:`timings` times."""
    return [python, __file__, str(csv), "-c", str(config), "-o", str(out)]


def timings(sizes: Sequence[str], config: Path, repeats: int) -> None:
    """Whole processes interleaved: the embedded ``score``, the Polars pass and
    DuckDB's roll-up; medians of wall, CPU and peak RSS (``/usr/bin/time``)."""
    import os

    from duckdb_rollup import command as duckdb_command
    from generate import DATA
    from run import PYTHON, run_once, score_command

    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for size in sizes:
        csv = DATA / f"bench_{size}.csv"
        csv.read_bytes()  # into the page cache
        tools = {
            "b2bcx score (embedded)": score_command(csv, config, out / "b2bcx.parquet"),
            "Polars pass": polars_command(PYTHON, csv, config, out / "polars.parquet"),
            "DuckDB roll-up": duckdb_command(PYTHON, csv, out / "duckdb.parquet"),
        }
        runs: dict[str, list[tuple[float, int, float]]] = {t: [] for t in tools}
        names = list(tools)
        for r in range(repeats):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                runs[name].append(run_once(tools[name]))
        base = statistics.median(s for s, _, _ in runs["DuckDB roll-up"])
        print(f"\n{size}: tool | median s | min-max s | CPU s | peak MiB | vs DuckDB")
        for name, done in runs.items():
            wall = [s for s, _, _ in done]
            cpu = statistics.median(c for _, _, c in done)
            peak = max(k for _, k, _ in done) / 1024
            print(
                f"| {size} | {name} | {statistics.median(wall):.2f} | "
                f"{min(wall):.2f}-{max(wall):.2f} | {cpu:.2f} | {peak:,.0f} | "
                f"{statistics.median(wall) / base:.2f}x |"
            )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--in-process", type=int, metavar="REPEATS", default=0)
    parser.add_argument("--time", metavar="SIZES")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.time:
        timings(args.time.split(","), args.config, args.repeats)
    elif args.check:
        sys.exit(1 if check(args.file, args.config) else 0)
    elif args.in_process:
        in_process(args.file, args.config, args.in_process)
    else:
        from b2bcx.io.writers import write_table

        table = account_table(args.file, args.config)
        if args.output:
            write_table(table, args.output, sheet="Accounts")
        else:
            print(table.head())


if __name__ == "__main__":
    main()
