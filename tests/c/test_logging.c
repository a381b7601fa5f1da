/*
 * The log callback (nevis_log_set_callback) and the C side of the secret scan.
 *
 * The callback tests show that records arrive with their level, target and fields, that the level
 * filters them, that NULL turns logging off and that registering while other threads make calls
 * is safe. The secret scan puts a recognisable access key, an intent token, a status token, an SMS
 * code and a recovery code into play, captures every log line at the most verbose level and every
 * text an error offers (message, body, field) - including failures: a wrong SMS code, a wrong
 * key, a timeout, a used intent token and a used recovery code - and checks that none of the
 * secrets appears anywhere in the capture.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Everything the callback received, one "LEVEL target: message" line per record. The callback
 * runs on library threads, so the buffer is guarded. */
struct capture {
  pthread_mutex_t lock;
  char *text;
  size_t len, cap;
  int records;
  int per_level[6]; /* indexed by nevis_log_level */
};

static void capture_init(struct capture *c) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
}

static void capture_free(struct capture *c) {
  pthread_mutex_destroy(&c->lock);
  free(c->text);
}

/* Appends `line` and a newline (the caller holds the lock or owns the capture alone). */
static void capture_append(struct capture *c, const char *line) {
  size_t n = strlen(line);
  if (c->len + n + 2 > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (c->len + n + 2 > cap) cap *= 2;
    char *bigger = realloc(c->text, cap);
    if (bigger == NULL) return;
    c->text = bigger;
    c->cap = cap;
  }
  memcpy(c->text + c->len, line, n);
  c->len += n;
  c->text[c->len++] = '\n';
  c->text[c->len] = '\0';
}

static const char *level_name(nevis_log_level level) {
  switch (level) {
  case NEVIS_LOG_ERROR: return "ERROR";
  case NEVIS_LOG_WARN: return "WARN";
  case NEVIS_LOG_INFO: return "INFO";
  case NEVIS_LOG_DEBUG: return "DEBUG";
  case NEVIS_LOG_TRACE: return "TRACE";
  }
  return "?";
}

static void on_record(nevis_log_level level, const char *target, const char *message, void *user_data) {
  struct capture *c = user_data;
  char line[2048];
  snprintf(line, sizeof line, "%s %s: %s", level_name(level), target, message);
  pthread_mutex_lock(&c->lock);
  capture_append(c, line);
  c->records++;
  if ((int)level >= 1 && (int)level <= 5) c->per_level[level]++;
  pthread_mutex_unlock(&c->lock);
}

/* Everything an error has to say, into the capture; then the error is released. */
static void capture_error(struct capture *c, nevis_error *err) {
  if (err == NULL) return;
  pthread_mutex_lock(&c->lock);
  capture_append(c, nevis_error_message(err));
  if (nevis_error_body(err) != NULL) capture_append(c, nevis_error_body(err));
  if (nevis_error_field(err) != NULL) capture_append(c, nevis_error_field(err));
  pthread_mutex_unlock(&c->lock);
  nevis_error_free(err);
}

/* Whether `secret` occurs in `text`. A short secret (an SMS code is six digits) counts only where
 * it stands alone, so a chance match inside a millisecond timestamp or a UUID is not a leak; a
 * leaked code still stands alone ("code 123456", "\"123456\"", "code=123456"). */
static bool leaks(const char *text, const char *secret) {
  size_t n = strlen(secret);
  for (const char *at = text ? strstr(text, secret) : NULL; at != NULL; at = strstr(at + 1, secret)) {
    if (n >= 12) return true;
    bool alone_before = at == text || !isalnum((unsigned char)at[-1]);
    bool alone_after = !isalnum((unsigned char)at[n]);
    if (alone_before && alone_after) return true;
  }
  return false;
}

static bool set_callback(int level, nevis_log_fn fn, void *user_data) {
  return CHECK_OK(nevis_log_set_callback(level, fn, user_data));
}

/* ---- the callback ---- */

