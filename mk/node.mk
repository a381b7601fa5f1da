# The Node.js binding (bindings-node): build the napi addon (debug) into the shared cargo target,
# type-check the declarations, and run tests/node against simulators the tests start themselves.
# Every test file runs with tests/node/exit-check.mjs preloaded, which fails a file whose process
# is still alive (an open handle, an unsettled SDK call) a few seconds after its last test, so a
# leak fails the build instead of hanging it. The fault matrix writes node.json to
# NEVIS_FAULTS_REPORT_DIR (exported by the Makefile) for the cross-language comparison.
#
# npm installs the binding's own dev tools (the napi CLI, TypeScript) from its package-lock.json.
# The addon lands beside bindings-node/native.js, which loads such a local build in preference to
# the per-platform packages a release installs (mk/dist.mk builds those). The napi CLI always passes
# --target; the exported CARGO_BUILD_TARGET makes that the same folder every other cargo call uses.

NODE_DIR := $(CURDIR)/bindings-node
NODE_EXAMPLES := $(CURDIR)/examples/node
NODE_NAPI_FLAGS := --platform --no-js --dts native.d.ts

.PHONY: node-addon test-node test-node-engines demo-node

$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund

$(NODE_EXAMPLES)/node_modules/.package-lock.json: $(NODE_EXAMPLES)/package.json $(NODE_EXAMPLES)/package-lock.json
	cd $(NODE_EXAMPLES) && npm ci --ignore-scripts --no-audit --no-fund

# Always run (cargo decides what is stale); writes bindings-node/nevis-authcloud.<platform>.node and
# native.d.ts (the addon's own declarations, for the type check; native.js is hand-written).
node-addon: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(NODE_DIR) && npx --no-install napi build $(NODE_NAPI_FLAGS)

test-node: node-addon test-proxy
	cargo build --locked -p nevis-authcloud-sim --bin authcloud-sim
	@echo "== Node: tsc --noEmit --strict over a program using the whole API =="
	cd $(NODE_DIR) && npx --no-install tsc --noEmit --strict -p $(CURDIR)/tests/node/tsconfig.json
	@echo "== Node: tests/node against the simulator (HTTP and HTTPS); a file leaving anything open fails =="
	node --import $(CURDIR)/tests/node/exit-check.mjs --test tests/node/*.test.mjs

demo-node: node-addon $(NODE_EXAMPLES)/node_modules/.package-lock.json
	@echo "== Node: enrol -> approve -> poll against the local simulator (HTTPS) =="
	node --check examples/node/express-approval.mjs
	scripts/with-sim.sh --tls -- node examples/node/passwordless.mjs

TEST_TARGETS += test-node

# The supported Node.js versions (bindings-node/package.json `engines`, stated in the READMEs) against
# the `engines` of everything npm installs with the package or for building it: on a supported
# Node, neither `npm install nevis-authcloud` nor `npm ci` here may warn EBADENGINE.
test-node-engines: $(NODE_DIR)/node_modules/.package-lock.json
	node scripts/check-node-engines.mjs

TEST_TARGETS += test-node-engines
# tests/node/faults.test.mjs writes $(NEVIS_FAULTS_REPORT_DIR)/node.json.
FAULT_REPORT_LANGUAGES += node
DEMO_TARGETS += demo-node
# The bad-input table (tests/bad_input.json) writes $(NEVIS_FAULTS_REPORT_DIR)/bad-input/node.json.
BAD_INPUT_LANGUAGES += node
