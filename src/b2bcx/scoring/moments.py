"""The roll-up as plan -> pass -> finish: rows become mergeable partial statistics.

A :class:`Plan` says what a config needs from an export (the columns to read, the
label dictionaries, reverse and missing rules, the role map). :func:`pass_batch`
turns one record batch into a :class:`Partial`: per account x role the count of
respondents and, for every score (index, pillars, composites, outcomes, promoter
and detractor indicators), ``n, Σx, Σx²``; per account the respondents who
answered every statement of the index, with ``Σs, Σs²`` of each statement (the
sums agreement within an account needs); a census of invalid answers and
unmapped roles (distinct raw value -> count and first row), exclusion counts, and
per account the count of every attribute value; when the plan asks for drivers,
per account x role the cross-products of the complete cases of the pillars and
the drivers' outcome. Partials :func:`merge`
associatively, so any engine that can map batches and reduce can run the pass;
:mod:`b2bcx.scoring.finish` turns the merged partial into the result tables. One
process folding its batches in order uses :func:`fold_batch`, the same sums added
row by row straight into its totals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from b2bcx.config.models import Config, Scale, scales_in_force
from b2bcx.io.text import INVISIBLE, ODD_SPACES, arrow_has_controls
from b2bcx.scoring.agreement import AGREE
from b2bcx.scoring.attributes import attribute_columns
from b2bcx.scoring.prepare import _role_key, configured_columns, role_lookup
from b2bcx.scoring.scales import _decode, answer_lookup, item_score
from b2bcx.stats.pillars import cx_index_values, weighted_row_mean

PROMOTER = "_promoter"
DETRACTOR = "_detractor"
NO_ACCOUNT = "no account"
UNMAPPED = "unmapped role"
DUPLICATE = "duplicate respondent id"
CONTROLS = "controls"
"""The census kind of a column holding control characters: the export is then
read whole, whose reader replaces them and names the column and first row."""
PART_BITS = 32
NOT_YET = np.iinfo(np.int64).max
"""The first position of a cell with no complete case yet."""
SUMMED = (
    "count",
    "n",
    "total",
    "squares",
    "complete",
    "sums",
    "products",
    "agree_n",
    "agree_sums",
    "agree_squares",
)
"""The arrays of a partial that merge by adding, account by account."""
GROWTH = 8
"""The pass's arrays grow by ``1/GROWTH`` of their rows when accounts outgrow
them: spare rows are zeroed, so resident, and a large array grows without a
copy (the allocator remaps its pages), so a small step costs little."""
CROSS = ("complete", "sums", "products", "first")
"""The arrays of a partial that only the key drivers read."""
# the id-cleaning patterns with the characters themselves (no \u escapes in RE2)
_INVISIBLE = INVISIBLE.encode("ascii").decode("unicode_escape")
_ODD_SPACES = ODD_SPACES.encode("ascii").decode("unicode_escape")


@dataclass(frozen=True)
class Answer:
    """One answer column: its scale, the label lookup and whether it is reversed."""

    column: str
    scale_id: str
    scale: Scale
    reverse: bool
    lookup: tuple[Any, ...]


@dataclass(frozen=True)
class Plan:
    """What a config needs from an export, and the scores the pass accumulates.

    ``read`` holds config column names; ``scores`` the rolled-up columns in the
    order of the moment arrays. ``cross`` names the drivers' columns (the pillars,
    then the outcome as the respondent table has it) whose cross-products the
    pass sums about ``centre`` (the scales' midpoints); empty for plain ``score``.
    ``agreement`` names the index's statements whose listwise sums per account
    agreement within an account needs (docs/method.md#agreement-within-an-account).
    """

    config: Config
    roles: tuple[str, ...]
    items: tuple[Answer, ...]
    outcomes: tuple[tuple[str, Answer], ...]
    attributes: tuple[str, ...]
    scores: tuple[str, ...]
    role_map: Mapping[str, str]
    read: tuple[str, ...]
    required: tuple[str, ...]
    cross: tuple[str, ...] = ()
    centre: tuple[float, ...] = ()
    agreement: tuple[str, ...] = ()
    comment: str | None = None


COMMENTS_KEPT = 3
"""Comments kept per account and role: the first in respondent-id order (then
by text), enough for a slide's three when roles take turns."""
Comments = dict[tuple[str, int], list[tuple[str, str]]]
"""Per (account id, role code) comments as ``(respondent id, text)``."""


def plan(config: Config, drivers: str | None = None) -> Plan:
    """The plan of a config (docs/method.md#streaming).

    With ``drivers`` (a configured outcome), the pass also sums the
    cross-products the key drivers of that outcome need (docs/method.md#drivers).
    """
    scales = scales_in_force(config)

    def answer(column: str, scale_id: str, reverse: bool = False) -> Answer:
        scale = scales[scale_id]
        return Answer(column, scale_id, scale, reverse, answer_lookup(scale))

    items = tuple(
        answer(
            item,
            config.scale_for(item),
            bool(config.items.get(item) and config.items[item].reverse),
        )
        for item in config.item_columns
    )
    outcomes = []
    for name in config.outcomes:
        outcome = config.outcome(name)
        outcomes.append(
            (name, answer(outcome.item, outcome.scale or config.default_scale))
        )
    c = config.columns
    attributes = tuple(attribute_columns(config))
    scores = (["index"] if config.pillars else []) + [
        *config.pillars,
        *config.composites,
        *[o for o in config.outcomes if o != "nps"],
    ]
    if "nps" in config.outcomes:
        scores += [PROMOTER, DETRACTOR]
    read = [c.account, c.role if not config.roles.single else None, c.respondent]
    read += [c.wave, *attributes, *config.item_columns]
    read += [o.column for _, o in outcomes]
    read += [c.comment]
    cross, centre = _cross_columns(config, dict(outcomes), drivers)
    return Plan(
        config=config,
        roles=tuple(config.role_weights),
        items=items,
        outcomes=tuple(outcomes),
        attributes=attributes,
        scores=tuple(scores),
        role_map=role_lookup(config),
        read=tuple(dict.fromkeys(r for r in read if r)),
        required=tuple(configured_columns(config)),
        cross=cross,
        centre=centre,
        agreement=tuple(config.item_columns) if config.pillars else (),
        comment=c.comment,
    )


def _cross_columns(
    config: Config, outcomes: Mapping[str, Answer], drivers: str | None
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The drivers' columns (pillars, then the outcome) and their centres.

    The outcome is the NPS answer on its scale (0..10) or another outcome's
    0..100 score, as the respondent table holds it.
    """
    if drivers is None or not config.pillars or drivers not in outcomes:
        return (), ()
    scale = outcomes[drivers].scale
    middle = (scale.lo + scale.hi) / 2 if drivers == "nps" else 50.0
    return (*config.pillars, drivers), (*(50.0 for _ in config.pillars), middle)


@dataclass
class Partial:
    """Mergeable statistics of some rows of an export.

    Attributes
    ----------
    accounts : account ids (distinct) of the rows kept; sorted after
        :func:`merge`, in the order met after :func:`fold_batch`.
    count : respondents per account x role (``A x R``).
    n, total, squares : per account x role x score: values present, ``Σx``, ``Σx²``.
    complete, sums, products : per account x role the complete cases of the
        plan's ``cross`` columns, ``Σ(x − c)`` and ``Σ(x − c)(x − c)ᵀ`` about the
        plan's ``centre`` (drivers only: empty arrays otherwise); the symmetric
        ``q x q`` matrix as its upper triangle, row by row (``q(q+1)/2``
        numbers, :func:`full_products` mirrors it).
    first : per account x role the position of the first complete case
        (``NOT_YET`` when none; drivers only), the order the account bootstrap
        draws accounts in.
    agree_n, agree_sums, agree_squares : per account (roles together) the
        respondents who answered every statement of the plan's ``agreement``, and
        per statement ``Σs`` and ``Σs²`` of their item scores.
    attributes : per attribute column, arrays ``account`` (code), ``value`` (code
        into ``vocabulary[column]``), ``count`` and ``first`` (position of the
        first row), one entry per distinct account and value.
    vocabulary : per attribute column, value -> code.
    census : per ``(column, kind)`` (kind ``invalid`` or ``unmapped``), distinct raw
        value -> ``[count, first position]``; kinds ``invisible`` (account ids
        with invisible characters) and :data:`CONTROLS` only mark a column.
    answered : per answer column, rows kept with a non-blank answer.
    excluded : rows excluded per reason; ``rows``: rows read (blank rows not counted).
    waves : distinct wave values of the rows kept.
    ids : fingerprints of the respondent ids of the rows kept (:func:`fingerprints`),
        for the duplicate check.
    parts : part number -> (file, records in the part, rows kept); a position is
        ``part << 32 | record within the part``.
    comments : per (account id, role) the first :data:`COMMENTS_KEPT` non-blank
        comments as ``(respondent id, text)``, in that order (:func:`kept_comments`).
    median, median_all : per account x role x score the median of the values
        present, and per account (one group of all roles) x score; filled only
        by the respondent producer (:func:`b2bcx.scoring.cells.partial_from_respondents`)
        for ``rollup.within_role: median``, which the pass does not stream
        (medians do not merge); empty otherwise.
    """

    roles: tuple[str, ...]
    scores: tuple[str, ...]
    accounts: pa.Array
    count: np.ndarray
    n: np.ndarray
    total: np.ndarray
    squares: np.ndarray
    complete: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sums: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    products: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    first: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    agree_n: np.ndarray = field(default_factory=lambda: np.zeros(0))
    agree_sums: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    agree_squares: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    attributes: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    vocabulary: dict[str, dict[str, int]] = field(default_factory=dict)
    census: dict[tuple[str, str], dict[str, list[int]]] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    waves: set[str] = field(default_factory=set)
    ids: list[np.ndarray] = field(default_factory=list)
    parts: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    comments: Comments = field(default_factory=dict)
    median: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    median_all: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    keys: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.uint64), repr=False, compare=False
    )
    slots: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64), repr=False, compare=False
    )
    pending: dict[str, list[dict[str, np.ndarray]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def empty(cls, p: Plan) -> Partial:
        """No rows."""
        shape = (0, len(p.roles), len(p.scores))
        out = cls(
            p.roles,
            p.scores,
            pa.array([], pa.string()),
            np.zeros(shape[:2]),
            np.zeros(shape),
            np.zeros(shape),
            np.zeros(shape),
        )
        if p.cross:
            q = len(p.cross)
            out.complete = np.zeros(shape[:2])
            out.sums = np.zeros((*shape[:2], q))
            out.products = np.zeros((*shape[:2], q * (q + 1) // 2))
            out.first = np.full(shape[:2], NOT_YET, np.int64)
        if p.agreement:
            out.agree_n = np.zeros(0)
            out.agree_sums = np.zeros((0, len(p.agreement)))
            out.agree_squares = np.zeros((0, len(p.agreement)))
        return out

    def release_sums(self) -> None:
        """Let the per-account sums go once the finish has made the tables.

        At 600k accounts they hold ~400 MB, which the segment and lifecycle
        views would otherwise be built beside; the respondent counts, census and
        row positions stay.
        """
        self._release((*SUMMED[1:], "first", "median", "median_all"))

    def cross_bytes(self) -> int:
        """Bytes held by the key drivers' sums (:data:`CROSS`)."""
        return sum(getattr(self, name).nbytes for name in CROSS)

    def release_cross_products(self) -> None:
        """Let the drivers' sums go once the key drivers are fitted: the finish
        does not read them, and at 625k accounts and 7 columns the cross-products
        alone hold ~700 MB."""
        self._release(CROSS)

    def _release(self, names: Iterable[str]) -> None:
        for name in names:
            array = getattr(self, name)
            setattr(self, name, np.zeros((0, *array.shape[1:]), array.dtype))


def _text_values(dictionary: pa.Array) -> list[str | None]:
    """Dictionary entries with blank (whitespace-only) entries as None."""
    return [v if v is not None and v.strip() else None for v in dictionary.to_pylist()]


def _codes(array: pa.Array) -> tuple[np.ndarray, list[str | None]]:
    """Per row the dictionary index (-1 = null or blank) and the dictionary."""
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    values = _text_values(array.dictionary)
    indices = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    blank = np.array([v is None for v in values] + [True])
    indices = np.where(blank[indices], -1, indices)
    return indices.astype(np.int64), values


def _first_and_counts(
    values: list[str | None], codes: np.ndarray, rows: np.ndarray
) -> dict[str, list[int]]:
    """Distinct value -> [count, first row] over ``rows`` (positions in the batch)."""
    if not len(rows):
        return {}
    found, first, counts = np.unique(codes[rows], return_index=True, return_counts=True)
    return {
        "(blank)" if code < 0 else str(values[code]): [int(k), int(rows[i])]
        for code, i, k in zip(found, first, counts, strict=True)
    }


def pass_batch(
    batch: pa.RecordBatch,
    p: Plan,
    part: int,
    file: str,
    records: int | None = None,
    dropped: np.ndarray | None = None,
) -> Partial:
    """One batch (columns named as in the config) -> its :class:`Partial`.

    ``records`` is the number of records the batch spans in its file (default:
    its rows); a position is ``part << 32 | row within the batch``. Rows at
    ``dropped`` (positions in the batch, rows the pass keeps) are excluded as
    repeated respondent ids, found beforehand (:func:`live_rows`).
    """
    kept = _kept(batch, p, part, file, records, dropped)
    scores = kept.scores(p)
    out = kept.out
    shape = (len(out.accounts), len(p.roles))
    out.count = np.zeros(shape)
    out.n, out.total, out.squares = (np.zeros((*shape, len(p.scores))) for _ in "nts")
    _add_rows(out, p, scores, kept.account, kept.role)
    if p.agreement:
        out.agree_n = np.zeros(len(out.accounts))
        out.agree_sums, out.agree_squares = (
            np.zeros((len(out.accounts), len(p.agreement))) for _ in "sq"
        )
        _add_agreement(out, p, scores, kept.account)
    _cross(kept, p, scores)
    return out


def fold_batch(
    total: Partial,
    batch: pa.RecordBatch,
    p: Plan,
    part: int,
    file: str,
    records: int | None = None,
) -> Partial:
    """``merge(total, pass_batch(batch, ...))`` in place, for one process folding
    its batches, with the moments added row by row straight into ``total``.

    Costs the batch, not the total: accounts are found by fingerprint, and those
    ``total`` had not seen are appended, not sorted; the arrays grow by an eighth
    (:data:`GROWTH`), so they may hold spare rows past ``len(total.accounts)``;
    attribute counts are regrouped only when the pending ones outgrow the grouped
    ones. :func:`settle` regroups and trims once at the end.

    A block of an export meets most of its accounts once, so summing it per
    account first and then adding those sums into the totals moves every value
    twice; here each value is added once, at its account x role cell of
    ``total`` (``numpy.add.at``, in row order, as the batch sums are made).
    """
    kept = _kept(batch, p, part, file, records, None)
    scores = kept.scores(p)
    _cross(kept, p, scores)
    where = _place(total, kept.out.accounts)
    _add_rows(total, p, scores, where[kept.account], kept.role)
    if p.agreement:
        _add_agreement(total, p, scores, where[kept.account])
    return _fold(total, kept.out, where)


@dataclass
class _Kept:
    """A batch's kept rows: the partial of everything but the moments, and per
    kept row its account (code into ``out.accounts``), role and position."""

    out: Partial
    columns: dict[str, tuple[np.ndarray, list[str | None]]]
    rows: np.ndarray
    account: np.ndarray
    role: np.ndarray
    base: np.int64

    @property
    def positions(self) -> np.ndarray:
        return self.base + self.rows

    def scores(self, p: Plan) -> dict[str, np.ndarray]:
        return score_columns(self.out, p, self.columns, self.rows, self.base)


def _kept(
    batch: pa.RecordBatch,
    p: Plan,
    part: int,
    file: str,
    records: int | None,
    dropped: np.ndarray | None,
) -> _Kept:
    """Row accounting, census, attributes, waves and ids of a batch, and its
    kept rows (what :func:`pass_batch` and :func:`fold_batch` share)."""
    config = p.config
    c = config.columns
    keys = {c.account, c.respondent}
    columns = {
        name: _codes(batch.column(name))
        for name in batch.schema.names
        if name not in keys
    }
    account_codes, account_names, invisible = _account_codes(batch.column(c.account))
    ids = (
        _trimmed(batch.column(c.respondent))
        if c.respondent in batch.schema.names
        else None
    )
    filled = account_codes >= 0
    for codes, _ in columns.values():
        filled |= codes >= 0
    if ids is not None:
        filled |= pc.fill_null(pc.not_equal(ids, ""), False).to_numpy(
            zero_copy_only=False
        )
    base = np.int64(part) << PART_BITS
    out = Partial.empty(p)
    if invisible:  # ids that differ only by invisible characters: warned about
        out.census[(c.account, "invisible")] = {"": [invisible, 0]}
    for name in batch.schema.names:  # replaced, with a warning, by the reader
        if arrow_has_controls(batch.column(name)):
            out.census[(name, CONTROLS)] = {"": [1, 0]}
    out.rows = int(filled.sum())
    has_account = filled & (account_codes >= 0)
    role = _roles(columns, p, filled)
    unmapped = has_account & (role < 0)
    policy = config.roles.unmapped
    if unmapped.any() and policy in p.roles:
        role = np.where(unmapped, p.roles.index(policy), role)
        unmapped[:] = False
    elif unmapped.any() and policy != "ignore":
        codes, values = columns[c.role or ""]
        out.census[(c.role or "role", "unmapped")] = _positions(
            _first_and_counts(values, codes, np.flatnonzero(unmapped)), base
        )
    kept = has_account & ~unmapped
    duplicates = 0
    if dropped is not None and len(dropped):
        duplicates = int(kept[dropped].sum())
        kept[dropped] = False
    no_account = int((filled & ~has_account).sum())
    out.excluded = {
        reason: k
        for reason, k in (
            (NO_ACCOUNT, no_account),
            (UNMAPPED, int(unmapped.sum())),
            (DUPLICATE, duplicates),
        )
        if k
    }
    rows = np.flatnonzero(kept)
    out.parts[part] = (file, batch.num_rows if records is None else records, len(rows))
    used, account = np.unique(account_codes[rows], return_inverse=True)
    out.accounts = account_names.take(pa.array(used))
    _attributes(out, p, columns, rows, account, base)
    if c.wave and c.wave in columns:
        codes, values = columns[c.wave]
        out.waves = {str(values[i]).strip() for i in np.unique(codes[rows]) if i >= 0}
    if p.comment and p.comment in columns:
        out.comments = _comments(columns[p.comment], ids, rows, account, role, out)
    if ids is not None and config.filters.dedupe:
        chosen = ids.take(pa.array(rows))
        named = chosen.filter(pc.fill_null(pc.not_equal(chosen, ""), False))
        out.ids.append(fingerprints(named))
    return _Kept(out, columns, rows, account, role[rows], base)


def _comments(
    column: tuple[np.ndarray, list[str | None]],
    ids: pa.Array | None,
    rows: np.ndarray,
    account: np.ndarray,
    role: np.ndarray,
    out: Partial,
) -> Comments:
    """The first comments of each account and role among the kept ``rows``."""
    codes, values = column
    said = codes[rows] >= 0
    if not said.any():
        return {}
    where = np.flatnonzero(said)
    texts = [values[k] or "" for k in codes[rows[where]]]
    people = (
        [""] * len(where)
        if ids is None
        else [v or "" for v in ids.take(pa.array(rows[where])).to_pylist()]
    )
    names = out.accounts.to_pylist()
    found: Comments = {}
    for k, person, text in zip(where, people, texts, strict=True):
        key = (str(names[account[k]]), int(role[rows[k]]))
        found.setdefault(key, []).append((person, text))
    return first_comments(found)


def first_comments(found: Comments) -> Comments:
    """The comments kept of each account and role: the first
    :data:`COMMENTS_KEPT` by respondent id, then text (the one rule of both
    producers and of merging)."""
    return {key: sorted(said)[:COMMENTS_KEPT] for key, said in found.items()}


def kept_comments(
    a: Comments,
    b: Comments,
) -> Comments:
    """The comments of two partials together, the first :data:`COMMENTS_KEPT`
    of each account and role (associative and commutative)."""
    keys = dict.fromkeys([*a, *b])  # in order met: the same partial on any run
    both = {key: [*a.get(key, []), *b.get(key, [])] for key in keys}
    return first_comments(both)


_FINGERPRINT_BASE = np.uint64(0x100000001B3)  # an odd multiplier (FNV's prime)


def fingerprints(ids: pa.Array) -> np.ndarray:
    """A 64-bit fingerprint of each (non-empty) text: equal texts, equal prints.

    A polynomial hash of the UTF-8 bytes, mixed with the length and finished with
    splitmix64's mixer; vectorised over Arrow's buffers. Different texts share a
    print by chance (about ``n² / 2⁶⁵`` for ``n`` texts), so equal prints only
    send an export to the respondent path, which compares the texts themselves.
    """
    if not len(ids):
        return np.empty(0, np.uint64)
    if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
        ids = ids.cast(pa.string())
    width = np.int64 if pa.types.is_large_string(ids.type) else np.int32
    _, offsets_buffer, data_buffer = ids.buffers()
    offsets = np.frombuffer(offsets_buffer, width)[
        ids.offset : ids.offset + len(ids) + 1
    ].astype(np.int64)
    data = np.frombuffer(data_buffer, np.uint8)[offsets[0] : offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    within = np.arange(len(data)) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(int(lengths.max()), _FINGERPRINT_BASE))
    with np.errstate(over="ignore"):
        h = np.add.reduceat(data.astype(np.uint64) * powers[within], starts)
        h ^= lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def live_rows(batch: pa.RecordBatch, p: Plan) -> np.ndarray:
    """Positions of the rows :func:`pass_batch` keeps (an account and a role), the
    candidates of the duplicate check."""
    config = p.config
    account = _account_codes(batch.column(config.columns.account))[0]
    has_account = account >= 0
    if config.roles.single or config.roles.unmapped in p.roles:
        return np.flatnonzero(has_account)
    role_column = config.columns.role or ""
    role = _roles({role_column: _codes(batch.column(role_column))}, p, has_account)
    return np.flatnonzero(has_account & (role >= 0))


def _trimmed(array: pa.Array) -> pa.Array:
    """Text trimmed of whitespace (dictionary columns decoded)."""
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    return pc.utf8_trim_whitespace(array.cast(pa.string()))


def _account_codes(array: pa.Array) -> tuple[np.ndarray, pa.Array, int]:
    """Per row a code into the sorted distinct account ids (-1 = none), cleaned as
    :func:`b2bcx.io.text.normalise_ids` cleans them, and how many distinct ids
    had invisible characters."""
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    raw = array.dictionary.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(raw)
    invisible = 0
    if not pc.all(pc.string_is_ascii(raw)).as_py():  # the odd characters are not ASCII
        cleaned = pc.utf8_trim_whitespace(
            pc.replace_substring_regex(
                pc.replace_substring_regex(raw, _INVISIBLE, ""), _ODD_SPACES, " "
            )
        )
        touched = pc.fill_null(pc.not_equal(cleaned, trimmed), False)
        invisible = int(pc.sum(touched).as_py() or 0)
        trimmed = cleaned
    blank = pc.fill_null(pc.equal(trimmed, ""), True)
    encoded = pc.if_else(
        blank, pa.scalar(None, pa.string()), trimmed
    ).dictionary_encode()
    distinct = encoded.dictionary
    order = pc.sort_indices(distinct).to_numpy(zero_copy_only=False)
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    entry = (
        encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    )
    table = np.append(np.append(rank, -1)[entry], -1)
    codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return table[codes], distinct.take(pa.array(order)), invisible


def _positions(census: dict[str, list[int]], base: np.int64) -> dict[str, list[int]]:
    return {v: [k, int(base + first)] for v, (k, first) in census.items()}


def _roles(
    columns: dict[str, tuple[np.ndarray, list[str | None]]], p: Plan, filled: np.ndarray
) -> np.ndarray:
    """Role code per row (-1 = unmapped)."""
    config = p.config
    if config.roles.single:
        return np.full(len(filled), p.roles.index(config.roles.single))
    codes, values = columns[config.columns.role or ""]
    mapped = [p.role_map.get(_role_key(v)) if v is not None else None for v in values]
    table = np.array([p.roles.index(m) if m else -1 for m in mapped] + [-1])
    return table[codes]


def _decoded(
    answer: Answer, codes: np.ndarray, values: list[str | None]
) -> tuple[np.ndarray, np.ndarray]:
    """Scale values per row (NaN = missing or invalid) and the invalid mask."""
    decoded = [
        math.nan if v is None else _decode(v, answer.scale, answer.lookup)
        for v in values
    ]
    table = np.array([math.nan if d is None else d for d in decoded] + [math.nan])
    bad = np.array([d is None for d in decoded] + [False])
    return table[codes], bad[codes]


def _answers(
    out: Partial,
    columns: dict[str, tuple[np.ndarray, list[str | None]]],
    answer: Answer,
    rows: np.ndarray,
    base: np.int64,
) -> np.ndarray:
    """An answer column's scale values over the kept rows; census of invalid ones."""
    codes, values = columns[answer.column]
    scale_values, bad = _decoded(answer, codes, values)
    invalid = rows[bad[rows]]
    if len(invalid):
        out.census[(answer.column, "invalid")] = _positions(
            _first_and_counts(values, codes, invalid), base
        )
    out.answered[answer.column] = int((codes[rows] >= 0).sum())
    return scale_values[rows]


def _stacked(
    scores: Mapping[str, np.ndarray], names: Iterable[str], rows: int
) -> np.ndarray:
    return np.column_stack([scores[s] for s in names] or [np.empty((rows, 0))])


def score_columns(
    out: Partial,
    p: Plan,
    columns: dict[str, tuple[np.ndarray, list[str | None]]],
    rows: np.ndarray,
    base: np.int64,
) -> dict[str, np.ndarray]:
    """The scores of the kept rows by name, as ``score_respondents`` has them (item
    and pillar scores in numpy blocks, the maths of :mod:`b2bcx.stats.pillars`),
    and ``nps``, the NPS answer on its scale (0..10)."""
    config = p.config
    position = {a.column: j for j, a in enumerate(p.items)}
    items = np.empty((len(rows), len(p.items)))
    for j, a in enumerate(p.items):
        items[:, j] = item_score(
            _answers(out, columns, a, rows, base), a.scale, a.reverse
        )
    scores: dict[str, np.ndarray] = {}
    pillars = np.empty((len(rows), len(config.pillars)))
    for k, (pid, pillar) in enumerate(config.pillars.items()):
        weights = [
            config.items[i].weight if i in config.items else 1.0 for i in pillar.items
        ]
        block = items[:, [position[i] for i in pillar.items]]
        pillars[:, k] = weighted_row_mean(block, weights, config.min_items(pid))
        scores[pid] = pillars[:, k]
    if config.pillars:
        index_weights = (
            config.index.weights if isinstance(config.index.weights, dict) else None
        )
        scores["index"] = cx_index_values(pillars, list(config.pillars), index_weights)
    for cid, composite in config.composites.items():
        parts = np.column_stack(
            [
                scores[s] if s in config.pillars else items[:, position[s]]
                for s in composite.sources
            ]
        )
        scores[cid] = weighted_row_mean(
            parts, composite.weights, math.ceil(len(composite.sources) / 2)
        )
    for name, answer in p.outcomes:
        values = _answers(out, columns, answer, rows, base)
        if name == "nps":
            code = np.where(values >= 9, 1.0, np.where(values >= 7, 0.0, -1.0))
            have = ~np.isnan(values)
            scores[PROMOTER] = np.where(have, code == 1, np.nan)
            scores[DETRACTOR] = np.where(have, code == -1, np.nan)
            scores[name] = values
        else:
            scores[name] = item_score(values, answer.scale).astype(float)
    for j, a in enumerate(p.items):  # agreement's statements (not rolled up)
        scores[f"{AGREE}{a.column}"] = items[:, j]
    return scores


def _cross(kept: _Kept, p: Plan, scores: Mapping[str, np.ndarray]) -> None:
    """The batch's cross-products of the drivers' columns, when the plan asks."""
    if p.cross:
        shape = (len(kept.out.accounts), len(p.roles))
        key = kept.account * len(p.roles) + kept.role
        _cross_products(kept.out, p, scores, kept.positions, key, shape)


def _add_rows(
    total: Partial,
    p: Plan,
    scores: Mapping[str, np.ndarray],
    account: np.ndarray,
    role: np.ndarray,
) -> None:
    """Each kept row's scores added at its account x role cell of ``total``."""
    values = _stacked(scores, p.scores, len(account))
    cell = account * len(p.roles) + role
    np.add.at(_flat(total.count), cell, 1.0)
    k = len(p.scores)
    at = (cell[:, None] * k + np.arange(k)).ravel()
    x = values.ravel()
    have = ~np.isnan(x)
    filled = np.where(have, x, 0.0)
    np.add.at(_flat(total.n), at, have.astype(float))
    np.add.at(_flat(total.total), at, filled)
    np.add.at(_flat(total.squares), at, filled**2)


def _add_agreement(
    total: Partial, p: Plan, scores: Mapping[str, np.ndarray], account: np.ndarray
) -> None:
    """Each kept row that answered every statement of the index, added at its
    account: the count, and per statement the item score and its square."""
    x = _stacked(scores, [f"{AGREE}{c}" for c in p.agreement], len(account))
    whole = ~np.isnan(x).any(axis=1)
    x, at = x[whole], account[whole]
    np.add.at(total.agree_n, at, 1.0)
    np.add.at(total.agree_sums, at, x)
    np.add.at(total.agree_squares, at, x**2)


def _flat(array: np.ndarray, *shape: int) -> np.ndarray:
    """A view of a C-contiguous array in ``shape`` (default 1-D): an error rather
    than a copy, which would lose what is added into it."""
    if not array.flags.c_contiguous:
        raise ValueError("moments must be C-contiguous to be added in place")
    return array.reshape(shape or (-1,))


def _cross_products(
    out: Partial,
    p: Plan,
    scores: Mapping[str, np.ndarray],
    positions: np.ndarray,
    key: np.ndarray,
    shape: tuple[int, int],
) -> None:
    """Per account x role the complete cases of the drivers' columns: count,
    shifted sums and cross-products, and the first one's position."""
    cells = shape[0] * shape[1]
    x = _stacked(scores, p.cross, len(key)) - np.asarray(p.centre)
    whole = ~np.isnan(x).any(axis=1)
    x, key = x[whole], key[whole]
    q = len(p.cross)
    out.complete = np.bincount(key, minlength=cells).reshape(shape).astype(float)
    out.sums = np.empty((*shape, q))
    out.products = np.empty((*shape, q * (q + 1) // 2))
    for k in range(q):
        out.sums[:, :, k] = np.bincount(key, x[:, k], cells).reshape(shape)
    for t, (i, j) in enumerate(zip(*np.triu_indices(q), strict=True)):
        summed = np.bincount(key, x[:, i] * x[:, j], cells)
        out.products[:, :, t] = summed.reshape(shape)
    first = np.full(cells, NOT_YET, np.int64)
    found, at = np.unique(key, return_index=True)  # positions ascend in a batch
    first[found] = positions[whole][at]
    out.first = first.reshape(shape)


def full_products(
    upper: np.ndarray, q: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """Symmetric ``q x q`` matrices from their upper triangles, row by row, of
    the ``rows`` of ``upper`` when given (a triangle column at a time: the rows'
    triangles are not copied first).

    ``upper[..., t]`` is entry ``(i, j)``, ``i <= j``, of
    ``numpy.triu_indices(q)``; the matrix has it at ``(i, j)`` and ``(j, i)``.
    The pass keeps a cross-product matrix so (``Σ(x − c)(x − c)ᵀ`` is
    symmetric): ``q(q+1)/2`` numbers instead of ``q²``, 28 instead of 49 for
    six pillars and an outcome.

    Examples
    --------
    >>> full_products(np.array([1.0, 2.0, 3.0]), 2).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    >>> full_products(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 2, np.array([1])).tolist()
    [[[4.0, 5.0], [5.0, 6.0]]]
    """
    i, j = np.triu_indices(q)
    if rows is not None:
        picked = np.empty((len(rows), q, q))
        for t in range(len(i)):
            picked[:, i[t], j[t]] = picked[:, j[t], i[t]] = upper[rows, t]
        return picked
    full = np.empty((*upper.shape[:-1], q, q))
    full[..., i, j] = upper
    full[..., j, i] = upper
    return full


def _attributes(
    out: Partial,
    p: Plan,
    columns: dict[str, tuple[np.ndarray, list[str | None]]],
    rows: np.ndarray,
    account: np.ndarray,
    base: np.int64,
) -> None:
    for column in p.attributes:
        codes, values = columns[column]
        present = codes[rows] >= 0
        width = max(len(values), 1)
        key = account[present] * width + codes[rows][present]
        found, first, counts = np.unique(key, return_index=True, return_counts=True)
        out.vocabulary[column] = {v or "": k for k, v in enumerate(values)}
        out.attributes[column] = {
            "account": (found // width).astype(np.int64),
            "value": (found % width).astype(np.int64),
            "count": counts.astype(np.int64),
            "first": base + rows[present][first].astype(np.int64),
        }


# -- merging ------------------------------------------------------------------


def merge(a: Partial, b: Partial) -> Partial:
    """The partial of the rows of ``a`` and ``b`` together (associative)."""
    if a.roles != b.roles or a.scores != b.scores:
        raise ValueError("partials of different plans cannot be merged")
    if a.pending or b.pending or len(a.count) != len(a.accounts):
        raise ValueError("merge partials after settle()")
    accounts = _union(a.accounts, b.accounts)
    where_a = _where(a.accounts, accounts)
    where_b = _where(b.accounts, accounts)
    arrays = {}
    for name in SUMMED:
        left, right = getattr(a, name), getattr(b, name)
        merged = np.zeros((len(accounts), *_cell_shape(left, right)))
        if left.size:
            merged[where_a] += left
        if right.size:
            merged[where_b] += right
        arrays[name] = merged
    first = np.full((len(accounts), *_cell_shape(a.first, b.first)), NOT_YET)
    for part, where in ((a.first, where_a), (b.first, where_b)):
        if part.size:
            first[where] = np.minimum(first[where], part)
    vocabulary = {k: dict(v) for k, v in a.vocabulary.items()}
    return Partial(
        a.roles,
        a.scores,
        accounts,
        arrays["count"],
        arrays["n"],
        arrays["total"],
        arrays["squares"],
        complete=arrays["complete"],
        sums=arrays["sums"],
        products=arrays["products"],
        first=first,
        agree_n=arrays["agree_n"],
        agree_sums=arrays["agree_sums"],
        agree_squares=arrays["agree_squares"],
        attributes=_merge_attributes(a, b, where_a, where_b, vocabulary),
        vocabulary=vocabulary,
        census=_merge_census(a.census, b.census),
        answered=_add(a.answered, b.answered),
        excluded=_add(a.excluded, b.excluded),
        rows=a.rows + b.rows,
        waves=a.waves | b.waves,
        ids=[*a.ids, *b.ids],
        parts={**a.parts, **b.parts},
        comments=kept_comments(a.comments, b.comments),
    )


def _cell_shape(a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    """The shape of one account's cells in either array (the larger: a partial
    built without the drivers' arrays has them empty)."""
    return max(a.shape[1:], b.shape[1:], key=math.prod)


def _place(total: Partial, accounts: pa.Array) -> np.ndarray:
    """Each account's row in ``total``; accounts not yet there are appended.

    The accounts are found by their fingerprints (:func:`fingerprints`) in a
    sorted array, and each found id is compared with the one it stands for: a
    chance match of two different ids is an error (a ``ValueError``: the export
    is then read the careful way), never a merge of two accounts.
    """
    prints = fingerprints(accounts)
    where = _codes_in(total, prints)
    found = where >= 0
    if found.any():
        same = pc.equal(accounts.filter(found), total.accounts.take(where[found]))
        if not pc.all(same).as_py():
            raise ValueError("two account ids share a fingerprint")
    new = ~found
    if new.any():
        start = len(total.accounts)
        total.accounts = pa.concat_arrays([total.accounts, accounts.filter(new)])
        where[new] = np.arange(start, start + int(new.sum()))
        _index(total, prints[new], where[new])
        if len(total.accounts) > len(total.count):
            rows = max(
                len(total.accounts), len(total.count) + len(total.count) // GROWTH
            )
            _resize(total, rows)
    return where


def _codes_in(total: Partial, prints: np.ndarray) -> np.ndarray:
    """The row in ``total`` of each fingerprint (-1 when new)."""
    if not len(total.keys):
        return np.full(len(prints), -1, np.int64)
    inside = np.minimum(np.searchsorted(total.keys, prints), len(total.keys) - 1)
    hit = total.keys[inside] == prints
    return np.where(hit, total.slots[inside], -1)


def _index(total: Partial, prints: np.ndarray, rows: np.ndarray) -> None:
    """Add fingerprints (distinct, not yet indexed) and their rows to the index."""
    order = np.argsort(prints)
    prints, rows = prints[order], rows[order]
    if len(np.unique(prints)) < len(prints):
        raise ValueError("two account ids share a fingerprint")
    at = np.searchsorted(total.keys, prints)
    total.keys = np.insert(total.keys, at, prints)
    total.slots = np.insert(total.slots, at, rows)


def _fold(total: Partial, part: Partial, where: np.ndarray) -> Partial:
    """``part`` added into ``total``, its accounts at rows ``where``."""
    for name in SUMMED:
        if getattr(part, name).size:
            _scatter_add(getattr(total, name), where, getattr(part, name))
    if part.first.size:
        total.first[where] = np.minimum(total.first[where], part.first)
    for column, table in part.attributes.items():
        pending = total.pending.setdefault(column, [])
        pending.append(
            _recoded(table, where, part.vocabulary[column], total.vocabulary, column)
        )
        grouped = total.attributes.get(column, {}).get("count", ())
        if sum(len(t["count"]) for t in pending) > max(len(grouped), 1 << 18):
            _flush(total, column)
    total.census = _merge_census(total.census, part.census)
    total.answered = _add(total.answered, part.answered)
    total.excluded = _add(total.excluded, part.excluded)
    total.rows += part.rows
    total.waves |= part.waves
    total.ids += part.ids
    total.parts.update(part.parts)
    if part.comments:
        total.comments = kept_comments(total.comments, part.comments)
    return total


def _scatter_add(total: np.ndarray, where: np.ndarray, part: np.ndarray) -> None:
    """``total[where] += part`` on rows flattened to 2-D views: numpy's fancy
    indexing moves a flat row at a time, three times faster than a 3-D block."""
    _flat(total, len(total), -1)[where] += part.reshape(len(part), -1)


def _recoded(
    table: dict[str, np.ndarray],
    where: np.ndarray,
    own: dict[str, int],
    vocabulary: dict[str, dict[str, int]],
    column: str,
) -> dict[str, np.ndarray]:
    """Attribute entries with account codes ``where`` and values coded in ``vocabulary``."""
    codes = vocabulary.setdefault(column, {})
    recode = np.zeros(max(len(own), 1), np.int64)
    for value, k in own.items():
        recode[k] = codes.setdefault(value, len(codes))
    return {
        **table,
        "account": where[table["account"]],
        "value": recode[table["value"]],
    }


def _flush(total: Partial, column: str) -> None:
    """Regroup the pending attribute entries of ``column`` with the grouped ones."""
    tables = total.pending.pop(column, [])
    if column in total.attributes:
        tables.insert(0, total.attributes[column])
    if tables:
        total.attributes[column] = _regroup(
            {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}
        )


def _resize(total: Partial, rows: int) -> None:
    """Grow or trim the moment arrays in place (new rows are zero; no copy when
    the allocator can extend the block)."""
    for name in (*SUMMED, "first"):
        array = getattr(total, name)
        if not array.flags.owndata or not array.flags.c_contiguous:
            array = array.copy()
            setattr(total, name, array)
        before = len(array)
        array.resize((rows, *array.shape[1:]), refcheck=False)
        if name == "first":
            array[before:] = NOT_YET


def settle(total: Partial) -> Partial:
    """The partial after :func:`fold_batch`: attribute counts regrouped, arrays
    trimmed to the accounts (which stay in the order they were met)."""
    for column in list(total.pending):
        _flush(total, column)
    total.keys, total.slots = np.empty(0, np.uint64), np.empty(0, np.int64)
    if len(total.count) != len(total.accounts):
        _resize(total, len(total.accounts))
    return total


def merge_all(partials: Iterable[Partial], p: Plan) -> Partial:
    """Fold partials with :func:`merge` (the empty partial for none)."""
    total = Partial.empty(p)
    for partial in partials:
        total = merge(total, partial)
    return total


def _union(a: pa.Array, b: pa.Array) -> pa.Array:
    if a.equals(b):
        return a
    both = pc.unique(pa.concat_arrays([a, b]))
    return both.take(pc.sort_indices(both))


def _where(part: pa.Array, whole: pa.Array) -> np.ndarray:
    """Position of each of ``part``'s accounts in ``whole`` (-1 when absent)."""
    found = pc.index_in(part, value_set=whole).fill_null(-1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in dict.fromkeys([*a, *b])}


def _merge_census(
    a: dict[tuple[str, str], dict[str, list[int]]],
    b: dict[tuple[str, str], dict[str, list[int]]],
) -> dict[tuple[str, str], dict[str, list[int]]]:
    out: dict[tuple[str, str], dict[str, list[int]]] = {}
    for key in dict.fromkeys([*a, *b]):
        merged = {v: list(c) for v, c in a.get(key, {}).items()}
        for value, (count, first) in b.get(key, {}).items():
            if value in merged:
                merged[value] = [merged[value][0] + count, min(merged[value][1], first)]
            else:
                merged[value] = [count, first]
        out[key] = merged
    return out


def _merge_attributes(
    a: Partial,
    b: Partial,
    where_a: np.ndarray,
    where_b: np.ndarray,
    vocabulary: dict[str, dict[str, int]],
) -> dict[str, dict[str, np.ndarray]]:
    """Attribute counts of both, recoded into ``vocabulary`` (extended in place)."""
    out = {}
    for column in dict.fromkeys([*a.attributes, *b.attributes]):
        parts = [
            _recoded(table, where, partial.vocabulary[column], vocabulary, column)
            for partial, where in ((a, where_a), (b, where_b))
            if (table := partial.attributes.get(column)) is not None
        ]
        out[column] = _regroup(
            {k: np.concatenate([t[k] for t in parts]) for k in parts[0]}
        )
    return out


def _regroup(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One entry per account and value: counts added, first position the least."""
    if not len(table["value"]):
        return table
    key = (table["account"] << PART_BITS) | table["value"]
    found, inverse = np.unique(key, return_inverse=True)
    first = np.full(len(found), np.iinfo(np.int64).max)
    np.minimum.at(first, inverse, table["first"])
    return {
        "account": found >> PART_BITS,
        "value": found & ((1 << PART_BITS) - 1),
        "count": np.bincount(inverse, table["count"], len(found)).astype(np.int64),
        "first": first,
    }
