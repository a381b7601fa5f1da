// Node, 64 calls in flight: the binding's getStatus against what a Node developer would write by
// hand with undici (Pool + request, 64 connections) and with the global fetch. Same endpoint,
// same body, same concurrency, the JSON answer decoded by every contender; contenders interleaved
// in rounds (binding, undici, fetch, binding, ...) after a warm-up round, with the native load
// generator (the ceiling) and the Rust core alone (the floor: bench/ffi/src/floor.rs) as the last
// contenders of each round. Writes $BENCH_OUT/node-throughput.json; the checks are binding / undici
// >= 1.5 with at most 0.67x undici's CPU per call, binding >= 60% of the ceiling, binding >= 80% of
// the core floor and the core floor >= 80% of the ceiling (ratios of medians). The two last split
// the gap to the ceiling into what the transport costs and what the binding adds.
'use strict'

const { Pool } = require('undici')
const { Client } = require('nevis-authcloud')
const common = require('./common.js')

const CONCURRENCY = 64
const CALLS = common.smoke ? 256 : 20000
const WARMUP_CALLS = common.smoke ? 64 : 4000
const ROUNDS = common.smoke ? 1 : 7
const LOADGEN_SECONDS = common.smoke ? 1 : 2

async function main() {
  const t = common.target()
  const client = new Client({ baseUrl: t.baseUrl, accessKey: t.accessKey })
  const pool = new Pool(t.origin, { connections: CONCURRENCY })
  const url = t.origin + t.path

  const contenders = [
    {
      name: 'nevis-authcloud Client.getStatus',
      op: async () => common.expectPending(await client.getStatus(t.statusToken), 'binding'),
    },
    {
      name: `undici ${common.versions().undici} Pool.request + body.json() (${CONCURRENCY} connections)`,
      op: async () => {
        const answer = await pool.request({ path: t.path, method: 'POST', headers: t.headers, body: t.body })
        if (answer.statusCode !== 200) throw new Error(`undici: HTTP ${answer.statusCode}`)
        common.expectPending(await answer.body.json(), 'undici')
      },
    },
    {
      name: 'global fetch + response.json()',
      op: async () => {
        const answer = await fetch(url, { method: 'POST', headers: t.headers, body: t.body })
        if (answer.status !== 200) throw new Error(`fetch: HTTP ${answer.status}`)
        common.expectPending(await answer.json(), 'fetch')
      },
    },
  ]

  for (const c of contenders) await common.throughput(c.op, WARMUP_CALLS, CONCURRENCY)
  const samples = contenders.map(() => [])
  const cpu = contenders.map(() => [])
  // The ceiling as a fourth contender of the same rounds, so the share survives a noisy machine.
  const ceiling = []
  // The core alone in the same rounds: what is left when the binding's crossings are taken away.
  const floor = []
  const floorCpu = []
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const [i, c] of contenders.entries()) {
      const measured = await common.throughput(c.op, CALLS, CONCURRENCY)
      samples[i].push(measured.rate)
      cpu[i].push(measured.cpuPerCall)
    }
    const top = common.loadgen(CONCURRENCY, LOADGEN_SECONDS)
    if (top !== null) ceiling.push(top)
    const core = common.coreFloor(CONCURRENCY, CALLS)
    if (core !== null) {
      floor.push(core.rate)
      floorCpu.push(core.cpuPerCall)
    }
  }
  await pool.close()
  await client.close()

  const rows = contenders.map((c, i) => common.row(c.name, samples[i], 1, { cpuUsPerCall: common.round(common.median(cpu[i]), 2) }))
  const ratio = rows[0].median / rows[1].median
  // CPU per call does not depend on how much CPU other processes leave this one: on a busy machine
  // the binding's runtime threads win a larger share of CPU 1 than a single-threaded client does,
  // which flatters its rate; on a quiet one the rate follows CPU per call.
  const cpuRatio = rows[1].cpuUsPerCall / rows[0].cpuUsPerCall
  const checks = [
    { name: 'binding / undici (ratio of medians)', value: common.round(ratio, 3), target: '>= 1.5', met: ratio >= 1.5 },
    { name: 'CPU per call, binding / undici', value: common.round(1 / cpuRatio, 3), target: '<= 0.67', met: 1 / cpuRatio <= 0.67 },
  ]
  const tool = process.env.BENCH_LOADGEN ? require('node:path').basename(process.env.BENCH_LOADGEN) : null
  if (ceiling.length) {
    rows.push(
      common.row(`${tool}, ${CONCURRENCY} connections (ceiling: no JSON decoding)`, ceiling, 1, {
        ceiling: true,
        concurrency: CONCURRENCY,
      }),
    )
    const share = rows[0].median / rows[rows.length - 1].median
    checks.push({
      name: `binding / ${tool} (share of the ceiling, same run)`,
      value: common.round(share, 3),
      target: '>= 0.60',
      met: share >= 0.6,
    })
  }
  if (floor.length) {
    const floorRow = common.row(`Rust core alone, ${CONCURRENCY} in flight on the same runtime (floor)`, floor, 1, {
      floor: true,
      cpuUsPerCall: common.round(common.median(floorCpu), 2),
    })
    rows.push(floorRow)
    const bindingShare = rows[0].median / floorRow.median
    checks.push({
      name: 'binding / Rust core (share of the floor, same run)',
      value: common.round(bindingShare, 3),
      target: '>= 0.80',
      met: bindingShare >= 0.8,
    })
    const top = rows.find((r) => r.ceiling)
    if (top) {
      const coreShare = floorRow.median / top.median
      checks.push({
        name: `Rust core / ${tool} (the transport's share of the ceiling)`,
        value: common.round(coreShare, 3),
        target: '>= 0.80',
        met: coreShare >= 0.8,
      })
    }
  }
  const v = common.versions()
  const file = common.write({
    benchmark: 'node-throughput',
    title: `Node, ${CONCURRENCY} in flight, getStatus: the binding vs undici and fetch`,
    unit: 'req/s',
    higherIsBetter: true,
    concurrency: CONCURRENCY,
    rows,
    checks,
    versions: v,
    notes:
      `${ROUNDS} rounds of ${CALLS} calls per contender, interleaved, after a warm-up of ${WARMUP_CALLS} calls each; ` +
      `${CONCURRENCY} calls in flight (async workers awaiting one call at a time). Node ${v.node}; undici ${v.undici} ` +
      `(pinned in bench/node/package-lock.json; undici 8 needs Node 22); fetch is Node's bundled undici ${v.fetchUndici} ` +
      `with its default global agent. Every contender decodes the JSON answer and checks status == "pending". ` +
      `Binding: ${v.addon}; it runs the HTTP exchange on the core's tokio runtime (one worker thread per CPU the process may use: ` +
      `${require('node:os').availableParallelism()} here), which shares ` +
      `CPU 1 with the JavaScript thread. binding / fetch = ${common.round(rows[0].median / rows[2].median, 3)}. ` +
      `CPU time of the whole Node process per call (all threads, median of rounds): ` +
      `${rows
        .slice(0, 3)
        .map((r) => `${r.name.split(' ')[0]} ${r.cpuUsPerCall} us`)
        .join(', ')}. ` +
      (ceiling.length
        ? `The ceiling row is ${tool} (${LOADGEN_SECONDS} s per round, one thread, same request, answers not decoded) ` +
          `run in the same rounds on the same CPU.`
        : 'No load generator was available, so no ceiling row. ') +
      (floor.length
        ? ` The floor row is the Rust core alone (bench/ffi core-floor: ${CALLS} calls per round, ${CONCURRENCY} tasks on the ` +
          'shared runtime, the same request, the answer decoded and checked), run in the same rounds on the same CPU.'
        : ' BENCH_CORE_FLOOR was not set, so no floor row.'),
  })
  console.log(
    `node-throughput: ${rows.map((r) => `${r.name.split(' ')[0]} ${Math.round(r.median)}`).join(', ')} req/s; binding/undici ${ratio.toFixed(3)} -> ${file}`,
  )
}

main().catch((err) => {
  console.error('node-throughput:', err)
  process.exit(1)
})
