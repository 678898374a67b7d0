"""Upkeep of the message catalogues: which strings the code shows, and which catalogue is missing which.

Strings are extracted with Babel from the package's Python code (``_``, ``N_``, ``ngettext``) and Jinja2
templates. Each string lives in the domain of the page family that shows it (:func:`domain_of`); a string
shown by more than one family lives in ``common``. ``python -m toolkit messages`` adds new strings to the
catalogues (the English text as the English entry, an empty Chinese entry to translate), drops strings the
code no longer shows, and ``--check`` fails while any entry is missing or empty.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from toolkit.core.i18n import LANGUAGES, LOCALE_DIR, LOCALES, catalogue_files, read_catalogue

PACKAGE_DIR = LOCALE_DIR.parent
METHOD_MAP = [("**/templates/**.j2", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"**/templates/**.j2": {"trimmed": "true", "extensions": "jinja2.ext.i18n"}}
#: Page family of each source folder (relative to the package), most specific first.
DOMAINS = (("reports/unit_report/", "unit_report"), ("reports/overview/", "overview"),
           ("reports/method_evaluation/", "method_evaluation"), ("batch/", "index"))
COMMON = "common"


def domain_of(relative_path: str) -> str:
    for prefix, domain in DOMAINS:
        if relative_path.replace("\\", "/").startswith(prefix):
            return domain
    return COMMON


@dataclass(frozen=True)
class Extracted:
    msgid: str
    locations: tuple[tuple[str, int], ...]
    domain: str


def extract() -> dict[str, Extracted]:
    """Every string the code shows, with where it is used and its domain (in order of first use)."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE_DIR), METHOD_MAP, OPTIONS, strip_comment_tags=True):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found[msgid].append((filename, lineno))
    result = {}
    for msgid, locations in found.items():
        domains = {domain_of(f) for f, _ in locations}
        result[msgid] = Extracted(msgid, tuple(locations), domains.pop() if len(domains) == 1 else COMMON)
    return result


def existing(language: str) -> dict[str, tuple[str, str, bool]]:
    """msgid -> (domain, msgstr, fuzzy) over every catalogue file of one language."""
    entries = {}
    for path in catalogue_files(language):
        for message in read_catalogue(path, language):
            if message.id:
                entries[message.id] = (path.stem, str(message.string or ""), message.fuzzy)
    return entries


def problems(language: str, extracted: dict[str, Extracted] | None = None) -> list[str]:
    """What is wrong with one language's catalogues: missing, empty, fuzzy, misplaced, duplicated or unused."""
    extracted = extract() if extracted is None else extracted
    seen: dict[str, str] = {}
    found = []
    for path in catalogue_files(language):
        for message in read_catalogue(path, language):
            if not message.id:
                continue
            if message.id in seen:
                found.append(f"{path.name}: {message.id!r} is also in {seen[message.id]}.po")
            seen[message.id] = path.stem
            if message.id not in extracted:
                found.append(f"{path.name}: {message.id!r} is not used by the code any more")
            elif not message.string:
                found.append(f"{path.name}: {message.id!r} has no translation")
            elif message.fuzzy:
                found.append(f"{path.name}: {message.id!r} is marked fuzzy (check and unmark it)")
            elif extracted[message.id].domain != path.stem:
                found.append(f"{path.name}: {message.id!r} belongs in {extracted[message.id].domain}.po")
    for msgid, item in extracted.items():
        if msgid not in seen:
            file, line = item.locations[0]
            found.append(f"{language}/{item.domain}.po: {msgid!r} (toolkit/{file}:{line}) is missing")
    return found


def update() -> dict[str, int]:
    """Rewrite every catalogue from the code's strings, keeping each translation; returns the empty entries
    per language (the Chinese ones to translate)."""
    extracted = extract()
    untranslated = {}
    for language in LANGUAGES:
        old = existing(language)
        by_domain: dict[str, Catalog] = {}
        empty = 0
        for msgid, item in extracted.items():
            catalog = by_domain.setdefault(item.domain, Catalog(locale=LOCALES[language], domain=item.domain,
                                                                project="toolkit", fuzzy=False))
            _domain, string, fuzzy = old.get(msgid, ("", "", False))
            if not string and language == "en":
                string = msgid
            empty += not string
            catalog.add(msgid, string, locations=item.locations, flags=("fuzzy",) if fuzzy else ())
        folder = LOCALE_DIR / language / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        for path in catalogue_files(language):
            if path.stem not in by_domain:
                path.unlink()
        for domain, catalog in by_domain.items():
            buffer = io.BytesIO()
            write_po(buffer, catalog, width=116, omit_header=True, include_previous=False, sort_output=False,
                     include_lineno=False)
            _write_if_changed(folder / f"{domain}.po", buffer.getvalue())
        untranslated[language] = empty
    return untranslated


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
