/*
 * Bookkeeping of the C soak driver: the mix file (read with the SDK's own nevis_json_get), the
 * per-worker counters and latency histograms (fixed arrays, so the driver's own data never grows
 * during a run and cannot pass for a leak), and the JSON report in the shape every driver writes.
 * The histogram buckets (5 % wide from 0.05 ms) are the same as the Python and Node drivers'.
 */
#define _POSIX_C_SOURCE 200809L
#include "soak.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS 0.05
#define RATIO 1.05

const char *const OP_NAMES[OP_COUNT] = {
    "enroll",     "approve",  "get_status", "wait_for_status", "verify", "create_intent",
    "introspect", "get_user", "find_user",  "delete_user",     "ping",
};

const char *const SCENARIO_NAMES[SC_COUNT] = {
    "enroll_push", "enroll_sms", "approve",      "lookup",       "delete",
    "intent",      "api_error",  "fault_scoped", "fault_shared", "ping",
};

int kind_slot(enum nevis_error_kind kind) {
  int value = (int)kind;
  if (value >= 1 && value <= 19) return value;
  if (value >= 100 && value <= 101) return 20 + (value - 100);
  return -1;
}

const char *slot_name(int slot) {
  if (slot >= 1 && slot <= 19) return nevis_error_kind_name((enum nevis_error_kind)slot);
  if (slot >= 20 && slot <= 21) return nevis_error_kind_name((enum nevis_error_kind)(100 + slot - 20));
  return "unknown";
}

bool slot_is_typed(int slot) { return slot >= 1 && slot <= 20; }

void hist_add(struct histogram *h, double ms) {
  int index = ms <= MIN_MS ? 0 : (int)(log(ms / MIN_MS) / log(RATIO)) + 1;
  if (index >= HIST_BUCKETS) index = HIST_BUCKETS - 1;
  h->buckets[index]++;
  h->count++;
  if (ms > h->max_ms) h->max_ms = ms;
}

/* The upper edge of the bucket holding the q-quantile (at most 5 % above the truth). */
double hist_quantile(const struct histogram *h, double q) {
  if (h->count == 0) return 0;
  uint64_t rank = (uint64_t)ceil(q * (double)h->count);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += h->buckets[i];
    if (seen >= rank) {
      double edge = MIN_MS * pow(RATIO, i);
      return edge < h->max_ms ? edge : h->max_ms;
    }
  }
  return h->max_ms;
}

void sample_add(struct samples *s, const char *fmt, ...) {
  if (s->n >= MAX_SAMPLES) return;
  va_list args;
  va_start(args, fmt);
  vsnprintf(s->text[s->n], SAMPLE_LEN, fmt, args);
  va_end(args);
  s->n++;
}

static void samples_merge(struct samples *into, const struct samples *from) {
  for (int i = 0; i < from->n && into->n < MAX_SAMPLES; i++) memcpy(into->text[into->n++], from->text[i], SAMPLE_LEN);
}

void stats_merge(struct stats *into, const struct stats *from) {
  for (int op = 0; op < OP_COUNT; op++) {
    into->ok[op] += from->ok[op];
    into->error[op] += from->error[op];
    for (int b = 0; b < HIST_BUCKETS; b++) into->hist[op].buckets[b] += from->hist[op].buckets[b];
    into->hist[op].count += from->hist[op].count;
    if (from->hist[op].max_ms > into->hist[op].max_ms) into->hist[op].max_ms = from->hist[op].max_ms;
  }
  for (int s = 0; s < SC_COUNT; s++) {
    into->scenarios[s] += from->scenarios[s];
    into->aborts[s] += from->aborts[s];
  }
  for (int k = 0; k < KIND_SLOTS; k++) {
    into->expected[k] += from->expected[k];
    into->incidental[k] += from->incidental[k];
  }
  into->untyped += from->untyped;
  into->violations += from->violations;
  into->control_errors += from->control_errors;
  into->driver_errors += from->driver_errors;
  samples_merge(&into->untyped_s, &from->untyped_s);
  samples_merge(&into->violation_s, &from->violation_s);
  samples_merge(&into->control_s, &from->control_s);
  samples_merge(&into->driver_s, &from->driver_s);
  for (int e = 0; e < EFFECT_COUNT; e++) {
    into->effects[e][0] += from->effects[e][0];
    into->effects[e][1] += from->effects[e][1];
  }
}

