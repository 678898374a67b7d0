"""toolkit.inputs.params: the shipped params files load, and every user mistake is a ParamsError that says where."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from toolkit.core.errors import ParamsError
from toolkit.core.paths import DEMO_DIR, PARAMS_DIR, PROJECT_ROOT, UNITS_CSV
from toolkit.demo.params_files import unit_params_text
from toolkit.inputs import params as P

UNIT_IDS = list(pd.read_csv(UNITS_CSV, dtype=str)["unit_id"])


def write(tmp_path: Path, text: str, name: str = "beijing.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def unit_file(tmp_path: Path, extra: str = "", unit_id: str = "beijing", name: str = "beijing.yaml") -> Path:
    return write(tmp_path, f"unit_id: {unit_id}\n{extra}", name)


# --------------------------------------------------------------------------- shipped files


def test_every_unit_has_a_params_file_and_nothing_else_is_there():
    assert sorted(P.available_units()) == sorted(UNIT_IDS)


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_shipped_params_load(unit_id):
    params = P.load_unit_params(unit_id)
    assert params.unit_id == unit_id
    assert params.params_file == (PARAMS_DIR / f"{unit_id}.yaml").resolve()
    assert all(p.is_absolute() and p.is_file() for p in params.data_paths + params.comparison_paths)
    national = ("data/observations/national.csv", "data/observations/national_2021_2025.csv")
    assert params.data == (national if unit_id == "national" else ("data/demo/provinces.csv",))


def test_unit_files_override_only_what_differs():
    for unit_id in UNIT_IDS:
        keys = set(yaml.safe_load((PARAMS_DIR / f"{unit_id}.yaml").read_text(encoding="utf-8")))
        assert keys <= {"unit_id", "data", "notes"}, unit_id


def test_province_files_say_why_they_use_synthetic_data():
    text = (PARAMS_DIR / "beijing.yaml").read_text(encoding="utf-8")
    assert "too sparse" in text and "synthetic" in text.lower()


def test_defaults_hold_every_setting_each_with_a_comment():
    lines = (PARAMS_DIR / "defaults.yaml").read_text(encoding="utf-8").splitlines()
    defaults = P.load_defaults()
    assert set(defaults) == set(P.SETTING_KEYS)
    for key in P.SETTING_KEYS:
        i = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
        assert lines[i - 1].startswith("#") or "#" in lines[i], f"{key} has no comment"


def test_defaults_values():
    d = P.load_defaults()
    assert d["as_of"] == "latest" and d["cycle"] == "2021-2030" and d["target_set"] is None
    assert d["local_targets"] == {} and d["min_points"] == 4
    assert d["categories"] == {"on_track": 0.9, "likely": 0.6, "at_risk": 0.25}
    assert d["interval_levels"] == (0.8, 0.95)
    assert d["models"] == ("linear", "recent", "drift", "damped")


def test_defaults_are_read_once_but_a_changed_file_is_read_again(tmp_path):
    """The cache (a county plan reads the defaults 2,846 times) hands out copies and sees an edited file."""
    path = tmp_path / "defaults.yaml"
    text = (PARAMS_DIR / "defaults.yaml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = P.load_defaults(path)
    first["categories"]["on_track"] = 0.5  # a caller's change must not reach the next caller
    assert P.load_defaults(path)["categories"]["on_track"] == 0.9
    edited = text.replace("min_points: 4", "min_points: 5") + "# edited: a new size, whatever the clock's resolution\n"
    path.write_text(edited, encoding="utf-8")
    assert P.load_defaults(path)["min_points"] == 5


def test_id_and_path_give_the_same_params():
    by_id = P.load_unit_params("beijing")
    assert P.load_unit_params(PARAMS_DIR / "beijing.yaml") == by_id
    assert P.load_unit_params("params/beijing.yaml") == by_id


def test_helper_properties_resolve_against_the_project_root():
    params = P.load_unit_params("beijing")
    assert params.data_paths == (DEMO_DIR / "provinces.csv",)
    assert params.comparison_paths == (PROJECT_ROOT / "data/observations/national.csv",
                                       PROJECT_ROOT / "data/observations/national_2021_2025.csv")
    assert params.target_paths() == [PROJECT_ROOT / "data/targets/outline-2021-2030.csv"]
    assert params.target_paths("2011-2020") == [PROJECT_ROOT / "data/targets/outline-2011-2020.csv"]
    assert params.comparison_unit == "national"


def test_as_dict_is_json_friendly():
    out = P.load_unit_params("tibet").as_dict()
    assert json.loads(json.dumps(out))["params_file"] == "params/tibet.yaml"
    assert out["models"] == ["linear", "recent", "drift", "damped"]


def test_mappings_merge_key_by_key_and_lists_replace(tmp_path):
    path = unit_file(tmp_path, "categories: {on_track: 0.95}\nmodels: [linear, drift]\n"
                               "transform_overrides: {preschool_ger_3yr: logit, imr: identity}\nas_of: 2015\n")
    params = P.load_unit_params(path)
    assert params.categories == {"on_track": 0.95, "likely": 0.6, "at_risk": 0.25}
    assert params.models == ("linear", "drift")
    defaults = P.load_defaults()["transform_overrides"]
    assert params.transform_overrides == {**defaults, "preschool_ger_3yr": "logit", "imr": "identity"}
    assert params.as_of == 2015


def test_a_single_data_file_may_be_written_without_brackets(tmp_path):
    params = P.load_unit_params(unit_file(tmp_path, "data: data/observations/provincial.csv\n"))
    assert params.data == ("data/observations/provincial.csv",)


def test_a_scenario_file_outside_params_may_have_any_name(tmp_path):
    path = unit_file(tmp_path, "as_of: 2015\n", name="beijing_midterm.yaml")
    assert P.load_unit_params(path).unit_id == "beijing"


# --------------------------------------------------------------------------- user errors


def test_unknown_key_names_file_key_allowed_keys_and_a_suggestion(tmp_path):
    path = unit_file(tmp_path, "min_point: 3\n")
    with pytest.raises(ParamsError, match=r"beijing\.yaml.*\n.*line 2: unknown key 'min_point'.*"
                                          r"did you mean 'min_points'\?.*Allowed keys: unit_id, cycle, language, target_set"):
        P.load_unit_params(path)


@pytest.mark.parametrize(("extra", "match"), [
    ('as_of: "2020x"', r"key 'as_of': value '2020x' is not an integer year"),
    ("as_of: 2020.5", r"key 'as_of': value 2020.5 is not an integer year"),
    ("as_of: 1800", r"key 'as_of': value 1800 is not an integer year between 1949 and 2100"),
    ("min_points: true", r"key 'min_points': value True is not an integer"),
    ("categories: 5", r"key 'categories': value 5 is not a mapping \{on_track: p"),
    ("categories: {on_track: 0.5, likely: 0.6, at_risk: 0.25}", r"key 'categories'.*on_track > likely > at_risk"),
    ("categories: {on_track: 0.9, likely: 0.6, at_risk: 0.25, great: 0.99}", r"exactly the keys on_track"),
    ("eurostat_thresholds: [0.5, 0.6, 0.0]", r"key 'eurostat_thresholds'.*strictly decreasing"),
    ("eurostat_thresholds: [0.9, 0.5]", r"key 'eurostat_thresholds'.*a list of 3 numbers"),
    ("models: [linear, theta]", r"key 'models': value \['linear', 'theta'\].*drawn from linear, recent"),
    ("models: [linear, linear]", r"key 'models'.*without repeats"),
    ("models: []", r"key 'models'.*a non-empty list"),
    ("interval_levels: [0.8, 1.5]", r"key 'interval_levels': value \[0.8, 1.5\].*strictly between 0 and 1"),
    ("interval_levels: [0.95, 0.8]", r"key 'interval_levels'.*increasing order"),
    ("interval_levels: 0.8", r"key 'interval_levels'.*non-empty list"),
    ("model_selection: bset", r"key 'model_selection'.*did you mean 'best'"),
    ("model_selection: damped\nmodels: [linear, drift]", r"model 'damped' is not among models"),
    ("transform_overrides: {imrr: log}", r"key 'transform_overrides'.*'imrr' is not an indicator.*did you mean 'imr'"),
    ("transform_overrides: {imr: sqrt}", r"key 'transform_overrides'.*'imr: sqrt' is not one"),
    ("target_set: outline-2011-2021", r"key 'target_set'.*did you mean 'outline-2011-2020'"),
    ("comparison_unit: shanxii", r"key 'comparison_unit'.*did you mean 'shanxi'"),
    ("as_of: 2020\nattain_horizon: 2010", r"key 'attain_horizon': 2010 is not after as_of 2020"),
    ("attain_horizon: 2025", r"key 'attain_horizon': 2025 is not after as_of 2030"),  # latest: up to 2030
    ("as_of: soon", r"key 'as_of': value 'soon' is not an integer year or 'latest'"),
    ("cycle: 2021-2035", r"key 'cycle': value '2021-2035' is not one of 2021-2030, 2011-2020"),
    ("target_set: 7", r"key 'target_set': value 7 is not a target set name"),
    ("min_backtest_points: 3", r"key 'min_backtest_points': 3 is below min_points 4"),
    ("saturating_cap: -1", r"key 'saturating_cap': value -1 is not a number above 0\.1"),
    # issue 13, item 16: these passed the check, then crashed every unit with a traceback
    ("saturating_cap: 0.1", r"key 'saturating_cap': value 0\.1 is not a number above 0\.1 \(the saturating scale"),
    ("min_points: 3", r"key 'min_points': value 3 is not an integer >= 4\. Fix: a trend needs 4 points"),
    ("recent_window: 2", r"key 'recent_window': value 2 is not an integer >= 4"),
    ("notes: 12", r"key 'notes': value 12 is not a text"),
])
def test_wrong_values_name_file_key_value_and_expected_type(tmp_path, extra, match):
    path = unit_file(tmp_path, extra + "\n")
    with pytest.raises(ParamsError, match=match) as info:
        P.load_unit_params(path)
    assert str(path.name) in str(info.value)


def test_all_problems_of_a_file_are_reported_in_line_order(tmp_path):
    path = unit_file(tmp_path, "min_point: 3\nas_of: x\nmodels: 4\n")
    with pytest.raises(ParamsError, match=r"3 problems") as info:
        P.load_unit_params(path)
    lines = [int(n) for n in re.findall(r"line (\d+):", str(info.value))]
    assert lines == [2, 3, 4]


def test_missing_data_file_is_named_relative_to_the_project_root(tmp_path):
    path = unit_file(tmp_path, "data: [data/observations/nope.csv]\n")
    with pytest.raises(ParamsError, match=r"beijing\.yaml(.|\n)*key 'data': file not found: "
                                          r"data/observations/nope\.csv"):
        P.load_unit_params(path)


def test_missing_demo_file_says_how_to_regenerate(tmp_path):
    path = unit_file(tmp_path, "data: [data/demo/gone.csv]\n")
    with pytest.raises(ParamsError, match=r"make demo-data"):
        P.load_unit_params(path)


@pytest.mark.parametrize("bad_id", ["../beijing", "beijing/..", "a\\\\b"])
def test_unit_id_that_looks_like_a_path(tmp_path, bad_id):
    path = write(tmp_path, f'unit_id: "{bad_id}"\n')
    with pytest.raises(ParamsError, match=r"key 'unit_id'.*looks like a path"):
        P.load_unit_params(path)


def test_unknown_unit_id_suggests_a_known_one(tmp_path):
    path = write(tmp_path, "unit_id: beijng\n")
    with pytest.raises(ParamsError, match=r"key 'unit_id': value 'beijng' is not a unit id.*did you mean 'beijing'"):
        P.load_unit_params(path)


def test_unit_id_is_required(tmp_path):
    with pytest.raises(ParamsError, match=r"missing key 'unit_id'"):
        P.load_unit_params(write(tmp_path, "as_of: 2019\n"))


def test_unit_id_must_match_the_file_name_in_params_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "PARAMS_DIR", tmp_path)
    unit_file(tmp_path, unit_id="tianjin", name="beijing.yaml")
    with pytest.raises(ParamsError, match=r"'tianjin' does not match the file name 'beijing\.yaml'"):
        P.load_unit_params("beijing")


@pytest.mark.parametrize("arg", ["..", "Beijing", "beijing;rm"])
def test_argument_that_is_not_a_unit_id(arg):
    with pytest.raises(ParamsError, match=r"is not a unit id: it looks like a path"):
        P.load_unit_params(arg)


def test_unknown_unit_argument_suggests_a_file():
    with pytest.raises(ParamsError, match=r"no params file for unit 'beijng'(.|\n)*did you mean 'beijing'"):
        P.load_unit_params("beijng")


def test_missing_params_path():
    with pytest.raises(ParamsError, match=r"params file not found: no/such/file\.yaml"):
        P.load_unit_params("no/such/file.yaml")


def test_malformed_yaml_gives_the_line(tmp_path):
    path = write(tmp_path, "unit_id: beijing\nas_of: 2020\nmodels: [linear\nnotes: x\n")
    with pytest.raises(ParamsError, match=r"malformed YAML at line 4(.|\n)*started at line 3"):
        P.load_unit_params(path)


def test_bad_indentation_gives_the_line(tmp_path):
    path = write(tmp_path, "unit_id: beijing\ncategories:\n  on_track: 0.9\n likely: 0.6\n")
    with pytest.raises(ParamsError, match=r"malformed YAML at line 4"):
        P.load_unit_params(path)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    with pytest.raises(ParamsError, match=r"params file is empty"):
        P.load_unit_params(write(tmp_path, text))


def test_top_level_must_be_a_mapping(tmp_path):
    with pytest.raises(ParamsError, match=r"must be a mapping(.|\n)*found a list"):
        P.load_unit_params(write(tmp_path, "- unit_id: beijing\n"))


def test_duplicate_key_is_an_error(tmp_path):
    path = unit_file(tmp_path, "as_of: 2015\nas_of: 2019\n")
    with pytest.raises(ParamsError, match=r"line 3: key 'as_of' appears twice \(first at line 2\)"):
        P.load_unit_params(path)


def test_defaults_must_hold_every_key_and_no_unit_id(tmp_path):
    text = (PARAMS_DIR / "defaults.yaml").read_text(encoding="utf-8")
    broken = text.replace("min_points: 4", "unit_id: beijing")
    path = write(tmp_path, broken, "defaults.yaml")
    with pytest.raises(ParamsError, match=r"unknown key 'unit_id'(.|\n)*missing key 'min_points'"):
        P.load_defaults(path)


def test_a_bad_default_is_reported_against_the_defaults_file(tmp_path):
    text = (PARAMS_DIR / "defaults.yaml").read_text(encoding="utf-8").replace("as_of: latest", "as_of: soon")
    defaults = write(tmp_path, text, "defaults.yaml")
    with pytest.raises(ParamsError, match=r"defaults\.yaml(.|\n)*key 'as_of': value 'soon'"):
        P.load_unit_params("beijing", defaults_path=defaults)


def test_unit_params_text_round_trips(tmp_path):
    text = unit_params_text("shaanxi", data=["data/demo/provinces.csv"], notes="x: y")
    path = write(tmp_path, text, "shaanxi.yaml")
    params = P.load_unit_params(path)
    assert (params.unit_id, params.data, params.notes) == ("shaanxi", ("data/demo/provinces.csv",), "x: y")


def test_yaml_aliases_and_deep_nesting_are_refused_before_anything_is_built(tmp_path):
    """Issue 13, item 12: a 513-byte alias bomb took a 1 GB message and 3-4 GB of RAM; deep nesting a RecursionError."""
    bomb = tmp_path / "bomb.yaml"
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] + [
        f"{x}: &{x} [{', '.join([f'*{p}'] * 9)}]" for p, x in zip("abcdefg", "bcdefgh")]
    bomb.write_text("unit_id: beijing\n" + "\n".join(rows) + "\nnotes: [*h, *h, *h]\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"uses a YAML alias\n  - line 3: alias '\*a'") as info:
        P.load_unit_params(bomb)
    assert len(str(info.value)) < 300
    deep = tmp_path / "deep.yaml"
    deep.write_text("unit_id: beijing\nnotes: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"nested too deeply\n  - line 2: more than 5 levels"):
        P.load_unit_params(deep)


def test_a_huge_wrong_value_gives_a_short_message(tmp_path):
    path = tmp_path / "beijing.yaml"
    path.write_text("unit_id: beijing\nas_of: [" + ", ".join(["2020"] * 50_000) + "]\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"key 'as_of': value \[2020, 2020.* \.\.\.\) is not an integer") as info:
        P.load_unit_params(path)
    assert len(str(info.value)) < 400
