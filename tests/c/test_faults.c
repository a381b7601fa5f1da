/*
 * The shared fault matrix (tests/faults.json) through the C API, row for row as the Rust reference
 * (core/tests/fault_matrix.rs) and the Node and Python suites run it: for each scenario a fresh
 * simulator state (an active push user and a pending approval), a client configured from the
 * table's "client" settings, the scenario's faults injected through /_sim/faults, one call, and
 * the simulator's /_sim/stats before and after. Every expectation of the row is compared with what
 * the call really did; a failing row is reported by its name.
 *
 * With NEVIS_FAULTS_REPORT_DIR set, what was observed (not what was expected) is also written to
 * $NEVIS_FAULTS_REPORT_DIR/c.json in the shared cross-language format, so the build can compare
 * the languages with each other. The table is read with the library's own nevis_json_get().
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "harness.h"

/* The four kinds of operation the simulator counts, in the report's order. */
static const char *const created_kinds[4] = {"enroll", "approval", "sms", "intent"};

/* What one call did, in the table's terms. */
struct observed {
  bool ok;
  enum nevis_error_kind kind;
  int status;              /* 0: no HTTP status */
  const char *applied;     /* "no" | "yes" | "unknown"; NULL on success */
  long long retry_after_s; /* -1: none */
  long requests_seen;
  long created[4]; /* per created_kinds */
  double elapsed_ms;
};

/* The whole table, and what the rows observed. */
struct matrix {
  char *json;
  long timeout_ms, max_retries, backoff_initial_ms, backoff_max_ms;
  const char *tls_url, *tls_key;
  struct text rows; /* the report's rows, comma-separated */
  int row_count;
};

/* One scenario: its index, its JSON text and its name. */
struct row {
  struct matrix *matrix;
  char *json;
  char *name;
};

/* A whole number out of JSON by pointer; false when missing or not a whole number. */
static bool get_long(const char *json, const char *pointer, long *out) {
  char *value = NULL;
  nevis_error *err = nevis_json_get(json, pointer, &value);
  char *end = NULL;
  bool ok = err == NULL && value != NULL && *value != '\0' && (*out = strtol(value, &end, 10), *end == '\0');
  nevis_error_free(err);
  nevis_string_free(value);
  return ok;
}

/* The number of members of a JSON object given as text (counts keys at depth one). */
static int count_members(const char *object) {
  int depth = 0, members = 0;
  bool in_string = false, expect_key = false;
  for (const char *c = object; object && *c; c++) {
    if (in_string) {
      if (*c == '\\' && c[1] != '\0')
        c++;
      else if (*c == '"')
        in_string = false;
      continue;
    }
    switch (*c) {
    case '"':
      if (depth == 1 && expect_key) members++;
      expect_key = false;
      in_string = true;
      break;
    case '{':
    case '[':
      depth++;
      expect_key = depth == 1;
      break;
    case '}':
    case ']': depth--; break;
    case ',': expect_key = depth == 1; break;
    default: break;
    }
  }
  return members;
}

/* The kind whose stable name is `name` (NEVIS_ERROR_NONE when there is none). */
static enum nevis_error_kind kind_named(const char *name) {
  for (int value = 1; value <= 101; value++) {
    if (value > 19 && value < 100) continue;
    enum nevis_error_kind kind = (enum nevis_error_kind)value;
    if (strcmp(nevis_error_kind_name(kind), name) == 0) return kind;
  }
  return NEVIS_ERROR_NONE;
}

static const char *applied_name(enum nevis_applied applied) {
  switch (applied) {
  case NEVIS_APPLIED_NO: return "no";
  case NEVIS_APPLIED_YES: return "yes";
  case NEVIS_APPLIED_UNKNOWN: return "unknown";
  }
  return "?";
}

/* ---- one row ---- */

static void mismatch(const struct row *row, const char *what, const char *expected, const char *actual) {
  fprintf(stderr, "  [%s] %s: expected %s, got %s\n", row->name, what, expected, actual ? actual : "null");
  current_failures++;
}

static void compare_text(const struct row *row, const char *key, const char *actual, int *checked) {
  char pointer[64];
  snprintf(pointer, sizeof pointer, "/expect/%s", key);
  char *expected = json_get(row->json, pointer);
  if (expected == NULL) return;
  (*checked)++;
  if (actual == NULL || strcmp(expected, actual) != 0) mismatch(row, key, expected, actual);
  nevis_string_free(expected);
}

