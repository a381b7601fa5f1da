// Secrets never leak through the SDK's own surfaces: the access key is absent from the client's
// util.inspect, JSON.stringify and string forms, and neither the key nor any token appears in an
// error's message, inspect output or JSON form, even for failures involving those values; results
// show their tokens and codes as [redacted]. (tests/node/secrets.test.mjs is the full scan.)
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
    for (const text of [
      inspect(client, { depth: 10, showHidden: true }),
      JSON.stringify(client),
      String(client),
      JSON.stringify({ client }),
    ]) {
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

it('results show their tokens and codes as [redacted], yet give them when read', async () => {
  const sim = await startSim()
  const client = new Client(sim.options())
  try {
    const username = uniqueName('redacted')
    const intent = await client.createIntent({ operation: 'enroll', username })
    const enrolment = await client.enroll({ username, channel: 'push', intentToken: intent.token })
    const recovery = await client.enroll({ userId: enrolment.userId, channel: 'recovery' })
    const secrets = [intent.token, enrolment.enrollment.statusToken, ...recovery.recoveryCodes.codes]
    assert.equal(recovery.recoveryCodes.codes.length, 10)
    for (const result of [intent, enrolment, enrolment.enrollment, recovery, recovery.recoveryCodes]) {
      for (const text of [inspect(result, { depth: null, showHidden: true }), JSON.stringify(result), JSON.stringify([{ result }])]) {
        assertClean(text, secrets, 'result form')
      }
    }
    assert.match(inspect(enrolment), /statusToken: '\[redacted\]'/)
    assert.deepEqual(JSON.parse(JSON.stringify(recovery)).recoveryCodes.codes, Array(10).fill('[redacted]'))
    // The data itself is untouched: reading, spreading and comparing give the real values.
    assert.equal({ ...enrolment.enrollment }.statusToken, secrets[1])
    assert.deepEqual(Object.keys(intent).sort(), Object.keys(JSON.parse(JSON.stringify(intent))).sort())
    await client.verify({ userId: enrolment.userId, channel: 'recovery', code: recovery.recoveryCodes.codes[0] })
  } finally {
    await client.close()
    await sim.stop()
  }
})
