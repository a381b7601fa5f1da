# The soak run: SOAK_SECONDS (default 600) of mixed traffic from the Python, Node and C
# bindings at once against one simulator; see tests/soak/README.md.
#
#   make soak                      10 minutes; prints the table, writes target/soak/summary.json,
#                                  fails when an invariant does (crash, untyped error, hang,
#                                  memory growth, contradiction, duplicate side effect)
#   make soak SOAK_SECONDS=60      a short run while developing
#   make soak SOAK_SEED=42         the drivers' random choices from a fixed seed
#
# It uses the debug builds `make test` also builds: the C library (staged by c-stage) and simulator, the
# Node addon (node-addon) and the Python dev wheel in build/venv (python-package). The C driver is
# compiled with the C suite's flags against the library in the shared target. Not part of
# `make test`: it takes minutes by design.

SOAK_SECONDS ?= 600
SOAK_SEED ?=
SOAK_OUT := $(CARGO_TARGET_DIR)/soak
SOAK_C_DRIVER := $(SOAK_OUT)/soak-c
SOAK_C_SOURCES := $(wildcard tests/soak/c/*.c)

.PHONY: soak soak-c-driver

soak-c-driver: c-stage
	@mkdir -p $(SOAK_OUT)
	$(CC) $(C_CFLAGS) -Iinclude $(SOAK_C_SOURCES) -L$(C_STAGE)/lib -lnevis_authcloud -lpthread -lm \
	  -Wl,-rpath,$(C_STAGE)/lib -o $(SOAK_C_DRIVER)

soak: soak-c-driver node-addon python-package
	$(PY_VENV)/bin/python tests/soak/orchestrate.py --seconds $(SOAK_SECONDS) $(if $(SOAK_SEED),--seed $(SOAK_SEED)) \
	  --out-dir $(SOAK_OUT) --sim $(AUTHCLOUD_SIM) --mix tests/soak/mix.json \
	  --python $(PY_VENV)/bin/python --c-driver $(SOAK_C_DRIVER)
