/*
 * The C soak driver's side of the simulator that is not the SDK: its control plane (plain
 * HTTP/1.1 over a loopback socket with send/receive timeouts, Connection: close, so a stuck
 * simulator can never hang a worker), the simulated phone (one thread accepting or declining
 * operations after a delay, so waits really poll a pending operation), and the watchdog (one
 * thread that notices SDK calls running past their bound).
 */
#define _POSIX_C_SOURCE 200809L
#include "soak.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(uint64_t ms) {
  struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ---- control plane ---- */

static char sim_host[64];
static int sim_port;

void sim_init(const char *base_url) {
  const char *start = strstr(base_url, "://");
  start = start ? start + 3 : base_url;
  const char *colon = strchr(start, ':');
  size_t len = colon ? (size_t)(colon - start) : 0;
  if (len >= sizeof sim_host) len = 0;
  memcpy(sim_host, start, len);
  sim_host[len] = '\0';
  sim_port = colon ? atoi(colon + 1) : 0;
}

static bool send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
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
    if ((size_t)size > strlen(data)) break;
    memmove(out, data, (size_t)size);
    out += size;
    in = data + size;
    if (strncmp(in, "\r\n", 2) == 0) in += 2;
  }
  *out = '\0';
}

int sim_control(const char *method, const char *path, const char *body, char **out_body) {
  if (out_body) *out_body = NULL;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)sim_port);
  if (sim_port <= 0 || inet_pton(AF_INET, sim_host, &addr.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct timeval timeout = {.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const char *payload = body ? body : "";
  char head[512];
  int head_len = snprintf(head, sizeof head,
                          "%s /_sim%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          method, path, sim_host, sim_port, strlen(payload));
  if (head_len <= 0 || (size_t)head_len >= sizeof head || !send_all(fd, head, (size_t)head_len) ||
      !send_all(fd, payload, strlen(payload))) {
    close(fd);
    return -1;
  }
  size_t cap = 8192, len = 0;
  char *answer = malloc(cap);
  ssize_t n = 0;
  while (answer != NULL && (n = recv(fd, answer + len, cap - len - 1, 0)) > 0) {
    len += (size_t)n;
    if (cap - len < 2) {
      char *bigger = realloc(answer, cap * 2);
      if (bigger == NULL) {
        free(answer);
        answer = NULL;
        break;
      }
      answer = bigger;
      cap *= 2;
    }
  }
  close(fd);
  if (answer == NULL || n < 0) { /* n < 0: the receive timed out */
    free(answer);
    return -1;
  }
  answer[len] = '\0';
  int status = -1;
  if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1) status = -1;
  char *payload_start = strstr(answer, "\r\n\r\n");
  if (out_body != NULL && payload_start != NULL) {
    *payload_start = '\0';
    bool chunked = strstr(answer, "chunked") != NULL || strstr(answer, "Chunked") != NULL;
    payload_start += 4;
    if (chunked) dechunk(payload_start);
    *out_body = strdup(payload_start);
  }
  free(answer);
  return status;
}

/* ---- the phone ---- */

#define PHONE_QUEUE 512
struct phone_action {
  int64_t due_ms;
  char transaction_id[64];
  char action[12];
};
static struct phone_action queue[PHONE_QUEUE];
static int queued;
static bool phone_stopping;
static uint64_t phone_actions, phone_errors;
static pthread_mutex_t phone_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t phone_wake;
static pthread_t phone_thread;

static bool act(const char *transaction_id, const char *action) {
  char path[160];
  snprintf(path, sizeof path, "/operations/%s/%s", transaction_id, action);
  return sim_control("POST", path, "{}", NULL) == 200;
}

static void *phone_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&phone_lock);
  for (;;) {
    int next = -1;
    for (int i = 0; i < queued; i++) {
      if (next < 0 || queue[i].due_ms < queue[next].due_ms) next = i;
    }
    if (next < 0 && phone_stopping) break;
    int64_t now = now_ms();
    if (next < 0 || queue[next].due_ms > now) {
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      int64_t wait = next < 0 ? 200 : queue[next].due_ms - now;
      until.tv_sec += (time_t)(wait / 1000);
      until.tv_nsec += (long)(wait % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&phone_wake, &phone_lock, &until);
      continue;
    }
    struct phone_action due = queue[next];
    queue[next] = queue[--queued];
    pthread_mutex_unlock(&phone_lock);
    bool ok = act(due.transaction_id, due.action);
    pthread_mutex_lock(&phone_lock);
    phone_actions++;
    if (!ok) phone_errors++;
  }
  pthread_mutex_unlock(&phone_lock);
  return NULL;
}

