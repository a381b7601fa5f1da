/*
 * Hostile servers, from a C host's point of view.
 *
 * An echoing server: the simulator's "echo" fault repeats the Authorization header and the request
 * body in its error answer. The message and nevis_error_body() must show "[redacted]" in place of
 * the access key, the intent and status tokens and the SMS code, the log lines at TRACE must not
 * show them either, and only nevis_error_raw_body() may still hold them.
 *
 * A peer that closes while the SDK is still writing (a 10 MB access key the simulator's HTTP server
 * answers with 431 and a close; a 10 MB body it answers with 413): a C program keeps the default
 * SIGPIPE disposition, under which the signal kills it. The call is made in a forked child that
 * sets SIGPIPE back to SIG_DFL explicitly; the child must end normally with a typed error, and the
 * parent reports a death by signal as a failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* ---- an echoing server ---- */

struct lines {
  pthread_mutex_t lock;
  char *text;
  size_t len;
};

static void on_log(nevis_log_level level, const char *target, const char *message, void *user_data) {
  (void)level;
  struct lines *lines = user_data;
  size_t n = strlen(target) + strlen(message) + 3;
  pthread_mutex_lock(&lines->lock);
  char *bigger = realloc(lines->text, lines->len + n + 1);
  if (bigger != NULL) {
    lines->text = bigger;
    lines->len += (size_t)snprintf(lines->text + lines->len, n + 1, "%s: %s\n", target, message);
  }
  pthread_mutex_unlock(&lines->lock);
}

/* Whether the `len` bytes at `bytes` contain `needle`. */
static bool bytes_contain(const unsigned char *bytes, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t at = 0; bytes != NULL && n <= len && at <= len - n; at++)
    if (memcmp(bytes + at, needle, n) == 0) return true;
  return false;
}

/* `err` echoed `secrets` (NULL-terminated): they are redacted in every text and present in the raw
 * body. Releases `err`. */
static void check_redacted(nevis_error *err, enum nevis_error_kind kind, const char *const *secrets) {
  CHECK(nevis_error_kind(err) == kind);
  const char *message = nevis_error_message(err);
  const char *body = nevis_error_body(err);
  size_t raw_len = 0;
  const unsigned char *raw = nevis_error_raw_body(err, &raw_len);
  CHECK(body != NULL && raw != NULL && raw_len > 0);
  CHECK(str_contains(message, "[redacted]") || str_contains(body, "[redacted]"));
  for (const char *const *secret = secrets; *secret != NULL; secret++) {
    if (str_contains(message, *secret) || str_contains(body, *secret)) {
      fprintf(stderr, "  a secret (%zu chars) is shown: %s | %s\n", strlen(*secret), message, body ? body : "");
      current_failures++;
    }
    CHECK(bytes_contain(raw, raw_len, *secret));
  }
  nevis_error_free(err);
}

static void test_echoed_secrets_are_redacted(void) {
  size_t none = 7;
  CHECK(nevis_error_raw_body(NULL, &none) == NULL && none == 0);
  CHECK(nevis_error_raw_body(NULL, NULL) == NULL);
  struct lines logs = {.text = NULL, .len = 0};
  pthread_mutex_init(&logs.lock, NULL);
  CHECK_OK(nevis_log_set_callback(NEVIS_LOG_TRACE, on_log, &logs));
  nevis_client_options opts = sim_options();
  opts.max_retries = 0;
  nevis_client *client = new_client(&opts);
  const char *intent_token = "eyJhbGciOiJIUzUxMiJ9.Yy1lY2hvLWludGVudA.c2lnbmF0dXJl";
  const char *status_token = "eyJhbGciOiJIUzUxMiJ9.Yy1lY2hvLXN0YXR1cw.c2lnbmF0dXJl";
  const char *user_id = "00000000-0000-4000-8000-00000000c0de";

  /* A 401 repeating the Authorization header: the access key. */
  sim_fault("{\"method\":\"GET\",\"path\":\"/api/v1/users\",\"fault\":\"echo\",\"status\":401,"
            "\"message\":\"bad credential: {authorization}\"}");
  const char *key[] = {sim_access_key(), NULL};
  check_redacted(nevis_client_find_user(client, "ada", NULL), NEVIS_ERROR_UNAUTHORIZED, key);

  /* A 400 quoting the body: the status token and the SMS code, sent with an intent token. */
  char path[96], fault[256];
  snprintf(path, sizeof path, "/api/v1/users/%s/verification", user_id);
  snprintf(
      fault, sizeof fault,
      "{\"method\":\"POST\",\"path\":\"%s\",\"fault\":\"echo\",\"status\":400,\"message\":\"cannot parse {body}\"}",
      path);
  sim_fault(fault);
  char verify[256];
  snprintf(verify, sizeof verify, "{\"code\":\"492817\",\"statusToken\":\"%s\"}", status_token);
  const char *body_secrets[] = {status_token, "492817", NULL};
  check_redacted(nevis_client_verify(client, user_id, verify, intent_token), NEVIS_ERROR_BAD_REQUEST, body_secrets);

  /* A proxy's plain-text 500 passing on the bearer intent token. */
  sim_fault("{\"method\":\"POST\",\"path\":\"/api/v1/approval\",\"fault\":\"echo\",\"status\":500,"
            "\"message\":\"upstream said {authorization}\",\"format\":\"text\"}");
  const char *bearer[] = {intent_token, NULL};
  check_redacted(nevis_client_approve(client, "{\"channel\":\"push\",\"username\":\"ada\"}", intent_token, NULL),
                 NEVIS_ERROR_SERVER, bearer);

  CHECK_OK(nevis_log_set_callback(0, NULL, NULL));
  /* The TRACE record describing each answer is there, redacted. */
  CHECK(str_contains(logs.text, "error answer") && str_contains(logs.text, "[redacted]"));
  const char *everything[] = {sim_access_key(), intent_token, status_token, "code\":\"492817", NULL};
  for (const char *const *secret = everything; *secret != NULL; secret++) {
    if (str_contains(logs.text, *secret)) {
      fprintf(stderr, "  a secret (%zu chars) is in the log lines:\n%s", strlen(*secret), logs.text);
      current_failures++;
    }
  }
  nevis_client_free(client);
  free(logs.text);
  pthread_mutex_destroy(&logs.lock);
}

