// The shared fault matrix (tests/faults.json), run through the Node client: every language must
// report the same outcome, error kind, number of requests, "may have been applied" and created
// operations for each injected transport or server failure.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { Client, NevisError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName, repoRoot } from './sim.mjs'

const matrix = JSON.parse(readFileSync(join(repoRoot, 'tests', 'faults.json'), 'utf8'))

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
  before(async () => {
    ;[sim, tlsSim] = await Promise.all([startSim(), startSim({ tls: true })])
  })
  after(async () => {
    await Promise.all([sim.stop(), tlsSim.stop()])
  })

  for (const scenario of matrix.scenarios) {
    it(scenario.name, async () => {
      await sim.reset()
      const limits = {
        timeout: matrix.client.requestTimeoutMs,
        maxRetries: matrix.client.maxRetries,
        retryBackoff: { initial: matrix.client.retryBackoffMs[0], max: matrix.client.retryBackoffMs[1] },
      }
      const setup = new Client(sim.options())
      const username = uniqueName('matrix')
      await activePushUser(setup, sim, username)
      const pending = scenario.operation === 'get_status' ? await setup.approve({ channel: 'push', username }) : undefined
      await setup.close()

      let options = sim.options(limits)
      if (scenario.target === 'closed-port') options = { ...options, baseUrl: `http://127.0.0.1:${await closedPort()}` }
      if (scenario.target === 'untrusted-tls') options = { ...limits, baseUrl: tlsSim.baseUrl, accessKey: tlsSim.accessKey }
      const client = new Client(options)

      const operations = {
        find_user: () => client.findUser(username),
        get_status: () => client.getStatus(pending.statusToken),
        approve_push: () => client.approve({ channel: 'push', username }),
        enroll_sms: () => client.enroll({ username: uniqueName('sms'), channel: 'sms', phone: '+41795550101' }),
      }
      const before = await sim.stats()
      for (const fault of scenario.faults) await sim.fault(fault)
      const started = Date.now()
      const outcome = await operations[scenario.operation]().then(
        (value) => ({ value }),
        (error) => ({ error }),
      )
      const elapsed = Date.now() - started
      const after = await sim.stats()
      await client.close()

      const expect = scenario.expect
      if (expect.outcome === 'ok') {
        assert.equal(outcome.error, undefined, `unexpected ${outcome.error?.name}: ${outcome.error?.message}`)
      } else {
        const err = outcome.error
        assert.ok(err instanceof NevisError, `expected an error, got ${JSON.stringify(outcome.value)}`)
        assert.equal(err.code, expect.kind, err.message)
        if (expect.status !== undefined) assert.equal(err.status, expect.status)
        if (expect.mayHaveBeenApplied !== undefined) assert.equal(err.mayHaveBeenApplied, expect.mayHaveBeenApplied)
        if (expect.retryAfterS !== undefined) assert.equal(err.retryAfter, expect.retryAfterS * 1000)
      }
      if (expect.requestsSeen !== undefined) assert.equal(after.requests - before.requests, expect.requestsSeen, 'requests seen')
      for (const [kind, count] of Object.entries(expect.created ?? {})) {
        assert.equal(after.created[kind] - before.created[kind], count, `created ${kind}`)
      }
      if (expect.minElapsedMs !== undefined) assert.ok(elapsed >= expect.minElapsedMs, `${elapsed} ms`)
    })
  }
})
