#!/usr/bin/env node
// The Node.js versions the npm packages support, checked against everything npm installs with them.
//
// npm prints an EBADENGINE warning when it installs a package whose `engines.node` excludes the
// running Node. A user on a supported version must never see one, neither installing the SDK nor
// building it from source (`npm ci` in bindings-node). So every `engines.node` in bindings-node's
// package-lock.json (the SDK and its whole dev toolchain) must admit every version of the
// supported range (a semver subset check: stronger than trying the one Node of this machine), the
// simulator's npm package must state the same range, and the READMEs must say it in words.
//
//   node scripts/check-node-engines.mjs    (run by `make test-node-engines`, part of `make test`)

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'bindings-node', 'package.json'))
const semver = require('semver')
const readJson = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'))

const problems = []
const sdk = readJson('bindings-node/package.json')
const supported = sdk.engines?.node
if (!supported || !semver.validRange(supported)) {
  console.error(`bindings-node/package.json: engines.node must be a semver range (found ${JSON.stringify(supported)})`)
  process.exit(1)
}

const simRange = readJson('sim/npm/package.json').engines?.node
if (simRange !== supported) {
  problems.push(`sim/npm/package.json: engines.node is ${JSON.stringify(simRange)}, the SDK's is ${JSON.stringify(supported)}`)
}

const lock = readJson('bindings-node/package-lock.json')
let checked = 0
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  const range = entry.engines?.node
  if (range === undefined) continue
  checked += 1
  const name = path === '' ? 'nevis-authcloud' : path.replace(/^.*node_modules\//, '') + '@' + entry.version
  if (!semver.validRange(range)) {
    problems.push(`${name}: engines.node ${JSON.stringify(range)} is not a semver range`)
  } else if (!semver.subset(supported, range)) {
    const kind = entry.dev ? 'a dev dependency (npm ci / building from source)' : 'a dependency'
    problems.push(
      `${name}, ${kind}, requires node ${range}: that excludes part of the supported ${supported} (npm warns EBADENGINE there); pin a version that supports it (package.json "overrides") or change the supported range`,
    )
  }
}

// "^20.19.0 || ^22.13.0 || >=24" -> "20.19+, 22.13+ or 24+", as the READMEs say it.
const words = new semver.Range(supported).set.map((comparators) => {
  const low = comparators.find((c) => c.operator === '>=')
  if (!low) return null
  const { major, minor } = low.semver
  return minor === 0 && comparators.length === 1 ? `${major}+` : `${major}.${minor}+`
})
if (words.includes(null)) {
  problems.push(`engines.node ${supported}: every part needs a lower bound (say which versions are supported)`)
} else {
  const phrase = `Node.js ${words.length > 1 ? words.slice(0, -1).join(', ') + ' or ' + words.at(-1) : words[0]}`
  for (const readme of ['README.md', 'bindings-node/README.md']) {
    if (!readFileSync(join(root, readme), 'utf8').includes(phrase)) {
      problems.push(`${readme} does not state the supported versions as "${phrase}" (engines.node ${supported})`)
    }
  }
}

if (!semver.satisfies(process.version, supported)) {
  problems.push(`this machine's Node ${process.version} is outside the supported ${supported}`)
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem)
  process.exit(1)
}
console.log(`node engines: ${supported}; ${checked} packages of bindings-node/package-lock.json admit all of it; node ${process.version}`)