/* `actual` < 0 stands for null. */
static void compare_number(const struct row *row, const char *key, long long actual, int *checked) {
  char pointer[64];
  snprintf(pointer, sizeof pointer, "/expect/%s", key);
  long expected = 0;
  if (!get_long(row->json, pointer, &expected)) return;
  (*checked)++;
  if (actual != expected) {
    char want[32], got[32];
    snprintf(want, sizeof want, "%ld", expected);
    snprintf(got, sizeof got, "%lld", actual);
    mismatch(row, key, want, actual < 0 ? "null" : got);
  }
}

/* Every expectation of the row against `seen`; keys this runner does not know fail the row. */
static void compare(const struct row *row, const struct observed *seen, const char *message) {
  int checked = 0;
  compare_text(row, "outcome", seen->ok ? "ok" : "error", &checked);
  compare_text(row, "kind", seen->ok ? NULL : nevis_error_kind_name(seen->kind), &checked);
  char *kind = json_get(row->json, "/expect/kind");
  if (kind != NULL && !seen->ok && kind_named(kind) != seen->kind)
    mismatch(row, "kind (enum)", kind, nevis_error_kind_name(seen->kind));
  nevis_string_free(kind);
  compare_number(row, "status", seen->ok || seen->status == 0 ? -1 : seen->status, &checked);
  compare_text(row, "mayHaveBeenApplied", seen->applied, &checked);
  compare_number(row, "retryAfterS", seen->ok ? -1 : seen->retry_after_s, &checked);
  compare_number(row, "requestsSeen", seen->requests_seen, &checked);
  long min_elapsed = 0;
  if (get_long(row->json, "/expect/minElapsedMs", &min_elapsed)) {
    checked++;
    if (seen->elapsed_ms < (double)min_elapsed) {
      char want[32], got[32];
      snprintf(want, sizeof want, "at least %ld ms", min_elapsed);
      snprintf(got, sizeof got, "%.0f ms", seen->elapsed_ms);
      mismatch(row, "elapsed", want, got);
    }
  }
  char *created = json_get(row->json, "/expect/created");
  if (created != NULL) {
    checked++;
    int kinds = 0;
    for (int i = 0; i < 4; i++) {
      char key[32];
      snprintf(key, sizeof key, "created/%s", created_kinds[i]);
      compare_number(row, key, seen->created[i], &kinds);
    }
    if (kinds != count_members(created)) mismatch(row, "created", "only enroll/approval/sms/intent", created);
  }
  nevis_string_free(created);
  char *expect = json_get(row->json, "/expect");
  int members = count_members(expect);
  if (members != checked) {
    fprintf(stderr, "  [%s] the row expects %d things, this runner checked %d: %s\n", row->name, members, checked,
            expect ? expect : "(no expect)");
    current_failures++;
  }
  nevis_string_free(expect);
  if (current_failures > 0 && message != NULL) fprintf(stderr, "  [%s] (the error: %s)\n", row->name, message);
}

static void add_report_row(struct matrix *m, const struct row *row, const struct observed *seen) {
  struct text *t = &m->rows;
  text_add(t, "%s\n  {\"name\": ", m->row_count++ > 0 ? "," : "");
  text_add_json_string(t, row->name);
  text_add(t, ", \"outcome\": \"%s\", \"kind\": ", seen->ok ? "ok" : "error");
  if (seen->ok) {
    text_add(t, "null, \"status\": null, \"mayHaveBeenApplied\": null, \"retryAfterS\": null");
  } else {
    text_add_json_string(t, nevis_error_kind_name(seen->kind));
    if (seen->status > 0)
      text_add(t, ", \"status\": %d", seen->status);
    else
      text_add(t, ", \"status\": null");
    text_add(t, ", \"mayHaveBeenApplied\": \"%s\"", seen->applied);
    if (seen->retry_after_s >= 0)
      text_add(t, ", \"retryAfterS\": %lld", seen->retry_after_s);
    else
      text_add(t, ", \"retryAfterS\": null");
  }
  text_add(t, ", \"requestsSeen\": %ld, \"created\": {", seen->requests_seen);
  for (int i = 0; i < 4; i++) text_add(t, "%s\"%s\": %ld", i ? ", " : "", created_kinds[i], seen->created[i]);
  text_add(t, "}}");
}

/* Resets the simulator and prepares what every operation needs: an active push user and a
 * pending approval (whose status token get_status polls). Returns the status token. */
static char *prepare(const char *username) {
  sim_reset();
  nevis_client_options opts = sim_options();
  nevis_client *setup = new_client(&opts);
  nevis_string_free(active_app_user(setup, username));
  char request[160], *approval = NULL, *token = NULL;
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", username);
  if (CHECK_OK(nevis_client_approve(setup, request, NULL, &approval)))
    CHECK_OK(nevis_json_status_token(approval, &token));
  nevis_string_free(approval);
  nevis_client_free(setup);
  return token;
}

