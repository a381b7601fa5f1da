/*
 * The C boundary itself: NULL and non-UTF-8 arguments on every entry point, JSON that is not the
 * documented shape, out-parameters cleared on failure, NULL-tolerant accessors and destructors,
 * and many threads sharing one client.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static nevis_client *client;
static const char *bad_utf8 = "caf\xc3\x28-user"; /* an invalid two-byte sequence */
static const char *some_id = "00000000-0000-4000-8000-000000000000";

/* The error must be INVALID_ARGUMENT naming `argument`. */
#define CHECK_ARG(call, argument) check_argument(__LINE__, (call), (argument))
static void check_argument(int line, nevis_error *err, const char *argument) {
  bool ok = nevis_error_kind(err) == NEVIS_ERROR_INVALID_ARGUMENT && nevis_error_field(err) != NULL &&
            strcmp(nevis_error_field(err), argument) == 0 && nevis_error_status(err) == 0;
  if (!ok) {
    fprintf(stderr, "  line %d: expected invalid_argument for %s, got %s (%s)\n", line, argument,
            nevis_error_kind_name(nevis_error_kind(err)), nevis_error_message(err));
    current_failures++;
  }
  nevis_error_free(err);
}

static void test_null_client_everywhere(void) {
  const char *app = "{\"username\":\"x\"}";
  CHECK_ARG(nevis_client_ping(NULL), "client");
  CHECK_ARG(nevis_client_enroll(NULL, app, NULL, NULL), "client");
  CHECK_ARG(nevis_client_approve(NULL, app, NULL, NULL), "client");
  CHECK_ARG(nevis_client_get_status(NULL, "t", NULL, NULL), "client");
  CHECK_ARG(nevis_wait_for_status(NULL, "t", 1, 1, NULL, NULL), "client");
  CHECK_ARG(nevis_wait_for_status_cancellable(NULL, "t", 1, 1, NULL, NULL, NULL), "client");
  CHECK_ARG(nevis_client_verify(NULL, some_id, "{\"code\":\"1\"}", NULL), "client");
  CHECK_ARG(nevis_client_create_intent(NULL, "{}", NULL), "client");
  CHECK_ARG(nevis_client_introspect(NULL, "t", NULL, NULL), "client");
  CHECK_ARG(nevis_client_get_user(NULL, some_id, NULL), "client");
  CHECK_ARG(nevis_client_find_user(NULL, "x", NULL), "client");
  CHECK_ARG(nevis_client_delete_user(NULL, some_id), "client");
  CHECK_ARG(nevis_client_find_aadb2c_user(NULL, some_id, NULL, NULL), "client");
  CHECK_ARG(nevis_client_rename_authenticator(NULL, some_id, "n", NULL), "client");
  CHECK_ARG(nevis_client_delete_authenticator(NULL, some_id), "client");
  CHECK_ARG(nevis_client_export_logs(NULL, NULL, NULL, NULL), "client");
  CHECK_ARG(nevis_client_complete_attestation(NULL, "{}", NULL, NULL), "client");
  CHECK_ARG(nevis_client_complete_assertion(NULL, "{}", NULL, NULL), "client");
}

