# Two commands on a fresh machine with Python 3.11 and make:
#   make run   → the reconciliation of the bundled sample (inputs/ → reports/2026-11/)
#   make test  → lint (ruff, mypy) and the whole test suite
# `make run` installs only what the tool runs (requirements.lock); `make test` adds the
# test, lint and benchmark tools (requirements-dev.lock).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MOIS ?= 2026-11
PIP_TOOLS := pip-tools==7.6.2

.PHONY: install install-dev run check test lint bench sample lock clean

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The package is installed editable in "compat" mode: a plain path in a .pth file rather
# than an import hook run at every start-up, before the program can handle Ctrl-C.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=compat
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $@

run: install
	$(BIN)/reconcile run --mois $(MOIS)

check: install
	$(BIN)/reconcile check --mois $(MOIS)

test: install-dev lint
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy reconcile schemas

bench: install-dev
	$(BIN)/python -m bench

sample: install
	$(BIN)/python scripts/make_sample.py inputs

# Re-pin after editing pyproject.toml: the runtime closure, then the dev tools on top of
# it (constrained by it, so both locks agree). Existing pins are kept where they still
# fit; pip-tools itself is installed into the venv first, so this works on a fresh clone.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet $(PIP_TOOLS)
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
