// waitForStatus and call timeouts: deciding operations, the wait's own timeout with the last
// status, and AbortSignal: rejection is prompt, polling in Rust really stops, and an already
// aborted signal never starts a request.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client, AbortError, TimeoutError, InvalidRequestError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName } from './sim.mjs'

describe('waiting, timeouts and abort', () => {
  let sim
  let client
  let username
  before(async () => {
    sim = await startSim({ tls: true })
    client = new Client(sim.options())
    username = uniqueName('waiter')
    await activePushUser(client, sim, username)
  })
  after(async () => {
    await client.close()
    await sim.stop()
  })

  it('resolves with the decided status once the phone answers', async () => {
    const approval = await client.approve({ channel: 'push', username })
    setTimeout(() => sim.accept(approval.transactionId), 100)
    const status = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 5000 })
    assert.equal(status.status, 'succeeded')
  })

  it('a declined operation resolves as failed', async () => {
    const approval = await client.approve({ channel: 'push', username })
    setTimeout(() => sim.decline(approval.transactionId), 50)
    assert.equal((await client.waitForStatus(approval.statusToken, { interval: 20 })).status, 'failed')
  })

  it('rejects with TimeoutError carrying the last status when nobody answers in time', async () => {
    const approval = await client.approve({ channel: 'push', username })
    const before = (await sim.stats()).requests
    const started = Date.now()
    const err = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 300 }).catch((e) => e)
    const polls = (await sim.stats()).requests - before
    assert.ok(err instanceof TimeoutError, String(err))
    assert.equal(err.code, 'timeout')
    assert.equal(err.lastStatus.status, 'pending')
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 280 && elapsed < 3000, `${elapsed} ms`)
    // The attempts are the polls the simulator saw, not 0.
    assert.ok(polls >= 2, `${polls} polls`)
    assert.equal(err.attempts, polls)
  })

  it('abort rejects promptly even in a long pause, and polling stops in Rust', async () => {
    const approval = await client.approve({ channel: 'push', username })
    const controller = new AbortController()
    const waiting = client.waitForStatus(approval.statusToken, { interval: 20, maxInterval: 20, signal: controller.signal })
    await sleep(150)
    const before = (await sim.stats()).requests
    assert.ok(before > 0)
    const abortedAt = Date.now()
    controller.abort()
    const err = await waiting.catch((e) => e)
    assert.ok(err instanceof AbortError, String(err))
    assert.ok(Date.now() - abortedAt < 200, `rejected after ${Date.now() - abortedAt} ms`)
    const atAbort = (await sim.stats()).requests
    await sleep(200)
    assert.ok((await sim.stats()).requests - atAbort <= 1, 'polling went on after the abort') // the stats call itself is not counted

    const slow = new AbortController()
    const long = client.waitForStatus(approval.statusToken, { interval: 10_000, signal: slow.signal })
    await sleep(100)
    const t0 = Date.now()
    slow.abort()
    await assert.rejects(long, AbortError)
    assert.ok(Date.now() - t0 < 200)
  })

  it('an already aborted signal rejects without a request', async () => {
    const approval = await client.approve({ channel: 'push', username })
    const before = (await sim.stats()).requests
    const reason = new Error('gone')
    const err = await client.waitForStatus(approval.statusToken, { signal: AbortSignal.abort(reason) }).catch((e) => e)
    assert.ok(err instanceof AbortError)
    assert.equal(err.cause, reason)
    assert.equal((await sim.stats()).requests, before)
    await assert.rejects(client.waitForStatus(approval.statusToken, { signal: 'nope' }), InvalidRequestError)
    await assert.rejects(client.waitForStatus(approval.statusToken, { interval: 0 }), InvalidRequestError)
  })

  it('AbortSignal.timeout works as a deadline for the wait', async () => {
    const approval = await client.approve({ channel: 'push', username })
    const err = await client.waitForStatus(approval.statusToken, { interval: 20, signal: AbortSignal.timeout(100) }).catch((e) => e)
    assert.ok(err instanceof AbortError)
    assert.equal(err.cause.name, 'TimeoutError')
  })

  it('the per-attempt timeout and the deadline cut slow calls short', async () => {
    const quick = new Client(sim.options({ timeout: 200, maxRetries: 0 }))
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'delay', ms: 1500 })
    let started = Date.now()
    await assert.rejects(quick.findUser(username), TimeoutError)
    assert.ok(Date.now() - started < 1200)
    const deadline = new Client(sim.options({ timeout: 5000, deadline: 300, maxRetries: 5 }))
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'stall', afterBytes: 4, ms: 1500 })
    started = Date.now()
    await assert.rejects(deadline.findUser(username), TimeoutError)
    assert.ok(Date.now() - started < 1200)
    await sim.control('DELETE', '/faults')
  })
})
