"""End to end: `python -m toolkit run` in a subprocess, as a batch operator runs it, on two units.

One successful run of the English edition (national: real data; beijing: synthetic panel) is shared by the
assertions below and by tests/test_browser.py (:func:`successful_run`), which also runs the Chinese edition
with ``--pdf``. A second run makes one unit fail and checks isolation.
The runs start from a temporary folder, so nothing depends on the working directory.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit.core.paths import PROJECT_ROOT

UNITS = {"national": ("China (national)", "全国"), "beijing": ("Beijing", "北京市")}
TIMEOUT = 900


@dataclass
class Run:
    out: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def log(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"

    def json(self) -> dict:
        return json.loads((self.out / "run.json").read_text(encoding="utf-8"))

    def text(self, relative: str) -> str:
        return (self.out / relative).read_text(encoding="utf-8")


def run_toolkit(out: Path, *args: str, cwd: Path) -> Run:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "toolkit", "run", *args, "--out", str(out)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT)
    return Run(out, proc.returncode, proc.stdout, proc.stderr)


_RUNS: dict[str, Run] = {}


def successful_run(tmp_path_factory, language: str = "en", pdf: bool = False) -> Run:
    """The shared two-unit run of one edition (executed once per test session and edition, whichever test
    file asks first); ``pdf`` adds ``--pdf`` (the browser test's Chinese run prints its pages)."""
    key = f"ok-{language}" + ("-pdf" if pdf else "")
    if key not in _RUNS:
        root = tmp_path_factory.mktemp(f"e2e_{key}")
        _RUNS[key] = run_toolkit(root / "out", "--units", *UNITS, "--workers", "2", "--lang", language,
                                 *(["--pdf"] if pdf else []), cwd=root)
    return _RUNS[key]


@pytest.fixture(scope="module")
def ok_run(tmp_path_factory) -> Run:
    return successful_run(tmp_path_factory)


class Page(HTMLParser):
    """Links, images, text and the classes of code cells of one HTML page."""

    def __init__(self, text: str):
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.cell_classes: list[str] = []
        self.chunks: list[str] = []
        self._skip = 0
        self.feed(text)
        self.text = " ".join(" ".join(self.chunks).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "img":
            self.images.append(attrs.get("src") or "")
        elif tag in ("script", "style"):
            self._skip += 1
        classes = (attrs.get("class") or "").split()
        if tag == "div" and "jp-CodeCell" in classes:
            self.cell_classes.append(" ".join(classes))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def local_links(page: Page) -> list[str]:
    return [h.split("#", 1)[0] for h in page.links
            if h and not re.match(r"^[a-z][a-z0-9+.-]*:", h) and not h.startswith("#")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------- successful run


def test_run_exits_zero(ok_run):
    assert ok_run.returncode == 0, ok_run.log
    assert "2/2 units ok" in ok_run.stdout


def test_index_lists_both_units_with_working_links(ok_run):
    page = Page(ok_run.text("index.html"))
    for unit_id, (name_en, name_zh) in UNITS.items():
        assert name_en in page.text and name_zh in page.text
        assert f"html/{unit_id}.html" in page.links
    missing = [href for href in local_links(page) if not (ok_run.out / href).is_file()]
    assert not missing, f"index links to missing files: {missing}"
    assert "FAILED" not in page.text


@pytest.mark.parametrize("unit_id", list(UNITS))
def test_report_is_complete_and_hides_code(ok_run, unit_id):
    from toolkit.contracts.synthetic import SYNTHETIC_BANNER

    html = ok_run.text(f"html/{unit_id}.html")
    page = Page(html)
    name_en, name_zh = UNITS[unit_id]
    assert name_en in page.text and name_zh in page.text
    assert "Scorecard" in page.text and "P(attain)" in page.text
    # the key-results block is for nbval, not for readers: tagged remove-cell, absent from the page
    assert f"unit: {unit_id} | cycle: 2021-2030" not in page.text and "Key results" not in page.text
    assert "How far to trust P(attain)" in page.text and "../method_evaluation.html" in page.links
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images), page.images[:3]
    assert re.search(r'<img\b[^>]*\bsrc="data:image/png;base64,', html)
    # code hidden: every code cell rendered without its input, no highlighted source, no template code
    assert page.cell_classes and all("jp-mod-noInput" in c for c in page.cell_classes)
    assert "highlight hl-ipython3" not in html
    for code in ("report.prepare(", "from toolkit import", "print(report.key_results", "unit_id = "):
        assert code not in page.text, f"code {code!r} is visible in the {unit_id} report"
    assert "Province report (template)" not in page.text, "the template's remove-cell header is shown"
    assert (SYNTHETIC_BANNER in page.text) == (unit_id == "beijing"), "synthetic banner on the wrong report"


def test_results_csv_has_every_contract_column_for_both_units(ok_run):
    from toolkit.contracts.results import RESULT_COLUMNS

    with (ok_run.out / "results.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames or [], list(reader)
    assert columns[: len(RESULT_COLUMNS)] == RESULT_COLUMNS, "the contract's columns must come first, in order"
    units = {row["unit_id"] for row in rows}
    assert units == set(UNITS)
    for unit_id in UNITS:
        summary = json.loads(ok_run.text(f"units/{unit_id}/summary.json"))
        unit_rows = [r for r in rows if r["unit_id"] == unit_id]
        assert len(unit_rows) == summary["n_indicators"] > 0
        assert {r["category"] for r in unit_rows} <= set(summary["counts"])
    assert all("synthetic" in r["flags"] for r in rows if r["unit_id"] == "beijing")
    assert not any("synthetic" in r["flags"] for r in rows if r["unit_id"] == "national")


def test_run_json_has_status_and_checksums(ok_run):
    manifest = ok_run.json()
    units = {u["unit_id"]: u for u in manifest["units"]}
    assert set(units) == set(UNITS)
    assert all(u["status"] == "ok" and u["error"] is None for u in units.values())
    assert manifest["failed"] == []
    inputs = manifest["inputs"]
    expected = {"params/defaults.yaml", "params/national.yaml", "params/beijing.yaml", "data/units.csv",
                "data/observations/national.csv", "data/demo/provinces.csv", "notebooks/province_report.ipynb"}
    assert expected <= set(inputs), f"inputs without a checksum: {expected - set(inputs)}"
    for name, digest in inputs.items():
        assert re.fullmatch(r"[0-9a-f]{64}", digest or ""), f"{name}: {digest!r}"
        path = Path(name) if Path(name).is_absolute() else PROJECT_ROOT / name
        assert sha256(path) == digest, f"checksum of {name} does not match the file"


# ------------------------------------------------------------------------------------------ one failure


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory) -> Run:
    """beijing's params file points to a data file that does not exist; national must not notice. fujian's
    layers a local plan's targets (a path relative to the project root) over the national set."""
    root = tmp_path_factory.mktemp("e2e_fail")
    params = root / "params"
    params.mkdir()
    (params / "beijing.yaml").write_text("unit_id: beijing\ndata: [data/demo/no_such_file.csv]\n", encoding="utf-8")
    (params / "fujian.yaml").write_text("unit_id: fujian\ndata: [data/demo/provinces.csv]\nlocal_targets:\n"
                                        f"  2021-2030: {LOCAL_SET}\n", encoding="utf-8")
    return run_toolkit(root / "out", "--units", "national", "beijing", "fujian", "--workers", "2", "--no-extras",
                       "--params-dir", str(params), cwd=root)


LOCAL_SET = "data/targets/examples/fuzhou-2021-2030.csv"


def test_one_failing_unit_fails_the_run_but_not_the_others(failed_run):
    run = failed_run
    assert run.returncode != 0, run.log
    assert "FAILED" in run.stdout and "beijing" in run.stdout, run.log
    manifest = run.json()
    status = {u["unit_id"]: u for u in manifest["units"]}
    assert status["beijing"]["status"] == "failed" and status["beijing"]["error"], status["beijing"]
    assert status["national"]["status"] == "ok"
    assert manifest["failed"] == ["beijing"]

    index = Page(run.text("index.html"))
    assert "失败" in index.text and "Beijing" in index.text  # the default edition: Chinese
    assert status["beijing"]["error"]["ename"] in index.text, "the index does not say why beijing failed"
    failed_page = run.text("html/beijing.html")
    assert "no_such_file.csv" in failed_page and "Fix:" in failed_page, "the failed page must show the params error"
    assert "Traceback (most recent call last)" not in failed_page, "a user error must not show a traceback"
    missing = [href for href in local_links(index) if not (run.out / href).is_file()]
    assert not missing, f"index links to missing files: {missing}"
    assert "html/beijing.html" in index.links, "the failed unit's page must be linked (it explains the error)"

    national = Page(run.text("html/national.html"))
    assert "China (national)" in national.text and "全国" in national.text and "目标评估一览" in national.text
    assert national.images and "中期评估（2025年）" in national.text
    with (run.out / "results.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["unit_id"] for row in csv.DictReader(handle)} == {"national", "fujian"}


def test_a_local_plan_layered_through_params_dir_sets_its_targets_and_keeps_the_national_rest(failed_run):
    run = failed_run
    with (run.out / "results.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["indicator_id"]: r for r in csv.DictReader(handle) if r["unit_id"] == "fujian"}
    plan = "福州市儿童发展纲要（2021—2030年）"
    # Fuzhou: IMR < 4, U5MR < 5 (the Outline: 5 and 6); breastfeeding is not in its file: the Outline's 50
    assert (float(rows["imr"]["target_value"]), rows["imr"]["target_layer"], rows["imr"]["target_plan"]) == (4, "local", plan)
    assert float(rows["u5mr"]["target_value"]) == 5
    assert (float(rows["ebf_0_6m"]["target_value"]), rows["ebf_0_6m"]["target_layer"]) == (50, "national")
    assert rows["ebf_0_6m"]["target_plan"] == "《中国儿童发展纲要（2021—2030年）》"
    assert rows["imr"]["target_set"] == "outline-2021-2030+fuzhou-2021-2030"
    page = Page(run.text("html/fujian.html"))
    assert plan in page.text and "（本地规划）" in page.text
    assert plan in Page(run.text("index.html")).text
    assert LOCAL_SET in run.json()["inputs"], "the local target file is an input of the run"
