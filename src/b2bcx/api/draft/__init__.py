"""Draft a program config from a survey export (``b2bcx init``).

Pure: a read :class:`~b2bcx.io.Export` in, a :class:`Draft` out (the config as data,
as commented YAML, and notes on what to review). Columns are recognised by name and
content; each column is looked at through its distinct answers (``value_counts``),
never row by row. Every role answer found is mapped, so the draft scores the
export it came from; what only the analyst can decide is marked TODO, and
``b2bcx validate`` fails until it is decided.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from b2bcx.api.draft.evidence import (
    ASKED_ACCOUNT,
    ASKED_CATEGORY,
    ASKED_COMMENT,
    ASKED_NPS,
    ASKED_ROLE,
    YES_NO,
    Confidence,
    Guess,
    fold,
    is_consent,
    is_demographic,
    is_metadata,
    is_slider,
    is_timer,
    rankings,
    says,
    share,
)
from b2bcx.api.draft.numbers import (
    BRACKET,
    Range,
    battery_key,
    below_scale_codes,
    copy_of,
    label_codes,
    non_answer_codes,
    numeric_ranges,
    out_of_order,
    own_span,
    reversed_items,
    same_answers,
    snapped,
)
from b2bcx.api.draft.render import flow, render
from b2bcx.api.draft.words import (
    ACCOUNT_PLACEHOLDER,
    COLUMN_ORDER,
    COMMENT,
    DEMOGRAPHIC_NAMES,
    DEMOGRAPHIC_QUESTIONS,
    FALLBACK_ROLE,
    GRADES,
    LOYALTY,
    MAX_DISTINCT,
    MAX_LABELS,
    MISSING_CODES,
    MODIFIERS,
    NAMES,
    NEGATIVE_WORDING,
    NON_ANSWER,
    PILLARS,
    ROLE_WEIGHTS,
    ROLE_WORDS,
    SAMPLE,
    SELF_DIRECTED_LABELS,
    UNASSIGNED,
    WORDS,
)
from b2bcx.config.models import PRESET_SCALES, Scale
from b2bcx.errors import DataError
from b2bcx.io import FILE_COLUMN, ROW_COLUMN, Export, platform_exclusions
from b2bcx.scoring.accounts import parse_amount
from b2bcx.scoring.scales import (
    NON_SUBSTANTIVE,
    as_number,
    item_values,
    normalise_label,
)
from b2bcx.stats.consistency import items_running_against


@dataclass(frozen=True)
class Draft:
    """A drafted config.

    Attributes
    ----------
    data : the config mapping (passes :func:`b2bcx.config.models.parse_config`).
    text : the same as commented YAML (``yaml.safe_load(text) == data``).
    notes : what the user should review, one line each.
    """

    data: dict[str, Any]
    text: str
    notes: list[str]
    review: list[str] = field(default_factory=list)


@dataclass
class Profile:
    """A column seen through its distinct answers.

    ``answers`` (folded answer -> its most frequent spelling) and ``missing``
    (non-answers) are filled for columns with at most ``MAX_DISTINCT`` distinct
    answers; ``numbers`` when every substantive answer is a number.
    """

    name: str
    key: str
    question: str
    count: int
    distinct: int
    blanks: int
    sample: pd.Series
    answers: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    numbers: dict[str, float] | None = None
    labels: dict[str, str] = field(default_factory=dict)  # code -> value label
    user_missing: list[float] = field(default_factory=list)  # SPSS missing values


@dataclass
class Plan:
    """What has been found so far; ``comments`` go before a section (``"roles"``),
    before one of its keys (``"roles.map"``) or after it (``"outcomes+"``)."""

    columns: dict[str, Any] = field(default_factory=dict)
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra_missing: dict[str, list[Any]] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)  # column -> scale id
    nps: list[tuple[str, str, bool]] = field(default_factory=list)  # named like NPS?
    loyalty: list[tuple[str, str]] = field(default_factory=list)
    comments: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ranges: dict[str, Range] = field(default_factory=dict)
    reverse: dict[str, float] = field(default_factory=dict)  # item -> rest r
    kinds: dict[str, str] = field(default_factory=dict)  # column -> what it is
    used: dict[str, set[float]] = field(default_factory=dict)  # column -> answers
    guesses: list[Guess] = field(default_factory=list)
    scale_evidence: dict[str, tuple[str, Confidence]] = field(default_factory=dict)

    def guess(
        self,
        what: str,
        column: str,
        evidence: str,
        confidence: Confidence,
        key: str | None = None,
    ) -> None:
        """Record a guess; a doubtful one becomes a TODO comment before its key
        (``key``, by default ``columns.<what>``)."""
        found = Guess(what, column, evidence, confidence)
        self.guesses.append(found)
        key = f"columns.{what}" if key is None else key
        if not key:
            return
        mark = "TODO check" if found.doubtful else "evidence"
        self.comments.setdefault(key, []).append(
            f"{mark}: `{column}`: {evidence} ({confidence} confidence)"
        )


def draft_config(export: Export) -> Draft:
    """Draft a program config that scores ``export`` as it is.

    Parameters
    ----------
    export : the read export; question text, when the layout has it, places
        statements into the Six Pillars.

    Returns
    -------
    Draft
        The config as data and as commented YAML, and the notes to review.

    Raises
    ------
    DataError
        When no column holds ratings (Likert labels or whole numbers in a small
        range) to score.
    """
    source = ", ".join(export.files) or "the export"
    names = [c for c in export.frame.columns if c not in (FILE_COLUMN, ROW_COLUMN)]
    questions = _questions(export, names)
    profiles = [
        _profile(str(c), export.frame[c], questions.get(c, ""),
                 export.value_labels.get(c, {}), export.user_missing.get(c, []))
        for c in names
    ]  # fmt: skip
    plan = Plan()
    if export.layout in PLATFORMS:
        plan.notes.append(f"read as {PLATFORMS[export.layout]}")
    _excluded_rows(export.frame, plan)
    free = _what_they_are(profiles, export.frame, plan)
    free = _detect_columns(free, plan)
    rated = _detect_ratings(free, plan)
    values = _item_numbers(export.frame, plan)
    _drop_copies(plan, values)
    if not plan.items:
        raise DataError(
            f"{source}: found no rating columns to score",
            hint="statements need Likert labels (e.g. Agree) or numbers such as 1..5",
        )
    unused = [p.name for p in free if p.name not in rated]
    if unused:
        plan.notes.append(f"not used (add them if they matter): {', '.join(unused)}")
    for kind in sorted(set(plan.kinds.values())):
        names = [n for n, k in plan.kinds.items() if k == kind]
        plan.notes.append(f"not statements ({kind}): {', '.join(names)}")
    data = _assemble(plan, {p.name: p for p in profiles}, values)
    review = [g.line() for g in plan.guesses]
    return Draft(data, render(data, plan.comments, source), plan.notes, review)


def _excluded_rows(frame: pd.DataFrame, plan: Plan) -> None:
    """Say how many rows scoring will leave out (previews, tests, unfinished);
    when it is every row, say how to keep them."""
    reasons = platform_exclusions(frame).dropna()
    if reasons.empty:
        return
    counts = ", ".join(
        f"{why}: {n}" for why, n in sorted(reasons.value_counts().items())
    )
    plan.notes.append(f"rows: {len(reasons)} of {len(frame)} are excluded when "
                      f"scoring ({counts}); the draft read them all")  # fmt: skip
    if len(reasons) == len(frame):
        plan.comments["columns"] = [
            *plan.comments.get("columns", []),
            f"TODO: every row is excluded when scoring ({counts}); if they are real "
            "answers, set `filters: {exclude_previews: false, exclude_unfinished: "
            "false}`",
        ]


def _questions(export: Export, names: list[str]) -> dict[str, str]:
    """The question text of each column; a plain file's headers that read as
    sentences ("They keep their promises") are their own question text."""
    questions = dict(export.questions)
    for name in names:
        if not questions.get(name) and len(str(name).split()) >= 3:
            questions[name] = str(name)
    return questions


# -- columns -----------------------------------------------------------------
def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _profile(
    name: str,
    values: pd.Series,
    question: str,
    labels: dict[str, str],
    user_missing: list[float],
) -> Profile:
    """A column's distinct answers; the labels of its user-missing codes (read
    as NA) are set aside, so that they never bound a scale."""
    answers = values.dropna().astype(str).str.strip()
    counts = answers[answers != ""].value_counts()
    count = int(counts.sum())
    kept = {c: text for c, text in labels.items() if as_number(c) not in user_missing}
    profile = Profile(name, _key(name), normalise_label(question), count,
                      len(counts), len(values) - count, answers.head(SAMPLE),
                      labels=kept, user_missing=list(user_missing))  # fmt: skip
    if len(counts) <= MAX_DISTINCT:
        for text in counts.index:
            label = " ".join(str(text).split())
            folded = normalise_label(label)
            if folded in NON_SUBSTANTIVE or folded.startswith(NON_ANSWER):
                profile.missing.append(label)
            else:
                profile.answers.setdefault(folded, label)
        profile.distinct = len(profile.answers)
        numbers = {k: as_number(v) for k, v in profile.answers.items()}
        if numbers and None not in numbers.values():
            profile.numbers = {k: n or 0.0 for k, n in numbers.items()}
    return profile


PLATFORMS = {
    "qualtrics": "a Qualtrics export (previews, tests and unfinished responses "
    "are excluded)",
    "qualtrics_legacy": "a legacy Qualtrics export (unfinished responses are excluded)",
    "surveymonkey": "a SurveyMonkey export",
    "limesurvey": "a LimeSurvey export (responses without a submit date are "
    "excluded as unfinished)",
    "google_forms": "a Google Forms export",
    "kobo": "a KoboToolbox export",
}
ASKED = {
    "account": ASKED_ACCOUNT,
    "name": ASKED_ACCOUNT,
    "role": ASKED_ROLE,
    "comment": ASKED_COMMENT,
}
SLIDER = "sliders or 0..100 scores"


def _what_they_are(
    profiles: list[Profile], frame: pd.DataFrame, plan: Plan
) -> list[Profile]:
    """Set aside the columns that are no answers to score: platform metadata,
    timers, consent items, rankings and sliders (the respondent id, which
    platforms write as metadata, is claimed first). Returns the others."""
    respondent = _pick(
        profiles, "respondent", lambda p: p.distinct >= 0.9 * p.count > 0
    )
    if respondent is not None:
        plan.columns["respondent"] = respondent.name
    batteries = {
        p.name: battery_key(p.name, p.question)
        for p in profiles
        if p.numbers is not None or p.distinct > MAX_DISTINCT
    }
    ranked = rankings(frame, batteries, {p.name: p.question for p in profiles})
    free = []
    names = {p.name for p in profiles}
    for profile in profiles:
        if profile is respondent:
            continue
        timed = profile.name.endswith("Time") and profile.name[:-4] in names
        kind = (
            "platform metadata" if is_metadata(profile.name)
            else "timer" if timed or is_timer(profile.name, profile.question)
            else "consent" if _consent(profile)
            else "ranking" if profile.name in ranked
            else SLIDER if _slider(profile)
            else None
        )  # fmt: skip
        if kind is None:
            free.append(profile)
        else:
            plan.kinds[profile.name] = kind
    sliders = [n for n, k in plan.kinds.items() if k == SLIDER]
    if sliders:
        plan.comments["items+"] = [
            "# Sliders or 0..100 scores found; to score one, define `scales: {slider: {min: 0,",
            f"# max: 100}}}}` and list it in a pillar: {', '.join(sliders)}"]  # fmt: skip
    return free


def _consent(profile: Profile) -> bool:
    """Worded as consent and answered with one to three answers (Yes, No, the
    consent statement itself): "They ask our consent first" is a statement."""
    return len(profile.answers) <= 3 and is_consent(profile.name, profile.question)


def _slider(profile: Profile) -> bool:
    """Whole 0..100 answers with some spread (missing codes such as 99 aside);
    an age or a count of people is a demographic, not a slider."""
    numbers = [v for v in _numeric(profile) if v not in MISSING_CODES]
    return (
        len(set(numbers)) >= 5
        and is_slider(numbers)
        and not is_demographic(profile.name, profile.question)
    )


def _numeric(profile: Profile) -> list[float]:
    """Every answer of a column as a number, or empty when one is not."""
    values = pd.to_numeric(profile.sample, errors="coerce")
    return [] if values.isna().any() else [float(v) for v in values]


def _rank(profile: Profile, kind: str) -> int | None:
    """How well the column's name (or its question) says it holds ``kind``.

    Names in ``NAMES[kind]`` rank by position; then names ending so (not for
    ids), then questions asking for it (``ASKED``, whole words) unless the
    answers are ratings; None if nothing fits.
    """
    names = NAMES.get(kind, ())
    if profile.key in names:
        return names.index(profile.key)
    short = len(fold(profile.name).split()) <= 3  # `JobRole`, not a sentence
    if (
        kind not in ("respondent", "account", "name")
        and short
        and profile.key.endswith(names)
    ):
        return len(names)
    asked = says(profile.question, ASKED.get(kind, ())) is not None
    answers = list(profile.answers.values())
    rated = bool(answers) and _natural_order(answers) is not None  # a statement
    return len(names) + 1 if asked and not rated else None


def _pick(profiles: list[Profile], kind: str, test: Any) -> Profile | None:
    ranked = [(r, i) for i, p in enumerate(profiles)
              if (r := _rank(p, kind)) is not None and test(p)]  # fmt: skip
    return profiles[min(ranked)[1]] if ranked else None


def _can_be_account(profile: Profile) -> bool:
    """Company names or ids: answered in most rows, not a few numbers, not a
    rating, not free text."""
    answered = profile.count + profile.blanks
    if not profile.count or profile.blanks > 0.5 * answered:
        return False
    if profile.numbers is not None and not profile.labels and profile.distinct <= 12:
        return False  # 0, 0.5, 1, 200: counts, not companies
    if _looks_rated(profile) or is_demographic(profile.name, profile.question):
        return False
    if says(profile.question or profile.name, ASKED_CATEGORY) is not None:
        return False  # "What type of organisation do you work for?"
    if profile.answers and set(profile.answers) <= YES_NO:
        return False  # "Do you work for a Research Software Group?"
    return float(profile.sample.str.len().mean()) <= 80


def _detect_columns(profiles: list[Profile], plan: Plan) -> list[Profile]:
    """Claim the account, name, role and attribute columns; return the others."""
    free = list(profiles)
    tests = {
        "account": lambda p: _can_be_account(p) and 0 < p.distinct < p.count,
        "name": _can_be_account,
        "role": lambda p: (
            2 <= len(p.answers) <= 30
            and bool(p.labels or not p.numbers)
            and not set(p.answers) <= YES_NO
        ),
        "revenue": lambda p: parse_amount(p.sample).notna().mean() >= 0.9,
        "phase": lambda p: 0 < len(p.answers) <= 30,
        "wave": lambda p: 0 < len(p.answers) <= 30,
    }
    for kind, test in tests.items():
        found = _pick(free, kind, test)
        if found is None and kind == "account":  # each account answered once
            found = _pick(free, kind, _can_be_account)
        if found is not None:
            plan.columns[kind] = found.name
            free.remove(found)
            _judge(kind, found, plan)
    if "account" not in plan.columns and "name" in plan.columns:
        plan.columns["account"] = plan.columns.pop("name")  # names are the accounts
        plan.guesses = [
            Guess("account", g.column, g.evidence, g.confidence) if g.what == "name"
            else g for g in plan.guesses]  # fmt: skip
        plan.comments["columns.account"] = plan.comments.pop("columns.name", [])
    segments = [
        p
        for p in free
        if p.answers and _rank(p, "segments") is not None and not _looks_rated(p)
    ]
    if segments:
        plan.columns["segments"] = [p.name for p in segments]
    free = [p for p in free if p not in segments]
    comment = _comment_column(free, plan)
    if comment is not None:
        plan.columns["comment"] = comment.name
        free.remove(comment)
    return free


def _judge(kind: str, profile: Profile, plan: Plan) -> None:
    """The evidence for an account, name or role column, and how sure it is."""
    if kind not in ("account", "name", "role"):
        return
    total = profile.count + profile.blanks
    named = profile.key in NAMES.get(kind, ())
    phrase = (says(profile.question, ASKED[kind]) or "").rstrip("*")
    how = "named so" if named else f'its question says "{phrase}"'
    facts = [
        how,
        f"{profile.distinct} distinct values",
        f"{share(profile.blanks, total)} blank",
    ]
    confidence: Confidence = "high" if named else "medium"
    if kind == "role":
        answers = [profile.labels.get(a, a) for a in profile.answers.values()]
        known = sum(guess_role(a) is not None for a in answers)
        facts.append(f"{known} of {len(answers)} answers name a role")
        if known == 0 or (not named and 2 * known < len(answers)):
            confidence = "low"
    elif profile.blanks > 0.1 * total or profile.distinct < 2:
        confidence = "low"
    plan.guess(kind, profile.name, ", ".join(facts), confidence)


def _comment_column(profiles: list[Profile], plan: Plan) -> Profile | None:
    """Named like a comment, else the longest free text (40+ characters on average);
    never text most respondents gave alike (a consent statement, a choice)."""
    texts = [
        p
        for p in profiles
        if not p.numbers and p.distinct > MAX_LABELS and not _numeric(p)
    ]  # fmt: skip
    words = [w + "*" for w in COMMENT]
    named = [
        p for p in texts
        if says(p.name.replace("_", " "), words) or _rank(p, "comment") is not None
    ]  # fmt: skip
    length = {p.name: float(p.sample.str.len().mean()) for p in texts}
    varied = [p for p in texts if p.distinct >= 0.5 * p.count]
    longest = max(varied, key=lambda p: length[p.name], default=None)
    found = named[0] if named else longest
    if found is None or (not named and length[found.name] < 40):
        return None
    how = "named so" if named else "the longest free text"
    evidence = (f"{how}, {found.distinct} distinct answers of {found.count}, "
                f"{length[found.name]:.0f} characters on average")  # fmt: skip
    plan.guess("comment", found.name, evidence, "high" if named else "medium")
    return found


def _looks_rated(profile: Profile) -> bool:
    """Answers that are numbers in a small range or labels in a natural order."""
    if profile.numbers:
        return own_span(profile.numbers.values(), set()) is not None
    answers = list(profile.answers.values())
    return 2 <= len(answers) <= MAX_LABELS and _natural_order(answers) is not None


# -- scales ------------------------------------------------------------------
def _is_demographic(profile: Profile) -> bool:
    """Age, gender, income...: a description of the respondent, not a rating."""
    tokens = re.findall(r"[a-z]+", profile.name.casefold())
    return (
        bool(set(tokens) & DEMOGRAPHIC_NAMES)
        or any(phrase in profile.question for phrase in DEMOGRAPHIC_QUESTIONS)
        or is_demographic(profile.name, profile.question)
    )


def _detect_ratings(profiles: list[Profile], plan: Plan) -> set[str]:
    """Scales of the rating columns; each becomes a statement or an outcome."""
    candidates = [p for p in profiles if len(p.answers) >= 2 and not _is_demographic(p)]
    plan.ranges = _ranges([p for p in candidates if p.numbers])
    plan.used = {p.name: set((p.numbers or {}).values()) for p in candidates}
    found: dict[str, tuple[str, bool]] = {}
    keys = {p.name: battery_key(p.name, p.question) for p in candidates}
    for profile in sorted(candidates, key=lambda p: -p.distinct):  # supersets first
        scale_of = _numeric_scale if profile.numbers else _label_scale
        if (rating := scale_of(profile, plan)) is not None:
            found[profile.name] = rating
    for profile in (p for p in candidates if p.name in found):  # column order
        scale, nps = found[profile.name]
        named = _about_recommending(profile)
        battery = (
            plan.ranges[profile.name].battery if profile.name in plan.ranges
            else tuple(n for n in found if n != profile.name
                       and keys[n] is not None and keys[n] == keys[profile.name])
        )  # fmt: skip
        if nps and (named or not battery):
            plan.nps.append((profile.name, scale, named))
        elif named or says(
            f"{profile.name} {profile.question}", [f"{w}*" for w in LOYALTY]
        ):
            plan.loyalty.append((profile.name, scale))
        else:
            plan.items[profile.name] = scale
    if not plan.items and plan.nps and not any(named for *_, named in plan.nps):
        plan.items = {item: scale for item, scale, _ in plan.nps}  # no statement else
        plan.nps = []
    return set(found)


def _about_recommending(profile: Profile) -> bool:
    """Named NPS, or its question or its name asks about recommending
    ("Likely-To-Recommend", a header whose words are joined by hyphens)."""
    return "nps" in profile.key or any(
        says(text, ASKED_NPS) is not None for text in (profile.question, profile.name)
    )


def _ranges(profiles: list[Profile]) -> dict[str, Range]:
    """The range of every numeric column, from its labels and its battery; a
    member of a battery whose answers alone are too few to show a range (2 and
    3 of a 1..3 battery) takes its battery's."""
    spans, answers, batteries = {}, {}, {}
    few: dict[str, tuple[float, float]] = {}
    for profile in profiles:
        numbers = set((profile.numbers or {}).values()) - non_answer_codes(
            profile.labels
        )
        numbers -= below_scale_codes(numbers)
        labelled = label_codes(profile.labels)
        named = [profile.labels[c] for c in profile.labels if as_number(c) in labelled]
        if named and _natural_order(named) is None and not _graded(named):
            continue  # codes of stores, regions, roles: labels with no order
        span = own_span(numbers, labelled)
        given = numbers - MISSING_CODES
        batteries[profile.name] = battery_key(profile.name, profile.question)
        if span is None:
            if given and all(v.is_integer() and 0 <= v <= 10 for v in given):
                few[profile.name] = (min(given), max(given))
            continue
        spans[profile.name] = span
        answers[profile.name] = (min(given), max(given)) if given else span
    ranged = {batteries[name] for name in spans} - {None}
    for name, span in few.items():
        if batteries[name] in ranged:
            spans[name] = answers[name] = span
    return numeric_ranges(spans, answers, batteries)


