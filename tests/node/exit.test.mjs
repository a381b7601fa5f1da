// No handle or promise left open at exit, for users and for this suite itself.
//
// A script using the SDK (a logger set, calls that fail, time out and are aborted, one client
// closed and one not) ends by itself with code 0, well within a bound and without any
// force-exit; Node's exit code 13 would mean a top-level await never settled. The same script
// with a promise that never settles, or a server left open, shows that both checks can fail.
//
// exit-check.mjs (preloaded into every test file by `make test-node`) is tested here too: it
// fails a file that leaves a server open or an SDK call pending, and passes a clean one.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { startSim, repoRoot } from './sim.mjs'

const here = join(repoRoot, 'tests', 'node')
const fixture = (name) => join(here, 'fixtures', name)

/** Runs node with `args`; resolves { code, signal, ms, stdout, stderr }, killing it after `boundMs`. */
function runNode(args, env, boundMs) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    // Not a child of this test runner: the nested run must start its own.
    const { NODE_TEST_CONTEXT, ...inherited } = process.env
    const child = spawn(process.execPath, args, { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const killer = setTimeout(() => child.kill('SIGKILL'), boundMs)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, ms: Date.now() - started, stdout, stderr })
    })
  })
}

describe('exit', () => {
  let sim
  let env
  before(async () => {
    sim = await startSim()
    env = { B: sim.baseUrl, K: sim.accessKey }
  })
  after(() => sim.stop())

  it('a script using the SDK with a logger set ends by itself, code 0', async () => {
    const run = await runNode([fixture('exit-script.mjs')], env, 10_000)
    assert.equal(run.signal, null, `still running after 10 s: ${run.stderr}`)
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), {
      aborted: 'AbortError',
      timedOut: 'TimeoutError',
      missing: 'NotFoundError',
      pings: 50,
      logged: true,
    })
  })

  it('the same script with an await that never settles exits with 13, not hanging', async () => {
    const run = await runNode([fixture('exit-script.mjs')], { ...env, EXIT_SCRIPT_SABOTAGE: 'promise' }, 10_000)
    assert.equal(run.signal, null, 'the SDK kept the process alive')
    assert.equal(run.code, 13, run.stderr)
  })

  it('the same script with a server left open does not end by itself', async () => {
    const run = await runNode([fixture('exit-script.mjs')], { ...env, EXIT_SCRIPT_SABOTAGE: 'server' }, 3_000)
    assert.equal(run.signal, 'SIGKILL', `exited by itself with ${run.code}`)
  })

  describe('exit-check.mjs, the preload of every test file', () => {
    const check = (name) =>
      runNode(['--import', join(here, 'exit-check.mjs'), '--test', fixture(name)], { ...env, NEVIS_EXIT_CHECK_GRACE_MS: '300' }, 15_000)

    it('fails a test file that leaves a server open, naming it', async () => {
      const run = await check('exit-leaky-server.mjs')
      assert.equal(run.signal, null, 'the checker did not end the file')
      assert.notEqual(run.code, 0)
      assert.match(
        run.stdout + run.stderr,
        /exit-check: exit-leaky-server\.mjs is still running 300 ms after its last test \(still open: TCPServerWrap ×1\)/,
      )
    })

    it('fails a test file that leaves an SDK call pending', async () => {
      const run = await check('exit-pending-call.mjs')
      assert.equal(run.signal, null, 'the checker did not end the file')
      assert.notEqual(run.code, 0)
      assert.match(run.stdout + run.stderr, /exit-check: exit-pending-call\.mjs is still running .*unsettled SDK promise/)
    })

    it('passes a clean test file, which ends by itself', async () => {
      const run = await check('exit-clean.mjs')
      assert.equal(run.code, 0, run.stdout + run.stderr)
      assert.doesNotMatch(run.stdout + run.stderr, /exit-check:/)
      assert.match(run.stdout, /# pass 1/)
    })
  })
})
