// The public Node.js entry point (CommonJS; index.mjs re-exports it for `import`).
//
// `Client` wraps the native client so that every method is an async function with the public
// name, every failure becomes one of the classes in errors.js, `waitForStatus` honours an
// AbortSignal, and neither `util.inspect` nor `JSON.stringify` can ever show the access key or the
// tokens and codes in a result.
'use strict'

const { inspect } = require('node:util')
const native = require('./native.js')
const errors = require('./errors.js')
const { setLogger, formatRecord, syncSpans, CHANNEL_NAMES } = require('./logging.js')
const { protect } = require('./redact.js')
const { checkRequest, checkText, checkWaitOptions, checkClientOptions } = require('./arguments.js')

const { fromNative, AbortError } = errors

/** Symbol.asyncDispose exists from Node 20.4 (and in TypeScript's esnext.disposable lib). */
const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')

/**
 * Runs a native call and turns its rejection into a NevisError (thrown here, so the stack shows the
 * caller); a result's tokens and codes are hidden from util.inspect and JSON.stringify (redact.js).
 */
async function run(promiseFactory) {
  let promise
  try {
    syncSpans()
    promise = promiseFactory()
  } catch (err) {
    throw fromNative(err)
  }
  let answer
  try {
    answer = await promise
  } catch (err) {
    throw fromNative(err)
  }
  // The addon hands answers over as JSON text (bindings-node/src/promise.rs explains why).
  return answer === undefined ? undefined : protect(JSON.parse(answer))
}

async function runVoid(promiseFactory) {
  await run(promiseFactory)
}

/** PEM given as text, a Buffer, or a list of them. */
function pemList(caCerts) {
  if (caCerts === undefined || caCerts === null) return undefined
  const list = Array.isArray(caCerts) ? caCerts : [caCerts]
  return list.map((pem) => (Buffer.isBuffer(pem) || pem instanceof Uint8Array ? Buffer.from(pem).toString('utf8') : pem))
}

class Client {
  #native

  /**
   * @param {import('./index').ClientOptions} [options] unset values fall back to the
   *   NEVIS_AUTHCLOUD_INSTANCE / _BASE_URL / _ACCESS_KEY / _CA_FILE environment variables.
   */
  constructor(options = {}) {
    checkClientOptions(options)
    // null is "not given", as undefined is (napi would refuse it for a string option).
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined && value !== null))
    try {
      this.#native = new native.NativeClient({ ...given, caCerts: pemList(given.caCerts) })
    } catch (err) {
      throw fromNative(err, 'config')
    }
  }

  /** The API root this client talks to. */
  get baseUrl() {
    return this.#native.baseUrl
  }

  /** True after `close()`. */
  get closed() {
    return this.#native.closed
  }

  ping() {
    return runVoid(() => this.#native.ping())
  }

  enroll(request) {
    return run(() => {
      checkRequest('request', request)
      return this.#native.enroll(request)
    })
  }

  approve(request) {
    return run(() => {
      checkRequest('request', request)
      return this.#native.approve(request)
    })
  }

  getStatus(statusToken) {
    return run(() => {
      checkText('statusToken', statusToken)
      return this.#native.getStatus(statusToken)
    })
  }

  /**
   * Polls until the operation is decided. Rejects with TimeoutError after `timeout` ms and with
   * AbortError as soon as `signal` aborts (polling stops at once).
   */
  async waitForStatus(statusToken, options = {}) {
    checkText('statusToken', statusToken)
    checkWaitOptions(options)
    const { signal, timeout, interval, maxInterval } = options ?? {}
    if (signal !== undefined && signal !== null) {
      if (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
        throw new errors.InvalidRequestError('signal: must be an AbortSignal', { kind: 'invalid_request', field: 'signal' })
      }
      if (signal.aborted) {
        throw new AbortError('waiting for the status was cancelled', { kind: 'cancelled' }, { cause: signal.reason })
      }
    }
    const canceller = signal ? new native.Canceller() : undefined
    const onAbort = () => canceller.cancel()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await run(() => this.#native.waitForStatus(statusToken, { timeout, interval, maxInterval }, canceller))
    } catch (err) {
      if (err instanceof AbortError && signal?.aborted && err.cause === undefined) {
        Object.defineProperty(err, 'cause', { value: signal.reason, enumerable: false, configurable: true, writable: true })
      }
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  verify(request) {
    return runVoid(() => {
      checkRequest('request', request)
      return this.#native.verify(request)
    })
  }

  createIntent(request) {
    return run(() => {
      checkRequest('request', request)
      return this.#native.createIntent(request)
    })
  }

  introspect(token) {
    return run(() => {
      checkText('token', token)
      return this.#native.introspect(token)
    })
  }

  getUser(userId) {
    return run(() => {
      checkText('userId', userId)
      return this.#native.getUser(userId)
    })
  }

  findUser(username) {
    return run(() => {
      checkText('username', username)
      return this.#native.findUser(username)
    })
  }

  deleteUser(userId) {
    return runVoid(() => {
      checkText('userId', userId)
      return this.#native.deleteUser(userId)
    })
  }

  findAadb2cUser(objectId) {
    return run(() => {
      checkText('objectId', objectId)
      return this.#native.findAadb2cUser(objectId)
    })
  }

  renameAuthenticator(authenticatorId, name) {
    return run(() => {
      checkText('authenticatorId', authenticatorId)
      checkText('name', name)
      return this.#native.renameAuthenticator(authenticatorId, name)
    })
  }

  deleteAuthenticator(authenticatorId) {
    return runVoid(() => {
      checkText('authenticatorId', authenticatorId)
      return this.#native.deleteAuthenticator(authenticatorId)
    })
  }

  exportLogs(query = {}) {
    return run(() => {
      checkRequest('query', query)
      return this.#native.exportLogs(query)
    })
  }

  completeAttestation(credential) {
    return run(() => {
      checkRequest('credential', credential)
      return this.#native.completeAttestation(credential)
    })
  }

  completeAssertion(credential) {
    return run(() => {
      checkRequest('credential', credential)
      return this.#native.completeAssertion(credential)
    })
  }

  /** Releases the connection pool once running calls finish; later calls reject with ClientClosedError. */
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
