// Soak driver for the Node binding: `workersPerLanguage` async workers sharing one Client (plus
// a short-timeout one and one with a wrong key) on one event loop, against the simulator
// `make soak` started.
//
// Each worker loops over the weighted scenario mix of tests/soak/mix.json (the same table the
// Python and C drivers read) until the time is up; then the driver closes its clients, writes
// what it observed as JSON (calls and latency per SDK method, typed errors per kind, untyped
// errors, contradictions with the simulator, calls that outlived their bound, operations it may
// have created) and must exit by itself: a handle left open by the SDK would keep the event loop
// alive, which the driver reports as a failure (exit 3). tests/soak/orchestrate.py samples its
// memory and judges the invariants.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client, NevisError } from '../../../bindings-node/index.mjs'
import { ANY, Abort, ControlError, Expected, Stats, WorkerRandom, bump, control } from './support.mjs'

const LANGUAGE = 'node'
const PHONE_DIGIT = '2' // the language's digit in generated phone numbers (+4179<digit><worker><counter>)
// The core's error kinds except a caught bug (internal): anything else is untyped.
const KNOWN_KINDS = new Set(createRequire(import.meta.url)('../../../bindings-node/native.js').errorKinds())
KNOWN_KINDS.delete('internal')
const HANG = Symbol('hang')

const { values: args } = parseArgs({
  options: { mix: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } },
})
const mix = JSON.parse(readFileSync(args.mix, 'utf8'))
const seconds = Number(args.seconds)
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Date.now() / 1000) % 100000
const baseUrl = process.env.NEVIS_AUTHCLOUD_BASE_URL
const accessKey = process.env.NEVIS_AUTHCLOUD_ACCESS_KEY

const clientOptions = (s, key) => ({
  baseUrl,
  accessKey: key,
  timeout: s.requestTimeoutMs,
  connectTimeout: s.connectTimeoutMs,
  deadline: s.deadlineMs,
  maxRetries: s.maxRetries,
  retryBackoff: { initial: s.retryBackoffMs[0], max: s.retryBackoffMs[1] },
  appInfo: 'soak-node/1.0',
})
const clients = {
  normal: new Client(clientOptions(mix.client, accessKey)),
  short: new Client(clientOptions(mix.shortClient, accessKey)),
  wrongKey: new Client(clientOptions(mix.client, 'soak-wrong-key')),
}
const stats = new Stats()
const phone = { actions: 0, errors: 0, pending: new Set() }
const margin = mix.watchdogMarginMs
const callBoundMs = mix.client.deadlineMs + margin
const waitBoundMs = mix.wait.timeoutMs + mix.client.deadlineMs + margin
const started = performance.now()
const endAt = started + seconds * 1000

/** The simulated phone accepts or declines after a delay, so waits really poll a pending operation. */
function schedulePhone(transactionId, action, delayMs) {
  const done = sleep(delayMs)
    .then(() => control(baseUrl, 'POST', `/operations/${transactionId}/${action}`, {}))
    .then(
      ({ status }) => status === 200,
      () => false,
    )
    .then((ok) => {
      phone.actions++
      if (!ok) phone.errors++
    })
  phone.pending.add(done)
  done.finally(() => phone.pending.delete(done))
}

class Worker {
  constructor(index) {
    this.index = index
    this.name = `w${index}`
    this.rng = new WorkerRandom(seed * 100 + index)
    this.pool = []
    this.counter = 0
  }

  nextName(what) {
    this.counter++
    return `soak-${LANGUAGE}-${this.name}-${what}-${this.counter}`
  }

