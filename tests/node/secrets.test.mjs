// The secret scan for Node: with a recognisable access key, intent tokens, status
// tokens, SMS codes and recovery codes all in play, nothing the SDK shows contains any of them.
//
// "Shows" means everything a Node application could end up writing to a log or a crash report:
// every record of setLogger at its most verbose level (as the record object, its JSON, its
// util.inspect and its formatRecord line, which is also what NODE_DEBUG prints), and the message,
// stack, String(), util.inspect() and JSON.stringify() of every error raised along the way (wrong
// SMS and recovery codes, reused and forged intent tokens, a wrong key, timeouts, an abort, cut or
// garbled answers that carried a token) and of every client and result. Secrets are collected as
// they come into play; the scan runs over the whole capture at the end. The capture must be
// non-empty and the scan must find a secret where one really is (a positive control), so this
// test can fail.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { Client, NevisError, setLogger, formatRecord } from '../../bindings-node/index.mjs'
import { startSim } from './sim.mjs'

// Recognisable values: a hit in the capture cannot be a coincidence.
const ACCESS_KEY = 'AKEY-NODE-SCAN-7c3e91d0a4f25b68e1-RECOGNISABLE'
const WRONG_KEY = `${ACCESS_KEY}-WRONG`
const WRONG_RECOVERY_CODE = 'WRNG-RCVR-C0DE-NODE'
const FORGED_INTENT_TOKEN = 'eyJhbGciOiJIUzUxMiJ9.Zm9yZ2VkLWludGVudC10b2tlbi1ub2RlLXNjYW4.c2lnbmF0dXJlLW5vdC12YWxpZA'
const PHONE = '+41795550188'
const USERNAME = 'secret-scan-node'
// Any run of this many characters of a long secret counts as a leak (a token cut in half, say).
const WINDOW = 20
const FAST = { retryBackoff: { initial: 5, max: 20 }, timeout: 5_000 }

function windows(text) {
  const all = new Set()
  for (let i = 0; i + WINDOW <= text.length; i += 1) all.add(text.slice(i, i + WINDOW))
  return all
}

/** The secrets in play, everything shown, and the scan over both. */
class Secrets {
  long = new Set() // keys and tokens: any WINDOW-long run of them is a leak
  codes = new Set() // recovery codes, with and without their dashes
  digits = new Set() // SMS codes: six digits, a leak where they stand alone
  shown = []

  addToken(value) {
    assert.ok(typeof value === 'string' && value.length >= WINDOW, `not a token: ${typeof value}`)
    this.long.add(value)
  }

  addRecoveryCode(value) {
    assert.ok(value.length >= 12, 'not a recovery code')
    this.codes.add(value)
    this.codes.add(value.replaceAll('-', ''))
  }

  addSmsCode(value) {
    assert.match(value, /^\d{6}$/)
    this.digits.add(value)
  }

  /** What logging a value shows: String(), util.inspect (everything, hidden too) and JSON. */
  show(...values) {
    for (const value of values) {
      this.shown.push(String(value), inspect(value, { depth: Infinity, showHidden: true }), inspect(value))
      this.shown.push(JSON.stringify(value) ?? 'undefined', JSON.stringify({ wrapped: value }))
    }
  }

  /** Everything an application may log about an error, its causes included. */
  showError(err) {
    this.show(err)
    this.shown.push(err.message, err.stack, JSON.stringify(Object.assign({}, err)))
    for (let cause = err.cause; cause !== undefined && cause !== null; cause = cause.cause) {
      this.show(cause)
      this.shown.push(String(cause.message), String(cause.stack))
    }
  }

  /** Awaits `promise`, expecting it to reject with a NevisError; shows the error. */
  async expectError(promise, Class = NevisError) {
    const outcome = await promise.then(
      (value) => ({ value }),
      (error) => ({ error }),
    )
    assert.ok(outcome.error instanceof Class, `expected a ${Class.name}, got ${outcome.error?.name ?? 'a result'}`)
    this.showError(outcome.error)
    return outcome.error
  }

