# Fuzzing (fuzz/, cargo-fuzz + libFuzzer): the core's response decoders and the C entry points.
#
#   make fuzz                     build the four targets, run each for FUZZ_SECONDS (default 25)
#   make fuzz FUZZ_SECONDS=900    a longer run (each target)
#   make fuzz FUZZ_TARGETS=c_api  only some targets
#
# `make test` runs the short `fuzz`. Everything is installed here: cargo-fuzz goes into
# build/tools once (kept across runs). With the nightly toolchain the targets are built with
# AddressSanitizer; without nightly, stable builds them with `--sanitizer none` (libFuzzer's
# coverage flags are stable rustc options; only the sanitizer needs nightly). Each build has its
# own target directory, because the sanitizer and coverage flags must not mix with the workspace's
# artefacts. The working corpora grow in $(FUZZ_OUT)/corpus (kept, so later runs start where the
# last stopped); the checked-in seeds in fuzz/corpus are only read. A crash stops the run: its
# input is in $(FUZZ_OUT)/artifacts/<target>/ and `fuzz/README.md` says how to replay it.

FUZZ_SECONDS ?= 25
FUZZ_TARGETS ?= decode_answer decode_structured c_api c_json
FUZZ_TOOLS := $(CURDIR)/build/tools
CARGO_FUZZ := $(FUZZ_TOOLS)/bin/cargo-fuzz
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_NIGHTLY := $(shell rustup run nightly rustc --version >/dev/null 2>&1 && echo yes)
ifeq ($(FUZZ_NIGHTLY),yes)
  FUZZ_CARGO := cargo +nightly fuzz
  # ASan pays for the C targets (the FFI glue's raw pointers); FUZZ_SANITIZER=none runs every
  # target about five times faster, for long runs of the decoders.
  FUZZ_SANITIZER ?= address
else
  FUZZ_CARGO := cargo fuzz
  override FUZZ_SANITIZER := none
endif
FUZZ_OUT := $(CARGO_TARGET_DIR)/fuzz-$(FUZZ_SANITIZER)
FUZZ_ENV := PATH="$(FUZZ_TOOLS)/bin:$$PATH" CARGO_TARGET_DIR=$(FUZZ_OUT)
# Per input: at most 20 s and 2 GiB; raw targets get the API's vocabulary as a dictionary.
FUZZ_LIBFUZZER_FLAGS := -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
# A short run first re-runs the whole working corpus; past this many inputs it is minimised first.
FUZZ_CORPUS_CAP := 4000
FUZZ_DICT_decode_answer := -dict=$(CURDIR)/fuzz/dict/api.dict
FUZZ_DICT_c_json := -dict=$(CURDIR)/fuzz/dict/api.dict

.PHONY: fuzz fuzz-build fuzz-shim-check

$(CARGO_FUZZ):
	@echo "== fuzz: installing cargo-fuzz $(CARGO_FUZZ_VERSION) into build/tools (once) =="
	env -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET cargo install --locked cargo-fuzz --version $(CARGO_FUZZ_VERSION) --root $(FUZZ_TOOLS)

# fuzz/c-shim compiles bindings-c/src as an rlib; its dependencies must be the C binding's.
fuzz-shim-check:
	@deps() { sed -n '/^\[dependencies\]/,/^\[/{/^[A-Za-z0-9_-]*[.= ]/s/[.= ].*//p}' "$$1" | sort; }; \
	if ! diff <(deps bindings-c/Cargo.toml) <(deps fuzz/c-shim/Cargo.toml) >/dev/null; then \
	  echo "fuzz/c-shim/Cargo.toml must list the [dependencies] of bindings-c/Cargo.toml (and fuzz/Cargo.toml's [workspace.dependencies] their versions):" >&2; \
	  diff <(deps bindings-c/Cargo.toml) <(deps fuzz/c-shim/Cargo.toml) >&2; exit 1; \
	fi

fuzz-build: $(CARGO_FUZZ) fuzz-shim-check
	@echo "== fuzz: building the targets ($(FUZZ_CARGO), sanitizer $(FUZZ_SANITIZER)) into $(FUZZ_OUT) =="
	$(FUZZ_ENV) $(FUZZ_CARGO) build --sanitizer $(FUZZ_SANITIZER)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_OUT)/logs
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_OUT)/corpus/$$target $(FUZZ_OUT)/artifacts/$$target; \
	  seeds=; [ ! -d fuzz/corpus/$$target ] || seeds=fuzz/corpus/$$target; \
	  log=$(FUZZ_OUT)/logs/$$target.log; \
	  dict=; case $$target in decode_answer) dict='$(FUZZ_DICT_decode_answer)';; c_json) dict='$(FUZZ_DICT_c_json)';; esac; \
	  if [ $$(ls $(FUZZ_OUT)/corpus/$$target | wc -l) -gt $(FUZZ_CORPUS_CAP) ]; then \
	    echo "fuzz: minimising the $$target working corpus"; \
	    rm -rf $(FUZZ_OUT)/corpus/$$target.min && mkdir $(FUZZ_OUT)/corpus/$$target.min; \
	    $(FUZZ_OUT)/$(CARGO_BUILD_TARGET)/release/$$target -merge=1 $(FUZZ_OUT)/corpus/$$target.min \
	      $(FUZZ_OUT)/corpus/$$target >$$log 2>&1 || { tail -n 40 $$log; exit 1; }; \
	    rm -rf $(FUZZ_OUT)/corpus/$$target && mv $(FUZZ_OUT)/corpus/$$target.min $(FUZZ_OUT)/corpus/$$target; \
	  fi; \
	  if ! $(FUZZ_ENV) $(FUZZ_CARGO) run --sanitizer $(FUZZ_SANITIZER) $$target \
	      $(FUZZ_OUT)/corpus/$$target $$seeds -- \
	      $(FUZZ_LIBFUZZER_FLAGS) $$dict -artifact_prefix=$(FUZZ_OUT)/artifacts/$$target/ >$$log 2>&1; then \
	    tail -n 80 $$log; \
	    echo "fuzz: $$target FAILED; the input is in $(FUZZ_OUT)/artifacts/$$target/ (full log: $$log)" >&2; \
	    exit 1; \
	  fi; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	  rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log); \
	  corpus=$$(ls $(FUZZ_OUT)/corpus/$$target | wc -l); \
	  echo "fuzz: $$target ok: $$runs runs in $(FUZZ_SECONDS) s ($$rate/s), corpus $$corpus inputs"; \
	done

TEST_TARGETS += fuzz
