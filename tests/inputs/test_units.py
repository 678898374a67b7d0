"""toolkit.inputs.units: the unit table and the name/code lookup (Chinese, English, pinyin, GB/T 2260, ISO)."""

from __future__ import annotations

import os

import pytest

from toolkit.core.errors import DataValidationError, UnknownUnitError
from toolkit.inputs.units import PROVINCE_LEVELS, UNIT_COLUMNS, check_unit_id, load_units, resolve_unit, unit_resolver

UNITS_HEADER = ",".join(UNIT_COLUMNS)


def test_load_units_is_indexed_by_unit_id_with_codes_as_text():
    units = load_units(levels=PROVINCE_LEVELS)
    assert len(units) == 32
    assert units.index.name == "unit_id"
    assert list(units.columns) == UNIT_COLUMNS[1:]
    assert units.loc["beijing", "gb_code"] == "110000"
    assert units.loc["shaanxi", "iso_code"] == "CN-SN"
    assert units.loc["national", "gb_code"] == ""
    assert units.loc["inner_mongolia", "name_zh"] == "内蒙古自治区"
    assert (units["level"] == "province").sum() == 31


def test_load_units_returns_a_copy():
    units = load_units()
    units.loc["beijing", "name_en"] = "changed"
    assert load_units().loc["beijing", "name_en"] == "Beijing"


@pytest.mark.parametrize(("name", "unit_id"), [
    ("beijing", "beijing"), (" beijing ", "beijing"), ("北京", "beijing"), ("北京市", "beijing"), ("北　京", "beijing"),
    ("内蒙古", "inner_mongolia"), ("内蒙古自治区", "inner_mongolia"), ("Inner Mongolia", "inner_mongolia"),
    ("INNER MONGOLIA", "inner_mongolia"), ("inner_mongolia", "inner_mongolia"), ("Nei Mongol", "inner_mongolia"),
    ("广西", "guangxi"), ("广西壮族自治区", "guangxi"), ("Guangxi Zhuang Autonomous Region", "guangxi"),
    ("新疆", "xinjiang"), ("新疆维吾尔自治区", "xinjiang"), ("宁夏", "ningxia"), ("西藏", "tibet"), ("Xizang", "tibet"),
    ("110000", "beijing"), ("CN-BJ", "beijing"), ("cn-bj", "beijing"), ("610000", "shaanxi"), ("CN-SX", "shanxi"),
    ("Shaanxi", "shaanxi"), ("Shanxi", "shanxi"), ("陕西", "shaanxi"), ("山西省", "shanxi"),
    ("全国", "national"), ("National", "national"), ("China", "national"), ("CN", "national"),
])
def test_resolve_unit_accepts_ids_names_and_codes(name, unit_id):
    assert resolve_unit(name, levels=PROVINCE_LEVELS) == unit_id
    assert resolve_unit(name) == unit_id  # none of these is also the name of a prefecture or county


def test_misspelled_shanxi_suggests_shanxi_and_names_both_provinces():
    with pytest.raises(UnknownUnitError, match=r"unknown unit 'shanxii'[\s\S]*did you mean 'shanxi'\?") as info:
        resolve_unit("shanxii")
    assert "Shaanxi (陕西" in str(info.value) and "Shanxi (山西" in str(info.value)


def test_misspelled_shaanxi_suggests_shaanxi_and_names_both_provinces():
    with pytest.raises(UnknownUnitError, match=r"did you mean 'shaanxi'\?") as info:
        resolve_unit("shaanxy")
    assert "Shanxi (山西" in str(info.value)


def test_unknown_unit_without_a_close_match_says_what_is_accepted():
    with pytest.raises(UnknownUnitError, match=r"'Atlantis' is not a unit id, name or code.*Fix: use a unit_id") as e:
        resolve_unit("Atlantis")
    assert "did you mean" not in str(e.value)


@pytest.mark.parametrize("name", ["../beijing", "beijing/..", "a/b", "a\\b", ".."])
def test_a_unit_that_looks_like_a_path_is_refused(name):
    with pytest.raises(UnknownUnitError, match="looks like a path"):
        resolve_unit(name)


def test_check_unit_id_accepts_safe_slugs_only():
    assert check_unit_id("inner_mongolia") == "inner_mongolia"
    with pytest.raises(UnknownUnitError, match="looks like a path"):
        check_unit_id("../../etc")
    with pytest.raises(UnknownUnitError, match="unit id '北京' is not valid"):
        check_unit_id("北京")
    with pytest.raises(UnknownUnitError, match="unit id 'Bei Jing' is not valid"):
        check_unit_id("Bei Jing")


def test_resolver_works_on_a_given_unit_table():
    resolve = unit_resolver(load_units().loc[["national", "beijing"]])
    assert resolve("北京") == "beijing"
    with pytest.raises(UnknownUnitError, match="unknown unit '天津'"):
        resolve("天津")


def test_a_broken_unit_table_reports_every_problem_with_its_line(write_file):
    path = write_file("units.csv", "\n".join([
        UNITS_HEADER,
        "national,country,,,CN,China,全国,",
        "beijing,province,national,110000,CN-BJ,Beijing,北京市,east",
        "beijing,province,national,120000,CN-TJ,Tianjin,天津市,east",
        "hebei,state,nowhere,13000,CN-HE,Hebei,河北省,north",
    ]) + "\n")
    with pytest.raises(DataValidationError, match="is not a valid unit table") as info:
        load_units(path)
    text = str(info.value)
    assert "line 3, column 'unit_id': 'beijing' appears more than once" in text
    assert "line 4, column 'unit_id': 'beijing' appears more than once" in text
    assert "line 5, column 'level': 'state' is not allowed. Fix: use one of: 'country', 'province'" in text
    assert "line 5, column 'gb_code': '13000' is not allowed. Fix: a GB/T 2260 code has 6 digits" in text
    assert "line 5, column 'region': 'north' is not allowed" in text


def test_a_unit_table_with_an_unknown_parent_is_refused(write_file):
    path = write_file("units.csv", UNITS_HEADER + "\nbeijing,province,china,110000,CN-BJ,Beijing,北京市,east\n")
    with pytest.raises(DataValidationError, match="line 2, column 'parent': parent 'china' is not a unit_id"):
        load_units(path)


def test_a_misspelled_column_of_the_unit_table_is_named(write_file):
    path = write_file("units.csv", UNITS_HEADER.replace("name_zh", "name_cn") + "\n")
    with pytest.raises(DataValidationError, match=r"'name_cn' is not a known column \(did you mean 'name_zh'\?\)"):
        load_units(path)


def test_a_changed_unit_file_is_read_again(write_file):
    path = write_file("units.csv", UNITS_HEADER + "\nnational,country,,,CN,China,全国,\n")
    assert list(load_units(path).index) == ["national"]
    path.write_text(UNITS_HEADER + "\nnational,country,,,CN,China,全国,\nbeijing,province,national,110000,CN-BJ,"
                    "Beijing,北京市,east\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert list(load_units(path).index) == ["national", "beijing"]
