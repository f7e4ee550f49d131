"""Code free-text comments into factor mentions with a phrase lexicon (pure).

A starter for Lemke-style screening when factors are not coded by hand: a comment
mentions a factor when it contains one of the factor's phrases, not negated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from b2bcx.errors import AnalysisError

NEGATION_WINDOW = 3
"""How many words before a phrase are searched for a negation."""

NEGATIONS = frozenset(
    {"not", "no", "never", "without", "lack", "lacks", "lacked", "lacking"}
    | {"cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent"}
    | {"werent", "wont", "wouldnt", "couldnt", "shouldnt", "hasnt", "havent"}
)
"""Words that negate a following phrase; any word ending in "n't" does too."""

_WORD = re.compile(r"[\w']+")
_CLAUSE_END = re.compile(r"[.,;:!?()\[\]\n]")


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Regex for one lexicon phrase: case-insensitive, whole words.

    Words may be separated by spaces or hyphens ("face to face" matches
    "face-to-face"); ``*`` matches the rest of a word ("accommodat*" matches
    "accommodating").
    """
    words = phrase.strip().split()
    if not words or not any(ch.isalnum() for ch in phrase):
        raise AnalysisError(
            f"empty lexicon phrase {phrase!r}", hint="remove it from factors.lexicon"
        )
    body = r"[\s\-]+".join(re.escape(w).replace(r"\*", r"\w*") for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _negated(text_before: str) -> bool:
    """True when one of the last few words of the clause before a phrase negates it."""
    clause = _CLAUSE_END.split(text_before)[-1]
    words = _WORD.findall(clause.lower())[-NEGATION_WINDOW:]
    return any(w in NEGATIONS or w.endswith("n't") for w in words)


def mentions_phrase(comment: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    """True when any pattern occurs in ``comment`` without a negation before it."""
    text = comment.replace("\u2019", "'")
    return any(
        not _negated(text[: match.start()])
        for pattern in patterns
        for match in pattern.finditer(text)
    )


def code_comments(
    comments: pd.Series, lexicon: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Which factors each comment mentions, from a phrase lexicon.

    Parameters
    ----------
    comments : free text per respondent; NA means no mentions.
    lexicon : factor id → phrases. Matching is case-insensitive on whole words;
        spaces in a phrase also match hyphens; ``*`` ends a word stem
        ("accommodat*").

    Returns
    -------
    Booleans, respondents (the comments' index) × factor ids (lexicon order).
    A phrase does not count when "not", "no", "never", "without", "lack(ing)" or a
    word ending in "n't" appears within the three words before it in the same
    clause ("not flexible", "never proactive", "lack of flexibility"); one
    un-negated occurrence of any phrase is enough.
    """
    compiled = {
        factor: [phrase_pattern(p) for p in _phrases(factor, phrases)]
        for factor, phrases in lexicon.items()
    }
    texts = ["" if pd.isna(t) else str(t) for t in comments]
    coded = {
        factor: [mentions_phrase(t, patterns) for t in texts]
        for factor, patterns in compiled.items()
    }
    return pd.DataFrame(coded, index=comments.index, columns=list(lexicon), dtype=bool)


def _phrases(factor: str, phrases: Sequence[str]) -> Sequence[str]:
    if isinstance(phrases, str):
        return [phrases]
    if not all(isinstance(p, str) for p in phrases):
        raise AnalysisError(f"lexicon phrases of {factor!r} must be text")
    return phrases
