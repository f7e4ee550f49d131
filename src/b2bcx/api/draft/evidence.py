"""What a column is, from its values and metadata (``b2bcx init``).

Each guess ``init`` makes (account, role, comment, NPS, a scale) carries its
evidence - distinct values, blank share, type, value labels, question wording -
and a confidence. Columns that are not answers to rate (platform metadata, page
timers, consent items, demographics, rankings, 0..100 sliders) are recognised
as what they are, before any of them could be drafted as a statement.

Question wording is matched as whole words (``"homework for"`` does not say
"work for"), accents folded, in English, Spanish, German, French, Portuguese,
Dutch and Italian; a word list entry ending in ``*`` matches any word it starts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Guess:
    """One guess of the draft: what it is, the column, why, how sure.

    ``what`` names the config key (``account``, ``scale scale_1_to_7``);
    ``evidence`` is a short phrase ("212 distinct values, 0% blank").
    """

    what: str
    column: str
    evidence: str
    confidence: Confidence

    @property
    def doubtful(self) -> bool:
        """Low confidence: the draft writes it as a TODO for the analyst."""
        return self.confidence == "low"

    def line(self) -> str:
        """The review line: ``account: `Company` — 212 distinct values, 0% blank; check``."""
        verdict = "check" if self.doubtful else f"{self.confidence} confidence"
        return f"{self.what}: `{self.column}` — {self.evidence}; {verdict}"


def fold(text: object) -> str:
    """Lower case, accents removed, runs of non-letters as one space."""
    split = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(text))  # WillRenew: two words
    plain = unicodedata.normalize("NFKD", split.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def says(text: str, phrases: Iterable[str]) -> str | None:
    """The first phrase ``text`` holds as whole words (``work*`` for a word start).

    >>> says("Which company do you work for?", ["work for"])
    'work for'
    >>> says("Did the homework for class help?", ["work for"]) is None
    True
    """
    folded = f" {fold(text)} "
    for phrase in phrases:
        stem = phrase.endswith("*")
        words = fold(phrase.rstrip("*"))
        if not words:
            continue
        pattern = (
            r"(?<![a-z0-9])" + re.escape(words) + (r"" if stem else r"(?![a-z0-9])")
        )
        if re.search(pattern, folded):
            return phrase
    return None


# -- wording, seven languages ---------------------------------------------------
ASKED_ACCOUNT = (
    "which company", "what company", "company name", "name of your company",
    "your company", "your organisation", "your organization", "name of your organi*",
    "work for", "your employer", "which organisation", "which organization",
    "empresa", "compania", "organizacion",  # es (pt: empresa)
    "unternehmen", "firma", "arbeitgeber", "organisation",  # de, fr
    "entreprise", "societe", "employeur",  # fr
    "organizacao", "companhia",  # pt
    "bedrijf", "organisatie", "werkgever",  # nl
    "azienda", "societa", "organizzazione",  # it
)  # fmt: skip
ASKED_CATEGORY = (  # a kind of organisation, not its name: never the account
    "type of", "types of", "kind of", "sort of",
    "tipo de", "clase de",  # es, pt
    "art der", "art von", "welche art",  # de
    "type d", "type de", "genre de", "sorte de",  # fr
    "soort", "type organisatie",  # nl
    "tipo di",  # it
)  # fmt: skip
# folded answers of a yes/no question, in the seven languages
YES_NO = frozenset(["yes", "no", "si", "ja", "nein", "oui", "non", "sim", "nao", "nee"])
ASKED_ROLE = (
    "your role", "job title", "your job", "your position", "describes your role",
    "job function", "your function", "your title",
    "cargo", "puesto", "su rol", "tu rol", "funcion",  # es
    "rolle", "ihre position", "funktion", "berufsbezeichnung",  # de
    "role", "poste", "fonction",  # fr
    "funcao", "seu papel",  # pt
    "rol", "functie",  # nl
    "ruolo", "mansione",  # it
)  # fmt: skip
ASKED_COMMENT = (
    "comment*", "feedback", "verbatim", "remark*", "suggestion*", "anything else",
    "tell us", "why", "improve",
    "comentario*", "sugerencia*", "por que",  # es, pt
    "kommentar*", "anmerkung*", "bemerkung*", "warum",  # de
    "commentaire*", "remarque*", "pourquoi",  # fr
    "sugestao", "sugestoes",  # pt
    "opmerking*", "toelichting", "waarom",  # nl
    "comment*", "commenti", "suggeriment*", "perche",  # it
)  # fmt: skip
ASKED_NPS = (
    "recommend*", "net promoter", "nps",
    "recomend*", "recomiend*",  # es, pt
    "empfehl*", "weiterempfehl*",  # de
    "recommand*",  # fr
    "indicar*",  # pt
    "aanbeve*", "aanrad*", "aanraa*",  # nl
    "raccomand*", "consigli*",  # it
)  # fmt: skip
CONSENT = (
    "consent*", "agree to participate", "agree to take part", "i agree to the terms",
    "consentimiento", "acepto participar",  # es
    "einverstanden", "einwillig*",  # de
    "consentement", "j accepte",  # fr
    "consentimento", "concordo em participar",  # pt
    "toestemming", "ga akkoord",  # nl
    "consenso", "acconsento",  # it
)  # fmt: skip
DEMOGRAPHIC = (
    "how old", "your age", "age", "year of birth", "years old", "household*",
    "how many people", "number of people", "people live", "people living",
    "number of children", "gender", "sex", "income", "education",
    "edad", "sexo", "genero", "ingresos", "hogar",  # es
    "alter", "geschlecht", "einkommen", "haushalt*",  # de
    "age", "sexe", "revenu", "foyer", "menage",  # fr
    "idade", "renda", "domicilio",  # pt
    "leeftijd", "geslacht", "inkomen", "huishouden*",  # nl
    "eta", "sesso", "reddito", "nucleo familiare",  # it
)  # fmt: skip
COUNTS = (  # questions asking for a count (a statement on "the number of" is none)
    "how many", "cuantos", "cuantas", "wie viele", "wieviele", "combien",
    "quantos", "quantas", "hoeveel", "quanti", "quante",
)  # fmt: skip
RANKING = (
    "rank*", "in order of", "ordene", "ordenar", "rangfolge", "reihenfolge",
    "classez", "classer", "ordem", "rangschik*", "ordina*", "classifica*",
)  # fmt: skip
TIMER_ENDS = ("pagesubmit", "clickcount", "firstclick", "lastclick")
TIMER_WORDS = ("page submit", "click count", "first click", "last click", "timing")
_METADATA_NAMES = (
    # Qualtrics
    "status progress finished durationinseconds distributionchannel userlanguage "
    "ipaddress locationlatitude locationlongitude startdate enddate recordeddate "
    "externalreference externaldatareference recipientemail recipientfirstname "
    "recipientlastname responseset qrecaptchascore qrelevantidduplicate",
    # LimeSurvey (codes and full-text headings)
    "submitdate lastpage startlanguage seed datestamp ipaddr refurl token "
    "datesubmitted datestarted datelastaction referrerurl interviewtime totaltime",
    # Google Forms, in the seven languages
    "timestamp emailaddress marcatemporal zeitstempel horodateur carimbodedatahora "
    "tijdstempel informazionicronologiche direcciondecorreoelectronico "
    "enderecodeemail emailadresse adresseemail",
    # KoboToolbox / ODK
    "start end today deviceid subscriberid simserial phonenumber username audit "
    "instanceid metainstanceid formhubuuid version gpslatitude gpslongitude "
    "gpsaltitude gpsaccuracy",
    # SurveyMonkey
    "collectorid",
)
METADATA_KEYS = frozenset(key for names in _METADATA_NAMES for key in names.split())


def is_metadata(name: str) -> bool:
    """Platform metadata by name: Qualtrics, LimeSurvey, Google Forms, Kobo."""
    key = fold(name).replace(" ", "")
    if name.startswith("_"):  # Kobo: _index, _uuid, _submission_time, _tags...
        return True
    return key in METADATA_KEYS or key.startswith("grouptime")


def is_timer(name: str, question: str) -> bool:
    """A Qualtrics page timer (First Click, Page Submit...) or LimeSurvey timing."""
    key = re.sub(r"[^a-z0-9]", "", name.casefold())
    if key.endswith(TIMER_ENDS) or re.fullmatch(r"\d+x\d+x?\w*time", key):
        return True
    return (
        says(question, TIMER_WORDS) is not None and says(name, ("time*",)) is not None
    )


def is_consent(name: str, question: str) -> bool:
    return says(f"{name} {question}", CONSENT) is not None


def is_demographic(name: str, question: str) -> bool:
    """A description of the respondent (age, household) or a count ("how many
    plots", ``F_liv_count``): a number of things, never a rating."""
    return (
        says(f"{name} {question}", (*DEMOGRAPHIC, *COUNTS)) is not None
        or says(name, ("count",)) is not None
    )


def is_slider(numbers: Iterable[float]) -> bool:
    """Answers on 0..100 that a rating scale cannot hold (above 10)."""
    values = list(numbers)
    return bool(values) and min(values) >= 0 and 10 < max(values) <= 100


def rankings(
    frame: pd.DataFrame,
    batteries: Mapping[str, str | None],
    questions: Mapping[str, str],
) -> set[str]:
    """The columns of ranking questions: a battery of k numeric columns whose rows
    each use each value of 1..k at most once (nine rows in ten at least), or a
    battery worded as a ranking ("Please rank each food") whose answers all lie
    in 1..k. Negative codes (Qualtrics' -1 for an item left unranked) are no
    answers."""
    groups: dict[str, list[str]] = {}
    for name, key in batteries.items():
        if key is not None:
            groups.setdefault(key, []).append(name)
    found: set[str] = set()
    for names in groups.values():
        if len(names) < 3:
            continue
        values = frame[names].apply(pd.to_numeric, errors="coerce")
        values = values.where(values >= 0)
        answered = values[values.notna().sum(axis=1) >= 2]
        if answered.empty:
            continue
        within = ((answered >= 1) & (answered <= len(names))) | answered.isna()
        distinct = answered.apply(lambda row: row.dropna().is_unique, axis=1)
        inside = within.all(axis=1)
        share = float((inside & distinct).mean())
        worded = any(says(questions.get(n, ""), RANKING) for n in names)
        if (worded and float(inside.mean()) >= 0.9) or (
            share >= 0.9 and _full_permutations(answered, len(names))
        ):
            found.update(names)
    return found


def _full_permutations(answered: pd.DataFrame, k: int) -> bool:
    """Most complete rows are a permutation of 1..k: ratings would repeat a value."""
    complete = answered.dropna()
    if len(complete) < 3:
        return False
    expected = np.arange(1, k + 1)
    rows = np.sort(complete.to_numpy(), axis=1)
    return float((rows == expected).all(axis=1).mean()) >= 0.9


def share(part: int, whole: int) -> str:
    """A share as a whole percentage: ``"0%"``, ``"97%"``."""
    return f"{round(100 * part / whole) if whole else 0}%"
