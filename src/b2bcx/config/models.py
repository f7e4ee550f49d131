"""The program config: typed models, parsed from a mapping, loaded from YAML.

``parse_config`` is pure (a mapping in, a :class:`Config` out); ``load_config`` reads
the YAML file, resolves ``extends:`` and makes paths relative to the config file.
Every problem is collected and raised together as one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from b2bcx.config.files import KeyLines, key_lines, merged_mapping, read_text
from b2bcx.errors import ConfigError, Problem, raise_if_errors

MAX_WEIGHT = 1e9
"""The largest weight: far beyond any real ratio, far below a float overflow."""
MAX_BOUND = 1e12
"""The largest scale bound or threshold in magnitude (no overflow in hi - lo)."""
PositiveFloat = Annotated[float, Field(gt=0, le=MAX_WEIGHT, allow_inf_nan=False)]
Bound = Annotated[float, Field(ge=-MAX_BOUND, le=MAX_BOUND, allow_inf_nan=False)]
Code = str | int | float


class Model(BaseModel):
    """Base of config models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Columns(Model):
    respondent: str | None = None
    account: str
    name: str | None = None
    role: str | None = None
    segments: list[str] = []
    revenue: str | None = None
    phase: str | None = None
    wave: str | None = None
    comment: str | None = None
    contact: str | None = None


def normalise_label(text: object) -> str:
    """Labels and role answers compare trimmed, case-insensitive, with typographic
    quotes folded (the config's checks and the scoring's lookups alike).

    Example
    -------
    >>> normalise_label("  Don\u2019t   KNOW ")
    "don't know"
    """
    return " ".join(
        str(text).replace("\u2019", "'").replace("\u2018", "'").split()
    ).casefold()


class Scale(Model):
    """A numeric scale (``min``/``max``) or a labelled one (``labels``)."""

    min: Bound | None = None
    max: Bound | None = None
    labels: dict[str, Bound] | None = None
    missing: list[Code] = []
    whole: bool = False
    """Answers must be whole numbers (the ``nps11`` preset: an NPS answer is one of
    0, 1, ..., 10; 7.5 has no category)."""

    @model_validator(mode="after")
    def _bounds(self) -> Scale:
        if self.labels:
            if len(set(self.labels.values())) < 2:
                raise ValueError("a labelled scale needs at least two distinct values")
        elif self.min is None or self.max is None:
            raise ValueError("a scale needs `labels:` or both `min:` and `max:`")
        elif not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self

    @property
    def lo(self) -> float:
        """Lower bound: ``min``, else the lowest label value."""
        if self.min is not None:
            return self.min
        return min((self.labels or {}).values())

    @property
    def hi(self) -> float:
        """Upper bound: ``max``, else the highest label value."""
        if self.max is not None:
            return self.max
        return max((self.labels or {}).values())


class Pillar(Model):
    label: str | None = None
    items: list[str] = []
    min_items: int | None = Field(default=None, ge=1)


class Item(Model):
    reverse: bool = False
    scale: str | None = None
    weight: PositiveFloat = 1.0
    label: str | None = None


class IndexSpec(Model):
    weights: Literal["equal"] | dict[str, PositiveFloat] = "equal"


class Roles(Model):
    weights: dict[str, PositiveFloat] = {}
    decision_role: str | None = None
    map: dict[str, list[Code]] = {}
    unmapped: str = "error"
    single: str | None = None


class Rollup(Model):
    method: Literal["role_weighted", "mean", "waterfall"] = "role_weighted"
    within_role: Literal["mean", "median"] = "mean"
    missing_roles: Literal["renormalize", "exclude"] = "renormalize"
    min_respondents: int = Field(default=1, ge=1)
    account_weight: Literal["equal", "revenue"] = "equal"
    tiers: Literal["pareto"] | None = None


class Accounts(Model):
    file: str | None = None
    id: str
    name: str | None = None
    revenue: str | None = None
    segments: list[str] = []
    phase: str | None = None


