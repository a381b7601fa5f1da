/*
 * The C soak driver: `workersPerLanguage` threads share one nevis_client (plus a short-timeout
 * client and one with a wrong key) and loop over the scenario mix of tests/soak/mix.json, the
 * same table the Python and Node drivers read, until the time is up. Every SDK call runs under
 * the watchdog and is booked: success, a typed error the scenario asked for, or a failure that
 * ends the scenario (typed: incidental; INTERNAL: untyped). Every string and error the library
 * hands out is released, so the RSS the orchestrator samples shows the library's own behaviour.
 *
 *   soak-c --mix tests/soak/mix.json --seconds 600 --out target/soak/c.json [--seed N]
 *
 * The simulator's address comes from NEVIS_AUTHCLOUD_BASE_URL / NEVIS_AUTHCLOUD_ACCESS_KEY.
 */
#define _POSIX_C_SOURCE 200809L
#include "soak_worker.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct driver D;

/* ---- small helpers ---- */

double now_msf(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

uint64_t rnd(struct worker *w) { /* xorshift64* */
  uint64_t x = w->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  w->rng = x;
  return x * 0x2545F4914F6CDD1DULL;
}
double rnd01(struct worker *w) { return (double)(rnd(w) >> 11) * (1.0 / 9007199254740992.0); }
uint64_t rnd_between(struct worker *w, uint64_t lo, uint64_t hi) {
  return lo + (uint64_t)(rnd01(w) * (double)(hi - lo));
}
int weighted(struct worker *w, const double *weights, size_t stride, int n) {
  double total = 0;
  for (int i = 0; i < n; i++) total += *(const double *)((const char *)weights + stride * (size_t)i);
  double point = rnd01(w) * total;
  for (int i = 0; i < n; i++) {
    point -= *(const double *)((const char *)weights + stride * (size_t)i);
    if (point < 0) return i;
  }
  return n - 1;
}

/* The value at `pointer` of a JSON answer (nevis_string_free), NULL when absent. */
char *jget(const char *json, const char *pointer) {
  char *value = NULL;
  nevis_error *err = nevis_json_get(json ? json : "null", pointer, &value);
  nevis_error_free(err);
  return err ? NULL : value;
}

bool same(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

const char *status_name(nevis_status status) {
  switch (status) {
  case NEVIS_STATUS_PENDING: return "pending";
  case NEVIS_STATUS_SUCCEEDED: return "succeeded";
  case NEVIS_STATUS_FAILED: return "failed";
  case NEVIS_STATUS_OTHER: return "other";
  default: return "unknown";
  }
}

void violation(struct worker *w, const char *scenario, const char *fmt, ...) {
  char what[200];
  va_list args;
  va_start(args, fmt);
  vsnprintf(what, sizeof what, fmt, args);
  va_end(args);
  w->stats.violations++;
  sample_add(&w->stats.violation_s, "w%d %s: %s", w->index, scenario, what);
}

int control_failed(struct worker *w, const char *what, int status) {
  w->stats.control_errors++;
  sample_add(&w->stats.control_s, "%s answered %d", what, status);
  return CONTROL_FAILED;
}

/* ---- calls ---- */

void begin(struct worker *w, enum op op, bool wait) {
  watchdog_enter(w->index, op, wait ? D.wait_bound_ms : D.call_bound_ms);
  w->t0 = now_msf();
}

static void effects(struct worker *w, unsigned bits, int how) {
  for (int e = 0; e < EFFECT_COUNT; e++) {
    if (bits & EFFECT_BIT(e)) w->stats.effects[e][how]++;
  }
}

/* Books the call that began with begin(); releases `err`. */
struct outcome finish(struct worker *w, enum op op, nevis_error *err, struct expect ex) {
  watchdog_leave(w->index);
  struct stats *s = &w->stats;
  hist_add(&s->hist[op], now_msf() - w->t0);
  struct outcome o = {CALL_OK, 0, NEVIS_APPLIED_NO};
  if (err == NULL) {
    s->ok[op]++;
    effects(w, ex.effects, 0);
    return o;
  }
  s->error[op]++;
  enum nevis_error_kind kind = nevis_error_kind(err);
  o.slot = kind_slot(kind);
  if (o.slot < 0 || !slot_is_typed(o.slot)) {
    effects(w, ex.effects, 1);
    s->untyped++;
    sample_add(&s->untyped_s, "%s: [%s] %s", OP_NAMES[op], nevis_error_kind_name(kind), nevis_error_message(err));
    nevis_error_free(err);
    o.status = CALL_ABORT;
    return o;
  }
  o.applied = nevis_error_may_have_been_applied(err);
  if (o.applied != NEVIS_APPLIED_NO) effects(w, ex.effects, 1);
  nevis_error_free(err);
  if (ex.any || (ex.slots & (1u << o.slot))) {
    s->expected[o.slot]++;
    o.status = CALL_EXPECTED;
  } else {
    s->incidental[o.slot]++;
    o.status = CALL_ABORT;
  }
  return o;
}

/* ---- the pool of users this worker enrolled ---- */

void next_name(struct worker *w, const char *what, char *buf, size_t size) {
  w->counter++;
  snprintf(buf, size, "soak-c-w%d-%s-%u", w->index, what, w->counter);
}

struct user *pick_user(struct worker *w, int sms /* -1: any */, bool readable) {
  int found[MAX_POOL], n = 0;
  for (int i = 0; i < w->n_pool; i++) {
    if ((sms < 0 || w->pool[i].sms == (sms == 1)) && !(readable && w->pool[i].burned)) found[n++] = i;
  }
  return n ? &w->pool[found[rnd(w) % (uint64_t)n]] : NULL;
}

struct user take_user(struct worker *w, int i) {
  struct user user = w->pool[i];
  memmove(&w->pool[i], &w->pool[i + 1], sizeof user * (size_t)(w->n_pool - i - 1));
  w->n_pool--;
  return user;
}

void add_user(struct worker *w, const char *username, const char *user_id, bool sms) {
  if (w->n_pool == MAX_POOL) take_user(w, 0);
  struct user *u = &w->pool[w->n_pool++];
  snprintf(u->username, sizeof u->username, "%s", username);
  snprintf(u->user_id, sizeof u->user_id, "%s", user_id);
  u->sms = sms;
  u->burned = false;
}

/* Keeps the pool (and so the simulator's user table) bounded: deletes the oldest users. */
bool make_room(struct worker *w) {
  while (w->n_pool >= D.mix.pool_size) {
    struct user user = take_user(w, 0);
    if (CALL(w, OP_DELETE_USER, false, EXPECT_NONE(0), nevis_client_delete_user(D.normal, user.user_id)).status !=
        CALL_OK) {
      return false;
    }
  }
  return true;
}

int add_fault(struct worker *w, const char *method, const char *path, const char *members) {
  char body[1024];
  snprintf(body, sizeof body, "{\"method\":\"%s\",\"path\":\"%s\",%s", method, path, members);
  int status = sim_control("POST", "/faults", body, NULL);
  return status == 201 ? DONE : control_failed(w, "adding a fault", status);
}

/* ---- the loop ---- */

static void *worker_main(void *arg) {
  struct worker *w = arg;
  while (now_ms() < D.end_at_ms) {
    int sc = weighted(w, D.mix.weights, sizeof(double), SC_COUNT);
    w->stats.scenarios[sc]++;
    if (run_scenario(w, (enum scenario)sc) == ABORTED) w->stats.aborts[sc]++;
    sleep_ms(rnd_between(w, D.mix.think_lo, D.mix.think_hi));
  }
  atomic_store(&w->done, true);
  return NULL;
}

static nevis_client *make_client(const struct client_settings *s, const char *base_url, const char *key) {
  nevis_client_options opts;
  nevis_client_options_init(&opts);
  opts.base_url = base_url;
  opts.access_key = key;
  opts.request_timeout_ms = s->request_timeout_ms;
  opts.connect_timeout_ms = s->connect_timeout_ms;
  opts.deadline_ms = s->deadline_ms;
  opts.max_retries = s->max_retries;
  opts.retry_initial_backoff_ms = s->backoff_initial_ms;
  opts.retry_max_backoff_ms = s->backoff_max_ms;
  opts.app_info = "soak-c/1.0";
  nevis_client *client = NULL;
  nevis_error *err = nevis_client_new(&opts, &client);
  if (err != NULL) {
    fprintf(stderr, "c driver: nevis_client_new: %s\n", nevis_error_message(err));
    nevis_error_free(err);
    exit(2);
  }
  return client;
}

static uint64_t bound_ms(double ms) { return ms < 1 ? 1 : (uint64_t)ms; }

int main(int argc, char **argv) {
  const char *mix_path = NULL, *out_path = NULL;
  double seconds = 0;
  unsigned seed = (unsigned)(time(NULL) % 100000);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--mix") == 0)
      mix_path = argv[i + 1];
    else if (strcmp(argv[i], "--out") == 0)
      out_path = argv[i + 1];
    else if (strcmp(argv[i], "--seconds") == 0)
      seconds = strtod(argv[i + 1], NULL);
    else if (strcmp(argv[i], "--seed") == 0)
      seed = (unsigned)strtoul(argv[i + 1], NULL, 10);
  }
  const char *base_url = getenv("NEVIS_AUTHCLOUD_BASE_URL"), *key = getenv("NEVIS_AUTHCLOUD_ACCESS_KEY");
  if (mix_path == NULL || out_path == NULL || seconds <= 0 || base_url == NULL || key == NULL) {
    fprintf(stderr,
            "usage: soak-c --mix FILE --seconds N --out FILE [--seed N] (with NEVIS_AUTHCLOUD_BASE_URL/_ACCESS_KEY)\n");
    return 2;
  }
  if (!mix_load(mix_path, &D.mix)) return 2;
  sim_init(base_url);
  D.normal = make_client(&D.mix.normal, base_url, key);
  D.shortc = make_client(&D.mix.shortc, base_url, key);
  D.wrong_key = make_client(&D.mix.normal, base_url, "soak-wrong-key");
  D.call_bound_ms = bound_ms((double)D.mix.normal.deadline_ms + D.mix.margin_ms);
  D.wait_bound_ms = bound_ms((double)(D.mix.wait_timeout_ms + D.mix.normal.deadline_ms) + D.mix.margin_ms);

  int n = D.mix.workers;
  struct worker *workers = calloc((size_t)n, sizeof *workers);
  if (workers == NULL) return 2;
  int64_t started = now_ms();
  D.end_at_ms = started + (int64_t)(seconds * 1000);
  phone_start();
  watchdog_start(n);
  for (int i = 0; i < n; i++) {
    workers[i].index = i;
    workers[i].rng = ((uint64_t)seed * 100 + (uint64_t)i) * 0x9E3779B97F4A7C15ULL | 1;
    pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
  }
  /* Wait for the workers, but never forever: a worker stuck in a call is already a hang. */
  int64_t give_up = D.end_at_ms + 3 * (int64_t)D.wait_bound_ms;
  int unfinished = n;
  while (unfinished > 0 && now_ms() < give_up) {
    sleep_ms(200);
    unfinished = 0;
    for (int i = 0; i < n; i++) unfinished += !atomic_load(&workers[i].done);
  }
  if (unfinished == 0) {
    for (int i = 0; i < n; i++) pthread_join(workers[i].thread, NULL);
  }
  struct run_info info = {.out_path = out_path, .seed = seed, .workers = n, .unfinished_workers = unfinished};
  phone_stop(&info.phone_actions, &info.phone_errors);
  info.hangs = watchdog_stop(&info.hang_samples);
  info.duration_s = (double)(now_ms() - started) / 1000.0;
  struct stats *total = calloc(1, sizeof *total);
  if (total == NULL) return 2;
  for (int i = 0; i < n; i++) stats_merge(total, &workers[i].stats);
  bool written = report_write(total, &info);
  uint64_t calls = 0;
  for (int op = 0; op < OP_COUNT; op++) calls += total->ok[op] + total->error[op];
  fprintf(stderr, "c driver: %llu calls, %llu untyped, %llu hangs\n", (unsigned long long)calls,
          (unsigned long long)total->untyped, (unsigned long long)info.hangs);
  if (!written) {
    fprintf(stderr, "c driver: cannot write %s\n", out_path);
    return 2;
  }
  if (unfinished > 0) _exit(0); /* a stuck worker cannot be joined; the report counts it */
  nevis_client_free(D.normal);
  nevis_client_free(D.shortc);
  nevis_client_free(D.wrong_key);
  free(total);
  free(workers);
  return 0;
}