static void test_records_arrive_with_level_target_and_fields(void) {
  struct capture c;
  capture_init(&c);
  nevis_client_options opts = sim_options();
  nevis_client *client = new_client(&opts);
  set_callback(NEVIS_LOG_DEBUG, on_record, &c);
  CHECK_OK(nevis_client_ping(client));
  /* one failed attempt and a retry: a DEBUG "request failed" and an INFO "retrying" */
  sim_fault("{\"method\":\"GET\",\"path\":\"/ping\",\"count\":1,\"fault\":\"status\",\"status\":503}");
  CHECK_OK(nevis_client_ping(client));
  set_callback(0, NULL, NULL);
  CHECK(str_contains(c.text, "DEBUG nevis_authcloud: request completed method=GET path=/ping attempt=1"));
  CHECK(str_contains(c.text,
                     "DEBUG nevis_authcloud: request failed method=GET path=/ping status=503 kind=server attempt=1"));
  CHECK(str_contains(c.text, "INFO nevis_authcloud: retrying method=GET path=/ping attempt=1 kind=server status=503"));
  CHECK(str_contains(c.text, "request completed method=GET path=/ping attempt=2"));

  /* The level filters, and NULL turns logging off. */
  int seen = c.records;
  set_callback(NEVIS_LOG_INFO, on_record, &c);
  CHECK_OK(nevis_client_ping(client));
  CHECK(c.records == seen);
  set_callback(NEVIS_LOG_TRACE, NULL, &c);
  CHECK_OK(nevis_client_ping(client));
  CHECK(c.records == seen);
  if (c.records == 0 || current_failures > 0) fprintf(stderr, "  captured:\n%s", c.text ? c.text : "(nothing)\n");
  nevis_client_free(client);
  capture_free(&c);
}

/* Whether one line of `text` contains every one of the NULL-terminated `pieces`. */
static bool has_line_with(const char *text, const char *const *pieces) {
  for (const char *line = text; line != NULL && *line != '\0';) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    bool all = true;
    for (const char *const *piece = pieces; *piece != NULL && all; piece++) {
      const char *at = strstr(line, *piece);
      all = at != NULL && at < line + n;
    }
    if (all) return true;
    line = end ? end + 1 : NULL;
  }
  return false;
}

#define HAS_LINE(text, ...) has_line_with((text), (const char *const[]){__VA_ARGS__, NULL})

static void test_spans_of_calls_and_attempts(void) {
  static const char *unknown_id = "00000000-0000-4000-8000-000000000000";
  struct capture c;
  capture_init(&c);
  nevis_client_options opts = sim_options();
  nevis_client *client = new_client(&opts);
  set_callback(NEVIS_LOG_DEBUG, on_record, &c);
  /* A success: the call span is named after the operation, with OpenTelemetry HTTP fields. */
  CHECK_OK(nevis_client_ping(client));
  CHECK(HAS_LINE(
      c.text,
      "DEBUG nevis_authcloud: span start nevis.ping http.request.method=GET url.template=/ping server.address="));
  CHECK(HAS_LINE(c.text, "span end nevis.ping ", "http.response.status_code=200", "nevis.attempts=1", "duration_ms="));
  CHECK(HAS_LINE(c.text, "span end nevis.attempt ", "url.template=/ping", "nevis.attempt=1",
                 "http.request.resend_count=0"));
  /* A 404: the error kind as error.type; the route as its template, never the id. */
  nevis_error *err = nevis_client_get_user(client, unknown_id, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_NOT_FOUND);
  nevis_error_free(err);
  CHECK(HAS_LINE(c.text, "span end nevis.get_user ", "url.template=/api/v1/users/{userId}",
                 "http.response.status_code=404", "error.type=not_found"));
  CHECK(!str_contains(c.text, unknown_id));
  /* A retried 503: two attempts in one call, the first failed with `server`. */
  sim_fault("{\"method\":\"GET\",\"path\":\"/ping\",\"count\":1,\"fault\":\"status\",\"status\":503}");
  CHECK_OK(nevis_client_ping(client));
  set_callback(0, NULL, NULL);
  CHECK(HAS_LINE(c.text, "span end nevis.attempt ", "nevis.attempt=1", "http.response.status_code=503",
                 "error.type=server"));
  CHECK(HAS_LINE(c.text, "span end nevis.attempt ", "nevis.attempt=2", "http.request.resend_count=1",
                 "http.response.status_code=200"));
  CHECK(HAS_LINE(c.text, "span end nevis.ping ", "nevis.attempts=2", "http.response.status_code=200"));
  CHECK(!leaks(c.text, sim_access_key()));
  if (current_failures > 0) fprintf(stderr, "  captured:\n%s", c.text ? c.text : "(nothing)\n");
  nevis_client_free(client);
  capture_free(&c);
}

static void test_bad_levels_are_refused(void) {
  struct capture c;
  capture_init(&c);
  nevis_error *err = nevis_log_set_callback(0, on_record, &c);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_INVALID_ARGUMENT);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "max_level") == 0);
  nevis_error_free(err);
  CHECK_KIND(nevis_log_set_callback(NEVIS_LOG_TRACE + 1, on_record, &c), NEVIS_ERROR_INVALID_ARGUMENT);
  /* Turning logging off needs no level. */
  CHECK_OK(nevis_log_set_callback(-7, NULL, NULL));
  capture_free(&c);
}