def _graded(labels: list[str]) -> bool:
    """Labels of grades ("Not at all" ... "A lot"): half of them at least use
    intensity words, so their codes order them."""
    tokens = [set(re.findall(r"[a-z]+", normalise_label(label))) for label in labels]
    graded = sum(bool(t & (GRADES | set(WORDS) | set(MODIFIERS))) for t in tokens)
    return 2 * graded >= len(labels)


def _numeric_scale(profile: Profile, plan: Plan) -> tuple[str, bool] | None:
    """Whole numbers in a range from the labels or the battery: ``scale_1_to_7``,
    ``scale_1_to_4``...; 0..10 (1..10 for an item about recommending) is an NPS
    candidate."""
    found = plan.ranges.get(profile.name)
    if found is None:
        return None
    values = set((profile.numbers or {}).values())
    refused = non_answer_codes(profile.labels)
    below = below_scale_codes(values - refused)
    codes: list[Any] = sorted(
        int(v) for v in values & (MISSING_CODES | refused | below)
    )
    codes += [
        label
        for code, label in profile.labels.items()
        if as_number(code) in refused & values
        and normalise_label(label) not in NON_SUBSTANTIVE
    ]  # a code read as its label ("Refused") is missing by its label too
    codes += [_plain(c) for c in profile.user_missing if _plain(c) not in codes]
    lo, hi = int(found.lo), int(found.hi)
    labelled = {
        profile.labels[c] for c in profile.labels if as_number(c) not in refused
    }
    scrambled = out_of_order(profile.labels, _natural_order(sorted(labelled)))
    if not scrambled and not profile.labels:
        scrambled = _unused_code(found, profile, plan)
    if scrambled:
        plan.notes.append(f"{profile.name}: {scrambled}; recode them (or map the "
                          "labels in a labelled scale) before scoring")  # fmt: skip
    evidence, confidence = _range_evidence(found, profile, lo, hi, scrambled)
    if found.short:
        got = f"{found.answers[0]:g}..{found.answers[1]:g}"
        whose = (f"its battery's ({', '.join(found.battery)})" if found.battery
                 else "its labels'")  # fmt: skip
        if found.battery or profile.labels:
            plan.notes.append(f"{profile.name}: answers run {got}, short of {whose} "
                              f"range {lo}..{hi}; drafted on {lo}..{hi}, check it")  # fmt: skip
    named = _about_recommending(profile)
    if hi == 10 and (lo == 0 or named):
        _add_missing(plan, "nps11", codes)
        _scale_evidence(plan, "nps11", profile.name, evidence, confidence)
        return "nps11", True
    scale = f"scale_{lo}_to_{hi}"
    plan.scales.setdefault(scale, {"min": lo, "max": hi})
    _add_missing(plan, scale, codes)
    _scale_evidence(plan, scale, profile.name, evidence, confidence)
    return scale, False


