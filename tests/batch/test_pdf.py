"""Printed pages (toolkit.batch.pdf and the print style sheet of templates/report.html.j2).

Without Chromium or Playwright: the request fails with a message naming what is missing, before the batch
starts. With them (skipped otherwise, as tests/test_browser.py; .ci/run installs Debian's chromium): a page
prints to A4 with its <details> open, and a report page rendered by the batch's template prints its chart
sections on a new page, its tall figures as whole chart rows and its wide tables within the page.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from toolkit.batch import pdf
from toolkit.batch import run as run_module
from toolkit.batch.pages import render_html
from toolkit.batch.run import run_batch
from toolkit.cli import build_parser
from toolkit.core.errors import ToolkitError

CHROMIUM = Path("/usr/bin/chromium")
A4_POINTS = (595, 842)


def n_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def media_boxes(data: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)]


# ------------------------------------------------------------------------------------- what is missing


def test_missing_chromium_is_named_with_how_to_get_it(monkeypatch):
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ToolkitError) as caught:
        pdf.check_pdf_support()
    message = str(caught.value)
    assert "no Chromium browser found" in message and "chromium, chromium-browser" in message
    assert "apt-get install chromium" in message and pdf.CHROMIUM_ENV in message


def test_missing_playwright_is_named_with_how_to_get_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(pdf.importlib.util, "find_spec", lambda name: None if name == "playwright" else real(name))
    monkeypatch.setattr(pdf.shutil, "which", lambda name: "/usr/bin/chromium")
    with pytest.raises(ToolkitError) as caught:
        pdf.check_pdf_support()
    message = str(caught.value)
    assert "playwright is not installed" in message and "pip install -e '.[pdf]'" in message
    assert "Chromium browser found" not in message  # only what is missing


def test_a_browser_variable_that_names_no_program_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "no-such-chrome"))
    with pytest.raises(ToolkitError, match=f"{pdf.CHROMIUM_ENV}=.*no-such-chrome is not an executable file"):
        pdf.check_pdf_support()


def test_run_with_pdf_fails_before_any_kernel_starts(monkeypatch, tmp_path):
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ToolkitError, match="Chromium"):
        run_batch(["beijing"], out=tmp_path / "run", extras={}, progress=False, pdf=True)
    assert not (tmp_path / "run").exists()  # nothing was planned, locked or written


def test_the_run_command_has_a_pdf_flag():
    parser = build_parser()
    assert parser.parse_args(["run", "--pdf"]).pdf is True
    assert parser.parse_args(["run"]).pdf is False


def test_the_run_prints_the_pages_of_jobs_that_succeeded_and_goes_on_when_printing_fails(monkeypatch, tmp_path):
    asked = []

    def browser_that_does_not_start(out_dir, pages):
        asked.extend(name for name, _path in pages)
        raise ToolkitError("Chromium did not start, so no PDF was written")

    monkeypatch.setattr(run_module, "write_pdfs", browser_that_does_not_start)
    jobs = [SimpleNamespace(name=name, html=tmp_path / f"{name}.html") for name in ("national", "tianjin", "overview")]
    outcomes = {"national": SimpleNamespace(ok=True), "tianjin": SimpleNamespace(ok=False),
                "overview": SimpleNamespace(ok=True)}
    printed = run_module._print_pdfs(SimpleNamespace(out=tmp_path), jobs, outcomes, progress=False)
    assert asked == ["national", "overview"]  # a failed unit's page is not a report
    assert printed.written == {} and set(printed.failed) == {"national", "overview"}
    assert "Chromium did not start" in printed.failed["national"]


def test_a_page_that_was_not_rendered_is_skipped(tmp_path):
    result = pdf.write_pdfs(tmp_path / "pdf", [("tianjin", tmp_path / "html" / "tianjin.html")],
                            chromium=_any_program())
    assert result.written == {} and "not rendered" in result.failed["tianjin"]
    assert not (tmp_path / "pdf").exists()  # no browser was started for nothing


def test_a_browser_that_does_not_start_is_a_clear_error(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(ToolkitError, match="Chromium did not start, so no PDF was written"):
        pdf.write_pdfs(tmp_path / "pdf", [("page", page)], chromium=_any_program("/bin/false"))
    assert not list(tmp_path.rglob("*.pdf"))


def _any_program(program: str = "/bin/sh") -> str:
    """A program that check_pdf_support accepts as the browser (the test skips without playwright)."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed (pip install -e '.[pdf]')")
    return program


# ----------------------------------------------------------------------------------- real printing

needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None,
    reason=f"{CHROMIUM} or playwright not found: install Debian's chromium and pip install -e '.[pdf]' "
           "to print (.ci/run installs chromium)")

DETAILS_LINES = 70  # about two A4 pages once open


