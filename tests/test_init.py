"""`b2bcx init`: a config drafted from an export, that validates on that export."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
import yaml
from tests.conftest import EXAMPLES, as_export, settled, settled_data
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.api.draft import Draft, draft_config, guess_role, pillar_of
from b2bcx.cli.init import init as init_command
from b2bcx.config.models import load_config, parse_config
from b2bcx.errors import ConfigError
from b2bcx.io import Export, read_export

EXAMPLE = EXAMPLES / "acme_2026q3.csv"
AGREE = ["Strongly agree", "Disagree", "Agree", "Don't know", "Strongly disagree",
         "Neither agree nor disagree"]  # fmt: skip
QUALITY = ["Good", "Excellent", "Poor", "Very good", "Fair"]
ROLES = [
    "CFO",
    "Head of IT",
    "Procurement",
    "IT lead",
    "End user",
    "Operator",
    "Observer",
]
SIX = {
    "integrity": "How much do you agree? - They keep their promises",
    "resolution": "How much do you agree? - They resolve problems quickly",
    "expectations": "How much do you agree? - They deliver on time",
    "time_and_effort": "How much do you agree? - Working with them is easy",
    "personalisation": "How much do you agree? - Their service is tailored to us",
    "empathy": "How much do you agree? - They listen to us",
}

app = typer.Typer()
app.command("init", no_args_is_help=True)(init_command)


@app.callback()
def _main() -> None:
    """A local app: cli.py registers `init` separately."""


runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, ["init", *[str(a) for a in args]])


def cycle(values: list[Any], n: int) -> list[Any]:
    """``n`` answers going round ``values`` with a stride, so columns differ."""
    return [values[(i * 3 + i // len(values)) % len(values)] for i in range(n)]


def survey(n: int = 42, **extra: list[Any]) -> list[dict[str, Any]]:
    """A small export: ids, accounts, roles, attributes, ratings and a comment."""
    columns: dict[str, list[Any]] = {
        "Respondent ID": [f"R{i:03d}" for i in range(n)],
        "Customer ID": [f"ACC-{i % 9}" for i in range(n)],
        "Job role": cycle(ROLES, n),
        "Region": cycle(["EMEA", "APAC", "AMER"], n),
        "Account manager": cycle(["Ann", "Bob"], n),
        "ARR": [f"{1000 * (i % 9 + 1)}" for i in range(n)],
        "Stage": cycle(["onboarding", "ongoing", "renewal"], n),
        "Wave": ["2026-Q3"] * n,
        "Q1": cycle(AGREE, n),
        "Q2": cycle(AGREE[::-1], n),
        "Quality": cycle(QUALITY, n),
        "Effort": [str(i % 7 + 1) for i in range(n)],
        "Q_NPS": [str(i % 11) for i in range(n)],
        "Overall": [str((i * 7) % 11) for i in range(n)],
        "Feedback": [f"Answer {i}: the field engineers were helpful and quick" for i in range(n)],
        **extra,
    }  # fmt: skip
    return [{name: values[i] for name, values in columns.items()} for i in range(n)]


def drafted(
    rows: list[dict[str, Any]], questions: dict[str, str] | None = None
) -> Draft:
    export = as_export(rows)
    export.questions = questions or {}
    return draft_config(export)


def validation_errors(export: Export, text: str, folder: Path) -> list[str]:
    """Write the draft, load it as users do (extends resolved), check the export."""
    path = folder / "draft.yaml"
    path.write_text(settled(text), encoding="utf-8")
    checked = api.check(export, load_config(path))
    return [p.describe() for p in checked.problems if p.severity == "error"]


# -- the shipped example -------------------------------------------------------
def test_init_then_validate_round_trips_on_the_example(tmp_path):
    output = tmp_path / "program.yaml"
    result = run(EXAMPLE, "-o", output)
    assert result.exit_code == 0, result.output
    assert "review:" in result.stderr
    with pytest.raises(ConfigError) as caught:  # a draft until it is reviewed
        load_config(output)
    found = [p.problem for p in caught.value.problems]
    assert any("pillar `unassigned` still holds statements" in p for p in found)
    assert any(p.startswith("line ") and "TODO" in p for p in found)
    output.write_text(settled(output.read_text(encoding="utf-8")), encoding="utf-8")
    config = load_config(output)
    assert config.columns.account == "AccountId" and config.columns.role == "Role"
    assert config.outcome("nps").item == "Q_NPS"
    assert config.outcome("loyalty").item == "Q_RENEW"
    checked = api.check(read_export(EXAMPLE), config)
    assert [p for p in checked.problems if p.severity == "error"] == []
    assert (checked.prepared.rows["status"] == "scored").all()


def test_the_example_draft_maps_every_role_answer_and_lists_the_items():
    draft = draft_config(read_export(EXAMPLE))
    roles = draft.data["roles"]["map"]
    assert "VP Operations" in roles["decision_maker"]
    assert {"Procurement", "Purchasing", "IT lead"} <= set(roles["influencer"])
    assert {"Daily user", "end-user"} <= set(roles["user"])
    assert draft.data["pillars"]["unassigned"]["items"] == [
        f"Q{i}" for i in range(1, 19)
    ]
    assert draft.data["default_scale"] == "agree5" and "scales" not in draft.data


def test_yaml_text_round_trips_and_parses():
    for draft in (draft_config(read_export(EXAMPLE)), drafted(survey(), SIX)):
        assert yaml.safe_load(draft.text) == draft.data
        parse_config(settled_data(draft.data))
        assert draft.text.startswith("# b2bcx program config: a DRAFT")


# -- column detection ------------------------------------------------------------
def test_each_column_kind_is_detected():
    columns = drafted(survey()).data["columns"]
    assert columns == {
        "respondent": "Respondent ID",
        "account": "Customer ID",
        "role": "Job role",
        "segments": ["Region", "Account manager"],
        "revenue": "ARR",
        "phase": "Stage",
        "wave": "Wave",
        "comment": "Feedback",
    }


def test_long_free_text_is_the_comment_column_without_a_telling_name():
    rows = survey()
    for row in rows:
        row["Q99"] = row.pop("Feedback")
    assert drafted(rows).data["columns"]["comment"] == "Q99"


def test_qualtrics_questions_name_the_account_role_and_comment_columns():
    renamed = {"Customer ID": "QID1", "Job role": "QID2", "Feedback": "QID9"}
    rows = [{renamed.get(k, k): v for k, v in row.items()} for row in survey()]
    # a statement about "your company" (placed first) is not the account column
    rows = [{"QID5": row["Quality"], **row} for row in rows]
    questions = {
        "QID1": "Which company do you work for?",
        "QID2": "Which best describes your role?",
        "QID5": "Acme understands your company and your role",
        "QID9": "Is there anything else you would like to tell us?",
    }
    columns = drafted(rows, questions).data["columns"]
    found = (columns["account"], columns["role"], columns["comment"])
    assert found == ("QID1", "QID2", "QID9")


def test_no_role_column_means_a_single_role():
    rows = [{k: v for k, v in row.items() if k != "Job role"} for row in survey()]
    draft = drafted(rows)
    assert draft.data["roles"] == {"single": "customer"}
    assert "role" not in draft.data["columns"]


def test_no_rating_column_is_a_clear_error():
    rows = [{"AccountId": f"A{i % 3}", "Role": "User"} for i in range(6)]
    with pytest.raises(Exception, match="no rating columns"):
        drafted(rows)


# -- scales ----------------------------------------------------------------------
def test_shuffled_agree_labels_with_dont_know_match_the_agree5_preset():
    draft = drafted(survey())
    assert draft.data["default_scale"] == "agree5"
    assert "Q1" not in draft.data.get("items", {})
    assert "agree5" not in draft.data["scales"]  # the preset already knows Don't know


def test_a_new_label_set_gets_a_scale_in_natural_order():
    draft = drafted(survey())
    assert draft.data["scales"]["poor_to_excellent"] == {
        "labels": {"Poor": 1, "Fair": 2, "Good": 3, "Very good": 4, "Excellent": 5}
    }
    assert draft.data["items"]["Quality"] == {"scale": "poor_to_excellent"}


def test_numeric_prefixes_order_labels():
    labels = ["3 - Good", "1 - Poor", "2 - Fair", "4 - Excellent"]
    draft = drafted(survey(Q3=cycle(labels, 42)))
    scale = draft.data["items"]["Q3"]["scale"]
    assert draft.data["scales"][scale]["labels"] == {
        "1 - Poor": 1, "2 - Fair": 2, "3 - Good": 3, "4 - Excellent": 4
    }  # fmt: skip


def test_numbers_one_to_seven_are_a_numeric_scale():
    draft = drafted(survey())
    assert draft.data["scales"]["scale_1_to_7"] == {"min": 1, "max": 7}
    assert draft.data["items"]["Effort"] == {"scale": "scale_1_to_7"}


def test_extra_non_answers_become_missing_codes_of_the_scale(tmp_path):
    rows = survey(Q3=cycle([*AGREE, "Not sure"], 42))
    draft = drafted(rows)
    assert "Not sure" in draft.data["scales"]["agree5"]["missing"]
    assert validation_errors(as_export(rows), draft.text, tmp_path) == []


def test_zero_to_ten_items_are_nps_candidates():
    draft = drafted(survey())
    assert draft.data["outcomes"]["nps"] == "Q_NPS"
    assert "Overall" not in str(draft.data["outcomes"])
    assert "#   overall: {item: Overall, scale: nps11}" in draft.text
    assert all("Overall" not in p["items"] for p in draft.data["pillars"].values())


# -- roles and pillars -----------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "role"),
    [("Executive sponsor", "decision_maker"), ("C-level", "decision_maker"),
     ("VP Operations", "decision_maker"), ("Head of IT", "decision_maker"),
     ("decision-maker", "decision_maker"), ("IT Lead", "influencer"),
     ("Purchasing", "influencer"), ("Operations manager", "influencer"),
     ("end-user", "user"), ("Daily user", "user"), ("Observer", None),
     ("Item owner", None)],
)  # fmt: skip
def test_role_answers_are_guessed_from_their_words(answer, role):
    assert guess_role(answer) == role


def test_every_role_answer_is_mapped_and_unknown_ones_are_marked_todo(tmp_path):
    rows = survey()
    draft = drafted(rows)
    roles = draft.data["roles"]
    assert roles["weights"] == {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2}
    assert roles["unmapped"] == "error"
    assert sorted(a for answers in roles["map"].values() for a in answers) == sorted(
        ROLES
    )
    assert "Observer" in roles["map"]["user"]
    todo = draft.text.index("# TODO map:")
    assert "Observer" in draft.text[todo : draft.text.index("map:", todo + 10)]
    assert any("Observer" in note for note in draft.notes)
    assert validation_errors(as_export(rows), draft.text, tmp_path) == []


@pytest.mark.parametrize(
    ("question", "pillar"),
    [*((text, pid) for pid, text in SIX.items()),
     ("They delivered as promised", "expectations"),
     ("Our account team is honest and trustworthy", "integrity"),
     ("They understand our needs", None), ("Overall quality", None)],
)  # fmt: skip
def test_pillars_are_read_from_plain_question_text(question, pillar):
    assert pillar_of(question) == pillar


def test_question_text_places_items_in_the_six_pillars(tmp_path):
    rows = survey(**{f"S{i}": cycle(AGREE, 42) for i in range(6)})
    questions = {f"S{i}": text for i, text in enumerate(SIX.values())}
    draft = drafted(rows, {**questions, "Q1": "Overall, how do you feel?"})
    pillars = draft.data["pillars"]
    assert draft.data["extends"] == "six_pillars"
    assert [pillars[pid]["items"] for pid in SIX] == [[f"S{i}"] for i in range(6)]
    assert pillars["unassigned"]["label"] == "Unassigned — move these items"
    assert pillars["unassigned"]["items"] == ["Q1", "Q2", "Quality", "Effort"]
    assert validation_errors(as_export(rows), draft.text, tmp_path) == []


def test_without_question_text_every_statement_is_unassigned():
    draft = drafted(survey())
    assert list(draft.data["pillars"]) == ["unassigned"]
    assert "extends" not in draft.data
    assert "TODO: move these statements" in draft.text


# -- the command -----------------------------------------------------------------
def test_prints_the_draft_without_output_and_notes_on_stderr():
    result = run(EXAMPLE)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["columns"]["account"] == "AccountId"
    assert "unassigned" in result.stderr and "review:" not in result.stdout


def test_refuses_to_overwrite_without_force(tmp_path):
    output = tmp_path / "program.yaml"
    output.write_text("keep: me\n", encoding="utf-8")
    result = run(EXAMPLE, "-o", output)
    assert result.exit_code == 1
    assert "exists; use --force to overwrite" in result.output
    assert output.read_text(encoding="utf-8") == "keep: me\n"
    result = run(EXAMPLE, "-o", output, "--force")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(output.read_text())["columns"]["account"] == "AccountId"
    assert [p.name for p in tmp_path.iterdir()] == ["program.yaml"]


def test_never_writes_over_the_export_itself(tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes(EXAMPLE.read_bytes())
    result = run(export, "-o", export, "--force")
    assert result.exit_code == 2
    assert export.read_bytes() == EXAMPLE.read_bytes()


def test_a_missing_export_is_a_clear_error_and_writes_nothing(tmp_path):
    output = tmp_path / "program.yaml"
    result = run(tmp_path / "nope.csv", "-o", output)
    assert result.exit_code != 0
    assert "nope.csv" in result.output
    assert not output.exists()


def test_an_export_without_ratings_exits_1_and_writes_nothing(tmp_path):
    export = tmp_path / "accounts.csv"
    export.write_text("AccountId,Role\nA1,User\nA1,Buyer\n", encoding="utf-8")
    result = run(export, "-o", tmp_path / "program.yaml")
    assert result.exit_code == 1
    assert "no rating columns" in result.output
    assert not (tmp_path / "program.yaml").exists()


def test_a_qualtrics_export_drafts_a_config_that_validates(tmp_path):
    names = [
        "ResponseId",
        "Status",
        "Q1",
        "Q2",
        *(f"Q3_{i}" for i in range(1, 7)),
        "Q4",
    ]
    asked = ["Response ID", "Response Type", "Which company do you work for?",
             "Which best describes your role?", *SIX.values(),
             "How likely are you to recommend Acme?"]  # fmt: skip
    ids = [f'{{"ImportId":"QID{i}"}}' for i in range(len(names))]
    rows = [
        [f"R_{i}", "IP Address", f"Co{i % 5}", ROLES[i % 4], *AGREE[i % 6 :],
         *AGREE[: i % 6], str(i % 11)]
        for i in range(30)
    ]  # fmt: skip
    export = tmp_path / "qualtrics.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([names, asked, ids, *rows])
    output = tmp_path / "program.yaml"
    result = run(export, "-o", output)
    assert result.exit_code == 0, result.output
    output.write_text(settled(output.read_text(encoding="utf-8")), encoding="utf-8")
    config = load_config(output)
    assert config.columns.account == "Q1" and config.columns.role == "Q2"
    assert config.pillars["integrity"].items == ["Q3_1"]
    checked = api.check(read_export(export), config)
    assert [p for p in checked.problems if p.severity == "error"] == []


# -- a draft is refused until it is reviewed ----------------------------------------
@pytest.mark.parametrize(
    ("command", "output"),
    [("score", "s.xlsx"), ("drivers", "d.xlsx"), ("factors", "f.csv"),
     ("report", "r.xlsx"), ("deck", "k.pptx")],
)  # fmt: skip
def test_every_command_refuses_a_draft_that_validate_rejects(tmp_path, command, output):
    from b2bcx.cli import app as b2bcx

    draft = tmp_path / "program.yaml"
    assert run(EXAMPLE, "-o", draft).exit_code == 0
    target = tmp_path / output
    result = runner.invoke(
        b2bcx, [command, str(EXAMPLE), "-c", str(draft), "-o", str(target)]
    )
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "unassigned" in result.output and "TODO" in result.output
    assert not target.exists()  # a scheduled job writes nothing from a draft


def test_validate_json_lists_every_todo_of_a_draft(tmp_path):
    """An undefined scale, the account placeholder, the unassigned pillar and a TODO
    left only as a comment: all four, as JSON on stdout."""
    from b2bcx.cli import app as b2bcx

    rows = survey()
    for row in rows:
        row.pop("Customer ID")
    draft = drafted(rows, {"Q1": SIX["integrity"]})
    data = yaml.safe_load(draft.text)
    data["items"] = {"Q1": {"scale": "agree9"}}
    text = yaml.safe_dump(data, sort_keys=False) + "# TODO: check the Feedback column\n"
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    export = tmp_path / "export.csv"
    pd.DataFrame(rows).to_csv(export, index=False)
    result = runner.invoke(
        b2bcx, ["validate", str(export), "-c", str(path), "-f", "json"]
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    found = " | ".join(p["problem"] for p in payload["problems"])
    assert "scale `agree9` is not defined" in found
    assert "'TODO_account_column'" in found
    assert "pillar `unassigned` still holds statements" in found
    assert "TODO: check the Feedback column" in found
    assert payload["rows"] == []
