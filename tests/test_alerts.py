"""`b2bcx alerts`: one row per account needing action, shaped for a CRM import."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import EXAMPLES, respondent, small_config, write_yaml
from typer.testing import CliRunner

from b2bcx.cli import app
from b2bcx.report.labels import reasons_text
from b2bcx.scoring import tables
from b2bcx.scoring.alerts import COLUMNS, alerts, severity

Q3 = EXAMPLES / "acme_2026q3.csv"
Q2 = EXAMPLES / "acme_2026q2.csv"
CONFIG = EXAMPLES / "acme.yaml"
CRM = EXAMPLES / "crm_accounts.csv"
AS_OF = date(2026, 10, 1)
runner = CliRunner()

# What a CRM import table takes: one typed column each, the account id unique.
CRM_TYPES = {
    "owner": "string",
    "account": "string",
    "name": "string",
    "kind": "category",
    "severity": "category",
    "reason_codes": "string",
    "reasons": "string",
    "revenue": "Float64",
    "tier": "string",
    "index": "Float64",
    "nps": "Float64",
    "due_by": "string",
    "wave": "string",
}


def run(*args: object):
    return runner.invoke(app, ["alerts", *(str(a) for a in args)])


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("alerts") / "alerts.csv"
    result = run(
        Q3,
        "-c",
        CONFIG,
        "--baseline",
        Q2,
        "--accounts",
        CRM,
        "--as-of",
        AS_OF,
        "-o",
        target,
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def scored():
    from b2bcx.cli.common import score_inputs

    return score_inputs([Q3], CONFIG, None, [Q2], CRM)


def test_the_file_imports_into_a_crm_shaped_table(written):
    table = pd.read_csv(written, dtype=CRM_TYPES, keep_default_na=False, na_values=[""])
    assert list(table.columns) == COLUMNS == list(CRM_TYPES)
    assert table["account"].is_unique
    assert set(table["kind"]) == {"risk", "blind spot"}
    assert set(table["severity"]) <= {"high", "medium", "low"}
    assert (table["owner"].str.len() > 0).all()  # every example account has a manager
    due = pd.to_datetime(table["due_by"], format="%Y-%m-%d")
    assert due.notna().all()


def test_one_row_per_account_at_risk_or_blind_spot(written, scored):
    table = pd.read_csv(written, dtype=str, keep_default_na=False)
    accounts = tables.account_output(scored)
    needing = accounts[(accounts["at_risk"] != "") | (accounts["blind_spots"] != "")]
    assert set(table["account"]) == set(needing["account"].astype(str))
    by_id = needing.set_index(needing["account"].astype(str))
    for _, row in table.iterrows():
        source = by_id.loc[row["account"]]
        risky = source["at_risk"] != ""
        assert row["kind"] == ("risk" if risky else "blind spot")
        codes = [c for c in (source["at_risk"], source["blind_spots"]) if c]
        assert row["reason_codes"] == ";".join(codes)
        # the workbook's words for the same reasons
        assert row["reasons"] == reasons_text(row["reason_codes"])
        days = 14 if risky else 30
        assert row["due_by"] == (AS_OF + timedelta(days=days)).isoformat()


def test_rows_run_risk_first_then_severity_then_revenue(written):
    table = pd.read_csv(written)
    kind = (table["kind"] != "risk").astype(int)
    level = table["severity"].map({"high": 0, "medium": 1, "low": 2})
    keys = list(zip(kind, level, -table["revenue"].fillna(-1), strict=True))
    assert keys == sorted(keys)


def test_severity_rules():
    assert severity("risk", ["low_score"], "B") == "medium"
    assert severity("risk", ["low_score", "significant_fall"], "C") == "high"
    assert severity("risk", ["low_score"], "A") == "high"
    assert severity("blind spot", [], "A") == "medium"
    assert severity("blind spot", [], None) == "low"


def test_due_days_and_owner_come_from_the_config(tmp_path, scored):
    from dataclasses import replace

    config = scored.config.model_copy(
        update={
            "alerts": scored.config.alerts.model_copy(
                update={"risk_days": 3, "blind_spot_days": 5, "owner": "Region"}
            )
        }
    )
    table = alerts(replace(scored, config=config), AS_OF)
    risk = table[table["kind"] == "risk"]
    assert set(risk["due_by"]) == {"2026-10-04"}
    assert set(table.loc[table["kind"] != "risk", "due_by"]) == {"2026-10-06"}
    assert set(table["owner"]) <= {"APAC", "EMEA", "LATAM", "North America", ""}


def test_text_never_starts_a_formula(tmp_path):
    config = small_config(
        columns={**small_config()["columns"], "name": "Name", "segments": ["Owner"]}
    )
    config_path = write_yaml(tmp_path / "program.yaml", config)
    rows = [respondent("r1", "=1+2", "User", [1, 1, 1, 1], nps=0)]
    rows[0] |= {"Name": "@SUM(A1)", "Owner": "-Eve"}
    rows.append(respondent("r2", "+A1", "DM", [5, 5, 5, 5], nps=10))
    rows[1] |= {"Name": "+cmd", "Owner": "=Bob"}
    export = tmp_path / "export.csv"
    pd.DataFrame(rows).to_csv(export, index=False)
    target = tmp_path / "alerts.json"
    result = run(export, "-c", config_path, "--as-of", "2026-01-01", "-o", target)
    assert result.exit_code == 0, result.output
    records = json.loads(target.read_text())
    assert records, "both single-contact accounts are blind spots"
    for record in records:
        for value in record.values():
            if isinstance(value, str):
                assert not value.startswith(("=", "+", "-", "@")), value
    assert {r["account"] for r in records} == {"'=1+2", "'+A1"}


def test_usage_errors(tmp_path):
    bad_day = run(Q3, "-c", CONFIG, "--as-of", "1 Oct", "-o", tmp_path / "a.csv")
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
    bad_file = run(Q3, "-c", CONFIG, "-o", tmp_path / "alerts.xlsx")
    assert bad_file.exit_code == 2 and ".csv or .json" in bad_file.output
    assert not (tmp_path / "a.csv").exists()
