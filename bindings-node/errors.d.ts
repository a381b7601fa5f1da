// Types of the SDK's error classes (errors.js). `code` is the core's error kind.

import type { StatusResponse } from './types'

// surface.py: begin error-kinds (generated from docs/api/surface.json by `make generate`)
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'precondition_failed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'tls'
  | 'decode'
  | 'invalid_request'
  | 'config'
  | 'cancelled'
  | 'closed'
  | 'internal'
// surface.py: end error-kinds

/** Could the server have acted on the failed request (sent the push, the SMS)? */
export type MayHaveBeenApplied = 'no' | 'yes' | 'unknown'

/** The failure description the native addon attaches to its rejections. */
export interface FailureDetails {
  kind?: string
  message?: string
  field?: string | null
  status?: number | null
  error?: string | null
  apiMessage?: string | null
  path?: string | null
  timestamp?: string | number | null
  body?: string | null
  /** The error answer as received (unredacted); kept out of the error's properties. */
  rawBody?: Buffer
  retryable?: boolean
  retryAfter?: number | null
  mayHaveBeenApplied?: MayHaveBeenApplied
  method?: string | null
  requestPath?: string | null
  attempts?: number
  lastStatus?: StatusResponse | null
  causes?: string[]
}

export class NevisError extends Error {
  constructor(message: string, details?: FailureDetails, options?: { cause?: unknown })
  /** The core's error kind (`internal` for a bug caught inside the SDK, `closed` for a closed client). */
  readonly code: ErrorCode | (string & {})
  /** The same as `code`. */
  readonly kind: ErrorCode | (string & {})
  readonly mayHaveBeenApplied: MayHaveBeenApplied
  /** HTTP attempts made (0 when the call failed before sending). */
  readonly attempts: number
  readonly method: string | undefined
  readonly requestPath: string | undefined
  /** True when the same call may succeed if tried again later (the core's retry policy). */
  readonly retryable: boolean
  /** How long the server asked to wait before trying again (429, some 503), in milliseconds. */
  readonly retryAfter: number | undefined
}

/**
 * The API answered with an HTTP error status; the fields come from its error body. A server may
 * echo what it received: every text here has the call's secrets (access key, tokens, codes)
 * replaced by '[redacted]'; only `rawBody()` gives the answer as it arrived.
 */
export class ApiError extends NevisError {
  readonly status: number | undefined
  /** The reason phrase (`Not Found`). */
  readonly error: string | undefined
  /** The human-readable detail of the body (absent on 401/403); also part of `message`. */
  readonly apiMessage: string | undefined
  readonly path: string | undefined
  /** ISO-8601 text on most errors, epoch milliseconds on 401/403. */
  readonly timestamp: string | number | undefined
  /** The body as text, secrets redacted (at most 8 KiB). */
  readonly body: string | undefined
  /**
   * The body exactly as received, UNREDACTED: if the server echoed the access key or a token, it
   * is in these bytes. Never log them. `undefined` for an error built by hand.
   */
  rawBody(): Buffer | undefined
}

// One class per kind of the core; the ones with more are declared by hand below.
// surface.py: begin error-classes (generated from docs/api/surface.json by `make generate`)
/**
 * 400 (and any other 4xx the API does not document): the server rejected the request; the message
 * of its answer names the field and the rule.
 */
export class BadRequestError extends ApiError {}
/** 401: no credential was sent. */
export class AuthenticationError extends ApiError {}
/** 403: the access key or intent token is not valid for this call. */
export class PermissionDeniedError extends ApiError {}
/** 404: unknown user, username, authenticator or path. */
export class NotFoundError extends ApiError {}
/** 405: wrong method for the path. */
export class MethodNotAllowedError extends ApiError {}
/** 409: duplicate content (e.g. the phone number is already registered). */
export class ConflictError extends ApiError {}
/** 412: a precondition failed (the API uses it for failed operations in status polling). */
export class PreconditionFailedError extends ApiError {}
/** 415: the request body had a media type the endpoint does not take. */
export class UnsupportedMediaTypeError extends ApiError {}
/** 413: the request body was too large. */
export class PayloadTooLargeError extends ApiError {}
/** 5xx: the server failed. */
export class ServerError extends ApiError {}
/** The connection could not be made or broke. */
export class ConnectionError extends NevisError {}
/** The server answered with something that is not the documented shape. */
export class DecodeError extends NevisError {}
/**
 * The client was closed: the call was made after `close()`, or was still running when the client
 * was closed.
 */
export class ClientClosedError extends NevisError {}
/**
 * A bug inside the SDK (a caught panic) ended the call. Never a problem of the caller's input;
 * please report it.
 */
export class InternalError extends NevisError {}
// surface.py: end error-classes

/** 429; `retryAfter` is the wait the server asked for, in milliseconds. */
export class RateLimitError extends ApiError {}
export class TlsError extends ConnectionError {}
export class TimeoutError extends NevisError {
  /** From `waitForStatus`: the last status seen before time ran out. */
  readonly lastStatus: StatusResponse | undefined
}
export class InvalidRequestError extends NevisError {
  readonly field: string | undefined
}
export class ConfigurationError extends NevisError {
  readonly field: string | undefined
}
export class AbortError extends NevisError {
  readonly lastStatus: StatusResponse | undefined
}

export type NevisErrorClass = new (message: string, details?: FailureDetails, options?: { cause?: unknown }) => NevisError

export const CLASS_BY_KIND: Readonly<Record<ErrorCode, NevisErrorClass>>
export function errorClassFor(kind: string): NevisErrorClass
/** Turns anything the native layer threw into a NevisError. */
export function fromNative(err: unknown, fallbackKind?: ErrorCode): NevisError