  /**
   * Runs one SDK call under a watchdog and books it. Returns the result, or an `Expected` for a
   * typed error listed in `expect` (ANY: every typed error). Any other failure ends the scenario
   * (Abort): typed ones count as incidental, others as untyped.
   */
  async call(op, fn, { expect = [], effects = [], wait = false } = {}) {
    const bound = wait ? waitBoundMs : callBoundMs
    let timer
    const watchdog = new Promise((resolve) => {
      timer = setTimeout(() => resolve(HANG), bound)
    })
    const t0 = performance.now()
    let outcome
    let failed = false
    try {
      outcome = await Promise.race([Promise.resolve().then(fn), watchdog])
    } catch (err) {
      failed = true
      outcome = err
    } finally {
      clearTimeout(timer)
    }
    const ms = performance.now() - t0
    if (outcome === HANG) {
      // The call is abandoned, not cancelled: it may still reach the server.
      for (const e of effects) stats.effects[e].maybe++
      stats.hangs++
      stats.sample(stats.hangSamples, `${this.name} ${op}: still running after ${bound} ms`)
      stats.bookCall(op, ms, false)
      throw new Abort()
    }
    stats.bookCall(op, ms, !failed)
    if (!failed) {
      for (const e of effects) stats.effects[e].ok++
      return outcome
    }
    const typed = outcome instanceof NevisError && KNOWN_KINDS.has(outcome.code)
    if (!typed) {
      for (const e of effects) stats.effects[e].maybe++
      stats.untyped++
      stats.sample(stats.untypedSamples, `${op}: ${outcome?.constructor?.name}: ${String(outcome?.message ?? outcome).slice(0, 300)}`)
      throw new Abort()
    }
    const applied = outcome.mayHaveBeenApplied
    if (applied !== 'no') for (const e of effects) stats.effects[e].maybe++
    if (expect === ANY || expect.includes(outcome.code)) {
      bump(stats.expected, outcome.code)
      return new Expected(outcome.code, applied, outcome)
    }
    bump(stats.incidental, outcome.code)
    throw new Abort()
  }

  violation(scenario, what) {
    stats.violations++
    stats.sample(stats.violationSamples, `${this.name} ${scenario}: ${what}`)
  }

  async control(method, path, body) {
    return control(baseUrl, method, path, body)
  }

  async makeRoom() {
    while (this.pool.length >= mix.poolSize) {
      const user = this.pool.shift()
      await this.call('delete_user', () => clients.normal.deleteUser(user.userId))
    }
  }

  pickUser(channel = undefined, readable = false) {
    const found = this.pool.filter((u) => (channel === undefined || u.channel === channel) && !(readable && u.burned))
    return found.length ? this.rng.choice(found) : undefined
  }

  phoneDelay() {
    return this.rng.uniform(mix.phoneDelayMs[0], mix.phoneDelayMs[1])
  }

  waitFor(statusToken) {
    const w = mix.wait
    return this.call(
      'wait_for_status',
      () => clients.normal.waitForStatus(statusToken, { timeout: w.timeoutMs, interval: w.intervalMs, maxInterval: w.maxIntervalMs }),
      { wait: true },
    )
  }

  /** Polls by hand with getStatus until the operation is decided or the wait time is up. */
  async poll(statusToken) {
    const giveUp = performance.now() + mix.wait.timeoutMs
    for (;;) {
      const status = await this.call('get_status', () => clients.normal.getStatus(statusToken))
      if (status.status !== 'pending' || performance.now() >= giveUp) return status
      await sleep(mix.wait.pollMs)
    }
  }

  async addFault(fault) {
    const { status } = await this.control('POST', '/faults', fault)
    if (status !== 201) throw new ControlError(`adding a fault answered ${status}`)
  }

  // ---- scenarios ------------------------------------------------------------------------------

  async enroll_push() {
    await this.makeRoom()
    const username = this.nextName('push')
    const enrolled = await this.call('enroll', () => clients.normal.enroll({ username, channel: 'push' }), { effects: ['enroll'] })
    schedulePhone(enrolled.enrollment.transactionId, 'accept', this.phoneDelay())
    const status = await this.waitFor(enrolled.enrollment.statusToken)
    if (status.status !== 'succeeded') return this.violation('enroll_push', `accepted enrolment ended ${status.status}`)
    this.pool.push({ username, userId: enrolled.userId, channel: 'push', burned: false })
  }

