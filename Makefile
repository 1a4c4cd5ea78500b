# BYOK Console — everyday commands. `make run` starts everything; `make test` runs the suite.
SHELL := /bin/bash
PY ?= .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: install run test test-fast lint format check typecheck bench clean

$(VENV_STAMP): requirements/dev.lock
	@command -v uv >/dev/null || python3 -m pip install --quiet uv
	@test -x $(PY) || uv venv --quiet --python 3.11 .venv
	uv pip sync --quiet --python .venv requirements/dev.lock
	@touch $(VENV_STAMP)

install: $(VENV_STAMP)

run: install
	$(PY) -m sandbox.devserver

test: install
	$(PY) -m pytest -n auto --dist loadgroup

test-fast: install
	$(PY) -m pytest -x -q -m "not integration and not e2e"

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

typecheck: install
	DEBUG=1 .venv/bin/mypy

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

check: install
	DEBUG=1 $(PY) manage.py check
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) -m bench

clean:
	rm -rf var/test .pytest_cache
