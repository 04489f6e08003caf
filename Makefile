# Điểm Cầu — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := diemcau.settings

.PHONY: run test test-django test-agent venv install migrate demo lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs the project (editable) with its test tools, and the site agent.
$(VENV)/.installed: pyproject.toml agent/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]' -e ./agent
	touch $@

install: $(VENV)/.installed

venv: install

.env:
	@echo "Creating .env for local use (DEBUG on, a fresh SECRET_KEY)."
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env

migrate: install .env
	$(BIN)/diemcau compilemessages --ignore=.venv --ignore=agent -v0
	$(BIN)/diemcau migrate

demo: migrate
	$(BIN)/diemcau demo --if-empty

# Creates the environment, migrates, loads the demo province once, and starts
# the web server and the worker on 127.0.0.1:$(PORT).
run: demo
	$(BIN)/diemcau run --port $(PORT)

# The whole suite: the Django apps (SQLite unless DATABASE_URL says otherwise)
# and the site agent (standard library only; its network tests need root).
test: test-django test-agent

test-django: install
	DEBUG=1 $(BIN)/diemcau compilemessages --ignore=.venv --ignore=agent -v0
	DEBUG=1 $(BIN)/pytest -q $(PYTEST_ARGS)

test-agent: install
	$(BIN)/pytest -q agent/tests

lint: install
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Refresh the Vietnamese catalogues after changing user-facing strings.
messages: install
	cd diemcau && ../$(BIN)/python ../manage.py makemessages -l vi -l en --no-obsolete

clean:
	rm -rf $(VENV) var .env