struct caller {
  nevis_client *client;
  int failures;
};

static void *ping_repeatedly(void *arg) {
  struct caller *caller = arg;
  for (int i = 0; i < 20; i++) {
    nevis_error *err = nevis_client_ping(caller->client);
    if (err != NULL) caller->failures++;
    nevis_error_free(err);
  }
  return NULL;
}

static void test_callback_changes_while_threads_call(void) {
  struct capture first, second;
  capture_init(&first);
  capture_init(&second);
  nevis_client_options opts = sim_options();
  struct caller caller = {new_client(&opts), 0};
  pthread_t threads[3];
  for (int i = 0; i < 3; i++) CHECK(pthread_create(&threads[i], NULL, ping_repeatedly, &caller) == 0);
  for (int round = 0; round < 30; round++) {
    set_callback(NEVIS_LOG_DEBUG, on_record, round % 2 ? &first : &second);
    if (round % 5 == 0) set_callback(0, NULL, NULL);
    struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
  set_callback(0, NULL, NULL);
  /* Once logging is off, the captures are no longer touched: reading them unlocked is safe. */
  CHECK(caller.failures == 0);
  CHECK(first.records + second.records > 0);
  CHECK(first.per_level[NEVIS_LOG_DEBUG] == first.records && second.per_level[NEVIS_LOG_DEBUG] == second.records);
  nevis_client_free(caller.client);
  capture_free(&first);
  capture_free(&second);
}

/* ---- the secret scan ---- */

static void test_no_secret_in_any_log_line_or_error(void) {
  /* A recognisable key the server refuses, besides the real one. */
  const char *wrong_key = "ak-C-SCAN-never-show-me-5f0c2e91";
  struct capture c;
  capture_init(&c);
  set_callback(NEVIS_LOG_TRACE, on_record, &c);
  nevis_client_options opts = sim_options();
  opts.max_retries = 0;
  nevis_client *client = new_client(&opts);

  /* An intent token, used once and then again (403). */
  char name[64], request[512];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-scan"));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"operation\":\"approve\",\"channels\":[\"push\"]}", name);
  char *intent = NULL;
  CHECK_OK(nevis_client_create_intent(client, request, &intent));
  char *intent_token = json_get(intent, "/token");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  char *approval = NULL;
  CHECK_OK(nevis_client_approve(client, request, intent_token, &approval));
  capture_error(&c, nevis_client_approve(client, request, intent_token, NULL));
  bool active = true;
  capture_error(&c, nevis_client_introspect(client, intent_token, &active, NULL));

  /* A status token: polled, waited on until the wait runs out, and lost in a timeout. */
  char *status_token = NULL;
  CHECK_OK(nevis_json_status_token(approval, &status_token));
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  CHECK_OK(nevis_client_get_status(client, status_token, &status, NULL));
  capture_error(&c, nevis_wait_for_status(client, status_token, 200, 50, &status, NULL));
  nevis_client_options impatient_opts = sim_options();
  impatient_opts.max_retries = 0;
  impatient_opts.request_timeout_ms = 300;
  nevis_client *impatient = new_client(&impatient_opts);
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/status\",\"count\":1,\"fault\":\"delay\",\"ms\":1200}");
  nevis_error *err = nevis_client_get_status(impatient, status_token, &status, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_TIMEOUT);
  capture_error(&c, err);
  /* A truncated answer to the same poll: a decode error. */
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/status\",\"count\":1,\"fault\":\"truncated\"}");
  err = nevis_client_get_status(client, status_token, &status, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_DECODE);
  capture_error(&c, err);

  /* An SMS code: a wrong one first (400), then the right one. */
  char sms_name[64], phone[32], path[96];
  unique_name(sms_name, sizeof sms_name, "c-scan-sms");
  snprintf(phone, sizeof phone, "+4178%07d", (int)(getpid() % 10000000));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"sms\",\"phone\":\"%s\"}", sms_name, phone);
  char *enrolment = NULL, *sms_token = NULL, *sms = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &enrolment));
  char *sms_user = json_get(enrolment, "/userId");
  CHECK_OK(nevis_json_status_token(enrolment, &sms_token));
  snprintf(path, sizeof path, "/phones/%s/last-sms", phone);
  CHECK(sim_control("GET", path, NULL, &sms) == 200);
  char *sms_code = sms ? json_get(sms, "/code") : NULL;
  char verify[512];
  snprintf(verify, sizeof verify, "{\"code\":\"%s9\",\"statusToken\":\"%s\"}", sms_code ? sms_code : "",
           sms_token ? sms_token : "");
  err = nevis_client_verify(client, sms_user, verify, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST);
  capture_error(&c, err);
  snprintf(verify, sizeof verify, "{\"code\":\"%s\",\"statusToken\":\"%s\"}", sms_code ? sms_code : "",
           sms_token ? sms_token : "");
  CHECK_OK(nevis_client_verify(client, sms_user, verify, NULL));
  capture_error(&c, nevis_client_verify(client, sms_user, verify, NULL)); /* used */

  /* A recovery code: used once, then refused. */
  char recovery_name[64];
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"recovery\"}",
           unique_name(recovery_name, sizeof recovery_name, "c-scan-recovery"));
  char *recovery = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &recovery));
  char *recovery_user = json_get(recovery, "/userId");
  char *recovery_code = json_get(recovery, "/recoveryCodes/codes/0");
  snprintf(verify, sizeof verify, "{\"code\":\"%s\",\"channel\":\"recovery\"}", recovery_code ? recovery_code : "");
  CHECK_OK(nevis_client_verify(client, recovery_user, verify, NULL));
  err = nevis_client_verify(client, recovery_user, verify, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST);
  capture_error(&c, err);

  /* The wrong key, on a read and on an approval. */
  nevis_client_options wrong_opts = sim_options();
  wrong_opts.access_key = wrong_key;
  wrong_opts.max_retries = 0;
  nevis_client *wrong = new_client(&wrong_opts);
  err = nevis_client_find_user(wrong, name, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_UNAUTHORIZED || nevis_error_kind(err) == NEVIS_ERROR_FORBIDDEN);
  capture_error(&c, err);
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  capture_error(&c, nevis_client_approve(wrong, request, NULL, NULL));
  /* A client that cannot be made: the key must not be in that message either. */
  wrong_opts.base_url = "http://example.com";
  nevis_client *never = NULL;
  capture_error(&c, nevis_client_new(&wrong_opts, &never));
  CHECK(never == NULL);
  set_callback(0, NULL, NULL);

  /* Every secret really was in play, the capture is not empty, and no secret is in it. */
  const char *secrets[][2] = {
      {"the access key", sim_access_key()}, {"the wrong access key", wrong_key}, {"the intent token", intent_token},
      {"the status token", status_token},   {"the SMS status token", sms_token}, {"the SMS code", sms_code},
      {"the recovery code", recovery_code},
  };
  CHECK(leaks("bad code=123456.", "123456") && !leaks("ts 1795123456076", "123456")); /* the scanner works */
  CHECK(c.text != NULL && c.records > 0);
  CHECK(c.per_level[NEVIS_LOG_DEBUG] > 0);
  CHECK(str_contains(c.text, "request completed method=POST path=/api/v1/status"));
  CHECK(str_contains(c.text, "request failed method=POST path=/api/v1/users/"));
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
    const char *what = secrets[i][0], *secret = secrets[i][1];
    if (secret == NULL || strlen(secret) < 6) {
      fprintf(stderr, "  %s was not in play (%s)\n", what, secret ? "too short to scan for" : "missing");
      current_failures++;
    } else if (leaks(c.text, secret)) {
      fprintf(stderr, "  %s appears in the captured logs or errors\n", what);
      current_failures++;
    }
  }
  if (current_failures > 0) fprintf(stderr, "  captured %d records:\n%s", c.records, c.text ? c.text : "");

  nevis_client_free(wrong);
  nevis_string_free(recovery_code);
  nevis_string_free(recovery_user);
  nevis_string_free(recovery);
  nevis_string_free(sms_code);
  free(sms);
  nevis_string_free(sms_token);
  nevis_string_free(sms_user);
  nevis_string_free(enrolment);
  nevis_client_free(impatient);
  nevis_string_free(status_token);
  nevis_string_free(approval);
  nevis_string_free(intent_token);
  nevis_string_free(intent);
  nevis_string_free(user_id);
  nevis_client_free(client);
  capture_free(&c);
}

void logging_tests(void) {
  run_test("log callback: records arrive with level, target and fields",
           test_records_arrive_with_level_target_and_fields);
  run_test("log callback: spans of calls and attempts, with OpenTelemetry fields", test_spans_of_calls_and_attempts);
  run_test("log callback: bad levels are refused", test_bad_levels_are_refused);
  run_test("log callback: changed while other threads call", test_callback_changes_while_threads_call);
  run_test("secret scan: no key, token or code in any log line or error text", test_no_secret_in_any_log_line_or_error);
}
