"""Fixed-seed survey exports for the benchmarks (issue 7).

Writes ``benchmarks/data/bench_<size>.csv`` with N respondents, about N/8
accounts, three roles answered as raw job titles, 18 agree5 statements as text
labels (~3% "Don't know", ~1% blank; Q12 is worded negatively and reverse-coded
in the config), a 0-10 NPS column and a region per account. Also writes the
matching config ``benchmarks/data/bench.yaml``.

Rows are generated in chunks with numpy and written with pyarrow's CSV writer,
so 5M rows take well under a minute or two.

Usage::

    .venv/bin/python benchmarks/generate.py 10k 200k 1M 5M
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DATA = Path(__file__).resolve().parent / "data"
SEED = 20260701
CHUNK = 250_000
RESPONDENTS_PER_ACCOUNT = 8

AGREE5 = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]
DONT_KNOW = "Don't know"
ITEMS = [f"Q{i}" for i in range(1, 19)]
REVERSED = "Q12"
PILLARS = {
    "integrity": ["Q1", "Q2", "Q3"],
    "resolution": ["Q4", "Q5", "Q6"],
    "expectations": ["Q7", "Q8", "Q9"],
    "time_and_effort": ["Q10", "Q11", "Q12"],
    "personalisation": ["Q13", "Q14", "Q15"],
    "empathy": ["Q16", "Q17", "Q18"],
}
ROLE_WEIGHTS = {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2}
ROLE_SHARES = [0.25, 0.35, 0.40]
# Raw job titles as respondents type them; case and spaces vary on purpose.
ROLE_TITLES = {
    "decision_maker": [
        "Decision maker",
        "Executive sponsor",
        "C-level",
        "VP Operations",
    ],
    "influencer": ["Influencer", "Procurement", "IT lead", "it lead "],
    "user": ["User", "End user", "Daily user", " end user"],
}
REGIONS = ["EMEA", "NA", "APAC", "LATAM"]
DONT_KNOW_RATE = 0.03
BLANK_RATE = 0.01
NPS_BLANK_RATE = 0.01

SIZES = {"k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"5M"`` -> 5000000, ``"1234"`` -> 1234."""
    text = text.strip().lower()
    factor = SIZES.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def size_label(n: int) -> str:
    """10000 -> ``"10k"``, 5000000 -> ``"5M"`` (the inverse of :func:`parse_size`)."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def csv_path(n: int, per_account: int = RESPONDENTS_PER_ACCOUNT) -> Path:
    """Where the export with ``n`` respondents (``per_account`` to an account on
    average) is written."""
    tail = "" if per_account == RESPONDENTS_PER_ACCOUNT else f"_{per_account}pa"
    return DATA / f"bench_{size_label(n)}{tail}.csv"


def role_titles() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All raw titles, the role code of each, and each title's role offset."""
    titles, roles = [], []
    for code, role in enumerate(ROLE_WEIGHTS):
        titles += ROLE_TITLES[role]
        roles += [code] * len(ROLE_TITLES[role])
    starts = np.cumsum([0] + [len(ROLE_TITLES[r]) for r in ROLE_WEIGHTS])[:-1]
    return titles, np.array(roles), starts


def account_effects(n_accounts: int) -> np.ndarray:
    """A fixed satisfaction level per account (independent of the chunking)."""
    return np.random.default_rng(SEED).normal(0.0, 0.7, n_accounts)


