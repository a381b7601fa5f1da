# Benchmarks: the bindings against what users would write by hand in their language and
# against the machine's ceiling, on loopback against the simulator (bench/run.sh runs them all).
#
#   make bench        release builds (simulator, C-overhead benchmark, Node addon; the Python
#                     script builds its wheel), every benchmark, then bench/RESULTS.md
#   make bench-profile  where each binding's CPU time per call goes (perf stat + perf record of the
#                     binding alone and of the Rust core alone, builds with symbols), rendered into
#                     bench/RESULTS.md next to the results of the last `make bench`
#   make bench-smoke  every benchmark script in --smoke mode against the debug builds of
#                     `make test`, tiny counts, a throwaway report in target/bench-smoke; fails only
#                     when a script breaks, never because a performance target is missed
#
# (`make bench-sim`, the simulator's own throughput, stays in the top-level Makefile.)

BENCH_OUT ?= $(CARGO_TARGET_DIR)/bench
BENCH_SMOKE_OUT := $(CARGO_TARGET_DIR)/bench-smoke
BENCH_RELEASE_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/release
# The release Node package, staged outside bindings-node so the debug addon of `make test-node`
# stays where the tests expect it.
BENCH_NODE_SRC := $(CURDIR)/bindings-node
BENCH_NODE_PKG := $(CARGO_TARGET_DIR)/bench-build/node/nevis-authcloud

.PHONY: bench bench-build bench-smoke bench-profile

# Release artefacts, built once per `make bench` (cargo decides what is stale). The package is
# staged as bindings-node without its debug addon; the napi CLI builds the addon with --release
# into the shared target and puts it (and its loader) into the staged copy.
bench-build: $(BENCH_NODE_SRC)/node_modules/.package-lock.json
	cargo build --locked --release -p nevis-authcloud-sim --bin authcloud-sim
	cargo build --locked --release -p nevis-authcloud-bench-ffi
	rm -rf $(BENCH_NODE_PKG)
	mkdir -p $(BENCH_NODE_PKG)
	tar -C $(BENCH_NODE_SRC) --exclude=./node_modules --exclude='*.node' -cf - . | tar -C $(BENCH_NODE_PKG) -xf -
	cd $(BENCH_NODE_SRC) && npx --no-install napi build --platform --release --no-js --dts native.d.ts \
	  --output-dir $(BENCH_NODE_PKG)

# The start time is written first so bench/RESULTS.md can state the wall time of the whole target,
# builds included.
bench:
	@mkdir -p $(BENCH_OUT)
	@rm -f $(BENCH_OUT)/*.json $(BENCH_OUT)/steps.tsv
	@date +%s >$(BENCH_OUT)/started-at
	$(MAKE) --no-print-directory bench-build
	BENCH_OUT=$(BENCH_OUT) AUTHCLOUD_SIM=$(BENCH_RELEASE_DIR)/authcloud-sim \
	  BENCH_FFI=$(BENCH_RELEASE_DIR)/ffi-overhead BENCH_CORE_FLOOR=$(BENCH_RELEASE_DIR)/core-floor BENCH_NODE_PACKAGE=$(BENCH_NODE_PKG) \
	  BENCH_NODE_ADDON="release build (napi build --release)" BENCH_RESULTS=$(CURDIR)/bench/RESULTS.md \
	  bench/run.sh

# Needs perf (linux-tools). Measures builds of the `profiling` profile (the release build with its
# symbols kept, Cargo.toml), so perf names the SDK's functions: the core-floor binary, the Node addon
# (staged like the release one) and the Python wheel (bench/python/run.sh --prepare). The simulator
# is the release one of `make bench`, which stays as it was.
BENCH_PROFILING_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/profiling
BENCH_PROFILING_NODE_PKG := $(CARGO_TARGET_DIR)/bench-build/node-profiling/nevis-authcloud
bench-profile: $(BENCH_NODE_SRC)/node_modules/.package-lock.json
	cargo build --locked --release -p nevis-authcloud-sim --bin authcloud-sim
	cargo build --locked --profile profiling -p nevis-authcloud-bench-ffi --bin core-floor
	rm -rf $(BENCH_PROFILING_NODE_PKG)
	mkdir -p $(BENCH_PROFILING_NODE_PKG)
	tar -C $(BENCH_NODE_SRC) --exclude=./node_modules --exclude='*.node' -cf - . | tar -C $(BENCH_PROFILING_NODE_PKG) -xf -
	cd $(BENCH_NODE_SRC) && npx --no-install napi build --platform --profile profiling --no-js --dts native.d.ts \
	  --output-dir $(BENCH_PROFILING_NODE_PKG)
	BENCH_OUT=$(BENCH_OUT) AUTHCLOUD_SIM=$(BENCH_RELEASE_DIR)/authcloud-sim BENCH_CARGO_PROFILE=profiling \
	  BENCH_CORE_FLOOR=$(BENCH_PROFILING_DIR)/core-floor BENCH_NODE_PACKAGE=$(BENCH_PROFILING_NODE_PKG) \
	  BENCH_RESULTS=$(CURDIR)/bench/RESULTS.md bench/profile/run.sh

# Debug builds only: the simulator and the addon are what `make test` builds anyway; the C-overhead
# benchmark is one small crate on top of the C binding's debug build.
bench-smoke: node-addon
	cargo build --locked -p nevis-authcloud-sim --bin authcloud-sim
	cargo build --locked -p nevis-authcloud-bench-ffi
	@mkdir -p $(BENCH_SMOKE_OUT)
	@rm -f $(BENCH_SMOKE_OUT)/*.json $(BENCH_SMOKE_OUT)/steps.tsv
	@date +%s >$(BENCH_SMOKE_OUT)/started-at
	BENCH_OUT=$(BENCH_SMOKE_OUT) AUTHCLOUD_SIM=$(PROFILE_DIR)/authcloud-sim \
	  BENCH_FFI=$(PROFILE_DIR)/ffi-overhead BENCH_CORE_FLOOR=$(PROFILE_DIR)/core-floor BENCH_NODE_PACKAGE=$(BENCH_NODE_SRC) \
	  BENCH_NODE_ADDON="debug build of make test-node (smoke run)" BENCH_RESULTS=$(BENCH_SMOKE_OUT)/RESULTS.md \
	  bench/run.sh --smoke

TEST_TARGETS += bench-smoke
