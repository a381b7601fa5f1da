/*
 * The same library over HTTPS: the simulator's CA given as PEM in the options makes calls work;
 * without it the certificate is refused as a TLS error before anything is sent.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void test_calls_over_tls_with_the_ca(void) {
  CHECK(sim_ca_pem() != NULL && strncmp(sim_base_url(), "https://", 8) == 0);
  nevis_client_options opts = sim_options();
  nevis_client *client = new_client(&opts);
  CHECK_OK(nevis_client_ping(client));
  char name[64], request[128];
  unique_name(name, sizeof name, "c-tls");
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"app\"}", name);
  char *enrolment = NULL, *token = NULL;
  CHECK_OK(nevis_client_enroll(client, request, NULL, &enrolment));
  CHECK_OK(nevis_json_status_token(enrolment, &token));
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  CHECK_OK(nevis_client_get_status(client, token, &status, NULL));
  CHECK(status == NEVIS_STATUS_PENDING);
  bool active = false;
  char *introspection = NULL;
  CHECK_OK(nevis_client_introspect(client, token, &active, &introspection));
  char *scope = json_get(introspection, "/scope");
  CHECK(active && scope != NULL && strcmp(scope, "status") == 0);
  char *user = NULL;
  CHECK_OK(nevis_client_find_user(client, name, &user));
  CHECK(str_contains(user, name));
  nevis_string_free(user);
  nevis_string_free(scope);
  nevis_string_free(introspection);
  nevis_string_free(token);
  nevis_string_free(enrolment);
  nevis_client_free(client);
}

static void test_untrusted_certificate_is_a_tls_error(void) {
  nevis_client_options opts = sim_options();
  opts.ca_pem = NULL;
  opts.max_retries = 0;
  nevis_client *client = new_client(&opts);
  nevis_error *err = nevis_client_find_user(client, "anyone", NULL);
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_TLS);
  CHECK(nevis_error_may_have_been_applied(err) == NEVIS_APPLIED_NO);
  CHECK(nevis_error_status(err) == 0);
  CHECK(!str_contains(nevis_error_message(err), sim_access_key()));
  nevis_error_free(err);
  nevis_client_free(client);
}

static void test_garbage_ca_is_a_config_error(void) {
  nevis_client_options opts = sim_options();
  opts.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  nevis_client *client = NULL;
  CHECK_KIND(nevis_client_new(&opts, &client), NEVIS_ERROR_CONFIG);
  CHECK(client == NULL);
}

void tls_tests(void) {
  run_test("tls: calls work with the simulator's CA", test_calls_over_tls_with_the_ca);
  run_test("kind tls: an untrusted certificate", test_untrusted_certificate_is_a_tls_error);
  run_test("tls: a CA that is not PEM is a config error", test_garbage_ca_is_a_config_error);
}
