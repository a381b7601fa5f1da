// What the vendor's own clients send, end to end against the simulator: an approval that names no
// channel (the Azure AD B2C integration; the service approves by push), and the FIDO2 example app
// for Android's paths with a trailing slash, sent as plain HTTP because the SDK never adds one.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Client, InvalidRequestError } from '../../bindings-node/index.mjs'
import { startSim, uniqueName } from './sim.mjs'

const base64url = (text) => Buffer.from(text).toString('base64url')
const clientData = (type, challenge) => base64url(JSON.stringify({ type, challenge, origin: 'android:apk-key-hash:example' }))

describe('approval without a channel', () => {
  let sim
  let client
  before(async () => {
    sim = await startSim({ tls: true })
    client = new Client(sim.options())
  })
  after(async () => {
    await client.close()
    await sim.stop()
  })

  it('is sent without one, approved by push, and can be polled', async () => {
    const username = uniqueName('b2c')
    const enrolment = await client.enroll({ username })
    await sim.accept(enrolment.enrollment.transactionId)
    await client.waitForStatus(enrolment.enrollment.statusToken, { interval: 20, timeout: 10_000 })

    const approval = await client.approve({ username })
    assert.equal(typeof approval.statusToken, 'string')
    assert.equal(approval.qrCode, undefined)
    const operation = await sim.control('GET', `/operations/${approval.transactionId}`)
    assert.equal(operation.channel, 'push')
    assert.equal((await client.getStatus(approval.statusToken)).status, 'pending')
    await sim.accept(approval.transactionId)
    const decided = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 10_000 })
    assert.equal(decided.status, 'succeeded')
    assert.equal(decided.userId, enrolment.userId)
  })

  it("is checked by push's rules before anything is sent", async () => {
    const before = (await sim.stats()).requests
    await assert.rejects(client.approve({}), (err) => {
      assert.ok(err instanceof InvalidRequestError)
      assert.equal(err.field, 'username')
      assert.match(err.message, /channel push/)
      return true
    })
    await assert.rejects(client.approve({ username: 'alice', channel: undefined, prompt: true }), InvalidRequestError)
    assert.equal((await sim.stats()).requests, before)
  })
})

describe("the Android example app's trailing-slash routes", () => {
  let sim
  let client
  before(async () => {
    sim = await startSim()
    client = new Client(sim.options())
  })
  after(async () => {
    await client.close()
    await sim.stop()
  })

  const withKey = () => ({ authorization: `Bearer ${sim.accessKey}`, accept: 'application/json' })

  it('enrol, attest, approve and assert with a trailing slash on each path', async () => {
    const username = uniqueName('pixel')
    const enrolled = await sim.call(
      'POST',
      '/api/v1/users/enroll/',
      {
        username,
        displayName: 'Pixel User',
        channel: 'fido2',
        fido2Options: { authenticatorSelection: { residentKey: 'required', userVerification: 'required' } },
      },
      withKey(),
    )
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body))
    const { statusToken, credentialCreationOptions } = enrolled.body.enrollment
    const attested = await sim.call(
      'POST',
      '/_app/attestation/result/',
      {
        id: 'cGl4ZWwtcGFzc2tleQ',
        type: 'public-key',
        statusToken,
        response: {
          clientDataJSON: clientData('webauthn.create', credentialCreationOptions.challenge),
          attestationObject: 'o2NmbXRkbm9uZQ',
        },
        userFriendlyName: 'Pixel 9',
        userAgent: 'Android 15',
      },
      { 'content-type': 'application/json;charset=utf-8', accept: 'application/json' },
    )
    assert.deepEqual([attested.status, attested.body.status], [200, 'ok'], JSON.stringify(attested.body))
    assert.equal((await client.getStatus(statusToken)).status, 'succeeded')

    const approval = await sim.call(
      'POST',
      '/api/v1/approval/',
      {
        username,
        channel: 'fido2',
        fido2Options: { userVerification: 'required' },
      },
      withKey(),
    )
    assert.equal(approval.status, 200, JSON.stringify(approval.body))
    const asserted = await sim.call('POST', '/_app/assertion/result/', {
      id: 'cGl4ZWwtcGFzc2tleQ',
      type: 'public-key',
      statusToken: approval.body.statusToken,
      response: {
        clientDataJSON: clientData('webauthn.get', approval.body.credentialRequestOptions.challenge),
        authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAA',
        signature: 'MEUCIQDx',
        userHandle: base64url(enrolled.body.userId),
      },
      userAgent: 'Android 15',
    })
    assert.deepEqual([asserted.status, asserted.body.status], [200, 'ok'], JSON.stringify(asserted.body))
    const decided = await client.waitForStatus(approval.body.statusToken, { interval: 20, timeout: 10_000 })
    assert.equal(decided.status, 'succeeded')
    assert.equal(decided.userId, enrolled.body.userId)
  })
})