class Outcome(Model):
    item: str
    scale: str | None = None


class Flags(Model):
    low_score: float = Field(default=0.1, gt=0, lt=1)
    role_gap: float = Field(default=20.0, ge=0, allow_inf_nan=False)
    low_coverage: float = Field(default=0.5, ge=0, le=1)
    low_reliability: float = Field(default=0.7, ge=0, le=1)
    low_agreement: float = Field(default=0.7, ge=0, le=1)


class Contacts(Model):
    """The CRM contact list's columns (``b2bcx chase --contacts FILE``)."""

    id: str = "ContactId"
    account: str = "AccountId"
    role: str = "Role"


class Alerts(Model):
    risk_days: int = Field(default=14, ge=0)
    blind_spot_days: int = Field(default=30, ge=0)
    owner: str | None = None


class Composite(Model):
    sources: list[str] = Field(alias="from", min_length=1)
    weights: list[PositiveFloat] | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Composite:
        if self.weights is not None and len(self.weights) != len(self.sources):
            raise ValueError("`weights` needs one weight per entry of `from`")
        return self


class FromComments(Model):
    column: str | None = None
    lexicon: dict[str, list[str]] | str | None = None


class Mentions(Model):
    column: str | None = None
    columns: dict[str, str] | None = None
    separator: str = ";"
    from_comments: FromComments | None = None


class Group(Model):
    source: str | None = Field(default=None, alias="from")
    column: str | None = None
    values: dict[Literal["good", "average", "poor"], list[Code]] | None = None
    good_min: Bound | None = None
    poor_max: Bound | None = None


class Factors(Model):
    mentions: Mentions | None = None
    ratings: dict[str, str | Outcome] | None = None
    labels: dict[str, str] = {}
    lexicon: dict[str, list[str]] = {}
    group: Group = Group()
    min_mention_rate: float = Field(default=0.25, gt=0, le=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)


class RenewalEvent(Model):
    """The event column of the decisions file and, optionally, its text values.

    ``values`` maps 1 (churned, lost, not renewed) and 0 (renewed) to the text or
    codes the CRM writes; without it the column holds 1/0, yes/no or true/false.
    """

    column: str
    values: dict[Literal[0, 1], list[Code]] | None = None

    @model_validator(mode="after")
    def _one_meaning(self) -> RenewalEvent:
        values = self.values or {}
        lost = {str(v).strip().casefold() for v in values.get(1, [])}
        kept = {str(v).strip().casefold() for v in values.get(0, [])}
        both = sorted(lost & kept)
        if both:
            raise ValueError(f"{', '.join(both)} is listed under both 1 and 0")
        return self


class Value(Model):
    """``b2bcx value``: the index against renewal decisions (docs/config.md#value)."""

    file: str | None = None
    id: str | None = None
    event: str | RenewalEvent = "Event"
    revenue: str | None = None
    date: str | None = None
    per: PositiveFloat = 10.0
    method: Literal["firth", "ml"] = "firth"
    covariates: list[str] = []
    bands: list[Bound] = [50.0, 70.0]
    currency: str = "€"

    @model_validator(mode="after")
    def _bands_rise(self) -> Value:
        if any(b >= c for b, c in zip(self.bands, self.bands[1:], strict=False)):
            raise ValueError("`bands` must be cut points in rising order")
        return self

    @property
    def event_spec(self) -> RenewalEvent:
        """The event as a :class:`RenewalEvent` (a bare column name has no values)."""
        if isinstance(self.event, str):
            return RenewalEvent(column=self.event)
        return self.event


class Waves(Model):
    """The order of the values of ``columns.wave`` (default: sorted as text)."""

    order: list[str] = []


class Filters(Model):
    exclude_unfinished: bool = True
    exclude_previews: bool = True
    dedupe: Literal["latest", "first", "error"] = "latest"


