# The two commands of the README: `make app` and `make test`.
# Everything a machine needs is installed here, into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Python that keeps the bytecode of what it imports even where PYTHONDONTWRITEBYTECODE is set
# (an empty value unsets it): else every process of the suite (CLI runs, analysis workers, the
# browser tests' server) compiles its imports again, 9 s instead of 3. Installing compiles
# every module of every package instead (20 s more, most never imported).
RUN := PYTHONDONTWRITEBYTECODE= $(BIN)/python

.PHONY: app test install clean sample benchmark

# uv (from PyPI) installs the same versions as pip in about 10 s instead of about 70 s: it
# fetches in parallel and compiles no bytecode; the first import of each module writes it
# (RUN; see below). pip stays the fallback.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools  # venv's own setuptools is old (advisories)
	$(BIN)/python -m pip install --quiet uv \
		&& $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]' \
		|| $(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

app: $(STAMP)
	$(RUN) app.py --server.headless true --server.address 127.0.0.1 --server.port 8501

# One process per core (pytest-xdist), a group of files each at a time (tests/conftest.py:
# the files sharing an expensive session fixture run in one worker, which makes it once).
test: $(STAMP)
	$(RUN) -m pytest -n auto

sample: $(STAMP)
	$(BIN)/python sample_data/generate_gym_panel.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/map_speed.py
	$(BIN)/python benchmarks/drivers_permutation.py
	$(BIN)/python benchmarks/interval_coverage.py

clean:
	rm -rf $(VENV) .pytest_cache out

.PHONY: audit load

# Known vulnerabilities in the installed .venv (pip-audit in its own venv; fails only when a fix exists).
audit: $(STAMP)
	$(BIN)/python tools/audit_dependencies.py

# Five concurrent app sessions in Debian's Chromium (skipped without /usr/bin/chromium);
# -s shows the per-session latency table.
load: $(STAMP)
	$(RUN) -m pytest -m load -q -s -p no:xdist
