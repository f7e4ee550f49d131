"""Time ``b2bcx report`` against ``b2bcx score`` (and DuckDB's roll-up) on the same
generated export, in the same run.

Targets (docs/method.md#streaming): ``report`` at 1M respondents within 1.5x
``score``'s wall time and under 700 MiB peak; at 5M under 1 GiB. The report writes
the whole workbook (every sheet but Respondents, key drivers by role with 1,000
bootstrap resamples) from one streaming pass.

Usage::

    .venv/bin/python benchmarks/report.py [--sizes 1M,5M] [--repeats 3]
        [--per-account 8]

``--per-account`` sets the respondents per account (8 by default: 125k accounts
at 1M); more per account holds the rows and shrinks the book, which shows how
memory follows accounts, not rows.
"""

from __future__ import annotations

import argparse

from generate import RESPONDENTS_PER_ACCOUNT, parse_size, size_label, write_config
from run import (
    B2BCX,
    OUT,
    Measurement,
    duckdb_command,
    ensure_export,
    find,
    interleaved,
    results_table,
    score_command,
)

TARGETS = {"1M": (1.5, 700), "5M": (None, 1024)}
"""size -> (report / score at most, peak MiB below)."""


def tools(
    n: int, before: str | None = None, per_account: int = RESPONDENTS_PER_ACCOUNT
) -> dict[str, list[str]]:
    """``report``, ``score`` and DuckDB's roll-up on the export of ``n`` rows; with
    ``before`` (another checkout's ``src/``) also that revision's ``report``."""
    csv, config = ensure_export(n, per_account), write_config()
    tag = csv.stem
    report = [*B2BCX, "--quiet", "report", str(csv), "-c", str(config)]
    out = {
        "b2bcx report": [*report, "-o", str(OUT / f"{tag}_report.xlsx")],
        "b2bcx score": score_command(csv, config, OUT / f"{tag}_score.parquet"),
        "duckdb": duckdb_command(
            str(B2BCX[0]), csv, OUT / f"{tag}_report_duckdb.parquet"
        ),
    }
    if before:
        out["report (before)"] = [
            "env",
            f"PYTHONPATH={before}",
            *report,
            "-o",
            str(OUT / f"{tag}_report_before.xlsx"),
        ]
    return out


def verdicts(rows: list[Measurement]) -> list[str]:
    """One line per target: measured, limit, met or missed."""
    lines = []
    for size, (ratio_limit, mib_limit) in TARGETS.items():
        report = find(rows, size, "b2bcx report")
        score = find(rows, size, "b2bcx score")
        if report is None or score is None:
            continue
        ratio = report.median / score.median
        if ratio_limit is not None:
            met = "met" if ratio <= ratio_limit else "MISSED"
            lines.append(
                f"{size}: report / score = {ratio:.2f}x (limit {ratio_limit}x; "
                f"{report.median:.1f} s vs {score.median:.1f} s) -> {met}"
            )
        met = "met" if report.peak_mib <= mib_limit else "MISSED"
        lines.append(
            f"{size}: report peak {report.peak_mib:,.0f} MiB (limit {mib_limit:,} "
            f"MiB; score {score.peak_mib:,.0f} MiB) -> {met}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--before",
        metavar="SRC",
        help="also time the report of another checkout's src/ (e.g. main's)",
    )
    parser.add_argument(
        "--per-account",
        type=int,
        default=RESPONDENTS_PER_ACCOUNT,
        help="respondents per account on average (the targets assume 8)",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[Measurement] = []
    for n in map(parse_size, args.sizes.split(",")):
        repeats = args.repeats if n < 5_000_000 else min(args.repeats, 2)
        print(f"{size_label(n)}: {repeats} repeats")
        label = size_label(n)
        if args.per_account != RESPONDENTS_PER_ACCOUNT:
            label += f" ({n // args.per_account:,} accounts)"  # not a target's size
        rows += interleaved(tools(n, args.before, args.per_account), label, repeats)
    print(results_table(rows))
    print("\n".join(verdicts(rows)))


if __name__ == "__main__":
    main()
