// Where the prebuilt authcloud-sim binary for this machine is.
//
// Each platform's binary is its own npm package (`nevis-authcloud-sim-linux-x64-gnu`, ...), an
// optional dependency of this one, so npm downloads only the binary that fits. The test helper of
// the SDK (`nevis-authcloud/testing`) and the `authcloud-sim` command both start it from here.
'use strict'

const { readFileSync } = require('node:fs')
const { dirname, join } = require('node:path')
const manifest = require('./package.json')

function linuxLibc() {
  try {
    if (readFileSync('/usr/bin/ldd', 'latin1').includes('musl')) return 'musl'
  } catch {}
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : undefined
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl'
}

/** npm's name for this platform, as napi-rs spells it: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformName(platform = process.platform, arch = process.arch) {
  if (platform === 'linux') return `linux-${arch}-${linuxLibc() === 'musl' ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function platformOfTarget(triple) {
  const [cpu, , system, abi] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64' }[cpu] ?? cpu
  if (system === 'linux') return `linux-${arch}-${abi === 'musl' ? 'musl' : 'gnu'}`
  if (system === 'windows') return `win32-${arch}-msvc`
  return `${system}-${arch}`
}

/** The absolute path of the authcloud-sim binary; throws a clear error when none fits this machine. */
function binaryPath() {
  const platform = platformName()
  const packageName = `${manifest.name}-${platform}`
  const executable = manifest.simulator.binaryName + (process.platform === 'win32' ? '.exe' : '')
  const supported = manifest.simulator.targets.map(platformOfTarget)
  if (!supported.includes(platform)) {
    throw new Error(
      `${manifest.name} ${manifest.version} has no prebuilt authcloud-sim for ${platform}; prebuilt: ` +
        `${supported.join(', ')}. Elsewhere, build it from source (cargo build -p nevis-authcloud-sim) ` +
        'and point AUTHCLOUD_SIM at it.',
    )
  }
  let packageJson
  try {
    packageJson = require.resolve(`${packageName}/package.json`)
  } catch (err) {
    throw new Error(
      `${manifest.name}: the package ${packageName} with the simulator for this platform is not installed. ` +
        `npm installs it as an optional dependency of ${manifest.name}; install again without ` +
        '--omit=optional (or --no-optional).',
      { cause: err },
    )
  }
  return join(dirname(packageJson), executable)
}

module.exports = { binaryPath, platformName }
