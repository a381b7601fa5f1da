// A push login against the packaged simulator, with only the installed npm packages (run from the
// project that installed them): `node <path>/smoke.mjs`. Used by `make dist-check` to show that
// `nevis-authcloud/testing` finds the simulator package by itself, and by the release workflow on
// every platform it publishes for.
import { createRequire } from 'node:module'
import { join } from 'node:path'

// Resolved from the working directory (the installing project), not from this file's place.
const require = createRequire(join(process.cwd(), 'package.json'))
const { startSimulator, findSimulator } = require('nevis-authcloud/testing')

for (const tls of [false, true]) {
  const sim = await startSimulator({ tls })
  const client = sim.client({ timeout: 10_000 })
  try {
    await client.ping()
    const enrolment = await client.enroll({ username: 'alice', channel: 'push' })
    await sim.accept(enrolment.enrollment.transactionId)
    const approval = await client.approve({ username: 'alice', channel: 'push', message: 'Log in?' })
    await sim.accept(approval.transactionId)
    const status = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 10_000 })
    if (status.status !== 'succeeded') throw new Error(`the approval ended as ${status.status}`)
  } finally {
    await client.close()
    await sim.stop()
  }
}
console.log(`Node ${process.version} (${process.platform}-${process.arch}): push login over HTTP and HTTPS, simulator ${findSimulator()}`)
