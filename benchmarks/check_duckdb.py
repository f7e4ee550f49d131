"""Check that the DuckDB query gives b2bcx's numbers (so the benchmark is fair).

Runs ``b2bcx score FILE -c bench.yaml -o accounts.parquet`` and
``duckdb_rollup.sql`` on the same export and asserts, per account, that ``n``,
``coverage``, ``index``, ``nps`` and the six pillar scores agree to 1e-9
(missing on both sides counts as agreement).

Usage::

    .venv/bin/python benchmarks/check_duckdb.py [benchmarks/data/bench_10k.csv ...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from duckdb_rollup import accounts as duckdb_accounts
from generate import DATA, PILLARS, csv_path, parse_size, write_config, write_export

COMPARED = ["n", "coverage", "index", "nps", *PILLARS]
TOLERANCE = 1e-9


def b2bcx_accounts(csv: Path, config: Path) -> pd.DataFrame:
    """b2bcx's account table for ``csv`` (written to Parquet and read back)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "accounts.parquet"
        command = [sys.executable, "-m", "b2bcx", "--quiet", "score", str(csv)]
        src = str(Path(__file__).resolve().parents[1] / "src")  # this checkout
        env = {**os.environ, "PYTHONPATH": src}
        subprocess.run(
            [*command, "-c", str(config), "-o", str(out)], check=True, env=env
        )
        return pd.read_parquet(out)


def differences(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict[str, int]:
    """Per compared column, how many accounts differ by more than the tolerance."""
    merged = ours.merge(theirs, on="account", how="outer", suffixes=("", "_duckdb"))
    bad = {}
    for column in COMPARED:
        a = merged[column].to_numpy(float)
        b = merged[f"{column}_duckdb"].to_numpy(float)
        same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= TOLERANCE)
        bad[column] = int((~same).sum())
    return bad


def check(csv: Path, config: Path) -> int:
    """Compare both; print a line per column; return the number of mismatches."""
    ours = b2bcx_accounts(csv, config)
    theirs = duckdb_accounts(csv)
    print(f"{csv.name}: b2bcx {len(ours):,} accounts, DuckDB {len(theirs):,}")
    bad = differences(ours, theirs)
    for column, count in bad.items():
        status = "ok" if count == 0 else f"{count} accounts differ"
        print(f"  {column:<16} {status}")
    return sum(bad.values()) + abs(len(ours) - len(theirs))


def main() -> None:
    config = write_config()
    paths = [Path(a) for a in sys.argv[1:]] or [csv_path(10_000)]
    for csv in paths:
        if not csv.exists() and csv.parent == DATA:
            write_export(parse_size(csv.stem.removeprefix("bench_")), csv)
        mismatches = check(csv, config)
        if mismatches:
            sys.exit(f"FAILED: {mismatches} mismatches")
        print(f"OK: DuckDB and b2bcx agree to {TOLERANCE:g} on every account")


if __name__ == "__main__":
    main()
