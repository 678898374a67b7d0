"""What reviewers read after a batch: HTML reports with code hidden, the index page, and the combined results.

Reviewers never see code, so a unit's executed notebook is rendered with inputs and prompts removed, and
each page must stand alone (images embedded, no CDN scripts). The index is built from ``run.json`` plus
each unit's ``summary.json`` so that a failed unit is still listed, with its error. Every string that comes
from data, params or an error message is HTML-escaped (Jinja2 autoescaping, equivalent to ``html.escape``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from toolkit.demo import panel as demo
from toolkit.core import io
from toolkit.contracts.results import CATEGORIES, CATEGORY_COLOURS, text_colour

if TYPE_CHECKING:
    from nbformat import NotebookNode

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SYNTHETIC_BANNER = f"{demo.SYNTHETIC_BANNER} / {demo.SYNTHETIC_BANNER_ZH}"
EXTRA_TITLES = {"overview": "Overview across units", "method_evaluation": "Method evaluation"}
#: Cell tags honoured when rendering (the Jupyter Book / nbconvert convention).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")


# --------------------------------------------------------------------------------------------- unit pages


@lru_cache(maxsize=1)
def _html_exporter():
    """One configured exporter per process: building it loads the templates (about 0.3 s)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="lab",
        template_file="report.html.j2",
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
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
                resources_dir: str | Path | None = None, title: str | None = None) -> Path:
    """Render an executed notebook (a path or a ``NotebookNode``) to a stand-alone HTML page with code hidden.

    Written atomically. ``resources_dir`` is where relative image links in markdown are resolved (default:
    the notebook's folder; the batch passes the template's folder, the kernel's working directory). Output
    images are embedded as data URIs by nbconvert; ``embed_images`` also inlines markdown images.
    """
    import nbformat

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
    }
    body, _ = _html_exporter().from_notebook_node(nb, resources=resources)
    return io.write_text(html_path, body)


