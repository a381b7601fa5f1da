# The public surface in one document (docs/api/surface.json) and the binding files kept in step
# with it (scripts/surface.py; ARCHITECTURE.md, "Generated or checked").
#
#   make generate       rewrite docs/api/surface.json from the core's types (core/tests/surface/
#                       with NEVIS_WRITE_SURFACE=1), then every generated binding region from it
#   make test-surface   fail when a generated region is stale or a hand-written binding file lacks
#                       (or adds) a field, enum value, error kind, operation or option; no build.
#                       The drift of docs/api/surface.json itself fails core/tests/surface/,
#                       which test-rust runs.

.PHONY: generate test-surface

generate:
	NEVIS_WRITE_SURFACE=1 cargo test --locked -p nevis-authcloud --test surface
	scripts/surface.py generate

test-surface:
	scripts/surface.py check

TEST_TARGETS += test-surface
