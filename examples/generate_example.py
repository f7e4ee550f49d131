"""Generate the Acme Industrial Services example data (fictional).

``python examples/generate_example.py`` rewrites, byte for byte (fixed seed), the
files acme_2026q2.csv, acme_2026q3.csv, crm_accounts.csv, lemke_interviews.csv and
crm_renewals.csv next to this script, then the two quarters before them,
acme_2025q4.csv and acme_2026q1.csv (each from a seed of its own, so the first files
do not change). Needs numpy and pandas only.

What is planted (so that the b2bcx analyses have something true to find):

* Pillars: a respondent's level on each pillar = base + account quality + account
  pillar offset + respondent general factor + noise; each of the pillar's three
  statements adds item noise and is cut to agree5 labels (~3% "Don't know", ~1%
  blank). Q12 is reverse-worded and generated reversed.
* Drivers: Q_NPS and Q_RENEW follow the pillars with role-specific weights (COEF,
  after the published B2B findings): Empathy dominates for decision makers;
  Personalisation and Expectations drive users' NPS, Empathy and Time and Effort
  their loyalty; influencers weigh Empathy, Expectations, Personalisation; Integrity
  is a moderate driver for everyone.
* Lifecycle: accounts in the ``ongoing`` phase score lower on Resolution.
* Quarters: most accounts are stable from Q2 to Q3; 10 larger accounts drop by about
  30 points and 8 rise by about 25. Four accounts answered only in Q2, four only in
  Q3; 15 CRM accounts were never surveyed.
* Four quarters (for ``b2bcx trend``): 2025-Q4 and 2026-Q1 hear the accounts of Q2
  (a few miss a quarter) at the same quality, except one planted deteriorating account,
  ACC-0151 Nordmoor Metalworks, which falls steadily from 2025-Q4 to 2026-Q3 (its
  level is +0.9, +0.45, 0, then its Q3 drop). The four accounts heard only in Q3
  entered this quarter.
* Lemke factors: the eight are mentioned more often by promoters than by detractors
  (proactive_objectives by only ~15%: fails the 25% rule); price and
  brand_reputation are mentioned by ~30% whatever the NPS.
* Comments echo the mentioned factors; one Q3 comment starts with ``=HYPERLINK(`` and
  one with ``@``: formula-injection attempts that must stay plain text.
* lemke_interviews.csv: 20 coded interviews (7 good / 7 average / 6 poor) with fixed
  mention counts per group, e.g. personal_contact 6/3/1.
* crm_renewals.csv: the renewal decisions of July-December 2026, after the Q2 survey:
  120 accounts heard in Q2 and 6 CRM accounts never surveyed. The odds of losing an
  account fall by a factor e (2.7) per 0.4 of latent quality at Q2 (about 10 index
  points): logit P(lost) = -1.3 - quality / 0.4. Drawn from its own random stream
  (seed + 1), so the other files do not change.
"""

from __future__ import annotations

import argparse
import string
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent
SEED = 20260930

