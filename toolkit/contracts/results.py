"""The assessment categories, in display order, and the one colour each has wherever it is shown.

Kept in a module of its own (no imports) so the index renderer, the reports, the overview and the engine
share one definition without the renderer loading the models.
"""

from __future__ import annotations

#: The results contract's categories, in display order.
CATEGORIES = ("achieved", "not_achieved", "on_track", "likely", "at_risk", "off_track", "insufficient_data",
              "no_target")
#: Background colour of each category (reports, overview figures, index).
CATEGORY_COLOURS = {
    "achieved": "#1a9850", "on_track": "#66bd63", "likely": "#d9ef8b", "at_risk": "#fdae61",
    "off_track": "#d73027", "not_achieved": "#d73027", "insufficient_data": "#bdbdbd", "no_target": "#f0f0f0",
}
#: Categories whose colour is dark enough to need white text.
DARK_CATEGORIES = frozenset({"achieved", "off_track", "not_achieved"})


def text_colour(category: str) -> str:
    """White on the dark category colours, black on the light ones."""
    return "#fff" if category in DARK_CATEGORIES else "#000"
