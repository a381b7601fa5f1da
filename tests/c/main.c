/*
 * The C suite's entry point. It runs against the simulators it finds in the environment, in one
 * process (so one valgrind run covers everything and one closing line counts everything):
 *
 *  - over plain HTTP, with the control plane: NEVIS_C_PLAIN_BASE_URL / NEVIS_C_PLAIN_ACCESS_KEY,
 *    or NEVIS_AUTHCLOUD_BASE_URL / NEVIS_AUTHCLOUD_ACCESS_KEY when that URL is http://;
 *  - over HTTPS: NEVIS_AUTHCLOUD_BASE_URL (https://), NEVIS_AUTHCLOUD_ACCESS_KEY and
 *    NEVIS_AUTHCLOUD_CA_FILE, as `scripts/with-sim.sh --tls` sets them.
 *
 * `make test-c` nests the two with-sim.sh runs to provide both. The shared fault matrix runs over
 * plain HTTP (the control plane needs it) and uses the HTTPS simulator for its "untrusted-tls"
 * rows; it reads the table from NEVIS_C_FAULTS_FILE (default tests/faults.json) and, when
 * NEVIS_FAULTS_REPORT_DIR is set, writes what it observed to $NEVIS_FAULTS_REPORT_DIR/c.json. The
 * shared table of bad arguments (NEVIS_C_BAD_INPUT_FILE, default tests/bad_input.json) needs no
 * simulator; its observations go to $NEVIS_FAULTS_REPORT_DIR/bad-input/c.json.
 *
 * The last line printed is "N passed, N failed"; the exit status is non-zero on any failure or if
 * nothing ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static bool starts_with(const char *text, const char *prefix) {
  return text != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

int main(void) {
  const char *url = getenv("NEVIS_AUTHCLOUD_BASE_URL");
  const char *key = getenv("NEVIS_AUTHCLOUD_ACCESS_KEY");
  const char *plain_url = getenv("NEVIS_C_PLAIN_BASE_URL");
  const char *plain_key = getenv("NEVIS_C_PLAIN_ACCESS_KEY");
  if (plain_url == NULL && starts_with(url, "http://")) {
    plain_url = url;
    plain_key = key;
  }
  const char *tls_url = starts_with(url, "https://") ? url : NULL;
  if (plain_url == NULL && tls_url == NULL) {
    fprintf(stderr, "no simulator: run me under scripts/with-sim.sh (see the comment in main.c)\n");
    return 2;
  }
  if (plain_url != NULL) {
    select_sim(plain_url, plain_key, NULL);
    if (sim_control("GET", "/clock", NULL, NULL) != 200) {
      fprintf(stderr, "the simulator's control plane is not reachable at %s\n", plain_url);
      return 2;
    }
    printf("# over HTTP: %s\n", plain_url);
    flow_tests();
    error_tests();
    safety_tests();
    logging_tests();
    connection_tests();
    call_options_tests();
    bad_input_tests();
    vendor_client_tests();
    hostile_tests();
    documented_api_tests();
    /* Last over HTTP: each row resets the simulator. */
    fault_matrix_tests(tls_url, tls_url != NULL ? key : NULL);
  }
  if (tls_url != NULL) {
    select_sim(tls_url, key, getenv("NEVIS_AUTHCLOUD_CA_FILE"));
    printf("# over HTTPS: %s\n", tls_url);
    tls_tests();
    proxy_tests();
  }
  free_harness();
  return report();
}
