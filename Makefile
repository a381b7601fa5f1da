# The two commands the README promises: `make demo` and `make test`.
#
# Every cargo call shares one target directory and one explicit target triple, so cargo, maturin
# and the napi CLI (which always passes --target) reuse one set of build artefacts instead of
# compiling the workspace twice; workspace-hack/ gives every package selection the same dependency
# features, so none of them compiles a dependency again.

SHELL := /bin/bash
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
COMMA := ,
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

HOST_TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET ?= $(HOST_TRIPLE)
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never
PROFILE_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/debug
export AUTHCLOUD_SIM := $(PROFILE_DIR)/authcloud-sim
# Every language's fault-matrix runner writes what it observed here (and its bad-input runner into
# bad-input/); `make test` then checks that all of them gave the answers the tables give
# (scripts/compare-fault-reports.py).
export NEVIS_FAULTS_REPORT_DIR ?= $(CARGO_TARGET_DIR)/faults-report
# The suites run against debug builds of the bindings, which carry test-only hooks (a deliberate
# panic); a test whose hook is missing fails here and is skipped against released artifacts
# (make dist-check, whose clean environment does not have this variable).
export NEVIS_TEST_DEBUG_HOOKS := 1

# Each language binding adds its own targets in mk/<language>.mk and appends them here, so the
# bindings never edit this file concurrently.
TEST_TARGETS := check-standalone check-dependency-features test-rust
DEMO_TARGETS := demo-rust
# Languages whose suites run tests/faults.json; each fragment adds its own.
FAULT_REPORT_LANGUAGES := rust
# Languages whose suites run tests/bad_input.json (writing $(NEVIS_FAULTS_REPORT_DIR)/bad-input/);
# each fragment adds its own.
BAD_INPUT_LANGUAGES :=
# The forward proxy (HTTP, HTTPS, SOCKS5) that the Python, Node and C suites start to test every
# kind of proxy (tests/proxy: test infrastructure, in no release artifact).
export AUTHCLOUD_TEST_PROXY := $(PROFILE_DIR)/authcloud-test-proxy
-include mk/*.mk

.PHONY: help build test fault-reports-clean check-standalone check-dependency-features test-rust test-proxy demo demo-rust bench-sim clean

help:
	@echo "make demo   - build, start the local simulator and run the passwordless flow"
	@echo "make test   - build and run every test suite"
	@echo "make bench  - benchmarks against hand-written HTTP and the ceiling -> bench/RESULTS.md"
	@echo "make fuzz   - the cargo-fuzz targets (FUZZ_SECONDS=25 each; part of make test)"
	@echo "make soak   - 10 minutes of mixed traffic from Python, Node and C at once (SOAK_SECONDS)"
	@echo "make bench-sim - measure the simulator's own throughput (bench/)"
	@echo "make lint   - every linter and format check (part of make test); make fmt applies the formatters"

build:
	cargo build --locked --workspace --bins

# Old reports are removed first, so the comparison only ever sees answers from this run.
test: fault-reports-clean $(TEST_TARGETS)
	scripts/compare-fault-reports.py $(NEVIS_FAULTS_REPORT_DIR) \
	  --languages $(subst $(SPACE),$(COMMA),$(strip $(FAULT_REPORT_LANGUAGES))) \
	  --bad-input tests/bad_input.json --bad-input-languages $(subst $(SPACE),$(COMMA),$(strip $(BAD_INPUT_LANGUAGES)))

fault-reports-clean:
	rm -rf $(NEVIS_FAULTS_REPORT_DIR)

# No tracked file points outside the repository (machine paths, ticket numbers, notes elsewhere).
check-standalone:
	scripts/check-standalone.py

# The workspace, the C library, maturin (bindings-python alone) and the napi CLI (bindings-node
# alone) select different packages; this fails when that would compile a dependency twice (a few
# seconds, no build; workspace-hack/Cargo.toml says how to fix it).
check-dependency-features:
	scripts/check-dependency-features.py

test-rust:
	cargo test --locked --workspace

test-proxy:
	cargo build --locked -p nevis-authcloud-test-proxy --bin authcloud-test-proxy

demo: build $(DEMO_TARGETS)

demo-rust:
	@echo "== Rust: enrol -> approve -> poll against the local simulator =="
	scripts/with-sim.sh -- $(PROFILE_DIR)/passwordless

bench-sim:
	bench/sim_throughput.sh

clean:
	cargo clean
