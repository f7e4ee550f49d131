"""Calibration study: do b2bcx's intervals cover, and do its change tests hold their
error rates, when the truth is known? (docs/method.md#calibration-study)

Accounts are simulated under a known truth, written as survey exports and scored by
``b2bcx.api.score`` exactly as ``b2bcx score`` scores them; every interval and test
is then checked against the truth:

* ``thin``: 40 accounts heard through 1-3 people, roles of unequal spread, the user
  role seldom heard twice in one account (its pooled variance rests on 1-4 degrees
  of freedom, or it borrows), two waves with *nothing changed* but the people who
  answered drawn afresh (so the roles heard change). Coverage of the account
  interval and of the ``index_eb`` interval for the account's true score over the
  roles heard; ``p_change`` rejections and the false discovery rate of
  ``significant_fdr`` (every discovery is false).
* ``movers``: the same, with a quarter of the accounts truly moving by ±12 points:
  false discovery rate and power of ``significant_fdr``.
* ``portfolio``: 10 accounts of 2-6 respondents, two waves, nothing changed:
  coverage of the portfolio index, portfolio NPS and paired-change intervals.

Each measure is also given for the v2 method it replaces (z intervals, the change
test on ``delta`` with z, ``index_eb_se`` from ``metafor::blup``), computed from the
same scored tables. Seeded: a run is reproducible. Run from the repository root:

    make calibrate                                   # the full study (a few minutes)
    python validation/calibration.py --runs 20       # a quicker look
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from b2bcx import api
from b2bcx.config.models import Config, parse_config
from b2bcx.io import Export
from b2bcx.results import ScoreResult
from b2bcx.stats.intervals import Z95, bh_q_values

ROLES = ("decision_maker", "influencer", "user")
WEIGHTS = {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2}
OFFSET = {"decision_maker": -4.0, "influencer": 2.0, "user": 5.0}
SPREAD = {"decision_maker": 6.0, "influencer": 10.0, "user": 14.0}
ROLE_SHARE = (0.5, 0.37, 0.13)  # users are seldom two in one account
MEAN, BETWEEN = 65.0, 10.0  # true account scores ~ N(65, 10²)
NPS_NOISE = 15.0  # NPS answer = round((true score + N(0, 15²)) / 10), 0..10
MOVE = 12.0
FULL_RUNS = {"thin": 150, "movers": 80, "portfolio": 250}


def config() -> Config:
    """One statement on a 0-100 scale is the index; roles weighted 0.5/0.3/0.2."""
    return parse_config(
        {
            "version": 1,
            "columns": {"respondent": "Id", "account": "Account", "role": "Role"},
            "scales": {"score": {"min": 0, "max": 100}},
            "default_scale": "score",
            "pillars": {"experience": {"label": "Experience", "items": ["Q1"]}},
            "roles": {
                "weights": WEIGHTS,
                "decision_role": "decision_maker",
                "map": {r: [r] for r in ROLES},
            },
            "outcomes": {"nps": "NPS"},
        },
        "calibration",
    )


@dataclass(frozen=True)
class Wave:
    """A simulated wave: the export, and each account's true score over its roles."""

    export: Export
    truth: pd.Series


