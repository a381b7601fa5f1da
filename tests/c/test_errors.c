/*
 * Every error kind, each through the path that really produces it: the simulator's own answers,
 * its injected faults (statuses, delays, dropped connections, broken bodies), a closed port,
 * client-side validation and bad options. TLS failures are in test_tls.c, cancellation in
 * test_flows.c, bad C arguments in test_safety.c; the panic barrier (kind internal) is a Rust unit
 * test (nothing in the API can be made to panic on purpose). The header's enum is checked against
 * the core's list of kinds, and a closed client against calls made before and after it closed.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static nevis_client *client; /* no retries: one fault, one answer */
static char user[64];        /* an active app user */

static const char *unknown_id = "00000000-0000-4000-8000-000000000000";

/* Injects `status` on the next find_user and checks what the caller sees. */
static void expect_status_kind(int status, enum nevis_error_kind kind) {
  char fault[160];
  snprintf(fault, sizeof fault,
           "{\"method\":\"GET\",\"path\":\"/api/v1/users\",\"count\":1,\"fault\":\"status\",\"status\":%d}", status);
  sim_fault(fault);
  nevis_error *err = nevis_client_find_user(client, user, NULL);
  CHECK(err != NULL);
  if (err == NULL) return;
  if (nevis_error_kind(err) != kind)
    fprintf(stderr, "  status %d gave %s: %s\n", status, nevis_error_kind_name(nevis_error_kind(err)),
            nevis_error_message(err));
  CHECK(nevis_error_kind(err) == kind);
  CHECK(nevis_error_status(err) == status);
  CHECK(str_contains(nevis_error_body(err), "\"status\""));
  CHECK(str_contains(nevis_error_message(err), "/api/v1/users"));
  CHECK(nevis_error_attempts(err) == 1);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_NO);
  CHECK(!str_contains(nevis_error_message(err), sim_access_key()));
  nevis_error_free(err);
}

static void test_bad_request(void) {
  expect_status_kind(400, NEVIS_ERROR_BAD_REQUEST);
  /* and a real one: a push to a user without an app */
  char name[64], request[256];
  unique_name(name, sizeof name, "c-noapp");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"recovery\"}", name);
  CHECK_OK(nevis_client_enroll(client, request, NULL, NULL));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  nevis_error *err = nevis_client_approve(client, request, NULL, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST && nevis_error_status(err) == 400);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_NO);
  nevis_error_free(err);
}

static void test_unauthorized(void) { expect_status_kind(401, NEVIS_ERROR_UNAUTHORIZED); }

static void test_forbidden(void) {
  expect_status_kind(403, NEVIS_ERROR_FORBIDDEN);
  /* and a real one: a wrong access key, which must not show up in the error */
  nevis_client_options opts = sim_options();
  opts.access_key = "wrong-access-key-0123456789";
  nevis_client *wrong = new_client(&opts);
  nevis_error *err = nevis_client_find_user(wrong, user, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_FORBIDDEN && nevis_error_status(err) == 403);
  CHECK(!str_contains(nevis_error_message(err), "wrong-access-key"));
  CHECK(!str_contains(nevis_error_body(err), "wrong-access-key"));
  nevis_error_free(err);
  nevis_client_free(wrong);
}

static void test_not_found(void) {
  expect_status_kind(404, NEVIS_ERROR_NOT_FOUND);
  nevis_error *err = nevis_client_get_user(client, unknown_id, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_NOT_FOUND && nevis_error_status(err) == 404);
  nevis_error_free(err);
}

static void test_method_not_allowed(void) { expect_status_kind(405, NEVIS_ERROR_METHOD_NOT_ALLOWED); }
static void test_conflict(void) { expect_status_kind(409, NEVIS_ERROR_CONFLICT); }
static void test_precondition_failed(void) { expect_status_kind(412, NEVIS_ERROR_PRECONDITION_FAILED); }
static void test_payload_too_large(void) { expect_status_kind(413, NEVIS_ERROR_PAYLOAD_TOO_LARGE); }
static void test_unsupported_media_type(void) { expect_status_kind(415, NEVIS_ERROR_UNSUPPORTED_MEDIA_TYPE); }

