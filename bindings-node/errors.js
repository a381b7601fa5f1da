// The error classes of the Node SDK, and the one function that turns a native rejection into them.
//
// The native addon rejects with a plain Error whose `code` is the core's error kind and whose
// `nevis` property describes the failure. Users should not have to parse that: they catch
// `NotFoundError`, read `err.status`, `err.retryAfter` or `err.mayHaveBeenApplied`. The kind →
// class table below mirrors the addon's (a test checks both agree for every kind the core has);
// whether a failure is worth retrying is the core's answer, never decided here.
'use strict'

const native = require('./native.js')
const { protect } = require('./redact.js')

/** The kinds the core deems worth retrying later, for errors constructed by hand. */
const RETRYABLE_KINDS = new Set(native.retryableKinds())

/**
 * Root of every error this SDK throws. `code` is the core's kind (`not_found`, `timeout`, …);
 * `retryable` and `retryAfter` (milliseconds the server asked to wait: 429s and 503s) are the
 * core's retry policy.
 */
class NevisError extends Error {
  constructor(message, details = {}, options = undefined) {
    super(message, options)
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true, writable: true })
    this.code = details.kind ?? 'internal'
    this.kind = this.code
    this.retryable = details.retryable ?? RETRYABLE_KINDS.has(this.code)
    this.retryAfter = details.retryAfter ?? undefined
    this.mayHaveBeenApplied = details.mayHaveBeenApplied ?? 'no'
    this.attempts = details.attempts ?? 0
    this.method = details.method ?? undefined
    this.requestPath = details.requestPath ?? undefined
  }
}

/**
 * Error answers as received, unredacted, by the error they belong to. Kept here rather than on
 * the error, so util.inspect, JSON.stringify, console.error and spreading never see them.
 */
const RAW_BODIES = new WeakMap()

/**
 * The API answered with an HTTP error status. A server may echo what it received: `message`,
 * `error`, `apiMessage`, `path` and `body` have the call's secrets (access key, tokens, codes)
 * replaced by '[redacted]'; only `rawBody()` gives the answer as it arrived.
 */
class ApiError extends NevisError {
  constructor(message, details = {}, options = undefined) {
    super(message, details, options)
    this.status = details.status ?? undefined
    this.error = details.error ?? undefined
    this.apiMessage = details.apiMessage ?? undefined
    this.path = details.path ?? undefined
    this.timestamp = details.timestamp ?? undefined
    this.body = details.body ?? undefined
    if (Buffer.isBuffer(details.rawBody)) RAW_BODIES.set(this, details.rawBody)
  }

  /**
   * The error body exactly as received, UNREDACTED: if the server echoed the access key or a
   * token, it is in these bytes. Never log them; they are for debugging a server by hand.
   * @returns {Buffer | undefined}
   */
  rawBody() {
    const raw = RAW_BODIES.get(this)
    return raw === undefined ? undefined : Buffer.from(raw)
  }
}

// One class per kind of the core, documented with the core's doc of the kind. The classes with
// more than that (members, another base, a doc of their own) are written by hand below and listed
// in NODE_HAND_WRITTEN of scripts/surface.py.
// surface.py: begin error-classes (generated from docs/api/surface.json by `make generate`)
/**
 * 400 (and any other 4xx the API does not document): the server rejected the request; the message
 * of its answer names the field and the rule.
 */
class BadRequestError extends ApiError {}
/** 401: no credential was sent. */
class AuthenticationError extends ApiError {}
/** 403: the access key or intent token is not valid for this call. */
class PermissionDeniedError extends ApiError {}
/** 404: unknown user, username, authenticator or path. */
class NotFoundError extends ApiError {}
/** 405: wrong method for the path. */
class MethodNotAllowedError extends ApiError {}
/** 409: duplicate content (e.g. the phone number is already registered). */
class ConflictError extends ApiError {}
/** 412: a precondition failed (the API uses it for failed operations in status polling). */
class PreconditionFailedError extends ApiError {}
/** 415: the request body had a media type the endpoint does not take. */
class UnsupportedMediaTypeError extends ApiError {}
/** 413: the request body was too large. */
class PayloadTooLargeError extends ApiError {}
/** 5xx: the server failed. */
class ServerError extends ApiError {}
/** The connection could not be made or broke. */
class ConnectionError extends NevisError {}
/** The server answered with something that is not the documented shape. */
class DecodeError extends NevisError {}
/**
 * The client was closed: the call was made after `close()`, or was still running when the client
 * was closed.
 */
