#!/usr/bin/env node
// `authcloud-sim` on the command line (npx authcloud-sim --listen 127.0.0.1:0): runs the binary
// with this process's arguments and standard streams, and exits the way it exited.
'use strict'

const { spawnSync } = require('node:child_process')
const { binaryPath } = require('../index.js')

let binary
try {
  binary = binaryPath()
} catch (err) {
  console.error(err.message)
  process.exit(1)
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' })
if (result.error) {
  console.error(`authcloud-sim: could not start ${binary}: ${result.error.message}`)
  process.exit(1)
}
if (result.signal) process.kill(process.pid, result.signal)
process.exit(result.status ?? 1)
