# Two entry points (see README.md):  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-dev assets chromium build bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip check

# Leaflet + markercluster, pinned and integrity-checked, served by the app itself.
assets: $(BIN)/python
	$(BIN)/python -m dashboard.assets fetch

# Debian's Chromium for the real-browser tests (never a Playwright browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Installs, then starts the dashboard; the first start builds the tables from the raw sources.
run: install
	-$(BIN)/python -m dashboard.assets fetch || echo "Leaflet not fetched: the map will load it from a CDN"
	$(BIN)/python -m streamlit run streamlit_app.py

test: install-dev chromium assets
	$(BIN)/python -m pytest -q

build: install
	$(BIN)/python -m dashboard.pipeline build

bench: install-dev chromium assets
	$(BIN)/python bench/run_all.py

clean:
	rm -rf data/processed .pytest_cache
