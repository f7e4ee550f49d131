"""``b2bcx change`` and ``b2bcx trend``: why the portfolio moved, and where each account
is heading (docs/method.md#why-it-moved, docs/method.md#trends).

Both are built from the account tables ``score`` makes, one per wave: no second roll-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from b2bcx.api.accounts import account_weights, ordered_waves, score, score_waves
from b2bcx.config.models import Config
from b2bcx.errors import AnalysisError, DataError, Problem, UsageError
from b2bcx.io import Export
from b2bcx.results import (
    AccountMaster,
    ChangeResult,
    ScoreResult,
    Sources,
    TrendResult,
)
from b2bcx.scoring.accounts import revenue_column
from b2bcx.scoring.tables import with_display_name
from b2bcx.stats.change import PARTS, index_change, kitagawa, stuart_maxwell
from b2bcx.stats.order import sort_accounts
from b2bcx.stats.renewals import band_labels, band_of
from b2bcx.stats.trend import MIN_WAVES, account_slopes, portfolio_slope

NOT_HEARD, NEW, GONE = "not heard", "new", "gone"


def change(
    export: Export,
    baseline: Export,
    config: Config,
    *,
    master: AccountMaster | None = None,
    by: str | None = None,
) -> ChangeResult:
    """Why the portfolio moved between ``baseline`` and ``export``.

    The account-index change split into accounts that changed, their weights, and
    accounts that entered or left; the respondent NPS change split into the groups'
    own change and their mix (by role, or by a segment column); accounts moving
    between bands of ``index_eb``, with the Stuart–Maxwell test; per account the
    change beside the change expected from regression to the mean.

    Raises
    ------
    DataError, AnalysisError
        As ``score`` does; AnalysisError when ``by`` names no column of the accounts.
    """
    current, base = score_waves(export, config, baseline=baseline, master=master)
    if base is None:  # score_waves scores every baseline it is given
        raise AnalysisError(
            "the baseline could not be scored", hint="check the --baseline exports"
        )
    return change_from(current, base, master=master, by=by)


def change_from(
    current: ScoreResult,
    base: ScoreResult,
    *,
    master: AccountMaster | None = None,
    by: str | None = None,
) -> ChangeResult:
    """:func:`change` from the two waves' scores (``score_waves`` gives both)."""
    config = current.config
    revenue = revenue_column(config, master)
    migration, migration_revenue, test = _migration(current, base, master, revenue)
    group = by or "role"
    shares, totals = _rate_mix(current, base, group)
    return ChangeResult(
        current=current,
        baseline=base,
        parts=_parts(current, base, config, revenue),
        by=group,
        rate_mix=shares,
        rate_mix_total=totals,
        migration=migration,
        migration_revenue=migration_revenue,
        stuart_maxwell=test,
        accounts=_movers(current),
    )


def _aligned(
    current: ScoreResult, base: ScoreResult, config: Config, revenue: str | None
) -> pd.DataFrame:
    now, before = current.accounts, base.accounts
    ids = sorted(set(now["account"].astype(str)) | set(before["account"].astype(str)))
    frame = pd.DataFrame({"account": ids})
    for name, table in (("1", now), ("0", before)):
        keyed = table.assign(account=table["account"].astype(str)).set_index("account")
        weights = account_weights(table, config, revenue)
        keyed["weight"] = weights.to_numpy(float)
        frame[f"y{name}"] = keyed["index"].reindex(ids).to_numpy(float)
        frame[f"v{name}"] = keyed["weight"].reindex(ids).to_numpy(float)
        money = (
            keyed[revenue].astype(float)
            if revenue and revenue in keyed
            else pd.Series(np.nan, index=keyed.index)
        )
        frame[f"r{name}"] = money.reindex(ids).to_numpy(float)
    return frame


def _parts(
    current: ScoreResult, base: ScoreResult, config: Config, revenue: str | None
) -> pd.DataFrame:
    f = _aligned(current, base, config, revenue)
    split = index_change(f["y0"], f["v0"], f["y1"], f["v1"])
    in0 = f["y0"].notna() & (f["v0"].fillna(0) > 0)
    in1 = f["y1"].notna() & (f["v1"].fillna(0) > 0)
    members = {
        "continuing": (in0 & in1, "r1"),
        "weight_mix": (in0 & in1, "r1"),
        "entered": (in1 & ~in0, "r1"),
        "left": (in0 & ~in1, "r0"),
    }
    rows = []
    for part in PARTS:
        mask, money = members[part]
        known = f.loc[mask, money]
        rows.append(
            {
                "part": part,
                "change": getattr(split, part),
                "accounts": int(mask.sum()),
                "revenue": float(known.sum()) if known.notna().any() else np.nan,
            }
        )
    rows.append(
        {
            "part": "total",
            "change": split.total,
            "accounts": int((in0 | in1).sum()),
            "revenue": np.nan,
        }
    )
    table = pd.DataFrame(rows)
    table.attrs.update(before=split.before, after=split.after)
    return table


