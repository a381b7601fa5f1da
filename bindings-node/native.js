// Loads the native addon built for this machine's platform.
//
// A release ships one prebuilt addon per platform, each in its own npm package
// (`nevis-authcloud-linux-x64-gnu`, `nevis-authcloud-darwin-arm64`, ...), all listed as optional
// dependencies of `nevis-authcloud`: npm installs only the one whose `os`, `cpu` and `libc` match.
// A build from source (`napi build --platform`, which `make` runs) leaves
// `nevis-authcloud.<platform>.node` next to this file instead; it wins when present.
//
// When neither loads, the error names the platform, the package that was expected and what to do,
// rather than surfacing a bare MODULE_NOT_FOUND from deep inside the loader.
'use strict'

const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const manifest = require('./package.json')

/** The C library the running Node links against: 'glibc', 'musl' or undefined (not Linux). */
function linuxLibc() {
  if (process.platform !== 'linux') return undefined
  try {
    if (readFileSync('/usr/bin/ldd', 'latin1').includes('musl')) return 'musl'
  } catch {}
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : undefined
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl'
}

/** npm's name for a platform, as napi-rs spells it: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformName(platform, arch, libc) {
  if (platform === 'linux') return `linux-${arch}-${libc === 'musl' ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The platform name of one of package.json's `napi.targets` (Rust target triples). */
function platformOfTarget(triple) {
  const [cpu, , system, abi] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' }[cpu] ?? cpu
  const platform = system === 'darwin' ? 'darwin' : system === 'windows' ? 'win32' : system
  return platformName(platform, arch, abi)
}

function describe(libc) {
  const node = `Node.js ${process.version}`
  return libc ? `${process.platform}-${process.arch} with ${libc}, ${node}` : `${process.platform}-${process.arch}, ${node}`
}

function notLoaded(message, failures) {
  const error = new Error(message, failures.length > 0 ? { cause: failures[failures.length - 1] } : undefined)
  error.code = 'NEVIS_AUTHCLOUD_NATIVE_MISSING'
  return error
}

function load() {
  const libc = linuxLibc()
  const platform = platformName(process.platform, process.arch, libc)
  const packageName = `${manifest.name}-${platform}`
  const failures = []

  const local = join(__dirname, `${manifest.napi.binaryName}.${platform}.node`)
  if (existsSync(local)) {
    try {
      return require(local)
    } catch (err) {
      failures.push(err)
    }
  }

  const supported = manifest.napi.targets.map(platformOfTarget)
  if (!supported.includes(platform)) {
    throw notLoaded(
      `${manifest.name} ${manifest.version} has no prebuilt native addon for ${describe(libc)} ` +
        `(platform "${platform}"). Prebuilt platforms: ${supported.join(', ')}. ` +
        `On other platforms, build the addon from source (see "From source" in the ${manifest.name} README).`,
      failures,
    )
  }

  let binding
  try {
    binding = require(packageName)
  } catch (err) {
    failures.push(err)
    const missing = err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${packageName}'`)
    throw notLoaded(
      missing
        ? `${manifest.name} could not find its native addon for ${describe(libc)}: the package ` +
            `${packageName} is not installed. npm installs it as an optional dependency of ` +
            `${manifest.name}; install again without --omit=optional (or --no-optional), and if ` +
            `package-lock.json was written on another platform, delete node_modules and ` +
            `package-lock.json first.`
        : `${manifest.name} could not load its native addon from ${packageName} on ${describe(libc)}: ` + `${err?.message ?? err}`,
      failures,
    )
  }
  const installed = readInstalledVersion(packageName)
  if (installed !== undefined && installed !== manifest.version) {
    throw notLoaded(
      `${manifest.name} ${manifest.version} found ${packageName} ${installed}; both must have the same ` +
        `version. Install matching versions (npm install ${manifest.name}@${manifest.version}).`,
      failures,
    )
  }
  return binding
}

function readInstalledVersion(packageName) {
  try {
    return require(`${packageName}/package.json`).version
  } catch {
    return undefined
  }
}

module.exports = load()