  async enroll_sms() {
    await this.makeRoom()
    const username = this.nextName('sms')
    const number = `+4179${PHONE_DIGIT}${this.index}${String(this.counter % 100000).padStart(5, '0')}`
    const enrolled = await this.call('enroll', () => clients.normal.enroll({ username, channel: 'sms', phone: number }), {
      effects: ['enroll', 'sms'],
    })
    const { transactionId, statusToken } = enrolled.enrollment
    const { status: code, body: sms } = await this.control('GET', `/phones/${encodeURIComponent(number)}/last-sms`)
    if (code !== 200) throw new ControlError(`last-sms answered ${code}`)
    if (sms.transactionId !== transactionId) return this.violation('enroll_sms', 'the last SMS belongs to another operation')
    const request = { userId: enrolled.userId, code: sms.code, statusToken }
    if (this.rng.next() < mix.verifyDelayFraction) {
      // The verification is processed, but its answer comes too late for the short client: a typed
      // timeout saying the code may have been used, which the status then confirms.
      await this.addFault({ ...mix.verifyDelayFault, method: 'POST', path: `/api/v1/users/${enrolled.userId}/verification` })
      const outcome = await this.call('verify', () => clients.short.verify(request), { expect: ANY })
      if (!(outcome instanceof Expected) || outcome.kind !== 'timeout') {
        return this.violation('enroll_sms', `a verification answered after the timeout gave ${outcome?.kind ?? 'success'}`)
      }
      if (outcome.applied !== 'unknown') this.violation('enroll_sms', `timed-out verification says mayHaveBeenApplied=${outcome.applied}`)
    } else {
      await this.call('verify', () => clients.normal.verify(request))
    }
    const status = await this.call('get_status', () => clients.normal.getStatus(statusToken))
    if (status.status !== 'succeeded') return this.violation('enroll_sms', `verified SMS enrolment is ${status.status}`)
    this.pool.push({ username, userId: enrolled.userId, channel: 'sms', burned: false })
  }

  async approve() {
    const user = this.pickUser('push')
    if (user === undefined) return this.enroll_push()
    const accept = this.rng.next() < 0.6
    const approval = await this.call(
      'approve',
      () => clients.normal.approve({ channel: 'push', username: user.username, prompt: true, message: 'Soak login?' }),
      { effects: ['approval'] },
    )
    schedulePhone(approval.transactionId, accept ? 'accept' : 'decline', this.phoneDelay())
    const status = this.rng.next() < 0.6 ? await this.waitFor(approval.statusToken) : await this.poll(approval.statusToken)
    const expected = accept ? 'succeeded' : 'failed'
    if (status.status !== expected) return this.violation('approve', `${accept ? 'accepted' : 'declined'} approval ended ${status.status}`)
    if (accept && this.rng.next() < 0.5) {
      const info = await this.call('introspect', () => clients.normal.introspect(status.token))
      if (!info.active) this.violation('approve', 'the transaction token of a succeeded approval is not active')
    }
  }

  async lookup() {
    const user = this.pickUser()
    if (user === undefined) {
      const missing = this.nextName('missing')
      const outcome = await this.call('find_user', () => clients.normal.findUser(missing), { expect: ['not_found'] })
      if (!(outcome instanceof Expected)) this.violation('lookup', 'an unknown username was found')
      return
    }
    const found = await this.call('find_user', () => clients.normal.findUser(user.username))
    if (found.userId !== user.userId) this.violation('lookup', 'findUser returned another user')
    if (user.burned) return
    const got = await this.call('get_user', () => clients.normal.getUser(user.userId))
    if (got.username !== user.username) this.violation('lookup', 'getUser returned another user')
    else if (user.channel === 'push' && got.status !== 'active')
      this.violation('lookup', `a user with a confirmed push authenticator is ${got.status}`)
  }

