"""The unit tables (national, provinces, prefectures, counties) and name lookup: a way of writing a unit -> its id.

Yearbooks, spreadsheets and users write 北京, 北京市, Beijing, 110000 or CN-BJ for the same province, so every
input goes through :func:`resolve_unit`. Shanxi (山西) and Shaanxi (陕西) are one letter apart; messages about
either name both.

Below the provinces names repeat (朝阳区 is a district of Beijing and of Changchun; 吉林 is a province and a
city), so the lookup never picks one: a name that fits several units raises :class:`AmbiguousUnitError`
listing them all, and the caller narrows it with ``levels`` (which levels may match), ``parent`` (only units
inside this one), a code, a unit_id or a qualified name (北京市朝阳区). Observation files keep their old
meaning through ``prefer``: a province's own name means the province (see :func:`unit_resolver`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opencc  # 0.005 s to import, 0.003 s to build the converter: cheap enough at the top
import pandas as pd
import pandera.pandas as pa

from toolkit.contracts.observations import SLUG
from toolkit.core.errors import (
    AmbiguousUnitError,
    DataValidationError,
    Problem,
    ToolkitError,
    UnknownUnitError,
    did_you_mean,
)
from toolkit.core.paths import UNIT_FILES, display_path
from toolkit.inputs.divisions import short_names, split_name
from toolkit.inputs.files import file_key
from toolkit.inputs.former_units import FormerUnit, former_units
from toolkit.inputs.schema import choice, read_reference_table, slug, text_column, top_to_bottom

LEVELS = ("country", "province", "prefecture", "county")
#: The levels of data/units.csv: the national and provincial series (the province batch, yearbook tables).
PROVINCE_LEVELS = ("country", "province")
REGIONS = ("east", "central", "west", "northeast")

UNIT_SCHEMA = pa.DataFrameSchema({
    "unit_id": text_column(slug("unit id"), unique=True),
    "level": text_column(choice(LEVELS)),
    "parent": text_column(nullable=True),
    "gb_code": text_column(pa.Check.str_matches(r"^\d{6}$", error="a GB/T 2260 code has 6 digits, e.g. 110000"),
                           nullable=True, unique=True),
    "iso_code": text_column(pa.Check.str_matches(r"^CN(-[A-Z0-9]{2,3})?$", error="an ISO 3166-2 code looks like CN-BJ"),
                            nullable=True, unique=True),
    "name_en": text_column(),
    "name_zh": text_column(),
    "region": text_column(choice(REGIONS), nullable=True),
})
UNIT_COLUMNS = list(UNIT_SCHEMA.columns)

# Other names in use, beyond those derived from the table (ids, English and Chinese names, codes).
ALIASES = {
    # Not "合计"/"总计"/"total": in a prefecture table that is the province's total (issue 12), not the nation's.
    "national": ["全国", "中国", "全国合计", "China", "nationwide", "national total"],
    "inner_mongolia": ["Nei Mongol", "Neimenggu", "Nei Menggu"],
    "tibet": ["Xizang"],
}
# Stripped from the end of a name not found as written: 北京市 -> 北京, Guangxi Zhuang Autonomous Region -> guangxi.
# Only ever to reach the nation or a province: units below have their short forms indexed (divisions.short_names).
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "维吾尔族自治区", "特别行政区", "自治区", "省", "市",
             "zhuangautonomousregion", "huiautonomousregion", "uygurautonomousregion", "uyghurautonomousregion",
             "autonomousregion", "municipality", "province", "sheng", "shi")
#: Suffixes that mean "city": stripped only to reach one of the four municipalities (北京市 -> 北京), never a
#: province (吉林市 is a prefecture-level city of Jilin province, not 吉林省).
_CITY_SUFFIXES = ("市", "municipality", "shi")
_CONFUSED = {"shanxi", "shaanxi"}
_CONFUSION_NOTE = ("Shanxi (山西, shanxi, 140000, capital Taiyuan) and Shaanxi (陕西, shaanxi, 610000, capital Xi'an) "
                   "are different provinces")
#: Candidates a message lists in full; more are counted.
_MAX_LISTED = 12


@lru_cache(maxsize=1)
def _to_simplified():
    """OpenCC's traditional -> simplified converter (Taiwan, Hong Kong and older mainland tables: 黑龍江, 廣東)."""
    return opencc.OpenCC("t2s")