def _unused_code(found: Range, profile: Profile, plan: Plan) -> str | None:
    """A code inside the answers' span that no answer of the battery uses, with
    answers on both sides of it (1..4 and 6, 5 never): Qualtrics recode values
    edited by hand leave such gaps, and scoring them as numbers is wrong."""
    members = found.battery or (profile.name,)
    used = set().union(*(plan.used.get(m, set()) for m in members)) - MISSING_CODES
    used -= below_scale_codes(used)
    if not used or profile.count < 20:
        return None
    inside = range(int(min(used)) + 1, int(max(used)))
    gaps = [code for code in inside if float(code) not in used]
    if not gaps or len(used) < 4:
        return None
    return (f"no answer uses {', '.join(map(str, gaps))} between "
            f"{min(used):g} and {max(used):g}: recode values may skip it")  # fmt: skip


def _range_evidence(
    found: Range, profile: Profile, lo: int, hi: int, scrambled: str | None
) -> tuple[str, Confidence]:
    """Where a numeric range came from, and how sure it is."""
    got = f"answers {found.answers[0]:g}..{found.answers[1]:g}"
    if scrambled:
        return f"{got}; {scrambled}", "low"
    if label_codes(profile.labels):
        return f"{got}, value labels {lo}..{hi}", "high"
    if found.battery:
        return f"{got}, battery of {len(found.battery)} columns", "medium"
    confidence: Confidence = "medium" if found.answers == (lo, hi) else "low"
    if hi - lo < 3:  # three codes alone: as likely a choice of three as a rating
        return f"{got}, no labels and no battery, only {hi - lo + 1} points", "low"
    return f"{got}, no labels and no battery", confidence


