/*
 * The passwordless flow end to end with the C SDK: register a user's Access App, send a push
 * approval, wait for the answer and check the result token.
 *
 * Run it against the local simulator (`make demo` does this), which also plays the user's phone:
 *
 *   NEVIS_AUTHCLOUD_BASE_URL=http://127.0.0.1:PORT NEVIS_AUTHCLOUD_ACCESS_KEY=sim-access-key ./passwordless
 *
 * NEVIS_AUTHCLOUD_CA_FILE may name a PEM file of extra CA certificates (for an HTTPS simulator).
 * Against a real instance set NEVIS_AUTHCLOUD_INSTANCE instead of the base URL, and use the Access
 * App when asked.
 *
 * Build: cc passwordless.c $(pkg-config --cflags --libs nevis_authcloud) -o passwordless
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nevis_authcloud.h>

/* Prints the error, releases it and returns 1 (for `return fail(...)`). */
static int fail(const char *step, nevis_error *err) {
  fprintf(stderr, "[c] %s failed: [%s] %s\n", step, nevis_error_kind_name(nevis_error_kind(err)),
          nevis_error_message(err));
  nevis_error_free(err);
  return 1;
}

/* Reads a whole file (the CA PEM); NULL if it cannot be read. Caller frees. */
static char *read_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) return NULL;
  char *text = NULL;
  long size = -1;
  if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0 &&
      (text = malloc((size_t)size + 1)) != NULL) {
    size_t got = fread(text, 1, (size_t)size, file);
    text[got] = '\0';
  }
  fclose(file);
  return text;
}

/*
 * The simulated phone: POST {base}/_sim/operations/{transactionId}/accept on the simulator's
 * control plane, as a minimal HTTP/1.1 request over a plain socket. Only for a simulator on
 * http://127.0.0.1; anywhere else a real person answers in the Access App.
 */