  async delete() {
    if (this.pool.length === 0) return this.enroll_push()
    const [user] = this.pool.splice(this.rng.below(this.pool.length), 1)
    await this.call('delete_user', () => clients.normal.deleteUser(user.userId))
    if (user.burned) return
    const outcome = await this.call('get_user', () => clients.normal.getUser(user.userId), { expect: ['not_found'] })
    if (!(outcome instanceof Expected)) this.violation('delete', 'a deleted user can still be read')
  }

  async intent() {
    const user = this.pickUser('push')
    if (user === undefined) return this.enroll_push()
    const { token } = await this.call(
      'create_intent',
      () => clients.normal.createIntent({ operation: 'approve', username: user.username, channels: ['push'] }),
      { effects: ['intent'] },
    )
    const approval = await this.call(
      'approve',
      () => clients.normal.approve({ channel: 'push', username: user.username, intentToken: token }),
      { effects: ['approval'] },
    )
    schedulePhone(approval.transactionId, 'decline', 0)
    const again = await this.call(
      'approve',
      () => clients.normal.approve({ channel: 'push', username: user.username, intentToken: token }),
      { expect: ['forbidden'], effects: ['approval'] },
    )
    if (!(again instanceof Expected)) {
      this.violation('intent', 'a used intent token was accepted again')
      schedulePhone(again.transactionId, 'decline', 0)
    }
  }

  async api_error() {
    const variant = this.rng.choice([
      'get_user_unknown',
      'find_user_unknown',
      'bad_phone',
      'bad_user_id',
      'wrong_key',
      'push_without_app',
      'unknown_token',
    ])
    const c = clients.normal
    switch (variant) {
      case 'get_user_unknown': {
        const id = randomUUID()
        return this.expectError(variant, 'get_user', () => c.getUser(id), 'not_found')
      }
      case 'find_user_unknown': {
        const missing = this.nextName('missing')
        return this.expectError(variant, 'find_user', () => c.findUser(missing), 'not_found')
      }
      case 'bad_phone': {
        const username = this.nextName('badphone')
        return this.expectError(variant, 'enroll', () => c.enroll({ username, channel: 'sms', phone: '0791234567' }), 'invalid_request', [
          'enroll',
          'sms',
        ])
      }
      case 'bad_user_id':
        return this.expectError(variant, 'get_user', () => c.getUser('not-a-uuid'), 'invalid_request')
      case 'wrong_key': {
        const username = this.pool.length ? this.pool[0].username : 'soak-nobody'
        return this.expectError(variant, 'find_user', () => clients.wrongKey.findUser(username), 'forbidden')
      }
      case 'push_without_app': {
        const user = this.pickUser('sms')
        if (user === undefined) return
        return this.expectError(variant, 'approve', () => c.approve({ channel: 'push', username: user.username }), 'bad_request', [
          'approval',
        ])
      }
      default: {
        const token = `soak-unknown-token-${this.counter}`
        const status = await this.call('get_status', () => c.getStatus(token))
        if (status.status !== 'unknown') this.violation(variant, `a made-up status token is ${status.status}`)
      }
    }
  }

  async expectError(variant, op, fn, kind, effects = []) {
    const outcome = await this.call(op, fn, { expect: [kind], effects })
    if (!(outcome instanceof Expected)) this.violation('api_error', `${variant} succeeded`)
  }