class Config(Model):
    """A whole survey program, as written in YAML (docs/config.md)."""

    version: Literal[1] = 1
    extends: str | list[str] | None = None
    columns: Columns
    scales: dict[str, Scale] = {}
    default_scale: str = "agree5"
    pillars: dict[str, Pillar] = {}
    items: dict[str, Item] = {}
    index: IndexSpec = IndexSpec()
    roles: Roles = Roles()
    rollup: Rollup = Rollup()
    accounts: Accounts | None = None
    outcomes: dict[str, str | Outcome] = {}
    flags: Flags = Flags()
    contacts: Contacts = Contacts()
    alerts: Alerts = Alerts()
    phases: dict[str, str] = {}
    composites: dict[str, Composite] = {}
    factors: Factors | None = None
    value: Value = Value()
    filters: Filters = Filters()
    waves: Waves = Waves()
    base_dir: str = "."

    # -- derived views -------------------------------------------------------
    @property
    def role_weights(self) -> dict[str, float]:
        """Role id -> weight; the single role weighs 1."""
        if self.roles.single:
            return {self.roles.single: 1.0}
        return dict(self.roles.weights)

    @property
    def item_columns(self) -> list[str]:
        """Every statement column of every pillar, in config order, once."""
        return list(dict.fromkeys(i for p in self.pillars.values() for i in p.items))

    def scale_for(self, item: str) -> str:
        """The scale id an item is answered on."""
        spec = self.items.get(item)
        return spec.scale if spec and spec.scale else self.default_scale

    def outcome(self, name: str) -> Outcome:
        """An outcome as an :class:`Outcome` (``nps`` defaults to the nps11 scale)."""
        raw = self.outcomes[name]
        outcome = Outcome(item=raw) if isinstance(raw, str) else raw
        if outcome.scale is None:
            default = "nps11" if name == "nps" else self.scale_for(outcome.item)
            outcome = Outcome(item=outcome.item, scale=default)
        return outcome

    def pillar_label(self, pillar: str) -> str:
        """Display name of a pillar (its id when no label is configured)."""
        spec = self.pillars.get(pillar)
        return spec.label if spec and spec.label else pillar

    def min_items(self, pillar: str) -> int:
        """Answered items a pillar score needs: configured, else half, rounded up."""
        spec = self.pillars[pillar]
        return spec.min_items or math.ceil(len(spec.items) / 2)

    def resolve_path(self, path: str) -> Path:
        """A path written in the config, relative to the config file."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else Path(self.base_dir) / candidate


SIX_PILLARS = (
    "integrity",
    "resolution",
    "expectations",
    "time_and_effort",
    "personalisation",
    "empathy",
)

# -- shipped presets ---------------------------------------------------------
_AGREE5 = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]
_AGREE7 = [
    "Strongly disagree",
    "Disagree",
    "Somewhat disagree",
    "Neither agree nor disagree",
    "Somewhat agree",
    "Agree",
    "Strongly agree",
]
_SAT5 = [
    "Very dissatisfied",
    "Dissatisfied",
    "Neither satisfied nor dissatisfied",
    "Satisfied",
    "Very satisfied",
]
_NON_SUBSTANTIVE: list[Code] = ["Don't know", "Not applicable", "N/A"]


def _labelled(labels: list[str]) -> Scale:
    values = {label: float(i) for i, label in enumerate(labels, start=1)}
    return Scale(labels=values, missing=list(_NON_SUBSTANTIVE))


PRESET_SCALES: dict[str, Scale] = {
    "agree5": _labelled(_AGREE5),
    "agree7": _labelled(_AGREE7),
    "sat5": _labelled(_SAT5),
    "nps11": Scale(min=0, max=10, missing=list(_NON_SUBSTANTIVE), whole=True),
}


def scales_in_force(config: Config) -> dict[str, Scale]:
    """Preset scales overridden by the config's own."""
    return {**PRESET_SCALES, **config.scales}


