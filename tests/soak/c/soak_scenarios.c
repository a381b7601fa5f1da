/*
 * The scenarios of the C soak driver, one function per key of "weights" in tests/soak/mix.json,
 * doing what the Python and Node drivers' scenarios of the same name do (the C driver adds one
 * API-error variant of its own: a NULL argument, NEVIS_ERROR_INVALID_ARGUMENT). Each releases
 * every string and error it gets, on every path.
 */
#define _POSIX_C_SOURCE 200809L
#include "soak_worker.h"

#include <stdlib.h>
#include <string.h>

static uint64_t phone_delay(struct worker *w) { return rnd_between(w, D.mix.phone_lo, D.mix.phone_hi); }

static struct outcome wait_for(struct worker *w, const char *token, nevis_status *status, char **json) {
  return CALL(w, OP_WAIT, true, EXPECT_NONE(0),
              nevis_wait_for_status(D.normal, token, D.mix.wait_timeout_ms, D.mix.wait_interval_ms, status, json));
}

/* Polls by hand with get_status until the operation is decided or the wait time is up. */
static struct outcome poll_status(struct worker *w, const char *token, nevis_status *status, char **json) {
  int64_t give_up = now_ms() + (int64_t)D.mix.wait_timeout_ms;
  for (;;) {
    nevis_string_free(*json);
    *json = NULL;
    struct outcome o =
        CALL(w, OP_GET_STATUS, false, EXPECT_NONE(0), nevis_client_get_status(D.normal, token, status, json));
    if (o.status != CALL_OK || *status != NEVIS_STATUS_PENDING || now_ms() >= give_up) return o;
    sleep_ms(D.mix.poll_ms);
  }
}

static int enroll_push(struct worker *w) {
  if (!make_room(w)) return ABORTED;
  char username[96], req[REQ];
  char *json = NULL, *tx = NULL, *token = NULL, *user_id = NULL;
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  int result = ABORTED;
  next_name(w, "push", username, sizeof username);
  snprintf(req, sizeof req, "{\"username\":\"%s\",\"channel\":\"push\"}", username);
  if (CALL(w, OP_ENROLL, false, EXPECT_NONE(EFFECT_BIT(EFFECT_ENROLL)), nevis_client_enroll(D.normal, req, NULL, &json))
          .status != CALL_OK) {
    goto out;
  }
  nevis_error_free(nevis_json_transaction_id(json, &tx));
  nevis_error_free(nevis_json_status_token(json, &token));
  user_id = jget(json, "/userId");
  if (tx == NULL || token == NULL || user_id == NULL) {
    violation(w, "enroll_push", "the enrolment answer lacks its ids");
    result = DONE;
    goto out;
  }
  phone_schedule(tx, "accept", phone_delay(w));
  if (wait_for(w, token, &status, NULL).status != CALL_OK) goto out;
  result = DONE;
  if (status != NEVIS_STATUS_SUCCEEDED) {
    violation(w, "enroll_push", "accepted enrolment ended %s", status_name(status));
    goto out;
  }
  add_user(w, username, user_id, false);
out:
  nevis_string_free(json);
  nevis_string_free(tx);
  nevis_string_free(token);
  nevis_string_free(user_id);
  return result;
}

