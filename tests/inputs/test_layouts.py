"""The layouts evaluators hold (issue 12): long files with Chinese headers and names, UTF-16 and tab-separated
exports, traditional characters, one-character typos. Every table is built by the test."""

from __future__ import annotations

import pytest

from toolkit.core.errors import UnknownUnitError
from toolkit.inputs.catalog import resolve_indicator
from toolkit.inputs.observations import load_observations
from toolkit.inputs.units import resolve_unit


def test_a_long_file_with_chinese_headers_names_and_years_loads(tmp_path):
    path = tmp_path / "zh.csv"
    path.write_text("地区,指标,年份,数值,单位,来源\n北京,婴儿死亡率,2015年,2.4,‰,北京统计年鉴2016\n"
                    "廣東,Infant mortality rate,2016,3.1,‰,广东统计年鉴2017\n", encoding="utf-8")
    frame = load_observations([path])
    assert list(frame["unit_id"]) == ["beijing", "guangdong"] and set(frame["indicator_id"]) == {"imr"}
    assert list(frame["year"]) == [2015, 2016] and list(frame["value"]) == [2.4, 3.1]
    assert list(frame["source"]) == ["北京统计年鉴2016", "广东统计年鉴2017"]


def test_a_utf16_tab_separated_export_is_read_directly(tmp_path):
    path = tmp_path / "export.txt"
    text = "unit_id\tindicator_id\tyear\tvalue\tqualifier\tunit\tsource\tnote\r\nnational\timr\t2015\t8.1\t=\tper_mille\tNBS\t\r\n"
    path.write_bytes(text.encode("utf-16"))  # Excel's "Unicode text": UTF-16 with a BOM, tabs
    frame = load_observations([path])
    assert (frame["unit_id"].iloc[0], frame["year"].iloc[0], frame["value"].iloc[0]) == ("national", 2015, 8.1)


@pytest.mark.parametrize(("name", "unit_id"), [("黑龍江", "heilongjiang"), ("廣東省", "guangdong"), ("陝西", "shaanxi"),
                                               ("內蒙古自治區", "inner_mongolia")])
def test_traditional_characters_are_folded_to_simplified(name, unit_id):
    assert resolve_unit(name) == unit_id


@pytest.mark.parametrize(("typo", "meant"), [("广冬", "guangdong"), ("陕酉", "shaanxi")])
def test_a_one_character_typo_in_a_two_character_name_gets_a_suggestion(typo, meant):
    with pytest.raises(UnknownUnitError, match=f"did you mean '{meant}'"):
        resolve_unit(typo)


def test_indicators_may_be_named_in_chinese_or_english():
    assert resolve_indicator("婴儿死亡率") == "imr" and resolve_indicator("Infant mortality rate") == "imr"