def _scale_evidence(
    plan: Plan, scale: str, column: str, evidence: str, confidence: Confidence
) -> None:
    """Keep the weakest evidence seen for a scale (its first column's, else)."""
    rank = {"low": 0, "medium": 1, "high": 2}
    seen = plan.scale_evidence.get(scale)
    if seen is None or rank[confidence] < rank[seen[1]]:
        plan.scale_evidence[scale] = (f"`{column}`: {evidence}", confidence)


def _label_scale(profile: Profile, plan: Plan) -> tuple[str, bool] | None:
    """A shipped preset holding every label, a scale found before, or a new one."""
    labels = set(profile.answers)
    if len(labels) > MAX_LABELS or any(len(label) > 60 for label in labels):
        return None
    scale = _known_scale(labels, plan)
    if scale is None:
        ordered = _natural_order(list(profile.answers.values()))
        if ordered is None:
            return None
        scale = _same_numbers(ordered, plan) or _new_scale(ordered, plan)
        _numbered_bounds(scale, plan)
    known = _scale_labels(scale, plan)
    if len(labels) < len(known):
        plan.notes.append(f"{profile.name}: answers use {len(labels)} of the "
                          f"{len(known)} labels of `{scale}`; check its scale")  # fmt: skip
    extra = [m for m in profile.missing if normalise_label(m) not in NON_SUBSTANTIVE]
    _add_missing(plan, scale, extra)
    shown = ", ".join(list(profile.answers.values())[:4])
    _scale_evidence(plan, scale, profile.name, f"labels {shown}…",
                    "high" if scale in PRESET_SCALES else "medium")  # fmt: skip
    spec = plan.scales.get(scale, {})
    bounds = (
        spec.get("min", min(known.values())),
        spec.get("max", max(known.values())),
    )
    return scale, bounds == (0, 10)