def error_notebook(name: str, ename: str, evalue: str, *, note: str = "") -> NotebookNode:
    """A stand-in notebook for a run that produced none (kernel never started or died): its page shows why.

    The error is an ``error`` output, so nbconvert escapes it like any traceback.
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    text = note or "This notebook could not be executed; no output was produced."
    cells = [
        new_markdown_cell(f"# {html.escape(name)}: run failed\n\n{html.escape(text)}"),
        new_code_cell("", outputs=[new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])]),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(nb)
    return nb


# ------------------------------------------------------------------------------------------- combined data


def read_summary(out_dir: str | Path, unit_id: str) -> dict[str, Any] | None:
    """The unit's ``summary.json`` (see docs/interfaces.md), or None when missing or unreadable."""
    path = Path(out_dir) / "units" / unit_id / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def combine_results(out_dir: str | Path, unit_ids: Sequence[str]) -> pd.DataFrame:
    """Every listed unit's ``results.csv`` in one frame of text, sorted by the given unit order then indicator.

    Read as text so the combined CSV repeats each value exactly as the notebook wrote it (no ``2020.0``).
    """
    frames = []
    for unit_id in unit_ids:
        path = Path(out_dir) / "units" / unit_id / "results.csv"
        if path.is_file() and path.stat().st_size:
            frame = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
            if "unit_id" not in frame:
                frame.insert(0, "unit_id", unit_id)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["unit_id", "indicator_id", "target_set"], dtype=str)
    combined = pd.concat(frames, ignore_index=True, sort=False).fillna("")
    order = {unit_id: i for i, unit_id in enumerate(unit_ids)}
    combined["_order"] = combined["unit_id"].map(order)
    keys = ["_order", "indicator_id"] if "indicator_id" in combined else ["_order"]
    return combined.sort_values(keys, kind="stable").drop(columns="_order").reset_index(drop=True)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as numbers (and empty cells as blanks) for spreadsheet users; other columns stay text."""
    typed = frame.copy()
    for column in typed.columns:
        values = typed[column].replace("", None)
        try:
            typed[column] = pd.to_numeric(values)
        except (ValueError, TypeError):
            typed[column] = values
    return typed


def write_results(out_dir: str | Path, unit_ids: Sequence[str]) -> pd.DataFrame:
    """``results.csv`` (exact text) and ``results.xlsx`` (typed) in ``out_dir``, written atomically."""
    combined = combine_results(out_dir, unit_ids)
    io.write_csv(Path(out_dir) / "results.csv", combined)
    io.write_xlsx(Path(out_dir) / "results.xlsx", _typed(combined))
    return combined


# ---------------------------------------------------------------------------------------------- index page


def _run_date(run_info: Mapping[str, Any]) -> str:
    started = run_info.get("started")
    try:
        return datetime.fromisoformat(str(started)).date().isoformat()
    except ValueError:
        return datetime.now().date().isoformat()


def _describe(values: Sequence[Any], override: Any) -> str:
    """One value for the header: the run's override, else the units' value(s)."""
    if override not in (None, "", 0):
        return str(override)
    distinct = sorted({str(v) for v in values if v not in (None, "")})
    return ", ".join(distinct) if distinct else "—"


def _error_text(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    text = f"{error.get('ename') or 'Error'}: {error.get('evalue') or ''}".strip()
    if error.get("cell_index") is not None:
        text += f" (cell index {error['cell_index']})"
    return text


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def index_context(out_dir: str | Path, run_info: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the index template shows, gathered from the manifest and the units' summaries."""
    out_dir = Path(out_dir)
    rows, failures = [], []
    for position, unit in enumerate(run_info.get("units", []), start=1):
        unit_id = str(unit["unit_id"])
        summary = read_summary(out_dir, unit_id) or {}
        counts = summary.get("counts") if isinstance(summary.get("counts"), dict) else {}
        ok = unit.get("status") == "ok"
        row = {
            "position": position,
            "unit_id": unit_id,
            "name_en": str(summary.get("name_en") or unit.get("name_en") or unit_id),
            "name_zh": str(summary.get("name_zh") or unit.get("name_zh") or ""),
            "region": str(summary.get("region") or unit.get("region") or ""),
            "ok": ok,
            "status": "ok" if ok else "FAILED",
            "href": unit.get("html") or f"html/{unit_id}.html",
            "synthetic": bool(summary.get("synthetic")),
            "as_of": summary.get("as_of"),
            "target_set": summary.get("target_set"),
            "counts": [(c, (_count(counts.get(c, 0)) if summary else None)) for c in CATEGORIES],
            "duration": unit.get("duration_s"),
            "error": _error_text(unit.get("error")),
        }
        rows.append(row)
        if not ok:
            failures.append({"title": f"{row['name_en']} ({unit_id})", "href": row["href"], "error": row["error"]})
    extras = []
    for extra in run_info.get("extras", []):
        name = str(extra["name"])
        item = {"title": EXTRA_TITLES.get(name, name.replace("_", " ").capitalize()), "href": extra.get("html"),
                "ok": extra.get("status") == "ok", "error": _error_text(extra.get("error"))}
        extras.append(item)
        if not item["ok"]:
            failures.append({"title": item["title"], "href": item["href"], "error": item["error"]})
    git = run_info.get("git") or {}
    return {
        "title": f"Outline monitoring — run of {_run_date(run_info)}",
        "as_of": _describe([r["as_of"] for r in rows], run_info.get("as_of")),
        "target_set": _describe([r["target_set"] for r in rows], run_info.get("targets")),
        "started": run_info.get("started", ""),
        "finished": run_info.get("finished", ""),
        "toolkit_version": run_info.get("toolkit_version", ""),
        "commit": (git.get("commit") or "")[:12],
        "dirty": bool(git.get("dirty")),
        "rows": rows,
        "n_ok": sum(r["ok"] for r in rows),
        "failures": failures,
        "extras": extras,
        "any_synthetic": any(r["synthetic"] for r in rows),
        "banner": SYNTHETIC_BANNER,
        "categories": CATEGORIES,
        "category_colours": {c: (CATEGORY_COLOURS[c], text_colour(c)) for c in CATEGORIES},
        "has_xlsx": (out_dir / "results.xlsx").exists(),
    }


@lru_cache(maxsize=1)
def _index_template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("index.html.j2")


def write_index(out_dir: str | Path, run_info: Mapping[str, Any]) -> Path:
    """Write ``<out_dir>/index.html`` (self-contained, sortable) for the run described by ``run_info`` (run.json)."""
    html = _index_template().render(**index_context(out_dir, run_info))
    return io.write_text(Path(out_dir) / "index.html", html)
