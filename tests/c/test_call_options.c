/*
 * nevis_call_options and nevis_client_with_options(): a client on the same connection pool with
 * other limits or a cancel switch. A per-call timeout shorter than the client's fires; the new
 * client queues for the pool's one connection instead of opening its own; a cancel switch ends a
 * call in flight with NEVIS_ERROR_CANCELLED (saying the server may have acted) and leaves the pool
 * usable; closing ends a call in flight with NEVIS_ERROR_CLOSED; bad values name their field.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static void pause_ms(long ms) {
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000L * 1000L};
  nanosleep(&pause, NULL);
}

struct background_call {
  nevis_client *client;
  char *username;
  nevis_error *err;
};

/* An approval (its answer delayed by the test's fault) on another thread. */
static void *approve_in_background(void *arg) {
  struct background_call *call = arg;
  char request[160];
  snprintf(request, sizeof request, "{\"channel\":\"push\",\"username\":\"%s\"}", call->username);
  char *answer = NULL;
  call->err = nevis_client_approve(call->client, request, NULL, &answer);
  nevis_string_free(answer);
  return NULL;
}

static void *ping_in_background(void *arg) {
  struct background_call *call = arg;
  call->err = nevis_client_ping(call->client);
  return NULL;
}

static void test_a_shorter_per_call_timeout_fires(void) {
  nevis_client_options opts = sim_options();
  opts.request_timeout_ms = 10000;
  nevis_client *client = new_client(&opts);
  nevis_call_options tight;
  nevis_call_options_init(&tight);
  tight.request_timeout_ms = 300;
  tight.max_retries = 0;
  nevis_client *login = NULL;
  CHECK_OK(nevis_client_with_options(client, &tight, &login));
  sim_fault("{\"method\":\"GET\",\"path\":\"/ping\",\"count\":1,\"fault\":\"delay\",\"ms\":3000}");
  double started = now_ms();
  CHECK_KIND(nevis_client_ping(login), NEVIS_ERROR_TIMEOUT);
  CHECK(now_ms() - started < 2500);
  CHECK_OK(nevis_client_ping(client));
  nevis_client_free(login);
  nevis_client_free(client);
  sim_clear_faults();
}

static void test_the_new_client_shares_the_pool(void) {
  nevis_client_options opts = sim_options();
  opts.max_connections = 1;
  nevis_client *client = new_client(&opts);
  nevis_call_options call_opts;
  nevis_call_options_init(&call_opts);
  call_opts.max_retries = 0;
  nevis_client *view = NULL;
  CHECK_OK(nevis_client_with_options(client, &call_opts, &view));
  sim_fault("{\"method\":\"GET\",\"path\":\"/ping\",\"count\":1,\"fault\":\"delay\",\"ms\":800}");
  struct background_call first = {client, NULL, NULL};
  double started = now_ms();
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, ping_in_background, &first) == 0);
  pause_ms(200);
  /* With a connection of its own this ping would not wait for the delayed one. */
  CHECK_OK(nevis_client_ping(view));
  CHECK(now_ms() - started >= 750);
  pthread_join(thread, NULL);
  CHECK_OK(first.err);
  nevis_client_free(view);
  nevis_client_free(client);
  sim_clear_faults();
}