/* The row's operation; NULL is success. */
static nevis_error *call(nevis_client *client, const char *operation, const char *username, const char *token) {
  char request[200];
  if (strcmp(operation, "find_user") == 0) return nevis_client_find_user(client, username, NULL);
  if (strcmp(operation, "get_status") == 0) return nevis_client_get_status(client, token, NULL, NULL);
  if (strcmp(operation, "approve_push") == 0) {
    snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", username);
    return nevis_client_approve(client, request, NULL, NULL);
  }
  if (strcmp(operation, "enroll_sms") == 0) {
    char fresh[64];
    snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"sms\",\"phone\":\"+41795550101\"}",
             unique_name(fresh, sizeof fresh, "matrix-sms"));
    return nevis_client_enroll(client, request, NULL, NULL);
  }
  return NULL;
}

/* A loopback peer that takes TCP connections (the kernel completes them from the listen queue) and
 * never answers a TLS handshake. Writes its https:// URL; returns the socket (-1 on failure). */
static int silent_tls_peer(char *url, size_t size) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) return -1;
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 8) != 0 ||
      getsockname(listener, (struct sockaddr *)&address, &length) != 0) {
    close(listener);
    return -1;
  }
  snprintf(url, size, "https://127.0.0.1:%d", ntohs(address.sin_port));
  return listener;
}

static void run_row(void *arg) {
  struct row *row = arg;
  struct matrix *m = row->matrix;
  char *operation = json_get(row->json, "/operation");
  char *target = json_get(row->json, "/target");
  const char *known[] = {"find_user", "get_status", "approve_push", "enroll_sms"};
  bool known_operation = false;
  for (size_t i = 0; operation != NULL && i < sizeof known / sizeof *known; i++)
    known_operation = known_operation || strcmp(operation, known[i]) == 0;
  if (!known_operation) fprintf(stderr, "  [%s] unknown operation %s\n", row->name, operation ? operation : "(none)");
  CHECK(known_operation);

  const char *username = "matrix-user";
  char *token = prepare(username);
  nevis_client_options opts = sim_options();
  opts.request_timeout_ms = (uint64_t)m->timeout_ms;
  opts.max_retries = (int32_t)m->max_retries;
  opts.retry_initial_backoff_ms = (uint64_t)m->backoff_initial_ms;
  opts.retry_max_backoff_ms = (uint64_t)m->backoff_max_ms;
  /* The row's own client settings replace the table's. */
  long setting = 0;
  if (get_long(row->json, "/client/requestTimeoutMs", &setting)) opts.request_timeout_ms = (uint64_t)setting;
  if (get_long(row->json, "/client/connectTimeoutMs", &setting)) opts.connect_timeout_ms = (uint64_t)setting;
  if (get_long(row->json, "/client/maxRetries", &setting)) opts.max_retries = (int32_t)setting;
  char url[128];
  bool usable_target = true;
  int silent_peer = -1;
  if (target != NULL && strcmp(target, "silent-tls") == 0) {
    silent_peer = silent_tls_peer(url, sizeof url);
    usable_target = silent_peer >= 0;
    opts.base_url = url;
  } else if (target != NULL && strcmp(target, "closed-port") == 0) {
    snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
    opts.base_url = url;
  } else if (target != NULL && strcmp(target, "untrusted-tls") == 0) {
    /* The HTTPS simulator without its CA: only the system's roots are trusted. */
    usable_target = m->tls_url != NULL;
    opts.base_url = m->tls_url;
    opts.access_key = m->tls_key;
    opts.ca_pem = NULL;
  } else if (target != NULL) {
    usable_target = false;
  }
  if (!usable_target)
    fprintf(stderr, "  [%s] target %s is unknown or has no simulator in the environment\n", row->name, target);
  CHECK(usable_target);

  if (known_operation && usable_target && token != NULL) {
    nevis_client *client = new_client(&opts);
    struct sim_stats before, after;
    sim_read_stats(&before);
    char *fault = NULL;
    for (int i = 0;; i++) {
      char pointer[32];
      snprintf(pointer, sizeof pointer, "/faults/%d", i);
      fault = json_get(row->json, pointer);
      if (fault == NULL) break;
      int status = sim_control("POST", "/faults", fault, NULL);
      if (status != 201 && status != 200) fprintf(stderr, "  [%s] fault %s refused: %d\n", row->name, fault, status);
      CHECK(status == 201 || status == 200);
      nevis_string_free(fault);
    }
    double started = now_ms();
    nevis_error *err = call(client, operation, username, token);
    struct observed seen = {0};
    seen.elapsed_ms = now_ms() - started;
    sim_read_stats(&after);
    seen.ok = err == NULL;
    seen.kind = nevis_error_kind(err);
    seen.status = nevis_error_status(err);
    seen.applied = err ? applied_name(nevis_error_may_have_been_applied(err)) : NULL;
    int64_t retry_after_ms = nevis_error_retry_after_ms(err);
    seen.retry_after_s = retry_after_ms >= 0 ? retry_after_ms / 1000 : -1;
    seen.requests_seen = after.requests - before.requests;
    seen.created[0] = after.enroll - before.enroll;
    seen.created[1] = after.approval - before.approval;
    seen.created[2] = after.sms - before.sms;
    seen.created[3] = after.intent - before.intent;
    compare(row, &seen, err ? nevis_error_message(err) : NULL);
    add_report_row(m, row, &seen);
    nevis_error_free(err);
    nevis_client_free(client);
    sim_clear_faults();
  }
  if (silent_peer >= 0) close(silent_peer);
  nevis_string_free(token);
  nevis_string_free(target);
  nevis_string_free(operation);
}

