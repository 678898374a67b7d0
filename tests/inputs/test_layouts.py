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


def test_several_data_files_after_one_flag_and_globs(tmp_path, monkeypatch, capsys):
    from toolkit.cli import main

    for name, unit in (("a.csv", "北京"), ("b.csv", "天津")):
        (tmp_path / name).write_text(f"地区,指标,年份,数值,单位,来源\n{unit},婴儿死亡率,2015,2.4,‰,年鉴\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "*.csv"]) == 0
    assert capsys.readouterr().out.count(": OK, 1 row") == 2
    out = tmp_path / "r.csv"
    assert main(["assess", "--data", "a.csv", "b.csv", "--targets", "outline-2021-2030", "--as-of", "2020",
                 "--out", str(out)]) == 0
    assert "2 unit(s)" in capsys.readouterr().out
    assert main(["validate", "nothing*.csv"]) == 2
    assert "no file matches nothing*.csv" in capsys.readouterr().err


def test_params_data_may_be_a_glob(tmp_path):
    from toolkit.inputs.params import load_unit_params

    path = tmp_path / "national.yaml"
    path.write_text("unit_id: national\ndata: ['data/observations/national*.csv']\n", encoding="utf-8")
    assert load_unit_params(path).data == ("data/observations/national.csv", "data/observations/national_2021_2025.csv")


def test_sheet_for_validate_and_assess(tmp_path, capsys):
    import openpyxl

    from toolkit.cli import main

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为示例"])
    data = book.create_sheet("数据")
    data.append(["地区", "指标", "年份", "数值", "单位", "来源"])
    data.append(["北京", "婴儿死亡率", 2015, 2.4, "‰", "年鉴"])
    path = tmp_path / "long.xlsx"
    book.save(path)
    assert main(["validate", str(path), "--sheet", "数据"]) == 0
    assert ": OK, 1 row" in capsys.readouterr().out


def test_import_wide_writes_the_publication_given_as_source(tmp_path):
    from toolkit.inputs.wide import import_wide

    path = tmp_path / "t.csv"
    path.write_text("地区,2015,2016\n北京,2.4,2.2\n", encoding="utf-8")
    frame = import_wide(path, indicator_id="imr", out=tmp_path / "o.csv", source="北京统计年鉴2017, 表5-12")
    assert set(frame["source"]) == {"北京统计年鉴2017, 表5-12"}


def _book(path, sheets: dict[str, list[list]]):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_one_sheet_per_year_with_indicators_as_columns(tmp_path):
    from toolkit.inputs.wide import import_workbook, wide_to_long

    rows = [["地区", "婴儿死亡率（‰）", "住院分娩率（%）"], ["北京", 2.4, 99.9], ["天津", 3.0, 99.8]]
    path = _book(tmp_path / "years.xlsx", {"2015年": rows, "2016年": [rows[0], ["北京", 2.2, 99.9]]})
    frame = wide_to_long(path, indicator_id="婴儿死亡率", sheet="2015年")  # the year from the sheet name
    assert list(zip(frame["unit_id"], frame["year"], frame["value"])) == [("beijing", 2015, 2.4), ("tianjin", 2015, 3.0)]
    both = import_workbook(path, out=tmp_path / "o.csv", indicator_id="hospital_delivery")
    assert sorted(zip(both["year"], both["value"])) == [(2015, 99.8), (2015, 99.9), (2016, 99.9)]


def test_all_sheets_named_after_their_indicators_and_the_skipped_ones_named(tmp_path):
    from toolkit.inputs.wide import import_workbook

    path = _book(tmp_path / "book.xlsx", {
        "婴儿死亡率": [["地区", "2015", "2016"], ["北京", 2.4, 2.2]],
        "u5mr": [["地区", "2015", "2016"], ["北京", 3.0, 2.9]],
        "说明": [["本表数据来源：卫生健康统计年鉴"]]})
    notices: list[str] = []
    frame = import_workbook(path, out=tmp_path / "o.csv", notices=notices)
    assert sorted(set(frame["indicator_id"])) == ["imr", "u5mr"] and len(frame) == 4
    assert notices == ["sheet '说明': skipped (its name is no indicator; name the sheet after one, or give --indicator)"]


def test_a_provinces_monitoring_table_with_its_targets(tmp_path, capsys):
    from toolkit.cli import main
    from toolkit.inputs.catalog import load_targets
    from toolkit.inputs.observations import load_observations

    path = _book(tmp_path / "mon.xlsx", {"监测表": [
        ["广东省儿童发展纲要监测统计表"],
        ["序号", "指标", "单位", "目标值（2030年）", "2010年（基期）", "2015年", "2020年"],
        [1, "婴儿死亡率", "‰", "≤4", 4.9, 3.1, 2.2],
        [2, "5岁以下儿童死亡率", "‰", "5以下", 6.9, 4.5, 3.1],
        [3, "某项地方指标", "%", "≥90", None, 60, 90]]})
    out, targets = tmp_path / "gd.csv", tmp_path / "gd-targets.csv"
    assert main(["import-wide", str(path), "--unit", "广东", "--out", str(out), "--targets-out", str(targets)]) == 0
    assert "skipped '某项地方指标'" in capsys.readouterr().out
    frame = load_observations([out])
    assert len(frame) == 6 and set(frame["unit_id"]) == {"guangdong"}
    assert frame.query("indicator_id == 'imr' and year == 2010")["note"].iloc[0].endswith("column header '2010年（基期）'")
    local = load_targets(targets).set_index("indicator_id")
    assert (local.loc["imr", "comparator"], local.loc["imr", "target_value"], local.loc["imr", "target_year"]) == \
        ("<=", 4.0, 2030)


def test_years_down_the_side_with_indicators_across(tmp_path):
    from toolkit.inputs.monitoring import monitoring_to_long

    path = _book(tmp_path / "years.xlsx", {"北京": [["年份", "婴儿死亡率", "孕产妇死亡率"], ["2015年", 2.4, 8.1],
                                                    ["2016年", 2.2, 10.4]]})
    frame, targets = monitoring_to_long(path, unit_id="beijing")
    assert sorted(zip(frame["indicator_id"], frame["year"], frame["value"])) == [
        ("imr", 2015, 2.4), ("imr", 2016, 2.2), ("mmr", 2015, 8.1), ("mmr", 2016, 10.4)] and targets == []


def test_excel_date_year_headers_and_ignored_rows(tmp_path):
    import datetime

    from toolkit.inputs.wide import wide_to_long

    path = _book(tmp_path / "dates.xlsx", {"imr": [["地区", datetime.datetime(2015, 1, 1), datetime.datetime(2016, 1, 1)],
                                                   ["北京", 2.4, 2.2], ["其中：城市", 2.0, 1.9]]})
    notices: list[str] = []
    frame = wide_to_long(path, indicator_id="imr", ignore_rows=("其中：城市",), notices=notices)
    assert list(frame["year"]) == [2015, 2016] and set(frame["unit_id"]) == {"beijing"}
    assert notices == ["imr!A3: skipped '其中：城市' (not a province)"]


def test_two_files_that_disagree_name_both_and_prefer_decides(tmp_path):
    from toolkit.core.errors import DataValidationError
    from toolkit.inputs.observations import load_observations

    header = "unit_id,indicator_id,year,value,qualifier,unit,source,note\n"
    shipped, mine = tmp_path / "shipped.csv", tmp_path / "mine.csv"
    shipped.write_text(header + "national,imr,2015,8.1,=,per_mille,NBS,\n", encoding="utf-8")
    mine.write_text(header + "national,imr,2015,8.3,=,per_mille,我的年鉴,\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"shipped.csv line 2 and =8.3 here(.|\n)*--prefer"):
        load_observations([shipped, mine])
    frame = load_observations([shipped, mine], prefer=mine)
    assert list(frame["value"]) == [8.3] and list(frame["source"]) == ["我的年鉴"]
    assert list(load_observations([shipped, mine], prefer=shipped)["value"]) == [8.1]


LAYOUT_TABLES = {  # layout -> (rows, how it is read, what comes out)
    "provinces by years": ([["单位：‰", "", ""], ["地区", "2015年", "2016年"], ["北京", "2.4", "2.2"], ["合计", "8.1", "7.5"]],
                           "wide", [("beijing", "imr", 2015, 2.4), ("beijing", "imr", 2016, 2.2)]),
    "monitoring table": ([["指标", "单位", "2015年", "2016年"], ["婴儿死亡率", "‰", "2.4", "2.2"]],
                         "unit", [("beijing", "imr", 2015, 2.4), ("beijing", "imr", 2016, 2.2)]),
    "years down": ([["年份", "婴儿死亡率"], ["2015", "2.4"], ["2016", "2.2"]],
                   "unit", [("beijing", "imr", 2015, 2.4), ("beijing", "imr", 2016, 2.2)]),
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("layout", list(LAYOUT_TABLES))
def test_each_single_table_layout_round_trips_from_csv_and_xlsx(tmp_path, layout, fmt):
    import csv

    from toolkit.inputs.monitoring import monitoring_to_long
    from toolkit.inputs.observations import load_observations
    from toolkit.inputs.wide import import_wide

    rows, how, expected = LAYOUT_TABLES[layout]
    path = tmp_path / f"t.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    else:
        _book(path, {"表1": rows})
    out = tmp_path / "o.csv"
    if how == "wide":
        import_wide(path, indicator_id="imr", out=out)
    else:
        frame, _ = monitoring_to_long(path, unit_id="beijing")
        frame.to_csv(out, index=False)
    back = load_observations([out])
    assert sorted(zip(back["unit_id"], back["indicator_id"], back["year"], back["value"])) == expected