  /** Shows whatever comes out of `promise`: its result, or everything about its error. */
  async attempt(promise) {
    try {
      const value = await promise
      this.show(value)
      return value
    } catch (err) {
      assert.ok(err instanceof NevisError, String(err))
      this.showError(err)
      return err
    }
  }

  /** Runs JWTs share (the header, the issuer claim) identify no token, so only the rest is sought. */
  sharedTokenWindows() {
    const seen = new Set()
    const shared = new Set()
    for (const token of this.long) {
      if (!token.startsWith('eyJ')) continue
      for (const run of windows(token)) {
        if (seen.has(run)) shared.add(run)
        seen.add(run)
      }
    }
    return shared
  }

  /** Descriptions (never the secrets themselves) of what `text` contains. */
  leaks(text, shared = this.sharedTokenWindows()) {
    const found = []
    const runs = windows(text)
    ;[...this.long].sort().forEach((secret, index) => {
      for (const run of windows(secret)) {
        if (!shared.has(run) && runs.has(run)) {
          found.push(`long secret #${index} (${secret.length} chars, starts ${JSON.stringify(secret.slice(0, 6))})`)
          break
        }
      }
    })
    ;[...this.codes].sort().forEach((code, index) => {
      if (text.includes(code)) found.push(`recovery code #${index}`)
    })
    for (const code of this.digits) {
      if (new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(text)) found.push('an SMS code')
    }
    return found
  }
}