/* ---- the table and the report ---- */

static struct matrix matrix;

static void test_table_loads(void) {
  const char *path = getenv("NEVIS_C_FAULTS_FILE");
  if (path == NULL) path = "tests/faults.json";
  matrix.json = read_whole_file(path);
  if (matrix.json == NULL) fprintf(stderr, "  cannot read the fault matrix at %s (set NEVIS_C_FAULTS_FILE)\n", path);
  CHECK(matrix.json != NULL);
  if (matrix.json == NULL) return;
  CHECK(get_long(matrix.json, "/client/requestTimeoutMs", &matrix.timeout_ms) && matrix.timeout_ms > 0);
  CHECK(get_long(matrix.json, "/client/maxRetries", &matrix.max_retries) && matrix.max_retries >= 0);
  CHECK(get_long(matrix.json, "/client/retryBackoffMs/0", &matrix.backoff_initial_ms) && matrix.backoff_initial_ms > 0);
  CHECK(get_long(matrix.json, "/client/retryBackoffMs/1", &matrix.backoff_max_ms) && matrix.backoff_max_ms > 0);
  char *first = json_get(matrix.json, "/scenarios/0/name");
  CHECK(first != NULL);
  nevis_string_free(first);
}

static void test_report_is_written(void) {
  const char *dir = getenv("NEVIS_FAULTS_REPORT_DIR");
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) fprintf(stderr, "  cannot create %s: %s\n", dir, strerror(errno));
  char path[4096];
  snprintf(path, sizeof path, "%s/c.json", dir);
  FILE *file = fopen(path, "w");
  if (file == NULL) fprintf(stderr, "  cannot write %s: %s\n", path, strerror(errno));
  CHECK(file != NULL);
  if (file == NULL) return;
  fprintf(file, "{\"language\": \"c\", \"rows\": [%s\n]}\n", matrix.rows.data ? matrix.rows.data : "");
  CHECK(fclose(file) == 0);
}

void fault_matrix_tests(const char *tls_url, const char *tls_key) {
  memset(&matrix, 0, sizeof matrix);
  matrix.tls_url = tls_url;
  matrix.tls_key = tls_key;
  run_test("fault matrix: the table loads", test_table_loads);
  int rows = 0;
  for (; matrix.json != NULL; rows++) {
    char pointer[32];
    snprintf(pointer, sizeof pointer, "/scenarios/%d", rows);
    struct row row = {&matrix, json_get(matrix.json, pointer), NULL};
    if (row.json == NULL) break;
    row.name = json_get(row.json, "/name");
    char label[512];
    snprintf(label, sizeof label, "fault matrix: %s", row.name ? row.name : "(unnamed row)");
    run_test_with(label, run_row, &row);
    nevis_string_free(row.name);
    nevis_string_free(row.json);
  }
  if (getenv("NEVIS_FAULTS_REPORT_DIR") != NULL && *getenv("NEVIS_FAULTS_REPORT_DIR") != '\0')
    run_test("fault matrix: the observed rows are written to $NEVIS_FAULTS_REPORT_DIR/c.json", test_report_is_written);
  free(matrix.rows.data);
  free(matrix.json);
  memset(&matrix, 0, sizeof matrix);
}
