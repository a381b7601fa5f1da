// The public Node.js entry point (CommonJS; index.mjs re-exports it for `import`).
//
// `Client` wraps the native client so that every method is an async function with the public
// name, every failure becomes one of the classes in errors.js, every call honours an AbortSignal
// (`{ signal }` as its last argument), and neither `util.inspect` nor `JSON.stringify` can ever show the access key or the
// tokens and codes in a result.
'use strict'

const { inspect } = require('node:util')
const native = require('./native.js')
const errors = require('./errors.js')
const { setLogger, formatRecord, syncSpans, CHANNEL_NAMES } = require('./logging.js')
const { protect } = require('./redact.js')
const { checkRequest, checkText, checkWaitOptions, checkClientOptions, checkCallOptions, checkSignal } = require('./arguments.js')

const { fromNative, AbortError } = errors

/** Symbol.asyncDispose exists from Node 20.4 (and in TypeScript's esnext.disposable lib). */
const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')

/**
 * Runs a native call and turns its rejection into a NevisError; a result's tokens and codes are
 * hidden from util.inspect and JSON.stringify (redact.js). `invoke(nativeClient)` starts the call;
 * it may throw (a refused argument), which rejects. A reaction on the native promise rather than an
 * async function: one promise and one microtask per call fewer (bench/node), and the error's stack
 * still ends in the caller's own async frames.
 */
function run(nativeClient, invoke) {
  let promise
  try {
    syncSpans()
    promise = invoke(nativeClient)
  } catch (err) {
    return Promise.reject(fromNative(err))
  }
  return promise.then(decode, rethrow)
}

/** The addon hands answers over as JSON text (bindings-node/src/promise.rs explains why). */
function decode(answer) {
  return answer === undefined ? undefined : protect(JSON.parse(answer))
}

function rethrow(err) {
  throw fromNative(err)
}

/** An aborted signal's reason as the `cause` of the AbortError it produced. */
function withAbortCause(err, signal) {
  if (err instanceof AbortError && signal?.aborted && err.cause === undefined) {
    Object.defineProperty(err, 'cause', { value: signal.reason, enumerable: false, configurable: true, writable: true })
  }
  return err
}

/**
 * Runs `invoke(nativeClient)` as `run` does; with a `signal` in `callOptions`, on a view of the same
 * pool that the signal cancels: the core ends the call (rejecting with AbortError, whose
 * `mayHaveBeenApplied` says whether the request had been written) and the client stays usable.
 * Not itself async: a call without a signal costs no async step of its own (bench/node).
 */
function runCancellable(nativeClient, callOptions, invoke) {
  let signal
  try {
    signal = checkCallOptions(callOptions)
  } catch (err) {
    return Promise.reject(err)
  }
  return signal === undefined ? run(nativeClient, invoke) : runWithSignal(nativeClient, signal, invoke)
}