def _group_nps(cells: pd.DataFrame, group: str) -> pd.DataFrame:
    """NPS per group from the account x role counts: answers, promoter and
    detractor shares, share of all answers."""
    answered = cells[cells["nps_n"] > 0]
    keys = answered[group].astype("string").fillna("(missing)").to_numpy()
    table = answered[["nps_n", "nps_promoters", "nps_detractors"]].groupby(
        keys, sort=True
    )
    sums = table.sum()
    out = pd.DataFrame({"count": sums["nps_n"].astype(np.int64)})
    out["p"] = sums["nps_promoters"] / sums["nps_n"]
    out["d"] = sums["nps_detractors"] / sums["nps_n"]
    out["share"] = out["count"] / out["count"].sum()
    out["nps"] = 100 * (out["p"] - out["d"])
    out.index.name = "group"
    return out


def _with_group(result: ScoreResult, group: str) -> pd.DataFrame:
    cells = result.cells
    if group in cells:
        return cells
    if group in result.accounts:
        names = result.accounts[["account", group]].assign(
            account=result.accounts["account"].astype(str)
        )
        return cells.merge(names, on="account", how="left")
    raise AnalysisError(
        f"--by {group}: no such column",
        hint="use a segment column of the config or the account list, or leave "
        "--by out for roles",
    )


