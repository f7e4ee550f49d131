"""Build account-review decks and write them atomically.

Example
-------
>>> from b2bcx.deck import write_decks
>>> write_decks(inputs, "out/", by_column="AccountManager")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import zipfile
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pptx
from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.packuri import PackURI
from pptx.oxml.ns import qn
from pptx.presentation import Presentation
from pptx.util import Inches

from b2bcx.deck.content import safe_text
from b2bcx.deck.moved import change_slide
from b2bcx.deck.plan import (
    DeckPlan,
    account_slides,
    capped_stem,
    deck_plans,
    not_heard_slide,
    select_accounts,
    select_not_heard,
)
from b2bcx.deck.portfolio import portfolio_slide
from b2bcx.deck.slides import (
    add_account_slide,
    add_change_slide,
    add_not_heard_slide,
    add_portfolio_slide,
    add_title_slide,
)
from b2bcx.errors import DataError, OutputError, UsageError
from b2bcx.io.limits import MAX_EXPANDED_BYTES
from b2bcx.io.worksheet import reproducible_zip
from b2bcx.io.writers import (
    atomic_paths,
    check_writable,
    refuse_replacing_inputs,
    write_bytes,
)
from b2bcx.results import DeckInputs

WIDE = (Inches(13.333), Inches(7.5))
"""Slide size without a template: 16:9."""
TITLE_POINTS = 30
"""Title size without a template: long account names fit on one line."""
MAX_TEMPLATE_BYTES = 256 << 20
"""Size of a ``--template`` file (256 MiB); its parts may expand to at most
``MAX_EXPANDED_BYTES`` (1 GiB), as an export's."""
VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


@dataclass(frozen=True)
class DeckOptions:
    """How to cut and dress the decks.

    Attributes
    ----------
    by_column : one deck per value of this account column (the manager), or None.
    template : a .pptx whose masters and layouts the decks use, or None.
    accounts_only : only these account ids (in this order), or None for all.
    """

    by_column: str | None = None
    template: Path | None = None
    accounts_only: tuple[str, ...] | None = None


def deck_paths(
    output: Path, plans: Sequence[DeckPlan], by_column: str | None
) -> list[Path]:
    """Where each deck goes: ``-o FILE.pptx``, or ``DIR/<stem>.pptx``."""
    if output.suffix.lower() == ".pptx":
        if by_column is not None:
            raise UsageError(
                f"cannot write one deck per manager to {output.name}",
                hint="with --by manager, pass -o a folder",
            )
        return [output]
    if output.suffix:
        raise UsageError(
            f"cannot write a deck to {output.name}: it must end in .pptx or be a folder",
            hint="pass -o DECK.pptx or -o FOLDER",
        )
    return [output / f"{plan.stem}.pptx" for plan in plans]


def check_output(output: Path) -> None:
    """The deck's folder must exist and be writable (a folder ``-o`` is created
    inside an existing one); ``-o`` without ``.pptx`` must be a folder or new.

    Raises
    ------
    UsageError
        The parent folder is missing, ``-o DECK.pptx`` is a folder, or ``-o``
        names an existing file where a folder is expected.
    OutputError
        The file or the folder the decks go to is read-only.
    """
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {output}: folder {folder} does not exist")
    if output.suffix:
        if output.is_dir():
            raise UsageError(f"cannot write {output}: it is a directory")
        check_writable(output)
    elif output.is_dir():
        check_writable(output / "deck.pptx")  # the folder itself must be writable
    elif output.exists() or output.is_symlink():
        raise UsageError(
            f"cannot write decks into {output}: it exists and is not a folder",
            hint="pass -o a folder (new or existing), or -o DECK.pptx for one deck",
        )
    else:
        check_writable(output)  # the folder it is created in must be writable


