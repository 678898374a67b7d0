"""Selecting units below the provinces (``run --level county --within sichuan``), planned without any kernel."""

from __future__ import annotations

import pytest

from toolkit.batch.plan import plan_batch
from toolkit.core.errors import BatchError, UnknownUnitError
from toolkit.core.paths import PARAMS_DIR
from toolkit.inputs.params import load_unit_params


def _units(tmp_path, **kwargs) -> list[str]:
    return plan_batch(out=tmp_path / "out", extras={}, **kwargs).unit_ids


def test_without_a_level_a_run_is_still_the_nation_and_the_31_provinces(tmp_path):
    units = _units(tmp_path)
    assert len(units) == 32 and units[0] == "national"


def test_counties_within_a_province_and_within_a_prefecture(tmp_path):
    # Chengdu: 12 districts, 3 counties and 5 county-level cities (成都市 administrative divisions, 2024).
    chengdu = _units(tmp_path, level="county", within="成都市")
    assert len(chengdu) == 20 and "wuhou" in chengdu
    sichuan = _units(tmp_path, level="county", within="sichuan")
    assert len(sichuan) == 183 and set(chengdu) <= set(sichuan)  # data/units_county.csv, counted from the source
    assert len(_units(tmp_path, level="prefecture", within="四川")) == 21


def test_a_name_shared_by_two_counties_asks_for_the_code(tmp_path):
    with pytest.raises(UnknownUnitError, match="朝阳区"):
        _units(tmp_path, units=["朝阳区"], level="county")
    assert _units(tmp_path, units=["110105"], level="county") == ["chaoyang_110105"]
    assert _units(tmp_path, units=["朝阳区"], level="county", within="beijing") == ["chaoyang_110105"]


def test_an_unknown_level_is_refused(tmp_path):
    with pytest.raises(BatchError, match="unknown level"):
        _units(tmp_path, level="village")


def test_a_county_without_a_params_file_runs_on_the_defaults():
    assert not (PARAMS_DIR / "wuhou.yaml").exists()
    params = load_unit_params("wuhou")
    assert params.unit_id == "wuhou" and params.params_file == (PARAMS_DIR / "defaults.yaml").resolve()
    with pytest.raises(Exception, match="no params file"):
        load_unit_params("not_a_unit")


@pytest.mark.parametrize("lang, within, title, parent", [
    ("zh", "所属：北京市", "<title>北京市 · 朝阳区（Chaoyang District）——", "北京市"),
    ("en", "Within: Beijing (北京市)", "<title>Beijing · Chaoyang District (朝阳区) — ", "Beijing"),
])
def test_a_county_page_names_the_units_it_lies_in(tmp_path, lang, within, title, parent):
    """朝阳区 is 29 places: its page says which one under the heading and in the browser tab, in each edition;
    the index's 所属 column says it too."""
    from toolkit.batch.run import run_batch
    from toolkit.contracts.run_folder import RunFolder
    from toolkit.demo.county_panel import write_county_panel

    panel = write_county_panel(tmp_path / "beijing.csv", within="beijing")
    out = tmp_path / "out"
    assert run_batch(["110105"], workers=1, level="county", data=[str(panel)], out=out, extras={},
                     progress=False, language=lang) == 0
    page = RunFolder(out).unit_html("chaoyang_110105").read_text(encoding="utf-8")
    assert f'<p class="tk-within">{within}</p>' in page
    assert title in page
    index = (out / "index.html").read_text(encoding="utf-8")
    row = index.split('data-search="chaoyang_110105', 1)[1].split("</tr>", 1)[0]
    assert f"<td>{parent}</td>" in row
