"""Rendering without kernels: the index page (escaping, banner, failures, colours), unit pages (code hidden,
stand-alone), the combined results and the run manifest."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from toolkit.batch import manifest as manifest_module
from toolkit.batch.manifest import sha256_file, write_manifest
from toolkit.batch.outputs import combine_results, write_index, write_results
from toolkit.batch.pages import error_notebook, render_html
from toolkit.contracts.results import CATEGORIES
from toolkit.contracts.synthetic import banner_text
from toolkit.core.paths import PROJECT_ROOT, UNITS_CSV, display_path

SYNTHETIC_BANNER = banner_text()
EVIL = "<script>alert(1)</script>"
# a 1x1 PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def write_unit(out: Path, unit_id: str, *, synthetic: bool = False, name_en: str | None = None, **counts) -> None:
    folder = out / "units" / unit_id
    folder.mkdir(parents=True, exist_ok=True)
    summary = {"unit_id": unit_id, "name_en": name_en or unit_id.title(), "name_zh": "北京市", "region": "east",
               "synthetic": synthetic, "target_set": "outline-2011-2020", "as_of": 2020,
               "counts": {c: counts.get(c, 0) for c in CATEGORIES}, "n_indicators": sum(counts.values()),
               "data_files": ["data/units.csv"]}
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


def run_info(*units: dict, extras: list | None = None) -> dict:
    return {"started": "2024-05-01T10:00:00+08:00", "finished": "2024-05-01T10:05:00+08:00", "as_of": None,
            "targets": None, "toolkit_version": "0.1.0", "git": {"commit": "abc", "dirty": False},
            "units": list(units), "extras": extras or []}


def unit(unit_id: str, status: str = "ok", error: dict | None = None) -> dict:
    return {"unit_id": unit_id, "name_en": unit_id.title(), "name_zh": "", "region": "", "status": status,
            "duration_s": 1.5, "error": error, "html": f"html/{unit_id}.html"}


def rows(index: str) -> dict[str, str]:
    return {part.split('"')[0]: part.split("</tr>")[0] for part in index.split('data-unit="')[1:]}


def test_index_escapes_text_from_data_and_errors(tmp_path):
    write_unit(tmp_path, "beijing", name_en=EVIL, achieved=2)
    info = run_info(unit("beijing"), unit("tianjin", "failed", {"ename": "ValueError", "evalue": f'bad "{EVIL}"',
                                                                  "cell_index": 4}))
    info["units"][1]["name_en"] = EVIL
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the page's own sorting script
    assert '<meta charset="utf-8">' in html


def test_index_title_header_links_and_no_external_assets(tmp_path):
    write_unit(tmp_path, "national", achieved=3, off_track=1)
    info = run_info(unit("national"), extras=[{"name": "overview", "status": "ok", "html": "overview.html"}])
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    assert "<title>Outline monitoring — run of 2024-05-01</title>" in html
    assert "outline-2011-2020" in html and "2020" in html
    assert 'href="html/national.html"' in html and 'href="overview.html"' in html
    assert "method_evaluation.html" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    row = rows(html)["national"]
    assert 'class="num cat-achieved" data-sort="3">3<' in row and 'class="num cat-off_track" data-sort="1">1<' in row


def test_synthetic_banner_only_where_the_summary_says_synthetic(tmp_path):
    write_unit(tmp_path, "national", achieved=1)
    write_unit(tmp_path, "beijing", synthetic=True, on_track=1)
    html = write_index(tmp_path, run_info(unit("national"), unit("beijing"))).read_text(encoding="utf-8")
    assert SYNTHETIC_BANNER in html.split("<table")[0]  # the top banner
    assert SYNTHETIC_BANNER in rows(html)["beijing"] and SYNTHETIC_BANNER not in rows(html)["national"]

    real = tmp_path / "real"
    write_unit(real, "national", achieved=1)
    html = write_index(real, run_info(unit("national"))).read_text(encoding="utf-8")
    assert SYNTHETIC_BANNER not in html and "合成演示数据" not in html


def test_failures_are_listed_at_the_top_with_their_error(tmp_path):
    write_unit(tmp_path, "national", achieved=1)
    error = {"ename": "DataValidationError", "evalue": "line 3: year is not a number", "cell_index": 2}
    info = run_info(unit("national"), unit("hebei", "failed", error),
                    extras=[{"name": "method_evaluation", "status": "failed", "html": "method_evaluation.html",
                             "error": {"ename": "KeyError", "evalue": "'x'", "cell_index": 1}}])
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    top = html.split('<table')[0]
    assert "Failures (2)" in top
    assert "DataValidationError: line 3: year is not a number" in top and 'href="html/hebei.html"' in top
    assert "Method evaluation" in top and "KeyError" in top
    assert 'class="status-failed"' in rows(html)["hebei"]


def test_render_html_hides_code_embeds_images_and_loads_nothing_external(tmp_path):
    png_cell = new_code_cell("make_chart_SOURCE()", outputs=[new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure>"})])
    hidden = new_markdown_cell("internal note")
    hidden.metadata["tags"] = ["remove-cell"]
    nb = new_notebook(cells=[hidden, new_markdown_cell("## Scorecard"), png_cell])
    nbformat.write(nb, tmp_path / "unit.ipynb")
    html = render_html(tmp_path / "unit.ipynb", tmp_path / "html" / "unit.html").read_text(encoding="utf-8")
    assert "Scorecard" in html and "data:image/png;base64," in html
    assert "make_chart_SOURCE" not in html and "internal note" not in html
    assert "<script src=" not in html
    assert not list(tmp_path.rglob("*.tmp"))


def test_render_html_loads_mathjax_only_for_math(tmp_path):
    nbformat.write(new_notebook(cells=[new_markdown_cell("AARR $= 1 - e^b$")]), tmp_path / "m.ipynb")
    html = render_html(tmp_path / "m.ipynb", tmp_path / "m.html").read_text(encoding="utf-8")
    assert "mathjax" in html.lower()


def test_error_notebook_page_shows_the_error_escaped(tmp_path):
    nbformat.write(error_notebook("tianjin", "RuntimeError", f"Kernel didn't respond {EVIL}"), tmp_path / "e.ipynb")
    html = render_html(tmp_path / "e.ipynb", tmp_path / "e.html").read_text(encoding="utf-8")
    assert "RuntimeError" in html and "Kernel didn" in html and EVIL not in html


def test_results_are_combined_in_unit_order_then_indicator(tmp_path):
    for unit_id, indicators in {"beijing": ["imr", "cmr"], "national": ["u5mr", "imr"]}.items():
        folder = tmp_path / "units" / unit_id
        folder.mkdir(parents=True)
        (folder / "results.csv").write_text(
            "unit_id,indicator_id,p_attain,target_year\n"
            f"{unit_id},{indicators[0]},0.5,2020\n{unit_id},{indicators[1]},0.25,\n", encoding="utf-8")
    combined = write_results(tmp_path, ["national", "beijing", "missing"])
    assert list(zip(combined["unit_id"], combined["indicator_id"])) == [
        ("national", "imr"), ("national", "u5mr"), ("beijing", "cmr"), ("beijing", "imr")]
    text = (tmp_path / "results.csv").read_text(encoding="utf-8").splitlines()
    assert text[:2] == ["unit_id,indicator_id,p_attain,target_year", "national,imr,0.25,"]  # values verbatim
    assert text[2] == "national,u5mr,0.5,2020"
    xlsx = pd.read_excel(tmp_path / "results.xlsx")
    assert xlsx["indicator_id"].tolist() == combined["indicator_id"].tolist()
    assert xlsx["p_attain"].tolist() == [0.25, 0.5, 0.25, 0.5]  # numbers, not text, for spreadsheet users
    assert combine_results(tmp_path, []).empty


def test_manifest_records_checksums_versions_and_units(tmp_path):
    data = tmp_path / "obs.csv"
    data.write_text("unit_id,value\nnational,1\n", encoding="utf-8")
    manifest = write_manifest(tmp_path, started="a", finished="b", units=[unit("national")],
                              inputs=[UNITS_CSV, data, data], settings={"as_of": 2015})
    stored = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert stored == manifest
    assert stored["inputs"] == {"data/units.csv": hashlib.sha256(UNITS_CSV.read_bytes()).hexdigest(),
                                data.as_posix(): hashlib.sha256(data.read_bytes()).hexdigest()}
    assert stored["as_of"] == 2015 and stored["n_failed"] == 0 and stored["units"][0]["unit_id"] == "national"
    assert set(stored["packages"]) >= {"pandas", "numpy", "statsmodels", "papermill", "nbconvert", "matplotlib",
                                       "seaborn"}
    assert stored["python"].count(".") == 2


def test_sha256_and_display_path():
    assert sha256_file(UNITS_CSV) == hashlib.sha256(UNITS_CSV.read_bytes()).hexdigest()
    assert display_path(PROJECT_ROOT / "data" / "units.csv") == "data/units.csv"
    assert display_path(Path("/elsewhere/x.csv"), outside="resolved") == "/elsewhere/x.csv"


def test_git_info_without_a_repository_is_null(tmp_path):
    assert manifest_module.git_info(tmp_path) == {"commit": None, "dirty": None}
    info = manifest_module.git_info()
    assert info["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", info["commit"])


def test_index_colours_each_category_as_the_reports_do(tmp_path):
    from toolkit.contracts.results import CATEGORY_COLOURS

    assert set(CATEGORY_COLOURS) == set(CATEGORIES)  # every category has a colour
    page = write_index(tmp_path, run_info(unit("national"))).read_text(encoding="utf-8")
    for category, colour in CATEGORY_COLOURS.items():
        assert re.search(rf"\.cat-{category} {{ background: {colour};", page), category


def test_the_index_uses_the_one_definition_of_categories_and_banner():
    from toolkit.batch import outputs
    from toolkit.contracts import results, synthetic

    assert outputs.CATEGORIES is results.CATEGORIES and outputs.CATEGORY_COLOURS is results.CATEGORY_COLOURS
    assert outputs.banner_text is synthetic.banner_text
    assert SYNTHETIC_BANNER == "Synthetic demonstration data — not official statistics / 合成演示数据，非官方统计"

def test_index_names_the_cycle_shows_the_data_vintage_and_context_rows_and_no_timings(tmp_path):
    write_unit(tmp_path, "hainan", achieved=3)
    summary_path = tmp_path / "units" / "hainan" / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary.update(cycle="2011-2020", latest_year=2018, n_context=2)
    summary_path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    html = write_index(tmp_path, run_info(unit("hainan"))).read_text(encoding="utf-8")
    assert "《中国儿童发展纲要（2011—2020年）》" in html
    row = rows(html)["hainan"]
    assert 'class="num stale" data-sort="2018"' in row and "the counts are as of 2018" in row  # data end before 2020
    assert "+2 context target(s) of another outline, not counted" in row
    assert "Time (s)" not in html and "1.5" not in row  # timings are in run.json, not for readers