def simulate_wave(
    rng: np.random.Generator,
    mu: np.ndarray,
    sizes: tuple[int, int],
    offsets: bool,
    label: str,
) -> Wave:
    """Respondents of every account: a role, an answer around the account's true
    score (plus the role's offset), and an NPS answer from the true score alone."""
    rows = []
    truth = {}
    for a, centre in enumerate(mu):
        account = f"A{a:02d}"
        size = int(rng.integers(sizes[0], sizes[1] + 1))
        roles = rng.choice(ROLES, size, p=ROLE_SHARE)
        shift = {r: OFFSET[r] if offsets else 0.0 for r in ROLES}
        heard = sorted(set(roles), key=ROLES.index)
        weight = sum(WEIGHTS[r] for r in heard)
        truth[account] = centre + sum(WEIGHTS[r] * shift[r] for r in heard) / weight
        for j, role in enumerate(roles):
            answer = centre + shift[role] + rng.normal(0, SPREAD[role])
            nps = round((centre + rng.normal(0, NPS_NOISE)) / 10)
            rows.append(
                {
                    "Id": f"{label}{a:02d}-{j}",
                    "Account": account,
                    "Role": str(role),
                    "Q1": f"{min(max(answer, 0.0), 100.0):.4f}",
                    "NPS": str(min(max(nps, 0), 10)),
                }
            )
    frame = pd.DataFrame(rows).astype(object)
    frame["_file"] = f"{label}.csv"
    frame["_row"] = range(2, len(frame) + 2)
    return Wave(Export(frame=frame, files=[f"{label}.csv"]), pd.Series(truth))


def true_portfolio_nps() -> float:
    """``E[account NPS]`` when answers are ``N(65, 10² + 15²)`` on the 0-100 line:
    promoters score 85 and above (9-10 after rounding), detractors below 65."""
    spread = math.sqrt(BETWEEN**2 + NPS_NOISE**2)
    normal = NormalDist(MEAN, spread)
    return 100.0 * ((1 - normal.cdf(85.0)) - normal.cdf(65.0))


@dataclass
class Tally:
    """Hits and trials of each measure, over runs."""

    hits: dict[str, float] = field(default_factory=dict)
    trials: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, hits: float, trials: float) -> None:
        self.hits[name] = self.hits.get(name, 0.0) + hits
        self.trials[name] = self.trials.get(name, 0.0) + trials

    def rate(self, name: str) -> float:
        trials = self.trials.get(name, 0.0)
        return self.hits.get(name, 0.0) / trials if trials else float("nan")


def _covers(low: pd.Series, high: pd.Series, truth: pd.Series) -> tuple[int, int]:
    ok = low.notna() & high.notna() & truth.notna()
    inside = (low[ok] <= truth[ok]) & (truth[ok] <= high[ok])
    return int(inside.sum()), int(ok.sum())


def _thin_role_accounts(result: ScoreResult) -> pd.Series:
    """Accounts using a role whose pooled variance rests on 1-4 degrees of freedom
    (or is borrowed)."""
    cells = result.index_cells
    assert cells is not None
    dof = cells.n.sum(axis=0) - (cells.n > 0).sum(axis=0)
    thin = (dof <= 4) & (cells.n.sum(axis=0) > 0)
    uses = ((cells.n > 0) & thin).any(axis=1)
    return pd.Series(uses, index=pd.Index(cells.accounts).astype(str))


def _v2_eb_se(result: ScoreResult) -> pd.Series:
    """v2's ``sqrt(B SE² + (1 − B)² / Σ u)`` at the REML τ² (``metafor::blup``)."""
    a = result.accounts
    se, b = a["se"].astype(float), a["reliability"].astype(float)
    fitted = a["index"].notna() & se.notna()
    total = (1.0 / (result.tau2 + se[fitted] ** 2)).sum()
    return np.sqrt(b * se**2 + (1 - b) ** 2 / total)


def _v2_p(accounts: pd.DataFrame) -> pd.Series:
    """v2's change test: ``2(1 − Φ(|Δ| / sqrt(SE² + SE_base²)))``."""
    combined = np.sqrt(accounts["se"] ** 2 + accounts["se_baseline"] ** 2)
    x = (accounts["delta"].abs() / combined).where(combined > 0)
    p = [math.erfc(v / math.sqrt(2)) if v == v else math.nan for v in x]
    return pd.Series(p, index=accounts.index, dtype=float)


