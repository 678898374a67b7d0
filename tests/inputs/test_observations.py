"""toolkit.inputs.observations: observation files (CSV in UTF-8/GBK, XLSX) checked against the data contract.

Every user error is a DataValidationError naming the file, the line (header = line 1) or Sheet!cell, the
column, what is wrong and how to fix it; all problems of a file are reported at once.
"""

from __future__ import annotations

import csv
import io
import time

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.cli import main
from toolkit.commands import validate as validate_files
from toolkit.contracts.observations import OBS_COLUMNS
from toolkit.core.errors import MAX_PROBLEMS, DataValidationError, ToolkitError
from toolkit.core.paths import INDICATORS_CSV, OBSERVATIONS_DIR, UNITS_CSV
from toolkit.inputs import catalog, units
from toolkit.inputs import observations as data
from toolkit.inputs.observations import load_observations

OBS_HEADER = ",".join(OBS_COLUMNS)
NATIONAL = OBSERVATIONS_DIR / "national.csv"
PROVINCIAL = OBSERVATIONS_DIR / "provincial.csv"
GOOD = [
    "beijing,imr,2015,2.42,=,per_mille,Beijing digest,",
    "北京市,imr,2016,2.21,,per_mille,Beijing digest,hukou population",
    "Inner Mongolia,nip_vaccination,2018,99,>,percent,NHC,",
]


# ------------------------------------------------------------------------------------------- valid files


def test_a_valid_file_is_typed_and_names_are_mapped(obs_file):
    path = obs_file(*GOOD)
    frame = load_observations(path)
    assert list(frame.columns) == OBS_COLUMNS + ["file"]
    assert frame["unit_id"].tolist() == ["beijing", "beijing", "inner_mongolia"]
    assert frame["year"].tolist() == [2015, 2016, 2018] and frame["year"].dtype == "int64"
    assert frame["value"].tolist() == [2.42, 2.21, 99.0] and frame["value"].dtype == "float64"
    assert frame["qualifier"].tolist() == ["=", "=", ">"]
    assert frame["note"].tolist() == ["", "hukou population", ""]
    assert set(frame["file"]) == {str(path)}


def test_optional_columns_may_be_left_out_and_an_empty_unit_is_filled(obs_file):
    path = obs_file("national,imr,2010,13.1,,NBS", header="unit_id,indicator_id,year,value,unit,source")
    frame = load_observations(path)
    row = frame.iloc[0]
    assert (row["qualifier"], row["unit"], row["note"], row["value"]) == ("=", "per_mille", "", 13.1)


def test_unit_spellings_are_accepted(obs_file):
    frame = load_observations(obs_file("national,imr,2010,13.1,=,‰,NBS,", "national,lbw_rate,2010,2.34,=,%,NBS,"))
    assert frame["unit"].tolist() == ["per_mille", "percent"]


def test_the_shipped_observations_load(tmp_path):
    frame = load_observations([NATIONAL, PROVINCIAL])
    assert len(frame) == 216 + 155
    assert set(frame.loc[frame["file"] == str(NATIONAL), "unit_id"]) == {"national"}
    imr = frame[(frame["unit_id"] == "national") & (frame["indicator_id"] == "imr") & (frame["year"] == 2020)]
    assert imr["value"].tolist() == [5.4]
    assert sorted(frame["qualifier"].unique()) == ["<", "=", ">"]


