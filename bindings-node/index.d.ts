// The typed public surface of the Node SDK (the hand-written layer over native.d.ts, which napi
// generates). Every method resolves to a plain object in the API's camelCase wire shape and
// rejects with one of the classes in errors.d.ts.

/// <reference types="node" />

import type {
  ApprovalRequest,
  ApprovalResponse,
  AssertionRequest,
  AttestationRequest,
  AzureUser,
  Authenticator,
  EnrollRequest,
  EnrollResponse,
  OperationChannel,
  OperationEnrollResponse,
  Fido2Result,
  IntentRequest,
  IntentResponse,
  IntrospectResponse,
  LogExport,
  LogExportQuery,
  StatusResponse,
  User,
  VerifyRequest,
  WaitOptions,
} from './types'

export * from './types'
export * from './errors'

/** Settings of a client. Durations are in milliseconds. */
export interface ClientOptions {
  /** The instance id (`https://{instance}.mauth.nevis.cloud`). Give this or `baseUrl`. */
  instance?: string
  /** The API root instead (a proxy in front of Nevis, or the local simulator). */
  baseUrl?: string
  /** Default: NEVIS_AUTHCLOUD_ACCESS_KEY. */
  accessKey?: string
  /** Time for one HTTP attempt. Default 30 000. */
  timeout?: number
  /** Time to connect (TCP + TLS). Default 10 000. */
  connectTimeout?: number
  /** Time for a whole call, retries included. Default none. */
  deadline?: number
  /** Retries for failures that are safe to retry, 0-10. Default 2. */
  maxRetries?: number
  /**
   * Requests in flight at once, and so connections, 1 or more; more calls wait for a free slot
   * within their `deadline`. Default 100.
   */
  maxConnections?: number
  /** Backoff before the first retry and its cap. Default 500 / 8 000. */
  retryBackoff?: { initial: number; max: number }
  /** The longest `Retry-After` the client waits for. Default 30 000. */
  maxRetryAfter?: number
  /** Extra CA certificates (PEM) to trust besides the system's. Default: NEVIS_AUTHCLOUD_CA_FILE. */
  caCerts?: string | Buffer | Array<string | Buffer>
  /**
   * Send every request through this proxy: `http://`, `https://` (verified like the API) or
   * `socks5://` / `socks5h://` (the proxy resolves the API's name); `user:password@` allowed.
   */
  proxy?: string
  /** Take the proxy from HTTPS_PROXY (else ALL_PROXY), honouring NO_PROXY. Default false. */
  useEnvProxy?: boolean
  /** Appended to the User-Agent, e.g. `shop-backend/2.3`. */
  appInfo?: string
}

/**
 * Limits for the calls of a client made with `client.withOptions(...)`, in milliseconds. What is
 * left out stays as the client has it.
 */
export interface CallOptions {
  /** Time for one HTTP attempt. */
  timeout?: number
  /** Time for a whole call, retries included. */
  deadline?: number
  /** Retries after the first attempt for failures that are safe to retry (0-10). */
  maxRetries?: number
  /** The longest `Retry-After` waited for before failing with RateLimitError. */
  maxRetryAfter?: number
  /**
   * Also retry enroll, approve, verify and createIntent after failures where the server may have
   * acted: only if a second push or SMS is acceptable.
   */
  retryNonIdempotent?: boolean
}

/** The options every call takes as its last argument. */
export interface SignalOptions {
  /**
   * Abort the call: it rejects with AbortError (`kind: 'cancelled'`) at once, its request is
   * cancelled, and `mayHaveBeenApplied` says whether the server may have acted. The client stays
   * usable.
   */
  signal?: AbortSignal
}

/**
 * A client for one Authentication Cloud instance. Create one per process and share it: calls
 * run concurrently on one connection pool, never on the event loop. Results are plain objects;
 * `util.inspect` and `JSON.stringify` show their tokens and codes as `'[redacted]'`, reading the
 * property gives the value.
 */
export class Client {
  constructor(options?: ClientOptions)
  /** The API root this client talks to. */
  readonly baseUrl: string
  /** True after `close()`. */
  readonly closed: boolean

  /**
   * A client on the same connection pool (no connection is opened) whose calls use these limits:
   * `client.withOptions({ timeout: 2000, maxRetries: 0 })` for a login route. Throws
   * ConfigurationError naming a bad option. Closing it closes the pool it shares with this client.
   */
  withOptions(options?: CallOptions): Client

