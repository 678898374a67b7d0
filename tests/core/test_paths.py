"""toolkit.core.paths and the did-you-mean helper: one display rule with explicit outside-the-project forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.core.errors import did_you_mean, suggestion
from toolkit.core.paths import PROJECT_ROOT, display_path, project_path, user_path


def test_project_root_holds_the_package_and_the_data():
    assert (PROJECT_ROOT / "toolkit" / "core" / "paths.py").is_file()
    assert (PROJECT_ROOT / "data" / "units.csv").is_file()


@pytest.mark.parametrize("outside", ["as_given", "resolved", "name"])
def test_inside_the_project_every_form_is_the_relative_posix_path(outside):
    assert display_path(PROJECT_ROOT / "data" / "units.csv", outside=outside) == "data/units.csv"
    assert display_path(PROJECT_ROOT / "data" / ".." / "params" / "x.yaml", outside=outside) == "params/x.yaml"


def test_outside_the_project_each_form_says_what_it_promises(tmp_path):
    given = tmp_path / "sub" / ".." / "obs.csv"
    assert display_path(given) == str(given)
    assert display_path(given, outside="resolved") == (tmp_path / "obs.csv").as_posix()
    assert display_path(given, outside="name") == "obs.csv"


def test_project_path_resolves_relative_paths_against_the_root():
    assert project_path("data/units.csv") == PROJECT_ROOT / "data" / "units.csv"
    assert project_path("  data/units.csv ") == PROJECT_ROOT / "data" / "units.csv"
    assert project_path("/abs/x.csv") == Path("/abs/x.csv")


def test_user_path_prefers_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("x", encoding="utf-8")
    assert user_path("mine.csv") == tmp_path / "mine.csv"
    assert user_path("data/units.csv") == PROJECT_ROOT / "data" / "units.csv"  # not here: the project's


def test_did_you_mean_folds_case_unless_told_not_to():
    assert did_you_mean("VAULE", ["value", "year"]) == ["value"]
    assert did_you_mean("AS_OF", ["as_of"]) == ["as_of"] and did_you_mean("AS_OF", ["as_of"], case_sensitive=True) == []
    assert did_you_mean("as_off", ["as_of", "data"], case_sensitive=True) == ["as_of"]
    assert suggestion("shanxl", ["shanxi", "shaanxi"]) == " (did you mean 'shanxi'?)"
    assert suggestion("zzz", ["shanxi"]) == ""
