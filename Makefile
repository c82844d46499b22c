# The two commands the README opens with: `make run` and `make test`.
# Both create a local virtual environment on first use, so they work on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench clean system-deps

$(BIN)/placepix: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/placepix
	$(BIN)/placepix serve

lint: $(BIN)/placepix
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy

system-deps:
	scripts/install-system-deps.sh

test: system-deps lint
	$(BIN)/pytest

bench: $(BIN)/placepix
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
