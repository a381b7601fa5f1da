// setLogger: the core's log events reach a JavaScript function as plain records, filtered by
// level, stopped by setLogger(null); a throwing logger never breaks a call; a burst of calls with
// a verbose logger does not stall; and NODE_DEBUG=nevis-authcloud prints the records the way
// Node's own modules print theirs. (That a script with a logger still exits by itself is in
// exit.test.mjs.)
import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { once } from 'node:events'
import { Client, setLogger, formatRecord, InvalidRequestError } from '../../bindings-node/index.mjs'
import { startSim, bindingDir, uniqueName } from './sim.mjs'

/** Records arrive on the JavaScript thread shortly after the event; wait for the ones we need. */
async function until(records, predicate, what, ms = 5_000) {
  const deadline = Date.now() + ms
  while (!records.some(predicate)) {
    if (Date.now() > deadline) assert.fail(`no ${what} record within ${ms} ms; got ${JSON.stringify(records)}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return records.find(predicate)
}

/** Lets anything already queued for the JavaScript thread be delivered. */
async function settle() {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('setLogger', () => {
  let sim
  let client
  before(async () => {
    sim = await startSim()
    client = new Client(sim.options({ retryBackoff: { initial: 5, max: 20 } }))
  })
  after(async () => {
    setLogger(null)
    await client.close()
    await sim.stop()
  })
  afterEach(() => setLogger(null))

  it('delivers one debug record per HTTP attempt, with its fields', async () => {
    const records = []
    setLogger((record) => records.push(record), { level: 'debug' })
    await client.ping()
    const done = await until(records, (r) => r.message === 'request completed' && r.fields.path === '/ping', 'ping')
    assert.equal(done.level, 'debug')
    assert.equal(done.target, 'nevis_authcloud')
    assert.equal(done.fields.method, 'GET')
    assert.equal(done.fields.attempt, 1)
    assert.equal(typeof done.fields.elapsed_ms, 'number')
    assert.equal(formatRecord(done).startsWith('request completed '), true)
    assert.match(formatRecord(done), / method=GET/)

    await assert.rejects(client.findUser(uniqueName('nobody')))
    const failed = await until(records, (r) => r.message === 'request failed', 'failure')
    assert.equal(failed.fields.status, 404)
    assert.equal(failed.fields.kind, 'not_found')
  })

  it('filters by level: info shows retries but not every request', async () => {
    const records = []
    setLogger((record) => records.push(record), { level: 'info' })
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'status', status: 503 })
    await assert.rejects(client.findUser(uniqueName('nobody')))
    const retry = await until(records, (r) => r.message === 'retrying', 'retrying')
    assert.equal(retry.level, 'info')
    assert.equal(retry.fields.status, 503)
    assert.equal(retry.fields.kind, 'server')
    await settle()
    assert.deepEqual(
      records.filter((r) => r.level === 'debug'),
      [],
      'debug records at level info',
    )

    records.length = 0
    setLogger((record) => records.push(record), { level: 'error' })
    await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'status', status: 503 })
    await assert.rejects(client.findUser(uniqueName('nobody')))
    await settle()
    assert.deepEqual(records, [])
  })

  it('setLogger(null) stops the records, and a new logger replaces the old one', async () => {
    const first = []
    const second = []
    setLogger((record) => first.push(record), { level: 'trace' })
    setLogger((record) => second.push(record), { level: 'trace' })
    await client.ping()
    await until(second, (r) => r.message === 'request completed', 'ping')
    assert.deepEqual(first, [])

    setLogger(null)
    second.length = 0
    await client.ping()
    await settle()
    assert.deepEqual(second, [])
  })

  it('refuses a bad logger or level, naming the argument', () => {
    for (const [args, field] of [
      [['not a function'], 'logger'],
      [[() => {}, { level: 'verbose' }], 'level'],
      [[() => {}, { level: 4 }], 'level'],
      [[() => {}, 'debug'], 'options'],
    ]) {
      assert.throws(
        () => setLogger(...args),
        (err) => err instanceof InvalidRequestError && err.field === field,
        field,
      )
    }
  })

  it('a logger that throws costs one warning, never a failed call', async () => {
    setLogger(
      () => {
        throw new Error('logger broke')
      },
      { level: 'debug' },
    )
    const warned = once(process, 'warning')
    await client.ping()
    await client.ping()
    const [warning] = await warned
    assert.equal(warning.code, 'NEVIS_AUTHCLOUD_LOGGER')
    assert.match(warning.message, /logger broke/)
    let more = 0
    const count = () => (more += 1)
    process.on('warning', count)
    await client.ping()
    await settle()
    process.off('warning', count)
    assert.equal(more, 0, 'a second warning')
  })

  it('1,000 concurrent calls with a debug logger all complete and are all logged', async () => {
    let completed = 0
    setLogger(
      (record) => {
        if (record.message === 'request completed') completed += 1
      },
      { level: 'debug' },
    )
    const answers = await Promise.all(Array.from({ length: 1_000 }, () => client.ping()))
    assert.equal(answers.length, 1_000)
    const deadline = Date.now() + 5_000
    while (completed < 1_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(completed, 1_000)
  })
})

it('NODE_DEBUG=nevis-authcloud prints the records to stderr', async () => {
  const sim = await startSim()
  try {
    const source = `
      const { Client } = require(${JSON.stringify(join(bindingDir, 'index.js'))})
      const client = new Client({ baseUrl: process.env.B, accessKey: process.env.K })
      client.ping().then(() => client.close())
    `
    const run = spawnSync(process.execPath, ['-e', source], {
      env: { ...process.env, B: sim.baseUrl, K: sim.accessKey, NODE_DEBUG: 'nevis-authcloud' },
      encoding: 'utf8',
      timeout: 15_000,
    })
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stderr, /^NEVIS-AUTHCLOUD \d+: DEBUG request completed .*method=GET.*path=\/ping/m)

    const quiet = spawnSync(process.execPath, ['-e', source], {
      env: { ...process.env, B: sim.baseUrl, K: sim.accessKey, NODE_DEBUG: 'http' },
      encoding: 'utf8',
      timeout: 15_000,
    })
    assert.equal(quiet.status, 0, quiet.stderr)
    assert.doesNotMatch(quiet.stderr, /NEVIS-AUTHCLOUD/)
  } finally {
    await sim.stop()
  }
})
