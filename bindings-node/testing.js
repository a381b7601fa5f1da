// Test helpers for applications: start the local Authentication Cloud simulator (`authcloud-sim`)
// and play the user's phone through its control plane, so an application's own test suite can
// run real login flows without a Nevis instance (the Node counterpart of the pytest fixture
// `authcloud_sim`).
//
// The simulator binary comes from the npm package `nevis-authcloud-sim` (a devDependency of the
// application: production installs never carry it), or from $AUTHCLOUD_SIM. It runs as a child
// process that exits when this process closes its stdin, so it never outlives the tests, and it
// never keeps Node's event loop alive on its own.
'use strict'

const { spawn } = require('node:child_process')
const { mkdtempSync, readFileSync, rmSync, statSync } = require('node:fs')
const { request: httpRequest } = require('node:http')
const { request: httpsRequest } = require('node:https')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { createInterface } = require('node:readline')

const STARTUP_TIMEOUT_MS = 15_000
const SIM_PACKAGE = 'nevis-authcloud-sim'

/** The simulator could not be found or started, or its control plane refused a request. */
/**
 * The transaction the control plane acts on: given as such, or the operation an approval
 * (`transactionId`) or an enrolment (`enrollment.transactionId`) started.
 */
function transactionIdOf(operation) {
  if (typeof operation === 'string') return operation
  if (operation !== null && typeof operation === 'object') {
    const id = typeof operation.transactionId === 'string' ? operation.transactionId : operation.enrollment?.transactionId
    if (typeof id === 'string') return id
    throw new SimulatorError('operation: this result started no operation for the phone to act on (a recovery enrolment has none)')
  }
  throw new SimulatorError(
    `operation: expected a transaction id or the result of enroll/approve, not ${operation === null ? 'null' : typeof operation}`,
  )
}

class SimulatorError extends Error {
  constructor(message, { status, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'SimulatorError'
    if (status !== undefined) this.status = status
  }
}

/**
 * The path of the `authcloud-sim` binary: $AUTHCLOUD_SIM, else the one the `nevis-authcloud-sim`
 * package installed for this platform (looked up from the working directory, then from here).
 */
function findSimulator() {
  const configured = process.env.AUTHCLOUD_SIM
  if (configured) {
    if (!isFile(configured)) throw new SimulatorError(`AUTHCLOUD_SIM=${configured} is not a file`)
    return configured
  }
  let entry
  try {
    entry = require.resolve(SIM_PACKAGE, { paths: [process.cwd(), __dirname] })
  } catch (err) {
    throw new SimulatorError(
      `authcloud-sim not found: install it with \`npm install --save-dev ${SIM_PACKAGE}\`, ` +
        'or set AUTHCLOUD_SIM to the path of the binary',
      { cause: err },
    )
  }
  try {
    return require(entry).binaryPath()
  } catch (err) {
    throw new SimulatorError(err.message, { cause: err })
  }
}

function isFile(path) {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * Starts a simulator on a free loopback port.
 *
 * @param {{ tls?: boolean, accessKey?: string, binary?: string, args?: string[] }} [options]
 *   `tls` serves HTTPS with a CA generated at start (its PEM in `caPem`); `accessKey` replaces the
 *   accepted key; `binary` overrides findSimulator(); `args` are extra simulator flags.
 * @returns {Promise<Simulator>}
 */
async function startSimulator(options = {}) {
  const { tls = false, accessKey, binary = findSimulator(), args: extra = [] } = options ?? {}
  const work = mkdtempSync(join(tmpdir(), 'authcloud-sim-'))
  const args = ['--listen', '127.0.0.1:0', '--exit-on-stdin-eof']
  if (tls) args.push('--tls', '--ca-out', join(work, 'ca.pem'))
  if (accessKey !== undefined) args.push('--access-key', accessKey)
  args.push(...extra)

  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'ignore'] })
  let ready
  try {
    ready = await firstLine(child, binary)
  } catch (err) {
    child.kill()
    rmSync(work, { recursive: true, force: true })
    throw err
  }
  // The simulator stays up until stop() or this process exits, but never holds the event loop.
  child.stdout.resume()
  child.unref()
  child.stdin.unref?.()
  child.stdout.unref?.()
  const caPem = ready.caPath ? readFileSync(ready.caPath, 'utf8') : undefined
  return new Simulator(child, work, ready.baseUrl, ready.accessKey, ready.caPath ?? undefined, caPem)
}

