"""The chase list (``b2bcx chase``): priority against R, order, silent contacts.

Pinned values: ``tests/data/reference/v3/r_priority.csv`` and ``r_pooled.csv`` from
``tests/reference/v3_agreement.R`` (the role-weighted SE of the index in base R,
``priority = v² SE² / (n + 1)``; equal weights, revenue weights, and
``min_respondents: 3``, where the accounts of 1-2 respondents have no SE and use
the pooled within-account variance), on ``agreement.csv``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.cli import app
from b2bcx.config.models import load_config

REF = Path(__file__).resolve().parent / "data" / "reference" / "v3"
EXPORT = REF / "agreement.csv"
TOL = 1e-6
runner = CliRunner()


def config_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "chase.yaml"
    base = (REF / "agreement.yaml").as_posix()
    path.write_text(f"extends: {base}\n{extra}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "column"),
    [
        ("", "priority_equal"),
        ("rollup:\n  account_weight: revenue\n", "priority_revenue"),
        ("rollup:\n  min_respondents: 3\n", "priority_min3"),
    ],
)
def test_priority_equals_r(tmp_path: Path, extra: str, column: str) -> None:
    config = load_config(config_with(tmp_path, extra))
    result = api.chase(api.load_exports([EXPORT]), config)
    got = result.accounts.set_index("account")["priority"]
    pinned = pd.read_csv(REF / "r_priority.csv", dtype={"account": str})
    pinned = pinned.set_index("account")[column]
    np.testing.assert_allclose(
        got.loc[pinned.index], pinned.to_numpy(), rtol=1e-9, atol=1e-12
    )
    ranked = got.to_numpy()
    assert (np.diff(ranked) <= 0).all()  # highest priority first


@pytest.mark.parametrize("streamed", [False, True])
def test_pooled_variance_equals_r(streamed: bool) -> None:
    config = load_config(REF / "agreement.yaml")
    result = (
        api.score_files([EXPORT], config)
        if streamed
        else api.score(api.load_exports([EXPORT]), config)
    )
    assert result is not None
    pinned = pd.read_csv(REF / "r_pooled.csv")["pooled_variance"].iloc[0]
    assert result.pooled_variance == pytest.approx(pinned, abs=TOL)


def planted(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A CRM list with three accounts not heard and a contact list naming their
    decision makers, users and influencers, and a silent decision maker of ACC03."""
    heard = pd.read_csv(EXPORT, dtype=str)
    listed = heard.groupby("AccountId")["Revenue"].first().reset_index()
    extra = pd.DataFrame(
        {"AccountId": ["X1", "X2", "X3"], "Revenue": ["5000000", "1000000", "2000000"]}
    )
    crm = tmp_path / "crm.csv"
    pd.concat([listed, extra]).to_csv(crm, index=False)
    answered = heard[heard["AccountId"] == "ACC03"]["RespondentId"].iloc[0]
    contacts = pd.DataFrame(
        [
            ("U1", "X1", "User"),
            ("D1", "X1", "Decision maker"),
            ("D2", "X2", "Decision maker"),
            ("I3", "X3", "Influencer"),
            ("D3", "X3", "Decision maker"),
            ("A3", "ACC03", "Decision maker"),
            (answered, "ACC03", "Decision maker"),
        ],
        columns=["ContactId", "AccountId", "Role"],
    )
    contact_file = tmp_path / "contacts.csv"
    contacts.to_csv(contact_file, index=False)
    config = config_with(tmp_path, "accounts:\n  id: AccountId\n  revenue: Revenue\n")
    return crm, contact_file, config


