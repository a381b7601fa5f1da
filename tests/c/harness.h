/*
 * The C suite's small test harness: named test cases, checks that record failures without
 * aborting, a client factory reading the simulator's address from the environment, and a plain
 * HTTP/1.1 client for the simulator's control plane (which plays the user's phone and injects
 * faults; the SDK itself deliberately cannot reach it) and for API requests the SDK would never
 * send in that form.
 */
#ifndef NEVIS_C_TEST_HARNESS_H
#define NEVIS_C_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "nevis_authcloud.h"

/* ---- test cases and checks ---- */

typedef void (*test_fn)(void);

void run_test(const char *name, test_fn fn);
/* The same for a test that takes an argument (one row of a table). */
void run_test_with(const char *name, void (*fn)(void *), void *arg);
int report(void); /* prints "N passed, N failed"; returns the exit code */

void check_failed(const char *file, int line, const char *what);
extern int current_failures;

#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond)) check_failed(__FILE__, __LINE__, #cond);                                                              \
  } while (0)

/* The call must succeed; on failure the error is printed and released. */
#define CHECK_OK(call) check_ok_at(__FILE__, __LINE__, #call, (call))
bool check_ok_at(const char *file, int line, const char *what, nevis_error *err);

/* The call must fail with `kind`; the error is released. Returns true when it did. */
#define CHECK_KIND(call, kind) check_kind_at(__FILE__, __LINE__, #call, (call), (kind))
bool check_kind_at(const char *file, int line, const char *what, nevis_error *err, enum nevis_error_kind kind);

bool str_contains(const char *haystack, const char *needle);

/* ---- the simulator ---- */

/* Points the helpers below at one simulator (strings are borrowed; `ca_file` may be NULL). */
void select_sim(const char *base_url, const char *access_key, const char *ca_file);
/* Releases what the harness holds. */
void free_harness(void);

const char *sim_base_url(void);
const char *sim_access_key(void);
/* The CA PEM text of the selected simulator, or NULL over plain HTTP. Owned by the harness. */
const char *sim_ca_pem(void);
/* Options for the simulator with short retry backoff; the caller may adjust them. */
nevis_client_options sim_options(void);
/* A client from `opts` (must succeed). */
nevis_client *new_client(const nevis_client_options *opts);
/* A username no other test uses (prefix, pid, counter), written to `buf`. */
const char *unique_name(char *buf, size_t size, const char *prefix);
/* Enrols `username`'s Access App through `client`, has the phone confirm it and waits for the
 * enrolment to succeed. Returns the user id (caller frees with nevis_string_free) or NULL. */
char *active_app_user(nevis_client *client, const char *username);
/* A loopback port nobody listens on (0 if none could be found). */
int closed_port(void);
/* Milliseconds on a monotonic clock. */
double now_ms(void);

/* One control-plane request (`path` below /_sim, e.g. "/faults"). Returns the HTTP status (0 if
 * the simulator could not be reached); `*out_body` (may be NULL) gets a malloc'ed body. */
int sim_control(const char *method, const char *path, const char *json_body, char **out_body);
/* Any plain-HTTP request to the selected simulator, as an app without the SDK would send it: `path`
 * in full (e.g. "/api/v1/approval/"), `access_key` NULL for none, `content_type` NULL for
 * application/json. Returns the HTTP status (0 if unreachable); `*out_body` as for sim_control. */
int sim_http(const char *method, const char *path, const char *access_key, const char *content_type,
             const char *json_body, char **out_body);
/* Shorthands that CHECK the status. */
void sim_accept(const char *transaction_id);
void sim_decline(const char *transaction_id);
void sim_fault(const char *fault_json);
void sim_clear_faults(void);
void sim_reset(void);

/* The simulator's counters (GET /_sim/stats). Returns false (and CHECKs) if they could not be read. */
struct sim_stats {
  long requests;
  long enroll, approval, sms, intent; /* operations the API really created */
};
bool sim_read_stats(struct sim_stats *out);

/* A string out of JSON by pointer (via nevis_json_get); caller frees with nevis_string_free. */
char *json_get(const char *json, const char *pointer);

/* ---- text ---- */

/* A growing text buffer (a report being written); `data` is malloc'ed, NULL until the first add. */
struct text {
  char *data;
  size_t len, cap;
};
/* Appends printf-style; an allocation failure leaves the text as it was. */
void text_add(struct text *t, const char *format, ...);
/* Appends `value` as a JSON string literal (quotes, backslashes and control characters escaped). */
void text_add_json_string(struct text *t, const char *value);
/* The whole file as a malloc'ed string, or NULL. */
char *read_whole_file(const char *path);

/* ---- the groups of the suite ---- */
void flow_tests(void);
void error_tests(void);
void safety_tests(void);
void tls_tests(void);
/* The shared fault matrix; the "untrusted-tls" rows need the HTTPS simulator's URL and key. */
void fault_matrix_tests(const char *tls_url, const char *tls_key);
void logging_tests(void);
void connection_tests(void);
/* nevis_call_options: limits and a cancel switch per client on a shared pool. */
void call_options_tests(void);
/* The shared table of bad arguments (NEVIS_C_BAD_INPUT_FILE, default tests/bad_input.json). */
void bad_input_tests(void);
/* What the vendor's own apps and integrations send (over plain HTTP). */
void vendor_client_tests(void);
/* Echoing servers and peers that close mid-request. */
void hostile_tests(void);
/* Through each kind of proxy (over HTTPS; AUTHCLOUD_TEST_PROXY names the test proxy). */
void proxy_tests(void);
/* The HTML tags of a prompt, the FIDO2 registration defaults, a rate-limited user. */
void documented_api_tests(void);

#endif
