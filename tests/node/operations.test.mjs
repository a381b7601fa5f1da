// Every operation of the Node client against the simulator, once over plain HTTP and once over
// HTTPS with the simulator's own CA: results are plain objects in the wire shape, void operations
// resolve undefined, and each call really reached the server.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Client, NotFoundError, BadRequestError } from '../../bindings-node/index.mjs'
import { startSim, activePushUser, uniqueName } from './sim.mjs'

const ATTESTATION = {
  type: 'public-key',
  id: 'Y3JlZGVudGlhbC0x',
  response: { clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0', attestationObject: 'YXR0ZXN0YXRpb24tb2JqZWN0' },
}
const ASSERTION = {
  type: 'public-key',
  id: 'Y3JlZGVudGlhbC0x',
  response: {
    clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0',
    authenticatorData: 'YXV0aGVudGljYXRvci1kYXRh',
    signature: 'c2lnbmF0dXJl',
    userHandle: 'dXNlcg',
  },
}

for (const tls of [false, true]) {
  describe(`every operation over ${tls ? 'HTTPS' : 'HTTP'}`, () => {
    let sim
    let client
    before(async () => {
      sim = await startSim({ tls })
      client = new Client(sim.options({ appInfo: 'node-tests/1.0' }))
    })
    after(async () => {
      await client.close()
      await sim.stop()
    })

    it('ping resolves undefined', async () => {
      assert.equal(await client.ping(), undefined)
      assert.equal(client.baseUrl.startsWith(tls ? 'https://localhost:' : 'http://127.0.0.1:'), true)
    })

    it('enroll (app) → phone confirms → getStatus and waitForStatus succeed', async () => {
      const username = uniqueName('alice')
      const enrolment = await client.enroll({ username, channel: 'app' })
      assert.equal(enrolment.username, username)
      assert.equal(enrolment.status, 'new')
      assert.match(enrolment.enrollment.qrCode.dataUri, /^data:image\/png;base64,/)
      assert.equal(Object.getPrototypeOf(enrolment), Object.prototype)
      const pending = await client.getStatus(enrolment.enrollment.statusToken)
      assert.equal(pending.status, 'pending')
      await sim.accept(enrolment.enrollment.transactionId)
      const done = await client.waitForStatus(enrolment.enrollment.statusToken, { interval: 20, timeout: 5000 })
      assert.equal(done.status, 'succeeded')
      assert.equal(typeof done.token, 'string')
      const user = await client.getUser(enrolment.userId)
      assert.equal(user.status, 'active')
      assert.equal(user.authenticators.length, 1)
    })

    it('approve (push with confirmation) → accept → introspect the transaction token', async () => {
      const username = uniqueName('bob')
      await activePushUser(client, sim, username)
      const approval = await client.approve({ channel: 'push', username, prompt: true, message: 'Pay CHF 10?' })
      assert.equal(typeof approval.transactionId, 'string')
      await sim.accept(approval.transactionId)
      const decided = await client.waitForStatus(approval.statusToken, { interval: 20 })
      assert.equal(decided.status, 'succeeded')
      const introspection = await client.introspect(decided.token)
      assert.equal(introspection.active, true)
      assert.equal(introspection.scope, 'transaction')
      const inactive = await client.introspect('not-a-real-token')
      assert.equal(inactive.active, false)
    })

    it('a declined approval is a failed status, not an error', async () => {
      const username = uniqueName('carol')
      await activePushUser(client, sim, username)
      const approval = await client.approve({ channel: 'push', username })
      await sim.decline(approval.transactionId)
      assert.equal((await client.getStatus(approval.statusToken)).status, 'failed')
    })

    it('SMS enrolment and verify with the code; a wrong code is a BadRequestError', async () => {
      const username = uniqueName('dave')
      const phone = `+4179${Math.floor(1000000 + Math.random() * 8999999)}`
      const enrolment = await client.enroll({ username, channel: 'sms', phone })
      const sms = await sim.lastSms(phone)
      const statusToken = enrolment.enrollment.statusToken
      await assert.rejects(
        client.verify({ userId: enrolment.userId, statusToken, code: '000000' === sms.code ? '111111' : '000000' }),
        BadRequestError,
      )
      assert.equal(await client.verify({ userId: enrolment.userId, statusToken, code: sms.code }), undefined)
      const user = await client.getUser(enrolment.userId)
      assert.equal(user.phones[0].status, 'active')
    })

    it('recovery codes: enrol, then verify one', async () => {
      const username = uniqueName('erin')
      const enrolment = await client.enroll({ username, channel: 'recovery' })
      const codes = enrolment.recoveryCodes.codes
      assert.equal(codes.length, 10)
      await client.verify({ userId: enrolment.userId, channel: 'recovery', code: codes[0] })
      assert.equal((await client.getUser(enrolment.userId)).recoveryCodes.remaining, 9)
    })

    it('createIntent mints a token the enrolment accepts instead of the access key', async () => {
      const username = uniqueName('frank')
      const intent = await client.createIntent({ operation: 'enroll', username })
      assert.equal(typeof intent.token, 'string')
      const enrolment = await client.enroll({ username, channel: 'app', intentToken: intent.token })
      assert.equal(enrolment.username, username)
      assert.equal(enrolment.intentToken, undefined)
    })

    it('findUser, renameAuthenticator, deleteAuthenticator, deleteUser', async () => {
      const username = uniqueName('gina')
      const enrolment = await activePushUser(client, sim, username)
      const found = await client.findUser(username)
      assert.equal(found.userId, enrolment.userId)
      const [authenticator] = found.authenticators
      const renamed = await client.renameAuthenticator(authenticator.authenticatorId, "Gina's phone")
      assert.equal(renamed.name, "Gina's phone")
      assert.equal(await client.deleteAuthenticator(authenticator.authenticatorId), undefined)
      assert.equal((await client.getUser(enrolment.userId)).authenticators.length, 0)
      assert.equal(await client.deleteUser(enrolment.userId), undefined)
      await assert.rejects(client.getUser(enrolment.userId), NotFoundError)
    })

    it('findAadb2cUser: an existing user and an unknown object id', async () => {
      const objectId = randomUUID()
      await activePushUser(client, sim, objectId)
      const azure = await client.findAadb2cUser(objectId)
      assert.equal(azure.username, objectId)
      assert.equal(JSON.parse(azure.authenticators).length, 1)
      const nobody = await client.findAadb2cUser(randomUUID())
      assert.equal(nobody.userId, null)
    })

    it('exportLogs returns the CSV with its media type and file name', async () => {
      const username = uniqueName('hank')
      await activePushUser(client, sim, username)
      const exported = await client.exportLogs({ timespan: 'P1D', filter: username })
      assert.match(exported.contentType, /^text\/csv/)
      assert.equal(exported.filename, 'logs-export.csv')
      const rows = exported.text.trim().split('\n')
      assert.match(rows[0], /^timestamp,eventId,name/)
      assert.ok(rows.length > 1)
      assert.ok(rows.slice(1).every((row) => row.toLowerCase().includes(username)))
      assert.match((await client.exportLogs()).text, /^timestamp,/)
    })

    it('FIDO2: enrol, completeAttestation, approve, completeAssertion; a declined ceremony is failed', async () => {
      const username = uniqueName('ivy')
      const enrolment = await client.enroll({ username, channel: 'fido2', displayName: 'Ivy I.' })
      const options = enrolment.enrollment.credentialCreationOptions
      assert.equal(options.user.displayName, 'Ivy I.')
      const registered = await client.completeAttestation({
        ...ATTESTATION,
        statusToken: enrolment.enrollment.statusToken,
        userFriendlyName: "Ivy's laptop",
      })
      assert.equal(registered.status, 'ok')
      const approval = await client.approve({ channel: 'fido2', username })
      assert.ok(approval.credentialRequestOptions.allowCredentials.length > 0)
      const login = await client.completeAssertion({ ...ASSERTION, statusToken: approval.statusToken })
      assert.equal(login.status, 'ok')
      assert.equal(typeof login.token, 'string')
      assert.equal((await client.waitForStatus(approval.statusToken, { interval: 20 })).status, 'succeeded')

      const other = await client.enroll({ username: uniqueName('jack'), channel: 'fido2', displayName: 'Jack' })
      await sim.decline(other.enrollment.transactionId)
      const failed = await client.completeAttestation({ ...ATTESTATION, id: 'aWQ', statusToken: other.enrollment.statusToken })
      assert.equal(failed.status, 'failed')
      assert.ok(failed.errorMessage.length > 0)
    })
  })
}

it('the client has exactly the one-to-one methods of the core', () => {
  const methods = Object.getOwnPropertyNames(Client.prototype).filter(
    (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(Client.prototype, name).value === 'function',
  )
  assert.deepEqual(methods.sort(), [
    'approve',
    'close',
    'completeAssertion',
    'completeAttestation',
    'createIntent',
    'deleteAuthenticator',
    'deleteUser',
    'enroll',
    'exportLogs',
    'findAadb2cUser',
    'findUser',
    'getStatus',
    'getUser',
    'introspect',
    'ping',
    'renameAuthenticator',
    'toJSON',
    'verify',
    'waitForStatus',
    'withOptions',
  ])
})
