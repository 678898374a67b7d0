"""toolkit.inputs.wide / ``import-wide``: yearbook tables (provinces x years) -> long observations, round trips."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from toolkit.cli import main
from toolkit.contracts.observations import OBS_COLUMNS
from toolkit.core.errors import DataValidationError, UnknownIndicatorError
from toolkit.inputs.observations import load_observations
from toolkit.inputs.wide import IMPORT_NOTE, import_wide, parse_cell

TABLE = [
    ["表 4-1 各地区婴儿死亡率"],
    ["单位：‰"],
    ["地区", "2015年", "2016年", "2017"],
    ["全国", "8.1‰", "7.5", "6.8"],
    ["北 京", "2.42", "—", ">2"],
    ["内蒙古自治区*", "5.4‰", "-", "3以下"],
    ["Guangxi", "…", "", "4"],
    ["", "", "", ""],
    ["注：2017年广西为初步数。"],
]
EXPECTED = [  # unit_id, year, value, qualifier
    ["national", 2015, 8.1, "="], ["national", 2016, 7.5, "="], ["national", 2017, 6.8, "="],
    ["beijing", 2015, 2.42, "="], ["beijing", 2017, 2.0, ">"],
    ["inner_mongolia", 2015, 5.4, "="], ["inner_mongolia", 2017, 3.0, "<"],
    ["guangxi", 2017, 4.0, "="],
]


def _csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _xlsx(path, rows, sheet="婴儿死亡率"):
    book = openpyxl.Workbook()
    book.active.title = "封面"
    ws = book.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _check(frame: pd.DataFrame, source: str) -> None:
    assert list(frame.columns) == OBS_COLUMNS
    assert frame[["unit_id", "year", "value", "qualifier"]].values.tolist() == EXPECTED
    assert set(frame["indicator_id"]) == {"imr"} and set(frame["unit"]) == {"per_mille"}
    assert set(frame["source"]) == {source} and set(frame["note"]) == {IMPORT_NOTE}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_table_round_trip(write_file, tmp_path, encoding):
    path = write_file("imr.csv", _csv_text(TABLE), encoding)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    out = tmp_path / "out" / "imr_long.csv"
    frame = import_wide(path, indicator_id="imr", out=out)
    _check(frame, "imr.csv")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert out.read_text(encoding="utf-8").splitlines()[:3] == [
        ",".join(OBS_COLUMNS),
        f"national,imr,2015,8.1,=,per_mille,imr.csv,{IMPORT_NOTE}",
        f"national,imr,2016,7.5,=,per_mille,imr.csv,{IMPORT_NOTE}",
    ]
    back = load_observations(out)
    pd.testing.assert_frame_equal(back[OBS_COLUMNS], frame)


def test_xlsx_table_round_trip(tmp_path):
    rows = [[c for c in row] for row in TABLE]
    rows[2] = ["Region", 2015, "2016年", 2017]
    rows[3] = ["National", 8.1, 7.5, 6.8]
    path = _xlsx(tmp_path / "yearbook.xlsx", rows)
    frame = import_wide(path, indicator_id="imr", sheet="婴儿死亡率", out=tmp_path / "long.csv")
    _check(frame, "yearbook.xlsx, sheet 婴儿死亡率")
    pd.testing.assert_frame_equal(load_observations(tmp_path / "long.csv")[OBS_COLUMNS], frame)


def test_percent_formatted_cells_and_percent_signs_on_a_percent_indicator(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Province", "2019", "2020"])
    ws.append(["Beijing", "85.2%", 0.9])
    ws["C2"].number_format = "0.0%"
    ws.append(["Shaanxi", "99以上", "＞99%"])
    book.save(tmp_path / "t.xlsx")
    frame = import_wide(tmp_path / "t.xlsx", indicator_id="nip_vaccination", out=tmp_path / "o.csv")
    assert frame[["unit_id", "year", "value", "qualifier", "unit"]].values.tolist() == [
        ["beijing", 2019, 85.2, "=", "percent"], ["beijing", 2020, 90.0, "=", "percent"],
        ["shaanxi", 2019, 99.0, ">", "percent"], ["shaanxi", 2020, 99.0, ">", "percent"]]


def test_a_table_that_does_not_start_in_column_a(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws["C3"], ws["D3"], ws["E3"] = "地区", 2015, 2016
    ws["C5"], ws["D5"], ws["E5"] = "北京", 2.5, "2.4%"
    book.save(tmp_path / "t.xlsx")
    with pytest.raises(DataValidationError, match=r"  - Sheet!E5, column '2016': unit '%' does not match"):
        import_wide(tmp_path / "t.xlsx", indicator_id="imr", out=tmp_path / "o.csv")
    ws["E5"] = 2.4
    book.save(tmp_path / "t.xlsx")
    frame = import_wide(tmp_path / "t.xlsx", indicator_id="imr", out=tmp_path / "o.csv")
    assert frame[["unit_id", "year", "value"]].values.tolist() == [["beijing", 2015, 2.5], ["beijing", 2016, 2.4]]


def test_a_percent_sign_on_a_per_mille_indicator_is_an_error(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["地区", "2015"], ["北京", "0.24%"]], sheet="imr")
    with pytest.raises(DataValidationError, match=r"has 1 problem\(s\)\n  - imr!B2, column '2015': unit '%' does not "
                                                  r"match indicator 'imr', which is measured in 'per_mille' \(‰\)"):
        import_wide(path, indicator_id="imr", sheet="imr", out=tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()


def test_unknown_provinces_are_reported_with_a_suggestion_and_footnotes_skipped(write_file, tmp_path):
    path = write_file("t.csv", _csv_text([["地区", "2015", "2016"], ["Shanxii", "5", "6"], ["北京", "4", "abc"],
                                          ["东部", "4", "5"], ["资料来源：卫生统计年鉴", "", ""]]))
    with pytest.raises(DataValidationError, match=r"has 2 problem\(s\)") as info:
        import_wide(path, indicator_id="imr", out=tmp_path / "o.csv")
    lines = str(info.value).splitlines()
    assert lines[1].startswith("  - line 2, column '地区': 'Shanxii' is not a unit id, name or code in the unit tables "
                               "(data/units*.csv) "
                               "(did you mean 'shanxi'?)")
    assert lines[2].startswith("  - line 3, column '2016': 'abc' is not a number")
    assert "Shaanxi (陕西" in lines[1]  # and the regional subtotal 东部 is skipped, not an error


def test_values_are_checked_against_the_indicator(write_file, tmp_path):
    path = write_file("t.csv", _csv_text([["地区", "2015"], ["北京", "120"]]))
    with pytest.raises(DataValidationError, match=r"line 2, column '2015': 120 is outside the possible range of "
                                                  r"'nip_vaccination'"):
        import_wide(path, indicator_id="nip_vaccination", out=tmp_path / "o.csv")


def test_a_province_given_twice_with_different_values(write_file, tmp_path):
    path = write_file("t.csv", _csv_text([["地区", "2015"], ["北京", "2.4"], ["Beijing", "2.5"]]))
    with pytest.raises(DataValidationError, match=r"line 3, column '2015': beijing / imr / 2015 is given twice"):
        import_wide(path, indicator_id="imr", out=tmp_path / "o.csv")


def test_a_one_year_table_with_the_year_given(write_file, tmp_path):
    path = write_file("t.csv", _csv_text([["各地区幼儿园数"], ["地区", "幼儿园数"], ["北京", "1,899"], ["天津", "2,231"]]))
    frame = import_wide(path, indicator_id="kindergartens", out=tmp_path / "o.csv", year=2020)
    assert frame[["unit_id", "year", "value", "unit"]].values.tolist() == [
        ["beijing", 2020, 1899.0, "count"], ["tianjin", 2020, 2231.0, "count"]]
    written = (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()
    assert written[1].startswith("beijing,kindergartens,2020,1899,")


def test_the_year_picks_one_column(write_file, tmp_path):
    path = write_file("t.csv", _csv_text(TABLE))
    frame = import_wide(path, indicator_id="imr", out=tmp_path / "o.csv", year=2017)
    assert frame[["unit_id", "value", "qualifier"]].values.tolist() == [
        ["national", 6.8, "="], ["beijing", 2.0, ">"], ["inner_mongolia", 3.0, "<"], ["guangxi", 4.0, "="]]
    with pytest.raises(DataValidationError, match=r"no column for 2018[\s\S]*the year columns are 2015, 2016, 2017"):
        import_wide(path, indicator_id="imr", out=tmp_path / "o.csv", year=2018)


def test_a_table_without_year_columns(write_file, tmp_path):
    path = write_file("t.csv", _csv_text([["地区", "value"], ["北京", "2"]]))
    with pytest.raises(DataValidationError, match=r"has no year columns[\s\S]*years such as 2015 or 2015年"):
        import_wide(path, indicator_id="imr", out=tmp_path / "o.csv")


def test_a_missing_sheet_lists_the_sheets(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", TABLE)
    with pytest.raises(DataValidationError, match=r"has no sheet 'imr'[\s\S]*the workbook's sheets are: 封面, 婴儿死亡率"):
        import_wide(path, indicator_id="imr", sheet="imr", out=tmp_path / "o.csv")


def test_an_unknown_indicator(write_file, tmp_path):
    with pytest.raises(UnknownIndicatorError, match=r"did you mean 'imr'\?"):
        import_wide(write_file("t.csv", _csv_text(TABLE)), indicator_id="imrr", out=tmp_path / "o.csv")


def test_the_input_is_never_overwritten(write_file):
    path = write_file("t.csv", _csv_text(TABLE))
    before = path.read_bytes()
    with pytest.raises(DataValidationError, match="the output path is the input file"):
        import_wide(path, indicator_id="imr", out=path)
    assert path.read_bytes() == before


def test_cli_import_wide(write_file, tmp_path, capsys):
    path = write_file("t.csv", _csv_text(TABLE), "gbk")
    assert main(["import-wide", str(path), "--indicator", "imr", "--out", str(tmp_path / "o.csv")]) == 0
    assert len(load_observations(tmp_path / "o.csv")) == len(EXPECTED)
    argv = ["import-wide", str(path), "--indicator", "lbw_rate", "--sheet", "x", "--out", str(tmp_path / "p.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "a sheet name ('x') only applies to .xlsx workbooks" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("text", "parsed"), [
    ("5.4", ("5.4", "", "")), ("5.4‰", ("5.4", "", "‰")), ("85.2%", ("85.2", "", "%")), (" 85.2 ％", ("85.2", "", "％")),
    (">99", ("99", ">", "")), ("＞99", ("99", ">", "")), ("99以上", ("99", ">", "")), ("1以下", ("1", "<", "")),
    ("<0.5‰", ("0.5", "<", "‰")), ("1,234", ("1234", "", "")), ("—", None), ("-", None), ("…", None), ("", None),
    ("n.a.", None), ("5.4a", ("5.4a", "", "")), ("<5以上", ("<5以上", "", "")),
])
def test_parse_cell(text, parsed):
    assert parse_cell(text) == parsed