async function runWithSignal(nativeClient, signal, invoke) {
  if (signal.aborted) {
    throw new AbortError('the call was cancelled', { kind: 'cancelled' }, { cause: signal.reason })
  }
  const canceller = new native.Canceller()
  const onAbort = () => canceller.cancel()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await run(nativeClient, (client) => invoke(client.withOptions(undefined, canceller)))
  } catch (err) {
    throw withAbortCause(err, signal)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** PEM given as text, a Buffer, or a list of them. */
function pemList(caCerts) {
  if (caCerts === undefined || caCerts === null) return undefined
  const list = Array.isArray(caCerts) ? caCerts : [caCerts]
  return list.map((pem) => (Buffer.isBuffer(pem) || pem instanceof Uint8Array ? Buffer.from(pem).toString('utf8') : pem))
}

/** Passed as the options by `withOptions`, to build a client around a native view of its pool. */
const VIEW = Symbol('nevis-authcloud view')

class Client {
  #native

  /**
   * @param {import('./index').ClientOptions} [options] unset values fall back to the
   *   NEVIS_AUTHCLOUD_INSTANCE / _BASE_URL / _ACCESS_KEY / _CA_FILE environment variables.
   */
  constructor(options = {}, view = undefined) {
    if (options === VIEW) {
      this.#native = view
      return
    }
    checkClientOptions(options)
    // null is "not given", as undefined is (napi would refuse it for a string option).
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined && value !== null))
    try {
      this.#native = new native.NativeClient({ ...given, caCerts: pemList(given.caCerts) })
    } catch (err) {
      throw fromNative(err, 'config')
    }
  }

  /**
   * A client on the same connection pool (no connection is opened) whose calls use these limits
   * (milliseconds; what is left out stays as this client has it). Throws ConfigurationError naming
   * a bad option. Closing it closes the pool it shares with this client.
   * @param {import('./index').CallOptions} [options]
   */
  withOptions(options = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new errors.ConfigurationError('options: must be an object', { kind: 'config', field: 'options' })
    }
    const { timeout, deadline, maxRetries, maxRetryAfter, retryNonIdempotent } = options
    const given = Object.fromEntries(
      Object.entries({ timeout, deadline, maxRetries, maxRetryAfter, retryNonIdempotent }).filter(([, v]) => v !== undefined && v !== null),
    )
    let view
    try {
      view = this.#native.withOptions(given)
    } catch (err) {
      throw fromNative(err, 'config')
    }
    return new Client(VIEW, view)
  }

  /** The API root this client talks to. */
  get baseUrl() {
    return this.#native.baseUrl
  }

  /** True after `close()`. */
  get closed() {
    return this.#native.closed
  }

  async ping(options) {
    await runCancellable(this.#native, options, (client) => client.ping())
  }

  enroll(request, options) {
    return runCancellable(this.#native, options, (client) => {
      checkRequest('request', request)
      return client.enroll(request)
    })
  }

  approve(request, options) {
    return runCancellable(this.#native, options, (client) => {
      checkRequest('request', request)
      return client.approve(request)
    })
  }

  getStatus(statusToken, options) {
    return runCancellable(this.#native, options, (client) => {
      checkText('statusToken', statusToken)
      return client.getStatus(statusToken)
    })
  }

  /**
   * Polls until the operation is decided. Rejects with TimeoutError after `timeout` ms and with
   * AbortError as soon as `signal` aborts (polling stops at once).
   */
  async waitForStatus(statusToken, options = {}) {
    checkText('statusToken', statusToken)
    checkWaitOptions(options)
    const { timeout, interval, maxInterval } = options ?? {}
    const signal = checkSignal(options?.signal)
    if (signal?.aborted) {
      throw new AbortError('waiting for the status was cancelled', { kind: 'cancelled' }, { cause: signal.reason })
    }
    const canceller = signal ? new native.Canceller() : undefined
    const onAbort = () => canceller.cancel()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await run(this.#native, (client) => client.waitForStatus(statusToken, { timeout, interval, maxInterval }, canceller))
    } catch (err) {
      throw withAbortCause(err, signal)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async verify(request, options) {
    await runCancellable(this.#native, options, (client) => {
      checkRequest('request', request)
      return client.verify(request)
    })
  }

  createIntent(request, options) {
    return runCancellable(this.#native, options, (client) => {
      checkRequest('request', request)
      return client.createIntent(request)
    })
  }

  introspect(token, options) {
    return runCancellable(this.#native, options, (client) => {
      checkText('token', token)
      return client.introspect(token)
    })
  }

  getUser(userId, options) {
    return runCancellable(this.#native, options, (client) => {
      checkText('userId', userId)
      return client.getUser(userId)
    })
  }

  findUser(username, options) {
    return runCancellable(this.#native, options, (client) => {
      checkText('username', username)
      return client.findUser(username)
    })
  }

  async deleteUser(userId, options) {
    await runCancellable(this.#native, options, (client) => {
      checkText('userId', userId)
      return client.deleteUser(userId)
    })
  }

  findAadb2cUser(objectId, options) {
    return runCancellable(this.#native, options, (client) => {
      checkText('objectId', objectId)
      return client.findAadb2cUser(objectId)
    })
  }

  renameAuthenticator(authenticatorId, name, options) {
    return runCancellable(this.#native, options, (client) => {
      checkText('authenticatorId', authenticatorId)
      checkText('name', name)
      return client.renameAuthenticator(authenticatorId, name)
    })
  }

  async deleteAuthenticator(authenticatorId, options) {
    await runCancellable(this.#native, options, (client) => {
      checkText('authenticatorId', authenticatorId)
      return client.deleteAuthenticator(authenticatorId)
    })
  }

  exportLogs(query = {}, options) {
    return runCancellable(this.#native, options, (client) => {
      checkRequest('query', query)
      return client.exportLogs(query)
    })
  }

  completeAttestation(credential, options) {
    return runCancellable(this.#native, options, (client) => {
      checkRequest('credential', credential)
      return client.completeAttestation(credential)
    })
  }

  completeAssertion(credential, options) {
    return runCancellable(this.#native, options, (client) => {
      checkRequest('credential', credential)
      return client.completeAssertion(credential)
    })
  }

  /**
   * Closes the connection pool (shared with every `withOptions` client): calls in flight reject
   * with ClientClosedError, later calls reject with it without sending anything.
   */
  async close() {
    this.#native.close()
  }

  async [asyncDispose]() {
    await this.close()
  }

  /** What `JSON.stringify(client)` shows: never the access key. */
  toJSON() {
    return { baseUrl: this.#native.baseUrl, accessKey: this.#native.accessKeyHint, closed: this.#native.closed }
  }

  [inspect.custom](depth, options, inspectFn = inspect) {
    if (depth < 0) return options.stylize('[Client]', 'special')
    return `Client ${inspectFn(this.toJSON(), { ...options, depth: options.depth === null ? null : options.depth - 1 })}`
  }

  get [Symbol.toStringTag]() {
    return 'NevisClient'
  }
}

module.exports = {
  Client,
  setLogger,
  formatRecord,
  CHANNEL_NAMES,
  ...errors,
}
