"""Build account-review decks and write them atomically.

Example
-------
>>> from b2bcx.deck import write_decks
>>> write_decks(inputs, "out/", by_column="AccountManager")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pptx
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError
from pptx.opc.packuri import PackURI
from pptx.oxml.ns import qn
from pptx.presentation import Presentation
from pptx.util import Inches

from b2bcx.deck.content import safe_text
from b2bcx.deck.plan import DeckPlan, account_slides, deck_plans, select_accounts
from b2bcx.deck.portfolio import portfolio_slide
from b2bcx.deck.slides import add_account_slide, add_portfolio_slide, add_title_slide
from b2bcx.errors import DataError, UsageError
from b2bcx.io.writers import atomic_path
from b2bcx.results import DeckInputs

WIDE = (Inches(13.333), Inches(7.5))
"""Slide size without a template: 16:9."""
TITLE_POINTS = 30
"""Title size without a template: long account names fit on one line."""


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
    """The deck's folder must exist (a folder ``-o`` is created inside an existing one)."""
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {output}: folder {folder} does not exist")
    if output.suffix and output.is_dir():
        raise UsageError(f"cannot write {output}: it is a directory")


def new_presentation(template: Path | None) -> Presentation:
    """The template's presentation without its slides, or a blank 16:9 one."""
    if template is None:
        prs = pptx.Presentation()
        widen(prs)
        return quick_part_names(prs)
    if template.suffix.lower() != ".pptx":
        raise UsageError(
            f"--template {template.name}: must be a .pptx file",
            hint="save the company template as a PowerPoint presentation (.pptx)",
        )
    try:
        prs = pptx.Presentation(str(template))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DataError(
            f"--template {template}: not a readable PowerPoint file ({error})",
            hint="open it in PowerPoint and save it again as .pptx",
        ) from None
    except OSError as error:
        raise DataError(f"--template {template}: {error.strerror or error}") from None
    remove_slides(prs)
    return quick_part_names(prs)


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
    for slide in account_slides(inputs, plan.accounts):
        add_account_slide(prs, slide)
        if on_account is not None:
            on_account()
    prs.core_properties.author = f"b2bcx {inputs.version}"
    prs.core_properties.title = deck_title(inputs)
    if inputs.run_time is not None:
        prs.core_properties.created = inputs.run_time.replace(tzinfo=None)
    return prs


def deck_title(inputs: DeckInputs) -> str:
    wave = safe_text(inputs.score.wave, 20)
    return f"Account review {wave}".strip()


def deck_subtitle(inputs: DeckInputs, plan: DeckPlan) -> str:
    parts = [safe_text(plan.audience, 60)] if plan.audience else []
    count = len(plan.accounts)
    parts.append(f"{count} account{'s' if count != 1 else ''}")
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
    """Build every deck, then write each atomically; return the paths written.

    ``output`` is a ``.pptx`` file (one deck) or a folder (created if its parent
    exists); with ``options.by_column`` a folder gets one ``<manager>.pptx`` per
    manager. Each file is written to a temporary file beside it and moved into
    place: a failed or killed run leaves no partial deck.

    Raises
    ------
    UsageError
        A bad output path or template extension, or an unknown account id.
    DataError
        A template that cannot be read.
    """
    options = options or DeckOptions()
    output = Path(output)
    plans = planned(inputs, output, options)
    paths = deck_paths(output, plans, options.by_column)
    decks = [
        build_deck(inputs, plan, options.template, options.by_column, on_account)
        for plan in plans
    ]
    if not output.suffix:
        output.mkdir(exist_ok=True)
    for deck, path in zip(decks, paths, strict=True):
        with atomic_path(path) as temporary:
            deck.save(str(temporary))
            flush_to_disk(temporary)
    return paths


def flush_to_disk(path: Path) -> None:
    """The written deck is on disk before it is moved into place."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def planned(inputs: DeckInputs, output: Path, options: DeckOptions) -> list[DeckPlan]:
    check_output(output)
    accounts = select_accounts(inputs.score, options.accounts_only)
    stem = "account_review"
    if inputs.score.wave:
        stem += "_" + "".join(
            ch if ch.isalnum() or ch in "-_" else "-" for ch in inputs.score.wave
        )
    keep = bool(options.accounts_only)
    return deck_plans(inputs, accounts, options.by_column, stem, keep_order=keep)


def slide_count(inputs: DeckInputs, options: DeckOptions | None = None) -> int:
    """How many account slides the decks will hold (for a progress bar)."""
    options = options or DeckOptions()
    return len(select_accounts(inputs.score, options.accounts_only))
