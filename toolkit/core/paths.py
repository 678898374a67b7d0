"""Where the project's shipped files live, so that no module hard-codes a path."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
TARGETS_DIR = DATA_DIR / "targets"
OBSERVATIONS_DIR = DATA_DIR / "observations"
DEMO_DIR = DATA_DIR / "demo"
PARAMS_DIR = PROJECT_ROOT / "params"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
UNITS_CSV = DATA_DIR / "units.csv"
INDICATORS_CSV = DATA_DIR / "indicators.csv"
