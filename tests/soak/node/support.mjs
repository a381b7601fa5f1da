// What the Node soak driver needs besides the scenarios: bookkeeping with constant memory
// (log-bucket latency histograms, the same 5 % buckets as the Python and C drivers), a seeded
// random source, and the simulator's control plane over plain node:http with a timeout (no
// keep-alive agent, so nothing of ours keeps the event loop alive at the end).
import { request } from 'node:http'

const MIN_MS = 0.05
const RATIO = 1.05
const MAX_SAMPLES = 10

/** Ends a scenario after a failure that was already booked. */
export class Abort extends Error {}

/** The simulator's control plane failed (not the SDK under test). */
export class ControlError extends Error {}

/** A typed error the scenario asked for. */
export class Expected {
  constructor(kind, applied, error) {
    this.kind = kind
    this.applied = applied
    this.error = error
  }
}

/** `call(..., { expect: ANY })`: every typed error is an acceptable outcome. */
export const ANY = Symbol('any typed error')

/** mulberry32: small, seeded, good enough to pick scenarios reproducibly. */
export class WorkerRandom {
  constructor(seed) {
    this.state = seed >>> 0
  }

  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  uniform(low, high) {
    return low + (high - low) * this.next()
  }

  below(n) {
    return Math.floor(this.next() * n)
  }

  choice(items) {
    return items[this.below(items.length)]
  }

  weighted(entries) {
    const total = entries.reduce((sum, e) => sum + e.weight, 0)
    let point = this.next() * total
    for (const entry of entries) {
      point -= entry.weight
      if (point < 0) return entry
    }
    return entries[entries.length - 1]
  }
}

class Histogram {
  constructor() {
    this.buckets = new Map()
    this.count = 0
    this.maxMs = 0
  }

  add(ms) {
    const index = ms <= MIN_MS ? 0 : Math.floor(Math.log(ms / MIN_MS) / Math.log(RATIO)) + 1
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1)
    this.count++
    this.maxMs = Math.max(this.maxMs, ms)
  }

  /** The upper edge of the bucket holding the q-quantile (at most 5 % above the truth). */
  quantile(q) {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)
      if (seen >= rank) return Math.min(MIN_MS * RATIO ** index, this.maxMs)
    }
    return this.maxMs
  }
}

const bump = (table, key, n = 1) => {
  table[key] = (table[key] ?? 0) + n
}
const round = (x) => Math.round(x * 100) / 100
const sorted = (table) => Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)))

/** What the driver observed (one instance: the event loop is single-threaded). */
export class Stats {
  constructor() {
    this.calls = new Map()
    this.scenarios = {}
    this.aborts = {}
    this.expected = {}
    this.incidental = {}
    this.untyped = 0
    this.untypedSamples = []
    this.violations = 0
    this.violationSamples = []
    this.hangs = 0
    this.hangSamples = []
    this.controlErrors = 0
    this.controlSamples = []
    this.driverErrors = 0
    this.driverSamples = []
    this.effects = Object.fromEntries(['enroll', 'approval', 'sms', 'intent'].map((k) => [k, { ok: 0, maybe: 0 }]))
  }

  bookCall(op, ms, ok) {
    if (!this.calls.has(op)) this.calls.set(op, { ok: 0, error: 0, hist: new Histogram() })
    const entry = this.calls.get(op)
    entry[ok ? 'ok' : 'error']++
    entry.hist.add(ms)
  }

  sample(list, text) {
    if (list.length < MAX_SAMPLES) list.push(text)
  }

  report() {
    const calls = {}
    let total = 0
    for (const op of [...this.calls.keys()].sort()) {
      const e = this.calls.get(op)
      total += e.ok + e.error
      calls[op] = {
        ok: e.ok,
        error: e.error,
        p50Ms: round(e.hist.quantile(0.5)),
        p99Ms: round(e.hist.quantile(0.99)),
        maxMs: round(e.hist.maxMs),
      }
    }
    return {
      calls,
      totalCalls: total,
      scenarios: sorted(this.scenarios),
      scenariosAborted: sorted(this.aborts),
      errors: { expected: sorted(this.expected), incidental: sorted(this.incidental) },
      untyped: this.untyped,
      untypedSamples: this.untypedSamples,
      violations: this.violations,
      violationSamples: this.violationSamples,
      hangs: this.hangs,
      hangSamples: this.hangSamples,
      controlErrors: this.controlErrors,
      controlSamples: this.controlSamples,
      driverErrors: this.driverErrors,
      driverSamples: this.driverSamples,
      sideEffects: this.effects,
    }
  }
}

export { bump }

/** One request to `/_sim{path}`; resolves `{ status, body }` (body parsed JSON or null). */
export function control(baseUrl, method, path, body = undefined) {
  const payload = body === undefined ? '' : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/_sim${path}`,
      {
        method,
        agent: false,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null })
          } catch {
            reject(new ControlError(`${method} /_sim${path}: answer is not JSON`))
          }
        })
        res.on('error', (err) => reject(new ControlError(`${method} /_sim${path}: ${err.message}`)))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (err) => reject(new ControlError(`${method} /_sim${path}: ${err.message}`)))
    req.end(payload)
  })
}
