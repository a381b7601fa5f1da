// Per-call options: `withOptions` makes a client on the same connection pool with other limits
// (a shorter timeout fires; the view queues for the pool's one connection instead of opening its
// own), every call takes `{ signal }` (aborting rejects with AbortError carrying
// mayHaveBeenApplied and leaves the client usable), and `close()` ends calls in flight with
// ClientClosedError, as in every language.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client, AbortError, ClientClosedError, ConfigurationError, InvalidRequestError, TimeoutError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName } from './sim.mjs'

describe('per-call options, abort signals and close', () => {
  let sim
  let client
  let username
  before(async () => {
    sim = await startSim()
    client = new Client(sim.options({ timeout: 10_000 }))
    username = uniqueName('call-options')
    await activePushUser(client, sim, username)
  })
  after(async () => {
    await client.close()
    await sim.stop()
  })

  it('a per-call timeout shorter than the client’s fires; the client keeps its own', async () => {
    const login = client.withOptions({ timeout: 300, maxRetries: 0 })
    assert.ok(login instanceof Client)
    await sim.fault({ method: 'GET', path: '/ping', count: 1, fault: 'delay', ms: 3000 })
    const started = Date.now()
    await assert.rejects(login.ping(), TimeoutError)
    assert.ok(Date.now() - started < 2500)
    await client.ping()
  })

  it('a view queues for the pool’s only connection instead of opening its own', async () => {
    const capped = new Client(sim.options({ maxConnections: 1 }))
    const view = capped.withOptions({ maxRetries: 0 })
    await sim.fault({ method: 'GET', path: '/ping', count: 1, fault: 'delay', ms: 800 })
    const started = Date.now()
    const first = capped.ping()
    await sleep(200)
    await view.ping()
    // With a pool of its own the view's ping would not have waited for the delayed one.
    assert.ok(Date.now() - started >= 750, `${Date.now() - started} ms`)
    await first
    await capped.close()
  })

  it('aborting a call in flight rejects with AbortError saying the server may have acted', async () => {
    await sim.fault({ method: 'POST', path: '/api/v1/approval', count: 1, fault: 'delay', ms: 5000 })
    const controller = new AbortController()
    const started = Date.now()
    const approving = client.approve({ channel: 'push', username }, { signal: controller.signal }).catch((e) => e)
    await sleep(300)
    controller.abort(new Error('the browser went away'))
    const err = await approving
    assert.ok(err instanceof AbortError, String(err))
    assert.equal(err.code, 'cancelled')
    assert.equal(err.mayHaveBeenApplied, 'unknown')
    assert.equal(err.cause?.message, 'the browser went away')
    assert.ok(Date.now() - started < 3000)
    // The client is still healthy.
    await client.ping()
    assert.equal(client.closed, false)
  })

  it('an already aborted signal rejects without a request, and a wrong signal names the option', async () => {
    const before = (await sim.stats()).requests
    const err = await client.getUser('00000000-0000-4000-8000-000000000000', { signal: AbortSignal.abort() }).catch((e) => e)
    assert.ok(err instanceof AbortError)
    assert.equal(err.mayHaveBeenApplied, 'no')
    assert.equal((await sim.stats()).requests, before)
    const wrong = await client.ping({ signal: 'soon' }).catch((e) => e)
    assert.ok(wrong instanceof InvalidRequestError && wrong.field === 'signal', String(wrong))
  })

  it('close ends calls in flight (a wait, and a call on a view) with ClientClosedError', async () => {
    const closing = new Client(sim.options())
    const approval = await closing.approve({ channel: 'push', username })
    await sim.fault({ method: 'GET', path: '/ping', count: 1, fault: 'delay', ms: 5000 })
    const waiting = closing.waitForStatus(approval.statusToken, { interval: 20 }).catch((e) => e)
    const pinging = closing
      .withOptions({ timeout: 20_000 })
      .ping()
      .catch((e) => e)
    await sleep(300)
    const started = Date.now()
    await closing.close()
    for (const err of [await waiting, await pinging]) {
      assert.ok(err instanceof ClientClosedError, String(err))
      assert.equal(err.code, 'closed')
    }
    assert.ok(Date.now() - started < 3000)
    assert.equal(closing.closed, true)
  })

  it('bad options are ConfigurationErrors naming the option', () => {
    for (const [options, field] of [
      [{ timeout: 0 }, 'timeout'],
      [{ deadline: -5 }, 'deadline'],
      [{ maxRetries: 11 }, 'maxRetries'],
      [{ maxRetryAfter: Number.NaN }, 'maxRetryAfter'],
    ]) {
      assert.throws(
        () => client.withOptions(options),
        (err) => err instanceof ConfigurationError && err.field === field,
        field,
      )
    }
  })
})