static void test_rate_limited(void) {
  expect_status_kind(429, NEVIS_ERROR_RATE_LIMITED);
  sim_fault("{\"method\":\"GET\",\"path\":\"/api/v1/"
            "users\",\"count\":1,\"fault\":\"status\",\"status\":429,\"retryAfter\":\"3600\"}");
  nevis_error *err = nevis_client_find_user(client, user, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_RATE_LIMITED);
  CHECK(nevis_error_retry_after_ms(err) == 3600000);
  CHECK(nevis_error_is_retryable(err));
  nevis_error_free(err);
}

static void test_server(void) {
  expect_status_kind(502, NEVIS_ERROR_SERVER);
  /* A 500 to an approval: not re-sent, and the server may have acted. */
  char request[128];
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", user);
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/approval\",\"count\":1,\"fault\":\"status\",\"status\":500}");
  nevis_client_options opts = sim_options();
  nevis_client *retrying = new_client(&opts);
  nevis_error *err = nevis_client_approve(retrying, request, NULL, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_SERVER && nevis_error_status(err) == 500);
  CHECK(nevis_error_attempts(err) == 1);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_UNKNOWN);
  nevis_error_free(err);
  nevis_client_free(retrying);
}

static void test_timeout(void) {
  nevis_client_options opts = sim_options();
  opts.max_retries = 0;
  opts.request_timeout_ms = 300;
  nevis_client *impatient = new_client(&opts);
  sim_fault("{\"method\":\"GET\",\"path\":\"/api/v1/users\",\"count\":1,\"fault\":\"delay\",\"ms\":1500}");
  nevis_error *err = nevis_client_find_user(impatient, user, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_TIMEOUT);
  CHECK(nevis_error_status(err) == 0 && nevis_error_body(err) == NULL);
  CHECK(nevis_error_is_retryable(err));
  nevis_error_free(err);
  nevis_client_free(impatient);
}

static void test_connection(void) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
  nevis_client_options opts = sim_options();
  opts.base_url = url;
  opts.max_retries = 0;
  nevis_client *nowhere = new_client(&opts);
  nevis_error *err = nevis_client_ping(nowhere);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CONNECTION);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_NO);
  nevis_error_free(err);
  nevis_client_free(nowhere);
  /* The simulator drops the connection of an approval: it may have arrived. */
  char request[128];
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", user);
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/approval\",\"count\":1,\"fault\":\"close\"}");
  err = nevis_client_approve(client, request, NULL, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CONNECTION);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_UNKNOWN);
  nevis_error_free(err);
}

static void test_decode(void) {
  char request[128];
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", user);
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/approval\",\"count\":1,\"fault\":\"malformed\"}");
  char *json = (char *)1;
  nevis_error *err = nevis_client_approve(client, request, NULL, &json);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_DECODE);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_YES);
  CHECK(json == NULL);
  nevis_error_free(err);
}

static void test_invalid_request(void) {
  nevis_error *err = nevis_client_get_user(client, "not-a-uuid", NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_INVALID_REQUEST);
  /* The core's rule about the path parameter, named as the C argument it was passed as. */
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "user_id") == 0);
  CHECK(nevis_error_attempts(err) == 0);
  nevis_error_free(err);
  err = nevis_client_enroll(client, "{\"username\":\"bad name!\",\"channel\":\"app\"}", NULL, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_INVALID_REQUEST);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "username") == 0);
  nevis_error_free(err);
}

