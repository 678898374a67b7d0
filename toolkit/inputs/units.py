"""The unit table (national + provinces) and name lookup: any common way of writing a unit -> its ``unit_id``.

Yearbooks, spreadsheets and users write 北京, 北京市, Beijing, 110000 or CN-BJ for the same province, so every
input goes through :func:`resolve_unit`. Shanxi (山西) and Shaanxi (陕西) are one letter apart; messages about
either name both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import opencc  # 0.005 s to import, 0.003 s to build the converter: cheap enough at the top
import pandas as pd
import pandera.pandas as pa

from toolkit.contracts.observations import SLUG
from toolkit.core.errors import DataValidationError, Problem, UnknownUnitError, did_you_mean
from toolkit.core.paths import UNITS_CSV
from toolkit.inputs.files import file_key
from toolkit.inputs.schema import choice, read_reference_table, slug, text_column, top_to_bottom

LEVELS = ("country", "province", "prefecture", "county")
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
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "维吾尔族自治区", "特别行政区", "自治区", "省", "市",
             "zhuangautonomousregion", "huiautonomousregion", "uygurautonomousregion", "uyghurautonomousregion",
             "autonomousregion", "municipality", "province", "sheng", "shi")
#: Suffixes that mean "city": stripped only to reach one of the four municipalities (北京市 -> 北京), never a
#: province (吉林市 is a prefecture-level city of Jilin province, not 吉林省).
_CITY_SUFFIXES = ("市", "municipality", "shi")
_CONFUSED = {"shanxi", "shaanxi"}
_CONFUSION_NOTE = ("Shanxi (山西, shanxi, 140000, capital Taiyuan) and Shaanxi (陕西, shaanxi, 610000, capital Xi'an) "
                   "are different provinces")


@lru_cache(maxsize=1)
def _to_simplified():
    """OpenCC's traditional -> simplified converter (Taiwan, Hong Kong and older mainland tables: 黑龍江, 廣東)."""
    return opencc.OpenCC("t2s")


def _key(text: str) -> str:
    """Comparable form of a name: traditional characters folded to simplified, full-width folded, case and
    spaces, hyphens, dots and apostrophes ignored."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    if any("\u4e00" <= ch <= "\u9fff" for ch in folded):
        folded = _to_simplified().convert(folded)
    return re.sub(r"[\s\-_.'’·]", "", folded)


def _strip_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@lru_cache(maxsize=8)
def _units(key: tuple[str, int, int]) -> pd.DataFrame:
    path = Path(key[0])
    frame, locate, problems = read_reference_table(path, UNIT_SCHEMA, what="unit table")
    ids = set(frame["unit_id"])
    for idx, parent in frame["parent"].dropna().items():
        if parent not in ids:
            problems.append(Problem(f"parent '{parent}' is not a unit_id in this table", row=locate(idx, "parent")[0],
                                    column="parent", fix="use the unit_id of the enclosing unit, or leave it empty"))
    if problems:
        raise DataValidationError("is not a valid unit table", path=path, problems=top_to_bottom(problems))
    return frame.fillna({c: "" for c in ("parent", "gb_code", "iso_code", "region")}).set_index("unit_id")


def load_units(path: str | Path = UNITS_CSV) -> pd.DataFrame:
    """The unit table indexed by ``unit_id`` (codes as text; empty string where a unit has none). Cached; a copy."""
    return _units(file_key(path)).copy()


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


def _index(units: pd.DataFrame) -> dict[str, str]:
    """Every accepted spelling (as a key) -> unit_id; spellings shared by two units are dropped as ambiguous."""
    names: dict[str, set[str]] = {}
    for uid, row in units.iterrows():
        spellings = [uid, row["name_en"], row["name_zh"], row["gb_code"], row["iso_code"], *ALIASES.get(uid, [])]
        for spelling in spellings:
            if spelling:
                for key in {_key(spelling), _strip_suffix(_key(spelling))}:
                    names.setdefault(key, set()).add(str(uid))
    return {key: ids.pop() for key, ids in names.items() if len(ids) == 1}


@lru_cache(maxsize=8)
def _default_index(key: tuple[str, int, int]) -> dict[str, str]:
    return _index(_units(key))


def unit_resolver(units: pd.DataFrame | None = None) -> Callable[[str], str]:
    """A :func:`resolve_unit` bound to one unit table, for resolving many names without rebuilding the index."""
    table = _units(file_key(UNITS_CSV)) if units is None else units
    index = _default_index(file_key(UNITS_CSV)) if units is None else _index(units)
    municipalities = {str(u) for u, zh in table["name_zh"].items() if str(zh).endswith("市")}

    def resolve(name: str) -> str:
        text = str(name).strip()
        if _looks_like_path(text):
            raise _path_error(text, "unit")
        key = _key(text)
        if key in index:
            return index[key]
        stripped = _strip_suffix(key)
        found = index.get(stripped)
        if found and (key[len(stripped):] not in _CITY_SUFFIXES or found in municipalities):
            return found
        raise _unknown(text, key, index, city=bool(found))

    return resolve

    return resolve


def _unknown(text: str, key: str, index: dict[str, str], *, city: bool = False) -> UnknownUnitError:
    if city:  # 吉林市: a city named like its province
        return UnknownUnitError(f"unknown unit '{text}'", problems=[Problem(
            f"'{text}' is a city, not a province: units are the nation and the 31 provinces",
            fix="import province-level tables; for a city's own data give it a unit of its own in data/units.csv")])
    close = list(dict.fromkeys(index[k] for k in did_you_mean(key, index, n=6))) or _one_character_off(key, index)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    note = f"{_CONFUSION_NOTE}; " if _CONFUSED & set(close[:2]) else ""
    return UnknownUnitError(f"unknown unit '{text}'", problems=[Problem(
        f"'{text}' is not a unit id, name or code in data/units.csv{hint}",
        fix=note + "use a unit_id (e.g. 'beijing'), a Chinese or English name (北京, Beijing) "
                   "or a code (110000, CN-BJ)")])


def _one_character_off(key: str, index: dict[str, str]) -> list[str]:
    """Units whose short Chinese name differs from ``key`` in one character (广冬 -> 广东): too short for
    difflib's ratio, the commonest typing slip in a two-character name."""
    if not 2 <= len(key) <= 3:
        return []
    return list(dict.fromkeys(uid for spelling, uid in index.items() if len(spelling) == len(key)
                              and sum(a != b for a, b in zip(spelling, key)) == 1
                              and any("\u4e00" <= ch <= "\u9fff" for ch in spelling)))


def resolve_unit(name: str, units: pd.DataFrame | None = None) -> str:
    """The ``unit_id`` for an id, a Chinese name with or without suffix (内蒙古, 内蒙古自治区), an English or
    pinyin name (any case), a GB/T 2260 code (110000) or an ISO code (CN-BJ).

    Unknown names raise :class:`UnknownUnitError` with a "did you mean" suggestion; names containing a path
    separator or '..' are refused as unsafe.
    """
    return unit_resolver(units)(name)
