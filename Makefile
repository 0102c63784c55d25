# Two commands on a fresh machine with Python 3.11 and make:
#   make run   → the reconciliation of the bundled sample (inputs/ → reports/2026-11/)
#   make test  → lint (ruff, mypy) and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MOIS ?= 2026-11

.PHONY: install run check test lint bench sample lock clean

install: $(VENV)/.installed

# The package is installed editable in "compat" mode: a plain path in a .pth file rather
# than an import hook run at every start-up, before the program can handle Ctrl-C.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=compat
	touch $@

run: install
	$(BIN)/reconcile run --mois $(MOIS)

check: install
	$(BIN)/reconcile check --mois $(MOIS)

test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy reconcile schemas

bench: install
	$(BIN)/python -m bench

sample: install
	$(BIN)/python scripts/make_sample.py inputs

# Re-pin every dependency (runtime and tests) after editing pyproject.toml.
lock:
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