static int phone_accepts(const char *base_url, const char *transaction_id, const char *what) {
  const char *prefix = "http://127.0.0.1:";
  if (strncmp(base_url, prefix, strlen(prefix)) != 0) {
    printf("[c]    waiting for the user, who %s in the Access App ...\n", what);
    return 0;
  }
  int port = atoi(base_url + strlen(prefix));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char request[512];
  int len = snprintf(request, sizeof request,
                     "POST /_sim/operations/%s/accept HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                     transaction_id, port);
  char answer[64] = {0};
  int ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && len > 0 &&
           write(fd, request, (size_t)len) == len && read(fd, answer, sizeof answer - 1) > 0 &&
           strncmp(answer, "HTTP/1.1 200", 12) == 0;
  if (fd >= 0) close(fd);
  if (!ok) {
    fprintf(stderr, "[c] the simulated phone could not act on %s\n", transaction_id);
    return 1;
  }
  printf("[c]    (simulated phone %s)\n", what);
  return 0;
}

int main(void) {
  const char *base_url = getenv("NEVIS_AUTHCLOUD_BASE_URL");
  const char *instance = getenv("NEVIS_AUTHCLOUD_INSTANCE");
  const char *access_key = getenv("NEVIS_AUTHCLOUD_ACCESS_KEY");
  const char *ca_file = getenv("NEVIS_AUTHCLOUD_CA_FILE");
  if ((base_url == NULL && instance == NULL) || access_key == NULL) {
    fprintf(stderr, "[c] set NEVIS_AUTHCLOUD_BASE_URL (or NEVIS_AUTHCLOUD_INSTANCE) and NEVIS_AUTHCLOUD_ACCESS_KEY\n");
    return 2;
  }
  char *ca_pem = ca_file != NULL && *ca_file != '\0' ? read_file(ca_file) : NULL;

  nevis_client_options opts;
  nevis_client_options_init(&opts);
  opts.base_url = instance ? NULL : base_url;
  opts.instance = instance;
  opts.access_key = access_key;
  opts.ca_pem = ca_pem;
  opts.app_info = "passwordless-example-c/1.0";

  nevis_client *client = NULL;
  nevis_error *err = nevis_client_new(&opts, &client);
  free(ca_pem); /* the client keeps its own copy */
  if (err != NULL) return fail("configuration", err);

  int rc = 1;
  char *enrolment = NULL, *enrol_tx = NULL, *enrol_token = NULL, *qr = NULL, *user_id = NULL;
  char *approval = NULL, *approval_tx = NULL, *approval_token = NULL, *status_json = NULL;
  char *result_token = NULL, *introspection = NULL, *subject = NULL;
  nevis_status status = NEVIS_STATUS_UNKNOWN;

  if ((err = nevis_client_ping(client)) != NULL) {
    rc = fail("ping", err);
    goto done;
  }
  printf("[c] 1. ping: service reachable at %s\n", base_url ? base_url : instance);

  char username[64], request[256];
  snprintf(username, sizeof username, "demo-c-%ld-%d", (long)time(NULL), (int)getpid());
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"app\"}", username);
  if ((err = nevis_client_enroll(client, request, NULL, &enrolment)) != NULL) {
    rc = fail("enrol", err);
    goto done;
  }
  if ((err = nevis_json_transaction_id(enrolment, &enrol_tx)) != NULL ||
      (err = nevis_json_status_token(enrolment, &enrol_token)) != NULL ||
      (err = nevis_json_get(enrolment, "/userId", &user_id)) != NULL ||
      (err = nevis_json_get(enrolment, "/enrollment/qrCode/dataUri", &qr)) != NULL) {
    rc = fail("reading the enrolment", err);
    goto done;
  }
  printf("[c] 2. enrol: user %s (%s) created; show the QR code (%zu bytes)\n", username, user_id, qr ? strlen(qr) : 0);

  if (phone_accepts(base_url ? base_url : "", enrol_tx, "scans the QR code and confirms")) goto done;
  if ((err = nevis_wait_for_status(client, enrol_token, 60000, 200, &status, NULL)) != NULL) {
    rc = fail("waiting for the enrolment", err);
    goto done;
  }
  printf("[c] 3. enrolment status: %s\n", status == NEVIS_STATUS_SUCCEEDED ? "succeeded" : "not succeeded");
  if (status != NEVIS_STATUS_SUCCEEDED) goto done;

  snprintf(request, sizeof request,
           "{\"username\":\"%s\",\"channel\":\"push\",\"prompt\":true,\"message\":\"Log in to Demo Shop?\"}", username);
  if ((err = nevis_client_approve(client, request, NULL, &approval)) != NULL) {
    rc = fail("approve", err);
    goto done;
  }
  if ((err = nevis_json_transaction_id(approval, &approval_tx)) != NULL ||
      (err = nevis_json_status_token(approval, &approval_token)) != NULL) {
    rc = fail("reading the approval", err);
    goto done;
  }
  printf("[c] 4. approve: push sent (transaction %s)\n", approval_tx);

  if (phone_accepts(base_url ? base_url : "", approval_tx, "taps Accept")) goto done;
  if ((err = nevis_wait_for_status(client, approval_token, 60000, 200, &status, &status_json)) != NULL) {
    rc = fail("waiting for the approval", err);
    goto done;
  }
  printf("[c] 5. approval status: %s\n", status == NEVIS_STATUS_SUCCEEDED ? "succeeded" : "not succeeded");
  if (status != NEVIS_STATUS_SUCCEEDED) goto done;

  if ((err = nevis_json_get(status_json, "/token", &result_token)) != NULL) {
    rc = fail("reading the status", err);
    goto done;
  }
  bool active = false;
  if ((err = nevis_client_introspect(client, result_token, &active, &introspection)) != NULL) {
    rc = fail("introspect", err);
    goto done;
  }
  if ((err = nevis_json_get(introspection, "/sub", &subject)) != NULL) {
    rc = fail("reading the introspection", err);
    goto done;
  }
  printf("[c] 6. introspect: transaction token active=%s (subject %s)\n", active ? "true" : "false",
         subject ? subject : "-");
  if (!active) goto done;
  printf("[c] done: %s logged in without a password\n", username);
  rc = 0;

done:
  nevis_string_free(subject);
  nevis_string_free(introspection);
  nevis_string_free(result_token);
  nevis_string_free(status_json);
  nevis_string_free(approval_token);
  nevis_string_free(approval_tx);
  nevis_string_free(approval);
  nevis_string_free(qr);
  nevis_string_free(user_id);
  nevis_string_free(enrol_token);
  nevis_string_free(enrol_tx);
  nevis_string_free(enrolment);
  nevis_client_free(client);
  return rc;
}
