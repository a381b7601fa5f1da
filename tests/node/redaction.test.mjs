// Secrets never leak through the SDK's own surfaces: the access key is absent from the client's
// util.inspect, JSON.stringify and string forms, and neither the key nor any token appears in an
// error's message, inspect output or JSON form, even for failures involving those values.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { Client, NevisError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName } from './sim.mjs'

const KEY = 'eyJhbGciOiJIUzUxMiJ9.super-secret-access-key-material-WXYZ'

function assertClean(text, secrets, what) {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${what} contains a secret: ${text}`)
}

function everyForm(err) {
  return [err.message, String(err), err.stack, inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err)]
}

it('the client hides its access key', async () => {
  const sim = await startSim({ accessKey: KEY })
  const client = new Client(sim.options({ proxy: undefined }))
  try {
    for (const text of [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), String(client), JSON.stringify({ client })]) {
      assertClean(text, [KEY, 'super-secret'], 'client form')
    }
    assert.match(inspect(client), /…WXYZ/)
    assert.deepEqual(Object.keys(client), [])

    const username = uniqueName('secret')
    const enrolment = await activePushUser(client, sim, username)
    const approval = await client.approve({ channel: 'push', username })
    const intent = await client.createIntent({ operation: 'approve', username })
    const secrets = [KEY, approval.statusToken, enrolment.enrollment.statusToken, intent.token]

    // Failures that involve the secrets themselves.
    const failures = []
    const wrong = new Client(sim.options({ accessKey: `${KEY}-but-wrong`, maxRetries: 0 }))
    failures.push(await wrong.findUser(username).catch((e) => e))
    failures.push(await client.verify({ userId: enrolment.userId, statusToken: approval.statusToken, code: '12345678' }).catch((e) => e))
    failures.push(await client.verify({ userId: enrolment.userId, code: 987654321 }).catch((e) => e))
    failures.push(await client.approve({ channel: 'push', username, intentToken: 'eyJ-forged-intent-token' }).catch((e) => e))
    failures.push(await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 100 }).catch((e) => e))
    failures.push(await client.getStatus('').catch((e) => e))
    await sim.fault({ method: 'POST', path: '/api/v1/status', count: 1, fault: 'malformed' })
    failures.push(await client.getStatus(approval.statusToken).catch((e) => e))
    try {
      new Client({ baseUrl: 'http://example.com', accessKey: KEY })
    } catch (err) {
      failures.push(err)
    }
    assert.equal(failures.length, 8)
    for (const err of failures) {
      assert.ok(err instanceof NevisError, String(err))
      for (const text of everyForm(err)) assertClean(text, [...secrets, '987654321', 'eyJ-forged-intent-token'], err.name)
    }
    await wrong.close()
  } finally {
    await client.close()
    await sim.stop()
  }
})
