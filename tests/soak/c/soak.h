/*
 * The C soak driver of `make soak` (tests/soak/README.md): worker threads sharing one nevis_client
 * run the scenario mix of tests/soak/mix.json against the simulator, and the driver reports what
 * it observed as JSON, in the same shape as the Python and Node drivers.
 *
 * soak_main.c   the workers and their scenarios
 * soak_stats.c  the mix file, per-worker bookkeeping (constant memory), the JSON report
 * soak_sim.c    the simulator's control plane over a plain socket, the simulated phone, the watchdog
 */
#ifndef NEVIS_SOAK_H
#define NEVIS_SOAK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nevis_authcloud.h"

/* ---- what is counted ---- */

enum op {
  OP_ENROLL,
  OP_APPROVE,
  OP_GET_STATUS,
  OP_WAIT,
  OP_VERIFY,
  OP_CREATE_INTENT,
  OP_INTROSPECT,
  OP_GET_USER,
  OP_FIND_USER,
  OP_DELETE_USER,
  OP_PING,
  OP_COUNT
};
extern const char *const OP_NAMES[OP_COUNT];

/* The scenarios, named as the keys of "weights" in mix.json. */
enum scenario {
  SC_ENROLL_PUSH,
  SC_ENROLL_SMS,
  SC_APPROVE,
  SC_LOOKUP,
  SC_DELETE,
  SC_INTENT,
  SC_API_ERROR,
  SC_FAULT_SCOPED,
  SC_FAULT_SHARED,
  SC_PING,
  SC_COUNT
};
extern const char *const SCENARIO_NAMES[SC_COUNT];

enum effect { EFFECT_ENROLL, EFFECT_APPROVAL, EFFECT_SMS, EFFECT_INTENT, EFFECT_COUNT };
#define EFFECT_BIT(e) (1u << (e))

/* Error kinds as counter slots: the enum values 1..19, then invalid_argument, internal. */
#define KIND_SLOTS 22
int kind_slot(enum nevis_error_kind kind);
const char *slot_name(int slot);
/* Typed = one of the SDK's documented failure classes (not INTERNAL: a bug). */
bool slot_is_typed(int slot);

#define HIST_BUCKETS 400
struct histogram {
  uint32_t buckets[HIST_BUCKETS];
  uint64_t count;
  double max_ms;
};
void hist_add(struct histogram *h, double ms);
double hist_quantile(const struct histogram *h, double q);

#define MAX_SAMPLES 10
#define SAMPLE_LEN 256
struct samples {
  int n;
  char text[MAX_SAMPLES][SAMPLE_LEN];
};
void sample_add(struct samples *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct stats {
  uint64_t ok[OP_COUNT], error[OP_COUNT];
  struct histogram hist[OP_COUNT];
  uint64_t scenarios[SC_COUNT], aborts[SC_COUNT];
  uint64_t expected[KIND_SLOTS], incidental[KIND_SLOTS];
  uint64_t untyped, violations, control_errors, driver_errors;
  struct samples untyped_s, violation_s, control_s, driver_s;
  uint64_t effects[EFFECT_COUNT][2]; /* [kind][0 = ok, 1 = maybe] */
};
void stats_merge(struct stats *into, const struct stats *from);

/* ---- the mix (tests/soak/mix.json) ---- */

struct client_settings {
  uint64_t request_timeout_ms, connect_timeout_ms, deadline_ms, backoff_initial_ms, backoff_max_ms;
  int max_retries;
};

#define MAX_FAULTS 32
struct fault_entry {
  char name[128];
  double weight;
  char members[512]; /* the fault object's JSON without its opening brace: `"count":2,...}` */
  bool short_client; /* scoped: use the short-timeout client */
  bool expect_ok;    /* scoped: the call must succeed despite the fault */
  char expect_kind[32];
  char method[8], path[64], then[32]; /* shared faults */
};

struct mix {
  int workers, pool_size;
  uint64_t think_lo, think_hi, phone_lo, phone_hi;
  double margin_ms; /* may be negative: a stricter watchdog, to check the watchdog itself */
  struct client_settings normal, shortc;
  uint64_t wait_timeout_ms, wait_interval_ms, poll_ms;
  double weights[SC_COUNT];
  double verify_delay_fraction;
  char verify_delay_members[256];
  struct fault_entry scoped[MAX_FAULTS], shared[MAX_FAULTS];
  int n_scoped, n_shared;
};
/* Reads the mix; prints what is wrong and returns false when it cannot. */
bool mix_load(const char *path, struct mix *mix);

/* ---- the report ---- */
struct run_info {
  const char *out_path;
  unsigned seed;
  double duration_s;
  int workers, unfinished_workers;
  uint64_t hangs, phone_actions, phone_errors;
  const struct samples *hang_samples;
};
bool report_write(const struct stats *total, const struct run_info *info);

/* ---- the simulator (soak_sim.c) ---- */

int64_t now_ms(void);
void sleep_ms(uint64_t ms);

void sim_init(const char *base_url);
/* One control-plane request (`path` below /_sim). Returns the HTTP status, or -1 when the simulator
 * could not be reached or answered garbage; `*out_body` (may be NULL) gets a malloc'ed body. */
int sim_control(const char *method, const char *path, const char *body, char **out_body);

/* The simulated phone: a thread that accepts or declines operations after a delay. */
void phone_start(void);
void phone_schedule(const char *transaction_id, const char *action, uint64_t delay_ms);
void phone_stop(uint64_t *actions, uint64_t *errors);

/* The watchdog: a thread noticing calls that outlive their bound (one slot per worker). */
void watchdog_start(int workers);
void watchdog_enter(int worker, enum op op, uint64_t bound_ms);
void watchdog_leave(int worker);
uint64_t watchdog_stop(const struct samples **samples);

#endif