def check_template(template: Path) -> None:
    """A ``--template`` must be a ``.pptx`` regular file of bounded size whose
    parts expand to a bounded size; checked before it is opened.

    Raises
    ------
    UsageError
        Not a ``.pptx`` name, missing, or not a regular file (a named pipe, a
        device, a folder).
    DataError
        Larger than ``MAX_TEMPLATE_BYTES``, parts expanding beyond
        ``MAX_EXPANDED_BYTES``, or not a zip archive.
    """
    hint = "save the company template as a PowerPoint presentation (.pptx)"
    if template.suffix.lower() != ".pptx":
        raise UsageError(f"--template {template.name}: must be a .pptx file", hint=hint)
    try:
        info = os.stat(template)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"--template {template}: {reason}", hint=hint) from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"--template {template}: not a regular file", hint=hint)
    if info.st_size > MAX_TEMPLATE_BYTES:
        raise DataError(
            f"--template {template}: {info.st_size / (1 << 20):,.0f} MiB, more than "
            f"the limit of {MAX_TEMPLATE_BYTES >> 20} MiB (MAX_TEMPLATE_BYTES)",
            hint="remove large pictures and videos from the template",
        )
    try:
        with zipfile.ZipFile(template) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise DataError(
            f"--template {template}: not a readable PowerPoint file ({error})",
            hint="open it in PowerPoint and save it again as .pptx",
        ) from None
    if expanded > MAX_EXPANDED_BYTES:
        raise DataError(
            f"--template {template}: its parts expand to "
            f"{expanded / (1 << 20):,.0f} MiB, more than the limit of "
            f"{MAX_EXPANDED_BYTES >> 20:,} MiB (MAX_EXPANDED_BYTES)",
            hint="open it in PowerPoint and save it again as .pptx",
        )


def new_presentation(template: Path | None) -> Presentation:
    """The template's presentation without its slides, or a blank 16:9 one.

    A macro-enabled template (``.pptm`` content) becomes a plain presentation
    without its macros, so the ``.pptx`` deck opens in PowerPoint.

    Raises
    ------
    UsageError, DataError
        See :func:`check_template`; also a template that cannot be read (broken
        XML, no slide layout).
    """
    if template is None:
        prs = pptx.Presentation()
        widen(prs)
        return quick_part_names(prs)
    check_template(template)
    hint = "open it in PowerPoint and save it again as .pptx"
    try:
        prs = pptx.Presentation(str(template))
        plain_presentation(prs)
        remove_slides(prs)
        layouts = list(prs.slide_layouts)
        for layout in layouts:  # every layout's XML is read now, not mid-deck
            [s.placeholder_format.type for s in layout.shapes if s.is_placeholder]
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        etree.LxmlError,
    ) as error:
        raise DataError(
            f"--template {template}: not a readable PowerPoint file ({error})",
            hint=hint,
        ) from None
    except OSError as error:
        raise DataError(f"--template {template}: {error.strerror or error}") from None
    if not layouts:
        raise DataError(
            f"--template {template}: the presentation has no slide layouts",
            hint="use a template with its master slide and layouts; " + hint,
        )
    return quick_part_names(prs)


def plain_presentation(prs: Presentation) -> None:
    """A macro-enabled presentation's content type made plain, its macros dropped."""
    part: Any = prs.part
    if part.content_type != CT.PML_PRES_MACRO_MAIN:
        return
    part._content_type = CT.PML_PRESENTATION_MAIN
    vars(part).pop("content_type", None)  # python-pptx caches the type it read
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype == VBA_PROJECT:
            part.rels.pop(rel_id)


def quick_part_names(prs: Presentation) -> Presentation:
    """Name new chart parts in constant time.

    python-pptx finds a free part name (``chart12.xml``) by walking every part of
    the package, once per chart and once per chart sheet: quadratic in the number
    of slides. The names already taken are collected once here and each new name
    is the lowest free one, as before.
    """
    package: Any = prs.part.package
    taken = {str(part.partname) for part in package.iter_parts()}
    start: dict[str, int] = {}

    def next_partname(template: str) -> PackURI:
        index = start.get(template, 1)
        while template % index in taken:
            index += 1
        start[template] = index + 1
        taken.add(template % index)
        return PackURI(template % index)

    package.next_partname = next_partname
    return prs


def widen(prs: Presentation) -> None:
    """Make the default 4:3 presentation 16:9, stretching its masters and layouts.

    Only shapes with their own position are moved; placeholders that inherit
    theirs from the master follow it.
    """
    ratio = WIDE[0] / int(prs.slide_width or 1)
    prs.slide_width, prs.slide_height = WIDE
    for master in prs.slide_masters:
        shapes = [
            *master.shapes,
            *(s for lay in master.slide_layouts for s in lay.shapes),
        ]
        for shape in shapes:
            if shape._element.xpath("./p:spPr/a:xfrm"):
                shape.left = int(int(shape.left or 0) * ratio)
                shape.width = int(int(shape.width or 0) * ratio)