NUMBERED = re.compile(r"\s*-?\d+(\.\d+)?(?![\d.])")


def _anchors(labels: Iterable[str]) -> dict[str, float] | None:
    """The worded labels of a numbered scale ("1 (Never)", "10 - Always") by
    their number, or None when a label has no number in front."""
    found = {}
    for label in labels:
        match = NUMBERED.match(label)
        if match is None:
            return None
        if label.strip() != match.group().strip():
            found[normalise_label(label)] = float(match.group())
    return found


def _same_numbers(ordered: dict[str, int | float], plan: Plan) -> str | None:
    """A numbered scale found before that these labels continue: they share a
    worded end ("10 (Always)") and no number or label means two things. Its
    labels are extended ("1 (Never)", "2" … "8" and "2" … "9", "10 (Always)"
    are one 1..10 scale, not two scales with different ends)."""
    mine = _anchors(ordered)
    if not mine:
        return None
    for scale, spec in plan.scales.items():
        theirs = _anchors(spec.get("labels") or {})
        if not theirs or not set(mine) & set(theirs):
            continue
        merged = {**spec["labels"], **ordered}
        by_label = {normalise_label(k): v for k, v in merged.items()}
        if len(by_label) == len(set(by_label.values())) == len(merged):
            spec["labels"] = dict(sorted(merged.items(), key=lambda t: t[1]))
            return scale
    return None


def _numbered_bounds(scale: str, plan: Plan) -> None:
    """A numbered scale whose end answers nobody gave ("1 (Never)" … "9", no
    "10 (Always)") still runs to its ends: ``min``/``max`` snap to 0 or 1 and to
    3, 4, 5, 6, 7 or 10, so that "9" is not scored as the top."""
    spec = plan.scales[scale]
    labels = spec.get("labels") or {}
    if _anchors(labels) is None:
        return
    lo, hi = min(labels.values()), max(labels.values())
    ends = snapped(lo, hi)
    said = f"scales: `{scale}` answers run"
    plan.notes = [n for n in plan.notes if not n.startswith(said)]
    spec.pop("min", None)
    spec.pop("max", None)
    if ends is None or ends == (lo, hi):
        return
    spec["min"], spec["max"] = (_plain(e) for e in ends)
    plan.notes.append(f"scales: `{scale}` answers run {lo:g}..{hi:g}; drafted on "
                      f"{ends[0]:g}..{ends[1]:g}, the ends of a numbered scale; "
                      "check it")  # fmt: skip


def _scale_labels(scale: str, plan: Plan) -> dict[str, float]:
    labels = plan.scales[scale].get("labels") if scale in plan.scales else None
    labels = labels or PRESET_SCALES[scale].labels or {}
    return {normalise_label(k): v for k, v in labels.items()}


def _known_scale(labels: set[str], plan: Plan) -> str | None:
    custom = [s for s, spec in plan.scales.items() if "labels" in spec]
    for scale in ("agree5", "sat5", "agree7", *custom):
        if labels <= set(_scale_labels(scale, plan)):
            return scale
    return None


def _add_missing(plan: Plan, scale: str, codes: list[Any]) -> None:
    found = plan.extra_missing.setdefault(scale, [])
    found += [c for c in codes if c not in found]


def _natural_order(labels: list[str]) -> dict[str, int | float] | None:
    """Labels -> numbers by their numeric prefix ("1 - Poor") or by intensity words."""
    if any(re.match(r"\s*\d+\s*((-|–|to)\s*\d+|\+)", label) for label in labels):
        return None  # brackets ("18-24", "65+"), not a rating
    prefixes = [re.match(r"-?\d+(\.\d+)?(?![\d.])", label) for label in labels]
    numbers = [_plain(float(m.group())) for m in prefixes if m]
    if numbers and (min(numbers) < -10 or max(numbers) > 10):
        return None
    if len(set(numbers)) == len(labels):
        return dict(sorted(zip(labels, numbers, strict=True), key=lambda t: t[1]))
    strengths = [_intensity(label) for label in labels]
    if None in strengths or len(set(strengths)) < len(labels):
        return None
    ordered = sorted(zip(strengths, labels, strict=True), key=lambda t: t[0] or 0.0)
    return {label: rank for rank, (_, label) in enumerate(ordered, start=1)}


