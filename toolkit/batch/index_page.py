"""The run's index page: every unit with its status, data vintage and counts, and links to the other pages.

Built from ``run.json`` plus each unit's ``summary.json`` so that a failed unit is still listed, with its
error; written in the run's edition from one Jinja2 template whose ``_()`` strings are in the ``index``
catalogue. Every string that comes from data, params or an error message is HTML-escaped (Jinja2
autoescaping).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from toolkit.batch.pages import TEMPLATES_DIR, extra_title
from toolkit.batch.run_words import cycle_names, describe, run_date, when
from toolkit.contracts.labels import both_names, category_label, local_name, region_label
from toolkit.contracts.results import CATEGORIES, CATEGORY_COLOURS, text_colour
from toolkit.contracts.run_folder import RunFolder, run_language
from toolkit.contracts.synthetic import banner_text
from toolkit.core import i18n, io
from toolkit.core.i18n import _, current_language, html_lang
from toolkit.inputs.units import names_above

# -------------------------------------------------------------------------------------------- the index page


def _error_text(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    text = f"{error.get('ename') or 'Error'}: {error.get('evalue') or ''}".strip()
    if error.get("cell_index") is not None:
        text += _(" (cell index {n})").format(n=error["cell_index"])
    return text


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def index_context(out_dir: str | Path, run_info: Mapping[str, Any], *, language: str | None = None) -> dict[str, Any]:
    """Everything the index template shows, gathered from the manifest and the units' summaries, in the run's
    edition (``language`` overrides it)."""
    code = i18n.check_language(language) if language else run_language(run_info)
    with i18n.language(code):
        return _index_context(Path(out_dir), run_info)


def _within(unit_id: str) -> str:
    """The enclosing unit's name for a prefecture or county (成都市 for 武侯区), "" for the nation and provinces:
    a county run's index is read, sorted and filtered by it."""
    above = names_above(unit_id, local_name)
    return above[-1] if above else ""


