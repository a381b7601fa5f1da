// `nevis-authcloud/testing` (what applications use to test their own login flows) and the addon
// loader's failure message.
//
// In the repository the simulator comes from $AUTHCLOUD_SIM (the Makefile exports the debug build);
// `make dist-check` runs this file against the installed npm packages, where it comes from the
// `nevis-authcloud-sim` package.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSimulator, findSimulator, SimulatorError } from '../../bindings-node/testing.mjs'
import { NotFoundError } from '../../bindings-node/index.mjs'
import { bindingDir } from './sim.mjs'

it('runs a push login against the simulator it starts, over HTTP and HTTPS', async () => {
  for (const tls of [false, true]) {
    const sim = await startSimulator({ tls })
    const client = sim.client({ timeout: 5_000 })
    try {
      assert.match(sim.baseUrl, tls ? /^https:\/\/localhost:\d+$/ : /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.equal(sim.caPem !== undefined, tls)
      const enrolment = await client.enroll({ username: 'alice', channel: 'push' })
      await sim.accept(enrolment.enrollment.transactionId)
      const approval = await client.approve({ username: 'alice', channel: 'push', message: 'Log in?' })
      await sim.accept(approval.transactionId)
      const status = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 5_000 })
      assert.equal(status.status, 'succeeded')
      assert.equal((await sim.stats()).created.approval, 1)
      await sim.reset()
      await assert.rejects(client.findUser('alice'), NotFoundError)
    } finally {
      await client.close()
      await sim.stop()
    }
  }
})

it('plays the phone for the result of enroll or approve, and refuses a recovery enrolment by name', async () => {
  const sim = await startSimulator()
  const client = sim.client({ timeout: 5_000 })
  try {
    const enrolment = await client.enroll({ username: 'bob', channel: 'push' })
    await sim.accept(enrolment)
    const approval = await client.approve({ username: 'bob', channel: 'push' })
    await sim.decline(approval)
    const status = await client.waitForStatus(approval.statusToken, { interval: 20, timeout: 5_000 })
    assert.equal(status.status, 'failed')
    const recovery = await client.enroll({ username: 'bob', channel: 'recovery' })
    await assert.rejects(sim.accept(recovery), (err) => err instanceof SimulatorError && /^operation: .*recovery/.test(err.message))
    await assert.rejects(
      sim.expire(/** @type {any} */ (42)),
      (err) => err instanceof SimulatorError && /^operation: expected/.test(err.message),
    )
  } finally {
    await client.close()
    await sim.stop()
  }
})

it('injects faults and refuses a bad control request with SimulatorError', async () => {
  const sim = await startSimulator({ accessKey: 'test-key' })
  const client = sim.client({ maxRetries: 0 })
  try {
    assert.equal(sim.accessKey, 'test-key')
    await sim.addFault({ method: 'GET', path: '/ping', fault: 'status', status: 503, count: 1 })
    await assert.rejects(client.ping(), (err) => err.status === 503)
    await client.ping()
    await assert.rejects(sim.accept('no-such-operation'), (err) => err instanceof SimulatorError && err.status === 404)
  } finally {
    await client.close()
    await sim.stop()
  }
})

it('names the binary it could not start, and AUTHCLOUD_SIM when that is wrong', async () => {
  const missing = join(tmpdir(), 'no-such-dir', 'authcloud-sim')
  await assert.rejects(startSimulator({ binary: missing }), (err) => err instanceof SimulatorError && err.message.includes(missing))
  const saved = process.env.AUTHCLOUD_SIM
  process.env.AUTHCLOUD_SIM = missing
  try {
    assert.throws(
      () => findSimulator(),
      (err) => err instanceof SimulatorError && err.message.includes(`AUTHCLOUD_SIM=${missing}`),
    )
  } finally {
    if (saved === undefined) delete process.env.AUTHCLOUD_SIM
    else process.env.AUTHCLOUD_SIM = saved
  }
})

it('a script that starts a simulator and never stops it still exits by itself', () => {
  const script = `const { startSimulator } = require(${JSON.stringify(join(bindingDir, 'testing.js'))})
startSimulator().then((sim) => console.log(sim.baseUrl))`
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 })
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /^http:\/\/127\.0\.0\.1:\d+$/m)
})

it('an addon missing for this platform fails with the platform and the package to install', () => {
  // A copy of the JavaScript layer without any addon beside it or installed next to it.
  const dir = mkdtempSync(join(tmpdir(), 'nevis-no-addon-'))
  try {
    for (const file of ['native.js', 'package.json']) copyFileSync(join(bindingDir, file), join(dir, file))
    const load = (prelude) =>
      spawnSync(process.execPath, ['-e', `${prelude}; require(${JSON.stringify(join(dir, 'native.js'))})`], { encoding: 'utf8' })

    const here = load('')
    assert.notEqual(here.status, 0)
    assert.match(here.stderr, /NEVIS_AUTHCLOUD_NATIVE_MISSING/)
    assert.match(here.stderr, /the package nevis-authcloud-[a-z0-9]+-[a-z0-9-]+ is not installed/)
    assert.match(here.stderr, /--omit=optional/)
    // The error the user sees first is this one; MODULE_NOT_FOUND is only its `cause`.
    assert.match(here.stderr, /^Error: nevis-authcloud could not find its native addon for [a-z0-9]+-[a-z0-9]+/m)
    assert.doesNotMatch(here.stderr, /^Error: Cannot find module/m)

    const elsewhere = load(`Object.defineProperty(process, 'arch', { value: 'ppc64' })`)
    assert.notEqual(elsewhere.status, 0)
    assert.match(elsewhere.stderr, /no prebuilt native addon for [a-z0-9]+-ppc64/)
    assert.match(elsewhere.stderr, /Prebuilt platforms: linux-x64-gnu\b/)
    assert.match(elsewhere.stderr, /From source/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
