"""Rendering without kernels: the index page in both editions (escaping, banner, failures, colours, filter,
size), unit pages (code hidden, stand-alone), the combined results (CSV byte-exact, XLSX with its readme) and
the run manifest."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from openpyxl import load_workbook
from page_text import page_text

from toolkit.batch import manifest as manifest_module
from toolkit.batch.index_page import index_context, write_index
from toolkit.batch.manifest import sha256_file, write_manifest
from toolkit.batch.outputs import combine_results, write_results
from toolkit.batch.pages import error_notebook, render_html
from toolkit.contracts.results import CATEGORIES
from toolkit.contracts.run_folder import run_language
from toolkit.contracts.synthetic import banner_text
from toolkit.core.i18n import language
from toolkit.core.paths import PROJECT_ROOT, UNITS_CSV, display_path
from toolkit.inputs.units import load_units

with language("zh"):
    BANNER_ZH = banner_text()
with language("en"):
    BANNER_EN = banner_text()
BANNERS = {"zh": BANNER_ZH, "en": BANNER_EN}
EVIL = "<script>alert(1)</script>"
UNITS = load_units()
# a 1x1 PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def write_unit(out: Path, unit_id: str, *, synthetic: bool = False, name_en: str | None = None, **counts) -> None:
    """A unit's summary.json as the report writes it (names and region from data/units.csv when it knows the id)."""
    folder = out / "units" / unit_id
    folder.mkdir(parents=True, exist_ok=True)
    known = UNITS.loc[unit_id] if unit_id in UNITS.index else None
    summary = {"unit_id": unit_id, "name_en": name_en or (known["name_en"] if known is not None else unit_id.title()),
               "name_zh": known["name_zh"] if known is not None else "北京市",
               "region": known["region"] if known is not None else "east",
               "synthetic": synthetic, "target_set": "outline-2011-2020", "cycle": "2011-2020", "as_of": 2020,
               "latest_year": 2020, "counts": {c: counts.get(c, 0) for c in CATEGORIES},
               "n_indicators": sum(counts.values()), "data_files": ["data/units.csv"]}
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


def run_info(*units: dict, extras: list | None = None, lang: str | None = None) -> dict:
    info = {"started": "2024-05-01T10:00:00+08:00", "finished": "2024-05-01T10:05:00+08:00", "as_of": None,
            "targets": None, "toolkit_version": "0.1.0", "git": {"commit": "abc", "dirty": False},
            "units": list(units), "extras": extras or []}
    if lang:
        info["language"] = lang
    return info


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
    for lang in ("zh", "en"):
        html = write_index(tmp_path, info, language=lang).read_text(encoding="utf-8")
        assert EVIL not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert html.count("<script>") == 1  # only the page's own sorting and filtering script
        assert '<meta charset="utf-8">' in html


@pytest.mark.parametrize(("lang", "title", "html_lang"), [
    ("en", "Outline monitoring — run of May 1, 2024", "en"),
    ("zh", "《中国儿童发展纲要》监测评估结果（2024年5月1日生成）", "zh-CN")])
def test_index_title_header_links_and_no_external_assets(tmp_path, lang, title, html_lang):
    write_unit(tmp_path, "national", achieved=3, off_track=1)
    info = run_info(unit("national"), extras=[{"name": "overview", "status": "ok", "html": "overview.html"}],
                    lang=lang)
    html = write_index(tmp_path, info).read_text(encoding="utf-8")  # the edition comes from run_info
    assert f"<title>{title}</title>" in html and f'<html lang="{html_lang}">' in html
    assert "outline-2011-2020" in html and "2020" in html
    assert 'href="html/national.html"' in html and 'href="overview.html"' in html
    assert "method_evaluation.html" not in html  # not part of this run: no link
    assert not re.search(r'(src|href)="(https?:)?//', html)
    row = rows(html)["national"]
    assert 'class="num cat-achieved">3<' in row and 'class="num cat-off_track">1<' in row


def test_the_edition_of_a_run_is_read_from_run_json_at_the_top_or_in_settings():
    assert run_language({"language": "en"}) == "en"
    assert run_language({"settings": {"language": "en"}}) == "en"
    assert run_language({}) == "zh" and run_language({"language": "fr"}) == "zh"  # the default edition