def _index_context(out_dir: Path, run_info: Mapping[str, Any]) -> dict[str, Any]:
    folder = RunFolder(out_dir)
    rows, failures = [], []
    for position, unit in enumerate(run_info.get("units", []), start=1):
        unit_id = str(unit["unit_id"])
        summary = folder.read_summary(unit_id) or {}
        counts = summary.get("counts") if isinstance(summary.get("counts"), dict) else {}
        ok = unit.get("status") == "ok"
        names = {"name_zh": str(summary.get("name_zh") or unit.get("name_zh") or ""),
                 "name_en": str(summary.get("name_en") or unit.get("name_en") or unit_id)}
        region = str(summary.get("region") or unit.get("region") or "")
        row_counts = [(c, (_count(counts.get(c, 0)) if summary else None)) for c in CATEGORIES]
        within = _within(unit_id)
        row = {
            "position": position,
            "unit_id": unit_id,
            **names,
            "name": both_names(names),
            "sort_name": local_name(names),
            "region": region,
            "region_label": region_label(region) if region else "",
            "within": within,
            "search": " ".join(dict.fromkeys(word.lower() for word in (
                unit_id, names["name_zh"], names["name_en"], region, region_label(region) if region else "", within)
                if word)),
            "ok": ok,
            "status": _("ok") if ok else _("FAILED"),
            "href": unit.get("html") or RunFolder.unit_html_href(unit_id),
            "pdf": unit.get("pdf"),
            "synthetic": bool(summary.get("synthetic")),
            "as_of": summary.get("as_of"),
            "latest_year": summary.get("latest_year"),
            "stale": _earlier(summary.get("latest_year"), summary.get("as_of")),
            "target_set": summary.get("target_set"),
            "cycle": summary.get("cycle"),
            "local_plans": list(summary.get("local_plans") or []),
            "n_context": _count(summary.get("n_context", 0)),
            "counts": row_counts,
            "categories_present": " ".join(c for c, n in row_counts if n),
            "error": _error_text(unit.get("error")),
        }
        rows.append(row)
        if not ok:
            failures.append({"title": row["name"], "uid": unit_id, "href": row["href"], "error": row["error"]})
    extras = []
    for extra in run_info.get("extras", []):
        name = str(extra["name"])
        status = extra.get("status")
        item = {"name": name, "title": extra_title(name), "href": extra.get("html") if status else None,
                "ok": status == "ok", "error": _error_text(extra.get("error")), "pdf": extra.get("pdf")}
        extras.append(item)
        if not item["ok"]:
            failures.append({"title": item["title"], "uid": "", "href": item["href"], "error": item["error"]})
    git = run_info.get("git") or {}
    present = [c for c in CATEGORIES if any(n for r in rows for cat, n in r["counts"] if cat == c)]
    return {
        "show_within": any(row["within"] for row in rows),
        "language": current_language(),
        "html_lang": html_lang(),
        "title": _("Outline monitoring — run of {date}").format(date=run_date(run_info)),
        "run_status": str(run_info.get("status") or "complete"),
        "pid": run_info.get("pid"),
        "planned_units": list(run_info.get("planned_units") or []),
        "finished_units": list(run_info.get("finished_units") or []),
        "as_of": describe([r["as_of"] for r in rows], run_info.get("as_of")),
        "target_set": describe([r["target_set"] for r in rows], run_info.get("targets")),
        "cycle": cycle_names([r["cycle"] for r in rows if r["cycle"]]),
        "started": when(run_info.get("started", "")),
        "finished": when(run_info.get("finished", "")),
        "toolkit_version": run_info.get("toolkit_version", ""),
        "commit": (git.get("commit") or "")[:12],
        "dirty": bool(git.get("dirty")),
        "rows": rows,
        "n_ok": sum(r["ok"] for r in rows),
        "n_failed": sum(not r["ok"] for r in rows),
        "failures": failures,
        "extras": extras,
        "any_synthetic": any(r["synthetic"] for r in rows),
        "banner": banner_text(),
        "categories": CATEGORIES,
        "category_labels": {c: category_label(c) for c in CATEGORIES},
        "categories_present": present,
        "category_colours": {c: (CATEGORY_COLOURS[c], text_colour(c)) for c in CATEGORIES},
        "has_xlsx": (out_dir / "results.xlsx").exists(),
        "has_csv": (out_dir / "results.csv").exists(),
    }


def _earlier(latest_year: Any, as_of: Any) -> bool:
    """A unit whose data end before the as-of year: its status is as of its own data, not the run's year."""
    return isinstance(latest_year, int) and isinstance(as_of, int) and latest_year < as_of


def _fill(message: str, **values: Any) -> Markup:
    """A translated sentence with its placeholders filled: the sentence and plain values escaped, Markup
    values (``strong``) kept, so the placeholders can be emphasised without building the sentence in pieces."""
    return Markup(escape(message)).format(**values)


def _strong(value: Any) -> Markup:
    return Markup("<strong>{}</strong>").format(value)


@lru_cache(maxsize=1)
def _index_template():
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    # the current edition's catalogue at each call, so one environment serves both editions
    env.install_gettext_callables(gettext=i18n._, ngettext=i18n.ngettext, newstyle=False)
    env.filters.update(fill=_fill, strong=_strong)
    return env.get_template("index.html.j2")


def write_index(out_dir: str | Path, run_info: Mapping[str, Any], *, language: str | None = None) -> Path:
    """Write ``<out_dir>/index.html`` (self-contained, sortable, filterable) for the run described by
    ``run_info`` (run.json), in the run's edition (``language`` overrides it)."""
    code = i18n.check_language(language) if language else run_language(run_info)
    with i18n.language(code):
        html = _index_template().render(**_index_context(Path(out_dir), run_info))
    return io.write_text(Path(out_dir) / "index.html", html)