static void test_config(void) {
  nevis_client *made = (nevis_client *)1;
  nevis_client_options opts = sim_options();
  opts.access_key = NULL;
  nevis_error *err = nevis_client_new(&opts, &made);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CONFIG && made == NULL);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "access_key") == 0);
  nevis_error_free(err);
  opts = sim_options();
  opts.base_url = "http://example.com";
  err = nevis_client_new(&opts, &made);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CONFIG);
  CHECK(!str_contains(nevis_error_message(err), sim_access_key()));
  nevis_error_free(err);
  opts = sim_options();
  opts.instance = "acme";
  CHECK_KIND(nevis_client_new(&opts, &made), NEVIS_ERROR_CONFIG);
  opts = sim_options();
  opts.max_retries = 11;
  CHECK_KIND(nevis_client_new(&opts, &made), NEVIS_ERROR_CONFIG);
}

/* The name each constant of the header stands for. No default: with -Wall -Werror a constant
 * added to the header fails to build this suite until it is listed here. */
static const char *expected_name(enum nevis_error_kind kind) {
  switch (kind) {
  case NEVIS_ERROR_NONE: return "none";
  case NEVIS_ERROR_BAD_REQUEST: return "bad_request";
  case NEVIS_ERROR_UNAUTHORIZED: return "unauthorized";
  case NEVIS_ERROR_FORBIDDEN: return "forbidden";
  case NEVIS_ERROR_NOT_FOUND: return "not_found";
  case NEVIS_ERROR_METHOD_NOT_ALLOWED: return "method_not_allowed";
  case NEVIS_ERROR_CONFLICT: return "conflict";
  case NEVIS_ERROR_PRECONDITION_FAILED: return "precondition_failed";
  case NEVIS_ERROR_UNSUPPORTED_MEDIA_TYPE: return "unsupported_media_type";
  case NEVIS_ERROR_PAYLOAD_TOO_LARGE: return "payload_too_large";
  case NEVIS_ERROR_RATE_LIMITED: return "rate_limited";
  case NEVIS_ERROR_SERVER: return "server";
  case NEVIS_ERROR_TIMEOUT: return "timeout";
  case NEVIS_ERROR_CONNECTION: return "connection";
  case NEVIS_ERROR_TLS: return "tls";
  case NEVIS_ERROR_DECODE: return "decode";
  case NEVIS_ERROR_INVALID_REQUEST: return "invalid_request";
  case NEVIS_ERROR_CONFIG: return "config";
  case NEVIS_ERROR_CANCELLED: return "cancelled";
  case NEVIS_ERROR_CLOSED: return "closed";
  case NEVIS_ERROR_INVALID_ARGUMENT: return "invalid_argument";
  case NEVIS_ERROR_INTERNAL: return "internal";
  }
  return NULL;
}

/* Every kind the core has is a distinct constant of the header with the core's name. */
static void test_every_core_kind_has_a_constant(void) {
  bool seen[128] = {false};
  size_t count = 0;
  for (size_t index = 0;; index++) {
    enum nevis_error_kind kind = nevis_error_kind_at(index);
    if (kind == NEVIS_ERROR_NONE) break;
    count++;
    const char *expected = expected_name(kind);
    if (expected == NULL || strcmp(nevis_error_kind_name(kind), expected) != 0)
      fprintf(stderr, "  core kind %zu is %d (%s), which the header does not name\n", index, (int)kind,
              nevis_error_kind_name(kind));
    CHECK(expected != NULL && strcmp(nevis_error_kind_name(kind), expected) == 0);
    CHECK((int)kind > 0 && (int)kind < 128 && !seen[kind]);
    if ((int)kind > 0 && (int)kind < 128) seen[kind] = true;
  }
  CHECK(count == 20);
  CHECK(seen[NEVIS_ERROR_CLOSED] && seen[NEVIS_ERROR_INTERNAL] && !seen[NEVIS_ERROR_INVALID_ARGUMENT]);
}

static double seconds_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

struct slow_call {
  nevis_client *client;
  nevis_error *err;
};