def test_index_in_each_edition_names_categories_regions_status_and_the_cycle(tmp_path):
    write_unit(tmp_path, "beijing", synthetic=True, on_track=2)
    info = run_info(unit("beijing"), unit("hebei", "failed", {"ename": "KeyError", "evalue": "'x'"}))
    zh = page_text(write_index(tmp_path, info, language="zh").read_text(encoding="utf-8"))
    en = page_text(write_index(tmp_path, info, language="en").read_text(encoding="utf-8"))
    assert "北京市（Beijing）" in zh and "Beijing (北京市)" in en
    assert "东部地区" in zh and "eastern region" in en and "东部地区" not in en
    assert "按期可达标" in zh and "on track" in en and "按期可达标" not in en
    assert "完成" in zh and "失败" in zh and "FAILED" not in zh and "FAILED" in en
    assert "《中国儿童发展纲要（2011—2020年）》" in zh and "Outline for the Development of Chinese Children (2011–2020)" in en
    assert "2024年5月1日" in zh and "May 1, 2024" in en


def test_index_zh_edition_is_written_in_chinese(tmp_path):
    """Visible text of the Chinese index: more CJK characters than Latin letters, ids and numbers aside."""
    ids = ["national", "beijing", "hebei", "shanghai", "guangdong", "tibet", "xinjiang"]
    for unit_id in ids[:-1]:
        write_unit(tmp_path, unit_id, synthetic=unit_id != "national", on_track=3, off_track=1, no_target=4)
    info = run_info(*[unit(u) for u in ids[:-1]], unit("xinjiang", "failed", {"ename": "ValueError", "evalue": "x"}),
                    extras=[{"name": "overview", "status": "ok", "html": "overview.html"}], lang="zh")
    (tmp_path / "results.csv").write_text("unit_id\n", encoding="utf-8")
    (tmp_path / "results.xlsx").write_bytes(b"")
    text = page_text(write_index(tmp_path, info).read_text(encoding="utf-8"))
    not_words = [*ids, "outline-2011-2020", "results.xlsx", "results.csv", "run.json", "toolkit", "ValueError", "abc"]
    for token in sorted(not_words, key=len, reverse=True):
        text = text.replace(token, " ")
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    print(f"zh index of {len(ids)} units: {cjk} CJK characters, {latin} Latin letters")
    assert cjk > latin, (cjk, latin, text)
    en = page_text(write_index(tmp_path, info, language="en").read_text(encoding="utf-8"))
    assert len(re.findall(r"[A-Za-z]", en)) > 3 * len(re.findall(r"[\u4e00-\u9fff]", en))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_synthetic_banner_once_at_the_top_and_a_small_tag_on_synthetic_rows(tmp_path, lang):
    write_unit(tmp_path, "national", achieved=1)
    for unit_id in ("beijing", "tianjin", "hebei"):
        write_unit(tmp_path, unit_id, synthetic=True, on_track=1)
    info = run_info(unit("national"), unit("beijing"), unit("tianjin"), unit("hebei"), lang=lang)
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    assert html.count(BANNERS[lang]) == 1 and BANNERS[lang] in html.split("<table")[0]  # once, at the top
    other = BANNERS["en" if lang == "zh" else "zh"]
    assert other not in html  # in the page's language only
    tag = {"zh": ">合成数据<", "en": ">synthetic data<"}[lang]
    table = rows(html)
    assert all(tag in table[u] for u in ("beijing", "tianjin", "hebei")) and tag not in table["national"]
    assert html.split("<table")[0].count(tag) == 1  # the legend under the banner says what the tag means

    real = tmp_path / "real"
    write_unit(real, "national", achieved=1)
    html = write_index(real, run_info(unit("national"), lang=lang)).read_text(encoding="utf-8")
    assert BANNER_ZH not in html and BANNER_EN not in html and tag not in html


@pytest.mark.parametrize(("lang", "heading"), [("en", "Failures (2)"), ("zh", "失败（2项）")])
def test_failures_are_listed_at_the_top_with_their_error(tmp_path, lang, heading):
    write_unit(tmp_path, "national", achieved=1)
    error = {"ename": "DataValidationError", "evalue": "line 3: year is not a number", "cell_index": 2}
    info = run_info(unit("national"), unit("hebei", "failed", error),
                    extras=[{"name": "method_evaluation", "status": "failed", "html": "method_evaluation.html",
                             "error": {"ename": "KeyError", "evalue": "'x'", "cell_index": 1}}], lang=lang)
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    top = html.split('<table')[0]
    assert heading in top
    assert "DataValidationError: line 3: year is not a number" in top and 'href="html/hebei.html"' in top
    assert {"en": "Method evaluation", "zh": "方法评估"}[lang] in top and "KeyError" in top
    assert 'class="status-failed"' in rows(html)["hebei"]
    assert 'id="filter-failed"' in html  # a failed unit: the "failed only" toggle is offered