/* ---- the mix file ---- */

static char *read_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) return NULL;
  size_t cap = 1 << 16, len = 0, n;
  char *text = malloc(cap);
  while (text != NULL && (n = fread(text + len, 1, cap - len - 1, file)) > 0) {
    len += n;
    if (cap - len < 2) {
      char *bigger = realloc(text, cap * 2);
      if (bigger == NULL) {
        free(text);
        text = NULL;
        break;
      }
      text = bigger;
      cap *= 2;
    }
  }
  fclose(file);
  if (text != NULL) text[len] = '\0';
  return text;
}

/* The value at `pointer` (caller frees with nevis_string_free), or NULL when absent. */
static char *get(const char *json, const char *pointer) {
  char *value = NULL;
  nevis_error *err = nevis_json_get(json, pointer, &value);
  if (err != NULL) {
    fprintf(stderr, "mix: %s: %s\n", pointer, nevis_error_message(err));
    nevis_error_free(err);
    return NULL;
  }
  return value;
}

static bool num(const char *json, const char *pointer, double *out) {
  char *value = get(json, pointer);
  if (value == NULL) {
    fprintf(stderr, "mix: %s is missing\n", pointer);
    return false;
  }
  *out = strtod(value, NULL);
  nevis_string_free(value);
  return true;
}

static bool u64(const char *json, const char *pointer, uint64_t *out) {
  double value = 0;
  if (!num(json, pointer, &value) || value < 0) return false;
  *out = (uint64_t)value;
  return true;
}

/* Copies the string (or, for objects, the JSON text) at `pointer`; "" when absent. */
static void text(const char *json, const char *pointer, char *buf, size_t size) {
  char *value = get(json, pointer);
  snprintf(buf, size, "%s", value ? value : "");
  nevis_string_free(value);
}

