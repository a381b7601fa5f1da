// `setLogger`: the SDK's own log events (every request, failed attempt and retry) for Node
// applications, and Node's `NODE_DEBUG=nevis-authcloud` convention on top of it; and the
// `diagnostics_channel` channels where every call and attempt is published as it starts and ends.
//
// The core logs through Rust's `tracing`; the addon (src/logging.rs) forwards the SDK's events to
// one JavaScript function, on the JavaScript thread, without ever making a request wait for it and
// without keeping the process alive. This file checks the arguments, shields the SDK from a
// logger that throws, and installs a `util.debuglog` logger when NODE_DEBUG asks for one.
'use strict'

const diagnosticsChannel = require('node:diagnostics_channel')
const { debuglog } = require('node:util')
const native = require('./native.js')
const { fromNative, InvalidRequestError } = require('./errors.js')

/**
 * Sends the SDK's log records to `logger` from now on (`null` stops them). `options.level` is the
 * most verbose level delivered: 'trace', 'debug' (one record per HTTP attempt), 'info' (retries;
 * the default), 'warn' or 'error'. Records never contain the access key, tokens or codes.
 */
function setLogger(logger, options = undefined) {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new InvalidRequestError('options: must be an object', { kind: 'invalid_request', field: 'options' })
  }
  const level = options?.level ?? undefined
  if (level !== undefined && typeof level !== 'string') {
    throw new InvalidRequestError("level: must be 'trace', 'debug', 'info', 'warn' or 'error'", {
      kind: 'invalid_request',
      field: 'level',
    })
  }
  if (logger !== null && logger !== undefined && typeof logger !== 'function') {
    throw new InvalidRequestError('logger: must be a function or null', { kind: 'invalid_request', field: 'logger' })
  }
  try {
    native.setLogSink(logger ? shielded(logger) : null, level)
  } catch (err) {
    throw fromNative(err)
  }
}

/**
 * A logger that throws must not crash the server (the native side would turn the exception into
 * an uncaught one): the first failure becomes a process warning, later ones are ignored.
 */
function shielded(logger) {
  let warned = false
  return (record) => {
    try {
      logger(record)
    } catch (err) {
      if (!warned) {
        warned = true
        const reason = err instanceof Error ? err.message : String(err)
        process.emitWarning(`the nevis-authcloud logger threw (${reason}); its later failures are ignored`, {
          code: 'NEVIS_AUTHCLOUD_LOGGER',
        })
      }
    }
  }
}

/** `request completed method=GET path=/ping attempt=1 elapsed_ms=3` */
function formatRecord(record) {
  let text = record.message
  for (const [name, value] of Object.entries(record.fields)) text += ` ${name}=${value}`
  return text
}

// NODE_DEBUG=nevis-authcloud (or a pattern matching it) prints every record to stderr the way
// Node's own modules do: `NEVIS-AUTHCLOUD 4711: DEBUG request completed method=GET …`.
const debug = debuglog('nevis-authcloud')
if (debug.enabled) {
  try {
    setLogger((record) => debug('%s %s', record.level.toUpperCase(), formatRecord(record)), { level: 'trace' })
  } catch (err) {
    process.emitWarning(`NODE_DEBUG=nevis-authcloud: ${err.message}`, { code: 'NEVIS_AUTHCLOUD_LOGGER' })
  }
}

// Every call and every HTTP attempt, as `diagnostics_channel` messages (the way undici publishes
// its requests): `{ name, spanId, parentId, attributes, durationMs }`, where `name` is the operation
// (`nevis.get_user`) or `nevis.attempt`, `parentId` an attempt's call, `attributes` OpenTelemetry's
// HTTP client attributes (`http.request.method`, `url.template`, `server.address`,
// `http.response.status_code`, `error.type`, `http.request.resend_count`) and `durationMs` set on
// ends. Messages never contain a secret, token, user id or username.
const CHANNEL_NAMES = Object.freeze({
  callStart: 'nevis-authcloud:call:start',
  callEnd: 'nevis-authcloud:call:end',
  attemptStart: 'nevis-authcloud:attempt:start',
  attemptEnd: 'nevis-authcloud:attempt:end',
})
const channels = Object.fromEntries(Object.entries(CHANNEL_NAMES).map(([key, name]) => [key, diagnosticsChannel.channel(name)]))
let spansOn = false

function publishSpan(record) {
  const attempt = record.name === 'nevis.attempt'
  const start = record.phase === 'start'
  const channel = attempt ? (start ? channels.attemptStart : channels.attemptEnd) : start ? channels.callStart : channels.callEnd
  if (!channel.hasSubscribers) return
  const message = { name: record.name, spanId: record.spanId, parentId: record.parentId ?? null, attributes: record.attributes }
  if (!start) message.durationMs = record.durationMs
  try {
    channel.publish(message)
  } catch {
    // diagnostics_channel reports a throwing subscriber itself (as an uncaught exception on the
    // next tick); the SDK keeps going.
  }
}

/**
 * Called as each call starts: spans are recorded only while somebody subscribes to one of the
 * channels, so an application that never subscribes pays one look at four flags per call.
 */
function syncSpans() {
  const wanted =
    channels.callStart.hasSubscribers ||
    channels.callEnd.hasSubscribers ||
    channels.attemptStart.hasSubscribers ||
    channels.attemptEnd.hasSubscribers
  if (wanted === spansOn) return
  spansOn = wanted
  try {
    native.setSpanSink(wanted ? publishSpan : null)
  } catch (err) {
    // Tracing must never fail the call it would describe: say why once, and carry on without it.
    process.emitWarning(`nevis-authcloud spans are unavailable: ${fromNative(err).message}`, {
      code: 'NEVIS_AUTHCLOUD_TRACING',
    })
  }
}

module.exports = { setLogger, formatRecord, syncSpans, CHANNEL_NAMES }