@pytest.mark.parametrize(("lang", "running", "interrupted", "finished"), [
    ("zh", "本次运行尚未结束", "本次运行已中断", "2个地区中已完成1个（national）"),
    ("en", "This run has not finished", "This run was interrupted", "1 of 2 unit(s) had finished (national)")])
def test_index_of_a_run_that_has_not_completed_says_so(tmp_path, lang, running, interrupted, finished):
    info = {"status": "running", "started": "2024-05-01T10:00:00+08:00", "pid": 4242, "units": [], "extras": [],
            "planned_units": ["national", "beijing"], "language": lang}
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    assert running in html and "4242" in html and 'data-run-status="running"' in html
    assert "10:00 UTC+08:00" in html  # the start time with its offset
    info.update(status="interrupted", finished_units=["national"])
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    assert interrupted in html and finished in html and 'data-run-status="interrupted"' in html
    text = page_text(html)
    assert "不使用此后的观测值" not in text and "later observations ignored" not in text  # no as-of year known yet
    assert "results.csv" not in text  # not written yet: no link


def test_index_has_a_filter_box_and_each_row_carries_its_search_words(tmp_path):
    write_unit(tmp_path, "beijing", on_track=1)
    write_unit(tmp_path, "tibet", off_track=2)
    html = write_index(tmp_path, run_info(unit("beijing"), unit("tibet"), lang="zh")).read_text(encoding="utf-8")
    assert 'id="filter-text"' in html and 'id="filter-category"' in html
    assert 'id="filter-failed"' not in html  # nothing failed: no toggle
    assert 'placeholder="名称、代码或区域"' in html and "显示2/2个地区" in html
    table = rows(html)
    assert 'data-search="beijing 北京市 east 东部地区"' in table["beijing"]  # id, names (lower case), region
    assert 'data-search="tibet 西藏自治区 west 西部地区"' in table["tibet"]
    assert 'data-cats="on_track"' in table["beijing"] and 'data-cats="off_track"' in table["tibet"]
    # the category filter offers only the categories some unit has
    options = re.findall(r'<option value="(\w*)">', html)
    assert options == ["", "on_track", "off_track"]


def test_index_stays_small_and_fast_with_3000_units(tmp_path):
    ids = [f"unit{i:04d}" for i in range(3000)]
    for i, unit_id in enumerate(ids):
        write_unit(tmp_path, unit_id, synthetic=i % 2 == 0, name_en=f"Unit {i}", on_track=i % 5, off_track=1)
    info = run_info(*[unit(u, "ok" if i % 100 else "failed", None if i % 100 else {"ename": "E", "evalue": "x"})
                      for i, u in enumerate(ids)], lang="zh")
    t0 = time.perf_counter()
    html = write_index(tmp_path, info).read_text(encoding="utf-8")
    seconds = time.perf_counter() - t0
    size = len(html.encode("utf-8"))
    print(f"3000 units: {size / 1e6:.2f} MB, {size / 3000:.0f} bytes per row, {seconds:.2f} s")
    assert len(rows(html)) == 3000
    assert size / 3000 < 3000, f"{size / 3000:.0f} bytes per row"
    assert html.count(BANNER_ZH) == 1
    assert seconds < 20


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
    xlsx = pd.read_excel(tmp_path / "results.xlsx", sheet_name=1, header=1)  # row 2: the csv's column ids
    assert xlsx["indicator_id"].tolist() == combined["indicator_id"].tolist()
    assert xlsx["p_attain"].tolist() == [0.25, 0.5, 0.25, 0.5]  # numbers, not text, for spreadsheet users
    assert combine_results(tmp_path, []).empty


RESULTS_HEADER = "unit_id,indicator_id,target_set,area,unit,p_attain,midterm_p_on_path,category,flags,forecast,met_latest"
RESULTS_ROWS = {
    "national": ["national,imr,outline-2021-2030,health,per_mille,0.123456789,0.5049999,on_track,,4.83216,True",
                 "national,u5mr,outline-2021-2030,health,per_mille,,,achieved,stale,,"],
    "beijing": ["beijing,imr,outline-2021-2030,health,per_mille,0.987,0.005,off_track,synthetic;gaps,2.5,False",
                "beijing,nmr,outline-2021-2030,health,per_mille,0.0049,,at_risk,=cmd|' /C calc'!A0,1e-05,True"],
}


