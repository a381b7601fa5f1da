/*
 * Every operation of the client through a real HTTP round trip to the simulator: enrolment and
 * approval on each channel, status polling and waiting, intent tokens, introspection, users,
 * authenticators, the log export and the FIDO2 ceremonies.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static nevis_client *client;

static void test_ping(void) {
  CHECK_OK(nevis_client_ping(client));
  CHECK(strcmp(nevis_version(), "0.1.0") == 0);
}

static void test_app_enrolment_is_pending_until_the_phone_confirms(void) {
  char name[64], request[256];
  unique_name(name, sizeof name, "c-enrol");
  snprintf(request, sizeof request, "{\"username\":\"%s\"}", name);
  char *json = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &json));
  char *qr = json_get(json, "/enrollment/qrCode/dataUri");
  CHECK(str_contains(qr, "data:image/png;base64,"));
  char *token = NULL, *transaction = NULL;
  CHECK_OK(nevis_json_status_token(json, &token));
  CHECK_OK(nevis_json_transaction_id(json, &transaction));
  nevis_status status = NEVIS_STATUS_SUCCEEDED;
  char *status_json = NULL;
  CHECK_OK(nevis_client_get_status(client, token, &status, &status_json));
  CHECK(status == NEVIS_STATUS_PENDING);
  char *wire = json_get(status_json, "/status");
  CHECK(wire != NULL && strcmp(wire, "pending") == 0);
  sim_accept(transaction);
  CHECK_OK(nevis_client_get_status(client, token, &status, NULL));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);
  char *user = NULL;
  CHECK_OK(nevis_client_find_user(client, name, &user));
  char *user_status = json_get(user, "/status");
  CHECK(user_status != NULL && strcmp(user_status, "active") == 0);
  nevis_string_free(user_status);
  nevis_string_free(user);
  nevis_string_free(wire);
  nevis_string_free(status_json);
  nevis_string_free(transaction);
  nevis_string_free(token);
  nevis_string_free(qr);
  nevis_string_free(json);
}

static void test_push_approval_accept_wait_and_introspect(void) {
  char name[64], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-push"));
  snprintf(request, sizeof request,
           "{\"username\":\"%s\",\"channel\":\"push\",\"prompt\":true,\"message\":\"Pay CHF 10 to Bob?\"}", name);
  char *approval = NULL;
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  char *token = NULL, *transaction = NULL;
  CHECK_OK(nevis_json_status_token(approval, &token));
  CHECK_OK(nevis_json_transaction_id(approval, &transaction));
  sim_accept(transaction);
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  char *status_json = NULL;
  CHECK_OK(nevis_wait_for_status(client, token, 10000, 50, &status, &status_json));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);
  char *result = json_get(status_json, "/token");
  char *who = json_get(status_json, "/userId");
  CHECK(result != NULL && who != NULL && user_id != NULL && strcmp(who, user_id) == 0);
  bool active = false;
  char *introspection = NULL;
  CHECK_OK(nevis_client_introspect(client, result, &active, &introspection));
  CHECK(active);
  char *scope = json_get(introspection, "/scope");
  CHECK(scope != NULL && strcmp(scope, "transaction") == 0);
  CHECK_OK(nevis_client_introspect(client, "not-a-real-token", &active, NULL));
  CHECK(!active);
  nevis_string_free(scope);
  nevis_string_free(introspection);
  nevis_string_free(who);
  nevis_string_free(result);
  nevis_string_free(status_json);
  nevis_string_free(transaction);
  nevis_string_free(token);
  nevis_string_free(approval);
  nevis_string_free(user_id);
}

static void test_declined_approval_is_a_failed_status_not_an_error(void) {
  char name[64], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-decline"));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  char *approval = NULL, *token = NULL, *transaction = NULL;
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  CHECK_OK(nevis_json_status_token(approval, &token));
  CHECK_OK(nevis_json_transaction_id(approval, &transaction));
  sim_decline(transaction);
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  CHECK_OK(nevis_wait_for_status(client, token, 10000, 50, &status, NULL));
  CHECK(status == NEVIS_STATUS_FAILED);
  CHECK_OK(nevis_client_get_status(client, "garbage-status-token", &status, NULL));
  CHECK(status == NEVIS_STATUS_UNKNOWN);
  nevis_string_free(transaction);
  nevis_string_free(token);
  nevis_string_free(approval);
  nevis_string_free(user_id);
}

static void test_intent_tokens_for_approve_and_enroll(void) {
  char name[64], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-intent"));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"operation\":\"approve\",\"channels\":[\"push\"]}", name);
  char *intent = NULL;
  CHECK_OK(nevis_client_create_intent(client, request, &intent));
  char *token = json_get(intent, "/token");
  CHECK(token != NULL);
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  CHECK_OK(nevis_client_approve(client, request, token, NULL));
  /* One use only; the error must not quote the token. */
  nevis_error *err = nevis_client_approve(client, request, token, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_FORBIDDEN && nevis_error_status(err) == 403);
  CHECK(!str_contains(nevis_error_message(err), token));
  nevis_error_free(err);
  bool active = true;
  CHECK_OK(nevis_client_introspect(client, token, &active, NULL));
  CHECK(!active);
  /* An intent token sent in the JSON instead of its argument is refused before sending. */
  char smuggled[512];
  snprintf(smuggled, sizeof smuggled, "{\"username\":\"%s\",\"channel\":\"push\",\"intentToken\":\"x\"}", name);
  CHECK_KIND(nevis_client_approve(client, smuggled, NULL, NULL), NEVIS_ERROR_INVALID_ARGUMENT);

  char fresh[64];
  unique_name(fresh, sizeof fresh, "c-intent-new");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"operation\":\"enroll\"}", fresh);
  char *enrol_intent = NULL;
  CHECK_OK(nevis_client_create_intent(client, request, &enrol_intent));
  char *enrol_token = json_get(enrol_intent, "/token");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"app\"}", fresh);
  char *enrolment = NULL;
  CHECK_OK(nevis_client_enroll(client, request, enrol_token, &enrolment));
  char *username = json_get(enrolment, "/username");
  CHECK(username != NULL && strcmp(username, fresh) == 0);
  nevis_string_free(username);
  nevis_string_free(enrolment);
  nevis_string_free(enrol_token);
  nevis_string_free(enrol_intent);
  nevis_string_free(token);
  nevis_string_free(intent);
  nevis_string_free(user_id);
}

