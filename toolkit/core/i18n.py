"""The reports' two editions, Chinese and English: message catalogues, the current language and number formats.

Every visible string of a page is written in English in the code, wrapped in :func:`_` (or marked with
:func:`N_` where it is defined before a language is chosen), and translated through gettext catalogues kept
as ``.po`` files under ``toolkit/locale/<language>/LC_MESSAGES/<domain>.po`` (one domain per page family,
so each page's strings are reviewed together; see :mod:`toolkit.core.messages` for their upkeep). The
English catalogue exists too: English is the source language, but a test checks that every string is in
both catalogues, so a string can never silently fall back to code text in either edition.

One language per process is current at a time (a kernel renders one unit in one edition); the batch's
own pages switch with :func:`language`. Numbers follow the edition's locale through Babel.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from babel.core import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import Translations

from toolkit.core.errors import ToolkitError

#: The editions, in the order a run builds them. Chinese first: the bureaus that read the reports do.
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
#: Babel locale and HTML ``lang`` of each edition.
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current = DEFAULT_LANGUAGE


def check_language(language: str) -> str:
    """The edition's code, or a ToolkitError naming the choices."""
    code = str(language or "").strip().lower().replace("_", "-")
    code = {"zh-cn": "zh", "zh-hans": "zh", "cn": "zh", "chinese": "zh", "english": "en", "en-us": "en",
            "en-gb": "en"}.get(code, code)
    if code not in LANGUAGES:
        raise ToolkitError(f"unknown language '{language}'. Fix: use one of {', '.join(LANGUAGES)} "
                           "(zh: the Chinese edition, en: the English one).")
    return code


def catalogue_files(language: str) -> list[Path]:
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


def read_catalogue(path: Path, language: str) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=LOCALES[language], domain=path.stem)


@lru_cache(maxsize=None)
def translations(language: str) -> Translations:
    """All domains of one edition merged into one gettext object (fuzzy and empty entries are not used).

    Compiled in memory from the ``.po`` files (a few milliseconds), so no binary ``.mo`` is committed or
    built at install time.
    """
    merged = Catalog(locale=LOCALES[language], domain="toolkit")
    for path in catalogue_files(language):
        for message in read_catalogue(path, language):
            if message.id:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(fp=buffer, domain="toolkit")


def set_language(language: str) -> str:
    """Make ``language`` the edition of every later :func:`_` call in this process; returns its code."""
    global _current
    _current = check_language(language)
    return _current


def current_language() -> str:
    return _current


@contextmanager
def language(code: str) -> Iterator[str]:
    """Render a page in one edition and restore the previous one afterwards."""
    previous = _current
    set_language(code)
    try:
        yield _current
    finally:
        set_language(previous)


def _(message: str) -> str:
    """``message`` (English source text) in the current edition."""
    return translations(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for the catalogues where it is defined; translate it with :func:`_` where it is shown."""
    return message


@lru_cache(maxsize=None)
def _number_symbols(language: str) -> tuple[dict[int, str], str]:
    """The locale's grouping and decimal symbols as a ``str.translate`` table, and its percent sign (looked
    up once per edition: a page formats thousands of numbers)."""
    locale = LOCALES[language]
    table = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})
    return table, Locale.parse(locale).number_symbols["latn"]["percentSign"]


def decimal(value: float, digits: int = 1, *, grouping: bool = True) -> str:
    """A number with fixed decimals in the edition's locale (digit grouping as the locale writes it)."""
    # Python rounds (so a page and results.csv agree to the last digit); Babel supplies the locale's symbols.
    text = f"{value:{',' if grouping else ''}.{max(digits, 0)}f}"
    return text.translate(_number_symbols(_current)[0])


def html_lang() -> str:
    return HTML_LANG[_current]


def percent(value: float, digits: int = 0) -> str:
    """A share as a percentage in the edition's locale (83%)."""
    table, sign = _number_symbols(_current)
    return f"{value:.{max(digits, 0)}%}".replace("%", sign).translate(table)


def list_separator() -> str:
    """Between the items of a list in a sentence: 、 in Chinese, a comma in English."""
    return "、" if _current == "zh" else ", "


def label(labels: dict[str, str], code: object) -> str:
    """The current edition's word for a code from a table of ``N_``-marked labels; an unknown code reads as
    itself with spaces for underscores (a category or unit a newer file brings)."""
    text = str(code)
    return _(labels[text]) if text in labels else text.replace("_", " ")
