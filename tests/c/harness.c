/*
 * The harness behind harness.h. The plain HTTP client (control plane and raw API calls) speaks
 * just enough HTTP/1.1 over a loopback socket (Content-Length or chunked answers, Connection: close) to need nothing beyond
 * libc, so `make test` works on any machine with a C compiler.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int current_failures = 0;
static int passed = 0;
static int failed = 0;

void run_test(const char *name, test_fn fn) {
  current_failures = 0;
  fn();
  if (current_failures == 0) {
    passed++;
    printf("ok     %s\n", name);
  } else {
    failed++;
    printf("FAILED %s (%d checks)\n", name, current_failures);
  }
  fflush(stdout);
}

void run_test_with(const char *name, void (*fn)(void *), void *arg) {
  current_failures = 0;
  fn(arg);
  if (current_failures == 0) {
    passed++;
    printf("ok     %s\n", name);
  } else {
    failed++;
    printf("FAILED %s (%d checks)\n", name, current_failures);
  }
  fflush(stdout);
}

int report(void) {
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}

void check_failed(const char *file, int line, const char *what) {
  current_failures++;
  fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, what);
}

bool check_ok_at(const char *file, int line, const char *what, nevis_error *err) {
  if (err == NULL) return true;
  current_failures++;
  fprintf(stderr, "  %s:%d: %s failed: [%s] %s\n", file, line, what, nevis_error_kind_name(nevis_error_kind(err)),
          nevis_error_message(err));
  nevis_error_free(err);
  return false;
}

bool check_kind_at(const char *file, int line, const char *what, nevis_error *err, enum nevis_error_kind kind) {
  bool ok = err != NULL && nevis_error_kind(err) == kind;
  if (!ok) {
    current_failures++;
    fprintf(stderr, "  %s:%d: %s: expected %s, got %s%s%s\n", file, line, what, nevis_error_kind_name(kind),
            err ? nevis_error_kind_name(nevis_error_kind(err)) : "success", err ? ": " : "",
            err ? nevis_error_message(err) : "");
  }
  nevis_error_free(err);
  return ok;
}

bool str_contains(const char *haystack, const char *needle) {
  return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

static char *ca_pem = NULL;
static const char *current_url = "";
static const char *current_key = "";
static const char *current_ca_file = NULL;

void select_sim(const char *base_url, const char *access_key, const char *ca_file) {
  current_url = base_url ? base_url : "";
  current_key = access_key ? access_key : "";
  current_ca_file = ca_file;
  free(ca_pem);
  ca_pem = NULL;
}

const char *sim_base_url(void) { return current_url; }

const char *sim_access_key(void) { return current_key; }

const char *sim_ca_pem(void) {
  const char *path = current_ca_file;
  if (ca_pem != NULL || path == NULL || *path == '\0') return ca_pem;
  FILE *file = fopen(path, "rb");
  if (file == NULL) return NULL;
  size_t cap = 4096, len = 0;
  ca_pem = malloc(cap);
  size_t n;
  while (ca_pem != NULL && (n = fread(ca_pem + len, 1, cap - len - 1, file)) > 0) {
    len += n;
    if (cap - len < 2) {
      char *bigger = realloc(ca_pem, cap * 2);
      if (bigger == NULL) {
        free(ca_pem);
        ca_pem = NULL;
        break;
      }
      ca_pem = bigger;
      cap *= 2;
    }
  }
  fclose(file);
  if (ca_pem != NULL) ca_pem[len] = '\0';
  return ca_pem;
}

nevis_client_options sim_options(void) {
  nevis_client_options opts;
  nevis_client_options_init(&opts);
  opts.base_url = sim_base_url();
  opts.access_key = sim_access_key();
  opts.ca_pem = sim_ca_pem();
  opts.retry_initial_backoff_ms = 5;
  opts.retry_max_backoff_ms = 20;
  opts.app_info = "c-test-suite/1.0";
  return opts;
}

nevis_client *new_client(const nevis_client_options *opts) {
  nevis_client *client = NULL;
  nevis_error *err = nevis_client_new(opts, &client);
  if (err != NULL) {
    fprintf(stderr, "nevis_client_new failed: %s\n", nevis_error_message(err));
    nevis_error_free(err);
    exit(2);
  }
  return client;
}

const char *unique_name(char *buf, size_t size, const char *prefix) {
  static int counter = 0;
  snprintf(buf, size, "%s-%d-%d", prefix, (int)getpid(), ++counter);
  return buf;
}

char *active_app_user(nevis_client *client, const char *username) {
  char request[256];
  snprintf(request, sizeof request, "{\"username\":\"%s\",\"channel\":\"app\"}", username);
  char *json = NULL;
  if (!CHECK_OK(nevis_client_enroll(client, request, NULL, &json))) return NULL;
  char *transaction = NULL, *token = NULL;
  CHECK_OK(nevis_json_transaction_id(json, &transaction));
  CHECK_OK(nevis_json_status_token(json, &token));
  char *user_id = json_get(json, "/userId");
  CHECK(transaction != NULL && token != NULL && user_id != NULL);
  if (transaction != NULL) sim_accept(transaction);
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  if (token != NULL) CHECK_OK(nevis_wait_for_status(client, token, 10000, 50, &status, NULL));
  CHECK(status == NEVIS_STATUS_SUCCEEDED);
  nevis_string_free(transaction);
  nevis_string_free(token);
  nevis_string_free(json);
  return user_id;
}

int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      getsockname(fd, (struct sockaddr *)&addr, &size) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- plain HTTP over a socket: the control plane, and the API as an app calls it ---- */

