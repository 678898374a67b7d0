"""toolkit.commands: the CLI's work never overwrites its own input and never writes a live formula."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

from toolkit.cli import main
from toolkit.core.paths import OBSERVATIONS_DIR, TARGETS_DIR

NATIONAL = OBSERVATIONS_DIR / "national.csv"


@pytest.mark.parametrize("which", ["data", "targets"])
def test_assess_refuses_to_write_over_its_input(tmp_path, capsys, which):
    data, targets = tmp_path / "my.csv", tmp_path / "t.csv"
    shutil.copy(NATIONAL, data)
    shutil.copy(TARGETS_DIR / "outline-2011-2020.csv", targets)
    before = {p: p.read_bytes() for p in (data, targets)}
    out = data if which == "data" else targets
    code = main(["assess", "--data", str(data), "--targets", str(targets), "--as-of", "2020", "--out", str(out)])
    assert code == 2
    assert "--out would overwrite an input of this command" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (data, targets)} == before


def test_import_wide_refuses_to_write_over_its_input(tmp_path, capsys):
    table = tmp_path / "imr.csv"
    table.write_text("地区,2019年,2020年\n北京,2.0,1.9\n", encoding="utf-8")
    before = table.read_bytes()
    assert main(["import-wide", str(table), "--indicator", "imr", "--out", str(table)]) == 2
    assert "--out would overwrite an input" in capsys.readouterr().err
    assert table.read_bytes() == before


def test_a_target_set_named_like_a_formula_is_text_in_the_workbook_and_the_csv(tmp_path):
    targets = tmp_path / "=HYPERLINK(1).csv"
    shutil.copy(TARGETS_DIR / "outline-2011-2020.csv", targets)
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"r.{suffix}"
        assert main(["assess", "--data", str(NATIONAL), "--targets", str(targets), "--as-of", "2020",
                     "--out", str(out)]) == 0
    sheet = load_workbook(tmp_path / "r.xlsx").active
    column = [c.value for c in sheet[1]].index("target_set")
    cell = sheet.cell(row=2, column=column + 1)
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")
    assert ",'=HYPERLINK(1)," in (tmp_path / "r.csv").read_text(encoding="utf-8")
