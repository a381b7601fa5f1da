// Test helper: starts a private authcloud-sim for one test file and plays the user's phone
// through its control plane (/_sim, see sim/CONTRACT.md).
//
// Each test file gets its own simulator (HTTP or HTTPS) so files can run in parallel without
// sharing faults, counters or users. The simulator exits when its stdin closes, so it never
// outlives the test process even when a test crashes.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = dirname(fileURLToPath(import.meta.url))
export const repoRoot = join(here, '..', '..')
export const bindingDir = join(repoRoot, 'bindings-node')
export const requireSdk = createRequire(join(bindingDir, 'index.js'))

function simBinary() {
  if (process.env.AUTHCLOUD_SIM) return process.env.AUTHCLOUD_SIM
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target')
  const triple = process.env.CARGO_BUILD_TARGET ?? 'x86_64-unknown-linux-gnu'
  return join(target, triple, 'debug', 'authcloud-sim')
}

/** Starts a simulator; `tls: true` serves HTTPS with a fresh CA written to a file. */
export async function startSim({ tls = false, accessKey = undefined } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'nevis-node-sim-'))
  const args = ['--listen', '127.0.0.1:0', '--exit-on-stdin-eof']
  if (tls) args.push('--tls', '--ca-out', join(work, 'ca.pem'))
  if (accessKey) args.push('--access-key', accessKey)
  const child = spawn(simBinary(), args, { stdio: ['pipe', 'pipe', 'ignore'] })
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.once('line', (text) => {
      lines.close()
      resolve(text)
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`authcloud-sim exited (${code}) before printing its address`)))
  })
  child.stdout.resume()
  const info = JSON.parse(line)
  const caPem = info.caPath ? readFileSync(info.caPath, 'utf8') : undefined
  return new Sim(child, work, info.baseUrl, info.accessKey, info.caPath ?? undefined, caPem)
}

export class Sim {
  constructor(child, work, baseUrl, accessKey, caPath, caPem) {
    this.child = child
    this.work = work
    this.baseUrl = baseUrl
    this.accessKey = accessKey
    this.caPath = caPath
    this.caPem = caPem
  }

  /** Options for a Client talking to this simulator. */
  options(extra = {}) {
    return { baseUrl: this.baseUrl, accessKey: this.accessKey, caCerts: this.caPem, ...extra }
  }

  /**
   * A control-plane (or raw API) call; resolves { status, body } with JSON parsed when possible.
   * `headers` add to (or replace) the JSON content type, e.g. an `authorization` for the API.
   */
  call(method, path, body = undefined, headers = {}) {
    const url = new URL(this.baseUrl + path)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const payload = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          ca: this.caPem,
          agent: false,
          headers: {
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...headers,
          },
        },
        (res) => {
          const chunks = []
          res.on('data', (chunk) => chunks.push(chunk))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed = text
            try {
              parsed = text ? JSON.parse(text) : undefined
            } catch {}
            resolve({ status: res.statusCode, body: parsed })
          })
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  async control(method, path, body = undefined) {
    const answer = await this.call(method, `/_sim${path}`, body)
    if (answer.status >= 300) throw new Error(`control ${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`)
    return answer.body
  }

  accept(transactionId, body = {}) {
    return this.control('POST', `/operations/${transactionId}/accept`, body)
  }

  decline(transactionId) {
    return this.control('POST', `/operations/${transactionId}/decline`)
  }

  lastSms(phone) {
    return this.control('GET', `/phones/${encodeURIComponent(phone)}/last-sms`)
  }

  fault(fault) {
    return this.control('POST', '/faults', fault)
  }

  stats() {
    return this.control('GET', '/stats')
  }

  reset() {
    return this.control('POST', '/reset')
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve))
      this.child.stdin.end()
      await exited
    }
    rmSync(this.work, { recursive: true, force: true })
  }
}

/** A user with an active Access App, ready for push approvals. */
export async function activePushUser(client, sim, username) {
  const enrolment = await client.enroll({ username, channel: 'push' })
  await sim.accept(enrolment.enrollment.transactionId)
  const status = await client.waitForStatus(enrolment.enrollment.statusToken, { interval: 20, timeout: 10_000 })
  if (status.status !== 'succeeded') throw new Error(`enrolment ended as ${status.status}`)
  return enrolment
}

let counter = 0
/** A username unique within this process. */
export function uniqueName(prefix) {
  counter += 1
  return `${prefix}-${process.pid}-${counter}`
}
