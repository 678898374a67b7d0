"""The batch's pages in a real browser (headless Chromium via Playwright's sync API).

Reuses the two-unit run of tests/test_e2e.py (national + beijing). Checks what only a browser shows: no
console errors, every link of the index loads, every image of a report decodes, and the Chinese unit names
are laid out with real glyphs (not empty, not "tofu" boxes from a missing CJK font). Screenshots are saved
in the test's temporary folder. Skipped (with the reason) where /usr/bin/chromium or playwright is missing;
.ci/run installs chromium and fonts-noto-cjk.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
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


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    result = _e2e().successful_run(tmp_path_factory)
    assert result.returncode == 0, result.log
    return result


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
    # sorting works (the index's only script): clicking "Unit" sorts the rows by name
    tab.open(run.out / "index.html")
    tab.page.get_by_role("button", name="Unit", exact=True).click()
    names = tab.page.eval_on_selector_all("#units tbody tr", "rows => rows.map(r => r.dataset.unit)")
    assert names == ["beijing", "national"]
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
    const glyphs = [...text].map(ch => {
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