def _intensity(label: str) -> float | None:
    """How far an answer leans: Very good 2 > Good 1 > Fair 0 > Poor -1 > Very poor -2."""
    tokens = re.findall(r"[a-z]+", normalise_label(label))
    if "neither" in tokens or "neutral" in tokens:
        return 0.0
    known = [WORDS[t] for t in tokens if t in WORDS]
    if not known:
        return None
    value = float(sum(known)) * math.prod(MODIFIERS.get(t, 1) for t in tokens)
    return -value if "not" in tokens else value


def _new_scale(ordered: dict[str, int | float], plan: Plan) -> str:
    labels = list(ordered)  # in natural order
    ends = [
        re.sub(r"[^a-z]+", "_", normalise_label(x)).strip("_")[:20]
        for x in (labels[0], labels[-1])
    ]
    scale = base = f"{ends[0] or 'low'}_to_{ends[1] or 'high'}"
    number = 1
    while scale in plan.scales or scale in PRESET_SCALES:
        number += 1
        scale = f"{base}_{number}"
    plan.scales[scale] = {"labels": ordered}
    return scale


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


# -- pillars, roles, outcomes ------------------------------------------------
def pillar_of(question: str) -> str | None:
    """The Six Pillar a statement's wording makes plain, or None.

    Keywords (``PILLARS``) match at word starts (whole words when they end in
    "."), longer phrases first and each
    stretch of text once (so "as promised" counts for expectations, not
    integrity). The pillar with the most hits wins; a tie or no hit gives None.
    For a matrix column ("Stem - Statement") only the statement is read.
    """
    text = normalise_label(question).rsplit(" - ", 1)[-1]
    bracket = BRACKET.fullmatch(text.strip())
    text = bracket.group(2) if bracket else text
    hits: Counter[str] = Counter()
    words = [(w, pid) for pid, (_, keys) in PILLARS.items() for w in keys]
    for word, pid in sorted(words, key=lambda t: -len(t[0])):
        whole = word.endswith(".")
        pattern = r"\b" + re.escape(word.rstrip(".")) + (r"\b" if whole else r"\w*")
        hits[pid] += len(re.findall(pattern, text))
        text = re.sub(pattern, " ", text)
    top = [(pid, n) for pid, n in hits.most_common(2) if n]
    return top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else None


def _pillars(plan: Plan, profiles: dict[str, Profile]) -> dict[str, dict[str, Any]]:
    placed: dict[str, list[str]] = {pid: [] for pid in [*PILLARS, UNASSIGNED]}
    for item in plan.items:
        placed[pillar_of(profiles[item].question) or UNASSIGNED].append(item)
    labels = {pid: label for pid, (label, _) in PILLARS.items()}
    labels |= _battery_pillars(placed, plan, profiles)
    if placed[UNASSIGNED]:
        texts = any(profiles[i].question for i in plan.items)
        why = "wording not plain" if texts else "no question text in the export"
        plan.comments[f"pillars.{UNASSIGNED}"] = [
            "TODO: move these statements to their pillars, then delete this pillar",
            f"({why}); it is here so that the draft scores as it is."]  # fmt: skip
        plan.notes.append(f"pillars: move the statements in `{UNASSIGNED}` to their "
                          f"pillars ({why}): {', '.join(placed[UNASSIGNED])}")  # fmt: skip
    labels[UNASSIGNED] = "Unassigned — move these items"
    return {p: {"label": labels[p], "items": i} for p, i in placed.items() if i}


def _battery_pillars(
    placed: dict[str, list[str]], plan: Plan, profiles: dict[str, Profile]
) -> dict[str, str]:
    """Statements whose wording names no pillar, grouped by their battery.

    A battery (``IMAG1``..``IMAG5``, a matrix question's rows) is one construct;
    it becomes a pillar of its own, named after its stem, for the analyst to
    rename or merge. Returns the new pillars' labels.
    """
    groups: dict[str, list[str]] = {}
    for item in placed[UNASSIGNED]:
        key = battery_key(item, profiles[item].question)
        if key is not None:
            groups.setdefault(key, []).append(item)
    labels: dict[str, str] = {}
    for key, items in groups.items():
        if len(items) < 2:
            continue
        stem = key.split(":", 1)[1]
        pid = re.sub(r"[^a-z0-9]+", "_", stem.casefold()).strip("_")[:30] or "battery"
        while pid in placed or pid in PILLARS:
            pid += "_2"
        placed[pid] = items
        placed[UNASSIGNED] = [i for i in placed[UNASSIGNED] if i not in items]
        labels[pid] = _battery_label(items, profiles)
        plan.notes.append(f"pillars: `{pid}` holds the battery {', '.join(items)}; "
                          "rename it, or move its statements to their pillars")  # fmt: skip
    return labels


def _battery_label(items: list[str], profiles: dict[str, Profile]) -> str:
    question = profiles[items[0]].question or items[0]
    if " - " in question:
        return question.rsplit(" - ", 1)[0].strip().capitalize()[:60]
    bracket = BRACKET.fullmatch(question.strip())
    if bracket:
        return bracket.group(1).strip().capitalize()[:60]
    stem = re.sub(r"[_.\-]?\d+$", "", items[0])
    return stem.rsplit(" - ", 1)[0] if " - " in stem else stem


def guess_role(answer: str) -> str | None:
    """The DMU role a raw role answer names, from word starts in ``ROLE_WORDS``.

    Decision-maker words win over influencer words, which win over user words
    ("Head of IT" is a decision maker, "IT lead" an influencer). Words of up to
    three letters (IT, VP, CEO) must match whole. None if no word is recognised.
    """
    words = " ".join(re.findall(r"[a-z0-9]+", normalise_label(answer)))
    for role, keys in ROLE_WORDS.items():
        ends = [r"\w*" if len(key) > 3 else r"s?\b" for key in keys]
        if any(
            re.search(rf"\b{re.escape(k)}{e}", words)
            for k, e in zip(keys, ends, strict=True)
        ):
            return role
    return None