# -- parsing -----------------------------------------------------------------
def parse_config(
    data: Any,
    source: str = "config",
    todos: Sequence[Problem] = (),
    lines: KeyLines | None = None,
) -> Config:
    """Validate a config mapping into a :class:`Config`.

    Collects every schema problem (unknown keys with the nearest valid key,
    wrong types, non-positive weights) and every cross-reference problem
    (roles, pillars, scales that are named but not defined) into one
    :class:`ConfigError`, with ``todos`` (the file's TODO comments, see
    :func:`todo_comments`) among them. With ``lines`` (:func:`key_lines` of the
    file) a schema problem names the line its key is on.
    """
    if not isinstance(data, Mapping):
        kind = type(data).__name__ if data is not None else "empty"
        raise ConfigError(
            f"{source}: the config must be a YAML mapping of keys, not {kind}",
            hint="start from `b2bcx init EXPORT` or examples/acme.yaml",
        )
    try:
        config = Config.model_validate(dict(data))
    except ValidationError as exc:
        problems = [*_schema_problems(exc.errors(), source, data, lines), *todos]
        raise ConfigError(f"{source}: the config is not valid", problems) from None
    raise_if_errors(
        [*consistency_problems(config, source, lines), *todos],
        ConfigError,
        f"{source}: the config is not consistent",
    )
    return config


def _schema_problems(
    errors: list[Any], source: str, data: Any, lines: KeyLines | None = None
) -> list[Problem]:
    """One problem per key: a union's alternatives are merged, deeper ones win."""
    by_key: dict[str, list[tuple[Any, Problem]]] = {}
    for err in errors:
        problem = _schema_problem(err, source, data, lines)
        by_key.setdefault(_error_key(err, data), []).append((err, problem))
    keys = list(by_key)
    problems = []
    for key in keys:
        if any(other.startswith(key + ".") for other in keys):
            continue  # a deeper error explains this union alternative
        found = [problem for _, problem in by_key[key]]
        if len(found) > 1 and all(p.code == "invalid-config-value" for p in found):
            reasons = " or ".join(_message(err) for err, _ in by_key[key])
            where = _line(key, lines)
            found = [replace(found[0], problem=f"`{key}`{where}: {reasons}")]
        problems += found
    return problems


def _message(err: Mapping[str, Any]) -> str:
    """Pydantic's reason for an invalid value, without its "Value error" prefix."""
    return str(err["msg"]).removeprefix("Value error, ")


def _shown(value: Any) -> str:
    """A value for a message, cut short (a 5,000-digit number cannot even be printed)."""
    try:
        text = str(value)
    except ValueError:
        return "(a very long number)"
    return text if len(text) <= 80 else text[:77] + "..."


def _error_key(err: Any, data: Any) -> str:
    return ".".join(key_path(err["loc"], data))


def _line_of(key: str, lines: KeyLines | None) -> int | None:
    """The line a dotted key is written on in the user's file; None for a key set
    by an extended framework, a missing one, or data read from no file."""
    return (lines or {}).get(tuple(key.split(".")))


def _line(key: str, lines: KeyLines | None) -> str:
    """`` (line N)`` after a key in a problem, when the file has it."""
    line = _line_of(key, lines)
    return f" (line {line})" if line else ""


def _schema_problem(
    err: Mapping[str, Any], source: str, data: Any, lines: KeyLines | None
) -> Problem:
    path = key_path(err["loc"], data) or ["(top level)"]
    key = ".".join(path)
    where = _line(key, lines)
    if err["type"] == "extra_forbidden":
        known = _known_keys(path[:-1])
        close = difflib.get_close_matches(path[-1], known, n=1, cutoff=0.5)
        hint = (
            f"did you mean `{'.'.join([*path[:-1], close[0]])}`?"
            if close
            else (
                f"valid keys here: {', '.join(sorted(known))}" if known else "remove it"
            )
        )
        return Problem(
            f"unknown key `{key}`{where}", hint, file=source, code="unknown-config-key"
        )
    if err["type"] == "missing":
        return Problem(
            f"required key `{key}` is missing",
            "add it",
            file=source,
            code="missing-config-key",
        )
    value = err.get("input")
    shown = None if isinstance(value, Mapping | list) else _shown(value)
    return Problem(
        f"`{key}`{where}: {_message(err)}",
        "see docs/config.md",
        file=source,
        value=shown,
        code="invalid-config-value",
    )


