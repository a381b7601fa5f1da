/*
 * The shared table of bad arguments (tests/bad_input.json) through the C API, as the Python and
 * Node suites run it: each row hands one bad value to nevis_client_new() or to one operation and
 * expects the kind and field the table gives C (a JSON member by its camelCase path, an option by
 * its nevis_client_options member, a C argument by its name). The message must name that field,
 * use no word of Rust or serde, and never repeat a secret. Rows the table marks as not
 * expressible in C (a number where C takes a char *, NaN in a uint64_t) are reported as skipped
 * with the table's reason.
 *
 * Calls go to a closed loopback port: an argument that slipped through fails as "connection",
 * which no row expects. With NEVIS_FAULTS_REPORT_DIR set, what was observed is written to
 * $NEVIS_FAULTS_REPORT_DIR/bad-input/c.json for scripts/compare-fault-reports.py.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "harness.h"

static char *table;
static struct text report_rows;
static int report_count;

/* ---- reading the table ---- */

/* `{"$repeat":"ab","times":3}`, `{"$lone_surrogate":"ab"}` and `{"$deep":3}` in compact JSON text
 * (the form nevis_json_get() gives, keys sorted) turned into the JSON they stand for; the other
 * specials have no C form (the table skips their rows for C) and are copied as they are. */
static char *expand_specials(const char *json) {
  struct text out = {NULL, 0, 0};
  const char *c = json;
  while (*c != '\0') {
    const char *end = NULL;
    char *after = NULL;
    if (strncmp(c, "{\"$repeat\":\"", 12) == 0 && (end = strchr(c + 12, '"')) != NULL &&
        strncmp(end, "\",\"times\":", 10) == 0) {
      long times = strtol(end + 10, &after, 10);
      size_t piece = (size_t)(end - (c + 12));
      size_t total = piece * (size_t)(times > 0 ? times : 0);
      /* Reserved in one call (a 1 MiB string a piece at a time is slow under valgrind), then filled. */
      text_add(&out, "\"%*s\"", (int)total, "");
      if (out.data != NULL && total > 0)
        for (long i = 0; i < times; i++) memcpy(out.data + out.len - 1 - total + (size_t)i * piece, c + 12, piece);
      c = after + 1;
      continue;
    }
    if (strncmp(c, "{\"$lone_surrogate\":\"", 20) == 0 && (end = strchr(c + 20, '"')) != NULL && end[1] == '}') {
      text_add(&out, "\"%.*s\\ud800\"", (int)(end - (c + 20)), c + 20);
      c = end + 2;
      continue;
    }
    if (strncmp(c, "{\"$deep\":", 9) == 0) {
      long depth = strtol(c + 9, &after, 10);
      for (long i = 0; i < depth; i++) text_add(&out, "[");
      text_add(&out, "1");
      for (long i = 0; i < depth; i++) text_add(&out, "]");
      c = after + 1;
      continue;
    }
    text_add(&out, "%c", *c);
    c++;
  }
  return out.data != NULL ? out.data : strdup("");
}

/* Whether the compact JSON object `object` has the member `name` (a null one included, which
 * nevis_json_get() cannot tell from a missing one). */
static bool has_member(const char *object, const char *name) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", name);
  return object != NULL && strstr(object, key) != NULL;
}

/* Takes the top-level member `name` (a string or null) out of the compact JSON object `json`, in
 * place. Returns false when the member is there with another kind of value (not expressible as a
 * C string argument); `*out` is the malloc'ed text, or NULL for null or a missing member. */
static bool take_member(char *json, const char *name, char **out) {
  *out = NULL;
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", name);
  char *start = strstr(json, key);
  if (start == NULL) return true;
  char *value = start + strlen(key);
  char *end;
  if (strncmp(value, "null", 4) == 0) {
    end = value + 4;
  } else if (*value == '"') {
    end = value + 1;
    while (*end != '\0' && *end != '"') end += *end == '\\' && end[1] != '\0' ? 2 : 1;
    if (*end != '"') return false;
    *out = strndup(value + 1, (size_t)(end - value - 1));
    end++;
  } else {
    return false;
  }
  if (*end == ',')
    end++;
  else if (start > json && start[-1] == ',')
    start--;
  memmove(start, end, strlen(end) + 1);
  return true;
}

