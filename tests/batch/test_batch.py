"""The batch runner end to end, on a stand-in notebook (json/pathlib only) so it is fast and independent of the
real report: outputs, failure isolation, overrides, atomic re-runs, the manifest, and up-front validation."""

from __future__ import annotations

import errno
import hashlib
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toolkit.batch import execute
from toolkit.batch import run as batch
from toolkit.batch.execute import Job, execute_job, is_startup_failure
from toolkit.batch.run import run_batch
from toolkit.core.errors import BatchError, ToolkitError, UnknownUnitError
from toolkit.core.paths import PROJECT_ROOT, UNITS_CSV

UNITS = ["national", "beijing", "tianjin"]
PARAMETERS = {"unit_id": "national", "params_file": "", "output_dir": "", "data_override": "", "as_of_override": 0,
              "targets_override": ""}


def make_standin(path: Path, *, fail: tuple[str, ...] = (), synthetic: tuple[str, ...] = (),
                 names: dict[str, str] | None = None, overrides: bool = True, first: str = "") -> Path:
    """A report stand-in honouring the notebook contract: parameters cell, summary.json and results.csv.

    ``first``: code of a cell run right after the parameters (a kernel that dies, hangs, edits an input).
    """
    params = PARAMETERS if overrides else {k: PARAMETERS[k] for k in ("unit_id", "params_file", "output_dir")}
    parameters = new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items()))
    parameters.metadata["tags"] = ["parameters"]
    body = f"""
import json, pathlib
FAIL, SYNTHETIC, NAMES = {tuple(fail)!r}, {tuple(synthetic)!r}, {dict(names or {})!r}
if unit_id in FAIL:
    raise ValueError(f"stand-in failure for {{unit_id}}")
out = pathlib.Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
as_of = globals().get("as_of_override") or 2020
rows = [f"{{unit_id}},imr,demo-set,{{as_of}},on_track", f"{{unit_id}},cmr,demo-set,{{as_of}},achieved"]
(out / "results.csv").write_text("unit_id,indicator_id,target_set,as_of,category\\n" + "\\n".join(rows) + "\\n")
summary = {{"unit_id": unit_id, "name_en": NAMES.get(unit_id, unit_id.title()), "name_zh": "测试",
            "synthetic": unit_id in SYNTHETIC, "target_set": "demo-set", "as_of": as_of,
            "counts": {{"achieved": 1, "on_track": 1}}, "n_indicators": 2, "data_files": ["data/units.csv"]}}
(out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
print("SECRET_SOURCE_MARKER"[:6], "key results", unit_id, as_of)  # the marker itself is only in the code
"""
    cells = [new_markdown_cell("# stand-in template"), parameters] + ([new_code_cell(first)] if first else [])
    nb = new_notebook(cells=cells + [new_code_cell(body)])
    nb.cells[0].metadata["tags"] = ["remove-cell"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def make_method_evaluation(path: Path) -> Path:
    nb = new_notebook(cells=[new_code_cell("print('method evaluation: no parameters')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def make_overview(path: Path) -> Path:
    parameters = new_code_cell('run_dir = ""')
    parameters.metadata["tags"] = ["parameters"]
    body = new_code_cell("import pathlib\n"
                         "lines = pathlib.Path(run_dir, 'results.csv').read_text().splitlines()  # written before\n"
                         "print('overview of', len(lines) - 1, 'result rows')")
    nb = new_notebook(cells=[parameters, body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One 3-unit batch (2 workers) where tianjin fails and beijing is synthetic, plus an overview notebook."""
    root = tmp_path_factory.mktemp("batch")
    template = make_standin(root / "standin.ipynb", fail=("tianjin",), synthetic=("beijing",))
    extras = {"overview": make_overview(root / "overview.ipynb"),
              "method_evaluation": make_method_evaluation(root / "method_evaluation.ipynb")}
    out = root / "out"
    code = run_batch(units=UNITS, workers=2, out=out, template=template, extras=extras, progress=False)
    return {"code": code, "out": out, "template": template, "root": root}


def test_a_failing_unit_makes_the_exit_code_1_and_the_others_complete(first_run):
    out = first_run["out"]
    assert first_run["code"] == 1
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {u["unit_id"]: u["status"] for u in manifest["units"]}
    assert status == {"national": "ok", "beijing": "ok", "tianjin": "failed"}
    error = manifest["units"][2]["error"]
    assert error["ename"] == "ValueError" and "stand-in failure for tianjin" in error["evalue"]
    assert isinstance(error["cell_index"], int)
    assert manifest["failed"] == ["tianjin"]
    extras = {e["name"]: e["status"] for e in manifest["extras"]}
    assert extras == {"overview": "ok", "method_evaluation": "ok"}


def test_every_output_is_written(first_run):
    out = first_run["out"]
    for unit in UNITS:
        assert (out / "notebooks" / f"{unit}.ipynb").is_file()
        assert (out / "html" / f"{unit}.html").is_file()
    for name in ("results.csv", "results.xlsx", "run.json", "index.html", "overview.html", "method_evaluation.html"):
        assert (out / name).is_file(), name
    executed = nbformat.read(out / "notebooks" / "national.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters["output_dir"] == str(out / "units" / "national")
    assert executed.metadata.papermill["output_path"] == str(out / "notebooks" / "national.ipynb")


def test_the_failed_unit_still_has_its_page_and_is_listed_in_the_index(first_run):
    out = first_run["out"]
    page = (out / "html" / "tianjin.html").read_text(encoding="utf-8")
    assert "stand-in failure for tianjin" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    failures = index.split('class="failures"')[1].split("</section>")[0]
    assert 'href="html/tianjin.html"' in failures and "ValueError: stand-in failure for tianjin" in failures
    assert 'href="overview.html"' in index and 'href="method_evaluation.html"' in index
    overview = (out / "overview.html").read_text(encoding="utf-8")
    assert "overview of 4 result rows" in overview  # results.csv was combined before the overview ran


def test_pages_hide_code_and_stand_alone(first_run):
    page = (first_run["out"] / "html" / "national.html").read_text(encoding="utf-8")
    assert "key results national 2020" in page
    assert "SECRET_SOURCE_MARKER" not in page and "stand-in template" not in page  # code and remove-cell hidden
    assert "<script src=" not in page


def test_results_concatenate_successful_units_in_unit_order_then_indicator(first_run):
    results = pd.read_csv(first_run["out"] / "results.csv")
    assert list(zip(results["unit_id"], results["indicator_id"])) == [
        ("national", "cmr"), ("national", "imr"), ("beijing", "cmr"), ("beijing", "imr")]
    xlsx = pd.read_excel(first_run["out"] / "results.xlsx", sheet_name=1, header=1)  # after the readme; ids in row 2
    assert xlsx["unit_id"].tolist() == results["unit_id"].tolist()


def test_run_json_checksums_equal_sha256_of_the_files(first_run):
    manifest = json.loads((first_run["out"] / "run.json").read_text(encoding="utf-8"))
    inputs = manifest["inputs"]
    assert "data/units.csv" in inputs and "params/national.yaml" in inputs and "params/defaults.yaml" in inputs
    assert str(first_run["template"]) in inputs
    for name, digest in inputs.items():
        path = Path(name) if Path(name).is_absolute() else PROJECT_ROOT / name
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest(), name
    assert manifest["toolkit_version"] and "pandas" in manifest["packages"]
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert manifest["started"] <= manifest["finished"]


def test_index_shows_the_synthetic_banner_only_for_synthetic_units(first_run):
    index = (first_run["out"] / "index.html").read_text(encoding="utf-8")
    rows = {row.split('"')[0]: row for row in index.split('data-unit="')[1:]}
    assert "合成数据" in rows["beijing"].split("</tr>")[0]  # a tag per row; the banner once at the top
    assert "合成数据" not in rows["national"].split("</tr>")[0]
    assert index.count("合成演示数据，非官方统计数据，不得引用") == 1


def test_rerun_into_the_same_folder_replaces_outputs_and_leaves_no_temporary_files(first_run):
    out, template = first_run["out"], first_run["template"]
    (out / "notebooks" / ".national.ipynb.left-by-a-killed-run.tmp").write_text("{")
    code = run_batch(units=["national", "beijing"], workers=2, out=out, template=template, extras={}, as_of=2015,
                     progress=False)
    assert "overview.html" not in (out / "index.html").read_text(encoding="utf-8")  # not part of this run
    assert code == 0
    assert not list(out.rglob("*.tmp"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-unit="tianjin"' not in index and "Failures" not in index
    assert "评估截至：<strong>2015</strong>" in index  # the as-of override is shown in the header
    results = pd.read_csv(out / "results.csv")
    assert set(results["unit_id"]) == {"national", "beijing"} and set(results["as_of"]) == {2015}
    summary = json.loads((out / "units" / "beijing" / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == 2015
    assert (out / "html" / "tianjin.html").exists()  # a stale unit's files stay, outside the index


def test_unknown_unit_fails_before_any_kernel_starts(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    with pytest.raises(ToolkitError, match="atlantis"):
        run_batch(units=["national", "atlantis"], out=tmp_path / "out", template=template, extras={}, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_unit_id_that_is_a_path_is_refused(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    with pytest.raises(UnknownUnitError):
        run_batch(units=["../national"], out=tmp_path / "out", template=template, extras={}, progress=False)


def test_an_unwritable_output_folder_is_a_batch_error(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(BatchError, match="output"):
        run_batch(units=["national"], out=blocker / "out", template=template, extras={}, progress=False)


def test_an_override_the_notebook_does_not_declare_is_refused(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb", overrides=False)
    with pytest.raises(BatchError, match="as_of_override"):
        run_batch(units=["national"], as_of=2015, out=tmp_path / "out", template=template, extras={},
                  progress=False)


def test_workers_must_be_positive(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    with pytest.raises(BatchError, match="workers"):
        run_batch(units=["national"], workers=0, out=tmp_path / "out", template=template, extras={}, progress=False)


def test_params_dir_must_be_a_folder(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    with pytest.raises(BatchError, match="params-dir"):
        run_batch(units=["national"], params_dir=tmp_path / "missing", out=tmp_path / "out", template=template,
                  extras={}, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_broken_params_file_fails_its_unit_not_the_plan(tmp_path):
    from toolkit.batch.plan import plan_batch

    template = make_standin(tmp_path / "standin.ipynb")
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "beijing.yaml").write_text("unit_id: beijing\nas_off: 2015\n", encoding="utf-8")
    plan = plan_batch(units=["national", "beijing"], out=tmp_path / "out", template=template, extras={},
                      params_dir=folder)
    assert list(plan.broken) == ["beijing"] and "as_off" in plan.broken["beijing"]
    assert plan.params_files == {"beijing": (folder / "beijing.yaml").resolve()}


def test_only_kernel_start_up_failures_are_retried():
    import zmq
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    def papermill_execute_cells():  # a kernel that died while running cells
        raise DeadKernelError("Kernel died")

    with pytest.raises(DeadKernelError) as mid_run:
        papermill_execute_cells()
    assert is_startup_failure(RuntimeError("Kernel didn't respond in 60 seconds"))
    assert is_startup_failure(zmq.ZMQError(errno.EADDRINUSE))
    assert is_startup_failure(DeadKernelError("Kernel died before replying"))
    assert not is_startup_failure(mid_run.value)
    assert not is_startup_failure(PapermillExecutionError(1, 1, "x", "ValueError", "bad", []))
    assert not is_startup_failure(ValueError("bad"))


def test_execute_job_retries_a_start_up_failure_then_succeeds(tmp_path, monkeypatch):
    calls = []

    def flaky(job):
        calls.append(job.name)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        nbformat.write(new_notebook(cells=[new_markdown_cell("done")]), job.notebook)
        return None

    monkeypatch.setattr(execute, "_execute", flaky)
    monkeypatch.setattr(execute.time, "sleep", lambda s: None)
    job = Job(name="national", kind="unit", template=tmp_path / "t.ipynb", parameters={},
              notebook=tmp_path / "n.ipynb", html=tmp_path / "n.html", cwd=tmp_path)
    outcome = execute_job(job)
    assert outcome.ok and outcome.attempts == 2 and (tmp_path / "n.html").is_file()


def test_execute_job_gives_up_after_two_retries_and_still_writes_a_page(tmp_path, monkeypatch):
    def broken(job):
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(execute, "_execute", broken)
    monkeypatch.setattr(execute.time, "sleep", lambda s: None)
    job = Job(name="national", kind="unit", template=tmp_path / "t.ipynb", parameters={},
              notebook=tmp_path / "n.ipynb", html=tmp_path / "n.html", cwd=tmp_path)
    outcome = execute_job(job)
    assert not outcome.ok and outcome.attempts == 3 and outcome.ename == "RuntimeError"
    assert "respond in 60 seconds" in (tmp_path / "n.html").read_text(encoding="utf-8")


def test_default_units_follow_the_units_table(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    plan = batch.plan_batch(out=tmp_path / "out", template=template, extras={})
    table = pd.read_csv(UNITS_CSV, dtype=str)
    assert plan.unit_ids == table["unit_id"].tolist() and len(plan.unit_ids) == 32
    assert plan.overrides == {"params_file": ""}


def test_a_kernel_that_dies_mid_run_is_not_retried_and_gets_an_error_page(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb", first="import os\nos._exit(1)")
    out = tmp_path / "out"
    assert run_batch(units=["beijing"], workers=1, out=out, template=template, extras={}, progress=False) == 1
    entry = json.loads((out / "run.json").read_text(encoding="utf-8"))["units"][0]
    assert entry["status"] == "failed" and entry["attempts"] == 1 and entry["error"]["ename"] == "DeadKernelError"
    assert "DeadKernelError" in (out / "html" / "beijing.html").read_text(encoding="utf-8")
    assert "DeadKernelError" in (out / "index.html").read_text(encoding="utf-8")


def test_a_run_into_the_project_root_is_refused_before_any_kernel(tmp_path):
    """`run --out .` would replace notebooks/overview.ipynb and method_evaluation.ipynb with executed copies."""
    from toolkit.batch.plan import plan_batch

    templates = {p: p.read_bytes() for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    with pytest.raises(ToolkitError, match="would (overwrite an input|write into a folder shipped)"):
        plan_batch(units=["national"], out=PROJECT_ROOT)
    assert {p: p.read_bytes() for p in templates} == templates
    assert not (PROJECT_ROOT / "index.html").exists() and not (PROJECT_ROOT / "units").exists()
    with pytest.raises(ToolkitError, match="inside the toolkit package"):
        plan_batch(units=["national"], out=PROJECT_ROOT / "toolkit" / "out", extras={})
    assert not (PROJECT_ROOT / "toolkit" / "out").exists()


def test_a_run_whose_output_would_replace_its_data_file_is_refused(tmp_path):
    from toolkit.batch.plan import plan_batch

    data = tmp_path / "results.csv"  # the user's observations, named like the run's combined output
    data.write_bytes((PROJECT_ROOT / "data" / "observations" / "national.csv").read_bytes())
    before = data.read_bytes()
    with pytest.raises(ToolkitError, match=r"--out would overwrite an input of this command[\s\S]*results\.csv is "
                                           r"also read by this command"):
        plan_batch(units=["national"], data=[str(data)], out=tmp_path, extras={})
    assert data.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


@pytest.mark.parametrize("name", ["MY.CSV", "my.Csv", "sub/my-targets.csv"])
def test_a_relative_targets_file_reaches_the_kernels_as_an_absolute_path(tmp_path, monkeypatch, name):
    """Issue 13, item 18: 'MY.CSV' passed the check in the user's folder, then failed in every kernel (notebooks/)."""
    from toolkit.batch.plan import plan_batch

    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_bytes((PROJECT_ROOT / "data" / "targets" / "outline-2011-2020.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    plan = plan_batch(units=["national"], targets=name, out=tmp_path / "out", extras={})
    assert plan.overrides["targets_override"] == str(tmp_path / name)
    assert (tmp_path / name) in plan.inputs


def test_cycle_reaches_the_notebooks_and_chooses_the_target_files(tmp_path):
    from toolkit.batch.plan import plan_batch

    plan = plan_batch(units=["national"], out=tmp_path / "out", extras={}, cycle="2011-2020")
    assert plan.overrides["cycle_override"] == "2011-2020" and plan.settings["cycle"] == "2011-2020"
    assert PROJECT_ROOT / "data/targets/outline-2011-2020.csv" in plan.inputs
    assert PROJECT_ROOT / "data/targets/outline-2021-2030.csv" not in plan.inputs
    with pytest.raises(BatchError, match="--cycle 2021-2035 is not a cycle(.|\n)*did you mean '2021-2030'"):
        plan_batch(units=["national"], out=tmp_path / "out", extras={}, cycle="2021-2035")


def test_a_broken_local_target_file_is_found_before_any_kernel_and_fails_its_unit_only(tmp_path):
    from toolkit.batch.plan import plan_batch

    folder = tmp_path / "params"
    folder.mkdir()
    local = tmp_path / "local.csv"
    local.write_text("indicator_id,comparator,target_value,target_kind,base_year,target_year,text_en,text_zh,source\n"
                     "imr,以下,4,absolute,,2030,,,a plan\n", encoding="utf-8")
    (folder / "fujian.yaml").write_text(f"unit_id: fujian\nlocal_targets: {{2021-2030: {local}}}\n", encoding="utf-8")
    plan = plan_batch(units=["national", "fujian"], out=tmp_path / "out", extras={}, params_dir=folder)
    assert list(plan.broken) == ["fujian"]
    assert "local.csv, line 2, column 'comparator': '以下' is not allowed" in plan.broken["fujian"]
    assert "write ≤, 以下 or 'below' as '<='" in plan.broken["fujian"]


def test_a_params_dir_file_for_another_unit_fails_that_slot(tmp_path):
    """Issue 13, item 5: beijing.yaml holding `unit_id: hebei` made Beijing's slot report Hebei, exit 0."""
    from toolkit.batch.plan import plan_batch
    from toolkit.inputs.params import load_unit_params

    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "beijing.yaml").write_text("unit_id: hebei\n", encoding="utf-8")
    plan = plan_batch(units=["national", "beijing"], out=tmp_path / "out", extras={}, params_dir=folder)
    assert list(plan.broken) == ["beijing"]
    assert "key 'unit_id': value 'hebei' does not match the unit 'beijing' this file was given for" \
        in plan.broken["beijing"]
    with pytest.raises(ToolkitError, match="set `unit_id: beijing`"):  # the kernel refuses it too
        load_unit_params(folder / "beijing.yaml", unit_id="beijing")


def test_a_params_dir_takes_yml_files_and_names_the_files_it_cannot_use(tmp_path):
    """Issue 13, item 17: national.yml and Beijing.yaml were ignored without a word."""
    from toolkit.batch.plan import plan_batch

    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "national.yml").write_text("unit_id: national\nas_of: 2018\n", encoding="utf-8")
    (folder / "Beijing.yaml").write_text("unit_id: beijing\n", encoding="utf-8")
    (folder / "hebei.yaml").write_text("unit_id: hebei\n", encoding="utf-8")  # a unit, just not in this run
    plan = plan_batch(units=["national", "beijing"], out=tmp_path / "out", extras={}, params_dir=folder)
    assert plan.params_files == {"national": (folder / "national.yml").resolve()}
    assert plan.warnings == [f"{folder / 'Beijing.yaml'} is used for no unit: 'Beijing' is not a unit id "
                             "(did you mean 'beijing'?)"]
    (folder / "national.yaml").write_text("unit_id: national\n", encoding="utf-8")
    with pytest.raises(BatchError, match="national.yaml and national.yml are both for 'national'"):
        plan_batch(units=["national"], out=tmp_path / "out", extras={}, params_dir=folder)


def test_stale_temporaries_are_removed_without_following_links(tmp_path):
    """Issue 13, item 20: directory symlinks inside the output folder were followed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".precious.tmp").write_text("keep", encoding="utf-8")
    out = tmp_path / "out"
    (out / "units" / "beijing").mkdir(parents=True)
    (out / "units" / "beijing" / ".results.csv.1.tmp").write_text("stale", encoding="utf-8")
    (out / "units" / "evil").symlink_to(elsewhere, target_is_directory=True)
    (out / "html").symlink_to(elsewhere, target_is_directory=True)
    batch._remove_stale_temporaries(out)
    assert not (out / "units" / "beijing" / ".results.csv.1.tmp").exists()
    assert (elsewhere / ".precious.tmp").read_text(encoding="utf-8") == "keep"


def test_a_hung_cell_fails_its_unit_after_the_timeout_and_the_batch_finishes(tmp_path):
    """Issue 13, item 9: one hung cell stalled the batch forever and no index was written."""
    import time

    template = make_standin(tmp_path / "standin.ipynb",
                            first="import time\nif unit_id == 'beijing':\n    time.sleep(600)")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    code = run_batch(units=["national", "beijing"], workers=2, out=out, template=template, extras={}, timeout=5,
                     progress=False)
    assert code == 1 and time.perf_counter() - t0 < 120
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {u["unit_id"]: (u["status"], u["error"]) for u in manifest["units"]}
    assert status["national"][0] == "ok" and status["beijing"][0] == "failed"
    assert "timed out" in str(status["beijing"][1]).lower() and manifest["timeout_s"] == 5.0
    assert (out / "index.html").is_file() and (out / "html" / "beijing.html").is_file()
    with pytest.raises(BatchError, match="--timeout must be a positive number of seconds"):
        run_batch(units=["national"], out=tmp_path / "out2", template=template, extras={}, timeout=0, progress=False)
    assert not (tmp_path / "out2").exists()


def test_an_input_changed_during_the_run_is_detected_and_fails_the_run(tmp_path):
    """Issue 13, item 8: inputs were checksummed at the end only, so a file changed mid-run went unnoticed."""
    data = tmp_path / "obs.csv"
    data.write_bytes((PROJECT_ROOT / "data" / "observations" / "national.csv").read_bytes())
    template = make_standin(tmp_path / "standin.ipynb", first=(
        "import pathlib\nif unit_id == 'beijing':\n"
        "    f = pathlib.Path(data_override.split(';')[0])\n    f.write_text(f.read_text() + '\\n')"))
    out = tmp_path / "out"
    code = run_batch(units=["national", "beijing"], workers=1, data=[str(data)], out=out, template=template,
                     extras={}, progress=False)
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert code == 1 and manifest["n_failed"] == 0
    changed = manifest["inputs_changed_during_run"]
    assert list(changed) == [data.resolve().as_posix()]
    assert changed[data.resolve().as_posix()]["at_start"] != changed[data.resolve().as_posix()]["at_end"]
    assert changed[data.resolve().as_posix()]["at_end"] == manifest["inputs"][data.resolve().as_posix()]


def test_each_kernel_reads_only_its_rows_of_data_and_the_report_names_the_users_file(tmp_path):
    """Issue 13, item 14: every kernel loaded the whole --data file (13x its size each); the parent now reads it
    once and hands each kernel its rows. The numbers are those of a report that reads the whole file."""
    import pandas as pd

    from toolkit.core.paths import DEMO_DIR
    from toolkit.reports.unit_report import context as report

    data = tmp_path / "mine.csv"
    frame = pd.read_csv(DEMO_DIR / "provinces.csv")
    frame[frame["unit_id"].isin(["beijing", "tianjin", "hebei"])].to_csv(data, index=False)
    out = tmp_path / "out"
    assert run_batch(units=["beijing"], data=[str(data)], out=out, extras={}, progress=False) == 0
    assert not (out / "inputs").exists()  # the slices are gone with the run
    summary = json.loads((out / "units" / "beijing" / "summary.json").read_text(encoding="utf-8"))
    assert summary["data_files"] == [str(data)]
    whole = report.prepare("beijing", output_dir=str(tmp_path / "whole"), data_override=str(data)).results
    batch = pd.read_csv(out / "results.csv").set_index("indicator_id")["p_attain"]
    pd.testing.assert_series_equal(batch.sort_index(), whole.set_index("indicator_id")["p_attain"].sort_index(),
                                   check_names=False, check_dtype=False)
    assert str(data) in (out / "html" / "beijing.html").read_text(encoding="utf-8")


def test_a_named_unit_without_rows_in_data_fails_naming_the_users_file_not_the_deleted_slice(tmp_path):
    """Asked for by name, a unit with no rows in --data fails on its own; the message named the run's temporary
    slice (inputs/<unit>.csv, deleted when the run ends) and said it "has a header but no data rows"."""
    import pandas as pd

    from toolkit.core.paths import DEMO_DIR

    data = tmp_path / "mine.csv"
    frame = pd.read_csv(DEMO_DIR / "provinces.csv")
    frame[frame["unit_id"] == "beijing"].to_csv(data, index=False)
    out = tmp_path / "out"
    assert run_batch(units=["beijing", "tianjin"], data=[str(data)], out=out, extras={}, progress=False) == 1
    units = {u["unit_id"]: u for u in json.loads((out / "run.json").read_text(encoding="utf-8"))["units"]}
    assert units["beijing"]["status"] == "ok" and units["tianjin"]["status"] == "failed"
    assert units["tianjin"]["error"]["evalue"].startswith(f"{data}: has no observations of tianjin\n")
    assert "inputs" not in units["tianjin"]["error"]["evalue"]


def test_a_run_on_user_data_reports_its_units_only_and_not_the_demo_notes(tmp_path, capsys):
    """Issue 12, reports on user data: --data without --units runs the units the data hold; the params' demo
    note is not shown; the comparison line is the user's own national series; a named unit with no rows fails."""
    from toolkit.core.errors import DataValidationError
    from toolkit.reports.unit_report import context as report
    from toolkit.reports.unit_report import fragments

    data = tmp_path / "mine.csv"
    rows = [f"{u},imr,{y},{v + (y - 2010) * -0.3:.1f},=,per_mille,我的统计年鉴,\n"
            for u, v in (("national", 13.0), ("beijing", 4.0)) for y in range(2010, 2021)]
    data.write_text("unit_id,indicator_id,year,value,qualifier,unit,source,note\n" + "".join(rows), encoding="utf-8")
    plan = batch.plan_batch(data=[str(data)], out=tmp_path / "out", extras={})
    assert plan.unit_ids == ["national", "beijing"]
    assert plan.warnings[0].startswith("30 unit(s) have no rows in the --data files and are left out: tianjin")
    context = report.prepare("beijing", output_dir=str(tmp_path / "bj"), data_override=str(data))
    assert "Synthetic demonstration data" not in fragments.provenance(context).data
    assert set(context.comparison["source"]) == {"我的统计年鉴"}  # the user's national rows, not the shipped ones
    with pytest.raises(DataValidationError, match="has no observations of tianjin"):
        report.prepare("tianjin", output_dir=str(tmp_path / "tj"), data_override=str(data))