def key_path(loc: tuple[Any, ...], data: Any) -> list[str]:
    """The keys of an error location, without pydantic's union-member tags.

    Pydantic inserts the name of the union member it tried (``str``, ``Outcome``,
    ``function-after[...]``) into locations; a part is a key when the data at that
    point holds it.
    """
    path: list[str] = []
    node = data
    for part in loc:
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            path.append(str(part))
            node = node[part]
        elif not _looks_like_tag(str(part)):
            path.append(str(part))  # a missing key: still part of the path
            node = None
    return path


def _looks_like_tag(part: str) -> bool:
    return (
        "[" in part
        or part in {"str", "int", "float", "bool", "list", "dict", "none"}
        or part[:1].isupper()
    )


def _known_keys(path: list[str]) -> list[str]:
    """The valid keys of the model found at ``path`` inside :class:`Config`."""
    model: Any = Config
    parts = list(path)
    while parts:
        fields = getattr(model, "model_fields", {})
        part = parts.pop(0)
        field = next((f for n, f in fields.items() if part in (n, f.alias)), None)
        if field is None:
            return []
        model, is_mapping = _model_in(field.annotation)
        if is_mapping and parts:
            parts.pop(0)  # a free key such as a pillar id
        if model is None:
            return []
    fields = getattr(model, "model_fields", {})
    return [f.alias or name for name, f in fields.items() if name != "base_dir"]


def _model_in(annotation: Any) -> tuple[Any, bool]:
    """The config model an annotation holds, and whether it sits in a mapping."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    args: tuple[Any, ...] = tuple(getattr(annotation, "__args__", ()))
    if getattr(annotation, "__origin__", None) is dict and len(args) == 2:
        return _model_in(args[-1])[0], True
    for arg in args:
        found = _model_in(arg)
        if found[0] is not None:
            return found
    return None, False


# What ``b2bcx init`` leaves for the analyst: a config holding one is a draft,
# which every command refuses (exit 1) until it is settled.
ACCOUNT_PLACEHOLDER = "TODO_account_column"
UNASSIGNED = "unassigned"
_TODO = re.compile(r"(?:^|\s)#+\s*(TODO\b.*)$")
_TODO_GOES_ON = re.compile(r"(\s*)# (?!evidence:)(\S.*)")
"""A TODO's next line, at its indent: its sentence goes on (an indented list does not)."""


def draft_problems(config: Config, source: str = "config") -> list[Problem]:
    """The placeholders ``b2bcx init`` left that only the analyst can settle."""
    problems = []
    if config.columns.account == ACCOUNT_PLACEHOLDER:
        problems.append(
            Problem(
                f"`columns.account` is still the placeholder {ACCOUNT_PLACEHOLDER!r}",
                "name the export column holding the customer company",
                file=source,
                column=ACCOUNT_PLACEHOLDER,
                value=ACCOUNT_PLACEHOLDER,
                code="draft-placeholder",
            )
        )
    if UNASSIGNED in config.pillars:
        items = ", ".join(config.pillars[UNASSIGNED].items)
        problems.append(
            Problem(
                f"pillar `{UNASSIGNED}` still holds statements: {items}",
                f"move them to their pillars, then delete the `{UNASSIGNED}` pillar",
                file=source,
                value=UNASSIGNED,
                code="draft-placeholder",
            )
        )
    return problems