/* The expectation for C: `/expect/<what>/c`, or `/expect/<what>` when the table gives one value
 * for every language. NULL when there is none. */
static char *expected(const char *row, const char *what) {
  char pointer[64];
  snprintf(pointer, sizeof pointer, "/expect/%s/c", what);
  char *value = json_get(row, pointer);
  if (value != NULL) return value;
  snprintf(pointer, sizeof pointer, "/expect/%s", what);
  value = json_get(row, pointer);
  if (value != NULL && value[0] == '{') {
    nevis_string_free(value);
    return NULL;
  }
  return value;
}

/* A string argument of a row: NULL for null and {"$undefined": true}, expanded for $repeat. Sets
 * *expressible to false for a value C cannot pass as a char * (a number, an object). */
static char *string_argument(const char *row, const char *name, bool *expressible) {
  char pointer[128];
  snprintf(pointer, sizeof pointer, "/arguments/%s", name);
  char *value = json_get(row, pointer);
  if (value == NULL || value[0] != '{') return value;
  char *expanded = expand_specials(value);
  nevis_string_free(value);
  if (strncmp(expanded, "{\"$undefined\"", 13) == 0) {
    free(expanded);
    return NULL;
  }
  if (expanded[0] != '"') {
    *expressible = false;
    free(expanded);
    return NULL;
  }
  size_t len = strlen(expanded);
  memmove(expanded, expanded + 1, len - 2);
  expanded[len - 2] = '\0';
  return expanded;
}

/* ---- the calls ---- */

/* A whole number for a C member; false when the text is not one or does not fit. */
static bool whole_number(const char *text, long long low, long long high, long long *out) {
  if (text == NULL || *text == '\0') return false;
  char *end = NULL;
  errno = 0;
  long long value = strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < low || value > high) return false;
  *out = value;
  return true;
}

/* nevis_client_new() with the table's base options and the row's over them. */
static nevis_error *new_client_from_row(const char *row, bool *expressible) {
  char *options = json_get(row, "/arguments/options");
  if (options == NULL) {
    nevis_client *client = NULL;
    nevis_error *err = nevis_client_new(NULL, &client);
    nevis_client_free(client);
    return err;
  }
  static const char *const strings[] = {"instance", "baseUrl", "accessKey", "caCerts", "proxy", "appInfo"};
  char *texts[6] = {NULL};
  for (size_t i = 0; i < 6; i++) {
    char pointer[64];
    if (has_member(options, strings[i])) {
      snprintf(pointer, sizeof pointer, "/arguments/options/%s", strings[i]);
      texts[i] = json_get(row, pointer);
      if (texts[i] != NULL && texts[i][0] == '{') *expressible = false;
    } else {
      snprintf(pointer, sizeof pointer, "/client/%s", strings[i]);
      texts[i] = json_get(table, pointer);
    }
  }
  nevis_client_options opts;
  nevis_client_options_init(&opts);
  opts.instance = texts[0];
  opts.base_url = texts[1];
  opts.access_key = texts[2];
  opts.ca_pem = texts[3];
  opts.proxy = texts[4];
  opts.app_info = texts[5];
  static const char *const numbers[] = {"timeout",    "connectTimeout", "deadline",    "maxRetryAfter",
                                        "maxRetries", "maxConnections", "useEnvProxy", "retryBackoff"};
  for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
    if (!has_member(options, numbers[i])) continue;
    char pointer[64];
    snprintf(pointer, sizeof pointer, "/arguments/options/%s", numbers[i]);
    char *text = json_get(row, pointer);
    long long value = 0;
    bool is_int32 = i == 4 || i == 5;
    if (i == 6) {
      *expressible = *expressible && text != NULL && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0);
      opts.use_env_proxy = text != NULL && strcmp(text, "true") == 0;
    } else if (i == 7 || !whole_number(text, is_int32 ? INT32_MIN : 0, is_int32 ? INT32_MAX : LLONG_MAX, &value)) {
      *expressible = false;
    } else if (i == 0) {
      opts.request_timeout_ms = (uint64_t)value;
    } else if (i == 1) {
      opts.connect_timeout_ms = (uint64_t)value;
    } else if (i == 2) {
      opts.deadline_ms = (uint64_t)value;
    } else if (i == 3) {
      opts.max_retry_after_ms = (uint64_t)value;
    } else if (i == 4) {
      opts.max_retries = (int32_t)value;
    } else {
      opts.max_connections = (int32_t)value;
    }
    nevis_string_free(text);
  }
  nevis_error *err = NULL;
  if (*expressible) {
    nevis_client *client = NULL;
    err = nevis_client_new(&opts, &client);
    nevis_client_free(client);
  }
  for (size_t i = 0; i < 6; i++) nevis_string_free(texts[i]);
  nevis_string_free(options);
  return err;
}