def test_silent_decision_makers_of_the_largest_unheard_accounts_come_first(
    tmp_path: Path,
) -> None:
    crm, contacts, config = planted(tmp_path)
    out = runner.invoke(
        app,
        [
            "chase",
            str(EXPORT),
            "-c",
            str(config),
            "--accounts",
            str(crm),
            "--contacts",
            str(contacts),
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    accounts = [r["account"] for r in payload["accounts"]]
    assert accounts[:3] == ["X1", "X3", "X2"]  # not heard, largest revenue first
    silent = [(r["account"], r["contact"], r["role"]) for r in payload["contacts"]]
    assert silent[:5] == [
        ("X1", "D1", "decision_maker"),
        ("X1", "U1", "user"),
        ("X3", "D3", "decision_maker"),
        ("X3", "I3", "influencer"),
        ("X2", "D2", "decision_maker"),
    ]
    assert ("ACC03", "A3", "decision_maker") in silent
    assert all(c != "ACC03" or k == "A3" for c, k, _ in silent)  # who answered is out
    assert set(payload["summary"]) == {"icc1", "icc2", "k_star"}
    first = payload["accounts"][0]
    assert {"account", "priority", "contacts_needed"} <= set(first)
    assert first["roles_not_heard"] == "decision_maker;influencer;user"
    pinned = pd.read_csv(REF / "r_icc.csv").iloc[0]
    assert payload["summary"]["icc1"] == pytest.approx(pinned["icc1"], abs=TOL)
    assert first["contacts_needed"] == np.ceil(pinned["k_star"])


def test_chase_writes_files(tmp_path: Path) -> None:
    crm, contacts, config = planted(tmp_path)
    out_file = tmp_path / "chase.csv"
    result = runner.invoke(
        app,
        [
            "chase",
            str(EXPORT),
            "-c",
            str(config),
            "--accounts",
            str(crm),
            "--contacts",
            str(contacts),
            "-o",
            str(out_file),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out_file)
    assert table["account"].iloc[0] == "X1"
    assert (tmp_path / "chase_contacts.csv").exists()


def test_the_terminal_names_the_roles_not_heard_in_words(tmp_path: Path) -> None:
    crm, _, config = planted(tmp_path)
    out = runner.invoke(
        app,
        ["chase", str(EXPORT), "-c", str(config), "--accounts", str(crm)],
        env={"COLUMNS": "160"},
    )
    assert out.exit_code == 0, out.output
    (x1,) = [line for line in out.stdout.splitlines() if " X1 " in line]
    assert "Decision maker, Influencer, User" in x1
    assert "decision_maker" not in out.stdout


def test_missing_contact_column_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "contacts.csv"
    bad.write_text("Id,AccountId,Role\nC1,ACC01,User\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "chase",
            str(EXPORT),
            "-c",
            str(REF / "agreement.yaml"),
            "--contacts",
            str(bad),
        ],
    )
    assert result.exit_code == 1
    assert "ContactId" in result.output


def test_workbook_has_the_chase_sheet_and_the_icc_figures(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    crm, _, config = planted(tmp_path)
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        app,
        [
            "report",
            str(EXPORT),
            "-c",
            str(config),
            "--accounts",
            str(crm),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    sheet = book["Chase"]
    rows = [[c.value for c in row] for row in sheet[sheet.tables["Chase"].ref]]
    assert rows[0][:3] == ["Account", "Status", "Revenue"]
    assert [r[0] for r in rows[1:4]] == ["X1", "X3", "X2"]
    not_heard = rows[0].index("Roles not heard")  # in words, as on Accounts
    assert rows[1][not_heard] == "Decision maker, Influencer, User"
    pinned = pd.read_csv(REF / "r_icc.csv").iloc[0]
    figures = {
        row[0]: row[1]
        for row in book["Summary"].iter_rows(values_only=True)
        if isinstance(row[0], str)
    }
    icc1 = figures["ICC(1): share of one answer's variance between accounts"]
    assert icc1 == pytest.approx(pinned["icc1"], abs=TOL)
    (label,) = [k for k in figures if str(k).startswith("Respondents an account needs")]
    assert f"(k* = {pinned['k_star']:.1f}, rounded up)" in label
    assert figures[label] == pytest.approx(math.ceil(pinned["k_star"]))  # whole


def test_deck_says_who_to_hear_from_next() -> None:
    from b2bcx.deck.content import next_line

    row = pd.Series({"contacts_needed": 3.0, "rwg_j": 0.41, "flags": ["low_agreement"]})
    line = next_line(row, ["decision_maker"])
    assert line == (
        "Who to hear from next: decision maker first; 3 more respondents for a "
        "reliable score; its people disagree (agreement 0.41)"
    )
    enough = pd.Series({"contacts_needed": 0.0, "rwg_j": 0.9, "flags": []})
    assert next_line(enough, []).endswith("enough voices for a reliable score")


def test_the_terminal_shows_revenue_with_thousands_separators() -> None:
    """As `change` and `value` do: 11,389,200, not 11389200."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    result = runner.invoke(
        app,
        [
            "chase",
            str(examples / "acme_2026q3.csv"),
            "-c",
            str(examples / "acme.yaml"),
            "--accounts",
            str(examples / "crm_accounts.csv"),
        ],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert "11,389,200" in result.stdout and "11389200" not in result.stdout