def results_run(out: Path, lang: str) -> None:
    """Two units' results.csv and summaries (beijing synthetic) and the run.json of a running run."""
    for unit_id, lines in RESULTS_ROWS.items():
        write_unit(out, unit_id, synthetic=unit_id == "beijing", on_track=1)
        summary = out / "units" / unit_id / "summary.json"
        summary.write_text(summary.read_text(encoding="utf-8").replace('"2011-2020"', '"2021-2030"').replace(
            '"as_of": 2020', '"as_of": 2024'), encoding="utf-8")
        (out / "units" / unit_id / "results.csv").write_text("\n".join([RESULTS_HEADER, *lines]) + "\n",
                                                            encoding="utf-8")
    (out / "run.json").write_text(json.dumps({"status": "running", "started": "2024-05-01T10:00:00+08:00",
                                              "language": lang, "toolkit_version": "0.1.0"}), encoding="utf-8")


def test_results_csv_is_byte_for_byte_the_units_files_combined(tmp_path):
    results_run(tmp_path, "zh")
    write_results(tmp_path, ["national", "beijing"])
    expected = "\n".join([RESULTS_HEADER, *RESULTS_ROWS["national"], *RESULTS_ROWS["beijing"][:1],
                          RESULTS_ROWS["beijing"][1].replace(",=cmd", ",'=cmd")]) + "\n"  # a formula is defused
    assert (tmp_path / "results.csv").read_bytes() == expected.encode("utf-8")


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_readme_first_then_results_with_both_names_rounded_probabilities_and_headers(tmp_path):
    results_run(tmp_path, "zh")
    write_results(tmp_path, ["national", "beijing"])  # the edition: run.json's
    book = load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames == ["说明", "结果"]
    readme = "\n".join(" | ".join(str(c) for c in row if c is not None) for row in sheet_rows(book["说明"]))
    assert BANNER_ZH in readme and "北京市（Beijing）" in readme  # the warning names the synthetic unit
    assert "全国" not in readme.split("运行日期")[0]  # ... and only it
    assert "2024年5月1日" in readme and "《中国儿童发展纲要（2021—2030年）》" in readme
    assert "评估截至年（不使用此后的观测值） | 2024" in readme
    assert "保留2位小数" in readme and "results.csv" in readme
    assert "达标概率 P(attain) | p_attain" in readme  # every column: its header and its csv id
    results = book["结果"]
    table = sheet_rows(results)
    labels, ids, data = table[0], table[1], table[2:]
    assert ids[:8] == ["unit_id", "unit_name_zh", "unit_name_en", "indicator_id", "indicator_name_zh",
                       "indicator_name_en", "target_set", "area"]
    assert labels[0] == "地区代码" and labels[ids.index("p_attain")] == "达标概率 P(attain)"
    assert [c for c in ids if c in RESULTS_HEADER.split(",")] == RESULTS_HEADER.split(",")  # csv order kept
    rows_ = [dict(zip(ids, row)) for row in data]
    assert [(r["unit_id"], r["unit_name_zh"], r["unit_name_en"]) for r in rows_] == [
        ("national", "全国", "China (national)"), ("national", "全国", "China (national)"),
        ("beijing", "北京市", "Beijing"), ("beijing", "北京市", "Beijing")]
    assert [(r["indicator_name_zh"], r["indicator_name_en"]) for r in rows_[:2]] == [
        ("婴儿死亡率", "Infant mortality rate"), ("5岁以下儿童死亡率", "Under-5 mortality rate")]
    # the csv's 0.123456789, '', 0.987, 0.0049 and 0.5049999, '', 0.005, '' rounded to 2 decimals by hand
    assert [r["p_attain"] for r in rows_] == [0.12, None, 0.99, 0.0]
    assert [r["midterm_p_on_path"] for r in rows_] == [0.5, None, 0.01, None]
    assert [r["forecast"] for r in rows_] == [4.83216, None, 2.5, 0.00001]  # other numbers kept exact
    assert [r["met_latest"] for r in rows_] == [True, None, False, True]  # the spreadsheet's booleans
    assert [r["category_label"] for r in rows_] == ["按期可达标", "已达标", "难以按期达标", "达标存在风险"]
    assert rows_[0]["area_label"] == "儿童与健康" and rows_[0]["unit_label"] == "‰"
    assert rows_[3]["flags"] == "=cmd|' /C calc'!A0"  # text, never a formula
    assert results.cell(6, ids.index("flags") + 1).data_type == "s"
    assert results.cell(3, ids.index("p_attain") + 1).number_format == "0.00"
    assert results.auto_filter.ref == f"A2:{results.cell(2, len(ids)).column_letter}6"
    assert results.freeze_panes == "G3"  # the header rows and the names stay in view


