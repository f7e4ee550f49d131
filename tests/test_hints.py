"""Hints for answers that are not on their scale: never "mark it missing" for a
substantive answer; labels of a known scale named once per column."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import as_export

from b2bcx import api
from b2bcx.config.models import parse_config
from b2bcx.scoring.scales import looks_like_non_answer

AGREE = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree",
         "Strongly disagree"]  # fmt: skip


def _config(**overrides: Any):
    data: dict[str, Any] = {
        "version": 1,
        "columns": {"account": "Account"},
        "scales": {"five": {"min": 1, "max": 5}},
        "default_scale": "five",
        "pillars": {
            "integrity": {"items": ["Q1", "Q2"]},
            "empathy": {"items": ["Q3"]},
        },
        "roles": {"single": "customer", "weights": {"customer": 1.0}},
    }
    data.update(overrides)
    return parse_config(data)


def _rows(q1: list[str], q2: list[str] | None = None) -> list[dict[str, str]]:
    q2 = q2 or ["3"] * len(q1)
    return [
        {"Account": f"A{i % 3}", "Q1": a, "Q2": b, "Q3": "4"}
        for i, (a, b) in enumerate(zip(q1, q2, strict=True))
    ]


def _errors(rows: list[dict[str, str]], config=None) -> list:
    checked = api.check(as_export(rows), config or _config())
    return [p for p in checked.problems if p.severity == "error"]


def test_labels_of_a_known_scale_are_one_problem_per_column_naming_the_scale() -> None:
    answers = [AGREE[i % 5] for i in range(30)]
    errors = _errors(_rows(answers, answers))
    assert [e.column for e in errors] == ["Q1", "Q2"]
    assert (
        errors[0].hint == "these look like `agree5` labels; use `default_scale: agree5`"
    )
    assert "30 rows" in errors[0].problem and errors[0].row == 2
    assert all("missing" not in e.hint for e in errors)


def test_an_item_with_its_own_scale_is_told_where_to_change_it() -> None:
    config = _config(items={"Q1": {"scale": "five"}})
    errors = _errors(_rows(["Very satisfied", "Satisfied", "Dissatisfied"]), config)
    assert [e.hint for e in errors] == [
        "these look like `sat5` labels; use `items.Q1.scale: sat5`"
    ]


def test_words_of_no_known_scale_on_a_numeric_scale_are_one_problem() -> None:
    answers = ["Very Important", "Somewhat Important", "Not Important"] * 4
    errors = _errors(_rows(answers))
    assert len(errors) == 1
    assert "labels" in errors[0].hint and "missing" not in errors[0].hint


def test_only_non_answers_are_suggested_as_missing_codes() -> None:
    errors = _errors(_rows(["Refused", "7", "99", "1", "Not asked", "12", "2"]))
    by_value = {e.value: e.hint for e in errors}
    assert set(by_value) == {"Refused", "7", "99", "Not asked", "12"}
    for value in ("Refused", "99", "Not asked"):
        assert "`scales.five.missing`" in by_value[value]
    for value in ("7", "12"):
        assert "missing" not in by_value[value]
        assert "expected a number 1..5" in by_value[value]


@given(
    st.lists(
        st.sampled_from(
            [
                *AGREE,
                "Very Important",
                "4",
                "6",
                "0",
                "10",
                "Refused",
                "Don't know",
                "N/A",
                "98",
                "Excellent",
                "Good",
                "-1",
                "3.5",
                "Agre",
                "Sehr gut",
                "Prefer not to say",
                "Bad",
            ]
        ),
        min_size=3,
        max_size=12,
    )
)
def test_no_hint_suggests_marking_a_substantive_answer_missing(answers) -> None:
    for error in _errors(_rows(answers)):
        if "missing" in error.hint:
            assert looks_like_non_answer(error.value), error


def test_an_spss_code_labelled_as_a_refusal_is_shown_by_its_label(tmp_path) -> None:
    from tests.real_layouts import SPSS_CONFIG, icpsr_frame, write_icpsr_sav

    from b2bcx.io import read_export

    frame = icpsr_frame()
    frame.loc[0, "Q19"] = 8.0
    codes = {1.0: "Not at all Important", 5.0: "Very Important", 8.0: "Refused",
             6.0: "Extremely Important"}  # fmt: skip
    frame.loc[1, "Q19"] = 6.0
    path = write_icpsr_sav(tmp_path / "refused.sav", frame, codes)
    checked = api.check(read_export(path), parse_config(SPSS_CONFIG))
    hints = {p.value: p.hint for p in checked.problems if p.severity == "error"}
    assert set(hints) == {"Refused", "6"}
    assert "`scales.imp5.missing`" in hints["Refused"]
    assert "missing" not in hints["6"]