static void test_cancel_ends_a_call_in_flight_and_the_pool_stays_usable(void) {
  nevis_client_options opts = sim_options();
  nevis_client *client = new_client(&opts);
  char name[64];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-cancel"));
  CHECK(user_id != NULL);
  nevis_cancel *cancel = NULL;
  CHECK_OK(nevis_cancel_new(&cancel));
  nevis_call_options call_opts;
  nevis_call_options_init(&call_opts);
  call_opts.cancel = cancel;
  struct background_call call = {NULL, name, NULL};
  CHECK_OK(nevis_client_with_options(client, &call_opts, &call.client));
  /* The switch's state is shared with the new client: freeing the handle early is allowed. */
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/approval\",\"count\":1,\"fault\":\"delay\",\"ms\":5000}");
  double started = now_ms();
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, approve_in_background, &call) == 0);
  pause_ms(400);
  nevis_cancel_trigger(cancel);
  nevis_cancel_free(cancel);
  pthread_join(thread, NULL);
  CHECK(nevis_error_kind(call.err) == NEVIS_ERROR_CANCELLED);
  CHECK(nevis_error_may_have_been_applied(call.err) == NEVIS_APPLIED_UNKNOWN);
  CHECK(now_ms() - started < 4000);
  nevis_error_free(call.err);
  /* Later calls on the cancelled client fail at once without sending; the pool carries on. */
  nevis_error *err = nevis_client_ping(call.client);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CANCELLED);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_NO);
  nevis_error_free(err);
  CHECK_OK(nevis_client_ping(client));
  nevis_client_free(call.client);
  nevis_client_free(client);
  nevis_string_free(user_id);
  sim_clear_faults();
}

static void test_closing_ends_a_call_in_flight_on_every_client_of_the_pool(void) {
  nevis_client_options opts = sim_options();
  nevis_client *client = new_client(&opts);
  nevis_call_options call_opts;
  nevis_call_options_init(&call_opts);
  call_opts.deadline_ms = 20000;
  struct background_call call = {NULL, NULL, NULL};
  CHECK_OK(nevis_client_with_options(client, &call_opts, &call.client));
  sim_fault("{\"method\":\"GET\",\"path\":\"/ping\",\"count\":1,\"fault\":\"delay\",\"ms\":5000}");
  double started = now_ms();
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, ping_in_background, &call) == 0);
  pause_ms(400);
  nevis_client_close(client);
  pthread_join(thread, NULL);
  CHECK(nevis_error_kind(call.err) == NEVIS_ERROR_CLOSED);
  CHECK(now_ms() - started < 4000);
  nevis_error_free(call.err);
  nevis_client_free(call.client);
  nevis_client_free(client);
  sim_clear_faults();
}

static void test_bad_options_are_refused_naming_the_field(void) {
  nevis_client_options opts = sim_options();
  nevis_client *client = new_client(&opts);
  nevis_client *out = NULL;
  nevis_call_options call_opts;
  nevis_call_options_init(&call_opts);
  call_opts.max_retries = 11;
  nevis_error *err = nevis_client_with_options(client, &call_opts, &out);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CONFIG && out == NULL);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "max_retries") == 0);
  nevis_error_free(err);
  nevis_call_options_init(&call_opts);
  call_opts.retry_non_idempotent = 2;
  err = nevis_client_with_options(client, &call_opts, &out);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "retry_non_idempotent") == 0);
  nevis_error_free(err);
  CHECK_KIND(nevis_client_with_options(client, NULL, &out), NEVIS_ERROR_INVALID_ARGUMENT);
  CHECK_KIND(nevis_client_with_options(NULL, &call_opts, &out), NEVIS_ERROR_INVALID_ARGUMENT);
  nevis_call_options_init(&call_opts);
  CHECK_KIND(nevis_client_with_options(client, &call_opts, NULL), NEVIS_ERROR_INVALID_ARGUMENT);
  nevis_call_options_init(NULL);
  nevis_client_free(client);
}

void call_options_tests(void) {
  run_test("call options: a shorter per-call timeout fires", test_a_shorter_per_call_timeout_fires);
  run_test("call options: the new client shares the pool", test_the_new_client_shares_the_pool);
  run_test("call options: cancel ends a call in flight, the pool stays usable",
           test_cancel_ends_a_call_in_flight_and_the_pool_stays_usable);
  run_test("call options: close ends a call in flight on every client of the pool",
           test_closing_ends_a_call_in_flight_on_every_client_of_the_pool);
  run_test("call options: bad values name their field", test_bad_options_are_refused_naming_the_field);
}
