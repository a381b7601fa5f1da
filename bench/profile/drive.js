// The Node scenario of bench/profile: the binding alone, `--calls N` getStatus calls with
// `--concurrency C` in flight, the way bench/node/throughput.js runs its binding contender, so a
// profile of this process is a profile of what that row measures. Prints the calls made.
'use strict'

const { Client } = require('nevis-authcloud')
const common = require('../node/common.js')

function option(name, fallback) {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}

async function main() {
  const calls = option('--calls', 40000)
  const concurrency = option('--concurrency', 64)
  const t = common.target()
  const client = new Client({ baseUrl: t.baseUrl, accessKey: t.accessKey })
  await common.throughput(async () => common.expectPending(await client.getStatus(t.statusToken), 'binding'), calls, concurrency)
  await client.close()
  console.log(JSON.stringify({ calls }))
}

main().catch((err) => {
  console.error('profile drive.js:', err)
  process.exit(1)
})