/** The simulator's first stdout line: `{"baseUrl", "accessKey", "caPath"}`. */
function firstLine(child, binary) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    const timer = setTimeout(
      () => fail(new SimulatorError(`${binary} printed no address within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    )
    function fail(err) {
      clearTimeout(timer)
      lines.close()
      reject(err)
    }
    lines.once('line', (text) => {
      clearTimeout(timer)
      lines.close()
      try {
        resolve(JSON.parse(text))
      } catch (err) {
        reject(new SimulatorError(`${binary} printed ${JSON.stringify(text)} instead of its address`, { cause: err }))
      }
    })
    child.once('error', (err) => fail(new SimulatorError(`could not start ${binary}: ${err.message}`, { cause: err })))
    child.once('exit', (code, signal) => fail(new SimulatorError(`${binary} exited (${signal ?? code}) before printing its address`)))
  })
}

class Simulator {
  #child
  #work

  constructor(child, work, baseUrl, accessKey, caPath, caPem) {
    this.#child = child
    this.#work = work
    /** The API root, e.g. `http://127.0.0.1:41337`. */
    this.baseUrl = baseUrl
    /** The access key the simulator accepts. */
    this.accessKey = accessKey
    /** With `tls`: the file holding the simulator's CA certificate. */
    this.caPath = caPath
    /** With `tls`: the simulator's CA certificate (PEM), for `caCerts`. */
    this.caPem = caPem
  }

  /** The options of a `Client` talking to this simulator. */
  clientOptions(extra = {}) {
    const options = { baseUrl: this.baseUrl, accessKey: this.accessKey }
    if (this.caPem !== undefined) options.caCerts = this.caPem
    return { ...options, ...extra }
  }

  /** A `Client` talking to this simulator (close it when done). */
  client(extra = {}) {
    const { Client } = require('./index.js')
    return new Client(this.clientOptions(extra))
  }

  /** Calls `{baseUrl}/_sim{path}` and resolves its JSON answer (undefined for 204). */
  control(method, path, body = undefined) {
    const url = new URL(`${this.baseUrl}/_sim${path}`)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
    return new Promise((resolve, reject) => {
      const req = send(url, { method, ca: this.caPem, agent: false, headers }, (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (res.statusCode >= 300) {
            reject(new SimulatorError(`${method} /_sim${path}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`, { status: res.statusCode }))
            return
          }
          try {
            resolve(text ? JSON.parse(text) : undefined)
          } catch (err) {
            reject(new SimulatorError(`${method} /_sim${path}: not JSON: ${text.slice(0, 200)}`, { cause: err }))
          }
        })
      })
      req.on('error', (err) => reject(new SimulatorError(`${method} /_sim${path}: ${err.message}`, { cause: err })))
      req.end(payload)
    })
  }

  /**
   * The user's phone accepts the operation (confirms an app enrolment, accepts a push): a
   * transaction id, or the result of `enroll` / `approve` that started it.
   */
  async accept(operation, body = {}) {
    return this.control('POST', `/operations/${encodeURIComponent(transactionIdOf(operation))}/accept`, body)
  }

  /** The user's phone declines the operation (a transaction id or an `enroll` / `approve` result). */
  async decline(operation) {
    return this.control('POST', `/operations/${encodeURIComponent(transactionIdOf(operation))}/decline`, {})
  }

  /** The operation times out now (a transaction id or an `enroll` / `approve` result). */
  async expire(operation) {
    return this.control('POST', `/operations/${encodeURIComponent(transactionIdOf(operation))}/expire`, {})
  }

  /** The operations the simulator knows, optionally filtered (e.g. `{ state: 'pending', userId }`). */
  operations(filters = {}) {
    const query = new URLSearchParams(filters).toString()
    return this.control('GET', `/operations${query ? `?${query}` : ''}`)
  }

  /** The last SMS sent to `phone`: `{ text, code, transactionId, ... }`. */
  lastSms(phone) {
    return this.control('GET', `/phones/${encodeURIComponent(phone)}/last-sms`)
  }

  /** The recovery codes of a user. */
  recoveryCodes(userId) {
    return this.control('GET', `/users/${encodeURIComponent(userId)}/recovery-codes`)
  }

  /**
   * Blocks the user as the SMS and/or push rate limit would (`blockUser(id, ['push'])`) until
   * `unblockUser` or `reset`; resolves `{ userId, exceededRateLimits }`.
   */
  blockUser(userId, channels) {
    return this.control('POST', `/users/${encodeURIComponent(userId)}/rate-limits`, { channels })
  }

  /** Lifts every rate-limit block of the user (and forgets the sends the limits counted). */
  unblockUser(userId) {
    return this.control('DELETE', `/users/${encodeURIComponent(userId)}/rate-limits`)
  }

  /** Moves the simulator's virtual clock forward. */
  advanceClock(seconds) {
    return this.control('POST', '/clock/advance', { seconds })
  }

  /** Injects a fault, e.g. `addFault({ method: 'GET', path: '/ping', fault: 'status', status: 503 })`. */
  addFault(fault) {
    return this.control('POST', '/faults', fault)
  }

  async clearFaults() {
    await this.control('DELETE', '/faults')
  }

  /** `{ requests, created: {...} }`: what the simulator saw and really created. */
  stats() {
    return this.control('GET', '/stats')
  }

  /** Forgets all users, operations, tokens, faults and counters. */
  async reset() {
    await this.control('POST', '/reset')
  }

  /** Stops the simulator (it exits when its stdin closes) and removes its files. */
  async stop() {
    const child = this.#child
    if (child.exitCode === null && child.signalCode === null) {
      child.ref()
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(this.#work, { recursive: true, force: true })
  }

  async [Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]() {
    await this.stop()
  }
}

module.exports = { startSimulator, findSimulator, Simulator, SimulatorError }