void phone_start(void) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&phone_wake, &attr);
  pthread_condattr_destroy(&attr);
  pthread_create(&phone_thread, NULL, phone_main, NULL);
}

void phone_schedule(const char *transaction_id, const char *action, uint64_t delay_ms) {
  pthread_mutex_lock(&phone_lock);
  if (queued == PHONE_QUEUE) { /* cannot happen with the mix's worker counts; act at once then */
    pthread_mutex_unlock(&phone_lock);
    bool ok = act(transaction_id, action);
    pthread_mutex_lock(&phone_lock);
    phone_actions++;
    if (!ok) phone_errors++;
    pthread_mutex_unlock(&phone_lock);
    return;
  }
  struct phone_action *slot = &queue[queued++];
  slot->due_ms = now_ms() + (int64_t)delay_ms;
  snprintf(slot->transaction_id, sizeof slot->transaction_id, "%s", transaction_id);
  snprintf(slot->action, sizeof slot->action, "%s", action);
  pthread_cond_signal(&phone_wake);
  pthread_mutex_unlock(&phone_lock);
}

void phone_stop(uint64_t *actions, uint64_t *errors) {
  pthread_mutex_lock(&phone_lock);
  phone_stopping = true;
  pthread_cond_signal(&phone_wake);
  pthread_mutex_unlock(&phone_lock);
  pthread_join(phone_thread, NULL);
  pthread_cond_destroy(&phone_wake);
  *actions = phone_actions;
  *errors = phone_errors;
}

/* ---- the watchdog ---- */

struct watch_slot {
  _Atomic int64_t started_ms; /* 0: no call in flight */
  _Atomic int64_t bound_ms;
  _Atomic int op;
  _Atomic uint64_t call; /* increments per call, so one hang is counted once */
};
static struct watch_slot *slots;
static int n_slots;
static uint64_t *flagged_call;
static _Atomic bool watch_stopping;
static uint64_t hangs;
static struct samples hang_samples;
static pthread_t watch_thread;

static void watch_scan(void) {
  int64_t now = now_ms();
  for (int w = 0; w < n_slots; w++) {
    int64_t started = atomic_load(&slots[w].started_ms);
    uint64_t call = atomic_load(&slots[w].call);
    int64_t bound = atomic_load(&slots[w].bound_ms);
    if (started != 0 && now - started > bound && flagged_call[w] != call) {
      flagged_call[w] = call;
      hangs++;
      sample_add(&hang_samples, "worker %d %s: still running after %lld ms", w, OP_NAMES[atomic_load(&slots[w].op)],
                 (long long)bound);
    }
  }
}

static void *watch_main(void *arg) {
  (void)arg;
  while (!atomic_load(&watch_stopping)) {
    watch_scan();
    sleep_ms(500);
  }
  return NULL;
}

void watchdog_start(int workers) {
  n_slots = workers;
  slots = calloc((size_t)workers, sizeof *slots);
  flagged_call = calloc((size_t)workers, sizeof *flagged_call);
  if (slots == NULL || flagged_call == NULL) {
    fprintf(stderr, "c driver: out of memory\n");
    exit(2);
  }
  pthread_create(&watch_thread, NULL, watch_main, NULL);
}

void watchdog_enter(int worker, enum op op, uint64_t bound_ms) {
  atomic_store(&slots[worker].op, (int)op);
  atomic_store(&slots[worker].bound_ms, (int64_t)bound_ms);
  atomic_fetch_add(&slots[worker].call, 1);
  atomic_store(&slots[worker].started_ms, now_ms());
}

void watchdog_leave(int worker) { atomic_store(&slots[worker].started_ms, 0); }

uint64_t watchdog_stop(const struct samples **samples) {
  atomic_store(&watch_stopping, true);
  pthread_join(watch_thread, NULL);
  watch_scan();
  *samples = &hang_samples;
  return hangs;
}