def _rate_mix(
    current: ScoreResult, base: ScoreResult, group: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    empty = {k: np.nan for k in ("before", "after", "total", "rate", "mix")}
    if "nps_n" not in current.cells or "nps_n" not in base.cells:
        return pd.DataFrame(), empty
    now = _group_nps(_with_group(current, group), group)
    before = _group_nps(_with_group(base, group), group)
    groups = sorted(set(now.index) | set(before.index))
    s0 = before["share"].reindex(groups).fillna(0.0).to_numpy()
    s1 = now["share"].reindex(groups).fillna(0.0).to_numpy()
    n0 = before["nps"].reindex(groups).to_numpy(float)
    n1 = now["nps"].reindex(groups).to_numpy(float)
    split = kitagawa(s0, n0, s1, n1)
    table = pd.DataFrame(
        {
            "group": groups,
            "share_before": s0,
            "share_after": s1,
            "nps_before": n0,
            "nps_after": n1,
        }
    )
    totals = {
        "before": split.before,
        "after": split.after,
        "total": split.total,
        "rate": split.rate,
        "mix": split.mix,
    }
    return table, totals


def _states(result: ScoreResult, listed: set[str], bands: Sequence[float]) -> pd.Series:
    accounts = result.accounts.assign(account=result.accounts["account"].astype(str))
    basis = accounts["index_eb"].fillna(accounts["index"])
    labels = np.asarray(band_labels(bands), object)
    banded = np.where(
        basis.notna(), labels[band_of(basis.to_numpy(float), bands)], None
    )
    states = pd.Series(banded, index=accounts["account"], dtype=object)
    states = states.fillna(NOT_HEARD)  # heard, but without a CX index
    extra = sorted(listed - set(states.index))
    return pd.concat([states, pd.Series(NOT_HEARD, index=extra, dtype=object)])


def _migration(
    current: ScoreResult,
    base: ScoreResult,
    master: AccountMaster | None,
    revenue: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    bands = current.config.value.bands
    labels = band_labels(bands)
    listed = set(master.table["account"].astype(str)) if master is not None else set()
    before = _states(base, listed, bands)
    now = _states(current, listed, bands)
    ids = sorted(set(before.index) | set(now.index))
    frame = pd.DataFrame(
        {
            "from": before.reindex(ids).fillna(NEW).to_numpy(),
            "to": now.reindex(ids).fillna(GONE).to_numpy(),
        },
        index=ids,
    )
    frame["revenue"] = _revenue_by_account(current, base, master, revenue).reindex(ids)
    rows = [*labels, NOT_HEARD, NEW]
    columns = [*labels, NOT_HEARD, GONE]
    counts = pd.crosstab(frame["from"], frame["to"]).reindex(
        index=rows, columns=columns, fill_value=0
    )
    money = (
        frame.pivot_table(
            index="from", columns="to", values="revenue", aggfunc="sum", fill_value=0.0
        ).reindex(index=rows, columns=columns, fill_value=0.0)
        if frame["revenue"].notna().any()
        else counts * np.nan
    )
    banded = counts.loc[labels, labels].to_numpy(float)
    test = stuart_maxwell(banded)
    keep_rows = [r for r in rows if r in labels or counts.loc[r].sum() > 0]
    keep_columns = [c for c in columns if c in labels or counts[c].sum() > 0]
    counts = counts.loc[keep_rows, keep_columns]
    money = money.loc[keep_rows, keep_columns]
    return (
        counts.rename_axis(index="from", columns=None).reset_index(),
        money.rename_axis(index="from", columns=None).reset_index(),
        {"statistic": test.statistic, "df": float(test.df), "p": test.p},
    )


def _revenue_by_account(
    current: ScoreResult,
    base: ScoreResult,
    master: AccountMaster | None,
    revenue: str | None,
) -> pd.Series:
    parts = []
    if master is not None and revenue and revenue in master.table:
        parts.append(master.table.set_index("account")[revenue])
    for result in (current, base):
        if revenue and revenue in result.accounts:
            parts.append(result.accounts.set_index("account")[revenue])
    if not parts:
        return pd.Series(dtype=float)
    joined = pd.concat(parts)
    joined.index = joined.index.astype(str)
    return joined[~joined.index.duplicated()].astype(float)


def _movers(current: ScoreResult) -> pd.DataFrame:
    accounts = with_display_name(current.accounts, current.config)
    wanted = [
        "account",
        "name",
        "index_baseline",
        "index",
        "delta",
        "delta_rtm",
        "p_change",
        "q_change",
        "significant_fdr",
    ]
    table = accounts[[c for c in wanted if c in accounts]]
    table = table[table["delta"].notna()] if "delta" in table else table.iloc[0:0]
    return sort_accounts(table, ["delta"], [True]).reset_index(drop=True)


# -- trends ---------------------------------------------------------------------------
def history_trend(
    sources: Sources, current: ScoreResult, base: ScoreResult | None
) -> tuple[TrendResult | None, list[ScoreResult]]:
    """The trend over ``--history`` (earlier waves, oldest first), the baseline and
    this wave, for the workbook and the decks, with the earlier waves scored (each
    streamed when the pass applies); None without a history or baseline."""
    from b2bcx.api.commands import score as score_files_or_export

    if not sources.history or base is None:
        return None, []
    earlier = [
        score_files_or_export(
            [path], sources.config, master=sources.master, sheet=sources.sheet
        )
        for path in sources.history
    ]
    waves = [*earlier, base, current]
    labels = [r.wave or f"wave {t + 1}" for t, r in enumerate(waves)]
    found = trend_of(
        list(zip(labels, waves, strict=True)), sources.config, master=sources.master
    )
    return found, earlier


def split_waves(export: Export, config: Config) -> list[tuple[str, Export]]:
    """One export per value of ``columns.wave``, oldest first (``waves.order``)."""
    column = config.columns.wave
    if not column:
        raise AnalysisError(
            "the config has no `columns.wave`",
            hint="set `columns.wave`, or give one file per wave with --wave-per-file",
        )
    if column not in export.frame:
        raise DataError(
            f"the wave column {column!r} is not in the export",
            hint="check `columns.wave`, or use --wave-per-file",
        )
    values = export.frame[column].astype("string").str.strip()
    waves = ordered_waves(values.dropna().unique(), config)
    return [
        (w, replace(export, frame=export.frame[(values == w).fillna(False)]))
        for w in waves
    ]


def trend(
    waves: Sequence[tuple[str, Export]],
    config: Config,
    *,
    master: AccountMaster | None = None,
) -> TrendResult:
    """Per account and for the portfolio, the slope of the index over the waves.

    ``waves`` are (label, export) pairs, oldest first; each is scored as ``score``
    scores it, and ``t = 0, 1, …`` is its position.

    Raises
    ------
    AnalysisError
        With fewer than three waves.
    """
    _enough(len(waves))
    return trend_of(
        [(label, score(export, config, master=master)) for label, export in waves],
        config,
        master=master,
    )


def trend_files(
    paths: Sequence[str | Path],
    config: Config,
    *,
    master: AccountMaster | None = None,
) -> TrendResult:
    """:func:`trend` with one wave per file, oldest first, each scored in one
    streaming pass when the pass applies (memory flat in rows), else read whole.
    A wave is named by its ``columns.wave`` value, else by its file's name."""
    from b2bcx.api.load import load_exports
    from b2bcx.api.streamed import score_files

    _enough(len(paths))
    results = []
    for path in paths:
        result = score_files([path], config, master=master)
        if result is None:  # the pass does not apply (several waves among them)
            export = load_exports([path])
            _one_wave(export, config, path)
            result = score(export, config, master=master)
        results.append((result.wave or Path(path).stem, result))
    return trend_of(results, config, master=master)


def _one_wave(export: Export, config: Config, path: str | Path) -> None:
    """With --wave-per-file, a file holding several values of ``columns.wave`` is an
    error: scoring it would keep its last wave and drop the others."""
    column = config.columns.wave
    if not column or column not in export.frame:
        return
    found = ordered_waves(
        export.frame[column].astype("string").str.strip().dropna().unique(), config
    )
    if len(found) > 1:
        raise UsageError(
            f"{path} holds {len(found)} waves ({', '.join(found)}), but "
            "--wave-per-file takes one wave per file",
            hint="leave out --wave-per-file: the waves then come from "
            f"`columns.wave` ({column})",
        )


def _enough(count: int) -> None:
    if count < MIN_WAVES:
        raise AnalysisError(
            f"a trend needs {MIN_WAVES} or more waves; {count} given",
            hint="give one export per wave with --wave-per-file, or an export whose "
            "`columns.wave` holds three or more waves",
        )


def trend_of(
    results: Sequence[tuple[str, ScoreResult]],
    config: Config,
    *,
    master: AccountMaster | None = None,
) -> TrendResult:
    """The trend from each wave's scores, oldest first (see :func:`trend`).

    Raises
    ------
    UsageError
        Two waves with the same name (the same wave given twice).
    """
    labels = [label for label, _ in results]
    twice = sorted({w for w in labels if labels.count(w) > 1})
    if twice:
        raise UsageError(
            f"wave {twice[0]} is given more than once",
            hint="give each wave once, oldest first (a file's wave is its "
            "`columns.wave` value, else its file name)",
        )
    revenue = revenue_column(config, master)
    panel: list[pd.DataFrame] = []
    portfolio: list[dict[str, object]] = []
    problems: list[Problem] = []
    names: dict[str, object] = {}
    for t, (label, result) in enumerate(results):
        problems += result.problems
        accounts = result.accounts
        weights = account_weights(accounts, config, revenue)
        panel.append(
            pd.DataFrame(
                {
                    "account": accounts["account"].astype(str).to_numpy(),
                    "t": t,
                    "wave": label,
                    "index": accounts["index"].to_numpy(float),
                    "se": accounts["se"].to_numpy(float),
                    "weight": weights.to_numpy(float),
                }
            )
        )
        shown = with_display_name(accounts, config)
        if "name" in shown:
            names.update(zip(shown["account"].astype(str), shown["name"], strict=True))
        p = result.portfolio
        portfolio.append(
            {
                "wave": label,
                "t": t,
                "accounts": int(p["scored_accounts"]),
                "index": p["index"],
                "index_se": p["index_se"],
                "ci_low": p["ci_low"],
                "ci_high": p["ci_high"],
            }
        )
    stacked = pd.concat(panel, ignore_index=True)
    slopes = account_slopes(stacked)
    labels = [label for label, _ in results]
    by_wave = stacked.pivot_table(
        index="account", columns="wave", values="index", aggfunc="first"
    ).reindex(columns=labels)
    table = slopes.join(by_wave, on="account")
    if names:
        table.insert(1, "name", table["account"].map(names))
    fit = portfolio_slope(stacked)
    return TrendResult(
        config=config,
        waves=labels,
        portfolio=pd.DataFrame(portfolio),
        accounts=table,
        portfolio_slope={
            "slope": fit.slope,
            "se": fit.se,
            "ci_low": fit.ci_low,
            "ci_high": fit.ci_high,
            "accounts": float(fit.accounts),
            "observations": float(fit.observations),
        },
        problems=problems,
    )
