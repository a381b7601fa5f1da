# C binding: libnevis_authcloud (shared + static), include/nevis_authcloud.h, the C test suite
# and the C example.
#
#   make install-c PREFIX=/opt/nevis   the release build: see mk/dist.mk
#   make test-c                        header drift check, the debug build laid out like a release
#                                      in a staging prefix, link checks there (static via
#                                      pkg-config, CMake find_package), then the suite, built with
#                                      -Werror against the staged install, under valgrind against
#                                      an HTTP and an HTTPS simulator; the suite includes the shared
#                                      fault matrix (tests/faults.json) and writes
#                                      $(NEVIS_FAULTS_REPORT_DIR)/c.json, and the shared table of
#                                      bad arguments (tests/bad_input.json, writing
#                                      $(NEVIS_FAULTS_REPORT_DIR)/bad-input/c.json)
#   make demo-c                        the passwordless flow in C against a fresh simulator

C_OUT := $(CARGO_TARGET_DIR)/c
C_STAGE := $(C_OUT)/stage
C_CFLAGS := -std=c11 -Wall -Wextra -Werror -g
# Children forked by the suite (the SIGPIPE tests) keep what they inherited from the parent and
# never free it; their reports would only be noise. The suppressions of ring's encrypted records
# (tests/c/valgrind.supp) match a tokio-rustls frame that sits deeper than valgrind's default 12
# frames below the socket write, hence --num-callers (TLS inside TLS to an https:// proxy is deepest).
C_VALGRIND := valgrind --num-callers=24 --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --child-silent-after-fork=yes \
	--show-leak-kinds=definite --suppressions=$(CURDIR)/tests/c/valgrind.supp
C_TEST_SOURCES := $(wildcard tests/c/*.c)

.PHONY: build-c c-stage test-c demo-c

# The library, the simulator, and (from build.rs) a freshly generated header.
build-c:
	cargo build --locked -p nevis-authcloud-c -p nevis-authcloud-sim

# The debug build laid out as a release (scripts/dist/c-tree.sh), for the suite, demo and soak.
c-stage: build-c
	rm -rf $(C_STAGE)
	scripts/dist/c-tree.sh $(PROFILE_DIR) $(C_STAGE)

test-c: c-stage test-proxy
	@echo "== C: the checked-in header matches the library =="
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files --error-unmatch include/nevis_authcloud.h >/dev/null 2>&1 \
	    || { echo "include/nevis_authcloud.h is not checked in" >&2; exit 1; }; \
	  git diff --exit-code HEAD -- include/nevis_authcloud.h \
	    || { echo "include/nevis_authcloud.h differs from the committed copy: commit the regenerated header" >&2; exit 1; }; \
	fi
	@command -v valgrind >/dev/null || { echo "test-c needs valgrind" >&2; exit 1; }
	@echo "== C: build the suite against the installed header and library =="
	$(CC) $(C_CFLAGS) -I$(C_STAGE)/include $(C_TEST_SOURCES) -L$(C_STAGE)/lib -lnevis_authcloud -lpthread \
	  -Wl,-rpath,$(C_STAGE)/lib -o $(C_OUT)/c_tests
	@echo "== C: static link via pkg-config, and CMake find_package =="
	@if command -v pkg-config >/dev/null; then \
	  flags=$$(PKG_CONFIG_PATH=$(C_STAGE)/lib/pkgconfig pkg-config --static --cflags --libs nevis_authcloud \
	    | sed 's|-lnevis_authcloud|-l:libnevis_authcloud.a|'); \
	else \
	  flags="-I$(C_STAGE)/include $(C_STAGE)/lib/libnevis_authcloud.a $$(sed -n 's/^Libs.private: //p' $(C_STAGE)/lib/pkgconfig/nevis_authcloud.pc)"; \
	fi; \
	set -x; $(CC) $(C_CFLAGS) examples/c/passwordless.c $$flags -o $(C_OUT)/passwordless-static
	scripts/with-sim.sh -- $(C_OUT)/passwordless-static
	@if command -v cmake >/dev/null; then \
	  cmake -S examples/c -B $(C_OUT)/cmake -DCMAKE_PREFIX_PATH=$(C_STAGE) -DCMAKE_BUILD_TYPE=Debug >/dev/null \
	    && cmake --build $(C_OUT)/cmake >/dev/null && echo "CMake find_package(nevis_authcloud): ok"; \
	else \
	  echo "cmake not installed: CMake package check skipped"; \
	fi
	@echo "== C: the suite under valgrind, against an HTTP and an HTTPS simulator (last line: the counts) =="
	@rm -f $(C_OUT)/valgrind.log
	@set +e; NEVIS_C_FAULTS_FILE=$(CURDIR)/tests/faults.json NEVIS_C_BAD_INPUT_FILE=$(CURDIR)/tests/bad_input.json \
	  scripts/with-sim.sh -- bash -c 'export NEVIS_C_PLAIN_BASE_URL="$$NEVIS_AUTHCLOUD_BASE_URL" \
	  NEVIS_C_PLAIN_ACCESS_KEY="$$NEVIS_AUTHCLOUD_ACCESS_KEY"; \
	  exec scripts/with-sim.sh --tls -- $(C_VALGRIND) --log-file=$(C_OUT)/valgrind.log $(C_OUT)/c_tests' 2>&1 \
	  | tee $(C_OUT)/c_tests.out | sed '$$d'; \
	status=$${PIPESTATUS[0]}; \
	if [ $$status -ne 0 ] && [ -f $(C_OUT)/valgrind.log ]; then cat $(C_OUT)/valgrind.log; fi; \
	sed -n 's/^==[0-9]*== *\(ERROR SUMMARY.*\|definitely lost.*\|indirectly lost.*\|possibly lost.*\)/valgrind: \1/p' \
	  $(C_OUT)/valgrind.log 2>/dev/null; \
	tail -n 1 $(C_OUT)/c_tests.out; \
	exit $$status

demo-c: c-stage
	@echo "== C: enrol -> approve -> poll against the local simulator =="
	$(CC) $(C_CFLAGS) -Iinclude examples/c/passwordless.c -L$(C_STAGE)/lib -lnevis_authcloud \
	  -Wl,-rpath,$(C_STAGE)/lib -o $(C_OUT)/passwordless
	scripts/with-sim.sh -- $(C_OUT)/passwordless

TEST_TARGETS += test-c
DEMO_TARGETS += demo-c
# tests/c/test_faults.c writes $(NEVIS_FAULTS_REPORT_DIR)/c.json (the variable reaches the suite
# through with-sim.sh and valgrind, which pass the environment on).
FAULT_REPORT_LANGUAGES += c
# The bad-input table (tests/bad_input.json) writes $(NEVIS_FAULTS_REPORT_DIR)/bad-input/c.json.
BAD_INPUT_LANGUAGES += c
