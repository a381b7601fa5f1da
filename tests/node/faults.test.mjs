// The shared fault matrix (tests/faults.json), run through the Node client: every language must
// report the same outcome, error kind, number of requests, "may have been applied" and created
// operations for each injected transport or server failure.
//
// Each row's observation (not its expectation) is kept and, when NEVIS_FAULTS_REPORT_DIR is set
// (`make test` sets it), written to node.json in the shape every language writes, so the build
// can compare the four languages row by row.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { Client, NevisError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName, repoRoot } from './sim.mjs'

const matrix = JSON.parse(readFileSync(join(repoRoot, 'tests', 'faults.json'), 'utf8'))

/** The operation kinds the simulator counts in `/_sim/stats` `created`. */
const CREATED_KINDS = ['enroll', 'approval', 'sms', 'intent']

/** What the caller saw, in the report's terms (see tests/faults.json and the Rust reference). */
function observe(name, outcome, before, after) {
  const err = outcome.error
  const created = Object.fromEntries(CREATED_KINDS.map((kind) => [kind, (after.created[kind] ?? 0) - (before.created[kind] ?? 0)]))
  const row = {
    name,
    outcome: err === undefined ? 'ok' : 'error',
    kind: null,
    status: null,
    mayHaveBeenApplied: null,
    retryAfterS: null,
    requestsSeen: after.requests - before.requests,
    created,
  }
  if (err !== undefined) {
    // A thrown non-NevisError is a bug the comparison must show, not hide.
    row.kind = err instanceof NevisError ? err.code : `not a NevisError: ${err?.name ?? typeof err}`
    row.status = err.status ?? null
    row.mayHaveBeenApplied = err.mayHaveBeenApplied ?? null
    // RateLimitError.retryAfter is in milliseconds; the report counts whole seconds.
    row.retryAfterS = typeof err.retryAfter === 'number' ? Math.floor(err.retryAfter / 1000) : null
  }
  return row
}

/** node.json, rows in table order; a row that never got to its call says so. */
function writeReport(rows) {
  const dir = process.env.NEVIS_FAULTS_REPORT_DIR
  if (!dir) return
  const complete = matrix.scenarios.map(
    (scenario, index) =>
      rows[index] ?? {
        name: scenario.name,
        outcome: 'not run',
        kind: null,
        status: null,
        mayHaveBeenApplied: null,
        retryAfterS: null,
        requestsSeen: null,
        created: null,
      },
  )
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'node.json'), `${JSON.stringify({ language: 'node', rows: complete }, null, 2)}\n`)
}

/**
 * A peer that accepts TCP connections and never answers the TLS handshake. `close()` ends the
 * connections it holds.
 */
async function silentTlsPeer() {
  const held = new Set()
  const server = createServer((socket) => {
    held.add(socket)
    socket.on('close', () => held.delete(socket))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    baseUrl: `https://127.0.0.1:${server.address().port}`,
    close: async () => {
      for (const socket of held) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

async function closedPort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('the shared fault matrix', () => {
  let sim
  let tlsSim
  const rows = []
  before(async () => {
    ;[sim, tlsSim] = await Promise.all([startSim(), startSim({ tls: true })])
  })
  after(async () => {
    writeReport(rows)
    await Promise.all([sim?.stop(), tlsSim?.stop()])
  })

  for (const [index, scenario] of matrix.scenarios.entries()) {
    it(scenario.name, async () => {
      await sim.reset()
      // The table's client settings, with the row's own over them.
      const settings = { ...matrix.client, ...(scenario.client ?? {}) }
      const limits = {
        timeout: settings.requestTimeoutMs,
        maxRetries: settings.maxRetries,
        retryBackoff: { initial: settings.retryBackoffMs[0], max: settings.retryBackoffMs[1] },
        ...(settings.connectTimeoutMs === undefined ? {} : { connectTimeout: settings.connectTimeoutMs }),
      }
      const setup = new Client(sim.options())
      const username = uniqueName('matrix')
      await activePushUser(setup, sim, username)
      const pending = scenario.operation === 'get_status' ? await setup.approve({ channel: 'push', username }) : undefined
      await setup.close()

      let options = sim.options(limits)
      if (scenario.target === 'closed-port') options = { ...options, baseUrl: `http://127.0.0.1:${await closedPort()}` }
      if (scenario.target === 'untrusted-tls') options = { ...limits, baseUrl: tlsSim.baseUrl, accessKey: tlsSim.accessKey }
      const silent = scenario.target === 'silent-tls' ? await silentTlsPeer() : undefined
      if (silent !== undefined) options = { ...limits, baseUrl: silent.baseUrl, accessKey: sim.accessKey }
      const client = new Client(options)

      const operations = {
        find_user: () => client.findUser(username),
        get_status: () => client.getStatus(pending.statusToken),
        approve_push: () => client.approve({ channel: 'push', username }),
        enroll_sms: () => client.enroll({ username: uniqueName('sms'), channel: 'sms', phone: '+41795550101' }),
      }
      // The untrusted-TLS call goes to the HTTPS simulator, so that is where requests are counted.
      const served = scenario.target === 'untrusted-tls' ? tlsSim : sim
      const before = await served.stats()
      for (const fault of scenario.faults) await served.fault(fault)
      const started = Date.now()
      const outcome = await operations[scenario.operation]().then(
        (value) => ({ value }),
        (error) => ({ error }),
      )
      const elapsed = Date.now() - started
      const after = await served.stats()
      await client.close()
      await silent?.close()
      const seen = observe(scenario.name, outcome, before, after)
      rows[index] = seen

      const expect = scenario.expect
      if (expect.outcome === 'ok') {
        assert.equal(outcome.error, undefined, `unexpected ${outcome.error?.name}: ${outcome.error?.message}`)
      } else {
        const err = outcome.error
        assert.ok(err instanceof NevisError, `expected an error, got ${JSON.stringify(outcome.value)}`)
        assert.equal(seen.kind, expect.kind, err.message)
        if (expect.status !== undefined) assert.equal(seen.status, expect.status)
        if (expect.mayHaveBeenApplied !== undefined) assert.equal(seen.mayHaveBeenApplied, expect.mayHaveBeenApplied)
        if (expect.retryAfterS !== undefined) assert.equal(seen.retryAfterS, expect.retryAfterS)
      }
      if (expect.requestsSeen !== undefined) assert.equal(seen.requestsSeen, expect.requestsSeen, 'requests seen')
      for (const [kind, count] of Object.entries(expect.created ?? {})) {
        assert.equal(seen.created[kind], count, `created ${kind}`)
      }
      if (expect.minElapsedMs !== undefined) assert.ok(elapsed >= expect.minElapsedMs, `${elapsed} ms`)
    })
  }
})