def test_xlsx_follows_the_language_asked_or_the_run_json(tmp_path):
    results_run(tmp_path, "en")
    write_results(tmp_path, ["national", "beijing"])
    book = load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames == ["readme", "results"]
    table = sheet_rows(book["results"])
    assert table[0][0] == "Unit id" and table[1][0] == "unit_id"
    assert dict(zip(table[1], table[2]))["category_label"] == "on track"
    readme = sheet_rows(book["readme"])
    assert any(row[0] == BANNER_EN for row in readme) and ["Run date", "May 1, 2024", None] in readme
    write_results(tmp_path, ["national"], language="zh")
    assert load_workbook(tmp_path / "results.xlsx").sheetnames == ["说明", "结果"]
    assert not any(row[0] == BANNER_ZH for row in sheet_rows(load_workbook(tmp_path / "results.xlsx")["说明"]))


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
    from toolkit.batch import index_page as outputs
    from toolkit.contracts import results, synthetic

    assert outputs.CATEGORIES is results.CATEGORIES and outputs.CATEGORY_COLOURS is results.CATEGORY_COLOURS
    assert outputs.banner_text is synthetic.banner_text
    assert (BANNER_ZH, BANNER_EN) == ("合成演示数据，非官方统计数据，不得引用", "Synthetic demonstration data — not official statistics, do not cite")


@pytest.mark.parametrize(("lang", "cycle", "stale", "context"), [
    ("en", "Outline for the Development of Chinese Children (2011–2020)", "the counts are as of 2018",
     "+2 context targets of another outline (not counted)"),
    ("zh", "《中国儿童发展纲要（2011—2020年）》", "各类别指标数以2018年数据为准", "另有2项其他纲要的参考目标（不计入）")])
def test_index_names_the_cycle_shows_the_data_vintage_and_context_rows_and_no_timings(tmp_path, lang, cycle, stale,
                                                                                       context):
    write_unit(tmp_path, "hainan", achieved=3)
    summary_path = tmp_path / "units" / "hainan" / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary.update(cycle="2011-2020", latest_year=2018, n_context=2)
    summary_path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    html = write_index(tmp_path, run_info(unit("hainan")), language=lang).read_text(encoding="utf-8")
    assert cycle in html
    row = rows(html)["hainan"]
    # data to 2018, as of 2020: the vintage is shown and marked stale, with why
    assert 'class="num stale" data-sort="2018"' in row and stale in row
    assert 'class="num" data-sort="2020">2020<' in row
    assert context in row
    assert "Time (s)" not in html and "1.5" not in row  # timings are in run.json, not for readers


def test_index_context_is_in_the_run_edition_and_links_only_extras_with_a_known_status(tmp_path):
    write_unit(tmp_path, "national", achieved=1)
    extras = [{"name": "overview", "status": "ok", "html": "overview.html"},
              {"name": "method_evaluation", "html": "method_evaluation.html"}]  # no status: not linked
    context = index_context(tmp_path, run_info(unit("national"), extras=extras, lang="en"))
    assert context["html_lang"] == "en" and context["rows"][0]["status"] == "ok"
    assert [(e["title"], e["href"]) for e in context["extras"]] == [("Overview across units", "overview.html"),
                                                                    ("Method evaluation", None)]
    assert index_context(tmp_path, run_info(unit("national")))["rows"][0]["status"] == "完成"


def test_xlsx_of_a_county_run_says_where_each_county_lies(tmp_path):
    """朝阳区 is 29 places: the workbook of a county run has the province and prefecture beside the names."""
    for unit_id in ("chaoyang_110105", "wuhou"):
        write_unit(tmp_path, unit_id, synthetic=True, on_track=1)
        (tmp_path / "units" / unit_id / "results.csv").write_text(
            f"unit_id,indicator_id,p_attain\n{unit_id},imr,0.5\n", encoding="utf-8")
    (tmp_path / "run.json").write_text(json.dumps({"status": "running", "started": "2024-05-01T10:00:00+08:00",
                                                   "language": "zh", "toolkit_version": "0.1.0"}), encoding="utf-8")
    write_results(tmp_path, ["chaoyang_110105", "wuhou"])
    book = load_workbook(tmp_path / "results.xlsx")
    labels, ids, *data = sheet_rows(book["结果"])
    assert ids[:4] == ["unit_id", "unit_name_zh", "unit_name_en", "unit_within"] and labels[3] == "所属"
    assert [row[:4] for row in data] == [["chaoyang_110105", "朝阳区", "Chaoyang District", "北京市"],
                                         ["wuhou", "武侯区", "Wuhou District", "四川省 · 成都市"]]
    readme = "\n".join(" | ".join(str(c) for c in row if c is not None) for row in sheet_rows(book["说明"]))
    assert "所在的省（区、市）和地市" in readme
    assert "unit_within" not in (tmp_path / "results.csv").read_text(encoding="utf-8")  # the csv is unchanged
