"""The batch's pages in a real browser (headless Chromium via Playwright's sync API).

Reuses the two-unit runs of tests/test_e2e.py (national + beijing), in both editions: the English run of
test_e2e and a Chinese run with ``--pdf``. Checks what only a browser shows: no console errors, every link of
the index and of each page loads, every image of a report decodes and has an alt text, the Chinese text is
laid out with real glyphs (not empty, not "tofu" boxes from a missing CJK font), and the PDFs are A4 prints
of every page. Screenshots are saved
in the test's temporary folder. Skipped (with the reason) where /usr/bin/chromium or playwright is missing;
.ci/run installs chromium and fonts-noto-cjk.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from toolkit.batch import pdf

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = list(pdf.CHROMIUM_ARGS)  # the flags --pdf launches the browser with
NAMES_ZH = {"national": "全国", "beijing": "北京市"}

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (and fonts-noto-cjk) to run the browser test "
                "(.ci/run does)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")


def _e2e():
    """tests/test_e2e.py as collected (shares its run), or loaded from its file under another import mode."""
    module = sys.modules.get("test_e2e")
    if module is None:
        spec = importlib.util.spec_from_file_location("test_e2e", Path(__file__).with_name("test_e2e.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["test_e2e"] = module
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["en", "zh"])
def run(request, tmp_path_factory):
    """Each edition's run; the Chinese one (the default edition) also prints its pages to PDF."""
    result = _e2e().successful_run(tmp_path_factory, language=request.param, pdf=request.param == "zh")
    assert result.returncode == 0, result.log
    result.language = request.param
    return result


#: Text each edition's unit report shows in its own language (headings of the scorecard and the charts).
HEADINGS = {"en": ("Scorecard", "Charts"), "zh": ("目标评估一览", "图表")}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """A page that records console errors, uncaught exceptions and failed requests."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=False)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url[:120]} {r.failure}"))

    def open(self, path: Path):
        response = self.page.goto(path.as_uri(), wait_until="load")
        assert response is None or response.ok, f"{path.name}: HTTP {response.status}"
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def tab(browser):
    tab = Tab(browser)
    yield tab
    tab.close()


def test_index_has_no_console_errors_and_every_link_resolves(run, tab, tmp_path):
    page = tab.open(run.out / "index.html")
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    assert tab.problems == []
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    local = sorted({h.split("#")[0] for h in hrefs if h and not h.startswith(("#", "http:", "https:", "mailto:"))})
    assert {"html/national.html", "html/beijing.html"} <= set(local)
    for href in local:
        target = run.out / href
        assert target.is_file(), f"index links to a missing file: {href}"
        if target.suffix == ".html":
            tab.open(target)
            assert tab.problems == [], f"{href}: {tab.problems}"
            assert tab.page.title(), f"{href} has no title"
            lang = tab.page.eval_on_selector("html", "e => e.lang")
            assert lang == {"zh": "zh-CN", "en": "en"}[run.language], f"{href}: lang={lang}"
            _assert_links_resolve(tab.page, target)
    # sorting works: clicking the unit column's header (地区 or Unit, by the edition) sorts the rows by name
    tab.open(run.out / "index.html")
    tab.page.locator('th[data-key="name"] button').click()
    names = tab.page.eval_on_selector_all("#units tbody tr", "rows => rows.map(r => r.dataset.unit)")
    assert names == ["beijing", "national"]  # 北京市 (bei) before 全国 (quan); Beijing before China
    assert tab.problems == []


def _assert_links_resolve(page, source: Path) -> None:
    """Every local link of a page (back to the index, to the other pages) points to a file of the run."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in {h.split("#")[0] for h in hrefs if h and not h.startswith(("#", "http:", "https:", "mailto:", "data:"))}:
        assert (source.parent / href).resolve().is_file(), f"{source.name} links to a missing file: {href}"


VISIBLE_ROWS = "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.unit)"


def test_index_filter_box_hides_the_rows_that_do_not_match(run, tab):
    page = tab.open(run.out / "index.html")
    box = page.locator("#filter-text")
    for typed, expected in [("北京", ["beijing"]), ("CHINA", ["national"]), ("beijing", ["beijing"]),
                            ("east", ["beijing"]), ("nowhere", []), ("", ["national", "beijing"])]:
        box.fill(typed)
        page.wait_for_timeout(50)
        assert page.eval_on_selector_all("#units tbody tr", VISIBLE_ROWS) == expected, typed
        shown = page.locator("#filter-shown").inner_text()
        assert str(len(expected)) in shown and "2" in shown, shown
    # the category filter keeps the units with at least one indicator in the category chosen
    options = page.eval_on_selector_all("#filter-category option", "os => os.map(o => o.value).filter(Boolean)")
    assert options, "no category to filter by"
    for category in options:
        page.select_option("#filter-category", category)
        having = page.eval_on_selector_all(
            "#units tbody tr", f"rows => rows.filter(r => r.dataset.cats.split(' ').includes('{category}'))"
                               ".map(r => r.dataset.unit)")
        assert page.eval_on_selector_all("#units tbody tr", VISIBLE_ROWS) == having, category
    assert tab.problems == []


