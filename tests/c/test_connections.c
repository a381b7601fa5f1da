/*
 * `max_connections` in nevis_client_options: the cap on requests in flight per client reaches the
 * core (with one connection, a second call from another thread is sent, and finishes, only after
 * the first), 0 means the default, and a negative value is refused naming the field.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* Long enough that, even under valgrind, an uncapped second ping overtakes the delayed first. */
#define DELAY_MS 500

/* Two pings on one client, each on its own thread; records the order in which they finished. */
struct race {
  nevis_client *client;
  pthread_mutex_t lock;
  char finished[3]; /* 'A' (the delayed first call) and 'B', in finishing order */
  int count;
};

struct pinger {
  struct race *race;
  char name;
  nevis_error *err;
};

static void *ping_and_record(void *arg) {
  struct pinger *pinger = arg;
  pinger->err = nevis_client_ping(pinger->race->client);
  pthread_mutex_lock(&pinger->race->lock);
  pinger->race->finished[pinger->race->count++] = pinger->name;
  pthread_mutex_unlock(&pinger->race->lock);
  return NULL;
}

static void pause_ms(long ms) {
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&pause, NULL);
}

static long requests_seen(void) {
  struct sim_stats stats = {0};
  return sim_read_stats(&stats) ? stats.requests : -1;
}

/* Starts ping A (its answer delayed by the simulator) and, once A has reached the simulator, ping
 * B; writes the finishing order ("AB" or "BA") to `order`. */
static void finish_order(int max_connections, char order[3]) {
  nevis_client_options opts = sim_options();
  opts.max_connections = max_connections;
  struct race race = {.client = new_client(&opts), .finished = "", .count = 0};
  pthread_mutex_init(&race.lock, NULL);
  char fault[160];
  snprintf(fault, sizeof fault, "{\"method\":\"GET\",\"path\":\"/ping\",\"count\":1,\"fault\":\"delay\",\"ms\":%d}",
           DELAY_MS);
  sim_fault(fault);
  long before = requests_seen();
  struct pinger a = {&race, 'A', NULL}, b = {&race, 'B', NULL};
  pthread_t thread_a, thread_b;
  CHECK(pthread_create(&thread_a, NULL, ping_and_record, &a) == 0);
  double give_up = now_ms() + 5000;
  while (requests_seen() == before && now_ms() < give_up) pause_ms(5);
  CHECK(requests_seen() == before + 1); /* A has reached the simulator */
  CHECK(pthread_create(&thread_b, NULL, ping_and_record, &b) == 0);
  if (max_connections == 1) {
    /* While A holds the only slot, B is not even sent. */
    pause_ms(100);
    pthread_mutex_lock(&race.lock);
    int finished_early = race.count;
    pthread_mutex_unlock(&race.lock);
    CHECK(finished_early == 0); /* the delay fault still holds A */
    CHECK(requests_seen() == before + 1);
  }
  pthread_join(thread_a, NULL);
  pthread_join(thread_b, NULL);
  CHECK_OK(a.err);
  CHECK_OK(b.err);
  memcpy(order, race.finished, 3);
  pthread_mutex_destroy(&race.lock);
  nevis_client_free(race.client);
}

static void test_one_connection_makes_the_second_call_wait(void) {
  char order[3];
  finish_order(1, order);
  CHECK(strcmp(order, "AB") == 0);
}

static void test_the_default_cap_lets_the_second_call_overtake(void) {
  char order[3];
  finish_order(0, order); /* 0: the default, 100 */
  CHECK(strcmp(order, "BA") == 0);
}

static void test_a_negative_cap_names_the_field(void) {
  nevis_client_options opts = sim_options();
  opts.max_connections = -1;
  nevis_client *made = (nevis_client *)1;
  nevis_error *err = nevis_client_new(&opts, &made);
  /* A bad setting, as nevis_client_new() documents: CONFIG, not INVALID_ARGUMENT. */
  CHECK(nevis_error_kind(err) == NEVIS_ERROR_CONFIG);
  CHECK(nevis_error_field(err) != NULL && strcmp(nevis_error_field(err), "max_connections") == 0);
  CHECK(str_contains(nevis_error_message(err), "max_connections"));
  CHECK(made == NULL);
  nevis_error_free(err);
}

void connection_tests(void) {
  sim_clear_faults();
  run_test("max_connections 1: a second call is sent and finishes after the first",
           test_one_connection_makes_the_second_call_wait);
  run_test("max_connections 0 (default): a second call overtakes a delayed first",
           test_the_default_cap_lets_the_second_call_overtake);
  run_test("max_connections negative: config naming the field", test_a_negative_cap_names_the_field);
  sim_clear_faults();
}