def plain_title_sizes(prs: Presentation) -> None:
    """Without a template, account names fit the title: ``TITLE_POINTS``, not 44 pt."""
    for layout in prs.slide_layouts:
        for shape in layout.shapes:
            if (
                shape.is_placeholder
                and shape.placeholder_format.type == PP_PLACEHOLDER.TITLE
            ):
                set_default_size(shape._element.txBody, TITLE_POINTS)


def set_default_size(body: Any, points: int) -> None:
    """The first-level text size of a placeholder (its ``a:lstStyle``)."""
    style = body.find(qn("a:lstStyle"))
    if style is None:
        style = body.makeelement(qn("a:lstStyle"), {})
        body.insert(1, style)  # after a:bodyPr
    level = style.find(qn("a:lvl1pPr"))
    if level is None:
        level = style.makeelement(qn("a:lvl1pPr"), {})
        style.append(level)
    size = level.find(qn("a:defRPr"))
    if size is None:
        size = level.makeelement(qn("a:defRPr"), {})
        level.append(size)
    size.set("sz", str(points * 100))


def remove_slides(prs: Presentation) -> None:
    """Drop a template's own slides; its masters and layouts stay."""
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)


def build_deck(
    inputs: DeckInputs,
    plan: DeckPlan,
    template: Path | None = None,
    by_column: str | None = None,
    on_account: Callable[[], None] | None = None,
) -> Presentation:
    """One deck in memory: title slide, portfolio slide, one slide per account.

    Returns
    -------
    pptx.presentation.Presentation
        Slide 1 is titled "Account review <wave>", slide 2 "Portfolio <wave>",
        then one slide per account of ``plan`` titled "<name> (<id>)" (or the id),
        each with a native clustered bar chart of the pillars: the account, the
        portfolio and, with a baseline, the account last quarter.
    """
    prs = new_presentation(template)
    if template is None:
        plain_title_sizes(prs)
    add_title_slide(prs, deck_title(inputs), deck_subtitle(inputs, plan))
    add_portfolio_slide(
        prs, portfolio_slide(inputs, plan.accounts, plan.audience, by_column)
    )
    if inputs.change is not None:
        add_change_slide(prs, change_slide(inputs.change))
    for slide in account_slides(inputs, plan.accounts):
        add_account_slide(prs, slide)
        if on_account is not None:
            on_account()
    if not plan.not_heard.empty:
        add_not_heard_slide(prs, not_heard_slide(inputs, plan.not_heard))
    properties = prs.core_properties
    properties.author = f"b2bcx {inputs.version}"
    properties.title = deck_title(inputs)
    if inputs.run_time is not None:  # deck_bytes writes them as UTC
        properties.created = properties.modified = inputs.run_time.replace(tzinfo=None)
    return prs


def deck_bytes(prs: Presentation, stamp: datetime | None) -> bytes:
    """The ``.pptx`` file of a deck, reproducible: the same deck gives the same bytes.

    Every zip entry carries ``stamp`` (clamped to the zip format's 1980-2107) and
    the document's created/modified properties are ``stamp``, or left out
    without one; entries keep python-pptx's order.
    """
    buffer = io.BytesIO()
    prs.save(buffer)
    return reproducible_zip(buffer.getvalue(), stamp)


def deck_title(inputs: DeckInputs) -> str:
    wave = safe_text(inputs.score.wave, 20)
    return f"Account review {wave}".strip()


def deck_subtitle(inputs: DeckInputs, plan: DeckPlan) -> str:
    parts = [safe_text(plan.audience, 60)] if plan.audience else []
    count = plan.book
    silent = len(plan.not_heard)
    heard = f", {silent} not heard" if silent else ""
    parts.append(f"{count} account{'s' if count != 1 else ''}{heard}")
    if inputs.run_time is not None:
        parts.append(inputs.run_time.strftime("%Y-%m-%d"))
    parts.append(f"b2bcx {inputs.version}")
    return " · ".join(parts)


