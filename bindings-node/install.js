// The package's install script: builds the native addon with the napi CLI (release profile).
//
// Why a script rather than `napi build` in package.json: `npm install ./bindings-node` links the
// folder instead of copying it, and npm does not install a linked folder's own dependencies, so on
// a fresh checkout the napi CLI this build needs is not there yet. This script installs the
// package's own dependencies from its package-lock.json first when the CLI is missing, then runs
// the build. Set NEVIS_AUTHCLOUD_SKIP_BUILD=1 to skip it (the repository's `make` builds a debug
// addon itself).
'use strict'

const { execFileSync } = require('node:child_process')
const { dirname, join } = require('node:path')

function napiCli() {
  try {
    const manifest = require.resolve('@napi-rs/cli/package.json', { paths: [__dirname] })
    const bin = require(manifest).bin
    return join(dirname(manifest), typeof bin === 'string' ? bin : bin.napi)
  } catch {
    return undefined
  }
}

function npm(args) {
  const execPath = process.env.npm_execpath
  const env = { ...process.env }
  // Settings of the outer `npm install` (a global install, another prefix) must not redirect this one.
  for (const name of ['npm_config_global', 'npm_config_prefix', 'npm_config_location', 'npm_config_install_links']) delete env[name]
  if (execPath && execPath.endsWith('.js')) {
    execFileSync(process.execPath, [execPath, ...args], { cwd: __dirname, stdio: 'inherit', env })
  } else {
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: __dirname, stdio: 'inherit', env, shell: process.platform === 'win32' })
  }
}

if (process.env.NEVIS_AUTHCLOUD_SKIP_BUILD) {
  console.log('nevis-authcloud: NEVIS_AUTHCLOUD_SKIP_BUILD is set, not building the native addon')
  process.exit(0)
}

let cli = napiCli()
if (cli === undefined) {
  console.log('nevis-authcloud: installing the napi CLI needed to build the native addon')
  npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'])
  cli = napiCli()
  if (cli === undefined) throw new Error('nevis-authcloud: @napi-rs/cli could not be installed')
}
execFileSync(process.execPath, [cli, 'build', '--platform', '--release', '--js', 'native.js', '--dts', 'native.d.ts'], {
  cwd: __dirname,
  stdio: 'inherit',
})
