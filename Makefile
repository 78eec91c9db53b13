# Quick start: `make demo` runs the main job, `make test` runs the checks. Both set up .venv first.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON ?= python3

.PHONY: install demo test lint bench bench-quick clean

$(STAMP): pyproject.toml scripts/setup.sh
	PYTHON=$(PYTHON) bash scripts/setup.sh
	touch $(STAMP)

install: $(STAMP)

demo: install
	bash examples/demo.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/controller_bench.py

bench-quick: install
	$(BIN)/python bench/controller_bench.py --quick

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