def write_decks(
    inputs: DeckInputs,
    output: str | Path,
    options: DeckOptions | None = None,
    on_account: Callable[[], None] | None = None,
) -> list[Path]:
    """Build and write every deck atomically; return the paths written.

    ``output`` is a ``.pptx`` file (one deck) or a folder (created if its parent
    exists); with ``options.by_column`` a folder gets one ``<manager>.pptx`` per
    manager. Every deck is written to a temporary file beside it, and all are
    moved into place once all are written: a failed or killed run leaves no
    partial deck and no partial set. No deck replaces an input file (the
    template, an export, the config, the account list).

    Raises
    ------
    UsageError
        A bad output path or template, a deck named like an input file, or an
        unknown account id.
    DataError
        A template that cannot be read.
    OutputError
        A deck or its folder cannot be written; no deck was replaced.
    """
    options = options or DeckOptions()
    output = Path(output)
    plans = planned(inputs, output, options)
    paths = deck_paths(output, plans, options.by_column)
    sources = [options.template, *(Path(f.path) for f in inputs.files)]
    for path in paths:
        refuse_replacing_inputs(path, sources)
    if not output.suffix:
        try:
            output.mkdir(exist_ok=True)
        except OSError as error:
            raise OutputError(
                f"cannot create the folder {output}: {error.strerror or error}",
                hint="choose another folder, or check its permissions",
            ) from None
    with (
        atomic_paths(paths) as temporaries,
        contextlib.closing(built_decks(inputs, plans, options, on_account)) as built,
    ):
        for content, temporary in zip(built, temporaries, strict=True):
            write_bytes(temporary, content)
    return paths


PARALLEL_ACCOUNTS = 1_000
"""Decks for at least this many accounts in all are built on every core (one
manager's deck per process); fewer are not worth starting processes for."""

_JOB: tuple[DeckInputs, list[DeckPlan], DeckOptions] | None = None
"""What a worker process builds from (given once, when it starts)."""


def built_decks(
    inputs: DeckInputs,
    plans: list[DeckPlan],
    options: DeckOptions,
    on_account: Callable[[], None] | None = None,
    parallel_from: int = PARALLEL_ACCOUNTS,
) -> Generator[bytes, None, None]:
    """Each plan's deck as ``.pptx`` bytes, in the order of ``plans``.

    With several decks for ``parallel_from`` accounts or more, on a machine with
    several cores where processes can fork, the decks are built by one process
    per core (started from a clean server process), each deck whole in one
    process: the bytes are the same as built here (a deck depends only on its
    plan). ``on_account`` is told of a deck's
    accounts once the deck is built.
    """
    workers = min(os.cpu_count() or 1, len(plans))
    accounts = sum(len(plan.accounts) for plan in plans)
    if workers < 2 or accounts < parallel_from or not _can_fork():
        for plan in plans:
            deck = build_deck(
                inputs, plan, options.template, options.by_column, on_account
            )
            yield deck_bytes(deck, inputs.run_time)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_take_job,
        initargs=(inputs, plans, options),
    ) as pool:
        for k, content in enumerate(pool.map(_built_deck, range(len(plans)))):
            for _ in range(len(plans[k].accounts)) if on_account else ():
                on_account()  # type: ignore[misc]
            yield content


def _can_fork() -> bool:
    """Whether worker processes start from a clean server process (POSIX): never
    forked from this one, whose other threads (a progress bar) may hold locks."""
    import multiprocessing

    return "forkserver" in multiprocessing.get_all_start_methods()


def _take_job(inputs: DeckInputs, plans: list[DeckPlan], options: DeckOptions) -> None:
    """A worker's start: keep the job it builds decks of."""
    global _JOB
    _JOB = (inputs, plans, options)


def _built_deck(k: int) -> bytes:
    """Deck ``k`` of the worker's job."""
    if _JOB is None:  # pragma: no cover - only reached in a worker process
        raise RuntimeError("no deck job in this process")
    inputs, plans, options = _JOB
    deck = build_deck(inputs, plans[k], options.template, options.by_column)
    return deck_bytes(deck, inputs.run_time)


def planned(inputs: DeckInputs, output: Path, options: DeckOptions) -> list[DeckPlan]:
    check_output(output)
    if options.template is not None:
        check_template(options.template)
    accounts = select_accounts(inputs.score, options.accounts_only)
    silent = select_not_heard(inputs.score, options.accounts_only)
    stem = "account_review"
    if inputs.score.wave:
        stem += "_" + "".join(
            ch if ch.isalnum() or ch in "-_" else "-" for ch in inputs.score.wave
        )
        stem = capped_stem(stem, inputs.score.wave)
    keep = bool(options.accounts_only)
    return deck_plans(
        inputs, accounts, options.by_column, stem, keep_order=keep, not_heard=silent
    )


def slide_count(inputs: DeckInputs, options: DeckOptions | None = None) -> int:
    """How many account slides the decks will hold (for a progress bar)."""
    options = options or DeckOptions()
    return len(select_accounts(inputs.score, options.accounts_only))
