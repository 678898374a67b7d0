"""A unit's own plan layered over the national Outline set, and every way a local target file can be wrong."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from toolkit.contracts.cycles import CYCLES
from toolkit.core.errors import DataValidationError, ParamsError, TargetError
from toolkit.core.paths import PROJECT_ROOT
from toolkit.inputs.params import load_unit_params
from toolkit.inputs.unit_targets import LOCAL, NATIONAL, unit_targets

LIVE = CYCLES["2021-2030"]
FUZHOU = "data/targets/examples/fuzhou-2021-2030.csv"
HEADER = ["indicator_id", "comparator", "target_value", "target_kind", "base_year", "target_year", "text_en",
          "text_zh", "source"]


def write_targets(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_the_layered_set_takes_the_local_target_where_it_is_set_and_the_national_one_elsewhere():
    layered = unit_targets(None, {"2021-2030": FUZHOU}, LIVE).set_index("indicator_id")
    # Fuzhou's plan (福州晚报 2022-05-26): IMR below 4 and U5MR below 5 per 1,000, anaemia 6%, stunting 3%;
    # the Outline's: 5, 6, 10% and 5%.
    assert layered.loc["imr", "target_value"] == 4 and layered.loc["imr", "layer"] == LOCAL
    assert layered.loc["u5mr", "target_value"] == 5
    assert layered.loc["anaemia_u5", "target_value"] == 6 and layered.loc["stunting_u5", "target_value"] == 3
    # Not in Fuzhou's file: the Outline's own targets, named as the Outline's.
    assert layered.loc["ebf_0_6m", "target_value"] == 50 and layered.loc["ebf_0_6m", "layer"] == NATIONAL
    assert layered.loc["injury_mortality_u18", "target_value"] == -0.2
    assert layered.loc["ebf_0_6m", "plan"] == LIVE.name_zh
    assert layered.loc["imr", "plan"] == "福州市儿童发展纲要（2021—2030年）"
    # A local indicator the national set lacks is added: vaccination >= 98%.
    assert layered.loc["nip_vaccination", "target_value"] == 98
    assert len(layered) == 12 + 1  # the Outline's 12 indicators and Fuzhou's one addition
    assert layered["target_set"].iloc[0] == "outline-2021-2030+fuzhou-2021-2030"


def test_targets_override_replaces_national_and_local_sets():
    frame = unit_targets(None, {"2021-2030": FUZHOU}, LIVE, targets_override="national-plans-2025")
    assert set(frame["layer"]) == {NATIONAL} and set(frame["target_set"]) == {"national-plans-2025"}


def test_the_local_set_of_another_cycle_is_not_applied():
    frame = unit_targets(None, {"2021-2030": FUZHOU}, CYCLES["2011-2020"])
    assert set(frame["target_set"]) == {"outline-2011-2020"}


def params_with_local(tmp_path: Path, local: str) -> Path:
    path = tmp_path / "fujian.yaml"
    path.write_text(f"unit_id: fujian\ndata: [data/demo/provinces.csv]\nlocal_targets:\n  2021-2030: {local}\n",
                    encoding="utf-8")
    return path


def test_a_relative_local_path_resolves_against_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the project: the path must still resolve
    params = load_unit_params(params_with_local(tmp_path, FUZHOU), unit_id="fujian")
    assert params.local_targets == {"2021-2030": FUZHOU}
    assert params.target_paths() == [PROJECT_ROOT / "data/targets/outline-2021-2030.csv", PROJECT_ROOT / FUZHOU]


@pytest.mark.parametrize(("row", "expected"), [
    (["imrr", "<=", 4, "absolute", "", 2030, "", "", "plan"], "'imrr' is not in data/indicators.csv (did you mean 'imr'?)"),
    (["imr", "≤", 4, "absolute", "", 2030, "", "", "plan"], "write ≤, 以下 or 'below' as '<='"),
    (["imr", "以下", 4, "absolute", "", 2030, "", "", "plan"], "'以下' is not allowed"),
    (["imr", "<=", 4, "absolute", 2030, 2025, "", "", "plan"], "target_year 2025 is not after base_year 2030"),
    (["injury_mortality_u18", "<=", -0.2, "relative_change", "", 2030, "", "", "plan"],
     "a relative_change target needs a base_year"),
    (["imr", "<=", 4, "absolute", "", 2020, "", "", "plan"], "the imr target is for 2020, not after the cycle's base year 2020"),
])
def test_a_broken_local_file_is_a_params_error_naming_file_row_and_fix(tmp_path, row, expected):
    local = write_targets(tmp_path / "local.csv", [row])
    with pytest.raises(ParamsError) as caught:
        load_unit_params(params_with_local(tmp_path, str(local)), unit_id="fujian")
    message = str(caught.value)
    assert "key 'local_targets'" in message and "local.csv" in message and expected in message
    assert "Fix:" in message
    if "cycle's base year" not in expected:
        assert "line 2" in message


def test_a_missing_local_file_names_the_path_and_the_root_it_is_relative_to(tmp_path):
    with pytest.raises(ParamsError, match="(?s)local target file not found.*relative to the project root"):
        load_unit_params(params_with_local(tmp_path, "data/targets/nowhere.csv"), unit_id="fujian")


def test_local_targets_keys_must_be_cycles(tmp_path):
    path = tmp_path / "fujian.yaml"
    path.write_text(f"unit_id: fujian\nlocal_targets:\n  2021-2035: {FUZHOU}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="'2021-2035' is not a cycle; did you mean '2021-2030'"):
        load_unit_params(path, unit_id="fujian")


def test_the_local_file_is_checked_by_unit_targets_too(tmp_path):
    local = write_targets(tmp_path / "local.csv", [["imr", "<=", 4, "absolute", "", 2015, "", "", "plan"]])
    with pytest.raises(DataValidationError, match="not a target set for the 2021-2030 cycle"):
        unit_targets(None, {"2021-2030": str(local)}, LIVE)
    with pytest.raises(TargetError, match="not found"):
        unit_targets(None, {"2021-2030": str(tmp_path / "gone.csv")}, LIVE)


def test_the_shipped_example_params_file_layers_fuzhous_plan():
    params = load_unit_params(PROJECT_ROOT / "params/examples/local-targets/fujian.yaml", unit_id="fujian")
    frame = unit_targets(params.target_set, params.local_targets, CYCLES[params.cycle])
    assert (frame["layer"] == LOCAL).sum() == 11  # the 11 rows of data/targets/examples/fuzhou-2021-2030.csv
