"""The shipped ``params/<unit>.yaml`` files: the nation on its real series, the provinces on the demo panel.

Kept with the demonstration panel because it is what points the province files at it; nothing in a run
calls it (``tests`` check that the committed files round-trip).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from toolkit.core import io
from toolkit.core.paths import PARAMS_DIR, display_path
from toolkit.demo.panel import DEMO_FILE
from toolkit.inputs.params_rules import known_unit
from toolkit.inputs.units import PROVINCE_LEVELS, load_units


def unit_params_text(unit_id: str, *, data: Iterable[str] | None = None, notes: str = "") -> str:
    """The YAML of a unit file that overrides only ``data`` and ``notes`` (used to write params/*.yaml)."""
    units = load_units()
    row = units.loc[known_unit(unit_id)]
    lines = [f"# {row['name_en']} / {row['name_zh']}: parameters that differ from params/defaults.yaml.",
             f"unit_id: {unit_id}"]
    if data is None:
        lines.append("# data: the defaults' real national series (data/observations/national.csv).")
    else:
        lines += ["# Real provincial fragments (data/observations/provincial.csv) are too sparse to assess (a few",
                  "# points for a few indicators), so provinces run on the seeded synthetic demonstration panel;",
                  "# reports say so in a banner. Replace with real observation files when available.",
                  "data: [" + ", ".join(data) + "]"]
    lines.append(f"notes: {_yaml_str(notes)}")
    return "\n".join(lines) + "\n"


def write_unit_params_files(out_dir: str | Path = PARAMS_DIR, *, overwrite: bool = False) -> list[Path]:
    """Write params/<unit_id>.yaml for the nation and every province (provinces on the demo panel); the units
    below have no params files of their own."""
    out_dir, written = Path(out_dir), []
    demo = display_path(DEMO_FILE)
    for unit_id, row in load_units(levels=PROVINCE_LEVELS).iterrows():
        target = out_dir / f"{unit_id}.yaml"
        if target.exists() and not overwrite:
            continue
        if row["level"] == "country":
            text = unit_params_text(unit_id, notes="Real national series (official figures, see data/README.md).")
        else:
            text = unit_params_text(unit_id, data=[demo], notes="Synthetic demonstration data, not official "
                                                                  "statistics.")
        written.append(io.write_text(target, text))
    return written


def _yaml_str(text: str) -> str:
    return '""' if not text else yaml.safe_dump(text, default_style='"', allow_unicode=True).strip()
