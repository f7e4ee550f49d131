"""Run ``duckdb_rollup.sql`` on an export: the DuckDB side of the benchmark.

Usage::

    .venv/bin/python benchmarks/duckdb_rollup.py benchmarks/data/bench_10k.csv out.parquet

The runner (``run.py``) times the same thing as ``python -c`` (see
:func:`command`), so that the process does no more than import duckdb and run
the one query.
"""

from __future__ import annotations

import sys
from pathlib import Path

SQL_FILE = Path(__file__).resolve().parent / "duckdb_rollup.sql"


def _quoted(path: str | Path) -> str:
    """A path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def rollup_sql(csv: str | Path) -> str:
    """The roll-up query for one export."""
    text = SQL_FILE.read_text()
    return text.replace("'__CSV__'", _quoted(csv))


def copy_sql(csv: str | Path, out: str | Path) -> str:
    """The roll-up written to ``out`` as Parquet."""
    return f"COPY ({rollup_sql(csv)}) TO {_quoted(out)} (FORMAT parquet)"


def accounts(csv: str | Path):
    """The roll-up as a pandas DataFrame (one row per account)."""
    import duckdb

    return duckdb.sql(rollup_sql(csv)).df()


def command(python: str, csv: str | Path, out: str | Path) -> list[str]:
    """``python -c`` running the query and writing Parquet: what run.py times."""
    code = (
        f"import duckdb; sql = open({str(SQL_FILE)!r}).read()"
        f".replace(\"'__CSV__'\", {_quoted(csv)!r}); "
        f"duckdb.execute('COPY (' + sql + ') TO ' + {_quoted(out)!r}"
        " + ' (FORMAT parquet)')"
    )
    return [python, "-c", code]


def main() -> None:
    import duckdb

    csv, out = sys.argv[1:3]
    duckdb.execute(copy_sql(csv, out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
