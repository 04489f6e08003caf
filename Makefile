# Điểm Cầu — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := diemcau.settings

.PHONY: run test test-django test-agent venv install migrate demo lint messages icons clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs the project (editable) with its test tools, and the site agent.
$(VENV)/.installed: pyproject.toml agent/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]' -e ./agent
	touch $@

install: $(VENV)/.installed

venv: install

# The demo as users see it: DEBUG off (the application's own error pages, compressed
# static files), e-mail written to var/mail/ instead of an SMTP server. Set DEBUG=1 in
# .env for Django's technical error pages while developing.
.env:
	@echo "Creating .env for local use (a fresh SECRET_KEY, e-mail to files in var/mail/)."
	@printf 'DEBUG=0\nSECRET_KEY=%s\nEMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env

migrate: install .env
	$(BIN)/diemcau compilemessages --ignore=.venv --ignore=agent -v0
	$(BIN)/diemcau collectstatic --noinput -v0
	$(BIN)/diemcau migrate

demo: migrate
	$(BIN)/diemcau demo --if-empty --i-know

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

# Rebuild the icon subset after using a new bi-… icon (diemcau/core/icons.py).
icons: install
	DEBUG=1 $(BIN)/diemcau icons

clean:
	rm -rf $(VENV) var .env