def _roles(profile: Profile | None, plan: Plan) -> dict[str, Any]:
    if profile is None:
        plan.notes.append("roles: no role column found; everyone is one role")
        return {"single": "customer"}
    mapping: dict[str, list[str]] = {role: [] for role in ROLE_WEIGHTS}
    guessed = []
    answers = [
        profile.labels.get(a, a) for a in [*profile.answers.values(), *profile.missing]
    ]
    for answer in answers:
        role = guess_role(answer)
        guessed += [] if role else [answer]
        mapping[role or FALLBACK_ROLE].append(answer)
    if guessed:
        plan.comments["roles.map"] = [
            "TODO map: no role word recognised in these answers; each was put in the",
            f"most plausible role, `{FALLBACK_ROLE}` (it weighs least). Check them:",
            *(f"  {answer}" for answer in guessed)]  # fmt: skip
        plan.notes.append(f"roles: check the guessed role of {', '.join(guessed)}")
    if profile.blanks:
        plan.notes.append(f"roles: {profile.blanks} rows have no role; validate reports"
                          " them (or set `roles.unmapped: ignore`)")  # fmt: skip
    return {"weights": dict(ROLE_WEIGHTS), "decision_role": "decision_maker",
            "map": {r: a for r, a in mapping.items() if a}, "unmapped": "error"}  # fmt: skip


def _outcomes(plan: Plan, profiles: dict[str, Profile]) -> dict[str, Any]:
    outcomes: dict[str, Any] = {}
    named = [(item, scale) for item, scale, is_nps in plan.nps if is_nps][:1]
    for item, scale in named:
        outcomes["nps"] = item if scale == "nps11" else {"item": item, "scale": scale}
        word = (says(profiles[item].question, ASKED_NPS) or "").rstrip("*")
        called = (says(item, ASKED_NPS) or "").rstrip("*")
        how = (
            f'its question says "{word}"' if word
            else "named NPS" if "nps" in profiles[item].key
            else f'its name says "{called}"'
        )  # fmt: skip
        plan.guess("nps", item, f"{how}, on {scale}", "high", "outcomes")
    if plan.loyalty:
        outcomes["loyalty"] = dict(zip(("item", "scale"), plan.loyalty[0], strict=True))
    spare = [(i, s) for i, s, _ in plan.nps if (i, s) not in named] + plan.loyalty[1:]
    if spare:
        plan.comments["outcomes+"] = ([] if outcomes else ["# outcomes:"]) + [
            f"#   {_key(i) or 'other'}: {flow({'item': i, 'scale': s})}"
            for i, s in spare]  # fmt: skip
        plan.notes.append(
            f"outcomes: candidates left commented out: {', '.join(i for i, _ in spare)}"
        )
    return outcomes


# -- the config and its YAML -------------------------------------------------
def _assemble(
    plan: Plan, profiles: dict[str, Profile], values: pd.DataFrame
) -> dict[str, Any]:
    pillars = _pillars(plan, profiles)
    default = Counter(plan.items.values()).most_common(1)[0][0]
    data: dict[str, Any] = {"version": 1}
    if set(PILLARS) <= set(pillars):
        data["extends"] = "six_pillars"
    data["columns"] = _columns(plan)
    data["scales"] = _scales(plan)
    data["default_scale"] = default
    data["pillars"] = pillars
    data["items"] = {i: {"scale": s} for i, s in plan.items.items() if s != default}
    _mark_reversed(plan, profiles, pillars, values, data["items"])
    _reverse_hints(plan, profiles, data["items"])
    data["roles"] = _roles(profiles.get(plan.columns.get("role", "")), plan)
    data["outcomes"] = _outcomes(plan, profiles)
    used = {
        *plan.items.values(),
        *(s for _, s, _ in plan.nps),
        *(s for _, s in plan.loyalty),
    }
    for scale, (evidence, confidence) in plan.scale_evidence.items():
        if scale not in used:
            continue
        column, evidence = evidence.split(": ", 1)
        key = (f"scales.{scale}" if scale in data["scales"]
               else "default_scale" if scale == data["default_scale"] else "")  # fmt: skip
        plan.guess(f"scale {scale}", column.strip("`"), evidence, confidence, key)
    return {key: value for key, value in data.items() if value != {}}


def _columns(plan: Plan) -> dict[str, Any]:
    if "account" not in plan.columns:
        plan.columns["account"] = ACCOUNT_PLACEHOLDER
        plan.comments.setdefault("columns", []).insert(
            0, "TODO: no account column found; name the column holding the customer "
            "company.")  # fmt: skip
        plan.notes.append("columns: no account column found; set `columns.account`")
    if "respondent" not in plan.columns:
        plan.notes.append(
            "columns: no respondent id found; rows are counted as respondents"
        )
    return {key: plan.columns[key] for key in COLUMN_ORDER if key in plan.columns}


def _scales(plan: Plan) -> dict[str, dict[str, Any]]:
    """The new scales, and presets redefined when they need more missing codes."""
    scales = {scale: dict(spec) for scale, spec in plan.scales.items()}
    for scale, extra in plan.extra_missing.items():
        if extra and scale not in scales:
            preset = PRESET_SCALES[scale]
            labels = {k: _plain(v) for k, v in (preset.labels or {}).items()}
            bounds = {"min": _plain(preset.lo), "max": _plain(preset.hi)}
            scales[scale] = {"labels": labels} if labels else bounds
            extra = [*preset.missing, *extra]
        if extra:
            scales[scale]["missing"] = extra
            plan.notes.append(
                f"scales: `{scale}` counts as missing: {', '.join(map(str, extra))}"
            )
    return scales


def _mark_reversed(
    plan: Plan,
    profiles: dict[str, Profile],
    pillars: dict[str, dict[str, Any]],
    values: pd.DataFrame,
    items: dict[str, Any],
) -> None:
    """``reverse: true`` for statements running against the rest of their pillar,
    unless their answer labels or the wording of their pillar say otherwise
    (:func:`_held_back`)."""
    members = {pid: list(spec["items"]) for pid, spec in pillars.items()}
    against: list[str] = []
    plan.reverse = reversed_items(members, values, against)
    for pid in against:
        plan.notes.append(f"pillars: half the statements of `{pid}` or more run against "
                          "the rest; none is marked reversed: check their codes")  # fmt: skip
    _held_back(plan, profiles, members, values)
    confirmed, checked = _item_rest_check(members, values)
    for item, r in plan.reverse.items():
        items[item] = {**items.get(item, {}), "reverse": True}
        evidence = f"r = {r:.2f} with the rest of its pillar"
        if item in confirmed:
            evidence += "; confirmed by the item–rest check of `b2bcx scales`"
            plan.guess("reverse", item, evidence, "high", "")
        elif item in checked:  # the check of its pillar does not name it: doubtful
            evidence += "; the item–rest check of `b2bcx scales` does not confirm it"
            plan.guess("reverse", item, evidence, "low", f"items.{item}")
        else:  # a pillar of two statements: the check cannot tell which one
            plan.guess("reverse", item, evidence, "medium", "")
        plan.notes.append(f"items: {item} is marked `reverse: true`: it correlates "
                          f"negatively (r = {r:.2f}) with the rest of its pillar")  # fmt: skip


