"""Word lists ``b2bcx init`` recognises columns, scales, roles and pillars by."""

from __future__ import annotations

from b2bcx.config.models import ACCOUNT_PLACEHOLDER as ACCOUNT_PLACEHOLDER
from b2bcx.config.models import UNASSIGNED as UNASSIGNED


def words(text: str) -> tuple[str, ...]:
    """Space-separated words; ``_`` stands for a space inside a phrase."""
    return tuple(word.replace("_", " ") for word in text.split())


SAMPLE, MAX_DISTINCT, MAX_LABELS = 5000, 100, 11
ROLE_WEIGHTS = {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2}
FALLBACK_ROLE = "user"  # the lightest role: an unchecked guess moves the index least
MISSING_CODES = {-99.0, -98.0, -9.0, 98.0, 99.0, 999.0}
NON_ANSWER = words("don't_know do_not_know not_applicable not_sure unsure no_opinion "
                    "can't_say cannot_say prefer_not no_answer not_relevant n/a")  # fmt: skip
NAMES = {  # columns key -> names (folded to letters and digits), best first
    "respondent": words("responseid respondentid respondent responseuuid id respid "
                         "respno caseid recordid interviewid serialno"),
    "account": words("accountid account accountnumber accountcode customerid customer "
                      "clientid client companyid company organisationid organizationid "
                      "organisation organization"),
    "name": words("accountname customername clientname companyname organisationname "
                   "organizationname"),
    "role": words("role jobrole position stakeholder stakeholdertype jobtitle"),
    "revenue": words("revenue annualrevenue arr acv contractvalue turnover"),
    "phase": words("lifecyclephase phase stage"),
    "wave": words("quarter wave period"),
    "segments": words("region country industry sector segment tier vertical "
                       "accountmanager owner market businessunit companysize"),
}  # fmt: skip
COMMENT = words("comment feedback verbatim remark suggestion opentext")
LOYALTY = words("renew loyal repurchase buyagain buy_again continue retain")
# id -> label, keywords matched at word starts in the question text; a keyword
# ending in "." matches whole words only ("care", not "caregiver" or "career")
PILLARS = {
    "integrity": ("Integrity", words("trust honest promise reliab integrity")),
    "resolution": ("Resolution", words("problem resolv resolut fix complain issue")),
    "expectations": ("Expectations", words("expect deliver as_promised on_time")),
    "time_and_effort": ("Time and Effort", words("easy easi effort quick hassle time")),
    "personalisation": ("Personalisation", words("personal tailor individual adapt our_needs")),
    "empathy": ("Empathy", words("understand care. cares. caring listen empath feeling")),
}  # fmt: skip
ROLE_WORDS = {  # role -> word starts in a role answer; checked in this order
    "decision_maker": words("decision execut sponsor c_level clevel chief ceo cfo cio "
                             "cto coo vp vice_president director head president board "
                             "directeur diretor direttore geschaftsfuhrer gerente_general "
                             "directie"),
    "influencer": words("procure purchas buyer it lead influenc manag technical "
                         "finance consult comprador compras einkauf acheteur achats "
                         "compratore acquisti inkoper inkoop gerente leiter responsable"),
    "user": words("user end_user operat daily staff employee technician agent usuario "
                   "utilisateur benutzer anwender utente gebruiker utilizador"),
}  # fmt: skip
# How far an answer word leans (sign) and how strongly (size); modifiers multiply.
WORDS = {word: value for value, text in {
    3: "excellent outstanding exceptional perfect", -3: "terrible awful",
    2: "always", -2: "never",
    1: "good agree satisfied likely important easy better often above helpful useful "
       "effective favorable favourable favorably favourably",
    -1: "poor bad disagree dissatisfied unsatisfied unlikely unimportant difficult hard "
        "worse rarely seldom below unhelpful ineffective unfavorable unfavourable "
        "unfavorably unfavourably",
    0: "neutral average fair ok okay sometimes expected same adequate mixed undecided",
}.items() for word in text.split()}  # fmt: skip
MODIFIERS = {word: value for value, text in {
    3: "extremely completely totally absolutely", 2: "very strongly highly much all",
    0.75: "fairly moderately quite", 0.5: "somewhat slightly little partly partially",
}.items() for word in text.split()}  # fmt: skip
# hh: household, as KoboToolbox and DHS-style forms abbreviate it (HHSize)
DEMOGRAPHIC_NAMES = frozenset(words(
    "age agegroup agecat ageband agegrp agebracket gender sex income hhincome education "
    "educ ethnicity ethnic race marital zip zipcode postcode postal birthyear yob dob "
    "children kids household religion hh hhsize hhmembers householdsize "
    "familysize"))  # fmt: skip
DEMOGRAPHIC_QUESTIONS = words("your_age how_old year_of_birth your_gender your_sex "
                              "your_income household_income level_of_education "
                              "marital_status your_ethnicity age_group")  # fmt: skip
COLUMN_ORDER = words("respondent account name role segments revenue phase wave comment")
# Answer labels that say by themselves which end is good: a statement answered
# on them reads "how satisfied are you with …", which no wording turns around.
SELF_DIRECTED_LABELS = ("satisf", "excellent", "poor")
NEGATIVE_WORDING = ("n't ", " not ", "more effort", "difficult", "hard to", "frustrat")
# Words of graded answers that carry no direction of their own ("Not at all",
# "Just a little", "Somewhat", "A lot"): labels using them are ordered by their codes.
GRADES = frozenset(words("not all none little somewhat lot much very fairly quite "
                         "slightly extremely moderately never always"))  # fmt: skip