  /** `GET /ping`: resolves when the service answers. */
  ping(options?: SignalOptions): Promise<void>
  /**
   * Start registering an authenticator (creating the user when the username is new). On `app`,
   * `push`, `sms` and `fido2` the answer always has its `enrollment` (transaction id, status token).
   */
  enroll(request: EnrollRequest & { channel?: OperationChannel }, options?: SignalOptions): Promise<OperationEnrollResponse>
  enroll(request: EnrollRequest, options?: SignalOptions): Promise<EnrollResponse>
  /** Send a push, show a QR code, text a code or start a passkey login. */
  approve(request: ApprovalRequest, options?: SignalOptions): Promise<ApprovalResponse>
  /** Where an operation stands; a failed operation is `status: 'failed'`, not an error. */
  getStatus(statusToken: string, options?: SignalOptions): Promise<StatusResponse>
  /** Poll until the operation is decided (TimeoutError / AbortError otherwise). */
  waitForStatus(statusToken: string, options?: WaitOptions): Promise<StatusResponse>
  /** Check an SMS code or spend a recovery code; a wrong code is a BadRequestError. */
  verify(request: VerifyRequest, options?: SignalOptions): Promise<void>
  /** A one-time token a browser can use for one enrolment or approval. */
  createIntent(request: IntentRequest, options?: SignalOptions): Promise<IntentResponse>
  /** Is this token valid, and what does it say? */
  introspect(token: string, options?: SignalOptions): Promise<IntrospectResponse>
  getUser(userId: string, options?: SignalOptions): Promise<User>
  /** The user with this username (NotFoundError if none). */
  findUser(username: string, options?: SignalOptions): Promise<User>
  deleteUser(userId: string, options?: SignalOptions): Promise<void>
  /** The Azure AD B2C view of a user; check `userId !== null`. */
  findAadb2cUser(objectId: string, options?: SignalOptions): Promise<AzureUser>
  renameAuthenticator(authenticatorId: string, name: string, options?: SignalOptions): Promise<Authenticator>
  deleteAuthenticator(authenticatorId: string, options?: SignalOptions): Promise<void>
  /** The audit log as CSV. */
  exportLogs(query?: LogExportQuery, options?: SignalOptions): Promise<LogExport>
  /** Finish a FIDO2 registration; a rejected ceremony is `status: 'failed'`. */
  completeAttestation(credential: AttestationRequest, options?: SignalOptions): Promise<Fido2Result>
  /** Finish a FIDO2 authentication; a rejected ceremony is `status: 'failed'`. */
  completeAssertion(credential: AssertionRequest, options?: SignalOptions): Promise<Fido2Result>

  /**
   * Close the connection pool (shared with every `withOptions` client): calls in flight reject with
   * ClientClosedError, later calls reject with it without sending anything.
   */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
  /** `{ baseUrl, accessKey: '…abcd', closed }`: never the key. */
  toJSON(): { baseUrl: string; accessKey: string; closed: boolean }
}

/** How much `setLogger` delivers, from the most verbose to the least. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error'

/** One log event of the SDK. Never contains the access key, a token or a code. */
export interface LogRecord {
  level: LogLevel
  /** `nevis_authcloud`, or one of its modules such as `nevis_authcloud::tls`. */
  target: string
  /** What happened, e.g. `request completed`, `request failed`, `retrying`. */
  message: string
  /** Details: `method`, `path`, `attempt`, `elapsed_ms`, `status`, `kind`, `delay_ms`, … */
  fields: Record<string, string | number | boolean>
}

export interface LoggerOptions {
  /** The most verbose level delivered. `debug` adds one record per HTTP attempt. Default `info`. */
  level?: LogLevel
}

/**
 * Sends the SDK's log records to `logger` (on the JavaScript thread, shortly after they happen);
 * `null` stops them. Replaces any logger set before, including the `NODE_DEBUG=nevis-authcloud`
 * one. The logger never keeps the process alive, and a logger that throws is ignored (with one
 * process warning), never a failure of the call that logged.
 */
export function setLogger(logger: ((record: LogRecord) => void) | null, options?: LoggerOptions): void

/** `request completed method=GET path=/ping attempt=1 elapsed_ms=3`: a record as one line. */
export function formatRecord(record: LogRecord): string

/**
 * The `diagnostics_channel` names where every call and HTTP attempt is published as it starts and
 * ends. Spans are recorded only while one of them has a subscriber (checked as each call starts).
 */
export declare const CHANNEL_NAMES: {
  readonly callStart: 'nevis-authcloud:call:start'
  readonly callEnd: 'nevis-authcloud:call:end'
  readonly attemptStart: 'nevis-authcloud:attempt:start'
  readonly attemptEnd: 'nevis-authcloud:attempt:end'
}

/** A message on one of the `CHANNEL_NAMES` channels. Never contains a secret, token, user id or username. */
export interface SpanMessage {
  /** The operation (`nevis.get_user`), or `nevis.attempt`. */
  name: string
  spanId: number
  /** An attempt's call; `null` for a call. */
  parentId: number | null
  /**
   * OpenTelemetry HTTP client attributes: `http.request.method`, `url.template`
   * (`/api/v1/users/{userId}`), `server.address`, `http.response.status_code`, `error.type` (the
   * error's `kind`), `http.request.resend_count` and `nevis.attempt` (attempts), `nevis.attempts` (calls).
   */
  attributes: Record<string, string | number | boolean>
  /** How long the span was open (end channels only). */
  durationMs?: number
}