/* The row's operation against a client of a closed port. */
static nevis_error *call_operation(const char *row, const char *operation, bool *expressible) {
  nevis_client_options opts;
  nevis_client_options_init(&opts);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
  opts.base_url = url;
  opts.access_key = "bad-input-key";
  opts.max_retries = 0;
  opts.request_timeout_ms = 2000;
  nevis_client *client = new_client(&opts);
  if (client == NULL) return NULL;

  nevis_error *err = NULL;
  char *raw = json_get(row, "/arguments/request");
  char *request = NULL;
  if (raw != NULL && raw[0] != '{' && raw[0] != '[') {
    /* A request that is a JSON string (nevis_json_get() hands its text without the quotes). */
    struct text quoted = {NULL, 0, 0};
    text_add_json_string(&quoted, raw);
    request = quoted.data;
  } else if (raw != NULL && strncmp(raw, "{\"$undefined\"", 13) != 0) {
    request = expand_specials(raw);
  }
  char *intent = NULL, *user_id = NULL;
  bool takes_intent =
      strcmp(operation, "enroll") == 0 || strcmp(operation, "approve") == 0 || strcmp(operation, "verify") == 0;
  if (request != NULL && takes_intent && !take_member(request, "intentToken", &intent)) *expressible = false;
  if (request != NULL && strcmp(operation, "verify") == 0 && !take_member(request, "userId", &user_id))
    *expressible = false;

  char *a = NULL, *b = NULL;
  if (!*expressible) {
    /* nothing to call */
  } else if (strcmp(operation, "enroll") == 0) {
    err = nevis_client_enroll(client, request, intent, NULL);
  } else if (strcmp(operation, "approve") == 0) {
    err = nevis_client_approve(client, request, intent, NULL);
  } else if (strcmp(operation, "verify") == 0) {
    err = nevis_client_verify(client, user_id, request, intent);
  } else if (strcmp(operation, "create_intent") == 0) {
    err = nevis_client_create_intent(client, request, NULL);
  } else if (strcmp(operation, "export_logs") == 0) {
    err = nevis_client_export_logs(client, request, NULL, NULL);
  } else if (strcmp(operation, "complete_attestation") == 0) {
    err = nevis_client_complete_attestation(client, request, NULL, NULL);
  } else if (strcmp(operation, "complete_assertion") == 0) {
    err = nevis_client_complete_assertion(client, request, NULL, NULL);
  } else if (strcmp(operation, "get_status") == 0) {
    a = string_argument(row, "statusToken", expressible);
    if (*expressible) err = nevis_client_get_status(client, a, NULL, NULL);
  } else if (strcmp(operation, "find_user") == 0) {
    a = string_argument(row, "username", expressible);
    if (*expressible) err = nevis_client_find_user(client, a, NULL);
  } else if (strcmp(operation, "get_user") == 0) {
    a = string_argument(row, "userId", expressible);
    if (*expressible) err = nevis_client_get_user(client, a, NULL);
  } else if (strcmp(operation, "find_aadb2c_user") == 0) {
    a = string_argument(row, "objectId", expressible);
    if (*expressible) err = nevis_client_find_aadb2c_user(client, a, NULL, NULL);
  } else if (strcmp(operation, "introspect") == 0) {
    a = string_argument(row, "token", expressible);
    if (*expressible) err = nevis_client_introspect(client, a, NULL, NULL);
  } else if (strcmp(operation, "rename_authenticator") == 0) {
    a = string_argument(row, "authenticatorId", expressible);
    b = string_argument(row, "name", expressible);
    if (*expressible) err = nevis_client_rename_authenticator(client, a, b, NULL);
  } else {
    fprintf(stderr, "  the C runner has no call for operation %s\n", operation);
    *expressible = false;
  }
  free(a);
  free(b);
  free(intent);
  free(user_id);
  free(request);
  nevis_string_free(raw);
  nevis_client_free(client);
  return err;
}

