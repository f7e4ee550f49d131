"""Coding free-text comments into factor mentions (b2bcx.stats.comments)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcx.errors import AnalysisError
from b2bcx.stats.comments import code_comments, phrase_pattern

LEXICON = {
    "flexibility": [
        "flexible",
        "flexibility",
        "adapt*",
        "accommodat*",
        "willing to change",
    ],
    "personal_contact": ["personal contact", "face to face"],
    "proactive_checking": ["proactive*", "check* in"],
}
FACTORS_CONFIG = Path(__file__).parents[1] / "configs" / "lemke_factors.yaml"
LEMKE_LABELS = {
    "personal_contact": "Extent of personal contact",
    "flexibility": "Flexibility",
    "implicit_understanding": "Implicit understanding of customer needs",
    "knowledge": "Knowledge",
    "proactive_checking": "Pro-activity in checking that everything is OK",
    "proactive_objectives": "Pro-activity in eliciting customer's objectives",
    "promise_fulfilment": "Promise fulfilment",
    "value_for_time": "Value for time",
}


def coded(text: str | None, factor: str = "flexibility") -> bool:
    return bool(code_comments(pd.Series([text]), LEXICON).loc[0, factor])


@pytest.mark.parametrize(
    "text",
    [
        "Very FLEXIBLE team",
        "They showed real flexibility.",
        "They adapted quickly",
        "Always accommodating our requests",
        "They were willing  to change the plan",
        "No problem at all, very flexible",  # negation in an earlier clause
        "They didn't adapt at first but later were willing to change",
        "Not cheap. Flexible though",
    ],
)
def test_phrase_mentions_count(text):
    assert coded(text)


@pytest.mark.parametrize(
    "text",
    [
        "They were not flexible.",
        "They are never flexible",
        "No flexibility whatsoever",
        "A lack of flexibility",
        "They weren't very accommodating",
        "They weren\u2019t very accommodating",  # typographic apostrophe
        "Isn't adaptable",
        "inflexible and slow",  # whole words only
        "Nothing about it",
        "",
        None,
    ],
)
def test_negated_or_absent_phrases_do_not_count(text):
    assert not coded(text)


def test_negation_only_within_three_words():
    assert not coded("not really that flexible")  # "not" 3 words back: negated
    assert coded("Not cheap but the team was flexible")  # "not" 6 words back


def test_multiword_phrases_match_hyphens_and_spacing():
    assert coded("We met face-to-face twice", "personal_contact")
    assert coded("Good personal\ncontact", "personal_contact")
    assert coded("They checked in weekly", "proactive_checking")
    assert coded("Never proactive, but they checked in", "proactive_checking")
    assert not coded("never proactive", "proactive_checking")


def test_result_shape_index_and_missing_comments():
    comments = pd.Series(
        ["flexible", None, float("nan"), 42], index=["r1", "r2", "r3", "r4"]
    )
    result = code_comments(comments, LEXICON)
    assert list(result.columns) == list(LEXICON)
    assert list(result.index) == ["r1", "r2", "r3", "r4"]
    assert result.dtypes.eq(bool).all()
    assert result.sum().to_dict() == {
        "flexibility": 1,
        "personal_contact": 0,
        "proactive_checking": 0,
    }
    assert code_comments(pd.Series([], dtype=object), LEXICON).shape == (0, 3)


def test_bad_lexicon_raises():
    with pytest.raises(AnalysisError):
        code_comments(pd.Series(["x"]), {"flexibility": ["  "]})
    with pytest.raises(AnalysisError):
        code_comments(pd.Series(["x"]), {"flexibility": [3]})  # type: ignore[list-item]


def test_phrase_pattern_escapes_regex_characters():
    assert phrase_pattern("c++ skills").search("great C++ skills")
    assert not phrase_pattern("a.b").search("axb")


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=60))
def test_coding_never_fails_and_is_boolean(text):
    result = code_comments(pd.Series([text, "flexible " + text]), LEXICON)
    assert result.dtypes.eq(bool).all() and result.shape == (2, 3)


# --- the shipped Lemke factor config ------------------------------------------------


def test_lemke_factors_config_has_the_eight_published_factors():
    config = yaml.safe_load(FACTORS_CONFIG.read_text(encoding="utf-8"))
    factors = config["factors"]
    assert factors["labels"] == LEMKE_LABELS
    assert list(factors["lexicon"]) == list(LEMKE_LABELS)
    for factor, phrases in factors["lexicon"].items():
        assert 4 <= len(phrases) <= 8, factor


def test_lemke_lexicon_codes_typical_comments():
    lexicon = yaml.safe_load(FACTORS_CONFIG.read_text(encoding="utf-8"))["factors"][
        "lexicon"
    ]
    comments = pd.Series(
        [
            "Our account manager visits us face to face every month.",
            "Very flexible when our plans changed.",
            "They understand our business without us asking.",
            "Extremely knowledgeable engineers.",
            "They check in after every delivery to make sure all is well.",
            "They asked about our objectives for next year.",
            "They always deliver on time, as promised.",
            "Meetings are efficient and worth our time.",
            "They were not flexible and never checked in.",
        ]
    )
    result = code_comments(comments, lexicon)
    expected = list(LEMKE_LABELS)
    for row, factor in enumerate(expected):
        assert result.loc[row, factor], (row, factor)
    assert not result.loc[8].any()
