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
SAM := $(SAM_VENV)/bin/sam
STAMP := $(VENV)/.installed

.PHONY: run test install lint unit integration infra bench invoke etl clean

$(STAMP): requirements-dev.txt src/requirements.txt
	test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON_BASE) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	touch $@

install: $(STAMP) $(SAM_VENV)/.installed

run: $(STAMP)
	$(PY) -m local.stack

test: install
	$(VENV)/bin/ruff check src etl_task local tests
	$(PY) -m pytest tests

invoke: $(STAMP)
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<Function> EVENT=events/<file>.json"; exit 2; }
	$(PY) -m local.invoke $(FN) $(EVENT)

etl: $(STAMP)
	$(PY) -m local.etl $(if $(SOURCE),--source $(SOURCE),) $(if $(FOLDER),--folder $(FOLDER),)

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .local .pytest_cache
