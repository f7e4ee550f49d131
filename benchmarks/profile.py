"""Where ``b2bcx score`` (and ``report``) spend their time: cProfile, in-process.

Runs the CLI in this process on the 200k export (``score``) and on the ~5,000
account export (``report --no-respondents``), and prints the top lines by
cumulative time. Paths are shortened (``site-packages/`` and ``src/`` removed).

Usage::

    .venv/bin/python benchmarks/profile.py [--size 200k] [--top 25] [--pyinstrument]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shadows the standard library's `profile`, which cProfile imports:
# look in this folder last.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402

from generate import csv_path, parse_size, write_config, write_export  # noqa: E402

REPORT_SIZE = 40_000


def export(n: int) -> Path:
    """The export with ``n`` respondents, generated if missing."""
    path = csv_path(n)
    if not path.exists():
        write_export(n, path)
    return path


def cli_args(command: str, csv: Path, config: Path, folder: Path) -> list[str]:
    """Arguments of ``b2bcx`` for ``score`` or ``report``."""
    if command == "score":
        out = folder / "accounts.parquet"
        return ["--quiet", "score", str(csv), "-c", str(config), "-o", str(out)]
    out = folder / "report.xlsx"
    args = ["--quiet", "report", str(csv), "-c", str(config), "-o", str(out)]
    return [*args, "--no-respondents"]


def run_cli(args: list[str]) -> None:
    """``b2bcx ARGS`` in this process (no sys.exit)."""
    from b2bcx.cli import app

    app(args, standalone_mode=False)


def has_command(name: str) -> bool:
    """True when the CLI has the command ``name``."""
    import typer.main

    from b2bcx.cli import app

    return name in typer.main.get_command(app).commands  # type: ignore[attr-defined]


def shorten(text: str) -> str:
    """Drop long path prefixes from profile lines."""
    text = text.replace(str(HERE) + "/", "benchmarks/")
    text = re.sub(r"\S*/site-packages/", "", text)
    text = re.sub(r"\S*/src/b2bcx/", "b2bcx/", text)
    return re.sub(r"\S*/lib/python3\.\d+/", "", text)


def cprofile(args: list[str], top: int) -> str:
    """Top ``top`` functions by cumulative time (all, then b2bcx's), and by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(run_cli, args)
    sections = [
        ("cumulative", "cumulative", ()),
        ("cumulative, b2bcx functions only", "cumulative", ("b2bcx/",)),
        ("own time (tottime)", "tottime", ()),
    ]
    return "\n\n".join(
        f"### by {title}\n\n{_stats(profiler, key, top, match)}"
        for title, key, match in sections
    )


def _stats(profiler: cProfile.Profile, key: str, top: int, match: tuple) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(key).print_stats(*match, top)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "function calls" in line)
    kept = [line for line in lines[start:] if "List reduced" not in line]
    return shorten("\n".join(kept).strip())


def pyinstrument(args: list[str], top: int) -> str:
    """A pyinstrument call tree (frames under 2% hidden)."""
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    run_cli(args)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    return shorten("\n".join(text.splitlines()[: top * 3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="200k", help="export for score")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args()
    config = write_config()
    profile = pyinstrument if args.pyinstrument else cprofile
    runs = [("score", export(parse_size(args.size)))]
    if has_command("report"):
        runs.append(("report", export(REPORT_SIZE)))
    else:
        print("report: not profiled (this b2bcx has no `report` command)\n")
    with tempfile.TemporaryDirectory() as folder:
        for command, csv in runs:
            print(f"## b2bcx {command} {csv.name}\n")
            print(profile(cli_args(command, csv, config, Path(folder)), args.top))
            print()


if __name__ == "__main__":
    main()
