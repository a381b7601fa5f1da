/*
 * Behaviour the API reference documents, seen through the C library: the push message's HTML
 * tags, the FIDO2 registration defaults and a user blocked by the rate limits (which the
 * simulator's control plane, POST /_sim/users/{userId}/rate-limits, plays).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static nevis_client *client;

/* The value at `pointer` equals `expected` (text, or the JSON text of a non-string). */
static bool json_is(const char *json, const char *pointer, const char *expected) {
  char *value = json_get(json, pointer);
  bool same = value != NULL && strcmp(value, expected) == 0;
  if (!same) fprintf(stderr, "  %s is %s, expected %s\n", pointer, value ? value : "(absent)", expected);
  nevis_string_free(value);
  return same;
}

static void test_a_prompt_may_underline_text(void) {
  char name[64], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-underline"));
  snprintf(request, sizeof request,
           "{\"username\":\"%s\",\"channel\":\"push\",\"prompt\":true,"
           "\"message\":\"<html><u>Pay</u> <b>CHF 10</b> to <i>Bob</i>?</html>\"}",
           name);
  char *approval = NULL, *transaction = NULL, *token = NULL;
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  CHECK_OK(nevis_json_transaction_id(approval, &transaction));
  CHECK_OK(nevis_json_status_token(approval, &token));
  if (transaction != NULL) sim_accept(transaction);
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  if (token != NULL) CHECK_OK(nevis_wait_for_status(client, token, 10000, 50, &status, NULL));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);
  nevis_string_free(token);
  nevis_string_free(transaction);
  nevis_string_free(approval);
  nevis_string_free(user_id);
}

static void test_fido2_registration_defaults_and_options(void) {
  char name[64], request[512];
  unique_name(name, sizeof name, "c-fido2-defaults");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"fido2\",\"displayName\":\"Fay\"}", name);
  char *json = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &json));
  const char *selection = "/enrollment/credentialCreationOptions/authenticatorSelection";
  char pointer[160];
  snprintf(pointer, sizeof pointer, "%s/requireResidentKey", selection);
  CHECK(json_is(json, pointer, "true"));
  snprintf(pointer, sizeof pointer, "%s/authenticatorAttachment", selection);
  CHECK(json_is(json, pointer, "platform"));
  snprintf(pointer, sizeof pointer, "%s/userVerification", selection);
  CHECK(json_is(json, pointer, "preferred"));
  CHECK(json_is(json, "/enrollment/credentialCreationOptions/timeout", "10000"));
  CHECK(json_is(json, "/enrollment/credentialCreationOptions/attestation", "direct"));
  nevis_string_free(json);

  unique_name(name, sizeof name, "c-fido2-options");
  snprintf(request, sizeof request,
           "{\"username\":\"%s\",\"channel\":\"fido2\",\"displayName\":\"Gus\",\"fido2Options\":"
           "{\"attestation\":\"none\",\"authenticatorSelection\":{\"authenticatorAttachment\":\"cross-platform\"}}}",
           name);
  json = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &json));
  snprintf(pointer, sizeof pointer, "%s/authenticatorAttachment", selection);
  CHECK(json_is(json, pointer, "cross-platform"));
  snprintf(pointer, sizeof pointer, "%s/requireResidentKey", selection);
  char *absent = json_get(json, pointer);
  CHECK(absent == NULL);
  nevis_string_free(absent);
  CHECK(json_is(json, "/enrollment/credentialCreationOptions/attestation", "none"));
  nevis_string_free(json);
}

static void test_a_user_blocked_by_the_push_rate_limit(void) {
  char name[64], path[160], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-blocked"));
  CHECK(user_id != NULL);
  if (user_id == NULL) return;
  char *user = NULL;
  CHECK_OK(nevis_client_get_user(client, user_id, &user));
  char *none = json_get(user, "/exceededRateLimits");
  CHECK(none == NULL);
  nevis_string_free(none);
  nevis_string_free(user);

  snprintf(path, sizeof path, "/users/%s/rate-limits", user_id);
  CHECK(sim_control("POST", path, "{\"channels\":[\"push\"]}", NULL) == 200);
  user = NULL;
  CHECK_OK(nevis_client_get_user(client, user_id, &user));
  CHECK(json_is(user, "/exceededRateLimits/0", "push"));
  char *second = json_get(user, "/exceededRateLimits/1");
  CHECK(second == NULL);
  nevis_string_free(second);
  nevis_string_free(user);

  struct sim_stats before, after;
  CHECK(sim_read_stats(&before));
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"push\"}", name);
  char *approval = NULL;
  nevis_error *err = nevis_client_approve(client, request, NULL, &approval);
  CHECK(err != NULL && approval == NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_BAD_REQUEST);
  CHECK(nevis_error_status(err) == 400);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_NO);
  CHECK(str_contains(nevis_error_body(err), "push rate limit"));
  nevis_error_free(err);
  CHECK(sim_read_stats(&after) && after.approval == before.approval);

  CHECK(sim_control("DELETE", path, NULL, NULL) == 200);
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  nevis_string_free(approval);
  nevis_string_free(user_id);
}

void documented_api_tests(void) {
  nevis_client_options opts = sim_options();
  client = new_client(&opts);
  run_test("a prompt may underline text", test_a_prompt_may_underline_text);
  run_test("fido2 registration defaults and options", test_fido2_registration_defaults_and_options);
  run_test("a user blocked by the push rate limit", test_a_user_blocked_by_the_push_rate_limit);
  nevis_client_free(client);
  client = NULL;
}