static int enroll_sms(struct worker *w) {
  if (!make_room(w)) return ABORTED;
  char username[96], phone[32], path[160], req[REQ];
  char *json = NULL, *tx = NULL, *token = NULL, *user_id = NULL, *sms = NULL, *code = NULL, *sms_tx = NULL;
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  int result = ABORTED;
  next_name(w, "sms", username, sizeof username);
  snprintf(phone, sizeof phone, "+4179%c%d%05u", PHONE_DIGIT, w->index, w->counter % 100000);
  snprintf(req, sizeof req, "{\"username\":\"%s\",\"channel\":\"sms\",\"phone\":\"%s\"}", username, phone);
  struct expect ex = EXPECT_NONE(EFFECT_BIT(EFFECT_ENROLL) | EFFECT_BIT(EFFECT_SMS));
  if (CALL(w, OP_ENROLL, false, ex, nevis_client_enroll(D.normal, req, NULL, &json)).status != CALL_OK) goto out;
  nevis_error_free(nevis_json_transaction_id(json, &tx));
  nevis_error_free(nevis_json_status_token(json, &token));
  user_id = jget(json, "/userId");
  result = DONE;
  if (tx == NULL || token == NULL || user_id == NULL) {
    violation(w, "enroll_sms", "the enrolment answer lacks its ids");
    goto out;
  }
  snprintf(path, sizeof path, "/phones/%%2B%s/last-sms", phone + 1);
  int answered = sim_control("GET", path, NULL, &sms);
  if (answered != 200) {
    result = control_failed(w, "last-sms", answered);
    goto out;
  }
  code = jget(sms, "/code");
  sms_tx = jget(sms, "/transactionId");
  if (code == NULL || !same(sms_tx, tx)) {
    violation(w, "enroll_sms", "the last SMS belongs to another operation");
    goto out;
  }
  snprintf(req, sizeof req, "{\"code\":\"%s\",\"statusToken\":\"%s\"}", code, token);
  result = ABORTED;
  if (rnd01(w) < D.mix.verify_delay_fraction) {
    /* The verification is processed, but its answer comes too late for the short client: a typed
     * timeout saying the code may have been used, which the status then confirms. */
    snprintf(path, sizeof path, "/api/v1/users/%s/verification", user_id);
    if ((result = add_fault(w, "POST", path, D.mix.verify_delay_members)) != DONE) goto out;
    struct outcome o = CALL(w, OP_VERIFY, false, EXPECT_ANY(0), nevis_client_verify(D.shortc, user_id, req, NULL));
    if (o.status != CALL_EXPECTED || o.slot != kind_slot(NEVIS_ERROR_TIMEOUT)) {
      violation(w, "enroll_sms", "a verification answered after the timeout gave %s",
                o.status == CALL_OK ? "success" : slot_name(o.slot));
      goto out;
    }
    if (o.applied != NEVIS_APPLIED_UNKNOWN)
      violation(w, "enroll_sms", "timed-out verification says may_have_been_applied=%d", (int)o.applied);
  } else if (CALL(w, OP_VERIFY, false, EXPECT_NONE(0), nevis_client_verify(D.normal, user_id, req, NULL)).status !=
             CALL_OK) {
    goto out;
  }
  result = ABORTED;
  if (CALL(w, OP_GET_STATUS, false, EXPECT_NONE(0), nevis_client_get_status(D.normal, token, &status, NULL)).status !=
      CALL_OK)
    goto out;
  result = DONE;
  if (status != NEVIS_STATUS_SUCCEEDED) {
    violation(w, "enroll_sms", "verified SMS enrolment is %s", status_name(status));
    goto out;
  }
  add_user(w, username, user_id, true);
out:
  nevis_string_free(json);
  nevis_string_free(tx);
  nevis_string_free(token);
  nevis_string_free(user_id);
  nevis_string_free(code);
  nevis_string_free(sms_tx);
  free(sms);
  return result;
}