/** Puts every kind of secret into play, through successes and failures. */
async function playEverything(sim, secrets) {
  const client = new Client(sim.options(FAST))
  secrets.addToken(ACCESS_KEY)
  secrets.addToken(WRONG_KEY)
  secrets.show(client)

  // An intent token, spent on an app enrolment, then reused (refused) and forged (refused).
  const intent = await client.createIntent({ operation: 'enroll', username: USERNAME })
  secrets.addToken(intent.token)
  secrets.show(intent)
  const enrolment = await client.enroll({ username: USERNAME, channel: 'app', intentToken: intent.token })
  secrets.addToken(enrolment.enrollment.statusToken)
  secrets.show(enrolment, enrolment.enrollment)
  await sim.accept(enrolment.enrollment.transactionId)
  const confirmed = await client.waitForStatus(enrolment.enrollment.statusToken, { interval: 20, timeout: 10_000 })
  secrets.show(confirmed)
  if (confirmed.token) secrets.addToken(confirmed.token)
  await secrets.expectError(client.enroll({ username: USERNAME, channel: 'app', intentToken: intent.token }))
  secrets.addToken(FORGED_INTENT_TOKEN)
  await secrets.expectError(client.approve({ username: USERNAME, channel: 'push', intentToken: FORGED_INTENT_TOKEN }))

  // An SMS enrolment: a wrong code, the right one (from the simulated phone), then the right one again.
  const sms = await client.enroll({ username: USERNAME, channel: 'sms', phone: PHONE })
  secrets.addToken(sms.enrollment.statusToken)
  secrets.show(sms, sms.enrollment)
  const { code } = await sim.lastSms(PHONE)
  secrets.addSmsCode(code)
  const wrongCode = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0')
  secrets.addSmsCode(wrongCode)
  const smsStatus = sms.enrollment.statusToken
  await secrets.expectError(client.verify({ userId: sms.userId, code: wrongCode, statusToken: smsStatus }))
  await client.verify({ userId: sms.userId, code, statusToken: smsStatus })
  await secrets.expectError(client.verify({ userId: sms.userId, code, statusToken: smsStatus }))
  // The code travels in a request whose answer never comes in time.
  const second = await client.enroll({ username: `${USERNAME}-2`, channel: 'sms', phone: `${PHONE}1` })
  secrets.addToken(second.enrollment.statusToken)
  const secondCode = (await sim.lastSms(`${PHONE}1`)).code
  secrets.addSmsCode(secondCode)
  await sim.fault({ method: 'POST', path: `/api/v1/users/${second.userId}/verification`, count: 1, fault: 'delay', ms: 1_000 })
  const impatient = new Client(sim.options({ timeout: 200, maxRetries: 0 }))
  await secrets.expectError(impatient.verify({ userId: second.userId, code: secondCode, statusToken: second.enrollment.statusToken }))

  // Recovery codes: from the enrolment answer and the simulator; one used, reused, one wrong.
  const recovery = await client.enroll({ userId: sms.userId, channel: 'recovery' })
  secrets.show(recovery, recovery.recoveryCodes)
  assert.ok(recovery.recoveryCodes.codes.length > 0)
  for (const recoveryCode of recovery.recoveryCodes.codes) secrets.addRecoveryCode(recoveryCode)
  for (const recoveryCode of (await sim.control('GET', `/users/${sms.userId}/recovery-codes`)).codes) {
    secrets.addRecoveryCode(recoveryCode)
  }
  const [first] = recovery.recoveryCodes.codes
  await client.verify({ userId: sms.userId, code: first, channel: 'recovery' })
  await secrets.expectError(client.verify({ userId: sms.userId, code: first, channel: 'recovery' }))
  secrets.addRecoveryCode(WRONG_RECOVERY_CODE)
  await secrets.expectError(client.verify({ userId: sms.userId, code: WRONG_RECOVERY_CODE, channel: 'recovery' }))
  secrets.show(await client.getUser(sms.userId), await client.findUser(USERNAME))

  // Status tokens of push approvals: one accepted (its result token introspected), one left pending.
  const approval = await client.approve({ username: USERNAME, channel: 'push' })
  secrets.addToken(approval.statusToken)
  secrets.show(approval)
  await sim.accept(approval.transactionId)
  const status = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 10_000 })
  assert.equal(status.status, 'succeeded')
  secrets.addToken(status.token)
  secrets.show(status, await client.introspect(status.token), await client.introspect(approval.statusToken))
  const pending = await client.approve({ username: USERNAME, channel: 'push' })
  secrets.addToken(pending.statusToken)
  const waited = await secrets.expectError(client.waitForStatus(pending.statusToken, { timeout: 100, interval: 20 }))
  secrets.show(waited.lastStatus)
  const aborted = new AbortController()
  setTimeout(() => aborted.abort(), 50)
  await secrets.expectError(client.waitForStatus(pending.statusToken, { interval: 20, signal: aborted.signal }))
  secrets.show(await client.getStatus(`${pending.statusToken}x`))

  // Transport trouble while tokens are in the request or in the answer.
  await sim.fault({ method: 'POST', path: '/api/v1/status', count: 1, fault: 'delay', ms: 1_000 })
  await secrets.expectError(impatient.getStatus(pending.statusToken))
  for (const fault of ['truncated', 'malformed', 'empty', 'reset']) {
    await sim.fault({ method: 'POST', path: '/api/v1/intent', count: 1, fault })
    await secrets.expectError(client.createIntent({ operation: 'approve', username: USERNAME }))
    await sim.fault({ method: 'POST', path: '/api/v1/approval', count: 1, fault })
    await secrets.expectError(client.approve({ username: USERNAME, channel: 'push' }))
  }
  await sim.fault({ method: 'POST', path: '/api/v1/status', count: 1, fault: 'truncated' })
  await secrets.expectError(client.getStatus(approval.statusToken))
  await sim.fault({ method: 'POST', path: '/api/v1/status', count: 3, fault: 'status', status: 503 })
  await secrets.expectError(client.getStatus(approval.statusToken))
  // The simulator minted tokens into the answers that were cut or garbled: they are secrets too.
  for (const operation of await sim.control('GET', '/operations')) secrets.addToken(operation.statusToken)

  // A wrong key, a missing credential (401, injected), then arguments carrying secrets.
  const wrong = new Client(sim.options({ accessKey: WRONG_KEY, maxRetries: 0 }))
  secrets.show(wrong)
  await secrets.expectError(wrong.findUser(USERNAME))
  await secrets.expectError(wrong.approve({ username: USERNAME, channel: 'push' }))
  await sim.fault({ method: 'GET', path: '/api/v1/users', count: 1, fault: 'status', status: 401 })
  await secrets.expectError(client.findUser(USERNAME))
  await secrets.attempt(client.getStatus(`${pending.statusToken}\n`))
  await secrets.attempt(client.verify({ userId: sms.userId, code: `${code}\r\n`, statusToken: smsStatus }))
  await secrets.expectError(client.approve({ username: USERNAME, channel: 'push', intentToken: `${intent.token}\r\nX: y` }))
  await secrets.attempt(client.verify({ userId: sms.userId, code: 42, statusToken: smsStatus }))
  const refused = [
    { baseUrl: `${sim.baseUrl} bad` },
    { accessKey: `${ACCESS_KEY}\n` },
    { accessKey: `${ACCESS_KEY}\u00e9` },
    { baseUrl: 'http://example.com' },
  ]
  for (const options of refused) {
    try {
      new Client(sim.options(options))
      assert.fail(`accepted ${Object.keys(options)}`)
    } catch (err) {
      assert.ok(err instanceof NevisError, String(err))
      secrets.showError(err)
    }
  }
  secrets.show(await client.exportLogs({ timespan: 'P1D' }))

  await Promise.all([wrong.close(), impatient.close(), client.close()])
  secrets.show(client)
  await secrets.expectError(client.getStatus(pending.statusToken))
}

