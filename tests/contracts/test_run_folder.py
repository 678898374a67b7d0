"""toolkit.contracts.run_folder: the paths and links of a run folder, and the data_override round trip."""

from __future__ import annotations

import json

from toolkit.batch.execute import declared_parameters
from toolkit.contracts.run_folder import (
    NOTEBOOK_PARAMETERS,
    REQUIRED_PARAMETERS,
    RunFolder,
    data_file_paths,
    join_paths,
    split_paths,
)
from toolkit.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT


def test_the_template_declares_every_notebook_parameter():
    declared = declared_parameters(NOTEBOOKS_DIR / "province_report.ipynb")
    assert set(REQUIRED_PARAMETERS) <= set(NOTEBOOK_PARAMETERS) <= declared


def test_paths_and_links_agree(tmp_path):
    folder = RunFolder(tmp_path)
    assert folder.unit_results("beijing") == tmp_path / "units" / "beijing" / "results.csv"
    assert folder.unit_summary("beijing") == tmp_path / "units" / "beijing" / "summary.json"
    assert folder.unit_html("beijing") == tmp_path / RunFolder.unit_html_href("beijing") == tmp_path / "html/beijing.html"
    assert folder.notebook("overview") == tmp_path / "notebooks" / "overview.ipynb"
    assert folder.manifest == tmp_path / "run.json" and folder.lock.name == ".toolkit-run.lock"


def test_data_override_round_trips(tmp_path):
    files = [tmp_path / "a.csv", PROJECT_ROOT / "data" / "observations" / "national.csv"]
    assert split_paths(join_paths(files)) == files
    assert split_paths("data/units.csv; ") == [PROJECT_ROOT / "data" / "units.csv"]
    assert data_file_paths(["data/units.csv", "data/units.csv", "/x.csv"]) == [PROJECT_ROOT / "data/units.csv",
                                                                                PROJECT_ROOT / "/x.csv"]


def test_read_summary_is_tolerant_and_summaries_skip_broken_files(tmp_path):
    folder = RunFolder(tmp_path)
    for unit_id, text in (("beijing", json.dumps({"unit_id": "beijing"})), ("hebei", "{broken"), ("tianjin", "[]")):
        folder.unit_summary(unit_id).parent.mkdir(parents=True)
        folder.unit_summary(unit_id).write_text(text, encoding="utf-8")
    assert folder.read_summary("beijing") == {"unit_id": "beijing"}
    assert folder.read_summary("hebei") is None and folder.read_summary("tianjin") is None
    assert folder.read_summary("missing") is None
    assert folder.summaries() == [{"unit_id": "beijing"}]
