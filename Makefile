# The front door: `make run` starts the product locally, `make test` runs every test.
SHELL := /bin/bash
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PYTHONPATH := $(CURDIR)/src:$(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

PYTHON_BASE ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .local/sam
# deploy/*.py run this SAM CLI (deploy/sam_cli.py falls back to it, then to PATH).
export SAM := $(CURDIR)/$(SAM_VENV)/bin/sam
STAMP := $(VENV)/.installed

.PHONY: bootstrap-ci lock run test test-unit test-integration test-e2e typecheck test-deployed install ui chromium bench soak invoke etl client-models generate generate-check clean params preflight deploy etl-remote logs smoke librarian destroy

# One lock per Python environment (requirements/<env>.lock: every package pinned, with hashes), installed by
# plain pip, so a clean clone needs only Python. The direct pins live in requirements/<env>.in; `make lock`.
# --no-deps: the lock is the whole environment (pip would otherwise re-resolve extras such as
# boto3-stubs[...] past their pins); `pip check` then proves nothing is missing.
$(STAMP): requirements/dev.lock
	test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.lock
	$(PY) -m pip check --disable-pip-version-check
	@# The project's import roots on the venv's path, so its tools (lint-imports, mypy, pytest) work without make's PYTHONPATH.
	printf '%s\n' $(CURDIR)/src $(CURDIR) > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/movie-library-explorer.pth"
	touch $@

$(SAM_VENV)/.installed: requirements/sam.lock
	test -x $(SAM_VENV)/bin/python || $(PYTHON_BASE) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/sam.lock
	$(SAM_VENV)/bin/pip check --disable-pip-version-check
	touch $@

TOOLS_VENV := .local/tools

$(TOOLS_VENV)/.installed: requirements/tools.lock
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON_BASE) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/tools.lock
	$(TOOLS_VENV)/bin/pip check --disable-pip-version-check
	touch $@

# Re-resolve the locks after editing a requirements/*.in (or src/ or etl_task/requirements.txt, which dev.in
# includes). Existing pins are kept; UPGRADE=--upgrade moves everything to the newest allowed.
# tests/unit/test_lock_files.py fails while a lock disagrees with a direct pin.
lock: $(STAMP)
	cd requirements && for env in dev sam tools; do \
	  ../$(VENV)/bin/uv pip compile --native-tls --quiet --generate-hashes --python-version 3.11 --universal \
	    --custom-compile-command "make lock" $(UPGRADE) $$env.in -o $$env.lock || exit 1; done
	# The deployed environments (Lambda and the ETL image run python3.12), held to dev.lock's versions.
	cd requirements && for env in lambda etl; do \
	  ../$(VENV)/bin/uv pip compile --native-tls --quiet --generate-hashes --python-version 3.12 --universal \
	    --custom-compile-command "make lock" -c dev.lock $$env.in -o $$env.lock || exit 1; done

tools/node_modules/.installed: tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund
	touch $@

UI_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/docs.html frontend/vite.config.ts frontend/package.json

frontend/dist/index.html: frontend/node_modules/.installed $(UI_SOURCES)
	npm --prefix frontend run build

ui: frontend/dist/index.html

# Browser tests drive Debian's Chromium (a browser download cannot work here).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

install: $(STAMP) $(SAM_VENV)/.installed $(TOOLS_VENV)/.installed tools/node_modules/.installed ui chromium

run: $(STAMP) ui
	$(PY) -m local.stack

test: install
	$(VENV)/bin/ruff check src etl_task local tests bench deploy clients codegen infra
	$(VENV)/bin/ruff format --check src etl_task local tests bench deploy clients codegen infra
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	npm --prefix frontend run lint
	npm --prefix frontend test
	@# Two workers (pytest-xdist), each with its own local stack; a test file stays on one worker.
	$(PY) -m pytest tests -n 2 --dist loadfile --durations=15

# One layer each (markers from tests/conftest.py); make test runs all three in one pytest run (two workers),
# a stack per worker. test-unit needs no stack and no servers: seconds.
test-unit: $(STAMP)
	$(PY) -m pytest tests -m unit

test-integration: install
	$(PY) -m pytest tests -m integration

