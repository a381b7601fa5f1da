// One round trip through each kind of proxy the SDK speaks (http:// and https:// with a CONNECT
// tunnel, socks5://), each requiring the credentials in the proxy URL. The proxy is
// authcloud-test-proxy (tests/proxy), a real process the test starts: it prints its URL, then one
// line per tunnel it opened, and exits when its stdin closes. `make test-node` builds it and names
// it in AUTHCLOUD_TEST_PROXY; a run without it (against released packages only) skips these tests.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { inspect } from 'node:util'
import { Client } from '../../bindings-node/index.mjs'
import { startSim } from './sim.mjs'

const PROXY = process.env.AUTHCLOUD_TEST_PROXY
const USER = 'relay'
const PASSWORD = 's3cret-proxy-pass'

function usable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Starts the proxy; resolves { url, caPem, nextLine(), stop() }. */
async function startProxy(kind, work) {
  const caFile = join(work, `${kind}-ca.pem`)
  const child = spawn(PROXY, ['--kind', kind, '--user', USER, '--password', PASSWORD, '--ca-file', caFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const queued = []
  const waiting = []
  lines.on('line', (line) => (waiting.length ? waiting.shift()(line) : queued.push(line)))
  const nextLine = () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((resolve) => waiting.push(resolve)))
  const url = await nextLine()
  const caPem = kind === 'https' ? readFileSync(caFile, 'utf8') : undefined
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async () => {
    child.stdin.end()
    await exited
    lines.close()
  }
  return { url, caPem, nextLine, stop }
}

describe('proxies', { skip: PROXY && usable(PROXY) ? false : 'AUTHCLOUD_TEST_PROXY names no test proxy' }, () => {
  let sim
  let work
  before(async () => {
    sim = await startSim({ tls: true })
    work = mkdtempSync(join(tmpdir(), 'nevis-node-proxy-'))
  })
  after(async () => {
    await sim.stop()
    rmSync(work, { recursive: true, force: true })
  })

  for (const kind of ['http', 'https', 'socks5']) {
    it(`a round trip through a ${kind}:// proxy with credentials`, async () => {
      const proxy = await startProxy(kind, work)
      try {
        assert.match(proxy.url, new RegExp(`^${kind}://127\\.0\\.0\\.1:\\d+$`))
        // The API's CA and, for an https:// proxy, the proxy's: both are verified the same way.
        const caCerts = proxy.caPem ? [sim.caPem, proxy.caPem] : sim.caPem
        const client = new Client(sim.options({ proxy: proxy.url.replace('://', `://${USER}:${PASSWORD}@`), caCerts }))
        assert.ok(!inspect(client).includes(PASSWORD), inspect(client))
        try {
          await client.ping()
        } finally {
          await client.close()
        }
        const host = sim.baseUrl.split('://')[1].replace(/\/$/, '')
        // SOCKS5: the proxy got the name, not an address (it resolves it, like socks5h).
        assert.equal(await proxy.nextLine(), kind === 'socks5' ? `socks domain ${host}` : `tunnel ${host}`)
      } finally {
        await proxy.stop()
      }
    })
  }
})
