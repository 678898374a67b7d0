"""The text a reader of a rendered page sees: one parser for the tests that read pages.

pytest puts this folder on ``sys.path`` (its ``conftest.py`` lives here), so any test imports it as
``from page_text import page_text``.
"""

from __future__ import annotations

from html.parser import HTMLParser

SCRIPT_AND_STYLE = frozenset({"script", "style"})


class _Visible(HTMLParser):
    def __init__(self, skip: frozenset[str]) -> None:
        super().__init__()
        self.skip = skip
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.skip:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in self.skip and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(html: str, skip: frozenset[str] = SCRIPT_AND_STYLE) -> str:
    """Text outside the tags and outside the elements named in ``skip`` (attribute values left out), white
    space folded."""
    parser = _Visible(skip)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
