// The shared table of bad arguments (tests/bad_input.json) run through the Node client: every row
// hands one bad value to the constructor or to one operation and expects the SDK's own error, its
// `code`, and the `field` named as a JavaScript caller wrote it (`userId`, `x.y[0]`,
// `retryBackoff.initial`). The message must name that field, use no word of Rust, serde or napi,
// and never repeat a secret.
//
// What was observed is written, when NEVIS_FAULTS_REPORT_DIR is set, to
// $NEVIS_FAULTS_REPORT_DIR/bad-input/node.json; scripts/compare-fault-reports.py checks it against
// the table with the other languages' reports. Calls go to a closed loopback port without retries:
// an argument that slipped through fails as `connection`, which no row expects.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { Client, NevisError } from '../../bindings-node/index.mjs'
import { repoRoot } from './sim.mjs'

const table = JSON.parse(readFileSync(join(repoRoot, 'tests', 'bad_input.json'), 'utf8'))
const forbidden = table.forbiddenWords.map((word) => new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i'))
const environment = ['NEVIS_AUTHCLOUD_INSTANCE', 'NEVIS_AUTHCLOUD_BASE_URL', 'NEVIS_AUTHCLOUD_ACCESS_KEY', 'NEVIS_AUTHCLOUD_CA_FILE']

/** A table value as JavaScript values (see the table's `values`). */
function native(value) {
  if (Array.isArray(value)) return value.map(native)
  if (value === null || typeof value !== 'object') return value
  if ('$nan' in value) return NaN
  if ('$inf' in value) return value.$inf * Infinity
  if ('$lone_surrogate' in value) return `${value.$lone_surrogate}\uD800`
  if ('$repeat' in value) return value.$repeat.repeat(value.times)
  if ('$undefined' in value) return undefined
  if ('$object' in value) return new Map([['a', 1]])
  if ('$function' in value) return () => {}
  if ('$deep' in value) {
    let nested = 1
    for (let level = 0; level < value.$deep; level++) nested = [nested]
    return nested
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, native(item)]))
}

async function closedPort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

const methods = {
  enroll: (client, args) => client.enroll(native(args.request)),
  approve: (client, args) => client.approve(native(args.request)),
  verify: (client, args) => client.verify(native(args.request)),
  create_intent: (client, args) => client.createIntent(native(args.request)),
  export_logs: (client, args) => client.exportLogs(native(args.request)),
  complete_attestation: (client, args) => client.completeAttestation(native(args.request)),
  complete_assertion: (client, args) => client.completeAssertion(native(args.request)),
  get_status: (client, args) => client.getStatus(native(args.statusToken)),
  wait_for_status: (client, args) => client.waitForStatus(native(args.statusToken), native(args.options)),
  find_user: (client, args) => client.findUser(native(args.username)),
  get_user: (client, args) => client.getUser(native(args.userId)),
  find_aadb2c_user: (client, args) => client.findAadb2cUser(native(args.objectId)),
  introspect: (client, args) => client.introspect(native(args.token)),
  rename_authenticator: (client, args) => client.renameAuthenticator(native(args.authenticatorId), native(args.name)),
}

/** Runs the row; resolves with the error it ended with (undefined when it succeeded). */
async function attempt(row) {
  const args = row.arguments
  if (row.operation === 'client') {
    const options = args.options === null ? null : native({ ...table.client, ...args.options })
    try {
      const client = new Client(options)
      await client.close()
      return undefined
    } catch (err) {
      return err
    }
  }
  const call = methods[row.operation]
  assert.ok(call, `tests/bad_input.json names an unknown operation ${row.operation}`)
  const client = new Client({ baseUrl: `http://127.0.0.1:${await closedPort()}`, accessKey: 'bad-input-key', maxRetries: 0, timeout: 2000 })
  try {
    await call(client, args)
    return undefined
  } catch (err) {
    return err
  } finally {
    await client.close()
  }
}

const expected = (value) => (value !== null && typeof value === 'object' ? value.node : value)

describe('the shared table of bad arguments', () => {
  const rows = new Map()
  const saved = Object.fromEntries(environment.map((name) => [name, process.env[name]]))
  for (const name of environment) delete process.env[name]

  after(() => {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value
    const dir = process.env.NEVIS_FAULTS_REPORT_DIR
    if (!dir) return
    const ordered = table.rows.map((row) => rows.get(row.name) ?? { name: row.name, outcome: 'not run' })
    mkdirSync(join(dir, 'bad-input'), { recursive: true })
    writeFileSync(join(dir, 'bad-input', 'node.json'), `${JSON.stringify({ language: 'node', rows: ordered }, null, 1)}\n`)
  })

  for (const row of table.rows) {
    const reason = row.skip?.node
    it(row.name, { skip: reason }, async () => {
      const err = await attempt(row)
      const seen = { name: row.name, outcome: err === undefined ? 'ok' : 'error', kind: null, field: null, problems: [] }
      if (err instanceof NevisError) {
        seen.kind = err.code
        seen.field = err.field ?? null
        if (seen.field && !err.message.includes(seen.field))
          seen.problems.push(`the message does not name the field ${seen.field}: ${err.message}`)
        for (const word of forbidden) if (word.test(err.message)) seen.problems.push(`the message uses ${word}: ${err.message}`)
        if (row.secret && err.message.includes(row.secret)) seen.problems.push('the message repeats the secret value')
      } else if (err !== undefined) {
        seen.kind = `not a NevisError: ${err?.name ?? typeof err}`
      }
      rows.set(row.name, seen)
      assert.deepEqual([seen.kind, seen.field], [expected(row.expect.kind), expected(row.expect.field)], err?.message)
      assert.deepEqual(seen.problems, [])
    })
    if (reason !== undefined) rows.set(row.name, { name: row.name, outcome: 'skipped', skipped: reason })
  }
})
