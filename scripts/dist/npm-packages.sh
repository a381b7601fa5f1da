#!/usr/bin/env bash
# The npm packages of a release, packed with `npm pack`:
#
#   nevis-authcloud-<v>.tgz                      the SDK (JavaScript and types, no install script)
#   nevis-authcloud-<platform>-<v>.tgz           its prebuilt addon, one per platform
#   nevis-authcloud-sim-<v>.tgz                  the simulator's launcher (for tests)
#   nevis-authcloud-sim-<platform>-<v>.tgz       the simulator binary, one per platform
#
#   scripts/dist/npm-packages.sh ARTIFACTS STAGE OUTDIR
#
# ARTIFACTS holds what the builds produced, named the napi-rs way: `nevis-authcloud.<platform>.node`
# and `authcloud-sim.<platform>` (`.exe` on Windows), e.g. nevis-authcloud.linux-x64-gnu.node. The
# packages cover exactly the platforms found there: `make dist` has this machine's, the release
# workflow all of them. The SDK's platform packages come from the napi CLI the way napi-rs projects
# make them (create-npm-dirs, artifacts, pre-publish writing `optionalDependencies`, with
# publishing skipped); the simulator's mirror them (same `os`/`cpu`/`libc` fields).
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 ARTIFACTS STAGE OUTDIR" >&2; exit 2; }
artifacts=$(cd "$1" && pwd)
stage=$2
out=$(mkdir -p "$3" && cd "$3" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
napi=$root/bindings-node/node_modules/.bin/napi
[ -x "$napi" ] || { echo "npm-packages: the napi CLI is missing (cd bindings-node && npm ci)" >&2; exit 1; }

rm -rf "$stage"
mkdir -p "$stage"
stage=$(cd "$stage" && pwd)
sdk=$stage/nevis-authcloud
sim=$stage/nevis-authcloud-sim

# Edits a JSON file in place: the script gets the parsed object as `p` and changes it.
edit_json() {
  node -e '
    const fs = require("node:fs")
    const [file, code] = process.argv.slice(1)
    const p = JSON.parse(fs.readFileSync(file, "utf8"))
    new Function("p", code)(p)
    fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n")
  ' "$1" "$2"
}

# -- the SDK: the files package.json lists, plus README and LICENSE --------------------------------
mkdir -p "$sdk"
(cd "$root/bindings-node" && node -e 'for (const f of require("./package.json").files) console.log(f)' \
  | while read -r file; do cp "$file" "$sdk/"; done)
cp "$root/bindings-node/package.json" "$root/bindings-node/README.md" "$root/LICENSE" "$sdk/"

# Only the platforms whose addon was built get a package and an optionalDependencies entry.
edit_json "$sdk/package.json" "
  const fs = require('node:fs')
  const platformOf = (t) => {
    const [cpu, , system, abi] = t.split('-')
    const arch = { x86_64: 'x64', aarch64: 'arm64' }[cpu] ?? cpu
    if (system === 'linux') return 'linux-' + arch + '-' + (abi === 'musl' ? 'musl' : 'gnu')
    if (system === 'windows') return 'win32-' + arch + '-msvc'
    return system + '-' + arch
  }
  const built = p.napi.targets.filter((t) => fs.existsSync('$artifacts/' + p.napi.binaryName + '.' + platformOf(t) + '.node'))
  if (built.length === 0) throw new Error('no addon in $artifacts')
  p.napi.targets = built
"
(
  cd "$sdk"
  "$napi" create-npm-dirs
  "$napi" artifacts --output-dir "$artifacts" --npm-dir npm
  # `napi artifacts` also drops the addon beside package.json; the SDK package must not carry one.
  rm -f ./*.node
  "$napi" pre-publish --skip-optional-publish --no-gh-release --tag-style npm
) >"$stage/napi.log" 2>&1 || { cat "$stage/napi.log" >&2; echo "npm-packages: the napi CLI failed" >&2; exit 1; }

platforms=$(cd "$sdk/npm" && ls)
for platform in $platforms; do
  cp "$root/LICENSE" "$sdk/npm/$platform/"
done

# -- the simulator: its launcher package and one binary package per platform ------------------------
mkdir -p "$sim/bin"
cp "$root/sim/npm/package.json" "$root/sim/npm/index.js" "$root/sim/npm/index.d.ts" "$root/LICENSE" "$sim/"
cp "$root/sim/npm/bin/authcloud-sim.js" "$sim/bin/"
cp "$root/sim/PACKAGE.md" "$sim/README.md"
sim_platforms=
for platform in $platforms; do
  exe=authcloud-sim
  [ -f "$artifacts/authcloud-sim.$platform.exe" ] && exe=authcloud-sim.exe
  binary=$artifacts/authcloud-sim.$platform${exe#authcloud-sim}
  [ -f "$binary" ] || { echo "npm-packages: $binary is missing (every addon platform needs its simulator)" >&2; exit 1; }
  dir=$sim/npm/$platform
  mkdir -p "$dir"
  install -m 755 "$binary" "$dir/$exe"
  cp "$root/LICENSE" "$dir/"
  # The platform fields (os, cpu, libc) are the ones napi wrote for the addon's package.
  node -e '
    const [addonPackage, simPackage, platform, exe] = process.argv.slice(1)
    const addon = require(addonPackage)
    const launcher = require(simPackage)
    const p = {
      name: `${launcher.name}-${platform}`,
      version: launcher.version,
      description: `The authcloud-sim binary for ${platform} (installed by ${launcher.name}).`,
      license: launcher.license,
      author: launcher.author,
      homepage: launcher.homepage,
      repository: launcher.repository,
      bugs: launcher.bugs,
      files: [exe],
      os: addon.os,
      cpu: addon.cpu,
      ...(addon.libc ? { libc: addon.libc } : {}),
    }
    process.stdout.write(JSON.stringify(p, null, 2) + "\n")
  ' "$sdk/npm/$platform/package.json" "$sim/package.json" "$platform" "$exe" >"$dir/package.json"
  printf '# `nevis-authcloud-sim-%s`\n\nThe `authcloud-sim` binary for %s, installed by `nevis-authcloud-sim`.\n' \
    "$platform" "$platform" >"$dir/README.md"
  sim_platforms="$sim_platforms $platform"
done
edit_json "$sim/package.json" "
  const platforms = '$sim_platforms'.trim().split(' ')
  const platformOf = (t) => {
    const [cpu, , system, abi] = t.split('-')
    const arch = { x86_64: 'x64', aarch64: 'arm64' }[cpu] ?? cpu
    if (system === 'linux') return 'linux-' + arch + '-' + (abi === 'musl' ? 'musl' : 'gnu')
    if (system === 'windows') return 'win32-' + arch + '-msvc'
    return system + '-' + arch
  }
  p.simulator.targets = p.simulator.targets.filter((t) => platforms.includes(platformOf(t)))
  p.optionalDependencies = Object.fromEntries(platforms.map((platform) => [p.name + '-' + platform, p.version]))
"

# -- pack --------------------------------------------------------------------------------------------
for dir in "$sdk" "$sdk"/npm/* "$sim" "$sim"/npm/*; do
  (cd "$dir" && npm pack --silent --pack-destination "$out" >/dev/null)
done
echo "npm-packages: packed $(cd "$out" && ls ./*.tgz | wc -l) tarballs for:$sim_platforms"