def thin_run(rng: np.random.Generator, tally: Tally, movers: bool) -> None:
    """One run of ``thin`` (nothing changed) or ``movers`` (a quarter move ±12)."""
    k = 40
    mu = rng.normal(MEAN, BETWEEN, k)
    moved = np.zeros(k, bool)
    mu_now = mu.copy()
    if movers:
        moved[rng.choice(k, k // 4, replace=False)] = True
        mu_now[moved] += rng.choice([-MOVE, MOVE], moved.sum())
    before = simulate_wave(rng, mu, (1, 3), True, "w1")
    now = simulate_wave(rng, mu_now, (1, 3), True, "w2")
    result = api.score(now.export, config(), baseline=before.export)
    a = result.accounts.set_index("account")
    truth = now.truth.reindex(a.index)
    prefix = "movers" if movers else "thin"
    if not movers:
        thin = _thin_role_accounts(result).reindex(a.index).fillna(False)
        tally.add("account", *_covers(a["ci_low"], a["ci_high"], truth))
        tally.add(
            "account_thin",
            *_covers(a["ci_low"][thin], a["ci_high"][thin], truth[thin]),
        )
        z_low, z_high = a["index"] - Z95 * a["se"], a["index"] + Z95 * a["se"]
        tally.add("account_v2", *_covers(z_low, z_high, truth))
        tally.add("account_thin_v2", *_covers(z_low[thin], z_high[thin], truth[thin]))
        tally.add("eb", *_covers(a["index_eb_ci_low"], a["index_eb_ci_high"], truth))
        eb_se = pd.Series(_v2_eb_se(result).to_numpy(), index=a.index)
        tally.add(
            "eb_v2",
            *_covers(a["index_eb"] - Z95 * eb_se, a["index_eb"] + Z95 * eb_se, truth),
        )
        tally.add("tau2_zero", float(result.tau2 == 0), 1)
    p = a["p_change"].dropna()
    p_v2 = _v2_p(a).dropna()
    for level in (0.05, 0.01, 0.001):
        if not movers:
            tally.add(f"reject_{level}", float((p < level).sum()), len(p))
            tally.add(f"reject_{level}_v2", float((p_v2 < level).sum()), len(p_v2))
    changed = a["flags"].map(lambda f: "roles_changed" in f)
    both = float(a["delta"].notna().sum())
    tally.add(prefix + "_roles_changed", float(changed.sum()), both)
    ids = [f"A{i:02d}" for i in range(k)]
    truly = pd.Series(moved, index=ids).reindex(a.index).fillna(False).astype(bool)
    for name, found in (
        (prefix + "_fdr", a["significant_fdr"].eq(True)),
        (prefix + "_fdr_v2", bh_q_values(_v2_p(a)).le(0.05)),
    ):
        false = int((found & ~truly).sum())
        tally.add(name, false / max(int(found.sum()), 1), 1)
        if movers:
            tally.add(name + "_power", float((found & truly).sum()), float(truly.sum()))
    if not movers:
        flagged = changed & a["p_change"].notna()
        p_rc = a.loc[flagged, "p_change"]
        tally.add("reject_0.05_roles_changed", float((p_rc < 0.05).sum()), len(p_rc))
        p_rc_v2 = _v2_p(a)[flagged].dropna()
        tally.add(
            "reject_0.05_roles_changed_v2", float((p_rc_v2 < 0.05).sum()), len(p_rc_v2)
        )


def portfolio_run(rng: np.random.Generator, tally: Tally) -> None:
    """One run of ``portfolio``: 10 accounts, two waves, nothing changed."""
    mu = rng.normal(MEAN, BETWEEN, 10)
    before = simulate_wave(rng, mu, (2, 6), False, "w1")
    now = simulate_wave(rng, mu, (2, 6), False, "w2")
    result = api.score(now.export, config(), baseline=before.export)
    row = result.portfolio
    checks: list[tuple[str, str, str, float, str]] = [
        ("portfolio_index", "ci_low", "ci_high", MEAN, "index_se"),
        ("portfolio_nps", "nps_ci_low", "nps_ci_high", true_portfolio_nps(), "nps_se"),
        ("paired_change", "delta_ci_low", "delta_ci_high", 0.0, "delta_se"),
    ]
    centre = {"index_se": "index", "nps_se": "nps", "delta_se": "delta"}
    for name, low, high, truth, se in checks:
        if row[low] == row[low]:
            tally.add(name, float(row[low] <= truth <= row[high]), 1)
        z_low = row[centre[se]] - Z95 * row[se]
        z_high = row[centre[se]] + Z95 * row[se]
        if z_low == z_low:
            tally.add(name + "_v2", float(z_low <= truth <= z_high), 1)


LINES: list[tuple[str, str, str, str]] = [
    # label, v2.1 measure, v2 measure, nominal
    ("thin: account interval coverage", "account", "account_v2", "0.95"),
    (
        "thin: account interval, a role on 1-4 df",
        "account_thin",
        "account_thin_v2",
        "0.95",
    ),
    ("thin: index_eb interval coverage", "eb", "eb_v2", "0.95"),
    ("thin: REML τ² = 0 (share of runs)", "tau2_zero", "tau2_zero", "-"),
    ("thin, nothing changed: p_change < 0.05", "reject_0.05", "reject_0.05_v2", "0.05"),
    ("thin, nothing changed: p_change < 0.01", "reject_0.01", "reject_0.01_v2", "0.01"),
    (
        "thin, nothing changed: p_change < 0.001",
        "reject_0.001",
        "reject_0.001_v2",
        "0.001",
    ),
    (
        "thin, nothing changed, roles changed: p < 0.05",
        "reject_0.05_roles_changed",
        "reject_0.05_roles_changed_v2",
        "0.05",
    ),
    (
        "thin, nothing changed: FDR of significant_fdr",
        "thin_fdr",
        "thin_fdr_v2",
        "≤ 0.05",
    ),
    (
        "thin: accounts flagged roles_changed",
        "thin_roles_changed",
        "thin_roles_changed",
        "-",
    ),
    ("movers: FDR of significant_fdr", "movers_fdr", "movers_fdr_v2", "≤ 0.05"),
    (
        "movers: power (true movers found)",
        "movers_fdr_power",
        "movers_fdr_v2_power",
        "-",
    ),
    (
        "10 accounts: portfolio index coverage",
        "portfolio_index",
        "portfolio_index_v2",
        "0.95",
    ),
    (
        "10 accounts: portfolio NPS coverage",
        "portfolio_nps",
        "portfolio_nps_v2",
        "0.95",
    ),
    (
        "10 accounts: paired change coverage",
        "paired_change",
        "paired_change_v2",
        "0.95",
    ),
]


def study(
    runs: dict[str, int],
    seed: int = 20261206,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run the study; one row per measure: v2.1, v2, nominal, trials."""
    rng = np.random.default_rng(seed)
    tally = Tally()
    for _ in range(runs.get("thin", 0)):
        thin_run(rng, tally, movers=False)
    if progress:
        progress("thin done")
    for _ in range(runs.get("movers", 0)):
        thin_run(rng, tally, movers=True)
    if progress:
        progress("movers done")
    for _ in range(runs.get("portfolio", 0)):
        portfolio_run(rng, tally)
    rows = [
        {
            "measure": label,
            "v2.1": tally.rate(new),
            "v2": tally.rate(old),
            "nominal": nominal,
            "trials": int(tally.trials.get(new, 0)),
        }
        for label, new, old, nominal in LINES
        if new in tally.trials
    ]
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The table as docs/method.md shows it."""
    lines = ["| measure | v2.1 | v2 | nominal | trials |", "|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        lines.append(
            f"| {r.measure} | {r[1]:.3f} | {r[2]:.3f} | {r.nominal} | {r.trials} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, help="runs per setting (default: full study)"
    )
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args(argv)
    runs = (
        dict(FULL_RUNS)
        if args.runs is None
        else {name: args.runs for name in FULL_RUNS}
    )
    start = time.perf_counter()
    table = study(runs, args.seed, lambda m: print(m, file=sys.stderr))
    print(markdown(table))
    print(
        f"\nruns {runs}, seed {args.seed}, {time.perf_counter() - start:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
