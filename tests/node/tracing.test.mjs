// diagnostics_channel: every call and HTTP attempt is published as it starts and ends, with
// OpenTelemetry's HTTP client attributes, the route as a template, and no secret, token, user id or
// username; nothing is recorded while nobody subscribes.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import diagnosticsChannel from 'node:diagnostics_channel'
import { Client, CHANNEL_NAMES, NotFoundError, BadRequestError } from '../../bindings-node/index.mjs'
import { startSim, uniqueName } from './sim.mjs'

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'

/** Messages arrive on the JavaScript thread shortly after the span ends; wait for `count` call ends. */
async function calls(seen, count, ms = 5_000) {
  const deadline = Date.now() + ms
  while (seen.filter((m) => m.channel === CHANNEL_NAMES.callEnd).length < count) {
    if (Date.now() > deadline) assert.fail(`fewer than ${count} call ends within ${ms} ms: ${JSON.stringify(seen)}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return seen.splice(0)
}

describe('diagnostics_channel spans', () => {
  let sim
  let client
  const seen = []
  const listeners = {}
  before(async () => {
    sim = await startSim()
    client = new Client(sim.options({ retryBackoff: { initial: 5, max: 20 } }))
    for (const name of Object.values(CHANNEL_NAMES)) {
      listeners[name] = (message) => seen.push({ channel: name, ...message })
      diagnosticsChannel.subscribe(name, listeners[name])
    }
  })
  after(async () => {
    for (const name of Object.values(CHANNEL_NAMES)) diagnosticsChannel.unsubscribe(name, listeners[name])
    await client.close()
    await sim.stop()
  })

  it('publishes a successful call and its attempt with OpenTelemetry attributes', async () => {
    const username = uniqueName('dc')
    const user = await client.enroll({ username, channel: 'recovery' })
    await calls(seen, 1)
    await client.getUser(user.userId)
    const messages = await calls(seen, 1)
    const order = messages.map((m) => `${m.channel.split(':').slice(1).join(':')} ${m.name}`)
    assert.deepEqual(order, [
      'call:start nevis.get_user',
      'attempt:start nevis.attempt',
      'attempt:end nevis.attempt',
      'call:end nevis.get_user',
    ])
    const call = messages.find((m) => m.channel === CHANNEL_NAMES.callEnd)
    const attempt = messages.find((m) => m.channel === CHANNEL_NAMES.attemptEnd)
    assert.equal(call.attributes['http.request.method'], 'GET')
    assert.equal(call.attributes['url.template'], '/api/v1/users/{userId}')
    assert.equal(call.attributes['server.address'], new URL(sim.baseUrl).hostname)
    assert.equal(call.attributes['http.response.status_code'], 200)
    assert.equal(call.attributes['error.type'], undefined)
    assert.equal(call.parentId, null)
    assert.equal(attempt.parentId, call.spanId)
    assert.equal(attempt.attributes['http.request.resend_count'], 0)
    assert.equal(typeof call.durationMs, 'number')
    assert.ok(attempt.durationMs <= call.durationMs)
    assert.ok(!JSON.stringify(messages).includes(user.userId), 'no user id in any message')
  })

  it('publishes a 404 with its error kind as error.type', async () => {
    await assert.rejects(client.getUser(UNKNOWN_ID), NotFoundError)
    const [call] = (await calls(seen, 1)).filter((m) => m.channel === CHANNEL_NAMES.callEnd)
    assert.equal(call.attributes['error.type'], 'not_found')
    assert.equal(call.attributes['http.response.status_code'], 404)
  })

  it('publishes both attempts of a retried 503 inside one call', async () => {
    const username = uniqueName('dc-retry')
    await client.enroll({ username, channel: 'recovery' })
    await calls(seen, 1)
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'status', status: 503 })
    await client.findUser(username)
    const messages = await calls(seen, 1)
    const call = messages.find((m) => m.channel === CHANNEL_NAMES.callEnd)
    const attempts = messages.filter((m) => m.channel === CHANNEL_NAMES.attemptEnd)
    assert.equal(call.name, 'nevis.find_user')
    assert.equal(call.attributes['nevis.attempts'], 2)
    assert.deepEqual(
      attempts.map((a) => a.attributes['http.response.status_code']),
      [503, 200],
    )
    assert.equal(attempts[0].attributes['error.type'], 'server')
    assert.equal(attempts[1].attributes['http.request.resend_count'], 1)
    assert.ok(attempts.every((a) => a.parentId === call.spanId))
    assert.ok(!JSON.stringify(messages).includes(username), 'no username in any message')
  })

  it('never publishes a secret', async () => {
    const username = uniqueName('dc-secret')
    const enrolment = await client.enroll({ username, channel: 'app' })
    await client.getStatus(enrolment.enrollment.statusToken)
    await assert.rejects(client.verify({ userId: enrolment.userId, code: 'WRONG-CODE-SECRET-1234', channel: 'recovery' }), BadRequestError)
    const text = JSON.stringify(await calls(seen, 3))
    for (const secret of [sim.accessKey, enrolment.enrollment.statusToken, 'WRONG-CODE-SECRET-1234', enrolment.userId, username]) {
      assert.ok(!text.includes(secret), 'a secret, user id or username was published')
    }
  })
})

describe('diagnostics_channel without subscribers', () => {
  it('records no spans', async () => {
    const sim = await startSim()
    const client = new Client(sim.options())
    try {
      const late = []
      const channel = diagnosticsChannel.channel(CHANNEL_NAMES.callEnd)
      await client.ping()
      // Subscribing afterwards sees only calls made from then on.
      const listener = (message) => late.push(message)
      channel.subscribe(listener)
      await new Promise((resolve) => setTimeout(resolve, 50))
      assert.deepEqual(late, [])
      await client.ping()
      const deadline = Date.now() + 5_000
      while (late.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      channel.unsubscribe(listener)
      assert.equal(late.length, 1)
      assert.equal(late[0].name, 'nevis.ping')
    } finally {
      await client.close()
      await sim.stop()
    }
  })
})