def _held_back(
    plan: Plan,
    profiles: dict[str, Profile],
    members: dict[str, list[str]],
    values: pd.DataFrame,
) -> None:
    """Statements running against their pillar that are not marked reversed.

    A statement answered on labels that say which end is good (Very dissatisfied
    … Very satisfied, Poor … Excellent) is never reverse-worded: its answers run
    against the rest by chance or by a coding error, and it keeps its direction
    (a note says so). A plainly worded statement that runs against the pillar's
    negatively worded statements ("difficulties", "not", "hard to": its answers
    correlate clearly negatively with their mean, below -0.1 and -2/sqrt(n)) may
    be the one that is not reversed: which side to reverse is a TODO.
    """
    pillar_of = {item: pid for pid, listed in members.items() for item in listed}
    for item, r in list(plan.reverse.items()):
        labels = _text_labels(plan, item)
        if any(w in fold(label) for label in labels for w in SELF_DIRECTED_LABELS):
            del plan.reverse[item]
            plan.notes.append(
                f"items: {item} runs against the rest of its pillar (r = {r:.2f}) "
                "but is answered on labels that say which end is good; it is not "
                "marked reversed: check its answers"
            )
            continue
        negative = [
            other for other in members[pillar_of[item]]
            if other != item and other not in plan.reverse
            and _worded_negatively(profiles[other])
        ]  # fmt: skip
        if (
            negative
            and not _worded_negatively(profiles[item])
            and _runs_against(values[item], values[negative].mean(axis=1))
        ):
            del plan.reverse[item]
            evidence = (f"r = {r:.2f} with the rest of its pillar, whose "
                        f"{', '.join(negative)} are worded negatively: reverse those "
                        "(and the pillar's other negative statements), or this one")  # fmt: skip
            plan.guess("reverse", item, evidence, "low", "items")
            plan.notes.append(f"items: {item} runs against the rest of its pillar, "
                              "which holds negatively worded statements; nothing is "
                              "marked reversed there: decide which side is")  # fmt: skip


def _runs_against(item: pd.Series, others: pd.Series) -> bool:
    """Whether two answer series correlate clearly negatively: r below -0.1 and
    below -2/sqrt(n) (about p < .05)."""
    both = pd.concat([item, others], axis=1).dropna()
    if len(both) < 10 or both.std().min() == 0:
        return False
    r = float(both.iloc[:, 0].corr(both.iloc[:, 1]))
    return r < -max(0.1, 2 / math.sqrt(len(both)))


def _text_labels(plan: Plan, item: str) -> list[str]:
    """The answer labels of a statement's drafted scale (none for a numeric one)."""
    scale = plan.items[item]
    if scale in plan.scales:
        return list(plan.scales[scale].get("labels", {}))
    return list(PRESET_SCALES[scale].labels or {}) if scale in PRESET_SCALES else []


def _worded_negatively(profile: Profile) -> bool:
    return any(w in f" {profile.question} " for w in NEGATIVE_WORDING)


def _item_rest_check(
    members: dict[str, list[str]], values: pd.DataFrame
) -> tuple[set[str], set[str]]:
    """The statements ``b2bcx scales`` would name for reverse coding (flipping the
    most negative item–rest correlation until none is left), over the respondents
    who answered every statement of a pillar of three or more; and every statement
    that check could look at."""
    confirmed: set[str] = set()
    checked: set[str] = set()
    for items in members.values():
        present = [i for i in items if i in values]
        complete = values[present].dropna() if len(present) >= 3 else values.iloc[0:0]
        if len(complete) < 3:
            continue
        checked |= set(present)
        named = items_running_against(complete.to_numpy(float))
        confirmed |= {present[j] for j in named}
    return confirmed, checked


def _item_numbers(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Every drafted statement's answers as numbers on its drafted scale."""
    numbers = {}
    for item, scale_id in plan.items.items():
        spec = dict(plan.scales.get(scale_id, {}))
        spec["missing"] = [
            *spec.get("missing", []),
            *plan.extra_missing.get(scale_id, []),
        ]
        scale = (
            Scale.model_validate(spec)
            if scale_id in plan.scales
            else PRESET_SCALES[scale_id].model_copy(update={"missing": spec["missing"]})
        )
        numbers[item] = item_values(frame[item], scale).values
    return pd.DataFrame(numbers, index=frame.index)


def _drop_copies(plan: Plan, values: pd.DataFrame) -> None:
    """A recoded copy of a statement is not a statement of its own: a column
    named as a copy (``Q5r``, ``rev_Q5``) whose answers follow the original, or
    any column whose answers are the original's exactly reversed, is left out
    with a note."""
    for item in list(plan.items):
        earlier = list(plan.items)[: list(plan.items).index(item)]
        original = copy_of(item, plan.items)
        r = same_answers(values[original], values[item]) if original else None
        if original is not None and r is None and _correlation(values, original, item):
            original = None  # named alike, answered differently: two statements
        if original is None:
            for other in earlier:
                found = same_answers(values[other], values[item])
                if found is not None and found < 0:
                    original, r = other, found
                    break
        if original is None:
            continue
        del plan.items[item]
        how = f" (r = {r:.2f})" if r is not None else ""
        plan.notes.append(f"items: {item} looks like a recoded copy of {original}{how}; "
                          "it is not drafted as a statement")  # fmt: skip


def _correlation(values: pd.DataFrame, a: str, b: str) -> bool:
    """Whether two items' correlation can be computed at all."""
    both = values[[a, b]].dropna()
    return len(both) >= 5 and bool((both.std() > 0).all())


def _reverse_hints(
    plan: Plan, profiles: dict[str, Profile], items: dict[str, Any]
) -> None:
    """Commented ``reverse: true`` lines for negatively worded statements."""
    hints = [
        i
        for i in plan.items
        if i not in plan.reverse and _worded_negatively(profiles[i])
    ]
    if hints:
        plan.comments["items+"] = ([] if items else ["# items:"]) + [
            f"#   {i}: {flow({**items.get(i, {}), 'reverse': True})}   # worded negatively?"
            for i in hints]  # fmt: skip
        plan.notes.append(
            f"items: are {', '.join(hints)} reverse-coded? (see `items:`)"
        )