def todo_comments(text: str, source: str = "config") -> list[Problem]:
    """One problem per ``# TODO`` comment line of a config's text.

    ``b2bcx init`` writes what it could not decide (or decided with little
    evidence) as a comment starting with TODO; the analyst settles it and deletes
    the comment. Only comments whose text starts with TODO count, so "search
    for TODO" in a sentence is not one; the comment lines right under it, at its
    indent, finish its sentence and are part of the problem.
    """
    problems = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        found = _TODO.search(line)
        if found is None:
            continue
        words = [found.group(1).strip()]
        indent = line[: len(line) - len(line.lstrip())]
        for follow in lines[number:]:
            more = _TODO_GOES_ON.fullmatch(follow)
            if more is None or more.group(1) != indent or _TODO.search(follow):
                break
            words.append(more.group(2).strip())
        problems.append(
            Problem(
                f"line {number}: {' '.join(words)}",
                "settle it, then delete the TODO comment",
                file=source,
                value="TODO",
                code="todo-in-config",
            )
        )
    return problems


def consistency_problems(
    config: Config, source: str = "config", lines: KeyLines | None = None
) -> list[Problem]:
    """Cross-references that the schema alone cannot check, and the
    placeholders of a draft (:func:`draft_problems`); with ``lines``
    (:func:`key_lines`), each names the line of its key."""
    problems: list[Problem] = list(draft_problems(config, source))

    def add(code: str, problem: str, hint: str, key: str, value: object = None) -> None:
        shown = None if value is None else str(value)
        line = _line_of(key, lines)
        where = f"`{key}`, line {line}" if line else f"`{key}`"
        problems.append(
            Problem(f"{problem} ({where})", hint, file=source, value=shown, code=code)
        )

    scales = scales_in_force(config)
    pillars = config.pillars
    _check_roles(config, add)
    if config.columns.account in config.columns.segments:
        add(
            "account-is-segment",
            f"the account column `{config.columns.account}` is also listed as a "
            "segment: a segment groups accounts, so it cannot be the account itself",
            "remove it from `columns.segments` (or name the real account column "
            "under `columns.account`)",
            "columns.segments",
            config.columns.account,
        )
    for pid, pillar in pillars.items():
        if not pillar.items:
            add(
                "pillar-too-few-items",
                f"pillar `{pid}` has no items",
                "list its statement columns under `items:`, or drop an inherited pillar with `{pid}: null`",
                f"pillars.{pid}.items",
            )
        elif len(set(pillar.items)) < len(pillar.items):
            twice = sorted({i for i in pillar.items if pillar.items.count(i) > 1})
            add(
                "invalid-config-value",
                f"pillar `{pid}` lists {', '.join(twice)} more than once (it would "
                "weigh more in the pillar's score, unseen)",
                "list each statement once; give it `items.ID.weight` to weigh it more",
                f"pillars.{pid}.items",
                ", ".join(twice),
            )
        elif pillar.min_items and pillar.min_items > len(pillar.items):
            add(
                "pillar-too-few-items",
                f"pillar `{pid}` needs {pillar.min_items} items but has {len(pillar.items)}",
                "lower `min_items`",
                f"pillars.{pid}.min_items",
            )
    _check_item_settings(config, add)
    used_scales = {config.scale_for(i) for i in config.item_columns}
    used_scales |= {config.outcome(name).scale or "" for name in config.outcomes}
    if pillars or config.outcomes:
        for scale in sorted(used_scales - set(scales)):
            add(
                "undefined-scale",
                f"scale `{scale}` is not defined",
                _suggest(scale, scales, "define it under `scales:`"),
                "scales",
                scale,
            )
    if isinstance(config.index.weights, dict):
        for pid in config.index.weights:
            if pid not in pillars:
                add(
                    "unknown-pillar",
                    f"index weight for unknown pillar `{pid}`",
                    _suggest(pid, pillars, "use a pillar id"),
                    "index.weights",
                    pid,
                )
    for phase, pid in config.phases.items():
        # an inherited six-pillar priority whose pillar the program dropped is no typo
        if pillars and pid not in pillars and pid not in SIX_PILLARS:
            add(
                "unknown-pillar",
                f"phase `{phase}` names unknown pillar `{pid}`",
                _suggest(pid, pillars, "use a pillar id"),
                f"phases.{phase}",
                pid,
            )
    for cid, composite in config.composites.items():
        for part in composite.sources:
            if part not in pillars and part not in config.item_columns:
                add(
                    "unknown-pillar",
                    f"composite `{cid}` uses unknown pillar or item `{part}`",
                    _suggest(part, pillars, "use a pillar id or an item column"),
                    f"composites.{cid}.from",
                    part,
                )
    if not pillars and config.factors is None:
        add(
            "no-pillars",
            "the config defines neither `pillars:` nor `factors:`",
            "add `pillars:` (e.g. `extends: six_pillars`) to score accounts",
            "pillars",
        )
    return problems