static bool parse_base(char *host, size_t host_size, int *port) {
  const char *url = sim_base_url();
  const char *prefix = "http://";
  if (strncmp(url, prefix, strlen(prefix)) != 0) return false;
  const char *start = url + strlen(prefix);
  const char *colon = strchr(start, ':');
  if (colon == NULL || (size_t)(colon - start) >= host_size) return false;
  memcpy(host, start, (size_t)(colon - start));
  host[colon - start] = '\0';
  *port = atoi(colon + 1);
  return *port > 0;
}

/* Decodes a chunked body in place. */
static void dechunk(char *body) {
  char *in = body, *out = body;
  for (;;) {
    char *end = NULL;
    long size = strtol(in, &end, 16);
    if (end == in || size <= 0) break;
    char *data = strstr(end, "\r\n");
    if (data == NULL) break;
    data += 2;
    memmove(out, data, (size_t)size);
    out += size;
    in = data + size;
    if (strncmp(in, "\r\n", 2) == 0) in += 2;
  }
  *out = '\0';
}

int sim_control(const char *method, const char *path, const char *json_body, char **out_body) {
  char full[512];
  int len = snprintf(full, sizeof full, "/_sim%s", path);
  if (len <= 0 || (size_t)len >= sizeof full) return 0;
  return sim_http(method, full, NULL, NULL, json_body, out_body);
}

int sim_http(const char *method, const char *path, const char *access_key, const char *content_type,
             const char *json_body, char **out_body) {
  if (out_body) *out_body = NULL;
  char host[64];
  int port = 0;
  if (!parse_base(host, sizeof host, &port)) return 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return 0;
  }
  const char *body = json_body ? json_body : "";
  char authorization[256] = "";
  if (access_key != NULL && (size_t)snprintf(authorization, sizeof authorization, "Authorization: Bearer %s\r\n",
                                             access_key) >= sizeof authorization) {
    close(fd);
    return 0;
  }
  char head[1024];
  int head_len =
      snprintf(head, sizeof head,
               "%s %s HTTP/1.1\r\nHost: %s:%d\r\n%sContent-Type: %s\r\n"
               "Content-Length: %zu\r\nConnection: close\r\n\r\n",
               method, path, host, port, authorization, content_type ? content_type : "application/json", strlen(body));
  if (head_len <= 0 || (size_t)head_len >= sizeof head || write(fd, head, (size_t)head_len) != head_len ||
      write(fd, body, strlen(body)) != (ssize_t)strlen(body)) {
    close(fd);
    return 0;
  }
  size_t cap = 8192, len = 0;
  char *answer = malloc(cap);
  ssize_t n;
  while (answer != NULL && (n = read(fd, answer + len, cap - len - 1)) > 0) {
    len += (size_t)n;
    if (cap - len < 2) {
      char *bigger = realloc(answer, cap * 2);
      if (bigger == NULL) break;
      answer = bigger;
      cap *= 2;
    }
  }
  close(fd);
  if (answer == NULL) return 0;
  answer[len] = '\0';
  int status = 0;
  if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1) status = 0;
  char *payload = strstr(answer, "\r\n\r\n");
  if (out_body != NULL && payload != NULL) {
    *payload = '\0';
    bool chunked = str_contains(answer, "chunked") || str_contains(answer, "Chunked");
    payload += 4;
    if (chunked) dechunk(payload);
    *out_body = strdup(payload);
  }
  free(answer);
  return status;
}

