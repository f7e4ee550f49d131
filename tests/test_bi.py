"""`b2bcx score --format bi -o DIR/`: long, typed tables that re-aggregate to the workbook.

Each check rebuilds a number the workbook shows (from the same results it is
written from: the portfolio and segment rows of the Segments sheet, the Pillars by
role sheet, the Summary's at-risk and blind-spot counts, the Accounts sheet's change)
out of the BI files alone, read back from Parquet and from CSV.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import EXAMPLES
from typer.testing import CliRunner

from b2bcx.cli import app
from b2bcx.cli.common import score_inputs
from b2bcx.report.bi import TABLES
from b2bcx.report.summary import at_risk, blind_spots

Q3 = EXAMPLES / "acme_2026q3.csv"
Q2 = EXAMPLES / "acme_2026q2.csv"
CONFIG = EXAMPLES / "acme.yaml"
CRM = EXAMPLES / "crm_accounts.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("bi") / "bi"
    args = [
        Q3,
        "-c",
        CONFIG,
        "--baseline",
        Q2,
        "--accounts",
        CRM,
        "--format",
        "bi",
        "-o",
        target,
    ]
    result = runner.invoke(app, ["score", *map(str, args)])
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def result():
    return score_inputs([Q3], CONFIG, None, [Q2], CRM)


@pytest.fixture(scope="module", params=["parquet", "csv"])
def bi(folder, request) -> dict[str, pd.DataFrame]:
    read = pd.read_parquet if request.param == "parquet" else pd.read_csv
    return {name: read(folder / f"{name}.{request.param}") for name in TABLES}


def test_every_table_and_column_is_in_the_dictionary(bi):
    dictionary = bi["dictionary"]
    for name in TABLES:
        documented = dictionary.loc[dictionary["table"] == name, "column"].tolist()
        assert documented == list(bi[name].columns), name
    assert dictionary["meaning"].str.len().gt(0).all()
    assert set(dictionary["type"]) <= {"string", "integer", "number", "boolean"}


def test_parquet_keeps_the_types(folder):
    accounts = pd.read_parquet(folder / "accounts.parquet")
    assert pd.api.types.is_integer_dtype(accounts["n"])
    assert pd.api.types.is_float_dtype(accounts["index"])
    assert pd.api.types.is_bool_dtype(accounts["at_risk"])


def test_the_portfolio_and_segments_re_aggregate(bi, result):
    segments = result.segments.set_index(["segment", "value"])
    accounts = bi["accounts"]
    assert result.config.rollup.account_weight == "equal"
    portfolio = segments.loc[("portfolio", "all")]
    heard = accounts[accounts["n"].fillna(0) > 0]
    assert heard["index"].mean() == pytest.approx(portfolio["index"], abs=1e-9)
    assert heard["nps"].mean() == pytest.approx(portfolio["nps"], abs=1e-9)
    for region, rows in heard.groupby("Region"):
        assert rows["index"].mean() == pytest.approx(
            segments.loc[("Region", region), "index"], abs=1e-9
        )
    scores = bi["account_scores"].merge(heard[["account"]], on="account")
    for pillar, rows in scores.groupby("measure"):
        assert rows["score"].mean() == pytest.approx(portfolio[pillar], abs=1e-9)
    long = bi["segment_scores"]
    row = long[(long["segment"] == "Region") & (long["value"] == "EMEA")]
    for _, r in row.iterrows():
        assert r["score"] == pytest.approx(
            segments.loc[("Region", "EMEA"), r["measure"]]
        )


def test_flags_give_the_summary_counts(bi, result):
    flags = bi["flags"]
    assert flags.loc[flags["kind"] == "risk", "account"].nunique() == len(
        at_risk(result)
    )
    assert flags.loc[flags["kind"] == "blind spot", "account"].nunique() == len(
        blind_spots(result)
    )
    counts = flags.groupby("flag")["account"].nunique()
    listed = result.accounts["flags"].explode().dropna().value_counts()
    for flag, count in listed.items():
        assert counts[flag] == count, flag


def test_waves_give_the_change_and_roles_the_role_table(bi, result):
    waves = bi["waves"].pivot(index="account", columns="is_baseline", values="index")
    change = (waves[False] - waves[True]).dropna()
    expected = result.accounts.set_index("account")["delta"].dropna()
    assert len(change) == len(expected)
    assert (change - expected.loc[change.index]).abs().max() < 1e-9
    roles = bi["roles"]
    for _, row in result.by_role.iterrows():
        mine = roles[(roles["role"] == row["role"]) & (roles["measure"] == "index")]
        assert mine["score"].iloc[0] == pytest.approx(row["index"])
        assert mine["respondents"].iloc[0] == row["respondents"]


def test_bi_needs_a_folder(tmp_path):
    plain = runner.invoke(app, ["score", str(Q3), "-c", str(CONFIG), "--format", "bi"])
    assert plain.exit_code == 2
    target = tmp_path / "file.csv"
    target.write_text("x")
    onto = runner.invoke(
        app, ["score", str(Q3), "-c", str(CONFIG), "--format", "bi", "-o", str(target)]
    )
    assert onto.exit_code == 2