class ClientClosedError extends NevisError {}
/**
 * A bug inside the SDK (a caught panic) ended the call. Never a problem of the caller's input;
 * please report it.
 */
class InternalError extends NevisError {}
// surface.py: end error-classes

/** 429. `retryAfter` is the wait the server asked for, in milliseconds. */
class RateLimitError extends ApiError {}

/** TLS failed: untrusted, expired or wrong-host certificate. */
class TlsError extends ConnectionError {}

/** No answer in time; from `waitForStatus`, `lastStatus` is the last status seen. */
class TimeoutError extends NevisError {
  constructor(message, details = {}, options = undefined) {
    super(message, details, options)
    this.lastStatus = protect(details.lastStatus ?? undefined)
  }
}

/** Refused before sending: an argument breaks a rule of the API. `field` names it. */
class InvalidRequestError extends NevisError {
  constructor(message, details = {}, options = undefined) {
    super(message, details, options)
    this.field = details.field ?? undefined
  }
}

/** The client options cannot be used. `field` names the option. */
class ConfigurationError extends NevisError {
  constructor(message, details = {}, options = undefined) {
    super(message, details, options)
    this.field = details.field ?? undefined
  }
}

/** The call was aborted through its `AbortSignal`. */
class AbortError extends NevisError {
  constructor(message, details = {}, options = undefined) {
    super(message, details, options)
    this.lastStatus = protect(details.lastStatus ?? undefined)
  }
}

/** Core kind → class (the same table as the addon's `errorClasses()`). */
const CLASS_BY_KIND = Object.freeze({
  // surface.py: begin class-by-kind (generated from docs/api/surface.json by `make generate`)
  bad_request: BadRequestError,
  unauthorized: AuthenticationError,
  forbidden: PermissionDeniedError,
  not_found: NotFoundError,
  method_not_allowed: MethodNotAllowedError,
  conflict: ConflictError,
  precondition_failed: PreconditionFailedError,
  unsupported_media_type: UnsupportedMediaTypeError,
  payload_too_large: PayloadTooLargeError,
  rate_limited: RateLimitError,
  server: ServerError,
  timeout: TimeoutError,
  connection: ConnectionError,
  tls: TlsError,
  decode: DecodeError,
  invalid_request: InvalidRequestError,
  config: ConfigurationError,
  cancelled: AbortError,
  closed: ClientClosedError,
  internal: InternalError,
  // surface.py: end class-by-kind
})

/** The class for a kind; the root class for a kind this version does not know. */
function errorClassFor(kind) {
  return Object.hasOwn(CLASS_BY_KIND, kind) ? CLASS_BY_KIND[kind] : NevisError
}

/** The chain of causes the core reported, innermost last, as nested Errors. */
function causeChain(causes) {
  let cause
  for (let i = causes.length - 1; i >= 0; i--) {
    cause = new Error(causes[i], cause === undefined ? undefined : { cause })
  }
  return cause
}

/**
 * Turns anything the native layer threw into a NevisError. Errors that carry no failure
 * description (napi refusing an argument of the wrong type before the SDK saw it) become
 * `fallbackKind` (`invalid_request` for calls, `config` for the constructor), keeping the
 * original as `cause`.
 */
function fromNative(err, fallbackKind = 'invalid_request') {
  if (err instanceof NevisError) return err
  const details = err !== null && typeof err === 'object' ? err.nevis : undefined
  if (details === undefined || details === null || typeof details !== 'object') {
    const Class = errorClassFor(fallbackKind)
    const message = err instanceof Error ? err.message : String(err)
    return new Class(message, { kind: fallbackKind }, { cause: err })
  }
  const Class = errorClassFor(details.kind)
  const causes = Array.isArray(details.causes) ? details.causes : []
  const options = causes.length > 0 ? { cause: causeChain(causes) } : undefined
  return new Class(details.message, { ...details, rawBody: err.nevisRawBody }, options)
}

module.exports = {
  NevisError,
  ApiError,
  // surface.py: begin error-exports (generated from docs/api/surface.json by `make generate`)
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  MethodNotAllowedError,
  ConflictError,
  PreconditionFailedError,
  UnsupportedMediaTypeError,
  PayloadTooLargeError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ConnectionError,
  TlsError,
  DecodeError,
  InvalidRequestError,
  ConfigurationError,
  AbortError,
  ClientClosedError,
  InternalError,
  // surface.py: end error-exports
  CLASS_BY_KIND,
  errorClassFor,
  fromNative,
}