def _check_item_settings(config: Config, add: Any) -> None:
    """``items:`` settings of a column nothing scores are lost: a typo there
    (``Q21`` for ``Q12``) would silently drop a statement's reverse coding."""
    scored = set(config.item_columns)
    scored |= {config.outcome(name).item for name in config.outcomes}
    ratings = (config.factors.ratings if config.factors else None) or {}
    scored |= {r if isinstance(r, str) else r.item for r in ratings.values()}
    for item in config.items:
        if item not in scored:
            add(
                "unknown-item",
                f"`items:` sets `{item}`, which no pillar, outcome or factor rating "
                "uses, so its settings would be ignored",
                _suggest(
                    item,
                    sorted(scored),
                    "list it under a pillar's `items:`, or delete its settings",
                ),
                f"items.{item}",
                item,
            )


def _check_roles(config: Config, add: Any) -> None:
    roles = config.roles
    if roles.single:
        return
    if not roles.weights:
        add(
            "no-roles",
            "no roles are configured",
            "add `roles.weights` (or `roles.single` for one role)",
            "roles.weights",
        )
        return
    known = roles.weights
    if roles.decision_role and roles.decision_role not in known:
        add(
            "unknown-role",
            f"decision role `{roles.decision_role}` has no weight",
            _suggest(roles.decision_role, known, "use a role id from `roles.weights`"),
            "roles.decision_role",
            roles.decision_role,
        )
    for role in roles.map:
        if role not in known:
            add(
                "unknown-role",
                f"role map names role `{role}` that has no weight",
                _suggest(role, known, "add it to `roles.weights`"),
                f"roles.map.{role}",
                role,
            )
    first_role: dict[str, str] = {}
    for role, answers in roles.map.items():
        for answer in answers:
            key = normalise_label(answer)  # as the role lookup matches answers
            other = first_role.setdefault(key, role)
            if other != role:
                add(
                    "invalid-config-value",
                    f"role answer {str(answer)!r} is mapped to both `{other}` and `{role}`",
                    "keep it under the one role it means",
                    f"roles.map.{role}",
                    answer,
                )
    if roles.unmapped not in ("error", "ignore", *known):
        add(
            "invalid-config-value",
            f"`roles.unmapped` is `{roles.unmapped}`",
            "use error, ignore or a role id",
            "roles.unmapped",
            roles.unmapped,
        )


def _suggest(name: str, valid: Mapping[str, Any] | list[str], fallback: str) -> str:
    close = difflib.get_close_matches(
        str(name), [str(v) for v in valid], n=1, cutoff=0.5
    )
    return f"did you mean `{close[0]}`?" if close else fallback


# -- loading -----------------------------------------------------------------
def load_config(path: str | Path) -> Config:
    """Read a YAML config (safely), resolve ``extends:``, validate it."""
    path = Path(path)
    data = merged_mapping(path, seen=())
    data["base_dir"] = str(path.resolve().parent)
    text = read_text(path)
    todos = todo_comments(text, str(path))
    return parse_config(data, source=str(path), todos=todos, lines=key_lines(text))


def config_as_used(config: Config) -> dict[str, Any]:
    """The effective config as plain data (for the report's Method sheet)."""
    return config.model_dump(
        mode="json", by_alias=True, exclude={"base_dir"}, exclude_none=True
    )
