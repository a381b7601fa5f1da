// One client, many calls at once: 1,000 concurrent calls share the client's pool on the core's
// runtime, all settle with the right answer, and the event loop stays responsive meanwhile.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { Client, NotFoundError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName } from './sim.mjs'

it('1,000 concurrent calls on one client', async () => {
  const sim = await startSim()
  const client = new Client(sim.options())
  try {
    const username = uniqueName('crowd')
    const enrolment = await activePushUser(client, sim, username)
    let ticks = 0
    const ticker = setInterval(() => (ticks += 1), 5)
    const started = Date.now()
    const calls = Array.from({ length: 1000 }, (_, i) => {
      if (i % 10 === 9)
        return client.findUser(`${username}-missing-${i}`).then(
          () => 'found',
          (err) => err,
        )
      if (i % 2 === 0) return client.findUser(username)
      return client.getUser(enrolment.userId)
    })
    const results = await Promise.all(calls)
    clearInterval(ticker)
    const elapsed = Date.now() - started
    for (const [i, result] of results.entries()) {
      if (i % 10 === 9) assert.ok(result instanceof NotFoundError, `call ${i}: ${result}`)
      else assert.equal(result.userId, enrolment.userId, `call ${i}`)
    }
    const stats = await sim.stats()
    assert.ok(stats.requests >= 1000)
    assert.ok(ticks >= Math.floor(elapsed / 50), `the event loop stalled: ${ticks} ticks in ${elapsed} ms`)
  } finally {
    await client.close()
    await sim.stop()
  }
})
