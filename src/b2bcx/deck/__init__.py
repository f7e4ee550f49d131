"""Account-review decks (PowerPoint) with native, editable charts.

Takes results (:class:`b2bcx.results.DeckInputs`), never computes them; needs the
``deck`` extra (``pip install 'b2bcx[deck]'``, python-pptx) only to write a deck:
what the slides say (:mod:`b2bcx.deck.content`, :mod:`b2bcx.deck.plan`) imports
without it, so the HTML report shows the same account pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from b2bcx.deck.writer import DeckOptions, build_deck, write_decks

__all__ = ["DeckOptions", "build_deck", "write_decks"]


def __getattr__(name: str) -> Any:
    """``DeckOptions``, ``build_deck`` and ``write_decks`` import python-pptx on first use."""
    if name in __all__:
        from b2bcx.deck import writer

        return getattr(writer, name)
    raise AttributeError(f"module 'b2bcx.deck' has no attribute {name!r}")