static void test_sms_enrolment_and_verification(void) {
  char name[64], request[256], phone[32], path[96];
  unique_name(name, sizeof name, "c-sms");
  snprintf(phone, sizeof phone, "+4179%07d", (int)(getpid() % 10000000));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"sms\",\"phone\":\"%s\"}", name, phone);
  char *enrolment = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &enrolment));
  char *user_id = json_get(enrolment, "/userId");
  char *token = NULL;
  CHECK_OK(nevis_json_status_token(enrolment, &token));
  snprintf(path, sizeof path, "/phones/%s/last-sms", phone);
  char *sms = NULL;
  CHECK(sim_control("GET", path, NULL, &sms) == 200);
  char *code = sms ? json_get(sms, "/code") : NULL;
  CHECK(code != NULL);

  char verify[512];
  snprintf(verify, sizeof verify, "{\"code\":\"000000x\",\"statusToken\":\"%s\"}", token ? token : "");
  nevis_error *err = nevis_client_verify(client, user_id, verify, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST && nevis_error_status(err) == 400);
  CHECK(!str_contains(nevis_error_message(err), token));
  nevis_error_free(err);
  snprintf(verify, sizeof verify, "{\"code\":\"%s\",\"statusToken\":\"%s\"}", code ? code : "", token ? token : "");
  CHECK_OK(nevis_client_verify(client, user_id, verify, NULL));

  /* The same phone again for the same user: 409. */
  CHECK_KIND(nevis_client_enroll(client, request, NULL, NULL), NEVIS_ERROR_CONFLICT);
  nevis_string_free(code);
  free(sms);
  nevis_string_free(token);
  nevis_string_free(user_id);
  nevis_string_free(enrolment);
}

static void test_recovery_codes_work_once(void) {
  char name[64], request[256];
  unique_name(name, sizeof name, "c-recovery");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"recovery\"}", name);
  char *enrolment = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &enrolment));
  char *token = (char *)1;
  CHECK_OK(nevis_json_status_token(enrolment, &token));
  CHECK(token == NULL); /* recovery enrolments have nothing to poll */
  char *user_id = json_get(enrolment, "/userId");
  char *code = json_get(enrolment, "/recoveryCodes/codes/0");
  CHECK(user_id != NULL && code != NULL);
  char verify[256];
  snprintf(verify, sizeof verify, "{\"code\":\"%s\",\"channel\":\"recovery\"}", code ? code : "");
  CHECK_OK(nevis_client_verify(client, user_id, verify, NULL));
  nevis_error *err = nevis_client_verify(client, user_id, verify, NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST);
  CHECK(!str_contains(nevis_error_message(err), code));
  nevis_error_free(err);
  char *user = NULL;
  CHECK_OK(nevis_client_get_user(client, user_id, &user));
  char *remaining = json_get(user, "/recoveryCodes/remaining");
  CHECK(remaining != NULL && strcmp(remaining, "9") == 0);
  nevis_string_free(remaining);
  nevis_string_free(user);
  nevis_string_free(code);
  nevis_string_free(user_id);
  nevis_string_free(enrolment);
}

