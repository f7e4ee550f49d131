"""Time ``b2bcx deck`` on a 500-account portfolio (target: ``--by manager`` for
5,000 accounts under a minute).

The example portfolio (148 accounts, with comments, phases, managers and a baseline)
is copied under new account ids until it holds 500 accounts, for both quarters, in
``benchmarks/data/``. Then the whole command runs as a fresh process, once for one
deck and once with ``--by manager``, and the wall time is printed.

Usage::

    .venv/bin/python benchmarks/deck.py [--accounts 500] [--repeats 1]
    .venv/bin/python benchmarks/deck.py --accounts 5000 --by-manager-only
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"
ACCOUNT = "AccountId"


def portfolio(source: Path, accounts: int) -> pd.DataFrame:
    """The example's rows copied under new ids (``ACC-0001-2``...) up to ``accounts``."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    ids = list(dict.fromkeys(frame[ACCOUNT]))
    copies = []
    for copy in range(-(-accounts // len(ids))):
        part = frame.copy()
        part[ACCOUNT] = part[ACCOUNT] + f"-{copy}"
        part["ResponseId"] = part["ResponseId"] + f"-{copy}"
        copies.append(part)
    wanted = {f"{i}-{c}" for c in range(len(copies)) for i in ids}
    keep = sorted(wanted, key=lambda a: (int(a.rsplit("-", 1)[1]), a))[:accounts]
    whole = pd.concat(copies, ignore_index=True)
    return whole[whole[ACCOUNT].isin(set(keep))]


def write_exports(accounts: int) -> tuple[Path, Path]:
    DATA.mkdir(exist_ok=True)
    paths = []
    for quarter in ("2026q3", "2026q2"):
        path = DATA / f"deck_{accounts}_{quarter}.csv"
        if not path.exists():
            portfolio(EXAMPLES / f"acme_{quarter}.csv", accounts).to_csv(
                path, index=False
            )
        paths.append(path)
    return paths[0], paths[1]


def time_deck(current: Path, baseline: Path, extra: list[str], out: Path) -> float:
    command = [
        sys.executable,
        "-m",
        "b2bcx",
        "--quiet",
        "deck",
        str(current),
        "-c",
        str(EXAMPLES / "acme.yaml"),
        "--baseline",
        str(baseline),
        "-o",
        str(out),
        *extra,
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--by-manager-only",
        action="store_true",
        help="time only --by manager (the target; one deck of 5,000 accounts is long)",
    )
    args = parser.parse_args()
    current, baseline = write_exports(args.accounts)
    rows = len(pd.read_csv(current, usecols=[ACCOUNT]))
    print(f"{args.accounts} accounts, {rows:,} respondents ({current.name})")
    with tempfile.TemporaryDirectory() as folder:
        runs = {
            "one deck": ([], Path(folder) / "deck.pptx"),
            "--by manager": (["--by", "manager"], Path(folder) / "managers"),
        }
        if args.by_manager_only:
            del runs["one deck"]
        managers = pd.read_csv(current, usecols=["AccountManager"])["AccountManager"]
        print(f"{managers.nunique()} managers (AccountManager), one deck each")
        for label, (extra, out) in runs.items():
            times = [
                time_deck(current, baseline, extra, out) for _ in range(args.repeats)
            ]
            verdict = "ok" if statistics.median(times) < 60 else "OVER the 60 s target"
            print(
                f"b2bcx deck ({label}): {statistics.median(times):.1f} s  [{verdict}]"
            )


if __name__ == "__main__":
    main()
