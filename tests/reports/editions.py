"""Counting the script of a page's visible text: the Chinese edition must read as Chinese.

Shared by the tests of the unit report, the overview, the method evaluation and the index. What is not
prose is left out before counting: markup, scripts and styles, code (file paths), ids of units and
indicators (ASCII slugs), and numbers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
#: ids and paths: slugs with an underscore, dotted file names, paths with a slash.
NOT_PROSE = re.compile(r"\S*[/\\]\S*|\b[a-z0-9]+(?:_[a-z0-9]+)+\b|\b\w+\.(?:csv|xlsx|md|yaml|html|json)\b")


class _Visible(HTMLParser):
    SKIP = {"script", "style", "code", "head", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return NOT_PROSE.sub(" ", " ".join(parser.parts))


def script_counts(html: str) -> tuple[int, int]:
    """(CJK characters, Latin letters) of the page's visible prose."""
    text = visible_text(html)
    return len(CJK.findall(text)), len(LATIN.findall(text))