/* The helpers below take the pointer as a printf format. */
static bool num_at(const char *json, double *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool num_at(const char *json, double *out, const char *fmt, ...) {
  char pointer[128];
  va_list args;
  va_start(args, fmt);
  vsnprintf(pointer, sizeof pointer, fmt, args);
  va_end(args);
  return num(json, pointer, out);
}

static bool u64_at(const char *json, uint64_t *out, const char *fmt, const char *name) {
  char pointer[128];
  snprintf(pointer, sizeof pointer, fmt, name);
  return u64(json, pointer, out);
}

static void text_at(const char *json, char *buf, size_t size, const char *fmt, const char *list, int index) {
  char pointer[128];
  snprintf(pointer, sizeof pointer, fmt, list, index);
  text(json, pointer, buf, size);
}

static bool client_settings(const char *json, const char *name, struct client_settings *out) {
  double retries = 0;
  bool ok = u64_at(json, &out->request_timeout_ms, "/%s/requestTimeoutMs", name) &&
            u64_at(json, &out->connect_timeout_ms, "/%s/connectTimeoutMs", name) &&
            u64_at(json, &out->deadline_ms, "/%s/deadlineMs", name) &&
            u64_at(json, &out->backoff_initial_ms, "/%s/retryBackoffMs/0", name) &&
            u64_at(json, &out->backoff_max_ms, "/%s/retryBackoffMs/1", name) &&
            num_at(json, &retries, "/%s/maxRetries", name);
  out->max_retries = (int)retries;
  return ok;
}

/* The fault object at `pointer` as members to splice after `{"method":..,"path":..,`. */
static bool fault_members(const char *json, const char *pointer, char *buf, size_t size) {
  char *value = get(json, pointer);
  bool ok = value != NULL && value[0] == '{' && strlen(value) + 1 < size;
  if (ok)
    snprintf(buf, size, "%s", value + 1);
  else
    fprintf(stderr, "mix: %s is not a fault object\n", pointer);
  nevis_string_free(value);
  return ok;
}

static int faults(const char *json, const char *list, struct fault_entry *out, bool scoped) {
  int n = 0;
  for (; n < MAX_FAULTS; n++) {
    char pointer[128], value[32];
    snprintf(pointer, sizeof pointer, "/%s/%d", list, n);
    char *probe = get(json, pointer);
    if (probe == NULL) break;
    nevis_string_free(probe);
    struct fault_entry *f = &out[n];
    text_at(json, f->name, sizeof f->name, "/%s/%d/name", list, n);
    if (!num_at(json, &f->weight, "/%s/%d/weight", list, n)) return -1;
    snprintf(pointer, sizeof pointer, "/%s/%d/fault", list, n);
    if (!fault_members(json, pointer, f->members, sizeof f->members)) return -1;
    if (scoped) {
      text_at(json, value, sizeof value, "/%s/%d/client", list, n);
      f->short_client = strcmp(value, "short") == 0;
      text_at(json, value, sizeof value, "/%s/%d/expect/outcome", list, n);
      f->expect_ok = strcmp(value, "ok") == 0;
      text_at(json, f->expect_kind, sizeof f->expect_kind, "/%s/%d/expect/kind", list, n);
    } else {
      text_at(json, f->method, sizeof f->method, "/%s/%d/method", list, n);
      text_at(json, f->path, sizeof f->path, "/%s/%d/path", list, n);
      text_at(json, f->then, sizeof f->then, "/%s/%d/then", list, n);
    }
  }
  return n;
}

bool mix_load(const char *path, struct mix *mix) {
  char *json = read_file(path);
  if (json == NULL) {
    fprintf(stderr, "mix: cannot read %s\n", path);
    return false;
  }
  memset(mix, 0, sizeof *mix);
  double workers = 0, pool = 0;
  bool ok = num(json, "/workersPerLanguage", &workers) && num(json, "/poolSize", &pool) &&
            u64(json, "/thinkMs/0", &mix->think_lo) && u64(json, "/thinkMs/1", &mix->think_hi) &&
            u64(json, "/phoneDelayMs/0", &mix->phone_lo) && u64(json, "/phoneDelayMs/1", &mix->phone_hi) &&
            num(json, "/watchdogMarginMs", &mix->margin_ms) && client_settings(json, "client", &mix->normal) &&
            client_settings(json, "shortClient", &mix->shortc) && u64(json, "/wait/timeoutMs", &mix->wait_timeout_ms) &&
            u64(json, "/wait/intervalMs", &mix->wait_interval_ms) && u64(json, "/wait/pollMs", &mix->poll_ms) &&
            num(json, "/verifyDelayFraction", &mix->verify_delay_fraction) &&
            fault_members(json, "/verifyDelayFault", mix->verify_delay_members, sizeof mix->verify_delay_members);
  for (int s = 0; ok && s < SC_COUNT; s++) {
    char p[64];
    snprintf(p, sizeof p, "/weights/%s", SCENARIO_NAMES[s]);
    ok = num(json, p, &mix->weights[s]);
  }
  if (ok) {
    mix->n_scoped = faults(json, "scopedFaults", mix->scoped, true);
    mix->n_shared = faults(json, "sharedFaults", mix->shared, false);
    ok = mix->n_scoped > 0 && mix->n_shared > 0;
  }
  mix->workers = (int)workers;
  mix->pool_size = (int)pool;
  if (ok && (mix->workers < 1 || mix->workers > 64 || mix->pool_size < 1 || mix->pool_size > 16)) {
    fprintf(stderr, "mix: workersPerLanguage must be 1..64 and poolSize 1..16\n");
    ok = false;
  }
  free(json);
  return ok;
}

/* ---- the report ---- */

static void json_string(FILE *out, const char *text) {
  fputc('"', out);
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    if (*c == '"' || *c == '\\')
      fprintf(out, "\\%c", *c);
    else if (*c < 0x20)
      fprintf(out, "\\u%04x", *c);
    else
      fputc(*c, out);
  }
  fputc('"', out);
}

