"""What a batch publishes besides the unit pages: the combined results, as ``results.csv`` and ``results.xlsx``.

``results.csv`` is the public interface and stays exactly as the notebooks wrote it; the workbook
(:mod:`toolkit.batch.workbook`) adds a readme sheet, names and headers in the run's edition (zh or en,
``language`` in run.json). The index page is :mod:`toolkit.batch.index_page`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from toolkit.batch.workbook import readme_rows, results_table, save_workbook
from toolkit.contracts.run_folder import RunFolder, run_language
from toolkit.core import i18n, io
from toolkit.core.i18n import _


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


def write_results(out_dir: str | Path, unit_ids: Sequence[str], *, language: str | None = None) -> pd.DataFrame:
    """``results.csv`` (exact text, the public interface) and ``results.xlsx`` (a readme sheet, then the results
    with names and headers in the run's edition) in ``out_dir``, written atomically.

    ``language``: the workbook's edition; default: the run's, from ``out_dir``'s run.json.
    """
    out_dir = Path(out_dir)
    combined = combine_results(out_dir, unit_ids)
    io.write_csv(out_dir / "results.csv", combined)
    manifest = RunFolder(out_dir).read_manifest()
    code = i18n.check_language(language) if language else run_language(manifest)
    with i18n.language(code):
        summaries = [s for s in (RunFolder(out_dir).read_summary(u) for u in unit_ids) if s]
        table = results_table(combined)
        readme = readme_rows(manifest, summaries, table)
        sheets = (_("readme"), _("results"))
        io.atomic_write(out_dir / "results.xlsx", lambda tmp: save_workbook(tmp, sheets, readme, table))
    return combined


