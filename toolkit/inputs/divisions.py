"""Division names below the provinces: a name's stem and its type (阿坝藏族羌族自治州 -> 阿坝, Autonomous Prefecture).

Shared by ``data/build_units.py`` (which romanises the stem into the ``unit_id`` and ``name_en``) and by the
name lookup (which accepts the stem, 阿坝, and the common short form, 阿坝州), so the two never disagree on
where a name's type starts.
"""

from __future__ import annotations

from functools import lru_cache

#: Type suffix -> English type per level, longest first (自治县 before 县).
TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "prefecture": (("自治州", "Autonomous Prefecture"), ("地区", "Prefecture"), ("盟", "League"), ("市", "City")),
    "county": (("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"), ("市", "City"), ("区", "District"),
               ("县", "County"), ("旗", "Banner")),
}
#: County-level names whose last two characters are the type (万柏林区 is a 区 named 万柏林, not a 林区;
#: 清新区 is a 区 named 清新; 阳泉's 矿区 is a 区 named 矿).
SPECIAL = {"神农架林区": ("神农架", "Forestry District"), "六枝特区": ("六枝", "Special District"),
           "浦东新区": ("浦东", "New Area"), "滨海新区": ("滨海", "New Area"), "沈北新区": ("沈北", "New Area"),
           "白云鄂博矿区": ("白云鄂博", "Mining District"), "鹰手营子矿区": ("鹰手营子", "Mining District"),
           "井陉矿区": ("井陉", "Mining District"), "峰峰矿区": ("峰峰", "Mining District")}
#: Peoples named in autonomous units, removed from the stem (大理白族自治州 -> 大理). A one-character name only
#: with 族 (白族, 水族), so 白 in a place name is never taken for the Bai; 各族 means "all peoples".
ETHNIC = ("蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
          "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔",
          "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "鄂温克",
          "德昂", "保安", "裕固", "京", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各")
#: The short form of an autonomous unit's name (阿坝州, 石柱县, 鄂伦春旗) keeps this of its type.
SHORT_TYPE = {"自治州": "州", "自治县": "县", "自治旗": "旗"}


@lru_cache(maxsize=1)
def _peoples() -> tuple[str, ...]:
    return tuple(sorted({f"{e}族" for e in ETHNIC} | {e for e in ETHNIC if len(e) > 1}, key=len, reverse=True))


def split_name(name: str, level: str) -> tuple[str, str, str]:
    """(stem, Chinese type suffix, English type) of a prefecture or county name, or ValueError when the name
    has no type this table knows: 阿坝藏族羌族自治州 -> (阿坝, 自治州, Autonomous Prefecture)."""
    if level == "county" and name in SPECIAL:
        stem, english = SPECIAL[name]
        return stem, name[len(stem):], english
    for suffix, english in TYPES.get(level, ()):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return (_without_peoples(stem) if suffix in SHORT_TYPE else stem), suffix, english
    raise ValueError(f"the {level} name '{name}' has no known type suffix")


def _without_peoples(stem: str) -> str:
    """阿坝藏族羌族 -> 阿坝; a stem that is only a people's name stays (鄂伦春 of 鄂伦春自治旗; 鄂温克族 -> 鄂温克)."""
    while True:
        for people in _peoples():
            if stem.endswith(people) and len(stem) > len(people):
                stem = stem[: -len(people)]
                break
        else:
            return stem[:-1] if stem.endswith("族") and stem[:-1] in ETHNIC else stem


def short_names(name: str, level: str, *, parts: tuple[str, str] | None = None) -> list[str]:
    """The shorter ways a name is written: its stem (阿坝, 武侯) and, for an autonomous unit, the stem with the
    short type (阿坝州, 石柱县). Empty when the name has no known type. ``parts``: (stem, suffix) when the caller
    has already split the name."""
    if parts is None:
        try:
            parts = split_name(name, level)[:2]
        except ValueError:
            return []
    stem, suffix = parts
    return [stem] + ([stem + SHORT_TYPE[suffix]] if suffix in SHORT_TYPE else [])
