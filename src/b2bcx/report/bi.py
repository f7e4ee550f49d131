"""Tables for a BI tool (``b2bcx score --format bi -o DIR/``): long, typed, documented.

Each table has one row per thing it names and one typed column per measure, so a
BI tool joins them on ``account`` (or ``segment`` and ``value``, or ``role``)
and re-aggregates them to every number of the workbook:

=================  ===========================================================
``accounts``       one row per account heard or listed: counts, index with its
                   interval, reliability, NPS with its interval, change, revenue,
                   tier and segments
``account_scores`` account × pillar (and composite, outcome): the 0–100 score
``flags``          account × reason: ``kind`` risk, blind spot or flag, in words
``roles``          role × measure over the portfolio, with respondents and accounts
``segments``       one row per cut and value (the portfolio first)
``segment_scores`` cut × value × pillar: the 0–100 score
``waves``          account × wave: index, its standard error and the shrunk index
``dictionary``     table × column: type and meaning
=================  ===========================================================

Written as CSV (formula-safe) and Parquet (typed), each file atomically.

Example
-------
>>> tables = bi_tables(result)  # doctest: +SKIP
>>> sorted(tables)  # doctest: +SKIP
['account_scores', 'accounts', 'dictionary', 'flags', 'roles', 'segment_scores', ...]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from b2bcx.errors import UsageError
from b2bcx.io.writers import write_table
from b2bcx.report.labels import header_labels
from b2bcx.results import ScoreResult
from b2bcx.scoring import tables
from b2bcx.scoring.accounts import score_columns
from b2bcx.scoring.risk import BLIND_SPOTS, FLAG_LABELS, RISKS

TABLES = (
    "accounts",
    "account_scores",
    "flags",
    "roles",
    "segments",
    "segment_scores",
    "waves",
    "dictionary",
)
MEANINGS = {
    "table": "the table this column belongs to",
    "column": "the column's name",
    "type": "the column's type (string, integer, number, boolean)",
    "meaning": "what the column holds",
    "measure": "a pillar, composite or outcome id (0-100 scores) or index/nps",
    "label": "the measure's or flag's label in words",
    "score": "the 0-100 score (NPS: -100..100)",
    "flag": "the flag or reason id",
    "wave": "the survey wave of the row",
    "at_risk": "true when the account is at risk (its reasons: table flags, kind risk)",
    "blind_spot": "true when the survey cannot speak for the account (reasons: table flags, kind blind spot)",
    "kind": "risk, blind spot or flag",
    "is_baseline": "true for the baseline wave's row",
    "revenue": "the account's revenue (the CRM list's when given)",
}


def bi_tables(result: ScoreResult) -> dict[str, pd.DataFrame]:
    """The BI tables of one scored wave (see the module's notes), dictionary last."""
    output = tables.account_output(result)
    measures = [c for c in score_columns(result.config) if c in output]
    labels = header_labels(result.config)
    out = {
        "accounts": _accounts(result, output, measures),
        "account_scores": _long(output, ["account"], measures, labels),
        "flags": _flags(output),
        "roles": _long(
            result.by_role,
            ["role", "respondents", "accounts"],
            ["index", *measures, "nps"],
            labels,
        ),
        "segments": result.segments.drop(columns=measures, errors="ignore"),
        "segment_scores": _long(
            result.segments, ["segment", "value"], measures, labels
        ),
        "waves": _waves(result, output),
    }
    out = {name: _typed(frame) for name, frame in out.items()}
    out["dictionary"] = dictionary(out, labels)
    return out


def _accounts(
    result: ScoreResult, output: pd.DataFrame, measures: list[str]
) -> pd.DataFrame:
    drop = [*measures, "flags", "at_risk", "blind_spots"]
    frame = output.drop(columns=[c for c in drop if c in output])
    revenue = tables.account_revenue_column(result)
    if revenue and revenue in frame:
        frame = frame.rename(columns={revenue: "revenue"})
    frame.insert(1, "wave", result.wave or "")
    frame["at_risk"] = output["at_risk"] != ""
    frame["blind_spot"] = output["blind_spots"] != ""
    return frame


def _long(
    frame: pd.DataFrame, keys: list[str], measures: list[str], labels: dict[str, str]
) -> pd.DataFrame:
    present = [m for m in measures if m in frame]
    long = frame[[*keys, *present]].melt(
        id_vars=keys, value_vars=present, var_name="measure", value_name="score"
    )
    long.insert(len(keys) + 1, "label", long["measure"].map(lambda m: labels.get(m, m)))
    order = {m: i for i, m in enumerate(present)}
    long["_order"] = long["measure"].map(order)
    return (
        long.sort_values([*keys[:1], "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _flags(output: pd.DataFrame) -> pd.DataFrame:
    records = []
    for _, row in output.iterrows():
        seen: set[str] = set()
        codes = [
            *(("risk", c) for c in str(row["at_risk"]).split(";") if c),
            *(("blind spot", c) for c in str(row["blind_spots"]).split(";") if c),
            *(("flag", c) for c in str(row["flags"]).split(";") if c),
        ]
        for kind, code in codes:
            if code in seen:
                continue
            seen.add(code)
            if kind == "flag" and (code in RISKS or code in BLIND_SPOTS):
                kind = "risk" if code in RISKS else "blind spot"
            records.append(
                {
                    "account": str(row["account"]),
                    "flag": code,
                    "kind": kind,
                    "label": FLAG_LABELS.get(code, code.replace("_", " ")),
                }
            )
    return pd.DataFrame.from_records(
        records, columns=["account", "flag", "kind", "label"]
    )


def _waves(result: ScoreResult, output: pd.DataFrame) -> pd.DataFrame:
    accounts = result.accounts
    now = pd.DataFrame(
        {
            "account": accounts["account"].astype(str),
            "wave": result.wave or "current",
            "is_baseline": False,
            "index": accounts["index"],
            "se": accounts.get("se"),
            "index_eb": accounts.get("index_eb"),
        }
    )
    parts = [now]
    if "index_baseline" in accounts:
        before = accounts[accounts["index_baseline"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "account": before["account"].astype(str),
                    "wave": result.baseline_wave or "baseline",
                    "is_baseline": True,
                    "index": before["index_baseline"],
                    "se": before.get("se_baseline"),
                    "index_eb": before.get("index_eb_baseline"),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["account", "is_baseline"], kind="stable").reset_index(
        drop=True
    )


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Text as string, whole numbers as nullable integers, yes/no as nullable booleans."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            continue
        flags = values.dropna()
        if values.dtype == object and len(flags) and flags.map(type).isin([bool]).all():
            out[column] = values.astype("boolean")
            continue
        if pd.api.types.is_integer_dtype(values):
            out[column] = values.astype("Int64")
        elif pd.api.types.is_float_dtype(values):
            out[column] = values.astype("Float64")
        else:
            out[column] = values.astype("string")
    return out.reset_index(drop=True)


def _type_name(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def dictionary(frames: dict[str, pd.DataFrame], labels: dict[str, str]) -> pd.DataFrame:
    """Every column of every table: its type and meaning (the workbook's header words)."""
    records = []
    for name, frame in frames.items():
        for column in frame.columns:
            meaning = (
                MEANINGS.get(column) or labels.get(column) or column.replace("_", " ")
            )
            records.append(
                {
                    "table": name,
                    "column": column,
                    "type": _type_name(frame[column]),
                    "meaning": meaning,
                }
            )
    records += [
        {"table": "dictionary", "column": c, "type": "string", "meaning": MEANINGS[c]}
        for c in ("table", "column", "type", "meaning")
    ]
    return _typed(pd.DataFrame.from_records(records))


def write_bi_tables(result: ScoreResult, folder: str | Path) -> list[Path]:
    """Write every BI table to ``folder`` as CSV and Parquet; return the paths.

    Raises
    ------
    UsageError
        When ``folder`` is a file or cannot be made.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(
            f"--format bi writes a folder of tables, and {folder} is a file",
            hint="pass -o DIR/ (a new or existing folder)",
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in bi_tables(result).items():
        for suffix in (".csv", ".parquet"):
            written.append(write_table(frame, folder / f"{name}{suffix}", sheet=name))
    return written