@pytest.mark.parametrize("unit_id", ["beijing"])
def test_report_images_load_and_chinese_names_render(run, tab, tmp_path, unit_id):
    page = tab.open(run.out / "html" / f"{unit_id}.html")
    page.screenshot(path=str(tmp_path / f"{unit_id}.png"), full_page=True)
    assert tab.problems == []
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
    assert images, "the report shows no images"
    assert all(done and width > 0 and height > 0 for done, width, height in images), images
    _assert_rendered_text(page, NAMES_ZH[unit_id], tmp_path / f"{unit_id}_name_zh.png")
    for heading in HEADINGS[run.language]:
        _assert_rendered_text(page, heading, tmp_path / f"{unit_id}_{heading}.png")
    alts = page.eval_on_selector_all(".jp-RenderedImage img", "els => els.map(e => e.alt)")
    assert alts and all(len(alt) > 20 for alt in alts), alts
    if run.language == "zh":
        assert all(re.search("[\u4e00-\u9fff]", alt) for alt in alts), alts
        _assert_rendered_text(page, "合成演示数据，非官方统计数据，不得引用", tmp_path / f"{unit_id}_banner.png")


@pytest.fixture(scope="module")
def printed_run(tmp_path_factory):
    """The Chinese run (shared with ``run``), which was made with --pdf."""
    result = _e2e().successful_run(tmp_path_factory, language="zh", pdf=True)
    assert result.returncode == 0, result.log
    return result


def test_every_page_is_printed_to_an_a4_pdf(printed_run):
    """--pdf: one PDF per page of the run, each page A4 (595 x 842 pt)."""
    run = printed_run
    manifest = run.json()
    pages = [row["unit_id"] for row in manifest["units"]] + [row["name"] for row in manifest["extras"]]
    for name in pages:
        pdf = (run.out / "pdf" / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF"), name
        boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
        assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes), name
    assert len(re.findall(rb"/Type\s*/Page\b", (run.out / "pdf" / "national.pdf").read_bytes())) >= 5


def test_index_chinese_names_render(run, tab, tmp_path):
    page = tab.open(run.out / "index.html")
    for unit_id, name in NAMES_ZH.items():
        _assert_rendered_text(page, name, tmp_path / f"index_{unit_id}_name_zh.png")


GLYPHS_JS = """
(text) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    const rect = range.getBoundingClientRect();
    const style = getComputedStyle(node.parentElement);
    // draw each character with the element's font: a missing font gives identical boxes ("tofu")
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext("2d", {willReadFrequently: true});
    const glyphs = [...new Set([...text])].map(ch => {  // each distinct character once
      ctx.clearRect(0, 0, 64, 64);
      ctx.font = `48px ${style.fontFamily}`;
      ctx.fillStyle = "#000";
      ctx.fillText(ch, 4, 52);
      return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(",");
    });
    node.parentElement.scrollIntoView();
    const after = range.getBoundingClientRect();
    return {x: after.x, y: after.y, width: rect.width, height: rect.height, visible: style.visibility,
            distinct: new Set(glyphs).size, count: glyphs.length, font: style.fontFamily};
  }
  return null;
}
"""


def _assert_rendered_text(page, text: str, screenshot: Path) -> None:
    """``text`` is in the DOM, laid out with a width, drawn with distinct glyphs, and not blank on screen."""
    from io import BytesIO

    box = page.evaluate(GLYPHS_JS, text)
    assert box is not None, f"{text!r} is not in the page's text"
    assert box["width"] > 0 and box["height"] > 0 and box["visible"] == "visible", box
    assert box["distinct"] == box["count"], f"{text!r} renders as identical boxes (no CJK font?): {box}"
    clip = {"x": max(box["x"] - 2, 0), "y": max(box["y"] - 2, 0), "width": box["width"] + 4,
            "height": box["height"] + 4}
    png = page.screenshot(path=str(screenshot), clip=clip)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return
    grey = Image.open(BytesIO(png)).convert("L")
    lo, hi = grey.getextrema()
    assert hi - lo > 60, f"the screenshot of {text!r} is blank (grey levels {lo}-{hi})"
