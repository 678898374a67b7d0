"""What a batch publishes besides the unit pages: the combined results (CSV and XLSX) and the index page.

The index is built from ``run.json`` plus each unit's ``summary.json`` so that a failed unit is still
listed, with its error. Every string that comes from data, params or an error message is HTML-escaped
(Jinja2 autoescaping).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from toolkit.batch.pages import EXTRA_TITLES, TEMPLATES_DIR
from toolkit.contracts.cycles import CYCLES
from toolkit.contracts.results import CATEGORIES, CATEGORY_COLOURS, text_colour
from toolkit.contracts.run_folder import RunFolder
from toolkit.contracts.synthetic import banner_text
from toolkit.core import io


def combine_results(out_dir: str | Path, unit_ids: Sequence[str]) -> pd.DataFrame:
    """Every listed unit's ``results.csv`` in one frame of text, sorted by the given unit order then indicator.

    Read as text so the combined CSV repeats each value exactly as the notebook wrote it (no ``2020.0``).
    """
    frames = []
    for unit_id in unit_ids:
        path = RunFolder(Path(out_dir)).unit_results(unit_id)
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
    folder = RunFolder(out_dir)
    rows, failures = [], []
    for position, unit in enumerate(run_info.get("units", []), start=1):
        unit_id = str(unit["unit_id"])
        summary = folder.read_summary(unit_id) or {}
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
            "latest_year": summary.get("latest_year"),
            "stale": _earlier(summary.get("latest_year"), summary.get("as_of")),
            "target_set": summary.get("target_set"),
            "cycle": summary.get("cycle"),
            "local_plans": list(summary.get("local_plans") or []),
            "n_context": _count(summary.get("n_context", 0)),
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
        "run_status": str(run_info.get("status") or "complete"),
        "pid": run_info.get("pid"),
        "planned_units": list(run_info.get("planned_units") or []),
        "finished_units": list(run_info.get("finished_units") or []),
        "as_of": _describe([r["as_of"] for r in rows], run_info.get("as_of")),
        "target_set": _describe([r["target_set"] for r in rows], run_info.get("targets")),
        "cycle": _cycle_names([r["cycle"] for r in rows if r["cycle"]]),
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
        "banner": banner_text(),
        "categories": CATEGORIES,
        "category_colours": {c: (CATEGORY_COLOURS[c], text_colour(c)) for c in CATEGORIES},
        "has_xlsx": (out_dir / "results.xlsx").exists(),
    }


def _earlier(latest_year: Any, as_of: Any) -> bool:
    """A unit whose data end before the as-of year: its status is as of its own data, not the run's year."""
    return isinstance(latest_year, int) and isinstance(as_of, int) and latest_year < as_of


def _cycle_names(cycle_ids: list[str]) -> str:
    """The Outline cycle(s) of the run, named in full."""
    names = [f"{CYCLES[c].name_zh} {CYCLES[c].name_en}" for c in dict.fromkeys(cycle_ids) if c in CYCLES]
    return "; ".join(names)


@lru_cache(maxsize=1)
def _index_template():
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("index.html.j2")


def write_index(out_dir: str | Path, run_info: Mapping[str, Any]) -> Path:
    """Write ``<out_dir>/index.html`` (self-contained, sortable) for the run described by ``run_info`` (run.json)."""
    html = _index_template().render(**index_context(out_dir, run_info))
    return io.write_text(Path(out_dir) / "index.html", html)
