"""Yearbook tables that `import-wide` read wrongly with exit 0 (issue 12, "silently wrong today"): each is now
a correct read or a clear refusal naming the file and the cell. Every test here fails on the code before."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from toolkit.core.errors import DataValidationError, UnknownUnitError
from toolkit.inputs.units import PROVINCE_LEVELS, resolve_unit
from toolkit.inputs.wide import import_wide, wide_to_long


def csv_table(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_a_workbook_with_several_sheets_needs_the_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "婴儿死亡率"
    book.active.append(["地区", "2015", "2016"])
    book.active.append(["北京", "2.4", "2.2"])
    second = book.create_sheet("住院分娩率")
    second.append(["地区", "2015", "2016"])
    second.append(["北京", "99.9", "99.9"])
    path = tmp_path / "yearbook.xlsx"
    book.save(path)
    # before: the first sheet (infant mortality) came out as whatever --indicator said, e.g. u5mr
    with pytest.raises(DataValidationError, match=r"has 2 sheets with data(.|\n)*婴儿死亡率, 住院分娩率(.|\n)*--sheet"):
        wide_to_long(path, indicator_id="u5mr")
    assert list(wide_to_long(path, indicator_id="imr", sheet="婴儿死亡率")["value"]) == [2.4, 2.2]


def test_a_units_line_converts_ten_thousands_and_refuses_a_contradiction(tmp_path):
    counts = csv_table(tmp_path / "c.csv", [["单位：万人", "", ""], ["地区", "2015", "2016"], ["北京", "1.5", "1.6"]])
    # before: 1.5 (万人) was read as 1.5 persons, 10,000 times too small
    frame = wide_to_long(counts, indicator_id="juvenile_offenders")
    assert list(frame["value"]) == [15000.0, 16000.0] and "converted from 万人" in frame["note"].iloc[0]
    percent = csv_table(tmp_path / "p.csv", [["单位：%", "", ""], ["地区", "2015", "2016"], ["北京", "0.24", "0.22"]])
    with pytest.raises(DataValidationError, match=r"单位：%, but imr is measured in per 1,000 live births"):
        wide_to_long(percent, indicator_id="imr")


def test_two_indicators_side_by_side_are_refused_not_mixed(tmp_path):
    path = csv_table(tmp_path / "two.csv", [["地区", "婴儿死亡率", "", "5岁以下儿童死亡率", ""],
                                            ["地区", "2015", "2016", "2015", "2016"], ["北京", "2.4", "2.2", "3.0", "2.9"]])
    # before: the error's own fix ("keep one of the two rows") imported the wrong indicator's columns
    with pytest.raises(DataValidationError, match=r"same year in more than one column(.|\n)*two indicators side by side"):
        wide_to_long(path, indicator_id="imr")


def test_a_city_is_not_its_province_and_a_total_is_not_the_nation(tmp_path):
    with pytest.raises(UnknownUnitError, match=r"'吉林市' is a city \(吉林市 \(jilin_220200, 220200, prefecture in 吉林省\)\), "
                                               "not a province"):
        resolve_unit("吉林市", levels=PROVINCE_LEVELS)  # before: jilin
    assert resolve_unit("吉林市") == "jilin_220200"  # among all levels it is the city
    assert resolve_unit("北京市") == "beijing" and resolve_unit("吉林省") == "jilin"
    path = csv_table(tmp_path / "pref.csv", [["地区", "2015"], ["北京", "2.4"], ["合计", "2.3"], ["东部", "2.1"]])
    notices: list[str] = []
    frame = import_wide(path, indicator_id="imr", out=tmp_path / "o.csv", notices=notices)
    assert list(frame["unit_id"]) == ["beijing"]  # before: 合计 became a national row
    assert notices == ["3: skipped '合计' (not a province)", "4: skipped '东部' (not a province)"]


def test_marked_year_headers_are_read_and_the_mark_is_kept(tmp_path):
    path = csv_table(tmp_path / "m.csv", [["地区", "2010年（基期）", "2015年", "2020年*"], ["北京", "3.1", "2.4", "2.0"]])
    frame = wide_to_long(path, indicator_id="imr")  # before: 2010 and 2020 were dropped without a word
    assert list(frame["year"]) == [2010, 2015, 2020]
    assert "column header '2020年*'" in frame["note"].iloc[2] and "（基期）" in frame["note"].iloc[0]


def test_zero_placeholders_in_a_percentage_table_are_refused(tmp_path):
    path = csv_table(tmp_path / "z.csv", [["地区", "2015", "2016"], ["北京", "99.9", "0.0"], ["天津", "99.8", "99.9"]])
    # before: the 0.0 a yearbook prints for "not reported" became a hospital delivery rate of 0%
    with pytest.raises(DataValidationError, match=r"line 2, column '2016': 0 among percentages around 100"):
        wide_to_long(path, indicator_id="hospital_delivery")
