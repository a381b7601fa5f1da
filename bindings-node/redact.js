// Results print without their secrets.
//
// A result is a plain object in the API's wire shape, and some of its fields are credentials a
// caller must be able to read (`approval.statusToken`, `intent.token`, a recovery enrolment's
// `recoveryCodes.codes`), while `console.log(result)`, a JSON logger or `util.inspect` must never
// show them. The core marks these fields as secrets (Rust `Secret`); this file gives every object
// and array of a result non-enumerable `toJSON` and `util.inspect.custom` hooks that show those
// fields as '[redacted]'. Reading a field, destructuring and spreading still give the real values.
'use strict'

const { inspect } = require('node:util')

/** The wire names of the fields the core models as `Secret` in a response. */
// surface.py: begin secret-fields (generated from docs/api/surface.json by `make generate`)
const SECRET_FIELDS = new Set(['code', 'codes', 'intentToken', 'statusToken', 'token'])
// surface.py: end secret-fields
const REDACTED = '[redacted]'

/** A plain copy of `value` with every secret field replaced by '[redacted]'. */
function redacted(value, secret = false) {
  if (secret) {
    if (value === null || value === undefined) return value
    return Array.isArray(value) ? value.map(() => REDACTED) : REDACTED
  }
  if (Array.isArray(value)) return value.map((item) => redacted(item))
  if (value !== null && typeof value === 'object') {
    const copy = {}
    for (const [key, item] of Object.entries(value)) copy[key] = redacted(item, SECRET_FIELDS.has(key))
    return copy
  }
  return value
}

/**
 * Adds the hooks to `value` and to every object or array inside it that holds a secret, however
 * deep (so `inspect(enrolment.enrollment)` is as safe as `inspect(enrolment)`), and returns `value`
 * itself. Objects without a secret anywhere inside print the same without hooks, so they get none:
 * most answers (a pending status) hold no secret, and the hooks were a measurable share of a call's
 * cost on the JavaScript thread (bench/node).
 */
function protect(value) {
  guard(value, false)
  return value
}

/** Hooks `value` if it is a secret container or holds a secret; true if it did. */
function guard(value, secret) {
  if (value === null || typeof value !== 'object') return false
  let holdsSecret = secret
  if (Array.isArray(value)) {
    for (const item of value) {
      if (guard(item, false)) holdsSecret = true
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      const isSecret = SECRET_FIELDS.has(key)
      if (guard(value[key], isSecret) || isSecret) holdsSecret = true
    }
  }
  if (holdsSecret) addHooks(value, secret)
  return holdsSecret
}

/**
 * The hooks, one pair for objects that hold secrets and one for secret containers (an array of
 * codes), with their property descriptors made once: hooking a result allocates nothing per object.
 */
function hooksFor(secret) {
  const descriptor = (value) => ({ value, enumerable: false, configurable: true, writable: true })
  return {
    toJSON: descriptor(function toJSON() {
      return redacted(this, secret)
    }),
    inspect: descriptor(function custom(depth, options, inspectFn = inspect) {
      if (depth < 0) return options.stylize(Array.isArray(this) ? '[Array]' : '[Object]', 'special')
      // `depth` is what is left of the caller's depth at this point (null: unlimited).
      return inspectFn(redacted(this, secret), { ...options, depth })
    }),
  }
}

const HOOKS = hooksFor(false)
const SECRET_HOOKS = hooksFor(true)

function addHooks(value, secret) {
  const hooks = secret ? SECRET_HOOKS : HOOKS
  Object.defineProperty(value, 'toJSON', hooks.toJSON)
  Object.defineProperty(value, inspect.custom, hooks.inspect)
}

module.exports = { protect, redacted, SECRET_FIELDS }
