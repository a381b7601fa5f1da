# Release artifacts: what a release publishes for this platform, built here, and proof that each
# installs and works where no Rust toolchain exists.
#
#   make dist           dist/ (git-ignored): the Python abi3 wheel (manylinux_2_17) and its sdist,
#                       the simulator wheel, the npm SDK package and its platform package, the
#                       simulator's two npm packages, the C tarball (+ .sha256), SHA256SUMS; then
#                       scripts/dist/verify.py (twine, abi3audit, auditwheel, metadata, licences,
#                       glibc floor) and the list of artifacts with their sizes
#   make dist-check     installs every artifact from dist/ only, in a clean environment whose PATH
#                       has no cargo or rustc, and runs the Python, Node and C suites against them
#                       and the packaged simulator (scripts/dist/check.sh); the sdist is built once
#                       with cargo, as pip would on a platform without a wheel
#   make install-c PREFIX=/opt/nevis   the C SDK from the release build (the tarball's files)
#   make check-version  one version everywhere (scripts/sync-version --check; part of `make test`)
#
# How the builds share work. Every build compiles each dependency once: the workspace-hack crate
# gives every package selection the same dependency features, and all builds ask cargo for the
# same kind of output. That second part matters because the dist profile uses LTO: cargo compiles
# a dependency as bitcode only when every artifact built from it is a cdylib, staticlib or binary,
# and as object code plus bitcode when an rlib is among them. maturin asks for the cdylib alone
# (`cargo rustc --crate-type cdylib`), so the C library and the Node addon are built the same way
# (their manifests also list `rlib`, for the tests); a plain `cargo build` of them recompiled about
# 120 dependencies. maturin builds the Python extension and the simulator. All of them use the
# `dist` profile (the release profile, own folder) and zig as C compiler and linker,
# targeting glibc $(DIST_GLIBC): the manylinux_2_17 floor (RHEL 7/8, Amazon Linux 2), reached on
# any newer build host. The zig toolchain comes from PyPI (ziglang) into build/venv, driven
# through maturin's `zig cc` wrapper (scripts/dist/zig-cc).

DIST_DIR := $(CURDIR)/dist
DIST_STAGE := $(CARGO_TARGET_DIR)/dist-stage
DIST_PROFILE_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/dist
DIST_GLIBC := 2.17
DIST_ARCH := $(firstword $(subst -, ,$(CARGO_BUILD_TARGET)))
DIST_NPM_ARCH := $(if $(filter x86_64,$(DIST_ARCH)),x64,$(if $(filter aarch64,$(DIST_ARCH)),arm64,$(DIST_ARCH)))
DIST_NPM_PLATFORM := linux-$(DIST_NPM_ARCH)-gnu
# The virtual environment of mk/python.mk (PY_VENV there): fragments are read in no set order, so
# its path is spelled out here; the release tools are added to it.
DIST_VENV := $(CURDIR)/build/venv
DIST_TOOLS_STAMP := $(DIST_VENV)/.dist-tools-installed
# The napi CLI, from bindings-node's own dev dependencies (the rule is in mk/node.mk).
DIST_NODE_TOOLS := $(CURDIR)/bindings-node/node_modules/.package-lock.json
DIST_PY_TOOLS := "ziglang==0.17.1" "twine>=6.1" "abi3audit>=0.0.21" "auditwheel>=6.2"
DIST_CARGO_HOME := $(or $(CARGO_HOME),$(HOME)/.cargo)
DIST_TRIPLE_ENV := $(subst -,_,$(CARGO_BUILD_TARGET))
DIST_TRIPLE_UPPER := $(shell echo '$(DIST_TRIPLE_ENV)' | tr a-z A-Z)
DIST_ZIG_CC := $(CURDIR)/scripts/dist/zig-cc
# Only for the dist builds: zig as C compiler and linker (CC_<triple> also reaches the cc crate
# of build scripts), and no path of this machine in the binaries.
DIST_ENV := NEVIS_DIST_MATURIN=$(DIST_VENV)/bin/maturin \
	NEVIS_DIST_ZIG_TARGET=$(DIST_ARCH)-linux-gnu.$(DIST_GLIBC) \
	CARGO_ZIGBUILD_ZIG_COMMAND=$(DIST_VENV)/bin/python CARGO_ZIGBUILD_ZIG_COMMAND_ARGS='-m ziglang' \
	CC_$(DIST_TRIPLE_ENV)=$(DIST_ZIG_CC) CARGO_TARGET_$(DIST_TRIPLE_UPPER)_LINKER=$(DIST_ZIG_CC) \
	RUSTFLAGS='--remap-path-prefix=$(DIST_CARGO_HOME)=/cargo --remap-path-prefix=$(CURDIR)=/nevis-authcloud'
DIST_MATURIN := $(DIST_VENV)/bin/maturin build --locked --profile dist --compatibility manylinux2014 --out $(DIST_DIR)