def test_loading_does_not_modify_the_input(obs_file):
    path = obs_file(*GOOD)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_observations(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_utf8_with_bom_gbk_and_gb18030_are_read(obs_file):
    rows = ["北京,imr,2015,2.42,=,‰,北京市卫生健康统计,户籍人口"]
    for encoding, name in (("utf-8-sig", "bom.csv"), ("gbk", "gbk.csv"), ("gb18030", "gb18030.csv")):
        frame = load_observations(obs_file(*rows, name=name, encoding=encoding))
        assert frame[["unit_id", "value", "unit", "source", "note"]].values.tolist() == [
            ["beijing", 2.42, "per_mille", "北京市卫生健康统计", "户籍人口"]], encoding


def _workbook(path, rows, sheet="obs"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.create_sheet("other")
    book.save(path)
    return path


def test_xlsx_files_are_read_with_numbers_as_numbers(tmp_path):
    path = _workbook(tmp_path / "obs.xlsx", [OBS_HEADER.split(","),
                                             ["北京", "imr", 2015, 2.42, "=", "per_mille", "S", None],
                                             ["national", "imr", 2016.0, 7.5, None, None, "S", "n"]])
    frame = load_observations(path)
    assert frame[["unit_id", "year", "value", "qualifier", "unit"]].values.tolist() == [
        ["beijing", 2015, 2.42, "=", "per_mille"], ["national", 2016, 7.5, "=", "per_mille"]]
    assert load_observations(path, sheet="obs")["value"].tolist() == [2.42, 7.5]


def test_xlsx_problems_are_located_by_cell(tmp_path):
    path = _workbook(tmp_path / "obs.xlsx", [OBS_HEADER.split(","),
                                             ["beijing", "imr", 2015, "abc", "=", "per_mille", "S"]])
    with pytest.raises(DataValidationError, match=r"obs\.xlsx: has 1 problem\(s\)\n  - obs!D2, column 'value': "
                                                  r"'abc' is not a number"):
        load_observations(path)


def test_xlsx_sheet_not_found_lists_the_sheets(tmp_path):
    path = _workbook(tmp_path / "obs.xlsx", [OBS_HEADER.split(",")])
    with pytest.raises(DataValidationError, match=r"has no sheet 'Obs'[\s\S]*the workbook's sheets are: obs, other "
                                                  r"\(did you mean 'obs'\?\)"):
        load_observations(path, sheet="Obs")


# ---------------------------------------------------------------------------------------------- problems


def test_a_missing_file(tmp_path):
    with pytest.raises(DataValidationError, match=r"nope\.csv: file not found"):
        load_observations(tmp_path / "nope.csv")


@pytest.mark.parametrize("content", ["", "\n\n", "  \n"])
def test_an_empty_file(write_file, content):
    with pytest.raises(DataValidationError, match=r"empty\.csv: has 1 problem\(s\)\n  - the file is empty\. "
                                                  r"Fix: the first line must be the header: unit_id,indicator_id"):
        load_observations(write_file("empty.csv", content))


def test_a_header_without_rows(obs_file):
    with pytest.raises(DataValidationError, match="line 1: the file has a header but no data rows"):
        load_observations(obs_file())


def test_a_missing_column(obs_file):
    with pytest.raises(DataValidationError, match="line 1: required column 'source' is missing"):
        load_observations(obs_file("beijing,imr,2015,2.4,=,per_mille", header=OBS_HEADER.replace(",source,note", "")))


def test_a_misspelled_column_names_the_right_one(obs_file):
    with pytest.raises(DataValidationError, match=r"line 1, column 'vaule': column 'vaule' is not a known column "
                                                  r"\(did you mean 'value'\?\)\. Fix: rename the column to 'value'"):
        load_observations(obs_file(GOOD[0], header=OBS_HEADER.replace("value", "vaule")))


def test_a_misspelled_optional_column_is_not_ignored(obs_file):
    with pytest.raises(DataValidationError, match=r"'qualifer' is not a known column \(did you mean 'qualifier'"):
        load_observations(obs_file(GOOD[0], header=OBS_HEADER.replace("qualifier", "qualifer")))


def test_an_unknown_column(obs_file):
    with pytest.raises(DataValidationError, match=r"line 1, column 'comment': unknown column 'comment'"):
        load_observations(obs_file(GOOD[0] + ",x", header=OBS_HEADER + ",comment"))


def test_a_wide_table_given_as_observations_points_to_import_wide(write_file):
    with pytest.raises(DataValidationError, match=r"has 1 problem\(s\)\n  - line 1: the header has year columns "
                                                  r"\(2015\): this is a wide yearbook table(.|\n)*import-wide"):
        load_observations(write_file("wide.csv", "地区,2015\n北京,2.4\n"))


def test_values_in_a_column_without_header(obs_file):
    with pytest.raises(DataValidationError, match=r"line 1: a column without a header has values"):
        load_observations(obs_file(GOOD[0] + ",oops", header=OBS_HEADER + ","))


def test_a_non_numeric_value(obs_file):
    with pytest.raises(DataValidationError, match=r"obs\.csv: has 1 problem\(s\)\n  - line 3, column 'value': "
                                                  r"'5,4' is not a number\. Fix: write a plain number"):
        load_observations(obs_file(GOOD[0], 'beijing,imr,2016,"5,4",=,per_mille,S,'))


@pytest.mark.parametrize(("row", "message"), [
    ("national,nip_vaccination,2015,120,=,percent,S,",
     r"line 2, column 'value': 120 is outside the possible range of 'nip_vaccination'\. "
     r"Fix: 'nip_vaccination' must be between 0 and 100 percent"),
    ("national,imr,2015,-1.5,=,per_mille,S,",
     r"line 2, column 'value': -1\.5 is outside the possible range of 'imr'\. Fix: 'imr' must be between 0 and 1000"),
    ("national,imr,2015,inf,=,per_mille,S,",
     r"line 2, column 'value': 'inf' is not allowed\. Fix: write a finite number"),
    ("national,imr,2015,,=,per_mille,S,",
     r"line 2, column 'value': is empty\. Fix: give the value, or leave the row out"),
])
def test_values_outside_the_indicators_bounds(obs_file, row, message):
    with pytest.raises(DataValidationError, match=message):
        load_observations(obs_file(row))


def test_a_gross_enrolment_rate_may_exceed_100(obs_file):
    assert load_observations(obs_file("national,junior_ger,2015,104.0,=,percent,S,"))["value"].tolist() == [104.0]


def test_an_unknown_unit_suggests_shanxi_and_names_shaanxi(obs_file):
    with pytest.raises(DataValidationError, match=r"line 2, column 'unit_id': 'shanxii' is not a unit id, name or code "
                                                  r"in the unit tables \(data/units\*\.csv\) \(did you mean 'shanxi'\?\)") as info:
        load_observations(obs_file("shanxii,imr,2015,5,=,per_mille,S,"))
    assert "Shaanxi (陕西" in str(info.value)


def test_an_unknown_indicator_suggests_the_closest(obs_file):
    with pytest.raises(DataValidationError, match=r"line 2, column 'indicator_id': 'u5mrr' is not in "
                                                  r"data/indicators.csv \(did you mean 'u5mr'\?\)"):
        load_observations(obs_file("national,u5mrr,2015,5,=,per_mille,S,"))


@pytest.mark.parametrize(("year", "message"), [
    ("1900", r"'1900' is not allowed\. Fix: a year must be between 1949 and 2100"),
    ("2101", r"'2101' is not allowed\. Fix: a year must be between 1949 and 2100"),
    ("2015.5", r"'2015\.5' is not a whole number\. Fix: write a whole number such as 2015"),
])
def test_a_bad_year(obs_file, year, message):
    with pytest.raises(DataValidationError, match=r"line 2, column 'year': " + message):
        load_observations(obs_file(f"national,imr,{year},5,=,per_mille,S,"))


def test_conflicting_duplicates_in_one_file(obs_file):
    with pytest.raises(DataValidationError, match=r"line 4, column 'value': beijing / imr / 2015 is given twice with "
                                                  r"different values: =2\.42 at line 2 and =2\.5 here"):
        load_observations(obs_file(GOOD[0], GOOD[1], "Beijing,imr,2015,2.5,=,per_mille,other,"))


def test_a_bound_and_a_point_value_for_the_same_year_conflict(obs_file):
    with pytest.raises(DataValidationError, match=r"=2\.42 at line 2 and >2\.42 here"):
        load_observations(obs_file(GOOD[0], "beijing,imr,2015,2.42,>,per_mille,S,"))


def test_exact_duplicates_are_dropped_silently(obs_file):
    frame = load_observations(obs_file(GOOD[0], "北京,imr,2015,2.420,,‰,another source,", GOOD[1]))
    assert frame[["unit_id", "year", "value", "source"]].values.tolist() == [
        ["beijing", 2015, 2.42, "Beijing digest"], ["beijing", 2016, 2.21, "Beijing digest"]]


def test_conflicting_duplicates_across_files(obs_file):
    first = obs_file(GOOD[0], name="a.csv")
    second = obs_file("beijing,imr,2015,2.5,=,per_mille,S,", name="b.csv")
    with pytest.raises(DataValidationError, match=r"b\.csv: has 1 problem\(s\)\n  - line 2, column 'value': beijing / "
                                                  r"imr / 2015 is given twice with different values: =2\.42 at "
                                                  r"\S*a\.csv line 2 and =2\.5 here"):
        load_observations([first, second])


def test_exact_duplicates_across_files_are_dropped(obs_file):
    first = obs_file(*GOOD, name="a.csv")
    frame = load_observations([first, obs_file(GOOD[0], name="b.csv")])
    assert frame["file"].tolist() == [str(first)] * 3


def test_a_unit_that_contradicts_the_indicator(obs_file):
    with pytest.raises(DataValidationError, match=r"line 2, column 'unit': unit 'percent' does not match indicator "
                                                  r"'imr', which is measured in 'per_mille' \(‰\)\. Fix: convert the "
                                                  r"value to per_mille \(‰\)"):
        load_observations(obs_file("national,imr,2015,0.8,=,percent,S,"))


@pytest.mark.parametrize("qualifier", [">=", "~", "approx"])
def test_an_invalid_qualifier(obs_file, qualifier):
    with pytest.raises(DataValidationError, match=rf"line 2, column 'qualifier': '{qualifier}' is not allowed\. "
                                                  r"Fix: use '=' \(or leave it empty\) for a point value, '>' or '<'"):
        load_observations(obs_file(f"national,imr,2015,5,{qualifier},per_mille,S,"))


@pytest.mark.parametrize("unit_id", ["../beijing", "data/beijing", "..\\x"])
def test_a_unit_id_that_looks_like_a_path(obs_file, unit_id):
    with pytest.raises(DataValidationError, match=r"line 2, column 'unit_id': '.*' contains a path separator or "
                                                  r"'\.\.'"):
        load_observations(obs_file(f'"{unit_id}",imr,2015,5,=,per_mille,S,'))


def test_an_empty_source(obs_file):
    with pytest.raises(DataValidationError, match=r"has 1 problem\(s\)\n  - line 2, column 'source': is empty\. "
                                                  r"Fix: name the publication or web page the value was read from$"):
        load_observations(obs_file("national,imr,2015,5,=,per_mille,,", GOOD[0]))


def test_undecodable_bytes(write_file):
    raw = (OBS_HEADER + "\nnational,imr,2015,5,=,per_mille,S,\xff\n").encode("latin-1")
    with pytest.raises(DataValidationError, match=r"bad\.csv: cannot be decoded\n  - line 2: the byte at offset 93 "
                                                  r"is neither valid UTF-8 nor GBK/GB18030"):
        load_observations(write_file("bad.csv", raw))


def test_a_corrupted_utf8_file_is_not_misread_as_gbk(write_file):
    raw = (OBS_HEADER + "\n北京,imr,2015,2.4,=,‰,北京市卫生健康委员会统计,户籍\n").encode("utf-8")
    raw = raw.replace("户籍".encode(), "户籍".encode()[:-1] + b"\x80\x80")
    with pytest.raises(DataValidationError, match=r"cannot be decoded\n  - line 2: "):
        load_observations(write_file("broken.csv", raw))


def test_a_binary_file(write_file):
    with pytest.raises(DataValidationError, match="is not a text file"):
        load_observations(write_file("x.csv", b"\x00\x01\x02binary"))


def test_an_old_xls_workbook(write_file):
    with pytest.raises(DataValidationError, match=r"old-style \.xls workbook"):
        load_observations(write_file("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100))


def test_a_damaged_xlsx(write_file):
    with pytest.raises(DataValidationError, match="cannot be read as an XLSX workbook"):
        load_observations(write_file("x.xlsx", b"PK\x03\x04 not really a zip"))


def test_unbalanced_quotes(obs_file):
    with pytest.raises(DataValidationError, match=r"is not a well-formed CSV file\n  - line 3: a double quote opened "
                                                  r"here is never closed"):
        load_observations(obs_file(GOOD[0], 'national,imr,2016,5,=,per_mille,"S,',
                                   "national,imr,2017,5,=,per_mille,S,"))


def test_a_stray_quote(obs_file):
    with pytest.raises(DataValidationError, match=r"line 2: malformed CSV"):
        load_observations(obs_file('national,imr,2016,5,=,per_mille,"S"x,'))


def test_a_wrong_delimiter(obs_file):
    with pytest.raises(DataValidationError, match=r"has 1 problem\(s\)\n  - line 1: the header is one column "
                                                  r"'unit_id;indicator_id;.*': the file seems to use ';' as its "
                                                  r"separator\. Fix: save the file with commas as separators"):
        load_observations(obs_file(GOOD[0].replace(",", ";"), header=OBS_HEADER.replace(",", ";")))


def test_a_row_with_extra_fields(obs_file):
    with pytest.raises(DataValidationError, match=r"line 2: this row has 9 fields but the header has 8\. Fix: quote"):
        load_observations(obs_file("national,imr,2015,5,=,per_mille,NBS, 2016,note"))


def test_every_problem_of_a_file_is_reported_at_once(obs_file):
    with pytest.raises(DataValidationError, match=r"has 4 problem\(s\)") as info:
        load_observations(obs_file(GOOD[0], "national,imr,1800,5,=,per_mille,S,", "shaanxy,imr,2015,5,=,per_mille,S,",
                                   "national,lbw_rate,2015,5,≈,percent,S,", "national,imr,2016,x,=,per_mille,S,"))
    lines = str(info.value).splitlines()[1:]
    assert [line.split(",")[0] for line in lines] == ["  - line 3", "  - line 4", "  - line 5", "  - line 6"]


def test_problems_are_capped(obs_file):
    with pytest.raises(DataValidationError, match=rf"has 60 problem\(s\)[\s\S]*and {60 - MAX_PROBLEMS} more problem"):
        load_observations(obs_file(*[f"national,imr,{2000 + i},x,=,per_mille,S," for i in range(60)]))


def test_every_bad_file_is_reported(obs_file, write_file, tmp_path):
    good = obs_file(*GOOD, name="good.csv")
    bad = obs_file("national,imr,2015,x,=,per_mille,S,", name="bad.csv")
    with pytest.raises(DataValidationError, match=r"^2 files have problems\n  - \S*bad\.csv line 2, column 'value': "
                                                  r"'x' is not a number.*\n  - \S*missing\.csv: no such file"):
        load_observations([good, bad, tmp_path / "missing.csv"])


# ------------------------------------------------------------------------------------------ validate / CLI


def test_validate_files_prints_a_summary_per_file(capsys):
    assert validate_files([str(NATIONAL), str(PROVINCIAL)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{NATIONAL}: OK, 216 rows, 1 unit, 52 indicators, years 2000-2020",
                   f"{PROVINCIAL}: OK, 155 rows, 28 units, 10 indicators, years 2001-2024"]


def test_validate_mentions_dropped_exact_duplicates(obs_file, capsys):
    path = obs_file(GOOD[0], GOOD[0])
    assert validate_files([str(path)]) == 0
    assert capsys.readouterr().out == (f"{path}: OK, 1 row, 1 unit, 1 indicator, years 2015-2015 "
                                       "(1 exact duplicate row dropped)\n")


def test_cli_validate_reports_bad_files_without_traceback(obs_file, tmp_path, capsys):
    good = obs_file(*GOOD, name="good.csv")
    bad = obs_file("national,imr,2015,x,=,per_mille,S,", name="bad.csv")
    assert main(["validate", str(good), str(bad), str(tmp_path / "missing.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == f"{good}: OK, 3 rows, 2 units, 2 indicators, years 2015-2018\n"
    assert captured.err.startswith("error: 2 files have problems\n")
    assert "Traceback" not in captured.err and "bad.csv line 2, column 'value'" in captured.err


def _cold_load() -> float:
    for cached in (units._units, units._default_index, catalog._indicators, data._cached_file):
        cached.cache_clear()
    start = time.perf_counter()
    units.load_units(UNITS_CSV)
    catalog.load_indicators(INDICATORS_CSV)
    load_observations(NATIONAL)
    return time.perf_counter() - start


def test_loading_the_default_tables_is_fast():
    assert min(_cold_load() for _ in range(3)) < 0.2  # best of three: the machine may be busy


# ----------------------------------------------------------------------------------------- property test

VALID = "\n".join([OBS_HEADER, *GOOD, "national,u5mr,2010,16.4,=,per_mille,NBS,final report",
                   "广西,preschool_ger_3yr,2020,89.5,=,percent,MoE,"]) + "\n"

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_mutation = st.one_of(
    st.tuples(st.just("drop_column"), st.integers(0, 7)),
    st.tuples(st.just("rename_column"), st.integers(0, 7), _text),
    st.tuples(st.just("replace_cell"), st.integers(0, 5), st.integers(0, 7), _text),
    st.tuples(st.just("duplicate_row"), st.integers(0, 5)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("insert_bytes"), st.floats(0, 1), st.binary(min_size=1, max_size=6)),
)


def _mutate(mutations) -> bytes:
    rows = list(csv.reader(io.StringIO(VALID)))
    raw_ops = []
    for op, *args in mutations:
        if op == "drop_column":
            rows = [r[: args[0]] + r[args[0] + 1:] for r in rows]
        elif op == "rename_column":
            rows[0][args[0] % len(rows[0])] = args[1]
        elif op == "replace_cell":
            row = rows[args[0] % len(rows)]
            row[args[1] % len(row)] = args[2]
        elif op == "duplicate_row":
            rows.append(list(rows[args[0] % len(rows)]))
        else:
            raw_ops.append((op, *args))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    raw = buffer.getvalue().encode("utf-8")
    for op, position, *rest in raw_ops:
        cut = int(position * len(raw))
        raw = raw[:cut] if op == "truncate" else raw[:cut] + rest[0] + raw[cut:]
    return raw


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(_mutation, min_size=1, max_size=4))
def test_corrupted_files_only_ever_raise_toolkit_errors(write_file, mutations):
    path = write_file("fuzz.csv", _mutate(mutations))
    try:
        frame = load_observations(path)
    except ToolkitError:
        return
    assert list(frame.columns) == OBS_COLUMNS + ["file"]
    assert frame["year"].between(1949, 2100).all() and frame["value"].notna().all()


def test_an_implausibly_large_value_is_refused_even_without_bounds(obs_file):
    """Issue 13, item 19: 1e308 validated, then broke the unit's chart (counts have no upper bound)."""
    path = obs_file("national,adoption_registrations,2015,1e308,=,cases,MoCA,",
                    "national,adoption_registrations,2016,22000,=,cases,MoCA,")
    with pytest.raises(DataValidationError, match=r"line 2, column 'value': '1e308' is not allowed\. Fix: a value "
                                                  r"must be between -1e\+12 and 1e\+12"):
        load_observations([path])