/* ---- a peer that closes mid-request ---- */

#define HUGE_BYTES (10u * 1024u * 1024u)

/* In the child: one call that sends HUGE_BYTES into a peer that stops reading and closes. Returns
 * the exit status: 0 when the call failed with one of the expected kinds. */
static int call_into_a_closing_peer(bool huge_header) {
  signal(SIGPIPE, SIG_DFL); /* as a C program has it: a write to a closed socket kills */
  char *huge = malloc(HUGE_BYTES + 1);
  if (huge == NULL) return 3;
  memset(huge, 'k', HUGE_BYTES);
  huge[HUGE_BYTES] = '\0';
  nevis_client_options opts = sim_options();
  opts.max_retries = 0;
  nevis_error *err = NULL;
  nevis_client *client = NULL;
  if (huge_header) {
    opts.access_key = huge;
    err = nevis_client_new(&opts, &client);
    if (err == NULL) err = nevis_client_ping(client);
  } else {
    /* A 10 MB request body: the simulator answers 413 once the announced length is over its cap. */
    const char *head = "{\"channel\":\"push\",\"username\":\"ada\",\"padding\":\"";
    memcpy(huge, head, strlen(head));
    strcpy(huge + HUGE_BYTES - 2, "\"}");
    err = nevis_client_new(&opts, &client);
    if (err == NULL) err = nevis_client_approve(client, huge, NULL, NULL);
  }
  enum nevis_error_kind kind = nevis_error_kind(err);
  printf("  child (%s): %s\n", huge_header ? "10 MB header" : "10 MB body", nevis_error_message(err));
  nevis_error_free(err);
  nevis_client_free(client);
  free(huge);
  bool typed =
      kind == NEVIS_ERROR_CONNECTION || kind == NEVIS_ERROR_BAD_REQUEST || kind == NEVIS_ERROR_PAYLOAD_TOO_LARGE;
  return typed ? 0 : 4;
}

/* The child reports its outcome through a pipe rather than its exit status: under valgrind a
 * forked child exits with valgrind's error code for what it inherited and never freed. */
static void check_child_survives(bool huge_header) {
  fflush(stdout);
  fflush(stderr);
  int report[2];
  CHECK(pipe(report) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    close(report[0]);
    char outcome = (char)('0' + call_into_a_closing_peer(huge_header));
    ssize_t written = write(report[1], &outcome, 1);
    _exit(written == 1 ? 0 : 5);
  }
  close(report[1]);
  char outcome = '?';
  ssize_t got = read(report[0], &outcome, 1);
  close(report[0]);
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "  the C host was killed by signal %d%s\n", WTERMSIG(status),
            WTERMSIG(status) == SIGPIPE ? " (SIGPIPE)" : "");
    current_failures++;
  } else if (got != 1 || outcome != '0') {
    fprintf(stderr, "  the child's call did not end with a typed error (outcome %c)\n", got == 1 ? outcome : '?');
    current_failures++;
  }
}

static void test_a_huge_header_into_a_closing_peer(void) { check_child_survives(true); }

static void test_a_huge_body_into_a_closing_peer(void) { check_child_survives(false); }

void hostile_tests(void) {
  printf("# hostile servers\n");
  run_test("an echoing server: secrets redacted in message, body and TRACE logs; raw body kept",
           test_echoed_secrets_are_redacted);
  run_test("default SIGPIPE: a 10 MB header into a peer that answers 431 and closes is an error",
           test_a_huge_header_into_a_closing_peer);
  run_test("default SIGPIPE: a 10 MB body into a peer that answers 413 and closes is an error",
           test_a_huge_body_into_a_closing_peer);
}
