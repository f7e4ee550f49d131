"""Key drivers at portfolio scale: the account bootstrap from merged cross-products.

Times ``key_drivers(..., cluster="account")`` (per-account sums Σ x xᵀ, then each
bootstrap resample is one weights-times-matrices product) on synthetic pillar
scores: 200k respondents in 5,000 accounts, six drivers and an outcome, 1,000
resamples. With ``--against REV`` it also times the drivers module of that git
revision (e.g. ``main`` before this change, which reweighted every row per
resample) on the same data and checks both give the same table.

With ``--command SIZE`` it times whole ``b2bcx drivers --by role`` processes on
the benchmark export of that size (benchmarks/generate.py), by the streaming pass
and by the respondent path (the pass refused), interleaved, the median of
``--repeats`` runs each with the peak resident memory, and checks both print the
same table to 1e-9.

Usage::

    .venv/bin/python benchmarks/drivers.py [--respondents 200000] [--accounts 5000]
        [--bootstrap 1000] [--method rwa] [--against REV]
    .venv/bin/python benchmarks/drivers.py --command 200k [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from b2bcx.stats import drivers as current

DRIVERS = [f"P{i}" for i in range(1, 7)]


def scores(respondents: int, accounts: int, seed: int = 7) -> pd.DataFrame:
    """Pillar scores 0..100 with an account effect and ~2% missing answers."""
    rng = np.random.default_rng(seed)
    account = rng.integers(0, accounts, size=respondents)
    effect = rng.normal(scale=6, size=(accounts, 1))[account]
    latent = rng.normal(size=(respondents, 6)) @ rng.normal(size=(6, 6)) * 5
    outcome = latent @ rng.uniform(0.2, 1, size=6) + rng.normal(
        scale=15, size=respondents
    )
    values = np.column_stack([latent, outcome]) + 60 + effect
    values[rng.random(values.shape) < 0.02] = np.nan
    frame = pd.DataFrame(np.clip(values, 0, 100), columns=[*DRIVERS, "nps"])
    return frame.assign(account=[f"A{a:05d}" for a in account])


def module_at(revision: str) -> ModuleType:
    """``b2bcx.stats.drivers`` as it was at a git revision."""
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(
        ["git", "show", f"{revision}:src/b2bcx/stats/drivers.py"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "drivers_at_revision.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("drivers_at_revision", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed(
    module: ModuleType, frame: pd.DataFrame, args: argparse.Namespace
) -> tuple[float, pd.DataFrame]:
    start = time.perf_counter()
    result = module.key_drivers(
        frame,
        DRIVERS,
        "nps",
        method=args.method,
        bootstrap=args.bootstrap,
        seed=2011,
        cluster="account",
    )
    return time.perf_counter() - start, result.table


ROWS_ONLY = (
    "import sys, b2bcx.api.streamed as s; s.streamable = lambda *a, **k: None; "
    "from b2bcx.cli import main; sys.argv = ['b2bcx', *sys.argv[1:]]; main()"
)


def command_run(streamed: bool, args: list[str]) -> tuple[float, float, str]:
    """One whole ``b2bcx`` process: wall seconds, peak MiB (0 without
    /usr/bin/time) and its stdout."""
    python = [sys.executable] + (["-m", "b2bcx"] if streamed else ["-c", ROWS_ONLY])
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    done = subprocess.run(
        [*timer, *python, *args], capture_output=True, text=True, env=env, check=True
    )
    seconds = time.perf_counter() - start
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024 if timer else 0.0
    return seconds, peak, done.stdout


def commands(size: str, repeats: int, bootstrap: int) -> None:
    """Time ``b2bcx drivers`` by the pass and by the respondent path."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import csv_path, parse_size, write_config, write_export

    n = parse_size(size)
    export = csv_path(n)
    config = write_config()
    if not export.exists():
        write_export(n, export)
    args = ["--quiet", "drivers", str(export), "-c", str(config), "--by", "role"]
    args += ["--bootstrap", str(bootstrap), "-f", "csv"]
    runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    tables: dict[bool, str] = {}
    for k in range(repeats):
        for streamed in (True, False) if k % 2 == 0 else (False, True):
            seconds, peak, out = command_run(streamed, args)
            runs[streamed].append((seconds, peak))
            tables[streamed] = out
    for streamed, label in ((True, "streaming pass"), (False, "respondent path")):
        seconds = statistics.median(s for s, _ in runs[streamed])
        peak = max(p for _, p in runs[streamed])
        print(
            f"b2bcx drivers --by role, {label:>15}: {seconds:6.2f} s, {peak:6.0f} MiB"
        )
    new, old = (pd.read_csv(StringIO(tables[s])) for s in (True, False))
    numbers = new.select_dtypes("number").columns
    gap = np.nanmax(np.abs(new[numbers].to_numpy() - old[numbers].to_numpy()))
    print(f"largest difference in the table: {gap:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--bootstrap", type=int, default=1_000)
    parser.add_argument("--method", default="rwa", choices=["rwa", "shapley"])
    parser.add_argument("--against", metavar="REV")
    parser.add_argument("--command", metavar="SIZE")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.command:
        commands(args.command, args.repeats, args.bootstrap)
        return
    frame = scores(args.respondents, args.accounts)
    print(
        f"{args.respondents:,} respondents, {args.accounts:,} accounts, "
        f"{len(DRIVERS)} drivers, {args.method}, {args.bootstrap} resamples"
    )
    seconds, table = timed(current, frame, args)
    print(f"this checkout (merged cross-products): {seconds:6.2f} s")
    if args.against:
        before, old = timed(module_at(args.against), frame, args)
        print(f"{args.against} (rows reweighted per resample): {before:6.2f} s")
        columns = ["importance", "ci_low", "ci_high", "performance"]
        gap = np.abs(table[columns].to_numpy() - old[columns].to_numpy()).max()
        print(f"largest difference in the table: {gap:.2e}")


if __name__ == "__main__":
    main()
