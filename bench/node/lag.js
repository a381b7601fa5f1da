// Event-loop lag while 1,000 calls are in flight: does the binding keep the JavaScript thread
// free while it works? perf_hooks.monitorEventLoopDelay (1 ms resolution) samples the loop in two
// scenarios, each measured for the binding and, for reference, for undici (an unlimited Pool):
//
// - steady: 1,000 async workers each await one getStatus after another, so 1,000 calls are in
//   flight the whole time; the histogram covers one second after a ramp-up of 200 ms. The check
//   (p99 < 3 ms) is on this scenario.
// - burst: 1,000 calls started synchronously in one go, then awaited; this includes what starting
//   1,000 calls in a single tick costs the thread.
//
// Rounds interleave binding steady, undici steady, binding burst, undici burst, idle (a timer, to
// show what the histogram reads when the loop does nothing). Per round p50/p99/max; the rows give
// the median and spread over rounds. Writes $BENCH_OUT/node-lag.json.
//
// The histogram records the interval between timer ticks as Node measures it, so an idle loop
// already reads about 1.1 ms; figures are in ms.
'use strict'

const { monitorEventLoopDelay } = require('node:perf_hooks')
const { setTimeout: sleep } = require('node:timers/promises')
const { Pool } = require('undici')
const { Client } = require('nevis-authcloud')
const common = require('./common.js')

const IN_FLIGHT = 1000
const ROUNDS = common.smoke ? 1 : 8
const STEADY_MS = common.smoke ? 200 : 1000
const RAMP_MS = common.smoke ? 50 : 200
const TARGET_MS = 3

const ms = (ns) => ns / 1e6

/**
 * Runs `work` while a fresh 1 ms event-loop-delay histogram records; returns p50/p99/max in ms. A
 * histogram with no sample means the loop never got to run its timer: it was blocked for the whole
 * run, so the run's own length is the delay (a lower bound). undici with 1,000 requests in flight
 * does that to the short window of a --smoke run on a busy machine.
 */
async function sampled(work) {
  const h = monitorEventLoopDelay({ resolution: 1 })
  const started = process.hrtime.bigint()
  h.enable()
  await work()
  h.disable()
  if (h.count === 0) {
    const blocked = ms(Number(process.hrtime.bigint() - started))
    return { p50: blocked, p99: blocked, max: blocked }
  }
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) }
}

/** `IN_FLIGHT` workers each awaiting one call after another; measured after the ramp-up. */
async function steady(call) {
  let running = true
  const worker = async () => {
    while (running) common.expectPending(await call(), 'steady')
  }
  const workers = Array.from({ length: IN_FLIGHT }, worker)
  await sleep(RAMP_MS)
  const figures = await sampled(() => sleep(STEADY_MS))
  running = false
  await Promise.all(workers)
  return figures
}

/** `IN_FLIGHT` calls started synchronously, then awaited; measured from the first start. */
function burst(call) {
  return sampled(async () => {
    const answers = await Promise.all(Array.from({ length: IN_FLIGHT }, call))
    for (const answer of answers) common.expectPending(answer, 'burst')
  })
}

async function main() {
  const t = common.target()
  const client = new Client({ baseUrl: t.baseUrl, accessKey: t.accessKey })
  const pool = new Pool(t.origin)
  const binding = () => client.getStatus(t.statusToken)
  const undici = async () => {
    const answer = await pool.request({ path: t.path, method: 'POST', headers: t.headers, body: t.body })
    return answer.body.json()
  }

  // Warm-up: 1,000 connections open for both, code paths hot.
  await burst(binding)
  await burst(undici)

  const scenarios = [
    { key: 'binding steady', run: () => steady(binding) },
    { key: 'undici steady', run: () => steady(undici) },
    { key: 'binding burst', run: () => burst(binding) },
    { key: 'undici burst', run: () => burst(undici) },
    { key: 'idle', run: () => sampled(() => sleep(200)) },
  ]
  const figures = Object.fromEntries(scenarios.map((s) => [s.key, { p50: [], p99: [], max: [] }]))
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const s of scenarios) {
      const f = await s.run()
      for (const k of ['p50', 'p99', 'max']) figures[s.key][k].push(f[k])
    }
  }
  await pool.close()
  await client.close()

  const label = {
    'binding steady': `binding, ${IN_FLIGHT.toLocaleString('en')} getStatus always in flight`,
    'undici steady': `undici (reference), ${IN_FLIGHT.toLocaleString('en')} requests always in flight`,
    'binding burst': `binding, ${IN_FLIGHT.toLocaleString('en')} getStatus started in one tick`,
    'undici burst': `undici (reference), ${IN_FLIGHT.toLocaleString('en')} requests started in one tick`,
    idle: 'idle loop (reference)',
  }
  const rows = []
  for (const s of scenarios) {
    for (const k of ['p50', 'p99', 'max']) rows.push(common.row(`${label[s.key]}: ${k}`, figures[s.key][k], 3))
  }
  const check = (key, what) => {
    const value = common.median(figures[key].p99)
    return {
      name: `binding, ${what}: event-loop delay p99 (median of ${ROUNDS} rounds)`,
      value: common.round(value, 3),
      target: `< ${TARGET_MS}`,
      met: value < TARGET_MS,
    }
  }
  const v = common.versions()
  const file = common.write({
    benchmark: 'node-lag',
    title: `Node event-loop lag while ${IN_FLIGHT.toLocaleString('en')} calls are in flight`,
    unit: 'ms',
    higherIsBetter: false,
    rows,
    checks: [
      check('binding steady', `${IN_FLIGHT} calls always in flight`),
      check('binding burst', `${IN_FLIGHT} calls started in one tick`),
    ],
    versions: v,
    notes:
      `perf_hooks.monitorEventLoopDelay({ resolution: 1 }). Steady: ${IN_FLIGHT} async workers each awaiting one call ` +
      `after another, histogram over ${STEADY_MS} ms after a ${RAMP_MS} ms ramp-up. Burst: ${IN_FLIGHT} calls started ` +
      `synchronously, histogram from the first start until all are answered (so it includes the cost of starting ` +
      `them in one tick). Every answer is decoded and checked. ${ROUNDS} rounds, scenarios interleaved, after one ` +
      `warm-up burst per client. Values are the intervals between 1 ms timer ticks as Node records them: an idle ` +
      `loop reads about 1.1 ms. Node ${v.node}, undici ${v.undici} (unlimited Pool), binding: ${v.addon}.`,
  })
  const summary = ['binding steady', 'binding burst', 'undici steady', 'undici burst']
    .map((k) => `${k} p99 ${common.median(figures[k].p99).toFixed(2)} ms`)
    .join(', ')
  console.log(`node-lag: ${summary} -> ${file}`)
}

main().catch((err) => {
  console.error('node-lag:', err)
  process.exit(1)
})