/* ---- one row ---- */

/* Whether `word` occurs in `text` as a whole word, ignoring case. */
static bool has_word(const char *text, const char *word) {
  size_t len = strlen(word);
  for (const char *at = text; *at != '\0'; at++) {
    if (strncasecmp(at, word, len) != 0) continue;
    bool starts = at == text || !(isalnum((unsigned char)at[-1]) || at[-1] == '_');
    bool ends = !(isalnum((unsigned char)at[len]) || at[len] == '_');
    if (starts && ends) return true;
  }
  return false;
}

static void add_problem(struct text *problems, const char *format, const char *detail) {
  char line[512];
  snprintf(line, sizeof line, format, detail);
  text_add(problems, "%s", problems->len > 0 ? ", " : "");
  text_add_json_string(problems, line);
}

static void run_row(void *arg) {
  const char *row = arg;
  char *name = json_get(row, "/name");
  char *operation = json_get(row, "/operation");
  bool expressible = true;
  nevis_error *err = operation != NULL && strcmp(operation, "client") == 0
                         ? new_client_from_row(row, &expressible)
                         : call_operation(row, operation, &expressible);
  const char *kind = expressible ? nevis_error_kind_name(nevis_error_kind(err)) : "not expressible in C";
  const char *field = nevis_error_field(err);
  const char *message = nevis_error_message(err);

  struct text problems = {NULL, 0, 0};
  if (field != NULL && !str_contains(message, field))
    add_problem(&problems, "the message does not name the field: %s", message);
  for (int i = 0;; i++) {
    char pointer[64];
    snprintf(pointer, sizeof pointer, "/forbiddenWords/%d", i);
    char *word = json_get(table, pointer);
    if (word == NULL) break;
    if (has_word(message, word)) add_problem(&problems, "the message uses a forbidden word: %s", message);
    nevis_string_free(word);
  }
  char *secret = json_get(row, "/secret");
  if (secret != NULL && str_contains(message, secret))
    add_problem(&problems, "%s", "the message repeats the secret value");

  char *want_kind = expected(row, "kind");
  char *want_field = expected(row, "field");
  bool matches = want_kind != NULL && want_field != NULL && strcmp(kind, want_kind) == 0 && field != NULL &&
                 strcmp(field, want_field) == 0;
  if (!matches)
    fprintf(stderr, "  [%s] expected %s/%s, got %s/%s (%s)\n", name, want_kind ? want_kind : "?",
            want_field ? want_field : "?", err ? kind : "success", field ? field : "no field", message);
  CHECK(matches);
  if (problems.len > 0) fprintf(stderr, "  [%s] %s\n", name, problems.data);
  CHECK(problems.len == 0);

  text_add(&report_rows, "%s\n  {\"name\": ", report_count++ > 0 ? "," : "");
  text_add_json_string(&report_rows, name ? name : "");
  text_add(&report_rows, ", \"outcome\": \"%s\", \"kind\": ", err ? "error" : "ok");
  if (err != NULL || !expressible)
    text_add_json_string(&report_rows, kind);
  else
    text_add(&report_rows, "null");
  text_add(&report_rows, ", \"field\": ");
  if (field != NULL)
    text_add_json_string(&report_rows, field);
  else
    text_add(&report_rows, "null");
  text_add(&report_rows, ", \"problems\": [%s]}", problems.data ? problems.data : "");

  free(problems.data);
  nevis_string_free(secret);
  nevis_string_free(want_kind);
  nevis_string_free(want_field);
  nevis_error_free(err);
  nevis_string_free(operation);
  nevis_string_free(name);
}

