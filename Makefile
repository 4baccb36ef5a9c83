# Samrådsportalen. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Node tooling pinned in package-lock.json: axe-core (browser tests), ical.js (calendar
# interop test), vnu-jar (HTML validation; needs java). Install scripts are skipped:
# vnu-jar's would download a JRE when java is missing; .ci/run installs Debian's instead.
NODE_STAMP := node_modules/.installed
PORT ?= 5000
export PORT  # config.py: PUBLIC_BASE_URL follows it in development
export FLASK_APP := app

.PHONY: format lint audit install node-modules run test translations compile-translations migrate demo-data clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) compile-translations

# Only reinstalls when package.json or the lock changed. Without npm the browser
# tests are skipped locally (and fail in CI, where .ci/run installs npm).
node-modules: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: browser tests will be skipped (apt-get install nodejs npm)" >&2; \
	fi

compile-translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d translations -D messages

migrate: install
	mkdir -p instance
	$(BIN)/flask db upgrade

demo-data: migrate
	@$(BIN)/flask demo-data | tail -n 1

run: demo-data
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install node-modules
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Load test (docs/performance.md): builds the dataset once, serves it with gunicorn
# (2 sync workers), drives it with wrk and writes the table into docs/performance.md.
# BENCH_DB=sqlite|postgresql; smaller dataset: BENCH_VIEWS=100000 BENCH_CONSULTATIONS=4000.
BENCH_DB ?= sqlite
BENCH_BOARDS ?= 30
BENCH_CONSULTATIONS ?= 20000
BENCH_VIEWS ?= 1000000
BENCH_DURATION ?= 10
bench: $(STAMP) compile-translations
	$(BIN)/python bench/run.py --db $(BENCH_DB) --boards $(BENCH_BOARDS) --consultations $(BENCH_CONSULTATIONS) \
		--views $(BENCH_VIEWS) --duration $(BENCH_DURATION)

# Static checks: ruff (pyflakes, pycodestyle, import order; `ruff format`
# decides the layout, `make format` applies it), the import
# contracts of pyproject.toml ([tool.importlinter]: layers point down, no
# cycles, no domain imports another's views) and mypy ([tool.mypy]: app/,
# config.py, migrations/, tests/, bench/). `ruff check --fix` sorts imports.
lint: $(STAMP)
	$(BIN)/ruff check app tests bench config.py migrations
	$(BIN)/ruff format --check app tests bench config.py migrations
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix app tests bench config.py migrations
	$(BIN)/ruff format app tests bench config.py migrations

# Extract, update and compile every catalog (Romani included: see translations/README.md).
# The .pot keeps source locations (the workbench shows where a string appears);
# fix-headers strips them from the .po files. `flask translations merge` writes
# the workbench's overrides not yet in a .po into it, so none is lost.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k N_ --ignore-dirs '.* __pycache__' --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/flask translations merge
	$(BIN)/python -m app.i18n_tools fix-headers translations
	$(BIN)/pybabel compile --statistics -d translations -D messages

# Static security analysis (bandit); medium and high findings fail. An accepted
# finding is marked in the code with `# nosec <id>` and the reason beside it.
# Then the pinned dependencies against the OSV vulnerability database
# (pip-audit --strict: a package it cannot check fails too). Where OSV cannot
# be reached at all, the dependency audit is skipped with a warning, unless
# AUDIT_DEPS_REQUIRED=1 (set it in any CI that has internet access).
# An accepted vulnerability goes into PIP_AUDIT_IGNORE (--ignore-vuln ID ...) with a reason in docs/.
PIP_AUDIT_IGNORE ?=
audit: $(STAMP)
	$(BIN)/bandit -q -r app config.py -ll
	@if $(BIN)/python -c "import sys, urllib.error, urllib.request as r; \
	  exec('try: r.urlopen(\'https://api.osv.dev/v1/query\', data=b\'{}\', timeout=5)\nexcept urllib.error.HTTPError: pass\nexcept Exception: sys.exit(1)')"; then \
		$(BIN)/python -m pip freeze --exclude-editable > $(VENV)/audit-requirements.txt && \
		$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -s osv $(PIP_AUDIT_IGNORE) \
			-r $(VENV)/audit-requirements.txt; \
	elif [ "$${AUDIT_DEPS_REQUIRED:-0}" = "1" ]; then \
		echo "pip-audit: the OSV vulnerability service (api.osv.dev) is unreachable and AUDIT_DEPS_REQUIRED=1" >&2; exit 1; \
	else \
		echo "WARNING: pip-audit skipped: the OSV vulnerability service (api.osv.dev) is unreachable from here." >&2; \
	fi

clean:
	rm -rf $(VENV) instance/*.sqlite*
