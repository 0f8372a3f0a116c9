# Two entry points (see README.md):  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run serve test test-fast install install-dev chromium node haproxy build bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# Debian's Chromium for the real-browser tests (never a Playwright browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Node.js parses the map's own script in a test (node --check); Debian's package if missing.
node:
	@command -v node >/dev/null 2>&1 || command -v nodejs >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs >/dev/null; }

# Debian's HAProxy, the proxy in front of the replicas (make serve, and a test that runs it).
haproxy:
	@command -v haproxy >/dev/null 2>&1 || test -x /usr/sbin/haproxy || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy >/dev/null; }

# Serves the committed snapshot in data/snapshot/ (no raw sources or network needed).
run: install
	$(BIN)/streamlit run dashboard/app.py

# Several replicas (one per core) behind HAProxy with sticky sessions, on port 8501.
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
serve: install haproxy
	$(BIN)/python deploy/serve.py --replicas $(REPLICAS) --port 8501

# Lint and format check first (seconds), then every test.
test: install-dev chromium node haproxy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# The quick tier for the edit-test loop: lint, unit and AppTest tests (no browser, no raw data).
test-fast: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q tests/unit tests/app

# Rebuilds data/snapshot/ from the raw sources (../shared/data/raw, $$LAMH_RAW_DIR or data/raw/),
# then the map's data files browsers cache (dashboard/static/snapshot/).
build: install
	$(BIN)/python -m dashboard.ingest build
	$(BIN)/python -m dashboard.render.webfiles

bench: install-dev chromium
	$(BIN)/python bench/run_all.py

clean:
	rm -rf .pytest_cache
