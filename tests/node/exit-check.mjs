// Preloaded into every test file (`node --import ./tests/node/exit-check.mjs --test …`, see
// mk/node.mk): fails the file when anything is still keeping Node alive after its last test.
//
// A test file that leaves a handle open (a socket, a server, a child process, a timer) or an
// SDK call unsettled (a native promise holds the event loop until it settles) does not fail on
// its own: node:test reports every test as passed and the file's process simply never exits, so
// `make test-node` would hang. `process.getActiveResourcesInfo()` at 'beforeExit' cannot help
// either, because 'beforeExit' only happens once nothing is left. So this module arms an unref'd
// watchdog when the file's tests are done: if the process exits by itself, the watchdog never
// fires; if it is still alive after the grace period, it names what is open and exits with 1,
// which the runner reports as a failed file. Native work (a pending SDK promise, a thread-safe
// function) keeps Node alive without being listed, so the report says so when the list is empty.
//
// The grace covers the file's own `after` hooks (stopping simulators) and sockets finishing their
// close; NEVIS_EXIT_CHECK_GRACE_MS shortens it for the checker's own tests (exit.test.mjs).
import { after } from 'node:test'
import { basename } from 'node:path'

const graceMs = Number(process.env.NEVIS_EXIT_CHECK_GRACE_MS ?? 5_000)
// In `node --test` the runner (no NODE_TEST_CONTEXT, `--test` in its flags) gets the preload too;
// only the processes running test files arm the watchdog.
const runsTests = process.env.NODE_TEST_CONTEXT !== undefined || !process.execArgv.includes('--test')

if (runsTests) {
  after(() => {
    const watchdog = setTimeout(() => {
      // Not ours: the watchdog's own timer and the stdout/stderr streams node:test reports on.
      const open = process.getActiveResourcesInfo()
      const expected = ['Timeout', ...[process.stdout, process.stderr].map((stream) => (stream.isTTY ? 'TTYWrap' : 'PipeWrap'))]
      for (const kind of expected) {
        const at = open.indexOf(kind)
        if (at >= 0) open.splice(at, 1)
      }
      const file = basename(process.argv[1] ?? 'the test file')
      const what =
        open.length > 0
          ? `still open: ${[...new Set(open)].map((kind) => `${kind} ×${open.filter((k) => k === kind).length}`).join(', ')}`
          : 'nothing JavaScript can list: native work such as an unsettled SDK promise'
      process.stderr.write(`exit-check: ${file} is still running ${graceMs} ms after its last test (${what})\n`)
      process.exit(1)
    }, graceMs)
    watchdog.unref()
  })
}