_IGNORED = re.compile(r"[\s\-_.'’·]")


def _has_hanzi(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _key(text: str) -> str:
    """Comparable form of a name: traditional characters folded to simplified, full-width folded, case and
    spaces, hyphens, dots and apostrophes ignored."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    if _has_hanzi(folded):
        folded = _to_simplified().convert(folded)
    return _IGNORED.sub("", folded)


def _keys(texts: list[str]) -> list[str]:
    """:func:`_key` of many texts, with one OpenCC call for all (half the time of one call each)."""
    folded = [unicodedata.normalize("NFKC", t).casefold().replace("\n", " ") for t in texts]
    chinese = [i for i, t in enumerate(folded) if _has_hanzi(t)]
    if chinese:
        converted = _to_simplified().convert("\n".join(folded[i] for i in chinese)).split("\n")
        for i, text in zip(chinese, converted):
            folded[i] = text
    return [_IGNORED.sub("", t) for t in folded]


def _strip_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


# --------------------------------------------------------------------------- the tables


def _check_levels(levels: Iterable[str] | None) -> tuple[str, ...] | None:
    """``levels`` as a tuple, or ToolkitError naming a level that does not exist (a typo must not match nothing)."""
    if levels is None:
        return None
    wanted = (levels,) if isinstance(levels, str) else tuple(levels)
    wrong = [level for level in wanted if level not in LEVELS]
    if wrong or not wanted:
        raise ToolkitError(f"unknown unit level {', '.join(map(repr, wrong)) or '(none given)'}", problems=[Problem(
            "levels name the levels of the unit tables", fix=f"use some of: {', '.join(LEVELS)}")])
    return wanted


@lru_cache(maxsize=8)
def _units(keys: tuple[tuple[str, int, int], ...]) -> pd.DataFrame:
    """The unit files of ``keys`` checked one by one and together (ids and codes unique across files, every
    parent a unit of some file), concatenated in file order."""
    frames, places, problems = [], [], []
    many = len(keys) > 1
    for key in keys:
        path = Path(key[0])
        frame, locate, found = read_reference_table(path, UNIT_SCHEMA, what="unit table")
        problems += [(path, p) for p in found]
        frames.append(frame)
        places += [(path, locate(i, "unit_id")[0]) for i in frame.index]
    table = pd.concat(frames, ignore_index=True)

    def where(i: int) -> tuple[Path, int | str]:
        return places[i]

    for column, what in (("unit_id", "unit id"), ("gb_code", "code"), ("iso_code", "ISO code")):
        values = table[column]
        repeated = values.notna() & values.duplicated(keep="first")
        for i in table.index[repeated]:
            first = table.index[(values == values[i])][0]
            path, line = where(first)
            problems.append((where(i)[0], Problem(
                f"{what} '{values[i]}' is also on line {line} of {path.name}", row=where(i)[1], column=column,
                fix=f"give each unit its own {what}")))
    ids = set(table["unit_id"])
    for i, parent in table["parent"].dropna().items():
        if parent not in ids:
            problems.append((where(i)[0], Problem(
                f"parent '{parent}' is not a unit_id in {'the unit tables' if many else 'this table'}",
                row=where(i)[1], column="parent", fix="use the unit_id of the enclosing unit, or leave it empty")))
    if problems:
        paths = list(dict.fromkeys(path for path, _ in problems))
        if len(paths) == 1:
            raise DataValidationError("is not a valid unit table", path=paths[0],
                                      problems=top_to_bottom(p for _, p in problems))
        raise DataValidationError("the unit tables are not valid", problems=[
            Problem(p.message, fix=p.fix, row=f"{display_path(path)} line {p.row}", column=p.column)
            for path, p in problems])
    return (table.fillna({c: "" for c in ("parent", "gb_code", "iso_code", "region")})
            .set_index("unit_id"))


def _file_keys(path: str | Path | None) -> tuple[tuple[str, int, int], ...]:
    return (file_key(path),) if path is not None else tuple(file_key(p) for p in UNIT_FILES)


def load_units(path: str | Path | None = None, *, levels: Sequence[str] | None = None) -> pd.DataFrame:
    """The unit table indexed by ``unit_id`` (codes as text; empty string where a unit has none). Cached; a copy.

    Without ``path``: every shipped level, data/units.csv (national and provinces) then the prefectures and
    counties (data/units_prefecture.csv, data/units_county.csv), checked together. With ``path``: that one
    file. ``levels`` keeps the rows of those levels (``PROVINCE_LEVELS`` for the 32 units of the province batch).
    """
    wanted = _check_levels(levels)
    table = _units(_file_keys(path))
    return (table if wanted is None else table[table["level"].isin(wanted)]).copy()


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or ".." in name


def _path_error(name: str, what: str) -> UnknownUnitError:
    return UnknownUnitError(f"{what} '{name}' looks like a path", problems=[Problem(
        f"'{name}' contains a path separator or '..'",
        fix="give a unit id such as 'beijing' or a name such as 北京; paths are not accepted here")])


def check_unit_id(unit_id: str) -> str:
    """Return ``unit_id`` if it is a safe ASCII slug (usable in file names), else raise UnknownUnitError."""
    text = str(unit_id)
    if _looks_like_path(text):
        raise _path_error(text, "unit id")
    if not re.match(SLUG, text):
        raise UnknownUnitError(f"unit id '{text}' is not valid", problems=[Problem(
            "a unit id is lower-case ASCII letters, digits and '_'",
            fix="use the unit_id column of data/units.csv, e.g. 'inner_mongolia'")])
    return text


# --------------------------------------------------------------------------- the name index


@dataclass(frozen=True)
class _Index:
    """Every accepted spelling (as a key) of every unit of one table, with what messages and filters need."""

    names: dict[str, tuple[str, ...]]  # key -> every unit id it spells, in table order
    level: dict[str, str]
    ancestors: dict[str, tuple[str, ...]]  # unit -> parent, grandparent, ... (for ``parent=``)
    label: dict[str, str]  # unit -> "朝阳区 (chaoyang_110105, 110105, county in 北京市)"
    code: dict[str, str]
    full_name: dict[str, str]
    municipalities: frozenset[str]
    order: dict[str, int]

    def inside(self, parent: str) -> set[str]:
        return {u for u, chain in self.ancestors.items() if parent in chain}


def _spellings(uid: str, level: str, name_en: str, name_zh: str, codes: Iterable[str]) -> list[str]:
    """The ways of writing one unit, before folding to keys. The nation and provinces as before (each spelling is
    also looked up without its suffix, in :func:`_index`); units below with their short forms (武侯, 阿坝州,
    Wuhou) instead, never a stripped 市 (吉林市 is not 吉林)."""
    if level in PROVINCE_LEVELS:
        return [uid, name_en, name_zh, *codes, *ALIASES.get(uid, [])]
    spellings = [uid, name_en, name_zh, *codes]
    try:
        stem, suffix, english = split_name(name_zh, level)
    except ValueError:  # a custom table's name without a known type: its full names only
        return spellings
    spellings += short_names(name_zh, level, parts=(stem, suffix))
    if name_en.endswith(" " + english):
        romanised = name_en[: -len(english) - 1]
        spellings += [romanised, romanised.replace("ü", "v"), romanised.replace("ü", "u")]  # Lüliang: lvliang
    return spellings


def _index(units: pd.DataFrame) -> _Index:
    columns = [units[c].astype(str).tolist() for c in ("level", "parent", "name_en", "name_zh", "gb_code", "iso_code")]
    ids = [str(u) for u in units.index]
    rows = dict(zip(ids, zip(*columns)))
    owners, texts = [], []
    for uid, (level, _, name_en, name_zh, gb_code, iso_code) in rows.items():
        for spelling in _spellings(uid, level, name_en, name_zh, (gb_code, iso_code)):
            if spelling:
                owners.append(uid)
                texts.append(spelling)
    names: dict[str, dict[str, None]] = {}
    for uid, key in zip(owners, _keys(texts)):
        for k in ((key, _strip_suffix(key)) if rows[uid][0] in PROVINCE_LEVELS else (key,)):
            if k:
                names.setdefault(k, {})[uid] = None
    ancestors = {}
    for uid in ids:
        chain, seen, up = [], {uid}, rows[uid][1]
        while up and up in rows and up not in seen:  # a cycle in a custom table must not hang the lookup
            chain.append(up)
            seen.add(up)
            up = rows[up][1]
        ancestors[uid] = tuple(chain)
    label = {}
    for uid, (level, parent, name_en, name_zh, gb_code, _) in rows.items():
        where = f" in {rows[parent][3]}" if level not in PROVINCE_LEVELS and parent in rows else ""
        label[uid] = f"{name_zh} ({uid}{', ' + gb_code if gb_code else ''}, {level}{where})"
    municipalities = frozenset(u for u, r in rows.items() if r[0] in PROVINCE_LEVELS and r[3].endswith("市"))
    return _Index(names={k: tuple(v) for k, v in names.items()}, level={u: r[0] for u, r in rows.items()},
                  ancestors=ancestors, label=label, code={u: r[4] for u, r in rows.items()},
                  full_name={u: r[3] for u, r in rows.items()}, municipalities=municipalities,
                  order={u: i for i, u in enumerate(ids)})


@lru_cache(maxsize=8)
def _default_index(keys: tuple[tuple[str, int, int], ...]) -> _Index:
    return _index(_units(keys))


def units_inside(parent: str) -> set[str]:
    """Every unit below ``parent`` in the shipped tables (its children, their children, ...)."""
    return _default_index(_file_keys(None)).inside(parent)


def units_above(unit: str) -> tuple[str, ...]:
    """The units ``unit`` lies in, the province first (成都市's 四川省; 武侯区's 四川省, 成都市), without the
    nation: what a county's page names so that one of the 29 朝阳区-like repeated names is never read alone."""
    index = _default_index(_file_keys(None))
    return tuple(a for a in reversed(index.ancestors.get(unit, ())) if index.level.get(a) != "country")


def names_above(unit: str, name: Callable[[pd.Series], str]) -> list[str]:
    """The names of the units ``unit`` lies in, province first, each written by ``name`` (``local_name`` for a
    table cell, the page's title style for a heading): the one place a county's 四川省 · 成都市 is worked out."""
    table = _units(_file_keys(None))  # the cached table, read only: no copy per call (82,534 rows a full run)
    return [name(table.loc[a]) for a in units_above(unit) if a in table.index]


class _Scope:
    """Which units a resolver may return: ``levels`` and ``parent`` applied to one index."""

    def __init__(self, index: _Index, levels: tuple[str, ...] | None, parent: str | None):
        self.index = index
        self.levels = levels
        self.parent = parent
        within = index.inside(parent) if parent else None
        self.allowed = {u for u, lv in index.level.items() if (levels is None or lv in levels)
                        and (within is None or u in within)}

    def describe(self) -> str:
        """What the scope leaves out, for messages: 'at levels country, province', 'inside 北京市 (...)'."""
        parts = []
        if self.levels is not None:
            parts.append(f"at levels {', '.join(self.levels)}")
        if self.parent:
            parts.append(f"inside {self.index.label[self.parent]}")
        return " and ".join(parts)

    def pick(self, key: str) -> tuple[str, ...]:
        return tuple(u for u in self.index.names.get(key, ()) if u in self.allowed)


def unit_resolver(units: pd.DataFrame | None = None, *, levels: Sequence[str] | None = None,
                  parent: str | None = None, prefer: Sequence[str] | None = None) -> Callable[[str], str]:
    """A :func:`resolve_unit` bound to one unit table and scope, for resolving many names without rebuilding
    the index.

    ``prefer``: levels tried first; a name that resolves among them is taken, any other is then looked up
    in the whole scope. Observation files and yearbook tables use ``prefer=PROVINCE_LEVELS``, so a province's
    own name keeps meaning the province (吉林, 海南, 河北 are also names of a city, a prefecture and districts:
    write 吉林市 or 220200 for the city); every other name is resolved without guessing.

    With the shipped tables, names of the nation and the provinces are looked up in data/units.csv alone
    first, so files of national and provincial series never wait for the 3,179 units below (0.1 s to index).
    """
    wanted = _check_levels(levels)
    preferred = _check_levels(prefer)
    if units is None:
        small: _Index | None = _default_index((file_key(UNIT_FILES[0]),))  # the nation and the provinces

        def full() -> _Index:
            return _default_index(_file_keys(None))
    else:
        small, given = None, _index(units)

        def full() -> _Index:
            return given

    scopes: dict[str, _Scope] = {}

    def scope(kind: str) -> _Scope:
        """The scopes a name is tried in, built on first use: 'first' (``prefer``), 'quick' (the province
        index, when the scope lies in it) and 'all'."""
        if kind not in scopes:
            parent_id = _resolve(str(parent), _Scope(full(), None, None)) if parent is not None else None
            if kind == "first":
                first = tuple(lv for lv in preferred or () if wanted is None or lv in wanted)
                quick = small is not None and parent is None and set(first) <= set(PROVINCE_LEVELS)
                scopes[kind] = _Scope(small if quick else full(), first, parent_id)
            elif kind == "quick":
                scopes[kind] = _Scope(small, wanted, None)
            else:
                scopes[kind] = _Scope(full(), wanted, parent_id)
        return scopes[kind]

    quick = small is not None and parent is None and wanted is not None and set(wanted) <= set(PROVINCE_LEVELS)

    def resolve(name: str) -> str:
        if preferred:
            found = _resolve(str(name), scope("first"), quiet=True)
            if found:
                return found
        if quick:  # the same answer as the full index restricted to these levels; the errors need the full one
            found = _resolve(str(name), scope("quick"), quiet=True)
            if found:
                return found
        return _resolve(str(name), scope("all"))

    return resolve


def resolve_unit(name: str, units: pd.DataFrame | None = None, *, levels: Sequence[str] | None = None,
                 parent: str | None = None, prefer: Sequence[str] | None = None) -> str:
    """The ``unit_id`` for an id, a Chinese name with or without suffix (内蒙古, 内蒙古自治区; 武侯区, 武侯; 阿坝州), an
    English or pinyin name (any case), a GB/T 2260 code (110000) or an ISO code (CN-BJ), or a name qualified
    by an enclosing unit (北京市朝阳区, Beijing Chaoyang).

    ``levels`` limits the levels that may match (``PROVINCE_LEVELS``: the nation and the provinces, as
    before the prefectures and counties existed); ``parent`` (any spelling of a unit) limits the match to
    units inside it, at any depth. A name several units share raises :class:`AmbiguousUnitError` listing
    them; unknown names raise :class:`UnknownUnitError` with a "did you mean" suggestion; names containing a
    path separator or '..' are refused as unsafe. ``prefer``: see :func:`unit_resolver`.
    """
    return unit_resolver(units, levels=levels, parent=parent, prefer=prefer)(name)


def _resolve(name: str, scope: _Scope, *, quiet: bool = False) -> str | None:
    """The unit ``name`` means in ``scope``; with ``quiet``, None instead of an error."""
    text = name.strip()
    if _looks_like_path(text):
        raise _path_error(text, "unit")
    index = scope.index
    if text in scope.allowed:  # an exact unit_id always means that unit (jilin is the province)
        return text
    key = _key(text)
    found = scope.pick(key)
    if not found:
        stripped = _strip_suffix(key)
        near = tuple(u for u in scope.pick(stripped) if index.level[u] in PROVINCE_LEVELS)
        city = key[len(stripped):] in _CITY_SUFFIXES
        found = tuple(u for u in near if not city or u in index.municipalities)
        if not found and near and not quiet:  # 吉林市 where only provinces may match
            raise _city_error(text, key, near[0], index)
    if not found:
        found = _qualified(key, scope)
    if len(found) == 1:
        return found[0]
    if quiet:
        return None
    if found:
        raise _ambiguous(text, found, scope)
    raise _unknown(text, key, scope)


def _qualified(key: str, scope: _Scope) -> tuple[str, ...]:
    """Units named by an enclosing unit and their own name run together (北京市朝阳区, beijingchaoyang)."""
    index = scope.index
    found: dict[str, None] = {}
    for cut in range(1, len(key)):
        heads = index.names.get(key[:cut])
        if heads:
            for unit in scope.pick(key[cut:]):
                if any(head in index.ancestors[unit] for head in heads):
                    found[unit] = None
    return tuple(found)


def _ambiguous(text: str, found: tuple[str, ...], scope: _Scope) -> AmbiguousUnitError:
    index = scope.index
    found = tuple(sorted(found, key=index.order.__getitem__))
    listed = "; ".join(index.label[u] for u in found[:_MAX_LISTED])
    more = f"; and {len(found) - _MAX_LISTED} more" if len(found) > _MAX_LISTED else ""
    example = next((u for u in found if index.level[u] not in PROVINCE_LEVELS), found[0])
    code = f"{index.code[example]} or " if index.code[example] else ""
    name = index.full_name[example]
    fix = f"give the code or the unit_id of the one meant ({code}'{example}')"
    if [index.full_name[u] for u in found].count(name) == 1 and _key(name) != _key(text):
        fix += f", or its full name ({name})"
    up = next((a for a in index.ancestors[example] if sum(a in index.ancestors[u] for u in found) == 1), None)
    if up:
        fix += (f", or name the unit it lies in: parent='{up}' in Python, the qualified name "
                f"{index.full_name[up]}{name} in a file")
    return AmbiguousUnitError(f"unit '{text}' is ambiguous", candidates=list(found), problems=[Problem(
        f"'{text}' is the name of {len(found)} units: {listed}{more}", fix=fix)])


def _city_error(text: str, key: str, province: str, index: _Index) -> UnknownUnitError:
    """吉林市 where only the nation and provinces may match: a city named like its province."""
    cities = [u for u in index.names.get(key, ()) if index.level[u] not in PROVINCE_LEVELS]
    named = f" ({'; '.join(index.label[u] for u in cities)})" if cities else ""
    return UnknownUnitError(f"unknown unit '{text}'", problems=[Problem(
        f"'{text}' is a city{named}, not a province: only the nation and the provinces are accepted here",
        fix=f"import province-level tables here (the province is '{province}'); give the city's data its own "
            "file, with the city's code or unit_id")])


@lru_cache(maxsize=1)
def _former_by_key() -> dict[str, tuple[FormerUnit, ...]]:
    """Former units by code and by the key of their name."""
    found: dict[str, list[FormerUnit]] = {}
    rows = former_units()
    for row, name_key in zip(rows, _keys([r.name_zh for r in rows])):
        for k in dict.fromkeys((row.gb_code, name_key)):
            found.setdefault(k, []).append(row)
    return {k: tuple(v) for k, v in found.items()}


def _former_problem(text: str, key: str, index: _Index) -> Problem | None:
    """彭山县 / 511422: a code or name of an earlier division list, said so, with the current units of the same
    stem in its province as candidates to check, never as the answer."""
    rows = _former_by_key().get(key, ())
    if not rows:
        return None
    listed = "; ".join(f"{r.name_zh} ({r.gb_code}, {r.level} in {index.full_name.get(r.province, r.province)}, "
                       f"listed {r.first_year}–{r.last_year})" for r in rows[:_MAX_LISTED])
    by_code = {c: u for u, c in index.code.items() if c}
    renamed = [by_code[r.gb_code] for r in rows if r.gb_code in by_code]  # the same code, a new name
    candidates = []
    for r in rows:
        try:
            stem = split_name(r.name_zh, r.level)[0]
        except ValueError:
            continue
        candidates += [u for u in index.names.get(_key(stem), ()) if r.province in (u, *index.ancestors.get(u, ()))]
    same_code = "; ".join(index.label[u] for u in dict.fromkeys(renamed))
    today = "; ".join(index.label[u] for u in dict.fromkeys(candidates) if u not in renamed)
    return Problem(
        f"'{text}' is a former division: {listed}; the unit tables follow the 2024 list (data/units*.csv), "
        "which does not have it",
        fix="give the data under the current unit that covers its area now, by that unit's code or unit_id "
            "(a merged or split unit has no single successor, so none is chosen for you)"
            + (f"; its code is now {same_code} (renamed, or recoded: check the years)" if same_code else "")
            + (f"; current units of the same name in its province: {today}" if today else ""))


def _unknown(text: str, key: str, scope: _Scope) -> UnknownUnitError:
    index = scope.index
    outside = list(dict.fromkeys([*index.names.get(key, ()), *([text] if text in index.level else []),
                                  *_qualified(key, _Scope(index, None, None))]))
    if outside:  # known, but not at the levels or inside the parent asked for
        listed = "; ".join(index.label[u] for u in outside[:_MAX_LISTED])
        return UnknownUnitError(f"unit '{text}' is not accepted here", problems=[Problem(
            f"'{text}' is {listed}: not {scope.describe()}",
            fix="give a unit of those levels" + (" inside that parent" if scope.parent else ""))])
    former = _former_problem(text, key, index)
    if former is not None:
        return UnknownUnitError(f"unknown unit '{text}'", problems=[former])
    keys = _near_keys(key, scope)
    upper = [k for k in keys if any(index.level[u] in PROVINCE_LEVELS for u in index.names[k])]
    # A looser match among the 32 (shanxii -> shanxi) than among the 3,179 below (Atlantis is not Tiantai)
    close = list(dict.fromkeys(u for k in [*did_you_mean(key, upper, n=6), *did_you_mean(key, keys, n=6, cutoff=0.8)]
                               for u in scope.pick(k)))
    close = close or _one_character_off(key, scope)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    note = f"{_CONFUSION_NOTE}; " if _CONFUSED & set(close[:2]) else ""
    return UnknownUnitError(f"unknown unit '{text}'", problems=[Problem(
        f"'{text}' is not a unit id, name or code in the unit tables (data/units*.csv){hint}",
        fix=note + "use a unit_id (e.g. 'beijing'), a Chinese or English name (北京, Beijing) "
                   "or a code (110000, CN-BJ)")])


def _near_keys(key: str, scope: _Scope) -> list[str]:
    """Keys worth comparing with ``key`` for a suggestion: in scope, the same script, a similar length (difflib
    over all 20,000 keys takes a tenth of a second per unknown name)."""
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in key)
    return [k for k, units in scope.index.names.items() if abs(len(k) - len(key)) <= 3
            and any("\u4e00" <= ch <= "\u9fff" for ch in k) == chinese and any(u in scope.allowed for u in units)]


def _one_character_off(key: str, scope: _Scope) -> list[str]:
    """Units whose short Chinese name differs from ``key`` in one character (广冬 -> 广东): too short for
    difflib's ratio, the commonest typing slip in a two-character name."""
    if not 2 <= len(key) <= 3:
        return []
    return list(dict.fromkeys(uid for spelling, units in scope.index.names.items() if len(spelling) == len(key)
                              and sum(a != b for a, b in zip(spelling, key)) == 1
                              and any("\u4e00" <= ch <= "\u9fff" for ch in spelling)
                              for uid in units if uid in scope.allowed))