static void record_skip(const char *name, const char *reason) {
  text_add(&report_rows, "%s\n  {\"name\": ", report_count++ > 0 ? "," : "");
  text_add_json_string(&report_rows, name);
  text_add(&report_rows, ", \"outcome\": \"skipped\", \"skipped\": ");
  text_add_json_string(&report_rows, reason);
  text_add(&report_rows, "}");
}

static void test_table_loads(void) {
  const char *path = getenv("NEVIS_C_BAD_INPUT_FILE");
  if (path == NULL) path = "tests/bad_input.json";
  table = read_whole_file(path);
  if (table == NULL) fprintf(stderr, "  cannot read the bad-input table at %s (set NEVIS_C_BAD_INPUT_FILE)\n", path);
  CHECK(table != NULL);
}

static void test_report_is_written(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/bad-input", getenv("NEVIS_FAULTS_REPORT_DIR"));
  if (mkdir(getenv("NEVIS_FAULTS_REPORT_DIR"), 0755) != 0 && errno != EEXIST)
    fprintf(stderr, "  cannot create the report folder\n");
  if (mkdir(path, 0755) != 0 && errno != EEXIST) fprintf(stderr, "  cannot create %s: %s\n", path, strerror(errno));
  snprintf(path, sizeof path, "%s/bad-input/c.json", getenv("NEVIS_FAULTS_REPORT_DIR"));
  FILE *file = fopen(path, "w");
  if (file == NULL) fprintf(stderr, "  cannot write %s: %s\n", path, strerror(errno));
  CHECK(file != NULL);
  if (file == NULL) return;
  fprintf(file, "{\"language\": \"c\", \"rows\": [%s\n]}\n", report_rows.data ? report_rows.data : "");
  CHECK(fclose(file) == 0);
}

void bad_input_tests(void) {
  run_test("bad input: the table loads", test_table_loads);
  int skipped = 0;
  for (int index = 0; table != NULL; index++) {
    char pointer[32];
    snprintf(pointer, sizeof pointer, "/rows/%d", index);
    char *row = json_get(table, pointer);
    if (row == NULL) break;
    char *name = json_get(row, "/name");
    char *reason = json_get(row, "/skip/c");
    if (reason != NULL) {
      record_skip(name ? name : "", reason);
      skipped++;
    } else {
      char label[512];
      snprintf(label, sizeof label, "bad input: %s", name ? name : "(unnamed row)");
      run_test_with(label, run_row, row);
    }
    nevis_string_free(reason);
    nevis_string_free(name);
    nevis_string_free(row);
  }
  printf("# bad input: %d rows not expressible in C, skipped with the table's reason\n", skipped);
  const char *dir = getenv("NEVIS_FAULTS_REPORT_DIR");
  if (dir != NULL && *dir != '\0')
    run_test("bad input: the observed rows are written to $NEVIS_FAULTS_REPORT_DIR/bad-input/c.json",
             test_report_is_written);
  free(report_rows.data);
  free(table);
  memset(&report_rows, 0, sizeof report_rows);
  report_count = 0;
  table = NULL;
}
