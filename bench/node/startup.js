// Start-up cost of the binding, each sample in a fresh Node process: how long
// `require('nevis-authcloud')` takes (loading the JavaScript layer and the native addon), and how
// long a first call takes from there (new Client + the first getStatus, which opens the runtime
// and a connection). `require('undici')` is measured the same way for reference. Processes are
// interleaved (binding, undici, first call, binding, ...). Writes $BENCH_OUT/node-startup.json.
'use strict'

const { execFileSync } = require('node:child_process')
const common = require('./common.js')

const ROUNDS = common.smoke ? 2 : 20

// Each probe prints the milliseconds it measured inside a fresh process.
const probes = [
  {
    name: "require('nevis-authcloud')",
    code: "const t=process.hrtime.bigint();require('nevis-authcloud');console.log(Number(process.hrtime.bigint()-t)/1e6)",
  },
  {
    name: "require('undici') (reference)",
    code: "const t=process.hrtime.bigint();require('undici');console.log(Number(process.hrtime.bigint()-t)/1e6)",
  },
  {
    name: 'require + new Client + first getStatus',
    code:
      "const t=process.hrtime.bigint();const {Client}=require('nevis-authcloud');" +
      'const c=new Client({baseUrl:process.env.NEVIS_AUTHCLOUD_BASE_URL,accessKey:process.env.NEVIS_AUTHCLOUD_ACCESS_KEY});' +
      'c.getStatus(process.env.BENCH_STATUS_TOKEN).then((s)=>{if(s.status!=="pending")process.exit(3);' +
      'console.log(Number(process.hrtime.bigint()-t)/1e6)})',
  },
]

function measure(code) {
  const out = execFileSync(process.execPath, ['-e', code], { cwd: __dirname, env: process.env, encoding: 'utf8' })
  const value = Number(out.trim())
  if (!Number.isFinite(value)) throw new Error(`unexpected probe output: ${out}`)
  return value
}

function main() {
  common.target()
  for (const p of probes) measure(p.code) // warm the file cache
  const samples = probes.map(() => [])
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const [i, p] of probes.entries()) samples[i].push(measure(p.code))
  }
  const rows = probes.map((p, i) => common.row(p.name, samples[i], 3))
  const v = common.versions()
  const file = common.write({
    benchmark: 'node-startup',
    title: "Node start-up: require('nevis-authcloud') and the first call, fresh processes",
    unit: 'ms',
    higherIsBetter: false,
    rows,
    checks: [],
    versions: v,
    notes:
      `${ROUNDS} fresh \`node -e\` processes per probe, interleaved, after one unrecorded process each (file cache ` +
      `warm); each process times itself with process.hrtime around the probe, so Node's own boot is excluded. ` +
      `Node ${v.node}, undici ${v.undici}, binding: ${v.addon}.`,
  })
  console.log(`node-startup: ${rows.map((r) => `${r.name} ${r.median.toFixed(1)} ms`).join(', ')} -> ${file}`)
}

try {
  main()
} catch (err) {
  console.error('node-startup:', err)
  process.exit(1)
}
