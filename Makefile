# edgeguard build, test and deploy entry points. `make help` lists them.
# Targets install nothing by themselves (.ci/run and `make setup` install the toolchain extras),
# except `make package` (and so `sam build`), which runs `npm ci` when wasm-opt is missing.

CARGO  ?= cargo
CONFIG ?= guard.toml
FUZZ_SECONDS ?= 60
SAM ?= .venv-sam/bin/sam
CHECKOV ?= .venv-checkov/bin/checkov
# Every SAM template: the full stack and the guard-only stack for an existing distribution.
TEMPLATES = template.yaml template-guard.yaml
EVENTS ?= $(wildcard events/*.json)

.PHONY: help build demo test test-rust test-interop lint setup
.PHONY: fuzz bench package test-edge lint-template test-sam build-GuardFunction build-native invoke deploy deploy-guard clean

help:
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## Build the CLI and the native Lambda bootstrap (release)
	$(CARGO) build --release --bins

demo: build ## Run the guard on every sample event with the shipped config: allow/deny per event
	@scripts/demo.sh $(CONFIG) $(EVENTS)

test: setup lint test-rust test-interop lint-template test-edge test-browser test-cff test-sam ## Install the test tools (scripts/setup.sh), then run the whole test suite (what CI runs)

test-rust: ## Rust unit, integration, property and vector tests
	$(CARGO) test --all-targets

test-interop: ## Signed URLs/cookies from botocore and @aws-sdk/cloudfront-signer vs edgeguard check/sign
	$(CARGO) build --bin edgeguard
	.venv/bin/python tests/interop/run.py target/debug/edgeguard

lint: ## rustfmt and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy -p edgeguard-wasm --target wasm32-unknown-unknown -- -D warnings

setup: ## Install the extra tools the full test suite needs (what .ci/run does)
	scripts/setup.sh

package: | node_modules/.bin/wasm-opt ## Lambda@Edge bundle for CONFIG: build/edge/ (with manifest.json) and build/edgeguard-edge.zip (fails over 300 KB)
	CARGO=$(CARGO) scripts/package-edge.sh $(CONFIG)

# wasm-opt comes from the binaryen npm package (package-lock.json); a fresh clone has none yet.
node_modules/.bin/wasm-opt:
	npm ci --no-audit --no-fund --loglevel=error

test-edge: ## Node.js bundle = native CLI on every event in events/; fails closed; loads standalone
	CARGO=$(CARGO) scripts/package-edge.sh guard.toml
	node --test tests/node/

# checkov findings that do not apply (reasons: README.md, "checkov findings left on purpose").
CHECKOV_SKIP = CKV_AWS_115,CKV_AWS_116,CKV_AWS_117,CKV_AWS_18,CKV_AWS_86,CKV_AWS_174

lint-template: ## cfn-lint and checkov on every SAM template (no errors, no finding outside the documented skip list)
	.venv/bin/cfn-lint $(TEMPLATES)
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation --skip-check $(CHECKOV_SKIP) $(addprefix -f ,$(TEMPLATES))

test-sam: cff-template ## sam validate --lint on every template, the deploy command's parameters through SAM's parser, plain sam build
	for t in $(TEMPLATES) $(addprefix build/cff/,$(TEMPLATES)); do SAM_CLI_TELEMETRY=0 $(SAM) validate --lint -t $$t || exit 1; done
	SAM_CLI_TELEMETRY=0 .venv-sam/bin/python -m unittest discover -s tests/sam -v

build-GuardFunction: package ## SAM makefile build (sam build): the edge bundle into $(ARTIFACTS_DIR)
	cp build/edge/index.mjs build/edge/edgeguard.wasm build/edge/config.json build/edge/manifest.json "$(ARTIFACTS_DIR)/"

build-native: ## provided.al2023 bootstrap (GLIBC <= 2.34) zipped with CONFIG and its keys: build/edgeguard-native.zip
	CARGO=$(CARGO) scripts/package-native.sh $(CONFIG)

invoke: package ## Run the Node.js edge bundle on EVENT=file.json and print its result (like sam local invoke)
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/referer-allowed.json" >&2; exit 2; }
	node scripts/edge-invoke.mjs --config $(CONFIG) $(EVENT)

GUARD_RUNTIME ?= lambda-edge
# SIGNER_PEM=keys/signer.pem passes that public key as SignerPublicKeyPem, in the quotes SAM needs
# to keep a multi-line value whole (README.md, "Step by step").
SIGNER_PEM ?=

deploy: cff-template ## Full stack: sam build && sam deploy (samconfig.toml; GUARD_RUNTIME=lambda-edge|cloudfront-functions, SIGNER_PEM=FILE; needs AWS credentials; never in CI)
	CONFIG=$(CONFIG) $(SAM) build -t build/cff/template.yaml
	$(SAM) deploy --parameter-overrides GuardRuntime=$(GUARD_RUNTIME) $(if $(SIGNER_PEM),"SignerPublicKeyPem=\"$$(cat $(SIGNER_PEM))\"")

deploy-guard: cff-template ## Guard-only stack for an existing distribution (template-guard.yaml); then `edgeguard attach`
	CONFIG=$(CONFIG) $(SAM) build --config-env guard -t build/cff/template-guard.yaml
	$(SAM) deploy --config-env guard --parameter-overrides GuardRuntime=$(GUARD_RUNTIME)

clean: ## Remove build/ (bundles and zips) and .aws-sam/ (sam build); target/ is left to cargo
	rm -rf build .aws-sam

.PHONY: test-browser bench-serve

test-browser: ## Headless Chromium: allowed/foreign embeds and a signed link through `edgeguard serve`
	CARGO=$(CARGO) scripts/test-browser.sh

bench-serve: ## Load benchmark (wrk): `edgeguard serve` vs nginx valid_referers; not part of `make test`
	CARGO=$(CARGO) bench/serve-vs-nginx.sh

fuzz: ## Run every cargo-fuzz target for FUZZ_SECONDS each (default 60; nightly; installs cargo-fuzz)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

.PHONY: cff cff-template test-cff

cff: ## CloudFront Functions guard for CONFIG: build/cff/guard.js (fails over 10 KB)
	$(CARGO) build --bin edgeguard
	mkdir -p build/cff
	target/debug/edgeguard cff --config $(CONFIG) --out build/cff/guard.js

test-cff: cff-template ## CloudFront Functions guard vs the Rust guard: differential tests, sizes, templates
	node --test tests/cff/
	.venv/bin/cfn-lint $(addprefix build/cff/,$(TEMPLATES))

cff-template: cff ## build/cff/template.yaml and template-guard.yaml with the generated CloudFront Function; `sam build -t` them
	for t in $(TEMPLATES); do node scripts/cff-template.mjs $$t build/cff/guard.js build/cff/$$t || exit 1; done

bench: ## Benchmarks, not pass/fail (< 10 min): criterion, RustCrypto vs openssl, edge bundle vs plain Node.js
	$(CARGO) bench --bench guard
	CARGO=$(CARGO) bench/native-vs-openssl.sh
	CARGO=$(CARGO) scripts/package-edge.sh guard.toml
	node bench/edge-vs-node.mjs
