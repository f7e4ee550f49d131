# Quickstart: `make demo` and `make test` work on a fresh clone with Python 3.11+.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples

.PHONY: demo test lint bench calibrate clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[deck]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(VENV)/.installed-plot: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[plot]'
	@touch $@

demo: $(VENV)/.installed-plot
	mkdir -p out
	$(BIN)/b2bcx report $(EXAMPLE)/acme_2026q3.csv -c $(EXAMPLE)/acme.yaml \
		--baseline $(EXAMPLE)/acme_2026q2.csv --accounts $(EXAMPLE)/crm_accounts.csv \
		-o out/acme_report.xlsx
	$(BIN)/b2bcx report $(EXAMPLE)/acme_2026q3.csv -c $(EXAMPLE)/acme.yaml \
		--baseline $(EXAMPLE)/acme_2026q2.csv --accounts $(EXAMPLE)/crm_accounts.csv \
		-o out/acme_report.html
	$(BIN)/b2bcx deck $(EXAMPLE)/acme_2026q3.csv -c $(EXAMPLE)/acme.yaml \
		--baseline $(EXAMPLE)/acme_2026q2.csv --accounts $(EXAMPLE)/crm_accounts.csv \
		--by manager -o out/decks
	@echo "Open out/acme_report.xlsx, out/acme_report.html (any browser) and a deck in out/decks/. To run b2bcx yourself, activate the environment:"
	@echo "  . $(BIN)/activate"
	@echo "then, for the account table in the terminal:"
	@echo "  b2bcx score $(EXAMPLE)/acme_2026q3.csv -c $(EXAMPLE)/acme.yaml --baseline $(EXAMPLE)/acme_2026q2.csv --accounts $(EXAMPLE)/crm_accounts.csv"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests examples benchmarks validation
	$(BIN)/ruff format --check src tests examples benchmarks validation
	$(BIN)/mypy
	$(BIN)/lint-imports

# Each run has a temporary folder of its own, so two runs at once never share one.
# One BLAS thread per test worker: -n auto already puts a worker on every core.
test: $(VENV)/.installed-test lint
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	mkdir -p out/test-artifacts && \
	B2BCX_ARTIFACTS="$${B2BCX_ARTIFACTS:-$(CURDIR)/out/test-artifacts}" \
	OPENBLAS_NUM_THREADS="$${OPENBLAS_NUM_THREADS:-1}" \
	COVERAGE_FILE="$$tmp/.coverage" $(BIN)/python -m pytest -n auto --dist loadgroup --basetemp="$$tmp/pytest" \
		--cov=b2bcx --cov-report=term:skip-covered

# `make bench SIZES=200k,1M,5M` for 5M; `BENCH_EXTRA=dask` adds `score --engine dask`
SIZES ?= 200k,1M
BENCH_EXTRA ?=
bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/generate.py 10k 200k
	$(BIN)/python benchmarks/check_duckdb.py benchmarks/data/bench_10k.csv benchmarks/data/bench_200k.csv
	$(BIN)/python benchmarks/run.py --sizes $(SIZES) --repeats 3 --no-startup --no-report --extra "$(BENCH_EXTRA)"

# the calibration study of docs/method.md#calibration-study (seeded, a few minutes)
calibrate: $(VENV)/.installed
	$(BIN)/python validation/calibration.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