PILLARS = ["integrity", "resolution", "expectations", "time", "personal", "empathy"]
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree"]
AGREE5 += ["Strongly agree"]
BASE = np.array([3.80, 3.60, 3.65, 3.50, 3.55, 3.50])  # mean item level per pillar
ROLES = ["decision_maker", "influencer", "user"]
ROLE_SHARE = [0.15, 0.30, 0.55]
ROLE_SHIFT = {"decision_maker": 0.10, "influencer": 0.0, "user": -0.05}
# Pillar weights (order of PILLARS) behind NPS ("nps") and likely-to-renew ("renew").
COEF = {
    "nps": {
        "decision_maker": [0.15, 0.15, 0.10, 0.00, 0.25, 1.20],
        "influencer": [0.20, 0.10, 0.40, 0.10, 0.35, 0.45],
        "user": [0.20, 0.10, 0.45, 0.10, 0.50, 0.15],
    },
    "renew": {
        "decision_maker": [0.15, 0.30, 0.25, 0.00, 0.10, 1.20],
        "influencer": [0.20, 0.10, 0.40, 0.10, 0.35, 0.45],
        "user": [0.20, 0.10, 0.10, 0.40, 0.15, 0.50],
    },
}
ROLE_ANSWERS = {  # raw survey answer -> (role, probability within the role)
    "Decision maker": ("decision_maker", 0.45),
    "decision-maker": ("decision_maker", 0.15),
    "Executive sponsor": ("decision_maker", 0.15),
    "C-level": ("decision_maker", 0.15),
    "VP Operations": ("decision_maker", 0.10),
    "Influencer": ("influencer", 0.30),
    "Procurement": ("influencer", 0.25),
    "IT lead": ("influencer", 0.15),
    "IT Lead ": ("influencer", 0.10),
    "Purchasing": ("influencer", 0.20),
    "User": ("user", 0.40),
    "End user": ("user", 0.30),
    "end-user": ("user", 0.15),
    "Daily user": ("user", 0.15),
}
COUNTRIES = {
    "EMEA": {"Germany": "GmbH", "United Kingdom": "Ltd", "France": "SAS"}
    | {"Netherlands": "B.V.", "Sweden": "AB"},
    "North America": {"United States": "Inc.", "Canada": "Ltd."},
    "APAC": {"Australia": "Pty Ltd", "Japan": "K.K.", "Singapore": "Pte Ltd"},
    "LATAM": {"Brazil": "Ltda.", "Mexico": "S.A. de C.V.", "Chile": "SpA"},
}
MANAGERS = {
    "EMEA": ["Lukas Brenner", "Claire Dubois", "Marcus Lindqvist", "Hannah Okafor"],
    "North America": ["Tom Whitfield", "Priya Raman"],
    "APAC": ["Kenji Aoyama"],
    "LATAM": ["Sofia Marquez"],
}
INDUSTRIES = {
    "Manufacturing": ["Fabrication", "Machining", "Components", "Metalworks"],
    "Logistics": ["Freight", "Logistics", "Haulage", "Shipping"],
    "Energy & Utilities": ["Energy", "Power", "Utilities", "Grid Services"],
    "Healthcare": ["Medical", "Health Systems", "Diagnostics", "Clinics"],
    "Retail": ["Retail", "Wholesale", "Stores", "Trading"],
    "Food & Beverage": ["Foods", "Dairy", "Bakeries", "Beverages"],
}
STEM_A = ["Nord", "Brack", "Kestrel", "Harbour", "Iron", "Silver", "Red", "Alder"]
STEM_B = ["vik", "water", "moor", "line", "vale", "holm", "brook", "field"]
STEMS = [a + b for a in STEM_A for b in STEM_B]
PHASES = ["pre_purchase", "purchase", "immediate_post_purchase", "ongoing", "renewal"]
PHASE_SHARE = [0.06, 0.08, 0.10, 0.64, 0.12]
# factor -> (base mention rate at NPS 7.5, log-odds slope per NPS point)
FACTORS = {
    "personal_contact": (0.45, 0.35),
    "flexibility": (0.40, 0.35),
    "implicit_understanding": (0.30, 0.30),
    "knowledge": (0.50, 0.30),
    "proactive_checking": (0.30, 0.35),
    "proactive_objectives": (0.13, 0.30),
    "promise_fulfilment": (0.45, 0.40),
    "value_for_time": (0.30, 0.30),
    "price": (0.30, 0.0),
    "brand_reputation": (0.30, 0.0),
}
# Comment templates: "<factor> <+|-|0> <text>" (0: general remarks, any factor)
PHRASES = """\
personal_contact + Our account manager visits regularly, which we value
personal_contact - We have not seen our account manager in months
flexibility + Our account manager is very flexible
flexibility - Not flexible at all
flexibility - Every contract change becomes a negotiation
implicit_understanding + They understand what we need before we ask
implicit_understanding - We have to explain our processes again and again
knowledge + The technicians really know our equipment
knowledge - Field engineers lack knowledge of our older lines
proactive_checking + They check in proactively after every job
proactive_checking - They never check in proactively
proactive_objectives + They asked about our goals for next year, a first
proactive_objectives - Nobody ever asked what we are trying to achieve
promise_fulfilment + They do what they promise, on time
promise_fulfilment - The "48-hour response" promise is a joke
promise_fulfilment - Deadlines slip, again and again
value_for_time + Meetings with Acme are short and worth it
value_for_time - Too many meetings, too little outcome
price + Pricing is fair
price - Prices went up 6% this year, without notice
brand_reputation + Acme has a good name in the industry
brand_reputation - A big name alone does not fix problems
general 0 Overall a solid partner
general 0 Invoices need "corrections" every month, so our AP team chases them
general 0 Thanks, keep it up!
general 0 The new service portal is confusing
general 0 Spare parts availability, not great
"""
PHRASE_TABLE: dict[tuple[str, str], list[str]] = {}  # (factor, sign) -> texts
for _line in PHRASES.splitlines():
    _factor, _sign, _text = _line.split(" ", 2)
    PHRASE_TABLE.setdefault((_factor, _sign), []).append(_text)
