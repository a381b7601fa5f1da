// Packaging: the CommonJS and ESM entry points expose the same classes; close() and
// Symbol.asyncDispose release a client; and a script that uses the SDK (calls in flight, an
// aborted wait, a failed call, a client never closed) exits by itself — the shared runtime's
// threads never keep Node alive.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import * as esm from '../../bindings-node/index.mjs'
import defaultExport from '../../bindings-node/index.mjs'
import { startSim, requireSdk, bindingDir } from './sim.mjs'

it('require and import give the same classes', () => {
  const cjs = requireSdk('./index.js')
  for (const name of ['Client', 'NevisError', 'ApiError', 'NotFoundError', 'RateLimitError', 'TlsError', 'AbortError']) {
    assert.equal(typeof esm[name], 'function', name)
    assert.equal(esm[name], cjs[name], name)
    assert.equal(defaultExport[name], cjs[name], name)
  }
  const pkg = requireSdk('./package.json')
  assert.equal(pkg.name, 'nevis-authcloud')
  assert.equal(pkg.exports['.'].require.default, './index.js')
  assert.equal(pkg.exports['.'].import.default, './index.mjs')
})

it('close() and Symbol.asyncDispose (what `await using` calls) release the client', async () => {
  const sim = await startSim()
  try {
    const client = new esm.Client(sim.options())
    await client.ping()
    assert.equal(client.closed, false)
    assert.equal(typeof Symbol.asyncDispose, 'symbol')
    await client[Symbol.asyncDispose]()
    assert.equal(client.closed, true)
    await assert.rejects(client.ping(), esm.ClientClosedError)
    await client.close()
    const other = new esm.Client(sim.options())
    await other.close()
    assert.equal(other.closed, true)
  } finally {
    await sim.stop()
  }
})

it('a script using the SDK exits by itself, through require and through import', async () => {
  const sim = await startSim()
  try {
    const body = `
      const client = new Client({ baseUrl: process.env.B, accessKey: process.env.K, maxRetries: 0 })
      const enrolment = await client.enroll({ username: 'exit-' + process.pid, channel: 'push' })
      const controller = new AbortController()
      const waiting = client.waitForStatus(enrolment.enrollment.statusToken, { interval: 20, signal: controller.signal }).catch((e) => e.name)
      const missing = client.findUser('nobody-' + process.pid).catch((e) => e.name)
      const pings = Promise.all(Array.from({ length: 50 }, () => client.ping()))
      setTimeout(() => controller.abort(), 50)
      console.log(JSON.stringify([await waiting, await missing, (await pings).length]))
    `
    const scripts = {
      cjs: `const { Client } = require(${JSON.stringify(join(bindingDir, 'index.js'))});\n(async () => {${body}})()`,
      esm: `import { Client } from ${JSON.stringify(join(bindingDir, 'index.mjs'))};\n${body}`,
    }
    for (const [kind, source] of Object.entries(scripts)) {
      const args = kind === 'esm' ? ['--input-type=module', '-e', source] : ['-e', source]
      const run = spawnSync(process.execPath, args, {
        env: { ...process.env, B: sim.baseUrl, K: sim.accessKey },
        encoding: 'utf8',
        timeout: 15_000,
      })
      assert.equal(run.error, undefined, `${kind}: did not exit by itself`)
      assert.equal(run.status, 0, `${kind}: ${run.stderr}`)
      assert.deepEqual(JSON.parse(run.stdout.trim()), ['AbortError', 'NotFoundError', 50], kind)
    }
  } finally {
    await sim.stop()
  }
})
