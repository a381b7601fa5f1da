# C binding: libnevis_authcloud (shared + static), include/nevis_authcloud.h, the C test suite
# and the C example.
#
#   make install-c PREFIX=/opt/nevis   header, libraries, pkg-config file and CMake package
#   make test-c                        header drift check, install into a staging prefix, link checks
#                                      there (static via pkg-config, CMake find_package), then the
#                                      suite, built with -Werror against the staged install, under
#                                      valgrind against an HTTP and an HTTPS simulator; the suite
#                                      includes the shared fault matrix (tests/faults.json) and
#                                      writes $(NEVIS_FAULTS_REPORT_DIR)/c.json, and the shared
#                                      table of bad arguments (tests/bad_input.json, writing
#                                      $(NEVIS_FAULTS_REPORT_DIR)/bad-input/c.json)
#   make demo-c                        the passwordless flow in C against a fresh simulator

C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
C_OUT := $(CARGO_TARGET_DIR)/c
C_STAGE := $(C_OUT)/stage
C_CFLAGS := -std=c11 -Wall -Wextra -Werror -g
# What the static library needs from the system (`cargo rustc --print native-static-libs`).
C_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# Children forked by the suite (the SIGPIPE tests) keep what they inherited from the parent and
# never free it; their reports would only be noise.
C_VALGRIND := valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --child-silent-after-fork=yes \
	--show-leak-kinds=definite --suppressions=$(CURDIR)/tests/c/valgrind.supp
C_TEST_SOURCES := $(wildcard tests/c/*.c)
C_EMPTY :=
C_SPACE := $(C_EMPTY) $(C_EMPTY)

.PHONY: build-c install-c test-c demo-c

# The library, the simulator, and (from build.rs) a freshly generated header.
build-c:
	cargo build --locked -p nevis-authcloud-c -p nevis-authcloud-sim

install-c: build-c
	@prefix='$(or $(PREFIX),/usr/local)'; \
	echo "installing the C SDK into $$prefix"; \
	install -d "$$prefix/include" "$$prefix/lib/pkgconfig" "$$prefix/lib/cmake/nevis_authcloud"; \
	install -m 644 include/nevis_authcloud.h "$$prefix/include/"; \
	install -m 755 $(PROFILE_DIR)/libnevis_authcloud.so "$$prefix/lib/"; \
	install -m 644 $(PROFILE_DIR)/libnevis_authcloud.a "$$prefix/lib/"; \
	sed -e "s|@PREFIX@|$$prefix|" -e 's|@VERSION@|$(C_VERSION)|' -e 's|@STATIC_LIBS@|$(C_STATIC_LIBS)|' \
	  bindings-c/packaging/nevis_authcloud.pc.in > "$$prefix/lib/pkgconfig/nevis_authcloud.pc"; \
	sed -e 's|@STATIC_LIBS_CMAKE@|$(subst $(C_SPACE),;,$(strip $(C_STATIC_LIBS)))|' \
	  bindings-c/packaging/nevis_authcloudConfig.cmake.in > "$$prefix/lib/cmake/nevis_authcloud/nevis_authcloudConfig.cmake"; \
	sed -e 's|@VERSION@|$(C_VERSION)|' \
	  bindings-c/packaging/nevis_authcloudConfigVersion.cmake.in > "$$prefix/lib/cmake/nevis_authcloud/nevis_authcloudConfigVersion.cmake"

test-c: build-c
	@echo "== C: the checked-in header matches the library =="
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files --error-unmatch include/nevis_authcloud.h >/dev/null 2>&1 \
	    || { echo "include/nevis_authcloud.h is not checked in" >&2; exit 1; }; \
	  git diff --exit-code HEAD -- include/nevis_authcloud.h \
	    || { echo "include/nevis_authcloud.h differs from the committed copy: commit the regenerated header" >&2; exit 1; }; \
	fi
	@command -v valgrind >/dev/null || { echo "test-c needs valgrind" >&2; exit 1; }
	rm -rf $(C_STAGE)
	$(MAKE) --no-print-directory install-c PREFIX=$(C_STAGE)
	@echo "== C: build the suite against the installed header and library =="
	$(CC) $(C_CFLAGS) -I$(C_STAGE)/include $(C_TEST_SOURCES) -L$(C_STAGE)/lib -lnevis_authcloud -lpthread \
	  -Wl,-rpath,$(C_STAGE)/lib -o $(C_OUT)/c_tests
	@echo "== C: static link via pkg-config, and CMake find_package =="
	@if command -v pkg-config >/dev/null; then \
	  flags=$$(PKG_CONFIG_PATH=$(C_STAGE)/lib/pkgconfig pkg-config --static --cflags --libs nevis_authcloud \
	    | sed 's|-lnevis_authcloud|-l:libnevis_authcloud.a|'); \
	else \
	  flags="-I$(C_STAGE)/include $(C_STAGE)/lib/libnevis_authcloud.a $(C_STATIC_LIBS)"; \
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

demo-c: build-c
	@echo "== C: enrol -> approve -> poll against the local simulator =="
	@mkdir -p $(C_OUT)
	$(CC) $(C_CFLAGS) -Iinclude examples/c/passwordless.c -L$(PROFILE_DIR) -lnevis_authcloud \
	  -Wl,-rpath,$(PROFILE_DIR) -o $(C_OUT)/passwordless
	scripts/with-sim.sh -- $(C_OUT)/passwordless

TEST_TARGETS += test-c
DEMO_TARGETS += demo-c
# tests/c/test_faults.c writes $(NEVIS_FAULTS_REPORT_DIR)/c.json (the variable reaches the suite
# through with-sim.sh and valgrind, which pass the environment on).
FAULT_REPORT_LANGUAGES += c
# The bad-input table (tests/bad_input.json) writes $(NEVIS_FAULTS_REPORT_DIR)/bad-input/c.json.
BAD_INPUT_LANGUAGES += c
