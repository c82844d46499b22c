# The two commands the README opens with: `make run` and `make test`.
# Both create a local virtual environment on first use, so they work on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The tests that exercise the encoders and the server end to end, run a second time by
# `make test` with every native path switched off, so that the Pillow fallback is proven too.
UNIT   := not e2e and not slow and not stress and not browser and not nginx and not container and not ocr and not clients
FALLBACK := not stress and not browser and not nginx and not container and not ocr and not clients

.PHONY: run test test-fast test-native-off lint bench clean system-deps lock

# Every dependency at the version and hash requirements-dev.lock names; placepix itself editable.
$(BIN)/placepix: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Re-resolve the lock files from pyproject.toml (newest versions its ranges allow), with the
# hashes of every file of each pinned version: requirements.lock for the image (run time and
# the build backend), requirements-dev.lock for tests and CI (the same pins plus dev tools).
UV_COMPILE = $(BIN)/uv pip compile --quiet --native-tls --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock"
lock: $(BIN)/placepix
	$(UV_COMPILE) --upgrade pyproject.toml deploy/build-requires.in -o requirements.lock
	$(UV_COMPILE) --upgrade pyproject.toml --extra dev -c requirements.lock -o requirements-dev.lock

run: $(BIN)/placepix
	$(BIN)/placepix serve

lint: $(BIN)/placepix
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports

system-deps:
	scripts/install-system-deps.sh

test: system-deps lint
	$(BIN)/pytest
	$(MAKE) test-native-off

# Unit tests only (no servers, browsers or proxies): under a minute.
test-fast: $(BIN)/placepix
	$(BIN)/pytest -m "$(UNIT)"

# Every unit, encoder and end-to-end test with PLACEPIX_NATIVE=off: Pillow does everything.
test-native-off: $(BIN)/placepix
	PLACEPIX_NATIVE=off $(BIN)/pytest -m "$(FALLBACK)"

bench: $(BIN)/placepix
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