static void act(const char *transaction_id, const char *action) {
  char path[256];
  snprintf(path, sizeof path, "/operations/%s/%s", transaction_id, action);
  int status = sim_control("POST", path, "{}", NULL);
  if (status != 200) fprintf(stderr, "  control plane: %s %s answered %d\n", action, transaction_id, status);
  CHECK(status == 200);
}

void sim_accept(const char *transaction_id) { act(transaction_id, "accept"); }
void sim_decline(const char *transaction_id) { act(transaction_id, "decline"); }

void sim_fault(const char *fault_json) {
  int status = sim_control("POST", "/faults", fault_json, NULL);
  if (status != 201) fprintf(stderr, "  control plane: fault %s answered %d\n", fault_json, status);
  CHECK(status == 201);
}

void sim_clear_faults(void) { CHECK(sim_control("DELETE", "/faults", NULL, NULL) == 204); }

void sim_reset(void) { CHECK(sim_control("POST", "/reset", NULL, NULL) == 204); }

/* A whole number out of JSON by pointer; false when it is missing or not a number. */
static bool json_long(const char *json, const char *pointer, long *out) {
  char *text = json_get(json, pointer);
  char *end = NULL;
  bool ok = text != NULL && *text != '\0' && (*out = strtol(text, &end, 10), *end == '\0');
  nevis_string_free(text);
  return ok;
}

bool sim_read_stats(struct sim_stats *out) {
  memset(out, 0, sizeof *out);
  char *body = NULL;
  int status = sim_control("GET", "/stats", NULL, &body);
  bool ok = status == 200 && body != NULL && json_long(body, "/requests", &out->requests) &&
            json_long(body, "/created/enroll", &out->enroll) && json_long(body, "/created/approval", &out->approval) &&
            json_long(body, "/created/sms", &out->sms) && json_long(body, "/created/intent", &out->intent);
  if (!ok) fprintf(stderr, "  control plane: GET /_sim/stats answered %d: %s\n", status, body ? body : "");
  CHECK(ok);
  free(body);
  return ok;
}

char *json_get(const char *json, const char *pointer) {
  char *value = NULL;
  nevis_error *err = nevis_json_get(json, pointer, &value);
  if (err != NULL) {
    fprintf(stderr, "  nevis_json_get(%s): %s\n", pointer, nevis_error_message(err));
    nevis_error_free(err);
    current_failures++;
  }
  return value;
}

void free_harness(void) { select_sim(NULL, NULL, NULL); }

/* ---- text ---- */

void text_add(struct text *t, const char *format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  int need = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (need > 0 && t->len + (size_t)need + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (t->len + (size_t)need + 1 > cap) cap *= 2;
    char *bigger = realloc(t->data, cap);
    if (bigger == NULL) {
      va_end(again);
      return;
    }
    t->data = bigger;
    t->cap = cap;
  }
  if (need > 0) {
    vsnprintf(t->data + t->len, t->cap - t->len, format, again);
    t->len += (size_t)need;
  }
  va_end(again);
}

void text_add_json_string(struct text *t, const char *value) {
  text_add(t, "\"");
  for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
    if (*c == '"' || *c == '\\')
      text_add(t, "\\%c", *c);
    else if (*c < 0x20)
      text_add(t, "\\u%04x", *c);
    else
      text_add(t, "%c", *c);
  }
  text_add(t, "\"");
}

char *read_whole_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) return NULL;
  struct text t = {NULL, 0, 0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) text_add(&t, "%.*s", (int)n, chunk);
  fclose(file);
  return t.data;
}
