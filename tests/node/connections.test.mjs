// `maxConnections`: the cap on requests in flight per client reaches the core (a second concurrent
// call waits for the first one's slot), and a value that cannot be a cap is a ConfigurationError
// naming the option.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Client, ConfigurationError } from '../../bindings-node/index.mjs'
import { startSim } from './sim.mjs'

const DELAY_MS = 300

describe('maxConnections', () => {
  let sim
  before(async () => {
    sim = await startSim()
  })
  after(async () => {
    await sim.stop()
  })

  /**
   * Starts a ping whose answer the simulator delays, then (once it has reached the simulator) a
   * second one; resolves the names in the order the two calls finished.
   */
  async function finishOrder(client, { capped }) {
    await sim.fault({ method: 'GET', path: '/ping', count: 1, fault: 'delay', ms: DELAY_MS })
    const before = (await sim.stats()).requests
    const finished = []
    let firstDone = false
    const first = client.ping().then(() => {
      firstDone = true
      finished.push('first')
    })
    const giveUp = Date.now() + 5_000
    while ((await sim.stats()).requests === before) {
      assert.ok(Date.now() < giveUp, 'the first call never reached the simulator')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const second = client.ping().then(() => finished.push('second'))
    if (capped) {
      // While the first call holds the only slot, the second one is not even sent.
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(firstDone, false, 'the delay fault did not hold the first call')
      assert.equal((await sim.stats()).requests, before + 1)
    }
    await Promise.all([first, second])
    return finished
  }

  it('with one connection, a second call is sent and finishes only after the first', async () => {
    const client = new Client(sim.options({ maxConnections: 1 }))
    try {
      assert.deepEqual(await finishOrder(client, { capped: true }), ['first', 'second'])
    } finally {
      await client.close()
    }
  })

  it('with the default cap, the second call overtakes the delayed first one', async () => {
    const client = new Client(sim.options())
    try {
      assert.deepEqual(await finishOrder(client, { capped: false }), ['second', 'first'])
    } finally {
      await client.close()
    }
  })

  it('a value that is no cap is a ConfigurationError naming maxConnections', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 60]) {
      assert.throws(
        () => new Client(sim.options({ maxConnections: bad })),
        (err) => err instanceof ConfigurationError && err.code === 'config' && err.field === 'maxConnections',
        String(bad),
      )
    }
    // Not a number at all: napi's conversion refuses it (as for every numeric option), naming it.
    for (const bad of ['4', true]) {
      assert.throws(
        () => new Client(sim.options({ maxConnections: bad })),
        (err) => err instanceof ConfigurationError && err.code === 'config' && /maxConnections/.test(err.message),
        String(bad),
      )
    }
  })
})