static int approve(struct worker *w) {
  struct user *user = pick_user(w, 0, false);
  if (user == NULL) return enroll_push(w);
  char req[REQ];
  char *json = NULL, *tx = NULL, *token = NULL, *status_json = NULL, *result_token = NULL;
  nevis_status status = NEVIS_STATUS_UNKNOWN;
  int result = ABORTED;
  bool accept = rnd01(w) < 0.6;
  snprintf(req, sizeof req, "{\"channel\":\"push\",\"username\":\"%s\",\"prompt\":true,\"message\":\"Soak login?\"}",
           user->username);
  if (CALL(w, OP_APPROVE, false, EXPECT_NONE(EFFECT_BIT(EFFECT_APPROVAL)),
           nevis_client_approve(D.normal, req, NULL, &json))
          .status != CALL_OK) {
    goto out;
  }
  nevis_error_free(nevis_json_transaction_id(json, &tx));
  nevis_error_free(nevis_json_status_token(json, &token));
  if (tx == NULL || token == NULL) {
    violation(w, "approve", "the approval answer lacks its ids");
    result = DONE;
    goto out;
  }
  phone_schedule(tx, accept ? "accept" : "decline", phone_delay(w));
  struct outcome o =
      rnd01(w) < 0.6 ? wait_for(w, token, &status, &status_json) : poll_status(w, token, &status, &status_json);
  if (o.status != CALL_OK) goto out;
  result = DONE;
  nevis_status expected = accept ? NEVIS_STATUS_SUCCEEDED : NEVIS_STATUS_FAILED;
  if (status != expected) {
    violation(w, "approve", "%s approval ended %s", accept ? "accepted" : "declined", status_name(status));
    goto out;
  }
  if (accept && rnd01(w) < 0.5) {
    result_token = jget(status_json, "/token");
    bool active = false;
    if (CALL(w, OP_INTROSPECT, false, EXPECT_NONE(0), nevis_client_introspect(D.normal, result_token, &active, NULL))
            .status != CALL_OK) {
      result = ABORTED;
    } else if (!active) {
      violation(w, "approve", "the transaction token of a succeeded approval is not active");
    }
  }
out:
  nevis_string_free(json);
  nevis_string_free(tx);
  nevis_string_free(token);
  nevis_string_free(status_json);
  nevis_string_free(result_token);
  return result;
}

static int lookup(struct worker *w) {
  struct user *user = pick_user(w, -1, false);
  char *json = NULL, *field = NULL;
  if (user == NULL) {
    char missing[96];
    next_name(w, "missing", missing, sizeof missing);
    struct outcome o = CALL(w, OP_FIND_USER, false, EXPECT_KIND(NEVIS_ERROR_NOT_FOUND, 0),
                            nevis_client_find_user(D.normal, missing, &json));
    if (o.status == CALL_OK) violation(w, "lookup", "an unknown username was found");
    nevis_string_free(json);
    return o.status == CALL_ABORT ? ABORTED : DONE;
  }
  int result = ABORTED;
  if (CALL(w, OP_FIND_USER, false, EXPECT_NONE(0), nevis_client_find_user(D.normal, user->username, &json)).status !=
      CALL_OK)
    goto out;
  field = jget(json, "/userId");
  if (!same(field, user->user_id)) violation(w, "lookup", "find_user returned another user");
  result = DONE;
  if (user->burned) goto out;
  nevis_string_free(json);
  nevis_string_free(field);
  json = field = NULL;
  result = ABORTED;
  if (CALL(w, OP_GET_USER, false, EXPECT_NONE(0), nevis_client_get_user(D.normal, user->user_id, &json)).status !=
      CALL_OK)
    goto out;
  result = DONE;
  field = jget(json, "/username");
  if (!same(field, user->username)) {
    violation(w, "lookup", "get_user returned another user");
  } else if (!user->sms) {
    nevis_string_free(field);
    field = jget(json, "/status");
    if (!same(field, "active"))
      violation(w, "lookup", "a user with a confirmed push authenticator is %s", field ? field : "(none)");
  }
out:
  nevis_string_free(json);
  nevis_string_free(field);
  return result;
}

static int delete_one(struct worker *w) {
  if (w->n_pool == 0) return enroll_push(w);
  struct user user = take_user(w, (int)(rnd(w) % (uint64_t)w->n_pool));
  if (CALL(w, OP_DELETE_USER, false, EXPECT_NONE(0), nevis_client_delete_user(D.normal, user.user_id)).status !=
      CALL_OK)
    return ABORTED;
  if (user.burned) return DONE;
  char *json = NULL;
  struct outcome o = CALL(w, OP_GET_USER, false, EXPECT_KIND(NEVIS_ERROR_NOT_FOUND, 0),
                          nevis_client_get_user(D.normal, user.user_id, &json));
  nevis_string_free(json);
  if (o.status == CALL_OK) violation(w, "delete", "a deleted user can still be read");
  return o.status == CALL_ABORT ? ABORTED : DONE;
}

