# The README's two commands are `make run` and `make test`; both work from a fresh clone with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# One BLAS/OpenMP thread per process: the batch runs one kernel per core.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: setup run run-en run-county test unit-test nbval golden lab demo-data bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: setup
	$(PY) -m toolkit run
	@echo "Open outputs/index.html in a browser: file://$(CURDIR)/outputs/index.html"

# The English edition of the same run, beside the Chinese one.
run-en: setup
	$(PY) -m toolkit run --lang en --out outputs/en
	@echo "Open outputs/en/index.html in a browser: file://$(CURDIR)/outputs/en/index.html"

# Every county of Sichuan (183) on the seeded synthetic county panel (generated here, not committed).
run-county: setup
	$(PY) -m toolkit demo-data --level county --within sichuan --out outputs/demo/sichuan-counties.csv
	$(PY) -m toolkit run --level county --within sichuan --data outputs/demo/sichuan-counties.csv --out outputs/county-sichuan
	@echo "Open outputs/county-sichuan/index.html in a browser: file://$(CURDIR)/outputs/county-sichuan/index.html"

test: setup
	$(PY) -m pytest -q tests
	$(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg tests/golden

golden: setup
	$(PY) -m toolkit golden

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: setup
	$(PY) -m jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

demo-data: setup
	$(PY) -m toolkit demo-data

# The peer comparison needs statsforecast, which requires pandas<3: it gets its own environment, so installing
# it never downgrades the project's .venv.
BENCH_VENV := .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --upgrade --quiet pip
	$(BENCH_PY) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: setup $(BENCH_STAMP)
	$(PY) benchmarks/bench_models.py
	$(PY) benchmarks/bench_assess.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_workbook.py
	$(PY) benchmarks/hindcast.py
	$(PY) benchmarks/calibration.py
	$(PY) benchmarks/bench_editions.py
	$(BENCH_PY) benchmarks/peers.py

clean:
	rm -rf outputs .pytest_cache .venv-bench
