"""The nbval safety net: golden notebooks in tests/golden/ are current, portable and actually catch changes.

- staleness: a golden copy's code cells equal the template's, and its key results equal what the package
  computes now (fast, in-process); either failure says to run `make golden`;
- hygiene: every committed notebook uses kernel ``python3``; notebooks/*.ipynb are paired with an in-sync
  jupytext .py and carry no outputs; golden copies carry no absolute paths or papermill timings;
- coverage: the numbers of the scorecard appear in the key-results text that nbval compares, and the
  sanitizers never touch them;
- the net catches fish: nbval fails on a copy of a golden notebook whose input data changed by one value,
  on the key-results cell, while the unmodified copy passes.
"""

from __future__ import annotations

import collections
import csv
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from toolkit.batch import golden
from toolkit.contracts.cycles import CYCLES
from toolkit.core import i18n
from toolkit.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT

GOLDEN_DIR = golden.GOLDEN_DIR
SANITIZE_CFG = PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"
TEMPLATE = golden.TEMPLATE
REGENERATE = "Run `make golden` (python -m toolkit golden) and commit tests/golden/"
FORECAST_CATEGORIES = ("on_track", "likely", "at_risk", "off_track", "nowcast_met", "nowcast_not_met")


def golden_files() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.ipynb"))


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_sources(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code" and not golden.is_injected(c)]


def key_results_cell(nb):
    cells = [c for c in nb.cells if c.cell_type == "code" and "key_results" in c.source]
    assert cells, "no cell prints report.key_results"
    return cells[-1]


def stdout_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def injected_parameters(nb) -> dict:
    return nb.metadata.get("papermill", {}).get("parameters", {})


def unit_of(path: Path) -> str:
    return injected_parameters(read(path)).get("unit_id") or path.stem.rsplit("_", 1)[-1]


def cycle_of(path: Path) -> str:
    return injected_parameters(read(path)).get("cycle_override", "")


def language_of(path: Path) -> str:
    return injected_parameters(read(path)).get("language", "")


# ------------------------------------------------------------------------------------------- staleness


@pytest.mark.parametrize("cycle", golden.GOLDEN_CYCLES)
@pytest.mark.parametrize("unit_id", golden.GOLDEN_UNITS)
def test_every_golden_unit_has_a_notebook(unit_id, cycle):
    path = golden.golden_path(unit_id, cycle=cycle)
    assert path.is_file(), f"{path.relative_to(PROJECT_ROOT)} is missing. {REGENERATE}."


@pytest.mark.parametrize(("unit_id", "language"), golden.GOLDEN_OTHER_EDITIONS)
def test_the_other_edition_has_a_golden_notebook(unit_id, language):
    """One unit in each edition: the default (Chinese) copies above, and the English one here."""
    path = golden.golden_path(unit_id, language=language)
    assert path.is_file(), f"{path.relative_to(PROJECT_ROOT)} is missing. {REGENERATE}."
    assert language_of(path) == language


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_golden_code_matches_template(path):
    """A template edit without `make golden` leaves nbval testing old code: fail with the fix."""
    stored, current = code_sources(read(path)), code_sources(read(TEMPLATE))
    if stored != current:
        detail = f"{len(stored)} code cells vs {len(current)} in the template"
        for i, (a, b) in enumerate(zip(stored, current)):
            if a != b:
                detail = f"code cell {i} differs:\n--- golden\n{a}\n--- template\n{b}"
                break
        pytest.fail(f"{path.relative_to(PROJECT_ROOT)} is stale against {TEMPLATE.relative_to(PROJECT_ROOT)} "
                    f"({detail}).\n{REGENERATE}.", pytrace=False)


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_golden_parameters_are_portable(path):
    nb = read(path)
    unit_id = unit_of(path)
    cycle = cycle_of(path)
    assert injected_parameters(nb) == golden.golden_parameters(unit_id, cycle, language_of(path)), REGENERATE
    injected = [c for c in nb.cells if golden.is_injected(c)]
    assert len(injected) == 1, "exactly one injected-parameters cell expected"
    assert path == golden.golden_path(unit_id, cycle=cycle, language=language_of(path)), \
        "file name and unit_id disagree"


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_golden_has_no_absolute_paths_or_timings(path):
    nb = read(path)
    assert golden.find_absolute_paths(nb) == []
    text = path.read_text(encoding="utf-8")
    for volatile in ('"start_time"', '"end_time"', '"duration"', '"output_path"', '"environment_variables"'):
        assert volatile not in text, f"papermill metadata {volatile} left in {path.name}. {REGENERATE}."
    assert all("papermill" not in c.metadata for c in nb.cells)
    assert "jupytext" not in nb.metadata, "a golden copy must not be paired with a .py"


def test_cleaning_drops_timings_and_finds_machine_paths():
    """write_golden's cleaning on a synthetic executed notebook (no kernel)."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    injected = new_code_cell('# Parameters\nunit_id = "x"\n', metadata={
        "tags": ["injected-parameters"], "papermill": {"duration": 0.1, "start_time": "2024-01-01T00:00:00"}})
    leak = new_code_cell("print(path)", outputs=[
        new_output("stream", name="stdout", text=f"{PROJECT_ROOT / 'data' / 'x.csv'}\n"),
        new_output("display_data", data={"image/png": "iVBORw0KG/tmp/AAAA", "text/plain": "<Image>"})])
    nb = new_notebook(cells=[injected, leak], metadata={
        "jupytext": {"formats": "ipynb,py:percent"},
        "papermill": {"parameters": {"unit_id": "x"}, "default_parameters": {}, "duration": 3.2,
                      "start_time": "2024-01-01T00:00:00", "end_time": "2024-01-01T00:00:03",
                      "input_path": str(TEMPLATE), "output_path": "/tmp/x.ipynb", "environment_variables": {},
                      "exception": None, "version": "2.7.0"}})
    cleaned = golden.strip_volatile(nb)
    assert cleaned.metadata["papermill"] == {"parameters": {"unit_id": "x"}, "default_parameters": {},
                                             "input_path": "notebooks/province_report.ipynb"}
    assert "jupytext" not in cleaned.metadata
    assert cleaned.cells[0]["id"] == golden.INJECTED_ID and "papermill" not in cleaned.cells[0].metadata
    leaks = golden.find_absolute_paths(cleaned)
    assert len(leaks) == 1 and "data/x.csv" in leaks[0], leaks  # the stdout path, not the base64 image
    cleaned.cells[1].outputs = cleaned.cells[1].outputs[1:]
    assert golden.find_absolute_paths(cleaned) == []
    nbformat.validate(cleaned)


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_golden_key_results_are_current(path, tmp_path):
    """What nbval will compare, computed in-process (seconds instead of a kernel per notebook).

    Fails after a change to the engine, the data or the params that moves a number of the report: if the
    change is intended, regenerate; if not, it is a regression.
    """
    from toolkit.reports.unit_report import context as report

    stored = stdout_of(key_results_cell(read(path))).rstrip("\n")
    context = report.prepare(unit_of(path), output_dir=str(tmp_path), cycle_override=cycle_of(path),
                             language=language_of(path))
    current = report.key_results(context)
    if stored != current:
        diff = [f"- {a}\n+ {b}" for a, b in zip(stored.splitlines(), current.splitlines()) if a != b]
        pytest.fail(f"the key results of {path.name} differ from what the package computes now:\n"
                    + "\n".join(diff[:12]) + f"\nIf the change is intended: {REGENERATE}; if not, it is a regression.",
                    pytrace=False)


# --------------------------------------------------------------------------------------------- hygiene


def committed_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb")) + golden_files()


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_notebook_kernel_is_python3(path):
    kernelspec = read(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", (
        f"{path.relative_to(PROJECT_ROOT)} uses kernel {kernelspec.get('name')!r}; set it to python3 "
        "(Kernel > Change kernel > Python 3 (ipykernel)), personal kernels break other machines")
    assert kernelspec.get("language", "python") == "python"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_is_paired_and_in_sync(path):
    import jupytext

    paired = path.with_suffix(".py")
    assert paired.is_file(), f"{path.name} has no paired {paired.name}: run `jupytext --set-formats ipynb,py:percent`"

    def cells(nb):
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells
                if c.cell_type in ("code", "markdown")]

    from_py, from_ipynb = cells(jupytext.read(paired)), cells(read(path))
    if from_py != from_ipynb:
        first = next((i for i, (a, b) in enumerate(zip(from_py, from_ipynb)) if a != b), min(len(from_py),
                                                                                           len(from_ipynb)))
        pytest.fail(f"{paired.name} and {path.name} are out of sync (first difference at cell {first}); "
                    f"run `jupytext --sync {path.relative_to(PROJECT_ROOT)}`", pytrace=False)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_template_notebook_has_no_outputs(path):
    with_outputs = [i for i, c in enumerate(read(path).cells)
                    if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not with_outputs, (f"{path.name}: cells {with_outputs} have outputs or execution counts; clear them "
                              "(jupyter nbconvert --clear-output --inplace) before committing")


# -------------------------------------------------------------------------------------------- coverage


def sanitize_patterns() -> list[tuple[str, str]]:
    from nbval.plugin import get_sanitize_patterns

    return get_sanitize_patterns(SANITIZE_CFG.read_text(encoding="utf-8"))


def sanitize(text: str) -> str:
    for regex, replace in sanitize_patterns():
        text = re.sub(regex, replace, text)
    return text


def test_sanitizers_replace_only_volatile_text():
    patterns = sanitize_patterns()
    assert len(patterns) >= 5, "the sanitize file did not parse (regex:/replace: must be adjacent lines)"
    assert sanitize("<Figure size 640x480 with 2 Axes> at 0x7f3a2b1c9d50") == "<Figure> at 0xADDRESS"
    assert sanitize("run 2024-06-01T12:30:05+08:00 took 3.2 s") == "run TIMESTAMP took DURATION"
    assert sanitize("/home/ann/outline-kit/data/observations/national.csv") == "PROJECT/data/observations/national.csv"
    assert sanitize("C:\\Users\\ann\\kit\\params\\x.yaml") == "PROJECT/params\\x.yaml"
    assert sanitize("/tmp/pytest-of-root/pytest-1/x.csv") == "TMPDIR"
    kept = "imr: achieved | latest 5.40 (2020) | target <10.00 in 2020 | forecast 5.40 [5.40, 5.40] | p 1.00 | year 2013"
    assert sanitize(kept) == kept


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_sanitizers_leave_the_key_results_alone(path):
    text = stdout_of(key_results_cell(read(path)))
    assert text.strip(), "the key-results cell has no stdout"
    assert sanitize(text) == text, "a sanitizer rewrites the key results: nbval would no longer compare those numbers"


class _Tables(HTMLParser):
    """Every <table> of an HTML fragment as a list of {header: cell text} rows."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell, self._header = [], None, None, []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
            self._header = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
            if tag == "th":
                self._header = self._row
        elif tag == "tr" and self._row is not None:
            if self._row is not self._header:
                self.tables[-1].append(dict(zip(self._header, self._row)))
            self._row = None


def html_rows(nb, function: str) -> list[dict[str, str]]:
    cell = next(c for c in nb.cells if c.cell_type == "code" and f"report.{function}(" in c.source)
    parser = _Tables()
    parser.feed("".join(o.get("data", {}).get("text/html", "") for o in cell.outputs))
    return [row for table in parser.tables for row in table]


NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def key_lines(nb) -> dict[str, str]:
    """indicator_id -> its line of the key results."""
    text = stdout_of(key_results_cell(nb))
    return {line.split(":", 1)[0]: line for line in text.splitlines()[2:] if ":" in line}


def indicator_ids_by_name() -> dict[str, str]:
    """The indicator column as each edition writes it: 婴儿死亡率 (zh), Infant mortality rate (婴儿死亡率) (en)."""
    from toolkit.inputs.catalog import load_indicators

    indicators = load_indicators()
    names = {str(row["name_zh"]): str(i) for i, row in indicators.iterrows()}
    names.update({f"{row['name_en']} ({row['name_zh']})": str(i) for i, row in indicators.iterrows()})
    return names


def edition(path: Path):
    """The golden copy's edition as the current one, so table headers are looked up in its language."""
    return i18n.language(language_of(path) or i18n.DEFAULT_LANGUAGE)


def missing_numbers(nb, function: str, skip: tuple[str, ...]) -> list[str]:
    """Numbers of an HTML table (columns not in ``skip``) absent from the indicator's key-results line."""
    names, lines, missing = indicator_ids_by_name(), key_lines(nb), []
    skip = tuple(i18n._(header) for header in skip)  # the headers of the notebook's edition
    for row in html_rows(nb, function):
        indicator_id = names[row[i18n._("indicator")]]
        shown = [v for k, v in row.items() if k not in skip]
        wanted = collections.Counter(t for v in shown for t in NUMBER.findall(v))
        lacking = wanted - collections.Counter(NUMBER.findall(lines.get(indicator_id, "")))
        if lacking:
            missing.append(f"{indicator_id}: {sorted(lacking.elements())} of {shown}")
    return missing


def missing_qualifiers(nb) -> list[str]:
    """Latest values that are published bounds ("above 99%") but read as point values in the key results."""
    names, lines, missing = indicator_ids_by_name(), key_lines(nb), []
    latest_header, indicator = i18n._("latest (year)"), i18n._("indicator")
    for row in html_rows(nb, "scorecard"):
        qualifier = row[latest_header].lstrip()[:1]
        if qualifier in "<>" and qualifier:
            line = lines[names[row[indicator]]]
            latest = next((part for part in line.split(" | ") if part.startswith("latest")), "")
            if qualifier not in latest:
                missing.append(f"{names[row[indicator]]}: {row[latest_header]} vs {latest!r}")
    return missing


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_key_results_repeat_the_scorecard_numbers(path):
    """The scorecard is HTML (not compared); its numbers must be in the printed key results nbval compares:
    latest value and year, target, P(attain), forecast with its 80% interval, year met with its 80% interval."""
    nb = read(path)
    assert len(html_rows(nb, "scorecard")) == len(key_lines(nb)) > 0
    with edition(path):
        assert missing_numbers(nb, "scorecard", skip=("indicator", "unit", "category", "model")) == []


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_key_results_repeat_the_midterm_numbers(path):
    """The mid-term table's numbers (base value, path values, ratio, mid-term forecast, P(on path)) are in
    the key results too; the final evaluation has no mid-term table."""
    nb = read(path)
    rows = html_rows(nb, "midterm_view")
    assert bool(rows) == (cycle_of(path) == ""), "the mid-term view belongs to the live cycle only"
    with edition(path):
        assert missing_numbers(nb, "midterm_view", skip=("indicator", "target", "status")) == []


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_key_results_repeat_the_rates_and_bounds(path):
    nb = read(path)
    with edition(path):
        assert missing_numbers(nb, "rates_table", skip=("indicator", "Eurostat class")) + missing_qualifiers(nb) == []


# ---------------------------------------------------------------------------------- the net catches fish


def _mutate_observations(source: Path, dest: Path, unit_id: str, indicator_id: str, as_of: int) -> str:
    """Copy an observation CSV with one point value (the year before the latest) of one series changed."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    points = [r for r in rows if r["unit_id"] == unit_id and r["indicator_id"] == indicator_id
              and r["qualifier"] in ("=", "") and int(r["year"]) <= as_of]
    points.sort(key=lambda r: int(r["year"]))
    target = points[-2]
    old = float(target["value"])
    new = round(old * 1.15, 2) if old * 1.15 < 100 else round(old * 0.9, 2)
    target["value"] = repr(new)
    with dest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return f"{indicator_id} {target['year']}: {old} -> {new}"


def _set_injected(nb, **parameters) -> None:
    cell = next(c for c in nb.cells if golden.is_injected(c))
    cell.source += "".join(f"{name} = {value!r}\n" for name, value in parameters.items())


def _nbval(notebooks: list[Path], cwd: Path, junit: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-vv", "-p", "no:cacheprovider", f"--rootdir={cwd}", "--nbval",
           "--nbval-current-env", f"--nbval-sanitize-with={SANITIZE_CFG}", f"--junitxml={junit}",
           *(str(p.relative_to(cwd)) for p in notebooks)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def _cells(junit: Path) -> dict[str, dict[str, str]]:
    """notebook stem -> {"Cell N": "passed" | "failed" | "error" | "skipped"} from the JUnit report."""
    result: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for case in ET.parse(junit).getroot().iter("testcase"):
        notebook = case.get("classname", "").split(".")[0]  # "<folder>.<name>.ipynb"
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = child.tag + ":" + (child.get("message") or "") + (child.text or "")[:20000]
        result[notebook][case.get("name", "")] = status
    return result


def test_nbval_fails_when_an_input_changes(tmp_path):
    """One observation of a forecast series changed -> nbval fails on the key-results cell; the control passes.

    Both copies run from a foreign folder (portability), write their outputs into tmp (not the project) and
    have their stored HTML and stderr outputs perturbed (proving tests/golden/conftest.py keeps those out of
    the comparison); they differ only in ``data_override``, which points the mutant at the changed file.
    """
    from toolkit.inputs.params import load_unit_params

    source = golden.golden_path("national", cycle="2011-2020")  # the final evaluation: national.csv to 2020
    nb = read(source)
    params = load_unit_params("national")
    assert params.data_paths[0].name == "national.csv"
    lines = key_lines(nb)
    forecast = [i for i, line in lines.items() if line.split(": ", 1)[1].split(" ")[0] in FORECAST_CATEGORIES]
    assert forecast, "the national golden notebook has no model forecast to disturb"
    indicator_id = next((i for i in ("imr", "u5mr", "mmr") if i in forecast), forecast[0])
    mutated = tmp_path / "mutant_data.csv"
    change = _mutate_observations(Path(params.data_paths[0]), mutated, "national", indicator_id, CYCLES["2011-2020"].end_year)

    shutil.copy(GOLDEN_DIR / "conftest.py", tmp_path / "conftest.py")
    for cell in nb.cells:  # volatile outputs that must not be compared
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                output["data"]["text/html"] += "<!-- perturbed -->"
        if cell.cell_type == "code" and cell.get("outputs"):
            cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text="a warning\n"))
    copies = {}
    for name, extra in (("control", {}), ("mutant", {"data_override": str(mutated)})):
        copy = nbformat.from_dict(json.loads(json.dumps(nb)))
        _set_injected(copy, output_dir=str(tmp_path / name / "out"), **extra)
        copies[name] = tmp_path / name / source.name
        copies[name].parent.mkdir()
        nbformat.write(copy, copies[name])

    junit = tmp_path / "junit.xml"
    proc = _nbval([copies["control"], copies["mutant"]], tmp_path, junit)
    log = proc.stdout[-4000:] + proc.stderr[-2000:]
    cells = _cells(junit)
    key_cell = f"Cell {sum(c.cell_type == 'code' for c in nb.cells) - 1}"
    assert key_results_cell(nb) is [c for c in nb.cells if c.cell_type == "code"][-1]

    control = cells["control"]
    assert control and all(s == "passed" for s in control.values()), f"the unmodified copy fails:\n{log}"
    mutant = cells["mutant"]
    failed = {name for name, status in mutant.items() if status != "passed"}
    assert proc.returncode == 1, f"nbval did not fail after changing {change}:\n{log}"
    assert key_cell in failed, f"{change} did not fail the key-results cell ({key_cell}); failures: {failed}\n{log}"
    assert all("outputs differ" in mutant[name] for name in failed), f"a cell errored instead of mismatching:\n{log}"
    assert indicator_id in mutant[key_cell], f"the mismatch report does not show {indicator_id}:\n{mutant[key_cell]}"
