# The READMEs' code blocks, as a newcomer copies them (scripts/readme-snippets.py says how each
# language is checked): Python under mypy --strict, JavaScript under tsc --strict (checkJs), C with
# -Wall -Wextra -Werror and linked with the README's own `cc app.c` lines under a temporary prefix,
# each run against one simulator; every shell command is run or names the check that covers it.
# mypy and pytest come with the Python venv (mk/python.mk), TypeScript with bindings-node's dev
# dependencies (mk/node.mk).

.PHONY: test-readme

test-readme: build-c node-addon python-package
	scripts/with-sim.sh -- $(PY_VENV)/bin/python scripts/readme-snippets.py --out $(CARGO_TARGET_DIR)/readme-snippets \
	  --python $(PY_VENV)/bin/python --c-libdir $(PROFILE_DIR)

TEST_TARGETS += test-readme