.PHONY: dist dist-check dist-host dist-native dist-wheels dist-c dist-npm install-c check-version

check-version:
	scripts/sync-version --check

$(DIST_TOOLS_STAMP): $(DIST_VENV)/.tools-installed
	$(DIST_VENV)/bin/python -m pip install --quiet $(DIST_PY_TOOLS)
	touch $@

dist-host:
	@case "$(CARGO_BUILD_TARGET)" in x86_64-unknown-linux-gnu|aarch64-unknown-linux-gnu) ;; \
	  *) echo "make dist builds the Linux (glibc) artifacts of this machine; $(CARGO_BUILD_TARGET) is built by .github/workflows/release.yml" >&2; exit 1;; esac

# The whole release for this platform, from clean dist/ and staging folders; the build times of
# the steps and of the whole are printed at the end.
dist: dist-host check-version $(DIST_TOOLS_STAMP) $(DIST_NODE_TOOLS)
	@rm -rf $(DIST_DIR) $(DIST_STAGE) && mkdir -p $(DIST_DIR) $(DIST_STAGE)
	@started=$$(date +%s); \
	for step in dist-wheels dist-native dist-c dist-npm; do \
	  step_started=$$(date +%s); \
	  $(MAKE) --no-print-directory $$step || { echo "make dist: $$step FAILED" >&2; exit 1; }; \
	  echo "make dist: $$step took $$(( $$(date +%s) - step_started )) s"; \
	done; \
	$(DIST_VENV)/bin/python scripts/dist/verify.py $(DIST_DIR) --glibc $(DIST_GLIBC) --tools $(DIST_VENV)/bin \
	  --platform $(DIST_NPM_PLATFORM) --arch $(DIST_ARCH); \
	echo "make dist: $$(( $$(date +%s) - started )) s on $$(nproc) cores"

# maturin: the abi3 extension and the simulator (each its own cargo invocation), and the sdist.
dist-wheels:
	$(DIST_ENV) $(DIST_MATURIN) -m bindings-python/Cargo.toml
	$(DIST_ENV) $(DIST_MATURIN) -m sim/Cargo.toml
	$(DIST_VENV)/bin/maturin sdist -m bindings-python/Cargo.toml --out $(DIST_DIR)

# The C library and the Node addon, reusing every dependency the wheels compiled (see the top).
dist-native:
	$(DIST_ENV) cargo rustc --locked --profile dist -p nevis-authcloud-c --lib --crate-type cdylib,staticlib
	$(DIST_ENV) cargo rustc --locked --profile dist -p nevis-authcloud-node --lib --crate-type cdylib

dist-c:
	scripts/dist/c-tarball.sh $(DIST_PROFILE_DIR) $(DIST_STAGE)/c $(DIST_DIR)

# The addon and the simulator under their napi-rs artifact names, then the four npm packages.
dist-npm:
	rm -rf $(DIST_STAGE)/npm-artifacts && mkdir -p $(DIST_STAGE)/npm-artifacts
	cp $(DIST_PROFILE_DIR)/libnevis_authcloud_node.so $(DIST_STAGE)/npm-artifacts/nevis-authcloud.$(DIST_NPM_PLATFORM).node
	cp $(DIST_PROFILE_DIR)/authcloud-sim $(DIST_STAGE)/npm-artifacts/authcloud-sim.$(DIST_NPM_PLATFORM)
	scripts/dist/npm-packages.sh $(DIST_STAGE)/npm-artifacts $(DIST_STAGE)/npm $(DIST_DIR)

# The files of the C tarball, laid out under PREFIX (default /usr/local). The library is built by
# dist-native, with the Node addon, so both keep sharing one build.
install-c: dist-host $(DIST_TOOLS_STAMP) dist-native
	@prefix='$(or $(PREFIX),/usr/local)'; \
	echo "installing the C SDK (release build) into $$prefix"; \
	scripts/dist/c-tree.sh $(DIST_PROFILE_DIR) "$$prefix"; \
	strip --strip-debug "$$prefix/lib/libnevis_authcloud.a"

# Needs `make dist` first; scripts/dist/check.sh says what it proves. The dist build settings reach
# only its first step (building the sdist, so cargo reuses the wheel build's dependencies); every
# later step runs in a clean environment.
dist-check:
	@[ -d $(DIST_DIR) ] || { echo "dist-check: no dist/ (run make dist first)" >&2; exit 1; }
	@started=$$(date +%s); \
	$(DIST_ENV) MATURIN_PEP517_ARGS='--profile dist' PYTHON=$(PYTHON) DIST_GLIBC=$(DIST_GLIBC) \
	  scripts/dist/check.sh $(DIST_DIR); \
	echo "make dist-check: $$(( $$(date +%s) - started )) s"

TEST_TARGETS += check-version
