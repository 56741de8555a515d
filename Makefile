# edgeguard build, test and deploy entry points. `make help` lists them.
# Each target installs nothing by itself; .ci/run (and `make setup`) install the toolchain extras.

CARGO  ?= cargo
CONFIG ?= guard.toml
EVENTS ?= $(wildcard events/*.json)

.PHONY: help build demo test test-rust lint setup

help:
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## Build the CLI and the native Lambda bootstrap (release)
	$(CARGO) build --release --bins

demo: build ## Run the guard on every sample event with the shipped config: allow/deny per event
	@scripts/demo.sh $(CONFIG) $(EVENTS)

test: lint test-rust ## Run the whole test suite (what CI runs)

test-rust: ## Rust unit, integration, property and vector tests
	$(CARGO) test --all-targets

lint: ## rustfmt and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

setup: ## Install the extra tools the full test suite needs (what .ci/run does)
	scripts/setup.sh