static void test_fido2_ceremonies(void) {
  char name[64], request[512];
  unique_name(name, sizeof name, "c-fido2");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"fido2\",\"displayName\":\"C Tester\"}", name);
  char *enrolment = NULL, *token = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &enrolment));
  CHECK_OK(nevis_json_status_token(enrolment, &token));
  char *challenge = json_get(enrolment, "/enrollment/credentialCreationOptions/challenge");
  CHECK(challenge != NULL && *challenge != '\0');
  char attestation[1024];
  snprintf(attestation, sizeof attestation,
           "{\"type\":\"public-key\",\"id\":\"Y3JlZGVudGlhbC1j\",\"response\":{\"clientDataJSON\":"
           "\"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0\",\"attestationObject\":\"YXR0ZXN0YXRpb24tb2JqZWN0\"},"
           "\"userFriendlyName\":\"C laptop\",\"statusToken\":\"%s\"}",
           token ? token : "");
  bool ok = false;
  char *result = NULL;
  CHECK_OK(nevis_client_complete_attestation(client, attestation, &ok, &result));
  CHECK(ok);
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  CHECK_OK(nevis_wait_for_status(client, token, 10000, 50, &status, NULL));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);

  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"fido2\"}", name);
  char *approval = NULL, *approval_token = NULL;
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  CHECK_OK(nevis_json_status_token(approval, &approval_token));
  char assertion[1024];
  snprintf(assertion, sizeof assertion,
           "{\"type\":\"public-key\",\"id\":\"Y3JlZGVudGlhbC1j\",\"response\":{\"clientDataJSON\":"
           "\"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0\",\"authenticatorData\":"
           "\"YXV0aGVudGljYXRvci1kYXRhLTM3LWJ5dGVzLWxvbmcuLi4u\",\"signature\":\"c2lnbmF0dXJl\","
           "\"userHandle\":\"dXNlcg\"},\"statusToken\":\"%s\"}",
           approval_token ? approval_token : "");
  char *assertion_result = NULL;
  ok = false;
  CHECK_OK(nevis_client_complete_assertion(client, assertion, &ok, &assertion_result));
  CHECK(ok);
  char *signed_token = json_get(assertion_result, "/token");
  CHECK(signed_token != NULL);
  /* The same ceremony again: the operation is over, so the server rejects it as an answer. */
  ok = true;
  char *again = NULL;
  nevis_error *err = nevis_client_complete_assertion(client, assertion, &ok, &again);
  if (err == NULL) {
    CHECK(!ok);
    char *outcome = json_get(again, "/status");
    CHECK(outcome != NULL && strcmp(outcome, "failed") == 0);
    nevis_string_free(outcome);
  } else {
    CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST);
    nevis_error_free(err);
  }
  nevis_string_free(again);
  nevis_string_free(signed_token);
  nevis_string_free(assertion_result);
  nevis_string_free(approval_token);
  nevis_string_free(approval);
  nevis_string_free(result);
  nevis_string_free(challenge);
  nevis_string_free(token);
  nevis_string_free(enrolment);
}

static void test_users_and_authenticators(void) {
  char name[64];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-users"));
  char *user = NULL;
  CHECK_OK(nevis_client_get_user(client, user_id, &user));
  char *authenticator = json_get(user, "/authenticators/0/authenticatorId");
  CHECK(authenticator != NULL);
  char *renamed = NULL;
  CHECK_OK(nevis_client_rename_authenticator(client, authenticator, "Work phone", &renamed));
  char *new_name = json_get(renamed, "/name");
  CHECK(new_name != NULL && strcmp(new_name, "Work phone") == 0);
  CHECK_OK(nevis_client_delete_authenticator(client, authenticator));
  CHECK_KIND(nevis_client_delete_authenticator(client, authenticator), NEVIS_ERROR_NOT_FOUND);
  CHECK_OK(nevis_client_delete_user(client, user_id));
  CHECK_KIND(nevis_client_get_user(client, user_id, NULL), NEVIS_ERROR_NOT_FOUND);
  CHECK_KIND(nevis_client_find_user(client, name, NULL), NEVIS_ERROR_NOT_FOUND);
  nevis_string_free(new_name);
  nevis_string_free(renamed);
  nevis_string_free(authenticator);
  nevis_string_free(user);
  nevis_string_free(user_id);
}

