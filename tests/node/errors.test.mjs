// Every error class of the Node SDK, each produced by a real round trip to the simulator (its own
// errors, or a fault injected through the control plane), plus the checks that the JS mapping
// covers every kind the core can report and agrees with the addon's table.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { readFileSync } from 'node:fs'
import * as sdk from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName, requireSdk } from './sim.mjs'

const native = requireSdk('./native.js')
// Debug builds of the addon (the one `make test` builds) can panic on purpose; released ones cannot.
const canPanicOnPurpose = typeof native.panicForTests === 'function'
const { Client } = sdk

/** Kinds seen by the tests below; the last test checks that every core kind was. */
const covered = new Set()

async function expectError(promise, Class, code) {
  const err = await promise.then(
    () => assert.fail(`expected ${Class.name}`),
    (e) => e,
  )
  assert.ok(err instanceof Class, `${err?.name}: ${err?.message} is not a ${Class.name}`)
  assert.ok(err instanceof sdk.NevisError)
  assert.ok(err instanceof Error)
  assert.equal(err.name, Class.name)
  assert.equal(err.code, code)
  assert.equal(err.kind, code)
  assert.equal(typeof err.stack, 'string')
  covered.add(code)
  return err
}

async function closedPort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('errors through real round trips', () => {
  let sim
  let tlsSim
  let client
  let username
  before(async () => {
    ;[sim, tlsSim] = await Promise.all([startSim(), startSim({ tls: true })])
    client = new Client(sim.options({ maxRetries: 0, timeout: 1000 }))
    username = uniqueName('errors')
    await activePushUser(client, sim, username)
  })
  after(async () => {
    await client.close()
    await Promise.all([sim.stop(), tlsSim.stop()])
  })

  /** Injects a status fault on GET /api/v1/users and calls findUser. */
  async function statusFault(status, extra = {}) {
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'status', status, ...extra })
    return client.findUser(username)
  }

  it('400 BadRequestError with the error body (and a real 404 from an approval for an unknown user)', async () => {
    const err = await expectError(client.approve({ channel: 'sms', username: uniqueName('nobody-sms') }), sdk.NotFoundError, 'not_found')
    assert.equal(err.status, 404)
    const bad = await expectError(statusFault(400), sdk.BadRequestError, 'bad_request')
    assert.ok(bad instanceof sdk.ApiError)
    assert.equal(bad.status, 400)
    assert.equal(bad.error, 'Bad Request')
    assert.equal(bad.path, '/api/v1/users')
    assert.equal(bad.mayHaveBeenApplied, 'no')
    assert.equal(typeof bad.body, 'string')
    assert.ok(bad.timestamp !== undefined)
    assert.match(bad.message, /^400 Bad Request/)
    assert.match(bad.message, /\(GET \/api\/v1\/users\)$/)
    assert.equal(bad.method, 'GET')
    assert.equal(bad.attempts, 1)
  })

  it('401 AuthenticationError (injected) and 403 PermissionDeniedError (a real wrong key)', async () => {
    await expectError(statusFault(401), sdk.AuthenticationError, 'unauthorized')
    const wrongKey = new Client(sim.options({ accessKey: 'not-the-sim-key', maxRetries: 0 }))
    const err = await expectError(wrongKey.findUser(username), sdk.PermissionDeniedError, 'forbidden')
    assert.equal(err.status, 403)
    assert.equal(typeof err.timestamp, 'number')
    assert.equal(err.apiMessage, undefined)
  })

  it('404 NotFoundError for an unknown user', async () => {
    const err = await expectError(client.findUser(uniqueName('ghost')), sdk.NotFoundError, 'not_found')
    assert.equal(err.status, 404)
    assert.equal(err.error, 'Not Found')
  })

  it("an API error's stack leads back to the async function that made the call", async () => {
    async function lookUpTheGhostUser() {
      return await client.findUser(uniqueName('ghost'))
    }
    const err = await lookUpTheGhostUser().then(
      () => assert.fail('expected NotFoundError'),
      (e) => e,
    )
    assert.ok(err instanceof sdk.NotFoundError)
    assert.match(err.stack, /^NotFoundError: /)
    assert.match(err.stack, /at async lookUpTheGhostUser \(/)
    // A refused argument throws before anything is sent: the whole synchronous stack is there.
    async function passANumber() {
      return await client.getUser(42)
    }
    const refused = await passANumber().then(
      () => assert.fail('expected InvalidRequestError'),
      (e) => e,
    )
    assert.ok(refused instanceof sdk.InvalidRequestError)
    assert.match(refused.stack, /passANumber/)
  })

  it('405, 409, 412, 413, 415 and 5xx map to their classes', async () => {
    await expectError(statusFault(405), sdk.MethodNotAllowedError, 'method_not_allowed')
    const phone = '+41790000001'
    const sms = await client.enroll({ username, channel: 'sms', phone })
    assert.ok(sms.enrollment.statusToken)
    const conflict = await expectError(client.enroll({ username, channel: 'sms', phone }), sdk.ConflictError, 'conflict')
    assert.equal(conflict.status, 409)
    await expectError(statusFault(412), sdk.PreconditionFailedError, 'precondition_failed')
    const tooLarge = await expectError(
      client.approve({ channel: 'push', username, padding: 'x'.repeat(1_200_000) }),
      sdk.PayloadTooLargeError,
      'payload_too_large',
    )
    assert.equal(tooLarge.status, 413)
    await expectError(statusFault(415), sdk.UnsupportedMediaTypeError, 'unsupported_media_type')
    const server = await expectError(statusFault(502), sdk.ServerError, 'server')
    assert.equal(server.status, 502)
    assert.equal(server.retryable, true)
  })

  it('429 RateLimitError carries retryAfter in milliseconds', async () => {
    const err = await expectError(statusFault(429, { retryAfter: '3600' }), sdk.RateLimitError, 'rate_limited')
    assert.equal(err.status, 429)
    assert.equal(err.retryAfter, 3_600_000)
  })

  it('a 503 with Retry-After is a ServerError that keeps retryAfter too', async () => {
    const err = await expectError(statusFault(503, { retryAfter: '3600' }), sdk.ServerError, 'server')
    assert.equal(err.status, 503)
    assert.equal(err.retryAfter, 3_600_000)
    assert.equal(err.retryable, true)
  })

  it('a panic inside the addon rejects with InternalError, and the addon keeps working', async (t) => {
    // panicForTests exists in debug builds of the addon only: `make test` builds one (and says so
    // with NEVIS_TEST_DEBUG_HOOKS); a released platform package (make dist-check) has no such hook.
    if (!canPanicOnPurpose) {
      assert.ok(!process.env.NEVIS_TEST_DEBUG_HOOKS, 'the debug build has no panicForTests hook')
      t.skip('a release build of the addon has no panic hook')
      return
    }
    const panicking = native.panicForTests().catch((raw) => {
      throw sdk.fromNative(raw)
    })
    const err = await expectError(panicking, sdk.InternalError, 'internal')
    assert.equal(err.retryable, false)
    assert.equal(err.mayHaveBeenApplied, 'unknown')
    assert.match(err.cause.message, /panic_for_tests was called/)
    await client.ping()
  })

  it('TimeoutError when the answer comes too late', async () => {
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'delay', ms: 2500 })
    const started = Date.now()
    const err = await expectError(client.findUser(username), sdk.TimeoutError, 'timeout')
    assert.ok(Date.now() - started < 2400, 'the timeout did not cut the call short')
    assert.equal(err.retryable, true)
  })

  it('ConnectionError for a refused connection and a dropped one, with the cause chain', async () => {
    const refused = new Client({ baseUrl: `http://127.0.0.1:${await closedPort()}`, accessKey: 'k', maxRetries: 0 })
    const err = await expectError(refused.ping(), sdk.ConnectionError, 'connection')
    assert.ok(err.cause instanceof Error, 'the cause chain is kept')
    let depth = 0
    for (let cause = err.cause; cause; cause = cause.cause) depth += 1
    assert.ok(depth >= 2, `cause chain depth ${depth}`)
    assert.equal(err.mayHaveBeenApplied, 'no')
    await sim.fault({ method: 'POST', path: '/api/v1/approval', count: 1, fault: 'close' })
    const dropped = await expectError(client.approve({ channel: 'push', username }), sdk.ConnectionError, 'connection')
    assert.equal(dropped.mayHaveBeenApplied, 'unknown')
  })

  it('TlsError (a ConnectionError) for a certificate from an untrusted CA', async () => {
    const untrusted = new Client({ baseUrl: tlsSim.baseUrl, accessKey: tlsSim.accessKey, maxRetries: 0 })
    const err = await expectError(untrusted.ping(), sdk.TlsError, 'tls')
    assert.ok(err instanceof sdk.ConnectionError)
  })

  it('DecodeError for a malformed answer; the server may have acted', async () => {
    await sim.fault({ method: 'POST', path: '/api/v1/approval', count: 1, fault: 'malformed' })
    const err = await expectError(client.approve({ channel: 'push', username }), sdk.DecodeError, 'decode')
    assert.equal(err.mayHaveBeenApplied, 'yes')
  })

  it('InvalidRequestError names the field and sends nothing', async () => {
    const before = (await sim.stats()).requests
    const err = await expectError(client.enroll({ username: 'alice', channel: 'sms' }), sdk.InvalidRequestError, 'invalid_request')
    assert.equal(err.field, 'phone')
    const notUuid = await expectError(client.getUser('not-a-uuid'), sdk.InvalidRequestError, 'invalid_request')
    assert.equal(notUuid.field, 'userId')
    const wrongType = await expectError(client.getStatus(42), sdk.InvalidRequestError, 'invalid_request')
    assert.equal(wrongType.field, 'statusToken')
    const notObject = await expectError(client.approve('push'), sdk.InvalidRequestError, 'invalid_request')
    assert.equal(notObject.field, 'request')
    assert.equal((await sim.stats()).requests, before)
  })

  it('ConfigurationError from the constructor, naming the option as written', async () => {
    const cases = [
      [{ baseUrl: 'http://example.com', accessKey: 'k' }, 'baseUrl'],
      [{ baseUrl: sim.baseUrl, accessKey: '' }, 'accessKey'],
      [{ baseUrl: sim.baseUrl, accessKey: 'k', timeout: -1 }, 'timeout'],
      [{ baseUrl: sim.baseUrl, accessKey: 'k', maxRetries: 11 }, 'maxRetries'],
      [{ instance: 'acme', baseUrl: sim.baseUrl, accessKey: 'k' }, 'instance'],
    ]
    for (const [options, field] of cases) {
      const err = await expectError(
        Promise.resolve().then(() => new Client(options)),
        sdk.ConfigurationError,
        'config',
      )
      assert.equal(err.field, field)
    }
    assert.throws(
      () => new Client({ baseUrl: sim.baseUrl, accessKey: 'k', timeout: 'soon' }),
      (err) =>
        err instanceof sdk.ConfigurationError && err.field === 'timeout' && err.message === 'timeout: must be a number (got a string)',
    )
  })

  it('a closed client rejects every call with ClientClosedError, not as a configuration problem', async () => {
    const closing = new Client(sim.options())
    await closing.close()
    assert.equal(closing.closed, true)
    for (const call of [() => closing.ping(), () => closing.findUser(username), () => closing.getStatus('tok')]) {
      const err = await expectError(call(), sdk.ClientClosedError, 'closed')
      assert.ok(!(err instanceof sdk.ConfigurationError), err.constructor.name)
      assert.equal(err.field, undefined)
      assert.equal(err.retryable, false)
      assert.match(err.message, /closed/)
    }
  })

  it('AbortError when the signal aborts a wait', async () => {
    const approval = await client.approve({ channel: 'push', username })
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('browser went away')), 50)
    const err = await expectError(
      client.waitForStatus(approval.statusToken, { interval: 20, signal: controller.signal }),
      sdk.AbortError,
      'cancelled',
    )
    assert.equal(err.lastStatus.status, 'pending')
    assert.equal(err.cause.message, 'browser went away')
  })

  it('the JS classes cover every core kind and agree with the addon', () => {
    const kinds = native.errorKinds()
    assert.ok(kinds.includes('closed') && kinds.includes('internal'))
    const retryable = new Set(native.retryableKinds())
    const table = native.errorClasses()
    for (const kind of kinds) {
      const Class = sdk.errorClassFor(kind)
      assert.notEqual(Class, sdk.NevisError, `${kind} has no class`)
      assert.equal(Class.name, table[kind], kind)
      assert.equal(sdk[Class.name], Class, `${Class.name} is exported`)
      assert.equal(new Class('x', { kind }).retryable, retryable.has(kind), `${kind}: the core's retry policy`)
    }
    assert.deepEqual(Object.keys(sdk.CLASS_BY_KIND).sort(), [...kinds].sort())
    assert.equal(sdk.errorClassFor('something_new'), sdk.NevisError)
  })

  it('errors.d.ts declares every core kind as an ErrorCode and every class the table names', () => {
    const declarations = readFileSync(new URL('../../bindings-node/errors.d.ts', import.meta.url), 'utf8')
    const union = declarations.match(/export type ErrorCode =([^;]*?)\n\n/)
    assert.ok(union, 'errors.d.ts has no ErrorCode union')
    const codes = [...union[1].matchAll(/'([a-z_]+)'/g)].map((match) => match[1])
    assert.deepEqual([...codes].sort(), [...native.errorKinds()].sort())
    const classes = new Set([...declarations.matchAll(/^export class (\w+)/gm)].map((match) => match[1]))
    const undeclared = Object.values(native.errorClasses()).filter((name) => !classes.has(name))
    assert.deepEqual(undeclared, [])
  })

  it('every core kind was produced by a test above', () => {
    // A released addon cannot panic on purpose, so it cannot show `internal`.
    const producible = (kind) => kind !== 'internal' || canPanicOnPurpose
    const missing = native.errorKinds().filter((kind) => producible(kind) && !covered.has(kind))
    assert.deepEqual(missing, [])
  })
})
