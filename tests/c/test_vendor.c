/*
 * What the vendor's own clients send, end to end against the simulator: an approval that names no
 * channel (the Azure AD B2C integration; the service approves by push), and the FIDO2 example app
 * for Android's paths with a trailing slash, sent as plain HTTP because the SDK never adds one.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static nevis_client *client;

/* Base64URL without padding, as WebAuthn writes its fields; `out` must hold 4/3 of `in` plus 4. */
static void base64url(const char *in, char *out, size_t out_size) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t len = strlen(in), o = 0;
  for (size_t i = 0; i < len && o + 5 < out_size; i += 3) {
    unsigned long n = (unsigned long)(unsigned char)in[i] << 16;
    if (i + 1 < len) n |= (unsigned long)(unsigned char)in[i + 1] << 8;
    if (i + 2 < len) n |= (unsigned char)in[i + 2];
    out[o++] = alphabet[(n >> 18) & 63];
    out[o++] = alphabet[(n >> 12) & 63];
    if (i + 1 < len) out[o++] = alphabet[(n >> 6) & 63];
    if (i + 2 < len) out[o++] = alphabet[n & 63];
  }
  out[o] = '\0';
}

/* The clientDataJSON a browser or Credential Manager produces for `type` and `challenge`. */
static void client_data(const char *type, const char *challenge, char *out, size_t out_size) {
  char json[512];
  snprintf(json, sizeof json, "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"android:apk-key-hash:example\"}",
           type, challenge ? challenge : "");
  base64url(json, out, out_size);
}

static void test_an_approval_without_a_channel_is_a_push(void) {
  char name[64], request[256];
  char *user_id = active_app_user(client, unique_name(name, sizeof name, "c-b2c"));
  snprintf(request, sizeof request, "{\"username\":\"%s\"}", name);
  char *approval = NULL, *token = NULL, *transaction = NULL;
  CHECK_OK(nevis_client_approve(client, request, NULL, &approval));
  CHECK_OK(nevis_json_status_token(approval, &token));
  CHECK_OK(nevis_json_transaction_id(approval, &transaction));
  CHECK(token != NULL && transaction != NULL);

  char path[128], *operation = NULL;
  snprintf(path, sizeof path, "/operations/%s", transaction ? transaction : "");
  CHECK(sim_control("GET", path, NULL, &operation) == 200);
  CHECK(str_contains(operation, "\"channel\":\"push\""));
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  CHECK_OK(nevis_client_get_status(client, token, &status, NULL));
  CHECK(status == NEVIS_STATUS_PENDING);
  sim_accept(transaction);
  char *status_json = NULL;
  CHECK_OK(nevis_wait_for_status(client, token, 10000, 50, &status, &status_json));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);
  char *who = json_get(status_json, "/userId");
  CHECK(who != NULL && user_id != NULL && strcmp(who, user_id) == 0);

  /* The push rules apply before anything is sent: no user is a refusal naming the field. */
  nevis_error *err = nevis_client_approve(client, "{}", NULL, NULL);
  CHECK(err != NULL && nevis_error_kind(err) == NEVIS_ERROR_INVALID_REQUEST);
  CHECK(str_contains(nevis_error_message(err), "channel push"));
  nevis_error_free(err);

  nevis_string_free(who);
  nevis_string_free(status_json);
  free(operation);
  nevis_string_free(transaction);
  nevis_string_free(token);
  nevis_string_free(approval);
  nevis_string_free(user_id);
}

static void test_the_android_example_apps_trailing_slash_routes(void) {
  const char *key = sim_access_key();
  const char *credential = "Yy12ZW5kb3ItcGl4ZWwtcGFzc2tleQ";
  char name[64], body[2048], data[1024], *answer = NULL;
  unique_name(name, sizeof name, "c-pixel");
  snprintf(body, sizeof body,
           "{\"username\":\"%s\",\"displayName\":\"Pixel User\",\"channel\":\"fido2\",\"fido2Options\":"
           "{\"authenticatorSelection\":{\"residentKey\":\"required\",\"userVerification\":\"required\"}}}",
           name);
  CHECK(sim_http("POST", "/api/v1/users/enroll/", key, NULL, body, &answer) == 200);
  char *user_id = json_get(answer, "/userId");
  char *enrol_token = json_get(answer, "/enrollment/statusToken");
  char *challenge = json_get(answer, "/enrollment/credentialCreationOptions/challenge");
  CHECK(user_id != NULL && enrol_token != NULL && challenge != NULL);
  free(answer);

  client_data("webauthn.create", challenge, data, sizeof data);
  snprintf(body, sizeof body,
           "{\"id\":\"%s\",\"type\":\"public-key\",\"statusToken\":\"%s\",\"response\":{\"clientDataJSON\":\"%s\","
           "\"attestationObject\":\"o2NmbXRkbm9uZQ\"},\"userFriendlyName\":\"Pixel 9\",\"userAgent\":\"Android 15\"}",
           credential, enrol_token ? enrol_token : "", data);
  CHECK(sim_http("POST", "/_app/attestation/result/", NULL, "application/json;charset=utf-8", body, &answer) == 200);
  CHECK(str_contains(answer, "\"status\":\"ok\""));
  free(answer);
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  CHECK_OK(nevis_client_get_status(client, enrol_token, &status, NULL));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);

  snprintf(body, sizeof body,
           "{\"username\":\"%s\",\"channel\":\"fido2\",\"fido2Options\":{\"userVerification\":\"required\"}}", name);
  CHECK(sim_http("POST", "/api/v1/approval/", key, NULL, body, &answer) == 200);
  char *approval_token = json_get(answer, "/statusToken");
  char *get_challenge = json_get(answer, "/credentialRequestOptions/challenge");
  CHECK(approval_token != NULL && get_challenge != NULL);
  free(answer);

  char handle[128];
  base64url(user_id ? user_id : "", handle, sizeof handle);
  client_data("webauthn.get", get_challenge, data, sizeof data);
  snprintf(body, sizeof body,
           "{\"id\":\"%s\",\"type\":\"public-key\",\"statusToken\":\"%s\",\"response\":{\"clientDataJSON\":\"%s\","
           "\"authenticatorData\":\"SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAA\",\"signature\":\"MEUCIQDx\","
           "\"userHandle\":\"%s\"},\"userAgent\":\"Android 15\"}",
           credential, approval_token ? approval_token : "", data, handle);
  CHECK(sim_http("POST", "/_app/assertion/result/", NULL, NULL, body, &answer) == 200);
  CHECK(str_contains(answer, "\"status\":\"ok\""));
  free(answer);
  char *status_json = NULL;
  CHECK_OK(nevis_wait_for_status(client, approval_token, 10000, 50, &status, &status_json));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);
  char *who = json_get(status_json, "/userId");
  CHECK(who != NULL && user_id != NULL && strcmp(who, user_id) == 0);

  nevis_string_free(who);
  nevis_string_free(status_json);
  nevis_string_free(get_challenge);
  nevis_string_free(approval_token);
  nevis_string_free(challenge);
  nevis_string_free(enrol_token);
  nevis_string_free(user_id);
}

void vendor_client_tests(void) {
  nevis_client_options opts = sim_options();
  client = new_client(&opts);
  run_test("an approval without a channel is a push", test_an_approval_without_a_channel_is_a_push);
  run_test("the android example app's trailing-slash routes", test_the_android_example_apps_trailing_slash_routes);
  nevis_client_free(client);
  client = NULL;
}