static int intent(struct worker *w) {
  struct user *user = pick_user(w, 0, false);
  if (user == NULL) return enroll_push(w);
  char req[REQ];
  char *json = NULL, *token = NULL, *approval = NULL, *tx = NULL, *again = NULL;
  int result = ABORTED;
  snprintf(req, sizeof req, "{\"operation\":\"approve\",\"username\":\"%s\",\"channels\":[\"push\"]}", user->username);
  if (CALL(w, OP_CREATE_INTENT, false, EXPECT_NONE(EFFECT_BIT(EFFECT_INTENT)),
           nevis_client_create_intent(D.normal, req, &json))
          .status != CALL_OK) {
    goto out;
  }
  token = jget(json, "/token");
  snprintf(req, sizeof req, "{\"channel\":\"push\",\"username\":\"%s\"}", user->username);
  struct expect ex = EXPECT_NONE(EFFECT_BIT(EFFECT_APPROVAL));
  if (CALL(w, OP_APPROVE, false, ex, nevis_client_approve(D.normal, req, token, &approval)).status != CALL_OK) goto out;
  nevis_error_free(nevis_json_transaction_id(approval, &tx));
  if (tx != NULL) phone_schedule(tx, "decline", 0);
  nevis_string_free(tx);
  tx = NULL;
  ex = EXPECT_KIND(NEVIS_ERROR_FORBIDDEN, EFFECT_BIT(EFFECT_APPROVAL));
  struct outcome o = CALL(w, OP_APPROVE, false, ex, nevis_client_approve(D.normal, req, token, &again));
  if (o.status == CALL_ABORT) goto out;
  result = DONE;
  if (o.status == CALL_OK) {
    violation(w, "intent", "a used intent token was accepted again");
    nevis_error_free(nevis_json_transaction_id(again, &tx));
    if (tx != NULL) phone_schedule(tx, "decline", 0);
  }
out:
  nevis_string_free(json);
  nevis_string_free(token);
  nevis_string_free(approval);
  nevis_string_free(tx);
  nevis_string_free(again);
  return result;
}

/* A call that must fail with `kind`. */
static int expect_error(struct worker *w, const char *variant, struct outcome o) {
  if (o.status == CALL_OK) violation(w, "api_error", "%s succeeded", variant);
  return o.status == CALL_ABORT ? ABORTED : DONE;
}

