"""Counting the script of a page's visible text: the Chinese edition must read as Chinese.

Shared by the tests of the unit report, the overview, the method evaluation and the index. What is not
prose is left out before counting: markup, scripts and styles, code (file paths), ids of units and
indicators (ASCII slugs), and numbers.
"""

from __future__ import annotations

import re

from page_text import page_text

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
#: ids and paths: slugs with an underscore, dotted file names, paths with a slash.
NOT_PROSE = re.compile(r"\S*[/\\]\S*|\b[a-z0-9]+(?:_[a-z0-9]+)+\b|\b\w+\.(?:csv|xlsx|md|yaml|html|json)\b")
#: Besides scripts and styles, code (file paths) and the head (the title repeats the heading) are not prose.
PROSE_SKIP = frozenset({"script", "style", "code", "head", "title"})


def prose_text(html: str) -> str:
    return NOT_PROSE.sub(" ", page_text(html, PROSE_SKIP))


def script_counts(html: str) -> tuple[int, int]:
    """(CJK characters, Latin letters) of the page's visible prose."""
    text = prose_text(html)
    return len(CJK.findall(text)), len(LATIN.findall(text))
