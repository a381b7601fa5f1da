// What the Node benchmarks share: the simulator's address and token (exported by
// bench/lib/with-bench-sim.sh), the request every contender sends, interleaved rounds, and the
// result file in the layout bench/report.py reads.
//
// `nevis-authcloud` is resolved by name: bench/node/run.sh points NODE_PATH at a folder holding the
// package (the release build staged by `make bench`, or bindings-node itself with the debug addon
// for the smoke run), so these scripts load it exactly as a user's `require` would.
'use strict'

const fs = require('node:fs')
const path = require('node:path')

const smoke = process.argv.includes('--smoke')

function env(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set (run through bench/node/run.sh)`)
  return value
}

/** The simulator and the pending approval every contender polls. */
function target() {
  const baseUrl = env('NEVIS_AUTHCLOUD_BASE_URL')
  const statusToken = env('BENCH_STATUS_TOKEN')
  return {
    baseUrl,
    accessKey: env('NEVIS_AUTHCLOUD_ACCESS_KEY'),
    statusToken,
    origin: new URL(baseUrl).origin,
    path: '/api/v1/status',
    // The same request the binding sends: POST, JSON body with the token, JSON accepted.
    body: JSON.stringify({ statusToken }),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
  }
}

/** Fails the run when a contender's decoded answer is not the pending operation. */
function expectPending(answer, who) {
  if (answer?.status !== 'pending') {
    throw new Error(`${who}: expected a pending operation, got ${JSON.stringify(answer?.status)}`)
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function round(value, digits) {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** A result row: every round's sample, the median and the spread. */
function row(name, samples, digits = 1, extra = {}) {
  return {
    name,
    ...extra,
    samples: samples.map((v) => round(v, digits)),
    median: round(median(samples), digits),
    min: round(Math.min(...samples), digits),
    max: round(Math.max(...samples), digits),
  }
}

/**
 * Runs `total` calls of `op` with `concurrency` of them in flight. Returns calls per second and
 * the CPU time of the whole process (every thread, user + system) per call in microseconds: on a
 * client pinned to one core that is what bounds the rate, and it is steadier than the rate when
 * other processes compete for the core.
 */
async function throughput(op, total, concurrency) {
  let issued = 0
  const worker = async () => {
    while (issued < total) {
      issued += 1
      await op()
    }
  }
  const cpu = process.cpuUsage()
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const used = process.cpuUsage(cpu)
  return { rate: total / seconds, cpuPerCall: (used.user + used.system) / total }
}

/**
 * The ceiling in the same run: the native load generator (BENCH_LOADGEN, found by bench/run.sh)
 * sending the same request for `seconds` with `connections` connections; requests per second, or
 * null when no load generator is available. It runs through bench/lib/loadgen.py, the runner every
 * benchmark shares (same request script, same rejection of failed requests), pinned like this
 * process (it inherits the CPU affinity) while this process waits.
 */
function loadgen(connections, seconds) {
  if (!process.env.BENCH_LOADGEN) return null
  const runner = path.join(__dirname, '..', 'lib', 'loadgen.py')
  const out = require('node:child_process').execFileSync(
    'python3',
    [runner, '--connections', String(connections), '--seconds', String(seconds)],
    { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
  )
  return Number(out.trim())
}

/**
 * The floor in the same run: the Rust core alone (BENCH_CORE_FLOOR, the `core-floor` binary of
 * bench/ffi) making `calls` of the same call with `concurrency` in flight on the same shared runtime,
 * pinned like this process (it inherits the CPU affinity) while this process waits. Returns
 * `{ rate, cpuPerCall }` like `throughput`, or null when the binary was not given.
 */
function coreFloor(concurrency, calls) {
  const floor = process.env.BENCH_CORE_FLOOR
  if (!floor) return null
  const out = require('node:child_process').execFileSync(
    floor,
    ['--concurrency', String(concurrency), '--calls', String(calls), '--warmup', String(Math.max(concurrency, calls >> 2))],
    { encoding: 'utf8', timeout: 300 * 1000 },
  )
  const measured = JSON.parse(out.trim())
  return { rate: measured.rate, cpuPerCall: measured.cpuUsPerCall }
}

function versions() {
  return {
    node: process.version,
    undici: require('undici/package.json').version,
    fetchUndici: process.versions.undici,
    addon: process.env.BENCH_NODE_ADDON || 'unknown build',
  }
}

function write(result) {
  const dir = process.env.BENCH_OUT || 'target/bench'
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${result.benchmark}.json`)
  const full = {
    ...result,
    command: process.env.BENCH_COMMAND || process.argv.join(' '),
    notes:
      result.notes +
      ` ${process.env.BENCH_PINNING || 'not pinned'}.` +
      (smoke ? ' SMOKE RUN: debug addon and tiny counts, figures meaningless.' : ''),
  }
  fs.writeFileSync(file, JSON.stringify(full, null, 2) + '\n')
  return file
}

module.exports = { smoke, env, target, expectPending, median, round, row, throughput, loadgen, coreFloor, versions, write }