static void json_samples(FILE *out, const char *name, const struct samples *s) {
  fprintf(out, ",\n \"%s\": [", name);
  for (int i = 0; i < s->n; i++) {
    if (i) fputs(", ", out);
    json_string(out, s->text[i]);
  }
  fputc(']', out);
}

static void json_kinds(FILE *out, const uint64_t *counts) {
  fputc('{', out);
  bool first = true;
  for (int k = 0; k < KIND_SLOTS; k++) {
    if (counts[k] == 0) continue;
    fprintf(out, "%s\"%s\": %llu", first ? "" : ", ", slot_name(k), (unsigned long long)counts[k]);
    first = false;
  }
  fputc('}', out);
}

static void json_scenarios(FILE *out, const uint64_t *counts) {
  fputc('{', out);
  bool first = true;
  for (int s = 0; s < SC_COUNT; s++) {
    if (counts[s] == 0) continue;
    fprintf(out, "%s\"%s\": %llu", first ? "" : ", ", SCENARIO_NAMES[s], (unsigned long long)counts[s]);
    first = false;
  }
  fputc('}', out);
}

bool report_write(const struct stats *t, const struct run_info *info) {
  FILE *out = fopen(info->out_path, "w");
  if (out == NULL) return false;
  uint64_t total = 0;
  fputs("{\n \"calls\": {", out);
  bool first = true;
  for (int op = 0; op < OP_COUNT; op++) {
    if (t->hist[op].count == 0) continue;
    total += t->ok[op] + t->error[op];
    fprintf(out, "%s\n  \"%s\": {\"ok\": %llu, \"error\": %llu, \"p50Ms\": %.2f, \"p99Ms\": %.2f, \"maxMs\": %.2f}",
            first ? "" : ",", OP_NAMES[op], (unsigned long long)t->ok[op], (unsigned long long)t->error[op],
            hist_quantile(&t->hist[op], 0.5), hist_quantile(&t->hist[op], 0.99), t->hist[op].max_ms);
    first = false;
  }
  fprintf(out, "\n },\n \"totalCalls\": %llu,\n \"scenarios\": ", (unsigned long long)total);
  json_scenarios(out, t->scenarios);
  fputs(",\n \"scenariosAborted\": ", out);
  json_scenarios(out, t->aborts);
  fputs(",\n \"errors\": {\"expected\": ", out);
  json_kinds(out, t->expected);
  fputs(", \"incidental\": ", out);
  json_kinds(out, t->incidental);
  fprintf(out, "},\n \"untyped\": %llu", (unsigned long long)t->untyped);
  json_samples(out, "untypedSamples", &t->untyped_s);
  fprintf(out, ",\n \"violations\": %llu", (unsigned long long)t->violations);
  json_samples(out, "violationSamples", &t->violation_s);
  fprintf(out, ",\n \"hangs\": %llu", (unsigned long long)info->hangs);
  json_samples(out, "hangSamples", info->hang_samples);
  fprintf(out, ",\n \"controlErrors\": %llu", (unsigned long long)t->control_errors);
  json_samples(out, "controlSamples", &t->control_s);
  fprintf(out, ",\n \"driverErrors\": %llu", (unsigned long long)t->driver_errors);
  json_samples(out, "driverSamples", &t->driver_s);
  fputs(",\n \"sideEffects\": {", out);
  static const char *const effect_names[EFFECT_COUNT] = {"enroll", "approval", "sms", "intent"};
  for (int e = 0; e < EFFECT_COUNT; e++) {
    fprintf(out, "%s\"%s\": {\"ok\": %llu, \"maybe\": %llu}", e ? ", " : "", effect_names[e],
            (unsigned long long)t->effects[e][0], (unsigned long long)t->effects[e][1]);
  }
  fprintf(out,
          "},\n \"language\": \"c\",\n \"seed\": %u,\n \"durationS\": %.1f,\n \"workers\": {\"threads\": %d},\n"
          " \"unfinishedWorkers\": %d,\n \"phone\": {\"actions\": %llu, \"errors\": %llu}\n}\n",
          info->seed, info->duration_s, info->workers, info->unfinished_workers,
          (unsigned long long)info->phone_actions, (unsigned long long)info->phone_errors);
  return fclose(out) == 0;
}