  async fault_scoped() {
    const user = this.pickUser(undefined, true)
    if (user === undefined) return this.enroll_push()
    const entry = this.rng.weighted(mix.scopedFaults)
    const path = `/api/v1/users/${user.userId}`
    await this.addFault({ ...entry.fault, method: 'GET', path })
    const client = entry.client === 'short' ? clients.short : clients.normal
    const outcome = await this.call('get_user', () => client.getUser(user.userId), { expect: ANY })
    const want = entry.expect
    if (want.outcome === 'ok') {
      if (outcome instanceof Expected) this.violation('fault_scoped', `${entry.name}: failed with ${outcome.kind}`)
      else if (outcome.userId !== user.userId) this.violation('fault_scoped', `${entry.name}: returned another user`)
    } else if (!(outcome instanceof Expected)) {
      this.violation('fault_scoped', `${entry.name}: succeeded`)
    } else if (outcome.kind !== want.kind || outcome.applied !== 'no') {
      this.violation('fault_scoped', `${entry.name}: ${outcome.kind} (applied ${outcome.applied}), expected ${want.kind}`)
    }
    // A fault the call did not use up (it gave up early) would hit this user's next read.
    const { status, body } = await this.control('GET', '/faults')
    if (status !== 200) throw new ControlError(`listing faults answered ${status}`)
    if (body.some((f) => f.path === path && f.remaining > 0)) user.burned = true
  }

  async fault_shared() {
    const entry = this.rng.weighted(mix.sharedFaults)
    await this.addFault({ ...entry.fault, method: entry.method, path: entry.path })
    const c = clients.normal
    switch (entry.then) {
      case 'get_status': {
        const token = `soak-unknown-token-${this.counter}`
        return void (await this.call('get_status', () => c.getStatus(token), { expect: ANY }))
      }
      case 'ping':
        return void (await this.call('ping', () => c.ping(), { expect: ANY }))
      case 'find_user': {
        const user = this.pickUser()
        const username = user ? user.username : 'soak-nobody'
        return void (await this.call('find_user', () => c.findUser(username), { expect: ANY }))
      }
      case 'approve': {
        const user = this.pickUser('push')
        if (user === undefined) return
        const outcome = await this.call('approve', () => c.approve({ channel: 'push', username: user.username }), {
          expect: ANY,
          effects: ['approval'],
        })
        if (!(outcome instanceof Expected)) schedulePhone(outcome.transactionId, 'decline', 0)
      }
    }
  }

  async ping() {
    await this.call('ping', () => clients.normal.ping())
  }

  async run() {
    const weighted = Object.entries(mix.weights).map(([name, weight]) => ({ name, weight }))
    while (performance.now() < endAt) {
      const { name } = this.rng.weighted(weighted)
      bump(stats.scenarios, name)
      try {
        await this[name]()
      } catch (err) {
        if (err instanceof Abort) bump(stats.aborts, name)
        else if (err instanceof ControlError) {
          stats.controlErrors++
          stats.sample(stats.controlSamples, err.message)
        } else {
          // A bug in this driver, not the SDK: report it loudly.
          stats.driverErrors++
          stats.sample(stats.driverSamples, `${name}: ${err?.stack ?? err}`.slice(0, 500))
        }
      }
      await sleep(this.rng.uniform(mix.thinkMs[0], mix.thinkMs[1]))
    }
  }
}

const workers = Array.from({ length: mix.workersPerLanguage }, (_, i) => new Worker(i))
await Promise.all(workers.map((w) => w.run()))
await Promise.allSettled([...phone.pending])
for (const client of Object.values(clients)) await client.close()

const report = {
  ...stats.report(),
  language: LANGUAGE,
  seed,
  durationS: Math.round((performance.now() - started) / 100) / 10,
  workers: { async: workers.length },
  unfinishedWorkers: 0,
  phone: { actions: phone.actions, errors: phone.errors },
}
writeFileSync(args.out, JSON.stringify(report, null, 1))
console.error(`node driver: ${report.totalCalls} calls, ${report.untyped} untyped, ${report.hangs} hangs`)

// Everything is closed: the process must now exit by itself. If something (an SDK handle, a
// pending native call) keeps the event loop alive, say so and fail.
setTimeout(() => {
  console.error('node driver: the event loop is still alive 10 s after every client was closed')
  process.exit(3)
}, 10_000).unref()