static void *find_user_slowly(void *argument) {
  struct slow_call *call = argument;
  call->err = nevis_client_find_user(call->client, user, NULL);
  return NULL;
}

/* A call running when the client closes ends at once with `closed`; later calls fail with it
 * without sending; the handle still needs nevis_client_free(). */
static void test_closed(void) {
  nevis_client_options opts = sim_options();
  opts.max_retries = 0;
  struct slow_call call = {new_client(&opts), NULL};
  sim_fault("{\"method\":\"GET\",\"path\":\"/api/v1/users\",\"count\":1,\"fault\":\"delay\",\"ms\":5000}");
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, find_user_slowly, &call) == 0);
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
  nevis_client_close(call.client);
  pthread_join(thread, NULL);
  CHECK(nevis_error_kind(call.err) == NEVIS_ERROR_CLOSED);
  CHECK(seconds_since(&start) < 4.0);
  CHECK(strcmp(nevis_error_kind_name(nevis_error_kind(call.err)), "closed") == 0);
  CHECK(!nevis_error_is_retryable(call.err));
  nevis_error_free(call.err);

  nevis_error *err = nevis_client_ping(call.client);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CLOSED && nevis_error_attempts(err) == 0);
  CHECK(strstr(nevis_error_message(err), "closed") != NULL && nevis_error_field(err) == NULL);
  nevis_error_free(err);
  nevis_client_close(call.client);
  nevis_client_close(NULL);
  nevis_client_free(call.client);
  sim_clear_faults();
}

/* A 503 with Retry-After keeps the wait, like a 429. */
static void test_server_retry_after(void) {
  sim_fault("{\"method\":\"GET\",\"path\":\"/api/v1/"
            "users\",\"count\":1,\"fault\":\"status\",\"status\":503,\"retryAfter\":\"3600\"}");
  nevis_error *err = nevis_client_find_user(client, user, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_SERVER && nevis_error_status(err) == 503);
  CHECK(nevis_error_retry_after_ms(err) == 3600000);
  CHECK(nevis_error_is_retryable(err));
  nevis_error_free(err);
}

void error_tests(void) {
  nevis_client_options opts = sim_options();
  opts.max_retries = 0;
  client = new_client(&opts);
  sim_clear_faults();
  /* one active user every test can address */
  unique_name(user, sizeof user, "c-errors");
  char request[128], *json = NULL, *transaction = NULL, *token = NULL;
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"app\"}", user);
  if (CHECK_OK(nevis_client_enroll(client, request, NULL, &json))) {
    CHECK_OK(nevis_json_transaction_id(json, &transaction));
    sim_accept(transaction);
  }
  nevis_string_free(token);
  nevis_string_free(transaction);
  nevis_string_free(json);

  run_test("kind bad_request", test_bad_request);
  run_test("kind unauthorized", test_unauthorized);
  run_test("kind forbidden (and the wrong key is not shown)", test_forbidden);
  run_test("kind not_found", test_not_found);
  run_test("kind method_not_allowed", test_method_not_allowed);
  run_test("kind conflict", test_conflict);
  run_test("kind precondition_failed", test_precondition_failed);
  run_test("kind payload_too_large", test_payload_too_large);
  run_test("kind unsupported_media_type", test_unsupported_media_type);
  run_test("kind rate_limited with retry-after", test_rate_limited);
  run_test("kind server (an approval is not re-sent)", test_server);
  run_test("kind timeout", test_timeout);
  run_test("kind connection (refused, and dropped mid-approval)", test_connection);
  run_test("kind decode", test_decode);
  run_test("kind invalid_request", test_invalid_request);
  run_test("kind config", test_config);
  run_test("kind closed (a call in flight and calls after nevis_client_close)", test_closed);
  run_test("kind server with retry-after on a 503", test_server_retry_after);
  run_test("every core kind has a constant and name in the header", test_every_core_kind_has_a_constant);
  sim_clear_faults();
  nevis_client_free(client);
  client = NULL;
}
