"""Rendered pages to PDF: each HTML page printed by headless Chromium through Playwright, on A4.

Reviewers print the reports; ``python -m toolkit run --pdf`` writes ``pdf/<name>.pdf`` beside ``html/``.
The layout is the pages' own print style sheet (``templates/report.html.j2``, ``@media print``); this module
only loads each page and prints it.

Decisions:

- The system's Chromium, never a browser Playwright downloads (``playwright install`` needs the network):
  ``$TOOLKIT_CHROMIUM`` when set, else ``chromium`` or ``chromium-browser`` on the PATH.
- :func:`check_pdf_support` runs before the batch starts a kernel, so a missing browser or Playwright fails
  the request at once, not after every notebook has run.
- One browser for all pages, a fresh tab per page. ``<details>`` are opened before printing (the print
  style sheet opens them in Chromium too, but not in every browser). The page size comes from the page's
  ``@page`` rule (``prefer_css_page_size``), A4 where a page has none.
- A page that cannot be printed is recorded and skipped: the others are still printed. Every PDF is
  written atomically (:func:`toolkit.core.io.write_bytes`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core import io
from toolkit.core.errors import Problem, ToolkitError

#: Environment variable naming the Chromium (or Chrome) executable to print with.
CHROMIUM_ENV = "TOOLKIT_CHROMIUM"
#: Executables looked for on the PATH when ``$TOOLKIT_CHROMIUM`` is not set (Debian, Ubuntu/Fedora).
CHROMIUM_NAMES = ("chromium", "chromium-browser")
#: Also the browser test's (tests/test_browser.py): without the background-networking flags a closed network refuses many
#: connections at every start; ``--no-sandbox`` because batch machines often run as root.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
#: The run folder's subfolder of PDFs.
PDF_DIR = "pdf"
#: Longest wait for one page to load or print (a report with 60 charts prints in about 2 s).
PAGE_TIMEOUT_MS = 120_000
#: The page's own print preparation (templates/report.html.j2: <details> opened, tall figures cut into their
#: chart rows); a page without it (the index, an older page) gets its <details> opened.
PREPARE_JS = """() => {
  if (window.toolkitPrint) { window.toolkitPrint.prepare(); return true; }
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return false;
}"""
INSTALL_PLAYWRIGHT = "pip install -e '.[pdf]' (or pip install playwright); no browser download is needed"
INSTALL_CHROMIUM = (f"install Chromium (Debian/Ubuntu: apt-get install chromium), or set {CHROMIUM_ENV} to a "
                    "Chromium or Chrome executable")


@dataclass
class PdfResult:
    """What :func:`write_pdfs` printed (``name -> path``) and what it could not (``name -> reason``)."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def pdf_dir(run_dir: str | Path) -> Path:
    """The folder of a run's PDFs."""
    return Path(run_dir) / PDF_DIR


def pdf_href(name: str) -> str:
    """A page's PDF relative to the run folder (as ``run.json`` records it)."""
    return f"{PDF_DIR}/{name}.pdf"


def find_chromium() -> Path | None:
    """The Chromium to print with: ``$TOOLKIT_CHROMIUM``, else the first of :data:`CHROMIUM_NAMES` on the PATH."""
    given = os.environ.get(CHROMIUM_ENV, "").strip()
    if given:
        found = shutil.which(os.path.expanduser(given))
        return Path(found) if found else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def check_pdf_support(chromium: str | Path | None = None) -> Path:
    """The browser executable (``chromium``, else :func:`find_chromium`), or a ToolkitError naming everything
    that is missing and how to get it. Cheap (nothing is imported or started): the batch calls it first."""
    problems = []
    if importlib.util.find_spec("playwright") is None:
        problems.append(Problem("the Python package playwright is not installed", INSTALL_PLAYWRIGHT))
    if chromium is not None:
        found = shutil.which(str(chromium))
        browser, missing = (Path(found) if found else None), f"{chromium} is not an executable file"
    else:
        browser, given = find_chromium(), os.environ.get(CHROMIUM_ENV, "").strip()
        missing = (f"{CHROMIUM_ENV}={given} is not an executable file" if given
                   else f"no Chromium browser found ({CHROMIUM_ENV} is not set; none of "
                        f"{', '.join(CHROMIUM_NAMES)} is on the PATH)")
    if browser is None:
        problems.append(Problem(missing, INSTALL_CHROMIUM))
    if problems or browser is None:
        raise ToolkitError("--pdf needs Playwright and a Chromium browser", problems=problems)
    return browser


def write_pdfs(out_dir: str | Path, pages: Sequence[tuple[str, Path]], *,
               chromium: str | Path | None = None) -> PdfResult:
    """Print each ``(name, html_path)`` to ``out_dir/<name>.pdf`` with one headless Chromium.

    A page whose HTML is missing, or that fails to load or print, is recorded in ``failed`` and skipped.
    Raises a ToolkitError when Playwright or Chromium is missing or the browser does not start.
    """
    executable = check_pdf_support(chromium)
    out_dir = Path(out_dir)
    result = PdfResult()
    todo = []
    for name, html_path in pages:
        if Path(html_path).is_file():
            todo.append((name, Path(html_path)))
        else:
            result.failed[name] = f"no page to print ({Path(html_path).name} was not rendered)"
    if not todo:
        return result
    from playwright.sync_api import Error as PlaywrightError  # 0.1 s cold here; only with --pdf
    from playwright.sync_api import sync_playwright  # part of playwright's 0.1 s

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                                 args=list(CHROMIUM_ARGS))
            try:
                for name, html_path in todo:
                    try:
                        pdf = _print_page(browser, html_path)
                        result.written[name] = io.write_bytes(out_dir / f"{name}.pdf", pdf)
                    except PlaywrightError as exc:
                        result.failed[name] = _first_line(exc)
                    except ToolkitError as exc:  # the PDF could not be written (disk full, permissions)
                        result.failed[name] = str(exc).replace("\n", " ")
            finally:
                with contextlib.suppress(PlaywrightError):
                    browser.close()
    except PlaywrightError as exc:  # Playwright's driver or the browser did not start
        raise ToolkitError("Chromium did not start, so no PDF was written", path=executable, problems=[
            Problem(_first_line(exc), f"check that {executable} runs (--version), or {INSTALL_CHROMIUM}")
        ]) from None
    return result


def _print_page(browser, html_path: Path) -> bytes:
    page = browser.new_page()
    try:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(html_path.resolve().as_uri(), wait_until="load")
        page.evaluate(PREPARE_JS)
        page.evaluate("document.fonts.ready.then(() => true)")  # CJK fonts laid out before printing
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        page.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def remove_pdfs(out_dir: str | Path, names: Iterable[str]) -> None:
    """Delete the PDFs of ``names`` (before their pages are re-rendered: a PDF never shows an older run).

    A symbolic link in place of the folder is not followed, so the run never deletes files elsewhere.
    """
    out_dir = Path(out_dir)
    if out_dir.is_symlink() or not out_dir.is_dir():
        return
    for name in names:
        with contextlib.suppress(OSError):
            (out_dir / f"{name}.pdf").unlink()
