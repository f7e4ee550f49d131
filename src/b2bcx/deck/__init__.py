"""Account-review decks (PowerPoint) with native, editable charts.

Takes results (:class:`b2bcx.results.DeckInputs`), never computes them; needs the
``deck`` extra (``pip install 'b2bcx[deck]'``, python-pptx).
"""

from b2bcx.deck.writer import DeckOptions, build_deck, write_decks

__all__ = ["DeckOptions", "build_deck", "write_decks"]
