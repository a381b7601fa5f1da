/*
 * What the C soak driver's worker loop (soak_main.c) and its scenarios (soak_scenarios.c) share:
 * the worker, the driver-wide clients and limits, and the booking of every SDK call.
 */
#ifndef NEVIS_SOAK_WORKER_H
#define NEVIS_SOAK_WORKER_H

#include "soak.h"

#include <pthread.h>

#define PHONE_DIGIT '3' /* the language's digit in generated phone numbers (+4179<digit><worker><counter>) */
#define MAX_POOL 16
#define REQ 2048

/* What a scenario returns. */
enum { DONE, ABORTED, CONTROL_FAILED };

struct user {
  char username[96];
  char user_id[48];
  bool sms;
  bool burned; /* a scoped fault may be left on its GET path: never read it again */
};

struct worker {
  int index;
  uint64_t rng;
  double t0;
  unsigned counter;
  struct user pool[MAX_POOL];
  int n_pool;
  _Atomic bool done;
  pthread_t thread;
  struct stats stats;
};

struct driver {
  struct mix mix;
  nevis_client *normal, *shortc, *wrong_key;
  int64_t end_at_ms;
  uint64_t call_bound_ms, wait_bound_ms;
};
extern struct driver D;

/* ---- booking calls ---- */

enum call_status { CALL_OK, CALL_EXPECTED, CALL_ABORT };
struct outcome {
  enum call_status status;
  int slot; /* the kind slot of the error */
  nevis_applied applied;
};
struct expect {
  uint32_t slots; /* a bit per kind slot the scenario asks for */
  bool any;       /* every typed error is acceptable */
  unsigned effects;
};
#define EXPECT_NONE(effects) ((struct expect){0, false, (effects)})
#define EXPECT_ANY(effects) ((struct expect){0, true, (effects)})
#define EXPECT_KIND(kind, effects) ((struct expect){1u << kind_slot(kind), false, (effects)})

/* Starts the watchdog and the clock for a call. */
void begin(struct worker *w, enum op op, bool wait);
/* Books the call begun with begin() (latency, outcome, side effects) and releases `err`. */
struct outcome finish(struct worker *w, enum op op, nevis_error *err, struct expect ex);
/* begin() is sequenced before `expr` by the comma operator. */
#define CALL(w, op, wait, ex, expr) (begin((w), (op), (wait)), finish((w), (op), (expr), (ex)))

/* ---- helpers ---- */

double now_msf(void);
uint64_t rnd(struct worker *w);
double rnd01(struct worker *w);
uint64_t rnd_between(struct worker *w, uint64_t lo, uint64_t hi);
/* An index into an array of structs whose double weight sits every `stride` bytes. */
int weighted(struct worker *w, const double *weights, size_t stride, int n);
/* The value at `pointer` of a JSON answer (release with nevis_string_free), NULL when absent. */
char *jget(const char *json, const char *pointer);
bool same(const char *a, const char *b);
const char *status_name(nevis_status status);
void violation(struct worker *w, const char *scenario, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int control_failed(struct worker *w, const char *what, int status);

void next_name(struct worker *w, const char *what, char *buf, size_t size);
struct user *pick_user(struct worker *w, int sms /* 1, 0, or -1: any */, bool readable);
struct user take_user(struct worker *w, int i);
void add_user(struct worker *w, const char *username, const char *user_id, bool sms);
bool make_room(struct worker *w);
int add_fault(struct worker *w, const char *method, const char *path, const char *members);

int run_scenario(struct worker *w, enum scenario sc);

#endif
