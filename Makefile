# kube_edge.lb: one entry point for setting up, testing, running and measuring the collection.
#   make run     set everything up and run site.yml against the embedded lab
#   make test    set everything up and pass every gate (what CI runs)
#   make bench   run the benchmarks and write benchmarks/results.json
#   make matrix  sanity (sampled) and units on every other claimed ansible-core (part of make test)
#   make fuzz    fuzz every module's arguments and the haproxy role's inputs at length (benchmarks/fuzz.json)
#   make ee      build the execution environment image (execution-environment.yml)
SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
STAGE := scripts/stage.sh
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/.cache/collections
export CONTAINERS_CONF := $(ROOT)/.config/containers/containers.conf
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0
export NO_COLOR := 1
SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: help setup system-deps image test gates sanity units matrix lint changelog-lint docs-lint build \
	syntax python-lint types molecule integration run lab-up lab-down bench fuzz clean ee ee-context

help:
	@sed -n 's/^#   //p' Makefile

## ---- setup ---------------------------------------------------------------------------------
system-deps:
	@# shellcheck: ansible-test sanity skips its shellcheck test (and passes) when the command is missing.
	@missing=""; for tool in podman runc debootstrap shellcheck; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then echo "setup: installing$$missing from apt"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap shellcheck >/dev/null; fi
	@# nginx: the lab's worker nodes (tests/lab/nodes.py starts its own masters); the host's service stays off.
	@if [ ! -x /usr/sbin/nginx ]; then echo "setup: installing nginx from apt (its system service is stopped and disabled)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null && \
	  { systemctl disable --now nginx.service >/dev/null 2>&1 || { invoke-rc.d nginx stop; update-rc.d nginx disable; } >/dev/null 2>&1 || true; }; fi

setup: system-deps
	@scripts/setup-venv.sh

image: system-deps
	@scripts/build-image.sh

## ---- gates ---------------------------------------------------------------------------------
test: setup
	@rm -f .cache/stages.tsv
	@$(MAKE) --no-print-directory -k gates; scripts/summary.sh

gates: sanity units matrix lint python-lint types changelog-lint docs-lint build syntax integration molecule

sanity:
	@$(STAGE) sanity scripts/ansible-test.sh sanity --requirements

units:
	@$(STAGE) units scripts/ansible-test.sh units --requirements

# The other claimed ansible-core versions (requirements/ansible-core-matrix.txt; README support matrix).
matrix:
	@$(STAGE) matrix scripts/test-matrix.sh

lint:
	@$(STAGE) ansible-lint ansible-lint --profile production

# ruff and mypy cover plugins/, the code that ships (ruff.toml, mypy.ini).
python-lint:
	@$(STAGE) ruff bash -c 'ruff check plugins && ruff format --check plugins'

types:
	@$(STAGE) mypy bash -c 'cd .cache/collections && mypy --config-file $(ROOT)/mypy.ini -p ansible_collections.kube_edge.lb.plugins'

changelog-lint:
	@$(STAGE) changelog-lint antsibull-changelog lint

docs-lint:
	@$(STAGE) docs-lint antsibull-docs lint-collection-docs --plugin-docs .

build:
	@$(STAGE) build scripts/check-build.sh

syntax:
	@$(STAGE) syntax bash -c 'for inv in inventories/lab inventories/example; do \
	  ansible-playbook -i $$inv site.yml --syntax-check || exit 1; done'

integration:
	@$(STAGE) integration python -m pytest -p no:cacheprovider -q tests/integration

molecule: image
	@for scenario in $(SCENARIOS); do \
	  $(STAGE) molecule-$$scenario scripts/molecule.sh test -s $$scenario || status=1; \
	done; exit $${status:-0}

## ---- the embedded lab ------------------------------------------------------------------------
run: setup image
	@$(BIN)/python tests/lab/lab.py up
	ansible-playbook -i inventories/lab site.yml
	@$(BIN)/python tests/lab/lab.py report

lab-up: setup image
	@$(BIN)/python tests/lab/lab.py up

lab-down:
	@$(BIN)/python tests/lab/lab.py down

# The lab is brought up first so that site_noop_seconds (a second site.yml run) is measured too.
bench: setup image
	@$(BIN)/python tests/lab/lab.py up
	@$(BIN)/python benchmarks/run.py

# Hypothesis cases per fuzz test (modules: per module); make test runs the same tests with their small default.
FUZZ_EXAMPLES ?= 1000
fuzz: setup
	@$(BIN)/python benchmarks/bench_fuzz.py --run --examples $(FUZZ_EXAMPLES) --write benchmarks/fuzz.json

## ---- the execution environment --------------------------------------------------------------
# ee-context stages the collection tarball where execution-environment.yml expects it and writes
# the build context (no container runtime needed); ee builds the image from it.
EE_TAG ?= kube-edge-lb-ee:$(shell sed -n 's/^version: *//p' galaxy.yml)
ee-context:
	@rm -rf .cache/ee && mkdir -p .cache/ee
	@ansible-galaxy collection build --force --output-path .cache/ee . >/dev/null
	@mv .cache/ee/kube_edge-lb-*.tar.gz .cache/ee/kube_edge-lb.tar.gz
	@ansible-builder create -f execution-environment.yml -c .cache/ee/context

ee: setup
	@$(MAKE) --no-print-directory ee-context
	podman build -f .cache/ee/context/Containerfile -t $(EE_TAG) .cache/ee/context

clean: lab-down
	rm -rf .cache tests/output