test-e2e: install
	$(PY) -m pytest tests -m e2e

# mypy --strict over src/, etl_task/ and codegen/ (settings in pyproject.toml [tool.mypy]).
typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The e2e tests marked deployable against a deployed stack (URLs, pool and a test user from its outputs).
test-deployed: $(STAMP)
	@$(PY) -m tests.e2e.deployed $(or $(ENV),staging)

invoke: $(STAMP)
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<Function> EVENT=events/<file>.json"; exit 2; }
	$(PY) -m local.invoke $(FN) $(EVENT)

etl: $(STAMP)
	$(PY) -m local.etl $(or $(SOURCE),folder) $(FOLDER)

bench: $(STAMP)
	$(PY) -m bench.run $(SECTIONS)

# 10,000 adds from 50 users with PostgreSQL restarts, a processor crash and a flaky notifier (ADDS=, USERS= to scale).
soak: $(STAMP)
	$(PY) -m bench.soak --adds $(or $(ADDS),10000) --users $(or $(USERS),50)

# The Python client's models, regenerated from src/api/openapi.json (tests/client fails while they are stale).
client-models:
	$(or $(wildcard $(PY)),python3) clients/python/scripts/generate_models.py

# Everything that restates src/api/openapi.json: the template's request model, gateway responses and password policy,
# the UI's types and rules (frontend/src/lib/generated/), the server's rules (src/domain/contract.py), the client's
# models. generate-check writes nothing and fails while any is stale.
generate: client-models
	$(or $(wildcard $(PY)),python3) -m codegen

generate-check:
	$(or $(wildcard $(PY)),python3) -m codegen --check

clean:
	rm -rf $(VENV) .local .pytest_cache

# --- AWS (see README: Deploy) ------------------------------------------------------------------
ENV ?= staging

# Every parameter with its value for ENV and its help (sam deploy --guided shows names and defaults only).
params: $(STAMP)
	$(PY) -m deploy.params $(ENV)

# Checks the account and this machine; make deploy runs it first. ETL=off: no ETL image, Drive or Docker checks.
preflight: $(STAMP)
	ETL=$(ETL) $(PY) -m deploy.preflight $(ENV)

deploy: $(STAMP) $(SAM_VENV)/.installed
	ETL=$(ETL) $(PY) -m deploy.deploy $(ENV)

etl-remote: $(STAMP)
	$(PY) -m deploy.etl_remote $(ENV)

logs: $(STAMP)
	@test -n "$(FN)" || { echo "usage: make logs ENV=staging FN=<Function logical id, e.g. AddProcessorFunction, or etl>"; exit 2; }
	$(PY) -m deploy.logs $(ENV) $(FN)

smoke: $(STAMP)
	$(PY) -m deploy.smoke $(ENV)

# Once per account, for the pipeline: GitHub's OIDC provider and the staging/production deploy roles (README: Pipeline).
# REPO=<owner>/<name>; CREATE_OIDC_PROVIDER=false when the account already has GitHub's provider.
bootstrap-ci:
	@test -n "$(REPO)" || { echo "usage: make bootstrap-ci REPO=<owner>/<name> [CREATE_OIDC_PROVIDER=false]"; exit 2; }
	aws cloudformation deploy --template-file deploy/bootstrap-ci.yaml --stack-name movie-library-ci \
		--capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
		--parameter-overrides GitHubRepository=$(REPO) CreateOidcProvider=$(or $(CREATE_OIDC_PROVIDER),true)
	aws cloudformation describe-stacks --stack-name movie-library-ci --query "Stacks[0].Outputs" --output table

# Make someone a librarian (may correct and delete any movie): make librarian ENV=prod EMAIL=ann@example.com [REMOVE=1]
librarian: $(STAMP)
	@test -n "$(EMAIL)" || { echo "usage: make librarian ENV=staging EMAIL=<the user's e-mail> [REMOVE=1]"; exit 2; }
	$(PY) -m deploy.librarian $(ENV) $(EMAIL) $(if $(REMOVE),remove)

destroy: $(STAMP) $(SAM_VENV)/.installed
	$(PY) -m deploy.destroy $(ENV) $(if $(CONFIRM),--confirm $(CONFIRM))