INJECTIONS = [
    '=HYPERLINK("http://bonus.example.com/claim","Click to claim your gift card")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def company_names(rng, accts: pd.DataFrame) -> list[str]:
    """Unique fictional names: stem + industry word + country legal form."""
    names: list[str] = []
    for ind, country, region in accts[["Industry", "Country", "Region"]].itertuples(
        index=False
    ):
        while True:
            words = INDUSTRIES[ind]
            name = f"{rng.choice(STEMS)} {words[rng.integers(len(words))]}"
            sep = ", " if country == "United States" and rng.random() < 0.5 else " "
            name += sep + COUNTRIES[region][country]
            if name not in names:
                names.append(name)
                break
    return names


def make_accounts(rng, n_total=167, n_never=15) -> pd.DataFrame:
    """Account master: attributes, revenue, latent quality, quarter presence, shifts."""
    a = pd.DataFrame({"AccountId": [f"ACC-{i:04d}" for i in range(1, n_total + 1)]})
    a["Region"] = rng.choice(list(COUNTRIES), n_total, p=[0.45, 0.30, 0.15, 0.10])
    a["Country"] = [rng.choice(list(COUNTRIES[r])) for r in a["Region"]]
    a["Industry"] = rng.choice(list(INDUSTRIES), n_total)
    a["AccountManager"] = [rng.choice(MANAGERS[r]) for r in a["Region"]]
    a["AccountName"] = company_names(rng, a)
    z_rev = rng.normal(0, 1, n_total)
    revenue = 8_000 + np.exp(np.log(170_000) + 1.7 * z_rev)  # EUR/year, Pareto-like
    a["AnnualRevenue"] = (revenue // 100 * 100).astype(int)
    a["LifecyclePhase"] = rng.choice(PHASES, n_total, p=PHASE_SHARE)
    a["size_z"] = 0.5 * z_rev + np.sqrt(0.75) * rng.normal(0, 1, n_total)
    a["quality"] = rng.normal(0, 0.40, n_total)
    for p in PILLARS:
        a[f"off_{p}"] = rng.normal(0, 0.18, n_total)
        if p == "resolution":
            a[f"off_{p}"] -= 0.45 * (a["LifecyclePhase"] == "ongoing")
    order = rng.permutation(n_total)
    never, only_q2, only_q3 = order[:n_never], order[n_never:19], order[19:23]
    a["in_q2"] = ~a.index.isin(np.r_[never, only_q3])
    a["in_q3"] = ~a.index.isin(np.r_[never, only_q2])
    a.loc[only_q3, "LifecyclePhase"] = "immediate_post_purchase"
    both = order[23:]
    big = both[a.loc[both, "size_z"].to_numpy() > 0.3]
    movers = rng.choice(big, 18, replace=False)
    a["shift"] = rng.normal(0, 0.06, n_total)
    a.loc[movers[:10], "shift"] = -rng.uniform(1.1, 1.4, 10)
    a.loc[movers[10:], "shift"] = rng.uniform(1.0, 1.3, 8)
    a.loc[movers[10:], "quality"] = -np.abs(a.loc[movers[10:], "quality"]) - 0.2
    return a


def sizes(rng, size_z: np.ndarray, total: int) -> np.ndarray:
    """Respondents per account (1..20), adjusted to the target total."""
    noisy = size_z + rng.normal(0, 0.25, len(size_z))
    n = np.clip(np.round(np.exp(np.log(6.5) + 0.75 * noisy)), 1, 20).astype(int)
    while n.sum() != total:
        i = rng.integers(len(n))
        if n.sum() < total and 1 < n[i] < 20:
            n[i] += 1
        elif n.sum() > total and n[i] > 2:
            n[i] -= 1
    return n


def roles(rng, n: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Role ids (~15/30/55%; most accounts of 3+ include a decision maker), raw text."""
    ids: list[str] = []
    for k in n:
        lead = k >= 3 and rng.random() < 0.80
        rest = rng.choice(ROLES, k - lead, p=[0.05, 0.33, 0.62] if lead else ROLE_SHARE)
        ids += (["decision_maker"] if lead else []) + list(rest)
    raw = []
    for role in ids:
        answers = [a for a, (r, _) in ROLE_ANSWERS.items() if r == role]
        raw.append(rng.choice(answers, p=[ROLE_ANSWERS[a][1] for a in answers]))
    return np.array(ids), raw


def latent(rng, accts: pd.DataFrame, quarter: str, total: int) -> pd.DataFrame:
    """One row per respondent: account, role and the six latent pillar levels."""
    key = quarter[-2:].lower()  # q2, q3, q4, q1
    sub = accts[accts[f"in_{key}"]]
    n = sizes(rng, sub["size_z"].to_numpy(), total)
    r = sub.loc[sub.index.repeat(n)].reset_index(drop=True)
    r["role"], r["Role"] = roles(rng, n)
    quality = r["quality"] + (r["shift"] if quarter.endswith("Q3") else 0)
    if f"lift_{key}" in r:
        quality = quality + r[f"lift_{key}"]
    general = rng.normal(0, 0.35, len(r)) + r["role"].map(ROLE_SHIFT)
    for k, p in enumerate(PILLARS):
        noise = rng.normal(0, 0.55, len(r))
        r[p] = BASE[k] + quality + r[f"off_{p}"] + general + noise
    return r


def items(rng, r: pd.DataFrame) -> pd.DataFrame:
    """Q1..Q18 as agree5 labels, with Don't know and blanks; Q12 reverse-worded."""
    out = {}
    for q in range(18):
        v = np.clip(np.round(r[PILLARS[q // 3]] + rng.normal(0, 0.55, len(r))), 1, 5)
        v = (6 - v if q == 11 else v).astype(int)
        lab = np.array(AGREE5, dtype=object)[v - 1]
        u = rng.random(len(r))
        lab[u < 0.03] = "Don't know"
        lab[u > 0.99] = ""
        out[f"Q{q + 1}"] = lab
    return pd.DataFrame(out)


def outcomes(rng, r: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Q_NPS (0..10, ~2% blank) and Q_RENEW (agree5) from role-weighted pillars."""
    centred = r[PILLARS].to_numpy() - BASE
    res = {}
    for name, coef in COEF.items():
        beta = np.array([coef[x] for x in r["role"]])
        y = (centred * beta).sum(axis=1) / np.sqrt((beta**2).sum(axis=1))
        res[name] = y / 0.8
    nps = np.clip(np.round(8.2 + 1.4 * res["nps"] + rng.normal(0, 1.4, len(r))), 0, 10)
    nps_txt = np.where(rng.random(len(r)) < 0.02, "", nps.astype(int).astype(str))
    renew = np.clip(
        np.round(3.7 + 0.7 * res["renew"] + rng.normal(0, 0.7, len(r))), 1, 5
    )
    renew_txt = np.array(AGREE5, dtype=object)[renew.astype(int) - 1]
    renew_txt[rng.random(len(r)) < 0.02] = "Don't know"
    return nps_txt, renew_txt


def mentions(rng, nps: np.ndarray) -> list[list[str]]:
    """Factor codes each respondent mentioned (logistic in NPS for Lemke factors)."""
    x = np.where(np.isnan(nps), 7.5, nps) - 7.5
    hits = []
    for base, slope in FACTORS.values():
        logit = np.log(base / (1 - base)) + slope * x
        hits.append(rng.random(len(x)) < 1 / (1 + np.exp(-logit)))
    mat = np.column_stack(hits) & (rng.random(len(x)) > 0.05)[:, None]
    return [[f for f, h in zip(FACTORS, row, strict=True) if h] for row in mat]


def comment(rng, factors: list[str], nps: float) -> str:
    """Free text from phrase templates echoing up to two mentioned factors."""
    if rng.random() < 0.40:
        return ""
    positive = nps >= 8 or (nps == 7 and rng.random() < 0.5)
    picked = list(rng.permutation(factors)[:2]) if factors else []
    parts = [str(rng.choice(PHRASE_TABLE[f, "+" if positive else "-"])) for f in picked]
    if not parts or rng.random() < 0.3:
        parts.append(str(rng.choice(PHRASE_TABLE["general", "0"])))
    if len(parts) == 2 and not positive:
        parts[1] = "but " + parts[1][0].lower() + parts[1][1:]
    text = ". ".join(parts).replace(". but", ", but")
    return text + ("" if text.endswith("!") else ".")


def response_ids(rng, n: int, seen: set[str]) -> list[str]:
    """Qualtrics-like ids: R_ + 15 alphanumerics, unique across files."""
    alphabet = np.array(list(string.ascii_letters + string.digits))
    ids = []
    while len(ids) < n:
        rid = "R_" + "".join(rng.choice(alphabet, 15))
        if rid not in seen:
            seen.add(rid)
            ids.append(rid)
    return ids


def quarter_file(rng, accts, quarter: str, total: int, seen: set[str]) -> pd.DataFrame:
    """The survey export of one quarter, rows in random (response) order."""
    r = latent(rng, accts, quarter, total)
    r = r.iloc[rng.permutation(len(r))].reset_index(drop=True)
    nps_txt, renew_txt = outcomes(rng, r)
    nps = pd.to_numeric(pd.Series(nps_txt), errors="coerce").to_numpy()
    codes = mentions(rng, nps)
    df = pd.DataFrame({"ResponseId": response_ids(rng, len(r), seen)})
    df["AccountId"] = r["AccountId"]
    df["AccountName"] = r["AccountName"]
    df["Role"] = r["Role"]
    cols = ["Region", "Country", "Industry", "AccountManager", "AnnualRevenue"]
    df[[*cols, "LifecyclePhase"]] = r[[*cols, "LifecyclePhase"]]
    df["Quarter"] = quarter
    df = pd.concat([df, items(rng, r)], axis=1)
    df["Q_NPS"], df["Q_RENEW"] = nps_txt, renew_txt
    df["FactorsMentioned"] = ["; ".join(c) for c in codes]
    df["Comment"] = [
        comment(rng, c, 7.0 if np.isnan(v) else v)
        for c, v in zip(codes, nps, strict=True)
    ]
    if quarter.endswith("Q3"):
        spots = rng.choice(np.flatnonzero(df["Comment"] != ""), 2, replace=False)
        df.loc[spots, "Comment"] = INJECTIONS
    return df


def lemke_interviews(rng) -> pd.DataFrame:
    """20 coded interviews; mention counts per group (good 7, average 7, poor 6)."""
    counts = {  # factor -> mentions among good, average, poor
        "personal_contact": (6, 3, 1),
        "flexibility": (6, 3, 0),
        "implicit_understanding": (5, 3, 1),
        "knowledge": (6, 4, 1),
        "proactive_checking": (5, 2, 0),
        "proactive_objectives": (4, 1, 0),  # exactly 5 of 20: passes frequency
        "promise_fulfilment": (7, 4, 1),
        "value_for_time": (6, 2, 1),
        "price": (3, 3, 3),  # frequent but does not discriminate
        "brand": (2, 2, 2),
        "speed_of_delivery": (3, 1, 0),  # 4 of 20: fails frequency
    }
    groups = ["good"] * 7 + ["average"] * 7 + ["poor"] * 6
    df = pd.DataFrame({"Respondent": [f"I{i:02d}" for i in range(1, 21)]})
    df["Company"] = [f"{s} Group" for s in rng.choice(STEMS, 20, replace=False)]
    titles = ["Procurement manager", "Operations director", "Plant manager"]
    df["Role"] = rng.choice([*titles, "Facilities manager", "Managing director"], 20)
    df["Experience"] = groups
    for factor, per_group in counts.items():
        col = np.zeros(20, dtype=int)
        start = 0
        for size, k in zip((7, 7, 6), per_group, strict=True):
            col[start + rng.choice(size, k, replace=False)] = 1
            start += size
        df[factor] = col
    return df.iloc[rng.permutation(20)].reset_index(drop=True)


def renewal_decisions(rng, crm: pd.DataFrame) -> pd.DataFrame:
    """Renewals due July-December 2026: lost with odds falling in Q2 quality."""
    heard = crm.index[crm["in_q2"]]
    never = crm.index[~crm["in_q2"] & ~crm["in_q3"]]
    due = np.r_[
        rng.choice(heard, 120, replace=False), rng.choice(never, 6, replace=False)
    ]
    decided = crm.loc[np.sort(due)].reset_index(drop=True)
    lost = rng.random(len(decided)) < 1 / (1 + np.exp(1.3 + decided["quality"] / 0.4))
    kept = rng.choice(["Renewed", "Renewed", "Expanded"], len(decided))
    gone = rng.choice(["Churned", "Not renewed"], len(decided))
    months = rng.integers(7, 13, len(decided))
    return pd.DataFrame(
        {
            "AccountId": decided["AccountId"],
            "Outcome": np.where(lost, gone, kept),
            "ARRAtStake": decided["ARR"],
            "DecisionDate": [
                f"2026-{m:02d}-{d:02d}"
                for m, d in zip(months, rng.integers(1, 29, len(decided)), strict=True)
            ],
        }
    )


def write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    print(f"wrote {path}: {len(df)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write to")
    out = parser.parse_args().out
    rng = np.random.default_rng(SEED)
    accts = make_accounts(rng)
    seen: set[str] = set()
    write(quarter_file(rng, accts, "2026-Q2", 1150, seen), out / "acme_2026q2.csv")
    write(quarter_file(rng, accts, "2026-Q3", 1200, seen), out / "acme_2026q3.csv")
    crm = accts.rename(columns={"AnnualRevenue": "ARR"})
    cols = ["AccountId", "AccountName", "ARR", "Region", "Industry", "AccountManager"]
    write(crm[cols], out / "crm_accounts.csv")
    write(lemke_interviews(rng), out / "lemke_interviews.csv")
    renewals = renewal_decisions(np.random.default_rng(SEED + 1), crm)
    write(renewals, out / "crm_renewals.csv")
    earlier = np.random.default_rng(SEED + 2)
    accts = earlier_quarters(earlier, accts)
    write(quarter_file(earlier, accts, "2025-Q4", 1100, seen), out / "acme_2025q4.csv")
    write(quarter_file(earlier, accts, "2026-Q1", 1120, seen), out / "acme_2026q1.csv")


DETERIORATING = "ACC-0151"  # falls from 2025-Q4 to 2026-Q3 (a Q3 dropper)


def earlier_quarters(rng, accts: pd.DataFrame) -> pd.DataFrame:
    """Presence and level of the accounts in 2025-Q4 and 2026-Q1.

    The accounts of Q2 were heard before, each missing a quarter with probability
    0.08; the planted account stands 0.9 and 0.45 above its Q2 level.
    """
    a = accts.copy()
    for key in ("q4", "q1"):
        a[f"in_{key}"] = a["in_q2"] & (rng.random(len(a)) > 0.08)
        a[f"lift_{key}"] = 0.0
    planted = a["AccountId"] == DETERIORATING
    a.loc[planted, ["in_q4", "in_q1"]] = True
    a.loc[planted, "lift_q4"] = 0.9
    a.loc[planted, "lift_q1"] = 0.45
    return a


if __name__ == "__main__":
    main()