def _plain_page(tmp_path: Path) -> Path:
    lines = "".join(f"<p>details line {i}</p>" for i in range(DETAILS_LINES))
    cells = "".join(f"<td>https://example.org/a/very/long/address/without/any/spaces/{i:04d}</td>" for i in range(10))
    page = tmp_path / "html" / "plain.html"
    page.parent.mkdir(parents=True)
    page.write_text(f"""<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>t</title></head><body>
<h2>Scorecard 记分卡</h2><table><tr>{cells}</tr></table>
<details><summary>Sources (70)</summary>{lines}</details></body></html>""", encoding="utf-8")
    return page


@needs_browser
def test_a_page_prints_to_a4_with_its_details_open(tmp_path):
    page = _plain_page(tmp_path)
    result = pdf.write_pdfs(tmp_path / "pdf", [("plain", page)])
    assert result.failed == {} and result.written == {"plain": tmp_path / "pdf" / "plain.pdf"}
    data = result.written["plain"].read_bytes()
    assert data.startswith(b"%PDF")
    boxes = media_boxes(data)
    assert boxes and all(abs(w - A4_POINTS[0]) <= 1 and abs(h - A4_POINTS[1]) <= 1 for w, h in boxes), boxes
    assert not list((tmp_path / "pdf").glob(".*.tmp"))

    # the same page printed closed fits one page: the opened details are what made the others
    from playwright.sync_api import sync_playwright  # 0.1 s cold here

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(pdf.CHROMIUM_ARGS))
        try:
            tab = browser.new_page()
            tab.goto(page.as_uri())
            closed = tab.pdf(format="A4")
        finally:
            browser.close()
    assert n_pages(closed) == 1
    assert n_pages(data) >= 2


def _png(width: int, blocks: list[tuple[int, int]], height: int) -> str:
    """A PNG of dark horizontal blocks (start, end rows) on white: a figure whose chart rows are the blocks."""
    dark, white = b"\x20\x40\x80" * width, b"\xff\xff\xff" * width
    raw = b"".join(b"\x00" + (dark if any(a <= y < b for a, b in blocks) else white) for y in range(height))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


@needs_browser
def test_a_report_page_prints_sections_whole_chart_rows_and_fitting_tables(tmp_path):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # 2.3 s cold here

    figure = _png(200, [(10, 130), (170, 290), (330, 410)], 420)  # three chart rows, 40-pixel white gaps
    wide = "".join(f"<td>https://example.org/a/very/long/address/without/any/spaces/{i:04d}</td>" for i in range(10))
    nb = new_notebook(cells=[
        new_markdown_cell("# 北京市 report"),
        new_markdown_cell("<details><summary>Sources</summary>\n\nHIDDEN_SOURCE_LIST\n\n</details>"),
        new_code_cell("", outputs=[new_output("display_data", data={
            "text/html": f'<table class="tk-table"><tr>{wide}</tr></table>', "text/plain": "table"})]),
        new_markdown_cell("## How to read this report\n\nProse only: it introduces the scorecard."),
        new_code_cell("", outputs=[new_output("display_data", data={
            "text/html": "<h2>记分卡 Scorecard</h2><table><tr><td>1</td></tr></table>", "text/plain": "scorecard"})]),
        new_markdown_cell("## Charts\n\nOne figure per area."),
        new_code_cell("", outputs=[new_output("display_data", data={"image/png": figure, "text/plain": "<Figure>"})]),
    ])
    page = render_html(nb, tmp_path / "html" / "beijing.html")
    from playwright.sync_api import sync_playwright  # 0.1 s cold here

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(pdf.CHROMIUM_ARGS))
        try:
            tab = browser.new_page(viewport={"width": 703, "height": 1009})  # the A4 page's content box
            tab.emulate_media(media="print")
            tab.goto(page.as_uri())
            tab.evaluate("window.toolkitPrint.prepare()")
            state = tab.evaluate("""() => ({
                rows: Array.from(document.querySelectorAll('canvas.tk-print-row')).map(c => c.height),
                hidden: getComputedStyle(document.querySelector('.jp-RenderedImage img')).display,
                open: document.querySelector('details').open,
                right: document.querySelector('table').getBoundingClientRect().right,
                width: document.documentElement.scrollWidth,
                breaks: Array.from(document.querySelectorAll('.jp-Cell'), c => getComputedStyle(c).breakBefore) })""")
            assert state["rows"] == [150, 160, 110]  # cut in the middle of each white gap
            assert state["hidden"] == "none" and state["open"] is True
            assert state["right"] <= 703 and state["width"] <= 703  # the wide table wraps within the page
            # title | details | table | prose section (new page) | scorecard (kept with it) | charts (new page) | figure
            assert state["breaks"] == ["auto", "auto", "auto", "page", "auto", "page", "auto"]
            tab.evaluate("window.toolkitPrint.restore()")
            assert tab.evaluate("document.querySelectorAll('canvas').length") == 0
            assert tab.evaluate("document.querySelector('details').open") is False
        finally:
            browser.close()

    result = pdf.write_pdfs(tmp_path / "pdf", [("beijing", page)])
    data = result.written["beijing"].read_bytes()
    assert n_pages(data) == 3  # title, details and table; how to read and the scorecard; the charts
