// Behaviour the API reference documents, seen through the Node client: the push message's HTML
// tags, the FIDO2 registration defaults and a user blocked by the rate limits. The simulator comes
// from `nevis-authcloud/testing`, whose `blockUser` plays the rate limit.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startSimulator } from '../../bindings-node/testing.mjs'
import { BadRequestError, InvalidRequestError } from '../../bindings-node/index.mjs'

describe('the API as documented', () => {
  let sim
  let client
  before(async () => {
    sim = await startSimulator()
    client = sim.client({ timeout: 5_000, retryBackoff: { initial: 5, max: 20 } })
  })
  after(async () => {
    await client.close()
    await sim.stop()
  })

  async function activePushUser(username) {
    const enrolment = await client.enroll({ username, channel: 'push' })
    await sim.accept(enrolment.enrollment.transactionId)
    const status = await client.waitForStatus(enrolment.enrollment.statusToken, { interval: 20, timeout: 5_000 })
    assert.equal(status.status, 'succeeded')
    return enrolment
  }

  it('a prompt may underline text with <u>', async () => {
    await activePushUser('ursula')
    const message = '<html><u>Pay</u> <b>CHF 10</b> to <i>Bob</i>?</html>'
    const approval = await client.approve({ username: 'ursula', channel: 'push', prompt: true, message })
    const [operation] = (await sim.operations()).filter((op) => op.transactionId === approval.transactionId)
    assert.equal(operation.message, message)
    await sim.accept(approval.transactionId)
    const status = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 5_000 })
    assert.equal(status.status, 'succeeded')
  })

  it('a FIDO2 registration carries the documented defaults unless fido2Options say otherwise', async () => {
    const plain = await client.enroll({ username: 'fay', channel: 'fido2', displayName: 'Fay' })
    const options = plain.enrollment.credentialCreationOptions
    assert.deepEqual(options.authenticatorSelection, {
      requireResidentKey: true,
      authenticatorAttachment: 'platform',
      userVerification: 'preferred',
    })
    assert.equal(options.timeout, 10_000)
    assert.equal(options.attestation, 'direct')

    const chosen = await client.enroll({
      username: 'gus',
      channel: 'fido2',
      displayName: 'Gus',
      fido2Options: { attestation: 'none', authenticatorSelection: { authenticatorAttachment: 'cross-platform' } },
    })
    const custom = chosen.enrollment.credentialCreationOptions
    assert.deepEqual(custom.authenticatorSelection, { authenticatorAttachment: 'cross-platform', userVerification: 'preferred' })
    assert.equal(custom.attestation, 'none')
  })

  it('a user blocked by the push rate limit shows exceededRateLimits and gets no push', async () => {
    const enrolment = await activePushUser('blocked')
    assert.equal((await client.getUser(enrolment.userId)).exceededRateLimits, undefined)
    assert.deepEqual((await sim.blockUser(enrolment.userId, ['push'])).exceededRateLimits, ['push'])

    assert.deepEqual((await client.getUser(enrolment.userId)).exceededRateLimits, ['push'])
    assert.deepEqual((await client.findUser('blocked')).exceededRateLimits, ['push'])
    const before = (await sim.stats()).created.approval
    const refused = await client.approve({ username: 'blocked', channel: 'push' }).then(
      () => assert.fail('a blocked user was sent a push'),
      (err) => err,
    )
    assert.ok(refused instanceof BadRequestError, String(refused))
    assert.equal(refused.code, 'bad_request')
    assert.equal(refused.status, 400)
    assert.match(refused.apiMessage, /push rate limit/)
    assert.equal(refused.mayHaveBeenApplied, 'no')
    assert.equal((await sim.stats()).created.approval, before)

    await sim.unblockUser(enrolment.userId)
    assert.equal((await client.getUser(enrolment.userId)).exceededRateLimits, undefined)
    const approval = await client.approve({ username: 'blocked', channel: 'push' })
    assert.equal(approval.userId, enrolment.userId)
  })

  it('the Azure AD B2C lookup takes only a UUID', async () => {
    const before = (await sim.stats()).requests
    await assert.rejects(client.findAadb2cUser('alice'), (err) => err instanceof InvalidRequestError && err.field === 'objectId')
    assert.equal((await sim.stats()).requests, before, 'nothing was sent')
  })
})