static int api_error(struct worker *w) {
  static const char *const variants[] = {"get_user_unknown", "find_user_unknown", "bad_phone",     "bad_user_id",
                                         "wrong_key",        "push_without_app",  "unknown_token", "null_argument"};
  int variant = (int)(rnd(w) % (sizeof variants / sizeof variants[0]));
  char name[96], req[REQ];
  char *json = NULL;
  int result = DONE;
  struct outcome o;
  switch (variant) {
  case 0: {
    uint64_t a = rnd(w), b = rnd(w);
    snprintf(name, sizeof name, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(b >> 52), (unsigned long long)(b & 0xffffffffffffULL));
    o = CALL(w, OP_GET_USER, false, EXPECT_KIND(NEVIS_ERROR_NOT_FOUND, 0),
             nevis_client_get_user(D.normal, name, &json));
    result = expect_error(w, variants[variant], o);
    break;
  }
  case 1:
    next_name(w, "missing", name, sizeof name);
    o = CALL(w, OP_FIND_USER, false, EXPECT_KIND(NEVIS_ERROR_NOT_FOUND, 0),
             nevis_client_find_user(D.normal, name, &json));
    result = expect_error(w, variants[variant], o);
    break;
  case 2:
    next_name(w, "badphone", name, sizeof name);
    snprintf(req, sizeof req, "{\"username\":\"%s\",\"channel\":\"sms\",\"phone\":\"0791234567\"}", name);
    o = CALL(w, OP_ENROLL, false,
             EXPECT_KIND(NEVIS_ERROR_INVALID_REQUEST, EFFECT_BIT(EFFECT_ENROLL) | EFFECT_BIT(EFFECT_SMS)),
             nevis_client_enroll(D.normal, req, NULL, &json));
    result = expect_error(w, variants[variant], o);
    break;
  case 3:
    o = CALL(w, OP_GET_USER, false, EXPECT_KIND(NEVIS_ERROR_INVALID_REQUEST, 0),
             nevis_client_get_user(D.normal, "not-a-uuid", &json));
    result = expect_error(w, variants[variant], o);
    break;
  case 4:
    o = CALL(w, OP_FIND_USER, false, EXPECT_KIND(NEVIS_ERROR_FORBIDDEN, 0),
             nevis_client_find_user(D.wrong_key, w->n_pool ? w->pool[0].username : "soak-nobody", &json));
    result = expect_error(w, variants[variant], o);
    break;
  case 5: {
    struct user *user = pick_user(w, 1, false);
    if (user == NULL) break;
    snprintf(req, sizeof req, "{\"channel\":\"push\",\"username\":\"%s\"}", user->username);
    o = CALL(w, OP_APPROVE, false, EXPECT_KIND(NEVIS_ERROR_BAD_REQUEST, EFFECT_BIT(EFFECT_APPROVAL)),
             nevis_client_approve(D.normal, req, NULL, &json));
    result = expect_error(w, variants[variant], o);
    break;
  }
  case 6: {
    nevis_status status = NEVIS_STATUS_OTHER;
    snprintf(name, sizeof name, "soak-unknown-token-%u", w->counter);
    o = CALL(w, OP_GET_STATUS, false, EXPECT_NONE(0), nevis_client_get_status(D.normal, name, &status, &json));
    if (o.status != CALL_OK)
      result = ABORTED;
    else if (status != NEVIS_STATUS_UNKNOWN)
      violation(w, "unknown_token", "a made-up status token is %s", status_name(status));
    break;
  }
  default:
    o = CALL(w, OP_FIND_USER, false, EXPECT_KIND(NEVIS_ERROR_INVALID_ARGUMENT, 0),
             nevis_client_find_user(D.normal, NULL, &json));
    result = expect_error(w, variants[variant], o);
    break;
  }
  nevis_string_free(json);
  return result;
}

static int fault_scoped(struct worker *w) {
  struct user *user = pick_user(w, -1, true);
  if (user == NULL) return enroll_push(w);
  const struct fault_entry *entry = &D.mix.scoped[weighted(w, &D.mix.scoped[0].weight, sizeof *entry, D.mix.n_scoped)];
  char path[128];
  char *json = NULL, *field = NULL, *left = NULL;
  snprintf(path, sizeof path, "/api/v1/users/%s", user->user_id);
  int result = add_fault(w, "GET", path, entry->members);
  if (result != DONE) return result;
  nevis_client *client = entry->short_client ? D.shortc : D.normal;
  struct outcome o = CALL(w, OP_GET_USER, false, EXPECT_ANY(0), nevis_client_get_user(client, user->user_id, &json));
  if (entry->expect_ok) {
    if (o.status != CALL_OK) {
      violation(w, "fault_scoped", "%s: failed with %s", entry->name, slot_name(o.slot));
    } else {
      field = jget(json, "/userId");
      if (!same(field, user->user_id)) violation(w, "fault_scoped", "%s: returned another user", entry->name);
    }
  } else if (o.status == CALL_OK) {
    violation(w, "fault_scoped", "%s: succeeded", entry->name);
  } else if (strcmp(slot_name(o.slot), entry->expect_kind) != 0 || o.applied != NEVIS_APPLIED_NO) {
    violation(w, "fault_scoped", "%s: %s (applied %d), expected %s", entry->name, slot_name(o.slot), (int)o.applied,
              entry->expect_kind);
  }
  /* A fault the call did not use up (it gave up early) would hit this user's next read. */
  int answered = sim_control("GET", "/faults", NULL, &left);
  if (answered != 200) {
    result = control_failed(w, "listing faults", answered);
  } else {
    for (int i = 0;; i++) {
      char pointer[48];
      snprintf(pointer, sizeof pointer, "/%d/path", i);
      char *fault_path = jget(left, pointer);
      if (fault_path == NULL) break;
      snprintf(pointer, sizeof pointer, "/%d/remaining", i);
      char *remaining = jget(left, pointer);
      if (same(fault_path, path) && remaining != NULL && atoi(remaining) > 0) user->burned = true;
      nevis_string_free(fault_path);
      nevis_string_free(remaining);
    }
  }
  nevis_string_free(json);
  nevis_string_free(field);
  free(left);
  return result;
}

