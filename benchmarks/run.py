"""Time ``b2bcx score`` against DuckDB and a bare ``pandas.read_csv`` (issue 7).

Every measurement is a whole process (start-up, imports, reading, writing),
timed with a wall clock; peak memory is its maximum resident set size from
``/usr/bin/time`` (else from ``getrusage(RUSAGE_CHILDREN)`` in a small wrapper
process), which also gives its CPU time (user + system, all threads). Tools are interleaved within each repeat, in a rotating
order, and the median over the repeats is reported, because other processes
share the machine.

Usage::

    .venv/bin/python benchmarks/run.py --sizes 10k,200k,1M --repeats 5
    .venv/bin/python benchmarks/run.py --sizes 5M --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from duckdb_rollup import command as duckdb_command
from generate import (
    DATA,
    RESPONDENTS_PER_ACCOUNT,
    csv_path,
    parse_size,
    size_label,
    write_config,
    write_export,
)

BIN = Path(sys.executable).parent
PYTHON = str(BIN / "python")
SRC = Path(__file__).resolve().parents[1] / "src"
# every b2bcx process runs this checkout's code, whatever is installed
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p
)
B2BCX = [PYTHON, "-m", "b2bcx"]
OUT = DATA / "out"
TIME = Path("/usr/bin/time").exists()
REPORT_SIZE = 40_000  # about 5,000 accounts at 8 respondents per account
REPORT_GROUP = "40k (5k accounts)"
STARTUP_REPEATS = 10
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[2:]).returncode; "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime} {u.ru_stime}'); "
    "sys.exit(code)"
)


@dataclass
class Measurement:
    """Repeated runs of one tool on one input."""

    size: str
    tool: str
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib) / 1024


def run_once(command: list[str]) -> tuple[float, int, float]:
    """Run a command to completion: wall seconds, peak RSS in KiB, CPU seconds."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if TIME:
            wrapped = ["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name, *command]
        else:
            wrapped = [PYTHON, "-c", RUSAGE_WRAPPER, rss.name, *command]
        began = time.perf_counter()
        done = subprocess.run(wrapped, capture_output=True, text=True)
        seconds = time.perf_counter() - began
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        peak, user, system = rss.read().strip().splitlines()[-1].split()
        return seconds, int(peak), float(user) + float(system)


def score_command(csv: Path, config: Path, out: Path) -> list[str]:
    """``b2bcx --quiet score FILE -c CONFIG -o OUT`` (--quiet is a global option)."""
    return [*B2BCX, "--quiet", "score", str(csv), "-c", str(config), "-o", str(out)]


def duckdb_engine_command(csv: Path, config: Path, out: Path) -> list[str]:
    """``duckdb_engine.py FILE -c CONFIG -o OUT``: ``score`` on the DuckDB prototype."""
    engine = Path(__file__).resolve().parent / "duckdb_engine.py"
    return [PYTHON, str(engine), str(csv), "-c", str(config), "-o", str(out)]


def size_tools(
    csv: Path, config: Path, extra: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """The commands compared on one export (``extra``: ``dask``, ``duckdb_engine``,
    ``read_csv``)."""
    tag = csv.stem
    read = f"import pandas; pandas.read_csv({str(csv)!r}"
    out = OUT / f"{tag}_b2bcx.parquet"
    tools = {
        "b2bcx score": score_command(csv, config, out),
        "b2bcx score (2 processes)": [
            "env",
            "B2BCX_WORKERS=2",
            *score_command(csv, config, out),
        ],
        "duckdb": duckdb_command(PYTHON, csv, OUT / f"{tag}_duckdb.parquet"),
    }
    if "dask" in extra:
        tools["b2bcx score --engine dask"] = [
            *score_command(csv, config, out),
            "--engine",
            "dask",
        ]
    if "duckdb_engine" in extra:
        tools["DuckDB engine (prototype)"] = duckdb_engine_command(csv, config, out)
    if "read_csv" in extra:
        tools["pandas.read_csv (c)"] = [PYTHON, "-c", read + ")"]
        tools["pandas.read_csv (pyarrow)"] = [
            PYTHON,
            "-c",
            read + ", engine='pyarrow')",
        ]
    return tools


def interleaved(
    tools: dict[str, list[str]], size: str, repeats: int
) -> list[Measurement]:
    """Run every tool ``repeats`` times, interleaved, the order rotating per repeat."""
    results = {name: Measurement(size, name) for name in tools}
    names = list(tools)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, peak, cpu = run_once(tools[name])
            results[name].seconds.append(seconds)
            results[name].peak_kib.append(peak)
            results[name].cpu.append(cpu)
            print(
                f"  {size:>5} {name:<30} {seconds:8.2f} s {cpu:8.2f} s CPU "
                f"{peak / 1024:8.0f} MiB"
            )
    return list(results.values())


def ensure_export(n: int, per_account: int = RESPONDENTS_PER_ACCOUNT) -> Path:
    """The export with ``n`` respondents (``per_account`` to an account), generated
    if missing; cached in memory."""
    path = csv_path(n, per_account)
    if not path.exists():
        print(f"generating {path} ...")
        write_export(n, path, per_account=per_account)
    path.read_bytes()  # warm the page cache: every tool then reads from memory
    return path


def bench_sizes(
    sizes: list[int],
    config: Path,
    repeats: int,
    big: int,
    extra: frozenset[str] = frozenset(),
) -> list:
    """The size table: score (both process counts), DuckDB, optional extras."""
    rows = []
    for n in sizes:
        csv = ensure_export(n)
        count = repeats if n < 5_000_000 else min(repeats, big)
        print(f"{size_label(n)}: {count} repeats")
        rows += interleaved(size_tools(csv, config, extra), size_label(n), count)
    return rows


def bench_startup(repeats: int) -> list[Measurement]:
    """``b2bcx --help`` against a bare ``import typer, rich``."""
    tools = {
        "b2bcx --help": [*B2BCX, "--help"],
        "python -c 'import typer, rich'": [PYTHON, "-c", "import typer, rich"],
    }
    print(f"start-up: {repeats} repeats")
    return interleaved(tools, "-", repeats)


def has_report() -> bool:
    """True when this b2bcx has the ``report`` command with ``--no-respondents``."""
    done = subprocess.run([*B2BCX, "report", "--help"], capture_output=True, text=True)
    return done.returncode == 0 and "--no-respondents" in done.stdout


def bench_report(config: Path, repeats: int) -> list[Measurement]:
    """``report --no-respondents`` against ``score`` on ~5,000 accounts."""
    csv = ensure_export(REPORT_SIZE)
    report = [*B2BCX, "--quiet", "report", str(csv), "-c", str(config)]
    tools = {
        "b2bcx report --no-respondents": [
            *report,
            "-o",
            str(OUT / "report.xlsx"),
            "--no-respondents",
        ],
        "b2bcx score": score_command(csv, config, OUT / "report_score.parquet"),
    }
    print(f"report: {repeats} repeats on {csv.name}")
    return interleaved(tools, REPORT_GROUP, repeats)


def find(rows: list[Measurement], size: str, tool: str) -> Measurement | None:
    return next((m for m in rows if m.size == size and m.tool == tool), None)


def results_table(rows: list[Measurement]) -> str:
    """Markdown: size, tool, median seconds, ratio vs DuckDB (or the baseline), peak MiB."""
    lines = [
        "| size | tool | runs | median s | min-max s | ratio | CPU s | peak MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in rows:
        base = find(rows, m.size, "duckdb") or _group_base(rows, m)
        ratio = m.median / base.median if base else float("nan")
        lines.append(
            f"| {m.size} | {m.tool} | {len(m.seconds)} | {m.median:.2f} "
            f"| {min(m.seconds):.2f}-{max(m.seconds):.2f} "
            f"| {ratio:.2f}x | {m.cpu_median:.2f} | {m.peak_mib:,.0f} |"
        )
    return "\n".join(lines)


def _group_base(rows: list[Measurement], m: Measurement) -> Measurement | None:
    """Start-up rows compare with the bare import; report rows with score."""
    for tool in ("python -c 'import typer, rich'", "b2bcx score"):
        found = find(rows, m.size, tool)
        if found:
            return found
    return None


def per_row(m: Measurement) -> float:
    return m.median / parse_size(m.size)


TARGETS = {"200k": (1.0, None), "1M": (1.1, 700), "5M": (1.3, 1024)}
"""size -> (score / DuckDB at most, peak MiB below)."""


def target_checks(rows: list[Measurement], report_note: str) -> list[str]:
    """The targets: met or missed, and by how much."""
    checks = [_vs_duckdb(rows, size) for size in TARGETS]
    checks += [_linear(rows), _memory(rows), _startup(rows)]
    checks.append(
        _report(rows) if report_note == "" else f"report <= 3x score: {report_note}"
    )
    return checks


def _verdict(value: float, limit: float) -> str:
    return "MET" if value <= limit else f"MISSED ({value / limit:.2f}x the limit)"


def _vs_duckdb(rows: list[Measurement], size: str) -> str:
    limit, peak = TARGETS[size]
    score, duck = find(rows, size, "b2bcx score"), find(rows, size, "duckdb")
    target = f"score <= {limit}x DuckDB" + (f", peak < {peak} MiB" if peak else "")
    if not (score and duck):
        return f"{target} at {size}: not measured"
    ratio = score.median / duck.median
    line = (
        f"{target} at {size}: {ratio:.2f}x ({score.median:.2f} s vs "
        f"{duck.median:.2f} s) -> {_verdict(ratio, limit)}"
    )
    if peak:
        line += f"; peak {score.peak_mib:,.0f} MiB -> {_verdict(score.peak_mib, peak)}"
    return line


def _linear(rows: list[Measurement]) -> str:
    sizes = [m.size for m in rows if m.tool == "duckdb"]
    scores = [find(rows, size, "b2bcx score") for size in sizes]
    base = find(rows, "200k", "b2bcx score")
    larger = [m for m in scores if m and parse_size(m.size) > 200_000]
    if not (base and larger):
        return "linear growth 200k -> 5M: not measured"
    parts = [
        f"{m.size} {per_row(m) * 1e6:.2f} us/row ({per_row(m) / per_row(base):.2f}x)"
        for m in larger
    ]
    worst = max(per_row(m) / per_row(base) for m in larger)
    return (
        f"linear growth (time per row vs 200k's {per_row(base) * 1e6:.2f} us, "
        f"allowing 1.25x): {', '.join(parts)} -> {_verdict(worst, 1.25)}"
    )


def _memory(rows: list[Measurement]) -> str:
    big = find(rows, "5M", "b2bcx score")
    if big is None:
        one = find(rows, "1M", "b2bcx score")
        guess = f"; 1M peaked at {one.peak_mib:,.0f} MiB" if one else ""
        return f"peak memory at 5M < 8 GiB: not measured{guess}"
    gib = big.peak_mib / 1024
    return f"peak memory at 5M < 8 GiB: {gib:.2f} GiB -> {_verdict(gib, 8.0)}"


def _startup(rows: list[Measurement]) -> str:
    helps = find(rows, "-", "b2bcx --help")
    bare = find(rows, "-", "python -c 'import typer, rich'")
    if not (helps and bare):
        return "--help <= 2x bare import: not measured"
    ratio = helps.median / bare.median
    return (
        f"--help <= 2x bare `import typer, rich`: {ratio:.2f}x "
        f"({helps.median:.3f} s vs {bare.median:.3f} s) -> {_verdict(ratio, 2.0)}"
    )


def _report(rows: list[Measurement]) -> str:
    report = find(rows, REPORT_GROUP, "b2bcx report --no-respondents")
    score = find(rows, REPORT_GROUP, "b2bcx score")
    if not (report and score):
        return "report <= 3x score: not measured"
    ratio = report.median / score.median
    return (
        f"report (--no-respondents) <= 3x score at ~5,000 accounts: {ratio:.2f}x "
        f"({report.median:.2f} s vs {score.median:.2f} s) -> {_verdict(ratio, 3.0)}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,200k,1M", help="e.g. 10k,200k,1M,5M")
    parser.add_argument("--repeats", type=int, default=5, help="runs per tool and size")
    parser.add_argument(
        "--big-repeats", type=int, default=2, help="runs at 5M and above"
    )
    parser.add_argument("--no-startup", action="store_true", help="skip --help timing")
    parser.add_argument("--no-report", action="store_true", help="skip report timing")
    parser.add_argument(
        "--extra",
        default="",
        help="also time: dask (score --engine dask), duckdb_engine (the DuckDB "
        "prototype, duckdb_engine.py), read_csv (bare pandas reads)",
    )
    parser.add_argument("--json", type=Path, default=DATA / "results.json")
    parser.add_argument(
        "--from-json", type=Path, help="print the table of a saved run, run nothing"
    )
    return parser.parse_args()


def show(rows: list[Measurement], report_note: str) -> None:
    """Print the results table and the target checks."""
    print(
        "median of repeats (wall clock); ratio vs DuckDB, or vs the bare import / "
        "score; CPU = median user+system seconds; peak = max RSS over repeats\n\n"
        f"{results_table(rows)}\n"
    )
    for line in target_checks(rows, report_note):
        print(f"- {line}")


def main() -> None:
    args = parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        show([Measurement(**m) for m in saved], "")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    config = write_config()
    load = os.getloadavg()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    extra = frozenset(e.strip() for e in args.extra.split(",") if e.strip())
    rows = bench_sizes(sizes, config, args.repeats, args.big_repeats, extra)
    if not args.no_startup:
        rows += bench_startup(STARTUP_REPEATS)
    report_note = "skipped (--no-report)" if args.no_report else ""
    if not args.no_report:
        if has_report():
            rows += bench_report(config, min(args.repeats, 3))
        else:
            report_note = "not measured: this b2bcx has no `report --no-respondents`"
    print(f"\nload average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    show(rows, report_note)
    args.json.write_text(json.dumps([asdict(m) for m in rows], indent=1))
    print(f"\nraw timings: {args.json}")


if __name__ == "__main__":
    main()