it('no secret in log records, errors, clients or results', async () => {
  const sim = await startSim({ tls: true, accessKey: ACCESS_KEY })
  const records = []
  const logged = []
  setLogger(
    (record) => {
      records.push(record)
      logged.push(JSON.stringify(record), inspect(record, { depth: Infinity, showHidden: true }), formatRecord(record))
    },
    { level: 'trace' },
  )
  const secrets = new Secrets()
  try {
    await playEverything(sim, secrets)
    // Records of the last calls are delivered on the JavaScript thread shortly after them.
    for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setTimeout(resolve, 10))
  } finally {
    setLogger(null)
    await sim.stop()
  }

  // The capture is real: requests, failures and retries were logged, errors and results shown.
  const messages = new Set(records.map((record) => record.message))
  for (const message of ['request completed', 'request failed', 'retrying']) assert.ok(messages.has(message), message)
  assert.ok(records.some((record) => record.level === 'debug'))
  assert.ok(secrets.shown.length > 300, `${secrets.shown.length} texts shown`)
  assert.ok(secrets.long.size > 10 && secrets.digits.size === 3 && secrets.codes.size >= 20)

  // Positive control: the scan finds secrets where they are meant to be.
  assert.deepEqual(secrets.leaks(`code=${[...secrets.digits][0]}`), ['an SMS code'])
  assert.ok(secrets.leaks(`token=${ACCESS_KEY.slice(5, 30)}…`).length > 0)
  assert.ok(secrets.leaks([...secrets.codes].join(' ')).length > 0)
  assert.ok(secrets.leaks(inspect({ ...records[0], leaked: [...secrets.long].at(-1) })).length > 0)

  const shared = secrets.sharedTokenWindows()
  const problems = []
  for (const [source, texts] of [
    ['log records', logged],
    ['errors, clients and results', secrets.shown],
  ]) {
    for (const text of texts) {
      for (const leak of secrets.leaks(text, shared)) problems.push(`${leak} in ${source}: ${JSON.stringify(text.slice(0, 80))}…`)
    }
  }
  assert.deepEqual(problems.slice(0, 20), [])
})

