# The Python binding (bindings-python): build a dev wheel into the shared cargo target, install it
# into a project-local virtual environment and run tests/python against the simulator.
#
# The wheel is built with the dev profile (the tests need no optimised build, and the dev artefacts
# of the core are shared with the rest of `make test`). Users get the release wheel that `make dist`
# builds (mk/dist.mk), or build one from source with `pip install ./bindings-python`.

PYTHON ?= python3
PY_VENV := $(CURDIR)/build/venv
PY_WHEELS := $(CURDIR)/build/wheels
PY_TOOLS := "maturin>=1.16,<2" "pytest>=8" "pytest-asyncio>=0.23" "mypy>=1.11"

.PHONY: test-python demo-python python-package

# Created once; delete build/venv to start afresh.
$(PY_VENV)/.tools-installed:
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PY_VENV)/bin/python -m pip install --quiet $(PY_TOOLS)
	touch $@

# The optional OpenTelemetry bridge is tested with the API and the SDK (for its in-memory exporter);
# the package itself never depends on them. A stamp of its own, so existing venvs get them too.
PY_OTEL := "opentelemetry-api>=1.20" "opentelemetry-sdk>=1.20"
$(PY_VENV)/.otel-installed: $(PY_VENV)/.tools-installed
	$(PY_VENV)/bin/python -m pip install --quiet $(PY_OTEL)
	touch $@

# Always rebuilt (cargo decides what is stale) and reinstalled into the venv.
python-package: $(PY_VENV)/.tools-installed $(PY_VENV)/.otel-installed
	rm -rf $(PY_WHEELS)
	$(PY_VENV)/bin/maturin build --locked --profile dev -m bindings-python/Cargo.toml --out $(PY_WHEELS)
	$(PY_VENV)/bin/python -m pip install --quiet --force-reinstall --no-deps $(PY_WHEELS)/*.whl

# The simulator is normally already built by test-rust (or `make build`).
#
# The suite runs in Python's development mode with every warning an error (its "sanitizer" run):
# an unclosed socket, file, subprocess or event loop, a coroutine never awaited or a
# deprecated call fails the test that caused it (pytest turns warnings from __del__ into
# PytestUnraisableExceptionWarning, an error by pytest.ini). Child interpreters started by the
# suite (interpreter-exit and typing checks) deliberately keep their own defaults.
test-python: python-package test-proxy
	[ -x "$(AUTHCLOUD_SIM)" ] || cargo build --locked --workspace --bins
	cd tests/python && $(PY_VENV)/bin/python -X dev -W error -m pytest -q -p no:cacheprovider

demo-python: python-package
	@echo "== Python: enrol -> approve -> poll against the local simulator (HTTPS) =="
	scripts/with-sim.sh --tls -- $(PY_VENV)/bin/python examples/python/passwordless.py

TEST_TARGETS += test-python
# tests/python/test_fault_matrix.py writes $(NEVIS_FAULTS_REPORT_DIR)/python.json.
FAULT_REPORT_LANGUAGES += python
DEMO_TARGETS += demo-python
# The bad-input table (tests/bad_input.json) writes $(NEVIS_FAULTS_REPORT_DIR)/bad-input/python.json.
BAD_INPUT_LANGUAGES += python