def answer_codes(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    """Per item: codes 0..4 (agree5), 5 = "Don't know", -1 = blank."""
    n = len(latent)
    item_shift = np.linspace(-0.4, 0.5, len(ITEMS))
    raw = 3.0 + latent[:, None] + item_shift + rng.normal(0.0, 0.8, (n, len(ITEMS)))
    codes = np.clip(np.rint(raw), 1, 5).astype(np.int8) - 1
    reverse = ITEMS.index(REVERSED)
    codes[:, reverse] = 4 - codes[:, reverse]  # agreeing with Q12 is bad
    u = rng.random((n, len(ITEMS)))
    codes[u < DONT_KNOW_RATE + BLANK_RATE] = 5
    codes[u < BLANK_RATE] = -1
    return codes


def label_column(codes: np.ndarray) -> pa.DictionaryArray:
    """Codes as a dictionary-encoded text column (blank = null)."""
    dictionary = pa.array([*AGREE5, DONT_KNOW])
    indices = pa.array(codes, mask=codes < 0, type=pa.int8())
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def prefixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, built in Arrow."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def chunk_table(
    start: int, stop: int, n_accounts: int, effects: np.ndarray
) -> pa.Table:
    """Respondents ``start..stop-1`` as an Arrow table in export layout."""
    rng = np.random.default_rng([SEED, start])
    n = stop - start
    account = rng.integers(0, n_accounts, n)
    role = rng.choice(len(ROLE_WEIGHTS), n, p=ROLE_SHARES)
    titles, _, starts = role_titles()
    title = starts[role] + rng.integers(0, 4, n)
    latent = effects[account] + np.array([0.2, 0.0, -0.2])[role] + rng.normal(0, 0.6, n)
    columns = {
        "ResponseId": prefixed_ids("R_", np.arange(start, stop), 8),
        "AccountId": prefixed_ids("ACC-", account, 7),
        "Role": pa.DictionaryArray.from_arrays(
            pa.array(title.astype(np.int8)), pa.array(titles)
        ),
        "Region": pa.DictionaryArray.from_arrays(
            pa.array((account % len(REGIONS)).astype(np.int8)), pa.array(REGIONS)
        ),
    }
    codes = answer_codes(rng, latent)
    for j, item in enumerate(ITEMS):
        columns[item] = label_column(codes[:, j])
    nps = np.clip(np.rint(7.0 + 1.8 * latent + rng.normal(0, 1.2, n)), 0, 10)
    columns["Q_NPS"] = pa.array(
        nps.astype(np.int8), mask=rng.random(n) < NPS_BLANK_RATE
    )
    return pa.table(columns)


def write_export(
    n: int,
    path: Path,
    quoting: str = "none",
    per_account: int = RESPONDENTS_PER_ACCOUNT,
) -> None:
    """Write the export with ``n`` respondents to ``path`` chunk by chunk, about
    ``per_account`` to an account."""
    n_accounts = max(1, n // per_account)
    effects = account_effects(n_accounts)
    options = pacsv.WriteOptions(quoting_style=quoting, quoting_header="none")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".csv.tmp")
    writer = None
    for start in range(0, n, CHUNK):
        table = chunk_table(start, min(n, start + CHUNK), n_accounts, effects)
        if writer is None:
            writer = pacsv.CSVWriter(
                str(temporary), table.schema, write_options=options
            )
        writer.write_table(table)
    if writer is not None:
        writer.close()
    temporary.replace(path)


def canonical_titles(role: str) -> list[str]:
    """A role's titles, trimmed, one per case-insensitive spelling."""
    seen: dict[str, str] = {}
    for title in ROLE_TITLES[role]:
        seen.setdefault(title.strip().casefold(), title.strip())
    return list(seen.values())


def config_text() -> str:
    """The b2bcx config matching the generated exports."""
    pillars = "\n".join(
        f"  {pid}: {{items: [{', '.join(items)}]}}" for pid, items in PILLARS.items()
    )
    weights = ", ".join(f"{r}: {w}" for r, w in ROLE_WEIGHTS.items())
    role_map = "\n".join(
        f"    {r}: [{', '.join(repr(t) for t in canonical_titles(r))}]"
        for r in ROLE_WEIGHTS
    )
    return f"""# Generated by benchmarks/generate.py: the config of the bench_*.csv exports.
version: 1
extends: six_pillars
columns:
  respondent: ResponseId
  account: AccountId
  role: Role
  segments: [Region]
default_scale: agree5
pillars:
{pillars}
items:
  {REVERSED}: {{reverse: true}}
roles:
  weights: {{{weights}}}
  decision_role: decision_maker
  map:
{role_map}
  unmapped: error
outcomes:
  nps: Q_NPS
"""


def write_config() -> Path:
    """Write ``benchmarks/data/bench.yaml``."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "bench.yaml"
    path.write_text(config_text())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", default=["10k", "200k"])
    parser.add_argument("--quoting", choices=["none", "needed"], default="none")
    parser.add_argument("--force", action="store_true", help="Rewrite existing files.")
    parser.add_argument(
        "--per-account",
        type=int,
        default=RESPONDENTS_PER_ACCOUNT,
        help="respondents per account on average (fewer accounts, same rows)",
    )
    args = parser.parse_args()
    print(f"wrote {write_config()}")
    for text in args.sizes:
        n = parse_size(text)
        path = csv_path(n, args.per_account)
        if path.exists() and not args.force:
            print(f"kept  {path} (exists; --force to rewrite)")
            continue
        began = time.perf_counter()
        write_export(n, path, args.quoting, args.per_account)
        seconds = time.perf_counter() - began
        size_mb = path.stat().st_size / 2**20
        print(f"wrote {path} ({n:,} rows, {size_mb:,.0f} MiB, {seconds:.1f} s)")


if __name__ == "__main__":
    main()
