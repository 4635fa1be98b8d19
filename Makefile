# The two set-up commands (see README): `make run` and `make test`. Both create .venv/ themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: run test check bench

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -e '.[test,train]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m bot run

test: $(VENV)/.installed
	$(PY) -m bot kb check
	$(PY) -m pytest -q -n 2

bench: $(VENV)/.installed
	for f in bench/bench_*.py; do $(PY) $$f || exit 1; done
