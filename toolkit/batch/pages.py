"""Notebook pages: an executed notebook rendered as a standalone HTML page with code hidden.

Reviewers never see code, so a unit's executed notebook is rendered with inputs and prompts removed, and
each page must stand alone (images embedded, no CDN scripts). Every string that comes
from data, params or an error message is HTML-escaped (Jinja2 autoescaping, equivalent to ``html.escape``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.core import io
from toolkit.core.i18n import HTML_LANG, N_, _, check_language, current_language, language

if TYPE_CHECKING:
    from nbformat import NotebookNode

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
EXTRA_TITLES = {"overview": N_("Overview across units"), "method_evaluation": N_("Method evaluation")}
#: Cell tags honoured when rendering (the Jupyter Book / nbconvert convention).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")


# --------------------------------------------------------------------------------------------- unit pages


def extra_title(name: str) -> str:
    """The title of an extra page (overview, method evaluation) in the current edition."""
    return _(EXTRA_TITLES[name]) if name in EXTRA_TITLES else name.replace("_", " ").capitalize()


@lru_cache(maxsize=None)
def _html_exporter(language_code: str = "en"):
    """One configured exporter per process and edition: building it loads the templates (about 0.3 s)."""
    from nbconvert import HTMLExporter  # 3.1 s cold here: once per worker, only when a page is rendered
    from nbconvert.preprocessors import TagRemovePreprocessor  # part of nbconvert's 3.1 s

    exporter = HTMLExporter(
        template_name="lab",
        template_file="report.html.j2",
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=language_code,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL_TAGS, remove_input_tags=REMOVE_INPUT_TAGS,
                              remove_all_outputs_tags=REMOVE_OUTPUT_TAGS, enabled=True),
        enabled=True,
    )
    return exporter


def _has_math(nb) -> bool:
    """MathJax (a CDN script) is only worth loading when the notebook shows math."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and ("$" in cell.source or "\\(" in cell.source):
            return True
        for output in cell.get("outputs", []):
            if "text/latex" in output.get("data", {}):
                return True
    return False


def render_html(notebook_path: str | Path | NotebookNode, html_path: str | Path, *,
                resources_dir: str | Path | None = None, title: str | None = None, language: str = "",
                nav: Sequence[tuple[str, str]] = ()) -> Path:
    """Render an executed notebook (a path or a ``NotebookNode``) to a stand-alone HTML page with code hidden.

    Written atomically. ``resources_dir`` is where relative image links in markdown are resolved (default:
    the notebook's folder; the batch passes the template's folder, the kernel's working directory). Output
    images are embedded as data URIs by nbconvert; ``embed_images`` also inlines markdown images.
    ``language``: the page's edition, its ``<html lang>`` ("" = the current edition). ``nav``: (label, href)
    links shown at the top of the page (back to the index and the run's other pages).
    """
    import nbformat  # 2.3 s cold here (jsonschema's format checker, rfc3987_syntax)

    html_path = Path(html_path)
    if isinstance(notebook_path, nbformat.NotebookNode):
        nb, folder = nbformat.from_dict(notebook_path), html_path.parent
    else:
        nb, folder = nbformat.read(notebook_path, as_version=4), Path(notebook_path).parent
    if title:
        nb.metadata["title"] = title
    resources = {
        "metadata": {"name": html_path.stem, "path": str(Path(resources_dir or folder))},
        "toolkit_mathjax": _has_math(nb),
        "toolkit_nav": [(str(label), str(href)) for label, href in nav],
    }
    code = check_language(language) if language else current_language()
    # nbconvert checks language_code against ISO 639-1, so "zh", not "zh-CN": the region is set below.
    body, _resources = _html_exporter(code).from_notebook_node(nb, resources=resources)
    body = body.replace(f'<html lang="{code}">', f'<html lang="{HTML_LANG[code]}">', 1)
    return io.write_text(html_path, body)


def error_notebook(name: str, ename: str, evalue: str, *, note: str = "", language_code: str = "") -> NotebookNode:
    """A stand-in notebook for a run that produced none (kernel never started or died): its page shows why.

    The error is an ``error`` output, so nbconvert escapes it like any traceback.
    """
    import nbformat  # 2.3 s cold here (jsonschema's format checker, rfc3987_syntax)
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # part of nbformat's 2.3 s

    with language(language_code or current_language()):
        text = note or _("This notebook could not be executed; no output was produced.")
        heading = _("{name}: run failed").format(name=name)
    cells = [
        new_markdown_cell(f"# {html.escape(heading)}\n\n{html.escape(text)}"),
        new_code_cell("", outputs=[new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])]),
    ]
    for position, cell in enumerate(cells):  # fixed ids: the page of a failed unit is the same from run to run
        cell["id"] = f"run-failed-{position}"
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(nb)
    return nb