static int fault_shared(struct worker *w) {
  const struct fault_entry *entry = &D.mix.shared[weighted(w, &D.mix.shared[0].weight, sizeof *entry, D.mix.n_shared)];
  int result = add_fault(w, entry->method, entry->path, entry->members);
  if (result != DONE) return result;
  char name[96], req[REQ];
  char *json = NULL, *tx = NULL;
  struct user *user;
  struct outcome o = {CALL_OK, 0, NEVIS_APPLIED_NO};
  if (strcmp(entry->then, "get_status") == 0) {
    nevis_status status;
    snprintf(name, sizeof name, "soak-unknown-token-%u", w->counter);
    o = CALL(w, OP_GET_STATUS, false, EXPECT_ANY(0), nevis_client_get_status(D.normal, name, &status, &json));
  } else if (strcmp(entry->then, "ping") == 0) {
    o = CALL(w, OP_PING, false, EXPECT_ANY(0), nevis_client_ping(D.normal));
  } else if (strcmp(entry->then, "find_user") == 0) {
    user = pick_user(w, -1, false);
    o = CALL(w, OP_FIND_USER, false, EXPECT_ANY(0),
             nevis_client_find_user(D.normal, user ? user->username : "soak-nobody", &json));
  } else if (strcmp(entry->then, "approve") == 0 && (user = pick_user(w, 0, false)) != NULL) {
    snprintf(req, sizeof req, "{\"channel\":\"push\",\"username\":\"%s\"}", user->username);
    o = CALL(w, OP_APPROVE, false, EXPECT_ANY(EFFECT_BIT(EFFECT_APPROVAL)),
             nevis_client_approve(D.normal, req, NULL, &json));
    if (o.status == CALL_OK) {
      nevis_error_free(nevis_json_transaction_id(json, &tx));
      if (tx != NULL) phone_schedule(tx, "decline", 0);
    }
  }
  nevis_string_free(json);
  nevis_string_free(tx);
  return o.status == CALL_ABORT ? ABORTED : DONE;
}

int run_scenario(struct worker *w, enum scenario sc) {
  switch (sc) {
  case SC_ENROLL_PUSH: return enroll_push(w);
  case SC_ENROLL_SMS: return enroll_sms(w);
  case SC_APPROVE: return approve(w);
  case SC_LOOKUP: return lookup(w);
  case SC_DELETE: return delete_one(w);
  case SC_INTENT: return intent(w);
  case SC_API_ERROR: return api_error(w);
  case SC_FAULT_SCOPED: return fault_scoped(w);
  case SC_FAULT_SHARED: return fault_shared(w);
  case SC_PING:
    return CALL(w, OP_PING, false, EXPECT_NONE(0), nevis_client_ping(D.normal)).status == CALL_OK ? DONE : ABORTED;
  default: return DONE;
  }
}