static void test_aadb2c_lookup(void) {
  const char *object_id = "5e1f4a1c-7b0d-4c1e-9f3a-2b6d8c4e0a17";
  bool exists = true;
  char *json = NULL;
  CHECK_OK(nevis_client_find_aadb2c_user(client, object_id, &exists, &json));
  CHECK(!exists && json != NULL);
  nevis_string_free(json);
  nevis_string_free(active_app_user(client, object_id));
  CHECK_OK(nevis_client_find_aadb2c_user(client, object_id, &exists, &json));
  CHECK(exists);
  char *username = json_get(json, "/username");
  CHECK(username != NULL && strcmp(username, object_id) == 0);
  nevis_string_free(username);
  nevis_string_free(json);
}

static void test_log_export(void) {
  char *csv = NULL;
  size_t len = 0;
  CHECK_OK(nevis_client_export_logs(client, NULL, &csv, &len));
  CHECK(csv != NULL && len > 0 && strlen(csv) == len);
  CHECK(str_contains(csv, "\n"));
  nevis_string_free(csv);
  CHECK_OK(nevis_client_export_logs(client, "{\"timespan\":\"P1D\",\"filter\":\"c-push\"}", &csv, &len));
  CHECK(csv != NULL);
  nevis_string_free(csv);
  CHECK_KIND(
      nevis_client_export_logs(client, "{\"timespan\":\"P1D\",\"fromDate\":\"2020-01-01T00:00:00Z\"}", &csv, &len),
      NEVIS_ERROR_INVALID_REQUEST);
  CHECK(csv == NULL && len == 0);
}

struct cancel_job {
  nevis_cancel *cancel;
};

static void *trigger_later(void *arg) {
  struct cancel_job *job = arg;
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
  nevis_cancel_trigger(job->cancel);
  return NULL;
}

static void test_waits_time_out_and_can_be_cancelled(void) {
  char name[64], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-wait"));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  char *approval = NULL, *token = NULL;
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  CHECK_OK(nevis_json_status_token(approval, &token));

  nevis_status status = NEVIS_STATUS_SUCCEEDED;
  char *json = (char *)1;
  nevis_error *err = nevis_wait_for_status(client, token, 300, 50, &status, &json);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_TIMEOUT);
  CHECK(status == NEVIS_STATUS_UNKNOWN && json == NULL); /* cleared on failure */
  nevis_status last = NEVIS_STATUS_UNKNOWN;
  CHECK(nevis_error_last_status(err, &last) && last == NEVIS_STATUS_PENDING);
  CHECK(!str_contains(nevis_error_message(err), token));
  nevis_error_free(err);

  struct cancel_job job = {NULL};
  CHECK_OK(nevis_cancel_new(&job.cancel));
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, trigger_later, &job) == 0);
  CHECK_KIND(nevis_wait_for_status_cancellable(client, token, 60000, 50, job.cancel, &status, NULL),
             NEVIS_ERROR_CANCELLED);
  pthread_join(thread, NULL);
  /* Once triggered, the switch stops later waits at once. */
  CHECK_KIND(nevis_wait_for_status_cancellable(client, token, 60000, 50, job.cancel, NULL, NULL),
             NEVIS_ERROR_CANCELLED);
  nevis_cancel_free(job.cancel);
  nevis_string_free(token);
  nevis_string_free(approval);
  nevis_string_free(user_id);
}

void flow_tests(void) {
  nevis_client_options opts = sim_options();
  client = new_client(&opts);
  run_test("ping and version", test_ping);
  run_test("app enrolment is pending until the phone confirms", test_app_enrolment_is_pending_until_the_phone_confirms);
  run_test("push approval: accept, wait, introspect", test_push_approval_accept_wait_and_introspect);
  run_test("declined approval is a failed status, not an error",
           test_declined_approval_is_a_failed_status_not_an_error);
  run_test("intent tokens for approve and enroll", test_intent_tokens_for_approve_and_enroll);
  run_test("sms enrolment and verification", test_sms_enrolment_and_verification);
  run_test("recovery codes work once", test_recovery_codes_work_once);
  run_test("fido2 registration and authentication", test_fido2_ceremonies);
  run_test("users and authenticators: get, rename, delete", test_users_and_authenticators);
  run_test("azure ad b2c lookup", test_aadb2c_lookup);
  run_test("log export", test_log_export);
  run_test("waits time out and can be cancelled", test_waits_time_out_and_can_be_cancelled);
  nevis_client_free(client);
  client = NULL;
}