// A server (or a proxy) that echoes what it received: a 401 repeating the key, a 400 quoting the
// body, a proxy's plain-text 500 passing on the bearer intent token, and a 401 whose message is
// clean but whose body is not. Every text of the error (message, stack, String, util.inspect,
// JSON.stringify, what console.error prints, the parsed fields and `body`) and every log record
// must show '[redacted]' instead; only the `rawBody()` method returns the answer as it arrived.
it('an echoing server gets its echo redacted everywhere but rawBody()', async () => {
  const sim = await startSim({ accessKey: ACCESS_KEY })
  const logged = []
  setLogger((record) => logged.push(JSON.stringify(record), formatRecord(record)), { level: 'trace' })
  const intentToken = 'eyJhbGciOiJIUzUxMiJ9.bm9kZS1lY2hvLWludGVudC10b2tlbg.c2lnbmF0dXJlLWVjaG8'
  const statusToken = 'eyJhbGciOiJIUzUxMiJ9.bm9kZS1lY2hvLXN0YXR1cy10b2tlbg.c2lnbmF0dXJlLWVjaG8'
  const userId = '00000000-0000-4000-8000-0000000000ed'
  const client = new Client(sim.options({ ...FAST, maxRetries: 0 }))
  const cases = [
    {
      fault: { method: 'GET', path: '/api/v1/users', status: 401, message: 'bad credential: {authorization}' },
      call: () => client.findUser(USERNAME),
      secrets: [ACCESS_KEY],
    },
    {
      fault: { method: 'POST', path: `/api/v1/users/${userId}/verification`, status: 400, message: 'cannot parse {body}' },
      call: () => client.verify({ userId, code: '492817', statusToken, intentToken }),
      secrets: [statusToken, '492817'],
    },
    {
      fault: { method: 'POST', path: '/api/v1/approval', status: 500, message: 'upstream said {authorization}', format: 'text' },
      call: () => client.approve({ channel: 'push', username: USERNAME, intentToken }),
      secrets: [intentToken],
    },
    {
      // A 401 whose message is clean, but whose body repeats the header in a field of its own.
      fault: {
        fault: 'status',
        method: 'DELETE',
        path: `/api/v1/users/${userId}`,
        status: 401,
        body: { error: 'Unauthorized', status: 401, received: `Bearer ${ACCESS_KEY}` },
      },
      call: () => client.deleteUser(userId),
      secrets: [ACCESS_KEY],
    },
  ]
  const { ApiError } = await import('../../bindings-node/index.mjs')
  try {
    for (const { fault, call, secrets } of cases) {
      await sim.fault({ fault: 'echo', count: 1, ...fault })
      const err = await call().then(
        () => assert.fail('the echo answer was taken for a success'),
        (error) => error,
      )
      assert.ok(err instanceof ApiError, String(err))
      const printed = []
      const original = console.error
      console.error = (...args) => printed.push(inspect(args[0]))
      try {
        console.error(err)
      } finally {
        console.error = original
      }
      const shown = [
        err.message,
        err.stack,
        String(err),
        inspect(err, { depth: Infinity, showHidden: true }),
        JSON.stringify(err),
        JSON.stringify({ ...err }),
        String(err.body),
        String(err.apiMessage),
        ...printed,
      ]
      assert.ok(
        shown.some((text) => text.includes('[redacted]')),
        shown[0],
      )
      for (const secret of secrets) {
        const leaked = shown.filter((text) => text.includes(secret)).map((text) => text.slice(0, 100))
        assert.deepEqual(leaked, [], `a secret (${secret.length} chars) is shown`)
        assert.ok(err.rawBody().includes(secret), 'rawBody() keeps the answer as it arrived')
      }
      assert.ok(!Object.keys(err).includes('rawBody') && !('rawBody' in { ...err }), 'rawBody is no property')
    }
    for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setTimeout(resolve, 10))
  } finally {
    setLogger(null)
    await client.close()
    await sim.stop()
  }
  assert.ok(
    logged.some((text) => text.includes('error answer') && text.includes('[redacted]')),
    logged.slice(-3).join('\n'),
  )
  for (const secret of [ACCESS_KEY, intentToken, statusToken, '492817']) {
    assert.deepEqual(logged.filter((text) => text.includes(secret)).length, 0, `a secret (${secret.length} chars) is logged`)
  }
})
