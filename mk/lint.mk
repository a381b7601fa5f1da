# Linters and formatters for every language, with their settings checked in: rustfmt.toml and the
# `[workspace.lints]` of Cargo.toml (Rust), ruff.toml (Python), biome.jsonc (JavaScript and
# TypeScript), .clang-format (the C tests, examples and soak driver; not the generated header).
#
# `make lint` checks and changes nothing (part of `make test`); `make fmt` rewrites the files the
# way `make lint` wants them and applies the linters' safe fixes. Every tool is pinned and
# installed by make itself: ruff and clang-format (the PyPI wheel, a static binary) into the
# project's virtual environment, Biome from bindings-node's package-lock.json.

# Set here as well as in python.mk and node.mk: this fragment is included before them and names
# these folders in targets.
PY_VENV ?= $(CURDIR)/build/venv
NODE_DIR ?= $(CURDIR)/bindings-node

LINT_PY_TOOLS := ruff==0.17.6 clang-format==23.1.5
LINT_PY_STAMP := $(PY_VENV)/.lint-tools-installed
RUFF := $(PY_VENV)/bin/ruff
CLANG_FORMAT := $(PY_VENV)/bin/clang-format
BIOME := $(NODE_DIR)/node_modules/.bin/biome
# Hand-written C only: include/nevis_authcloud.h is cbindgen's output.
C_SOURCES = $(sort $(wildcard examples/c/*.[ch] tests/c/*.[ch] tests/soak/c/*.[ch] bench/c/*.[ch]))

.PHONY: lint lint-rust lint-python lint-js lint-c fmt

# Created once (python.mk adds its own tools to the same environment); pinned versions change
# with this file, which reinstalls them.
$(LINT_PY_STAMP): mk/lint.mk
	[ -x $(PY_VENV)/bin/python ] || $(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install --quiet $(LINT_PY_TOOLS)
	touch $@

lint: lint-rust lint-python lint-js lint-c

# The fuzz targets are a workspace of their own (fuzz/Cargo.toml) with the same rustfmt.toml.
lint-rust:
	cargo fmt --all --check
	cargo fmt --all --check --manifest-path fuzz/Cargo.toml
	cargo clippy --locked --workspace --all-targets -- -D warnings

lint-python: $(LINT_PY_STAMP)
	$(RUFF) check --no-cache .
	$(RUFF) format --no-cache --check .

lint-js: $(NODE_DIR)/node_modules/.package-lock.json
	$(BIOME) ci --colors=off --error-on-warnings .

lint-c: $(LINT_PY_STAMP)
	$(CLANG_FORMAT) --dry-run --Werror $(C_SOURCES)

fmt: $(LINT_PY_STAMP) $(NODE_DIR)/node_modules/.package-lock.json
	cargo fmt --all
	cargo fmt --all --manifest-path fuzz/Cargo.toml
	$(RUFF) check --no-cache --fix .
	$(RUFF) format --no-cache .
	$(BIOME) check --write .
	$(CLANG_FORMAT) -i $(C_SOURCES)

TEST_TARGETS += lint