static void test_null_arguments_are_named(void) {
  CHECK_ARG(nevis_client_enroll(client, NULL, NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_approve(client, NULL, NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_get_status(client, NULL, NULL, NULL), "status_token");
  CHECK_ARG(nevis_wait_for_status(client, NULL, 1, 1, NULL, NULL), "status_token");
  CHECK_ARG(nevis_client_verify(client, NULL, "{\"code\":\"1\"}", NULL), "user_id");
  CHECK_ARG(nevis_client_verify(client, some_id, NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_create_intent(client, NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_introspect(client, NULL, NULL, NULL), "token");
  CHECK_ARG(nevis_client_get_user(client, NULL, NULL), "user_id");
  CHECK_ARG(nevis_client_find_user(client, NULL, NULL), "username");
  CHECK_ARG(nevis_client_delete_user(client, NULL), "user_id");
  CHECK_ARG(nevis_client_find_aadb2c_user(client, NULL, NULL, NULL), "object_id");
  CHECK_ARG(nevis_client_rename_authenticator(client, NULL, "n", NULL), "authenticator_id");
  CHECK_ARG(nevis_client_rename_authenticator(client, some_id, NULL, NULL), "name");
  CHECK_ARG(nevis_client_delete_authenticator(client, NULL), "authenticator_id");
  CHECK_ARG(nevis_client_complete_attestation(client, NULL, NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_complete_assertion(client, NULL, NULL, NULL), "request_json");
  CHECK_ARG(nevis_json_get(NULL, "/a", NULL), "json");
  CHECK_ARG(nevis_json_get("{}", NULL, NULL), "pointer");
  CHECK_ARG(nevis_json_status_token(NULL, NULL), "response_json");
  CHECK_ARG(nevis_json_transaction_id(NULL, NULL), "response_json");
  CHECK_ARG(nevis_cancel_new(NULL), "out");
  nevis_client *made = NULL;
  CHECK_ARG(nevis_client_new(NULL, &made), "opts");
  nevis_client_options opts = sim_options();
  CHECK_ARG(nevis_client_new(&opts, NULL), "out");
  CHECK(made == NULL);
}

/* Options must come from nevis_client_options_init(): its struct_size lets the library tell
 * which version of the struct a program was built with. */
static void test_options_not_from_init_are_refused(void) {
  nevis_client_options zeroed;
  memset(&zeroed, 0, sizeof zeroed);
  nevis_client *made = NULL;
  nevis_error *err = nevis_client_new(&zeroed, &made);
  CHECK(str_contains(nevis_error_message(err), "nevis_client_options_init"));
  check_argument(__LINE__, err, "opts"); /* frees err */

  nevis_client_options newer = sim_options();
  newer.struct_size = sizeof newer + 8; /* as a program built against a later header would say */
  err = nevis_client_new(&newer, &made);
  CHECK(str_contains(nevis_error_message(err), "newer nevis_authcloud.h"));
  check_argument(__LINE__, err, "opts"); /* frees err */
  CHECK(made == NULL);

  nevis_client_options from_init;
  nevis_client_options_init(&from_init);
  CHECK(from_init.struct_size == sizeof from_init);
}

static void test_invalid_utf8_is_refused_without_echo(void) {
  char request[128];
  snprintf(request, sizeof request, "{\"username\":\"%s\"}", bad_utf8);
  CHECK_ARG(nevis_client_find_user(client, bad_utf8, NULL), "username");
  CHECK_ARG(nevis_client_enroll(client, request, NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_approve(client, "{\"username\":\"a\",\"channel\":\"push\"}", bad_utf8, NULL), "intent_token");
  CHECK_ARG(nevis_client_introspect(client, bad_utf8, NULL, NULL), "token");
  CHECK_ARG(nevis_client_get_status(client, bad_utf8, NULL, NULL), "status_token");
  CHECK_ARG(nevis_client_export_logs(client, bad_utf8, NULL, NULL), "query_json");
  nevis_error *err = nevis_client_get_user(client, bad_utf8, NULL);
  CHECK(str_contains(nevis_error_message(err), "UTF-8"));
  CHECK(!str_contains(nevis_error_message(err), "-user"));
  nevis_error_free(err);
  nevis_client_options opts = sim_options();
  opts.access_key = bad_utf8;
  nevis_client *made = NULL;
  CHECK_ARG(nevis_client_new(&opts, &made), "access_key");
  opts = sim_options();
  opts.base_url = bad_utf8;
  CHECK_ARG(nevis_client_new(&opts, &made), "base_url");
  CHECK(made == NULL);
}

static void test_json_that_is_not_the_documented_shape(void) {
  CHECK_ARG(nevis_client_enroll(client, "{\"username\": ", NULL, NULL), "request_json");
  CHECK_ARG(nevis_client_enroll(client, "[1,2]", NULL, NULL), "request_json");
  /* A good JSON object with a bad member is a bad request naming the member, not a bad argument. */
  nevis_error *err = nevis_client_create_intent(client, "{\"username\":\"a\"}", NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_INVALID_REQUEST);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "operation") == 0);
  nevis_error_free(err);
  err = nevis_client_verify(client, some_id, "{\"code\": 987654321}", NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_INVALID_REQUEST);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "code") == 0);
  CHECK(!str_contains(nevis_error_message(err), "987654321"));
  nevis_error_free(err);
  err = nevis_client_verify(client, some_id, "{\"statusToken\":\"secret-status-token\"}", NULL);
  CHECK(str_contains(nevis_error_message(err), "code: is required"));
  CHECK(!str_contains(nevis_error_message(err), "secret-status-token"));
  nevis_error_free(err);
  CHECK_ARG(nevis_client_verify(client, some_id, "{\"code\":\"1\",\"userId\":\"x\"}", NULL), "request_json");
  CHECK_ARG(nevis_json_get("{}", "no-slash", NULL), "pointer");
  CHECK_ARG(nevis_json_get("not json", "", NULL), "json");
}

static void test_out_parameters_and_accessors(void) {
  char *json = (char *)1;
  bool active = true;
  CHECK_KIND(nevis_client_introspect(client, NULL, &active, &json), NEVIS_ERROR_INVALID_ARGUMENT);
  CHECK(json == NULL && !active);
  nevis_status status = NEVIS_STATUS_SUCCEEDED;
  char *status_json = (char *)1;
  CHECK_KIND(nevis_client_get_status(NULL, "t", &status, &status_json), NEVIS_ERROR_INVALID_ARGUMENT);
  CHECK(status == NEVIS_STATUS_UNKNOWN && status_json == NULL);
  size_t len = 99;
  char *csv = (char *)1;
  CHECK_KIND(nevis_client_export_logs(NULL, NULL, &csv, &len), NEVIS_ERROR_INVALID_ARGUMENT);
  CHECK(csv == NULL && len == 0);
  char *value = (char *)1;
  CHECK_OK(nevis_json_get("{\"a\":{\"b\":[1,\"two\",null]}}", "/a/b/1", &value));
  CHECK(value != NULL && strcmp(value, "two") == 0);
  nevis_string_free(value);
  CHECK_OK(nevis_json_get("{\"a\":{\"b\":[1,\"two\",null]}}", "/a/b/0", &value));
  CHECK(value != NULL && strcmp(value, "1") == 0);
  nevis_string_free(value);
  CHECK_OK(nevis_json_get("{\"a\":{\"b\":[1,\"two\",null]}}", "/a/b/2", &value));
  CHECK(value == NULL);
  CHECK_OK(nevis_json_get("{\"a\":1}", "/missing", &value));
  CHECK(value == NULL);

  CHECK(nevis_error_kind(NULL) == NEVIS_ERROR_NONE);
  CHECK(strcmp(nevis_error_message(NULL), "") == 0);
  CHECK(nevis_error_status(NULL) == 0 && nevis_error_body(NULL) == NULL && nevis_error_field(NULL) == NULL);
  CHECK(nevis_error_retry_after_ms(NULL) == -1 && nevis_error_attempts(NULL) == 0);
  CHECK(!nevis_error_is_retryable(NULL) && !nevis_error_last_status(NULL, &status));
  CHECK(strcmp(nevis_error_kind_name(NEVIS_ERROR_NOT_FOUND), "not_found") == 0);
  CHECK(strcmp(nevis_error_kind_name(NEVIS_ERROR_INVALID_ARGUMENT), "invalid_argument") == 0);
  CHECK(strcmp(nevis_error_kind_name(NEVIS_ERROR_INTERNAL), "internal") == 0);
  CHECK(strcmp(nevis_error_kind_name(102), "other") == 0 && strcmp(nevis_error_kind_name(-1), "other") == 0);
  nevis_error_free(NULL);
  nevis_string_free(NULL);
  nevis_client_free(NULL);
  nevis_cancel_free(NULL);
  nevis_cancel_trigger(NULL);
  nevis_client_options_init(NULL);
}

/* ---- threads ---- */

#define THREADS 6
#define ROUNDS 3

struct worker {
  int index;
  const char *username;
  const char *status_token;
  int failures;
};

static void *work(void *arg) {
  struct worker *w = arg;
  for (int round = 0; round < ROUNDS; round++) {
    char *user = NULL;
    nevis_error *err = nevis_client_find_user(client, w->username, &user);
    if (err != NULL || !str_contains(user, w->username)) w->failures++;
    nevis_error_free(err);
    nevis_string_free(user);
    nevis_status status = NEVIS_STATUS_UNKNOWN;
    err = nevis_client_get_status(client, w->status_token, &status, NULL);
    if (err != NULL || status != NEVIS_STATUS_PENDING) w->failures++;
    nevis_error_free(err);
    err = nevis_client_get_user(client, "not-a-uuid", NULL);
    if (nevis_error_kind(err) != NEVIS_ERROR_INVALID_REQUEST) w->failures++;
    nevis_error_free(err);
  }
  return NULL;
}

static void test_threads_share_one_client(void) {
  char name[64], request[128];
  unique_name(name, sizeof name, "c-threads");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"app\"}", name);
  char *enrolment = NULL, *token = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &enrolment));
  CHECK_OK(nevis_json_status_token(enrolment, &token));
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (struct worker){i, name, token ? token : "", 0};
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  int failures = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    failures += workers[i].failures;
  }
  if (failures) fprintf(stderr, "  %d failed calls across %d threads\n", failures, THREADS);
  CHECK(failures == 0);
  nevis_string_free(token);
  nevis_string_free(enrolment);
}

void safety_tests(void) {
  nevis_client_options opts = sim_options();
  client = new_client(&opts);
  run_test("a NULL client is refused by every operation", test_null_client_everywhere);
  run_test("NULL arguments are refused and named", test_null_arguments_are_named);
  run_test("options not filled by nevis_client_options_init are refused", test_options_not_from_init_are_refused);
  run_test("invalid UTF-8 is refused without echoing it", test_invalid_utf8_is_refused_without_echo);
  run_test("JSON that is not the documented shape", test_json_that_is_not_the_documented_shape);
  run_test("out-parameters are cleared on failure; accessors take NULL", test_out_parameters_and_accessors);
  run_test("threads share one client", test_threads_share_one_client);
  nevis_client_free(client);
  client = NULL;
}
