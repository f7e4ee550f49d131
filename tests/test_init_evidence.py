"""`b2bcx init` guesses from evidence, on the layouts of LimeSurvey, Google Forms,
KoboToolbox, Qualtrics (timers), SurveyMonkey (a ranking), SPSS (non-answer
codes) and Qualtrics recode values: never a ranking, timer, metadata, consent
item, non-answer code or blank account drafted as if it were right.

The exports are synthetic, built in the column layouts those platforms write
(tests/data/real/PROVENANCE.md says why no real export is stored).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from tests.conftest import EXAMPLES, settled
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.api.draft import draft_config
from b2bcx.api.draft.evidence import says
from b2bcx.cli import app
from b2bcx.config.models import load_config
from b2bcx.errors import ConfigError
from b2bcx.io import read_export

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
         "Strongly agree"]  # fmt: skip
COMPANIES = ["Acme GmbH", "Borealis SA", "Cobalt BV", "Delta SpA", "Evora Lda"]
ROLES = ["Director", "Buyer", "User", "Head of IT", "Operator"]


def _write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _rating(i: int, k: int, lo: int = 1, hi: int = 5) -> int:
    return lo + (i * 7 + k * 3 + i // 3) % (hi - lo + 1)


def _items(draft) -> list[str]:
    return [i for p in draft.data["pillars"].values() for i in p["items"]]


# -- whole words -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "phrases", "found"),
    [
        ("Which company do you work for?", ["work for"], "work for"),
        ("Did the homework for this course help?", ["work for"], None),
        ("¿Recomendaría nuestra empresa a un colega?", ["recomend*"], "recomend*"),
        ("Würden Sie uns weiterempfehlen?", ["empfehl*", "weiterempfehl*"],
         "weiterempfehl*"),
        ("How many people in your organization can you ask?", ["your organisation"],
         None),
    ],
)  # fmt: skip
def test_question_wording_matches_whole_words(text, phrases, found):
    assert says(text, phrases) == found


# -- LimeSurvey (full question text headings) ----------------------------------------
def limesurvey(folder: Path, n: int = 30) -> Path:
    header = ["Response ID", "Date submitted", "Last page", "Start language", "Seed",
              "I consent to take part in this study",
              "Which company do you work for?", "What is your role?",
              "Did the homework for this course help you? [Grid]",
              "How much do you agree? [They keep their promises]",
              "How much do you agree? [They resolve problems quickly]",
              "How much do you agree? [They listen to us]",
              "How likely are you to recommend us to a colleague?",
              "Any other comments?"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for i in range(n):
        done = i % 10 != 9  # every tenth response incomplete
        rows.append([
            i + 1, f"2024-03-{i % 28 + 1:02d} 10:00:00" if done else "",
            3 if done else 1 + i % 2, "en", 1000 + 37 * i,
            "Yes, I have read the information and agree to participate",
            COMPANIES[i % 5], ROLES[i % 5], "",
            AGREE[_rating(i, 1) - 1], AGREE[_rating(i, 2) - 1], AGREE[_rating(i, 3) - 1],
            (i * 3) % 11, f"Comment {i}: delivery was late twice this quarter",
        ])  # fmt: skip
    return _write(folder / "limesurvey.csv", rows)


def test_limesurvey_draft_and_its_incomplete_responses(tmp_path):
    path = limesurvey(tmp_path)
    export = read_export(path)
    assert export.layout == "limesurvey"
    draft = draft_config(export)
    assert any(n.startswith("read as a LimeSurvey export") for n in draft.notes)
    columns = draft.data["columns"]
    assert columns["account"] == "Which company do you work for?"
    assert columns["role"] == "What is your role?"
    assert columns["comment"] == "Any other comments?"  # not the consent text
    items = _items(draft)
    assert len(items) == 3 and all(
        i.startswith("How much do you agree?") for i in items
    )
    for column in ("Last page", "Seed", "I consent to take part in this study",
                   "Did the homework for this course help you? [Grid]"):  # fmt: skip
        assert column not in items and column not in columns.values()
    assert draft.data["outcomes"]["nps"] == (
        "How likely are you to recommend us to a colleague?"
    )
    # incomplete responses (blank "Date submitted") are excluded like unfinished ones
    config = tmp_path / "program.yaml"
    config.write_text(settled(draft.text), encoding="utf-8")
    rows, problems = api.validate(export, load_config(config))
    assert [p for p in problems if p.severity == "error"] == []
    counted = rows.set_index(rows.columns[0]).iloc[:, 0].to_dict()
    assert any("unfinished" in str(k) and v == 3 for k, v in counted.items()), counted


# -- Google Forms (Spanish) ------------------------------------------------------------
def google_forms(folder: Path, n: int = 24) -> Path:
    header = ["Marca temporal", "Dirección de correo electrónico",
              "¿Cuántas personas de su organización pueden ayudarle?",
              "¿Para qué empresa trabaja?", "¿Cuál es su cargo?",
              "Valore [Cumplen sus promesas]", "Valore [Resuelven los problemas]",
              "Valore [Nos escuchan]",
              "¿Qué probabilidad hay de que recomiende nuestra empresa a un colega?",
              "Del 0 al 100, ¿cuán satisfecho está?"]  # fmt: skip
    helpers = ["0", "0.5", "1", "200"]
    rows: list[list[Any]] = [header]
    for i in range(n):
        rows.append([
            f"15/03/2024 10:{i:02d}:00", f"p{i}@example.com", helpers[i % 4],
            COMPANIES[i % 4], ["Director", "Comprador", "Usuario"][i % 3],
            _rating(i, 1), _rating(i, 2), _rating(i, 3), (i * 5) % 11, (i * 13) % 101,
        ])  # fmt: skip
    return _write(folder / "google_forms.csv", rows)


def test_google_forms_in_spanish(tmp_path):
    export = read_export(google_forms(tmp_path))
    assert export.layout == "google_forms"
    draft = draft_config(export)
    columns = draft.data["columns"]
    assert columns["account"] == "¿Para qué empresa trabaja?"  # not 0, 0.5, 1, 200
    assert columns["role"] == "¿Cuál es su cargo?"
    assert "comment" not in columns  # the slider is no comment
    nps = "¿Qué probabilidad hay de que recomiende nuestra empresa a un colega?"
    assert draft.data["outcomes"]["nps"] == nps
    items = _items(draft)
    assert sorted(items) == sorted(h for h in [
        "Valore [Cumplen sus promesas]", "Valore [Resuelven los problemas]",
        "Valore [Nos escuchan]"])  # fmt: skip
    assert any("slider" in n and "Del 0 al 100" in n for n in draft.notes)
    assert any("platform metadata" in n and "Marca temporal" in n for n in draft.notes)


# -- KoboToolbox -------------------------------------------------------------------------
def kobo(folder: Path, n: int = 20) -> Path:
    header = ["start", "end", "today", "deviceid", "organisation", "household_size",
              "q_trust", "q_fix", "q_listen", "_id", "_uuid", "_submission_time",
              "_validation_status", "_index"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for i in range(n):
        rows.append([
            "2024-01-01T10:00", "2024-01-01T10:09", "2024-01-01", f"dev{i % 3}",
            COMPANIES[i % 5], 1 + i % 6, _rating(i, 1), _rating(i, 2), _rating(i, 3),
            5000 + i, f"uuid-{i}", "2024-01-01T10:10", "", i + 1,
        ])  # fmt: skip
    return _write(folder / "kobo.csv", rows)


def test_kobo_metadata_and_household_size_are_no_statements(tmp_path):
    export = read_export(kobo(tmp_path))
    assert export.layout == "kobo"
    draft = draft_config(export)
    assert sorted(_items(draft)) == ["q_fix", "q_listen", "q_trust"]
    assert draft.data["columns"]["account"] == "organisation"
    assert draft.data["columns"]["respondent"] in ("_id", "_uuid")
    assert "household_size" not in str(draft.data)


# -- Qualtrics timers, consent, sliders ------------------------------------------------
def qualtrics_with_timers(folder: Path, n: int = 20) -> Path:
    names = ["ResponseId", "Finished", "Q1", "Q2", "Q3_1", "Q3_2", "Q3_3",
             "Q4_First Click", "Q4_Last Click", "Q4_Page Submit", "Q4_Click Count",
             "Q5", "Q6_1"]  # fmt: skip
    texts = ["Response ID", "Finished", "Which company do you work for?",
             "What is your role?", "Rate us - They keep their promises",
             "Rate us - They listen to us", "Rate us - They fix problems",
             "Timing - First Click", "Timing - Last Click", "Timing - Page Submit",
             "Timing - Click Count", "I consent to take part (1 = yes, 2 = no)",
             "How satisfied are you overall? - Slider"]  # fmt: skip
    ids = [f'{{"ImportId":"QID{k}"}}' for k in range(len(names))]
    rows: list[list[Any]] = [names, texts, ids]
    for i in range(n):
        rows.append([
            f"R_{i:03d}", "1", COMPANIES[i % 5], ROLES[i % 5],
            _rating(i, 1, 1, 7), _rating(i, 2, 1, 7), _rating(i, 3, 1, 7),
            f"{1 + i % 4}.2", f"{5 + i % 4}.9", f"{7 + i % 5}.1", 1 + i % 5,
            1 + (i % 7 == 0), (i * 17) % 101,
        ])  # fmt: skip
    return _write(folder / "qualtrics.csv", rows)


def test_qualtrics_timers_consent_and_sliders_are_no_statements(tmp_path):
    draft = draft_config(read_export(qualtrics_with_timers(tmp_path)))
    assert sorted(_items(draft)) == ["Q3_1", "Q3_2", "Q3_3"]
    assert draft.data["default_scale"] == "scale_1_to_7"
    text = " ".join(draft.notes)
    assert "timer" in text and "Q4_Click Count" in text and "Q4_Page Submit" in text
    assert "consent" in text and "Q5" in text
    assert "Q6_1" in text and "slider" in text


# -- a ranking beside a favourability matrix (SurveyMonkey) ----------------------------
FAVOUR = ["Very unfavorably", "Somewhat unfavorably", "Somewhat favorably",
          "Very favorably"]  # fmt: skip


def test_a_ranking_is_never_the_scored_battery(tmp_path):
    films = [f"Rank these films - Film {c}" for c in "ABCDEF"]
    people = [f"How do you view - Person {k}" for k in range(1, 5)]
    header = ["Respondent ID", "Company", *films, *people]
    rows: list[list[Any]] = [header]
    for i in range(30):
        order = [(i + k * 5) % 6 + 1 for k in range(6)]  # a permutation of 1..6
        rows.append([f"{1000 + i}", COMPANIES[i % 5], *order,
                     *(FAVOUR[(i + 2 * k) % 4] for k in range(4))])  # fmt: skip
    draft = draft_config(read_export(_write(tmp_path / "monkey.csv", rows)))
    items = _items(draft)
    assert not set(films) & set(items)
    assert sorted(items) == sorted(people)
    assert not any("reverse" in spec for spec in draft.data.get("items", {}).values())
    assert any("ranking" in n and films[0] in n for n in draft.notes)


# -- SPSS: non-answer codes are missing codes, never the top of the scale --------------
def afrobarometer(path: Path, n: int = 40) -> Path:
    import pyreadstat

    agree = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Neither",
             4.0: "Agree", 5.0: "Strongly agree", 7.0: "Not applicable",
             8.0: "Refused", 9.0: "Don't know"}  # fmt: skip
    trust = {0.0: "Not at all", 1.0: "Just a little", 2.0: "Somewhat", 3.0: "A lot",
             8.0: "Refused", 9.0: "Don't know"}  # fmt: skip
    extra = [7.0, 8.0, 9.0]
    frame = pd.DataFrame(
        {
            "RESPNO": [f"R{i:03d}" for i in range(n)],
            "DISTRICT": [COMPANIES[i % 5] for i in range(n)],
            **{f"Q{k}": [float(extra[i % 3] if i % 8 == k else _rating(i, k))
                         for i in range(n)] for k in (1, 2, 3)},
            **{f"TRUST{k}": [float(9 if i % 9 == k else _rating(i, k, 0, 3))
                             for i in range(n)] for k in (1, 2, 3, 4)},
        }
    )  # fmt: skip
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={
            **{f"Q{k}": f"Statement {k}" for k in (1, 2, 3)},
            **{
                f"TRUST{k}": f"How much do you trust institution {k}?"
                for k in (1, 2, 3, 4)
            },
        },
        variable_value_labels={
            **{f"Q{k}": agree for k in (1, 2, 3)},
            **{f"TRUST{k}": trust for k in (1, 2, 3, 4)},
        },
    )
    return path


def test_spss_non_answer_codes_become_missing_codes(tmp_path):
    draft = draft_config(read_export(afrobarometer(tmp_path / "afro.sav")))
    scales = draft.data["scales"]
    assert scales["scale_1_to_5"]["min"] == 1 and scales["scale_1_to_5"]["max"] == 5
    assert {7, 8, 9} <= set(scales["scale_1_to_5"]["missing"])
    assert scales["scale_0_to_3"]["max"] == 3 and 9 in scales["scale_0_to_3"]["missing"]
    assert "outcomes" not in draft.data or "nps" not in draft.data["outcomes"]
    assert "nps11" not in yaml.safe_dump(draft.data)  # no 0..3 item as NPS candidate
    # these items run against each other in the synthetic answers: half a pillar
    # or more "reversed" says nothing, so none is marked
    assert not any("reverse" in spec for spec in draft.data.get("items", {}).values())
    assert any("run against the rest; none is marked" in n for n in draft.notes)
    assert draft.data["columns"]["respondent"] == "RESPNO"
    assert sorted(_items(draft)) == sorted(
        [f"Q{k}" for k in (1, 2, 3)] + [f"TRUST{k}" for k in (1, 2, 3, 4)]
    )


def test_spss_refused_codes_score_as_missing(tmp_path):
    """The drafted config scores Q1 as pandas does with 7, 8 and 9 left out."""
    path = afrobarometer(tmp_path / "afro.sav")
    export = read_export(path)
    draft = draft_config(export)
    data = yaml.safe_load(settled(draft.text))
    data["columns"]["account"] = "DISTRICT"
    data["roles"] = {"single": "customer"}
    data["pillars"] = {"integrity": {"label": "Integrity", "items": ["Q1"]}}
    data["default_scale"] = "scale_1_to_5"
    data["items"] = {}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    scored = api.score(export, load_config(tmp_path / "p.yaml")).respondents
    raw = pd.to_numeric(export.frame["Q1"])
    expected = ((raw.where(raw <= 5) - 1) / 4 * 100).to_numpy()
    got = scored["integrity"].to_numpy(dtype=float)
    assert pd.Series(got).round(9).equals(pd.Series(expected).round(9))


# -- Qualtrics recode values out of order -----------------------------------------------
def test_scrambled_recode_values_are_flagged_and_left_to_the_analyst(tmp_path):
    import pyreadstat

    labels = {1.0: "Strongly disagree", 2.0: "Disagree", 6.0: "Somewhat disagree",
              3.0: "Neither agree nor disagree", 4.0: "Agree", 7.0: "Strongly agree"}  # fmt: skip
    codes = [1.0, 2.0, 6.0, 3.0, 4.0, 7.0]
    frame = pd.DataFrame(
        {
            "ResponseId": [f"R{i}" for i in range(24)],
            "Company": [COMPANIES[i % 4] for i in range(24)],
            **{f"Q1_{k}": [codes[(i + k) % 6] for i in range(24)] for k in (1, 2, 3)},
        }
    )
    path = tmp_path / "recoded.sav"
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels={f"Q1_{k}": labels for k in (1, 2, 3)}
    )
    export = read_export(path)
    draft = draft_config(export)
    assert any("codes do not follow the wording" in n for n in draft.notes)
    assert "TODO check" in draft.text
    config = tmp_path / "draft.yaml"
    config.write_text(draft.text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert any("codes do not follow" in p.problem for p in caught.value.problems)


# -- the account: never blank, never a few numbers ---------------------------------------
def test_a_mostly_blank_or_few_valued_numeric_column_is_never_the_account(tmp_path):
    header = ["Company", "Customer", "Q1", "Q2", "Q3"]
    rows: list[list[Any]] = [header]
    for i in range(30):
        rows.append(["" if i % 10 else "Acme", str(i % 3), *(AGREE[(i + k) % 5]
                     for k in range(3))])  # fmt: skip
    draft = draft_config(read_export(_write(tmp_path / "x.csv", rows)))
    assert draft.data["columns"]["account"] == "TODO_account_column"


def test_the_example_maps_account_name_and_prints_the_review_list(tmp_path):
    target = tmp_path / "program.yaml"
    result = CliRunner().invoke(
        app, ["init", str(EXAMPLES / "acme_2026q3.csv"), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["columns"]["account"] == "AccountId"
    assert data["columns"]["name"] == "AccountName"
    assert (
        "account: `AccountId` — named so, 148 distinct values, 0% blank"
        in result.stderr
    )
    assert "# evidence: `AccountId`" in target.read_text(encoding="utf-8")


def test_a_doubtful_role_is_a_todo_that_validate_reports(tmp_path):
    header = ["Which company do you work for?", "Which team are you in? (your role)",
              "Q1", "Q2", "Q3"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for i in range(30):
        rows.append([COMPANIES[i % 5], ["Alpha", "Beta", "Gamma"][i % 3],
                     *(AGREE[(i + k) % 5] for k in range(3))])  # fmt: skip
    draft = draft_config(read_export(_write(tmp_path / "x.csv", rows)))
    assert draft.data["columns"]["role"] == "Which team are you in? (your role)"
    assert any(
        line.startswith("role:") and line.endswith("check") for line in draft.review
    )
    config = tmp_path / "draft.yaml"
    config.write_text(draft.text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert any(p.problem.startswith("line ") and "TODO check: `Which team" in p.problem
               for p in caught.value.problems)  # fmt: skip


def test_a_code_no_answer_uses_inside_the_range_is_flagged(tmp_path):
    """A Qualtrics numeric export whose recode values skip 5 (6 = "Somewhat
    disagree" after a hand edit): drafted as 1..6 it would score wrongly, so the
    scale is a TODO for the analyst."""
    header = ["ResponseId", "Company", "Q2_1", "Q2_2", "Q2_3"]
    codes = [1, 2, 3, 4, 6]
    rows: list[list[Any]] = [header]
    for i in range(30):
        rows.append(
            [f"R_{i}", COMPANIES[i % 5], *(codes[(i + k) % 5] for k in range(3))]
        )
    draft = draft_config(read_export(_write(tmp_path / "numeric.csv", rows)))
    assert any("no answer uses 5 between 1 and 6" in n for n in draft.notes)
    assert any(line.startswith("scale scale_1_to_6") and line.endswith("check")
               for line in draft.review)  # fmt: skip
    assert "# TODO check: `Q2_1`" in draft.text


@pytest.mark.parametrize(
    ("build", "name", "account"),
    [(limesurvey, "limesurvey.csv", None), (google_forms, "google_forms.csv", None),
     (kobo, "kobo.csv", None), (qualtrics_with_timers, "qualtrics.csv", None),
     (afrobarometer, "afro.sav", "DISTRICT")],
)  # fmt: skip
def test_each_draft_validates_once_its_todos_are_settled(
    tmp_path, build, name, account
):
    path = build(tmp_path / name) if name.endswith(".sav") else build(tmp_path)
    export = read_export(path)
    text = settled(draft_config(export).text)
    if account is not None:
        text = text.replace("TODO_account_column", account)
    config = tmp_path / "program.yaml"
    config.write_text(text, encoding="utf-8")
    _, problems = api.validate(export, load_config(config))
    assert [p.describe() for p in problems if p.severity == "error"] == []


def test_spss_user_missing_codes_never_bound_the_scale(tmp_path):
    """9 is a user-missing code labelled "No answer recorded" (no non-answer
    wording): its label must not make the 1..5 items a 1..9 (or 1..10) scale."""
    import pyreadstat

    labels = {
        1.0: "Very poor",
        3.0: "Fair",
        5.0: "Very good",
        9.0: "Answer recorded late",
    }
    frame = pd.DataFrame(
        {
            "ID": [f"R{i}" for i in range(20)],
            "Company": [COMPANIES[i % 4] for i in range(20)],
            **{f"SAT{k}": [float(9 if i % 7 == k else _rating(i, k)) for i in range(20)]
               for k in (1, 2, 3)},
        }
    )  # fmt: skip
    path = tmp_path / "user_missing.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={f"SAT{k}": labels for k in (1, 2, 3)},
        missing_ranges={f"SAT{k}": [9.0] for k in (1, 2, 3)},
    )
    export = read_export(path)
    assert export.user_missing["SAT1"] == [9.0]
    draft = draft_config(export)
    assert draft.data["default_scale"] == "scale_1_to_5"
    assert 9 in draft.data["scales"]["scale_1_to_5"]["missing"]


def test_a_rated_statement_about_consent_stays_a_statement(tmp_path):
    header = ["Company", "They ask for our consent before changing anything",
              "They keep their promises", "They listen to us"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for i in range(30):
        rows.append([COMPANIES[i % 5], *(AGREE[(i * (k + 2)) % 5] for k in range(3))])
    draft = draft_config(read_export(_write(tmp_path / "x.csv", rows)))
    assert "They ask for our consent before changing anything" in _items(draft)


@pytest.mark.parametrize(
    ("question", "company"),
    [
        ("How likely are you to recommend us to a colleague?", "Which company do you work for?"),
        ("¿Qué probabilidad hay de que nos recomiende?", "¿En qué empresa trabaja?"),
        ("Wie wahrscheinlich würden Sie uns weiterempfehlen?", "Bei welchem Unternehmen arbeiten Sie?"),
        ("Quelle est la probabilité que vous nous recommandiez ?", "Pour quelle entreprise travaillez-vous ?"),
        ("Qual a probabilidade de nos recomendar a um colega?", "Em que empresa trabalha?"),
        ("Hoe waarschijnlijk is het dat u ons aanbeveelt?", "Bij welk bedrijf werkt u?"),
        ("Quanto è probabile che ci raccomandi a un collega?", "Per quale azienda lavora?"),
    ],
)  # fmt: skip
def test_nps_and_account_wording_in_seven_languages(tmp_path, question, company):
    header = [company, "Q1", "Q2", "Q3", question]
    rows: list[list[Any]] = [header]
    for i in range(30):
        rows.append([COMPANIES[i % 5], *(AGREE[(i * (k + 2)) % 5] for k in range(3)),
                     (i * 7) % 11])  # fmt: skip
    draft = draft_config(read_export(_write(tmp_path / "x.csv", rows)))
    assert draft.data["columns"]["account"] == company
    assert draft.data["outcomes"]["nps"] == question


def test_an_account_name_alone_is_the_account(tmp_path):
    header = ["AccountName", "Q1", "Q2", "Q3"]
    rows: list[list[Any]] = [header]
    for i in range(30):
        rows.append([COMPANIES[i % 5], *(AGREE[(i * (k + 2)) % 5] for k in range(3))])
    draft = draft_config(read_export(_write(tmp_path / "x.csv", rows)))
    assert draft.data["columns"]["account"] == "AccountName"
    assert "name" not in draft.data["columns"]


def test_a_reverse_worded_statement_is_confirmed_by_the_scales_check():
    """The example's Q12 runs against its pillar; the item–rest check of
    ``b2bcx scales`` (flip the most negative until none is left) names it too."""
    draft = draft_config(read_export(EXAMPLES / "acme_2026q3.csv"))
    assert draft.data["items"]["Q12"] == {"reverse": True}
    line = next(r for r in draft.review if "`Q12`" in r and "reverse" in r)
    assert "confirmed by the item–rest check" in line and "high confidence" in line


def test_a_reversal_the_scales_check_does_not_confirm_is_a_todo(monkeypatch):
    import b2bcx.api.draft as drafting

    monkeypatch.setattr(drafting, "items_running_against", lambda x: [])
    draft = drafting.draft_config(read_export(EXAMPLES / "acme_2026q3.csv"))
    assert "TODO check: `Q12`" in draft.text
    assert "does not confirm" in draft.text
