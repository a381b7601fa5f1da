#!/usr/bin/env bash
# Proves that every artifact in dist/ installs and works on a machine without Rust.
#
#   scripts/dist/check.sh DIST_DIR        (make dist-check)
#
# First the one artifact that needs cargo by design, the sdist, is built into a wheel (what pip
# does where no wheel fits). Everything else runs in a clean environment: a fresh HOME, no
# CARGO_* / RUSTUP_* variables and a PATH from which every folder holding cargo or rustc has been
# removed (checked), so an artifact that tried to compile would fail here. In it:
#
#   Python  a venv gets nevis-authcloud[testing] from dist/ only (pip --no-index
#           --only-binary=:all:), which brings the simulator wheel; tests/python runs against the
#           installed package, its pytest plugin starting the packaged authcloud-sim; the abi3 wheel
#           is also imported on the oldest and newest other CPython found; a Python older than 3.9
#           is refused by the Requires-Python metadata, through a PyPI-like index built from dist/.
#   Node    an empty project installs the four npm tarballs with --engine-strict (npm's output
#           must not mention EBADENGINE); tests/node runs against the installed package, with the
#           packaged simulator; the type check compiles against the published types; the
#           testing helper finds the simulator package by itself; a missing platform package
#           and an unsupported platform fail with a message naming them.
#   C       the tarball is unpacked under an unusual prefix; examples/c is built via pkg-config
#           (shared and static) and CMake (with CMake's own build rpath turned off) and run with no
#           LD_LIBRARY_PATH; tests/c is built against it and run against an HTTP and an HTTPS
#           simulator.
#
# The glibc floor of every installed native file is printed (objdump -T). Any failing step stops
# the run and names the step and the artifact.
#
# Settings (environment): PYTHON, the interpreter of the main run (python3); PYTHON_OTHERS, more
# CPython >= 3.9 interpreters for the wheel (default: found beside PYTHON and in /usr/bin);
# PYTHON_OLD, a CPython < 3.9 for the refusal (default: found the same way; without one, pip's
# --python-version 3.8 stands in); DIST_GLIBC, the highest glibc a file may need (2.17);
# DIST_CHECK_SDIST=0 skips the sdist build (a machine without cargo).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DIST_DIR" >&2; exit 2; }
dist=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$("$root/scripts/sync-version" --print)
glibc_max=${DIST_GLIBC:-2.17}
python=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
cache=$root/build/dist-check-cache
work=$(mktemp -d "${TMPDIR:-/tmp}/nevis-dist-check.XXXXXX")
started=$(date +%s)
step=setup
artifact=dist/

finish() {
  local status=$?
  [ $status -eq 0 ] || echo "dist-check: FAILED in step \"$step\" (artifact: $artifact)" >&2
  rm -rf "$work"
  exit $status
}
trap finish EXIT
begin() {
  step=$1
  artifact=$2
  echo "== dist-check: $step =="
}
one() {
  local matches=("$dist"/$1)
  [ ${#matches[@]} -eq 1 ] && [ -e "${matches[0]}" ] || { echo "dist-check: expected one dist/$1" >&2; return 1; }
  echo "${matches[0]}"
}

# -- the sdist builds (with cargo, by design; DIST_CHECK_SDIST=0 skips it) -------------------------
sdist=$(one "nevis_authcloud-$version.tar.gz")
if [ "${DIST_CHECK_SDIST:-1}" != 0 ]; then
begin "the sdist builds a working wheel (cargo, as pip does where no wheel fits)" "$(basename "$sdist")"
"$python" -m venv "$work/sdist-venv"
"$work/sdist-venv/bin/python" -m pip install --quiet --cache-dir "$cache/pip" --upgrade pip
# make passes the dist build's settings (the zig toolchain, MATURIN_PEP517_ARGS=--profile dist), so
# cargo reuses the dependencies compiled for the wheel; the sdist's own crates build from its files.
"$work/sdist-venv/bin/python" -m pip wheel --quiet --cache-dir "$cache/pip" --no-deps --no-binary nevis-authcloud \
  -w "$work/sdist-wheel" "$sdist"
"$work/sdist-venv/bin/python" -m pip install --quiet --no-index --no-deps "$work"/sdist-wheel/*.whl
(cd "$work" && "$work/sdist-venv/bin/python" -c '
import nevis_authcloud, sys
assert "site-packages" in nevis_authcloud.__file__, nevis_authcloud.__file__
print("sdist wheel:", sys.argv[1], "imports from", nevis_authcloud.__file__)' "$(ls "$work/sdist-wheel")")
fi

# -- the clean environment ------------------------------------------------------------------------
begin "a clean environment without cargo or rustc" "-"
clean_path=
IFS=: read -r -a entries <<<"$PATH"
for dir in "${entries[@]}"; do
  [ -n "$dir" ] && [ -d "$dir" ] || continue
  [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ] && continue
  case "$dir" in */.cargo/*|*/.rustup/*|"$root"/*) continue ;; esac
  clean_path=${clean_path:+$clean_path:}$dir
done
mkdir -p "$work/home" "$cache/pip" "$cache/npm"
clean() {
  env -i HOME="$work/home" PATH="$clean_path" LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}" \
    PIP_CACHE_DIR="$cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1 npm_config_cache="$cache/npm" \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false "$@"
}
if clean sh -c 'command -v cargo || command -v rustc'; then
  echo "dist-check: cargo or rustc is still reachable in the clean environment" >&2
  false
fi
clean sh -c 'echo "node $(node --version), npm $(npm --version), $(cc --version | head -n 1), $(cmake --version | head -n 1)"'

# -- Python ---------------------------------------------------------------------------------------
wheel=$(one "nevis_authcloud-$version-cp39-abi3-*.whl")
sim_wheel=$(one "nevis_authcloud_sim-$version-py3-none-*.whl")
begin "pip installs nevis-authcloud[testing] from dist/ only" "$(basename "$wheel"), $(basename "$sim_wheel")"
venv=$work/venv
clean "$python" -m venv "$venv"
# The test tools come from PyPI; the SDK and the simulator only from dist/, as binaries.
clean "$venv/bin/python" -m pip install --quiet pytest pytest-asyncio mypy
clean "$venv/bin/python" -m pip install --no-index --only-binary=:all: --find-links "$dist" \
  "nevis-authcloud[testing]==$version" | tail -n 1
[ -x "$venv/bin/authcloud-sim" ] || { echo "dist-check: the simulator wheel put no authcloud-sim into the venv" >&2; false; }

begin "tests/python against the installed package and the packaged simulator" "$(basename "$wheel"), $(basename "$sim_wheel")"
mkdir -p "$work/py/tests"
cp -r "$root/tests/python" "$work/py/tests/"
cp "$root"/tests/*.json "$work/py/tests/"
rm -rf "$work/py/tests/python/__pycache__"
(cd "$work/py/tests/python" && clean "$venv/bin/python" -X dev -W error -m pytest -q -p no:cacheprovider \
  >"$work/python-tests.log" 2>&1) || { tail -n 80 "$work/python-tests.log" >&2; false; }
tail -n 1 "$work/python-tests.log"
(cd "$work/py/tests/python" && clean "$venv/bin/python" -c '
import nevis_authcloud, nevis_authcloud.testing as t
assert "site-packages" in nevis_authcloud.__file__, nevis_authcloud.__file__
print("found", t.find_simulator(), "without AUTHCLOUD_SIM or an activated venv")')

begin "the abi3 wheel on other CPython versions" "$(basename "$wheel")"
# $PYTHON_OTHERS (interpreters, space-separated) or the ones found beside this one (pyenv) and in
# /usr/bin; the oldest and the newest are enough to show that one wheel serves them all.
versions=$(dirname "$(dirname "$python")")/..
others=()
# shellcheck disable=SC2206
for candidate in ${PYTHON_OTHERS:-"$versions"/3.9*/bin/python3 "$versions"/3.1[0-9]*/bin/python3 /usr/bin/python3.9 /usr/bin/python3.1[0-9]}; do
  candidate=$(command -v "$candidate" || true)
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  real=$("$candidate" -c 'import sys; print(sys.executable)' 2>/dev/null) || continue
  [ "$real" = "$python" ] || others+=("$real")
done
if [ ${#others[@]} -eq 0 ]; then
  echo "no other CPython >= 3.9 found: skipped"
else
  mapfile -t picked < <(for p in "${others[@]}"; do echo "$("$p" -c 'import sys; print("%d.%02d" % sys.version_info[:2])') $p"; done \
    | sort -u -k1,1 | sed -n '1p;$p' | cut -d' ' -f2-)
  for other in "${picked[@]}"; do
    dir=$work/venv-$("$other" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    clean "$other" -m venv "$dir"
    clean "$dir/bin/python" -m pip install --quiet --no-index --only-binary=:all: --find-links "$dist" \
      "nevis-authcloud==$version" "nevis-authcloud-sim==$version"
    (cd "$work" && clean "$dir/bin/python" "$root/scripts/dist/smoke.py")
  done
fi

begin "a Python older than 3.9 is refused by Requires-Python" "$(basename "$wheel"), $(basename "$sdist")"
# A PEP 503 index of dist/ that states each file's Requires-Python, as PyPI's does.
"$python" - "$dist" "$work/index" <<'EOF'
import html, os, re, sys, tarfile, zipfile
from email.parser import Parser
dist, index = sys.argv[1:]
projects = {}
for name in sorted(os.listdir(dist)):
    path = os.path.join(dist, name)
    if name.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    elif name.endswith(".tar.gz") and name.startswith("nevis_authcloud-") and "linux" not in name:
        with tarfile.open(path) as t:
            meta = t.extractfile(next(m for m in t.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))).read().decode()
    else:
        continue
    parsed = Parser().parsestr(meta)
    project = re.sub(r"[-_.]+", "-", parsed["Name"]).lower()
    projects.setdefault(project, []).append((name, parsed["Requires-Python"] or ""))
for project, files in projects.items():
    os.makedirs(os.path.join(index, project), exist_ok=True)
    links = "".join(f'<a href="file://{html.escape(os.path.join(dist, n))}" data-requires-python="{html.escape(r)}">{n}</a>\n' for n, r in files)
    with open(os.path.join(index, project, "index.html"), "w") as page:
        page.write(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
EOF
old=
for candidate in "${PYTHON_OLD:-}" "$versions"/3.8*/bin/python3 /usr/bin/python3.8; do
  candidate=$(command -v "$candidate" || true)
  [ -n "$candidate" ] && [ -x "$candidate" ] && { old=$candidate; break; }
done
if [ -n "$old" ]; then
  clean "$old" -m venv "$work/venv-old"
  refusal=$(clean "$work/venv-old/bin/python" -m pip install --index-url "file://$work/index" "nevis-authcloud==$version" 2>&1) \
    && { echo "dist-check: $("$old" --version) installed nevis-authcloud" >&2; false; }
  label="$("$old" --version)"
else
  refusal=$(clean "$venv/bin/python" -m pip install --dry-run --python-version 3.8 --only-binary=:all: \
    --target "$work/py38" --index-url "file://$work/index" "nevis-authcloud==$version" 2>&1) \
    && { echo "dist-check: pip would install nevis-authcloud for Python 3.8" >&2; false; }
  label="pip --python-version 3.8 (no Python 3.8 here)"
fi
echo "$refusal" | grep -q "Requires-Python >=3.9" \
  || { echo "dist-check: the refusal does not name Requires-Python:" >&2; echo "$refusal" >&2; false; }
echo "$label: $(echo "$refusal" | grep -m1 'Requires-Python')"

# -- Node -------------------------------------------------------------------------------------
npm_main=$(one "nevis-authcloud-$version.tgz")
npm_addon=$(one "nevis-authcloud-linux-*-$version.tgz")
npm_sim=$(one "nevis-authcloud-sim-$version.tgz")
npm_sim_binary=$(one "nevis-authcloud-sim-linux-*-$version.tgz")
begin "npm installs the four tarballs with --engine-strict" \
  "$(basename "$npm_main"), $(basename "$npm_addon"), $(basename "$npm_sim"), $(basename "$npm_sim_binary")"
app=$work/node-app
mkdir -p "$app"
(cd "$app" && clean npm init -y >/dev/null)
(cd "$app" && clean npm install --engine-strict "$npm_main" "$npm_addon" "$npm_sim" "$npm_sim_binary" 2>&1) | tee "$work/npm-install.log"
if grep -q EBADENGINE "$work/npm-install.log"; then
  echo "dist-check: npm reported EBADENGINE on $(clean node --version)" >&2
  false
fi

begin "the testing helper finds the packaged simulator by itself" "$(basename "$npm_main"), $(basename "$npm_sim")"
(cd "$app" && clean node "$root/scripts/dist/smoke.mjs")
(cd "$app" && clean npx --no-install authcloud-sim --help | head -n 1)

begin "tests/node against the installed package and the packaged simulator" "$(basename "$npm_main"), $(basename "$npm_addon")"
mkdir -p "$app/tests"
cp -r "$root/tests/node" "$app/tests/"
cp "$root"/tests/*.json "$app/tests/"
# The suite imports ../../bindings-node/...: there, it finds the installed package.
ln -s node_modules/nevis-authcloud "$app/bindings-node"
sim_binary=$(cd "$app" && clean node -p 'require("nevis-authcloud-sim").binaryPath()')
(cd "$app" && clean AUTHCLOUD_SIM="$sim_binary" node --import ./tests/node/exit-check.mjs --test tests/node/*.test.mjs \
  >"$work/node-tests.log" 2>&1) || { grep -B2 -A40 '^ *not ok' "$work/node-tests.log" | head -n 150 >&2; false; }
grep -E '^# (tests|pass|fail) ' "$work/node-tests.log"

begin "the published types compile (tsc --strict, as an application)" "$(basename "$npm_main")"
typescript=$(cd "$root/bindings-node" && node -p 'const d = require("./package.json").devDependencies; `typescript@${d.typescript} @types/node@${d["@types/node"]}`')
# shellcheck disable=SC2086
(cd "$app" && clean npm install --no-save --engine-strict $typescript >/dev/null 2>&1)
cat >"$app/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2022", "lib": ["es2022", "esnext.disposable"],
    "module": "nodenext", "moduleResolution": "nodenext", "types": ["node"],
    "exactOptionalPropertyTypes": true, "noUncheckedIndexedAccess": true
  },
  "files": ["tests/node/typecheck.ts", "tests/node/typecheck-testing.ts"]
}
EOF
(cd "$app" && clean npx --no-install tsc -p tsconfig.json && echo "tsc: no errors")

begin "an npm install without the platform package fails clearly" "$(basename "$npm_main")"
bare=$work/node-bare
mkdir -p "$bare"
(cd "$bare" && clean npm init -y >/dev/null && clean npm install --omit=optional "$npm_main" >/dev/null 2>&1)
expect_failure() { # NAME PATTERN: the script on stdin must fail with PATTERN on stderr, and no bare MODULE_NOT_FOUND
  local out
  if out=$(cd "$1" && clean node 2>&1); then echo "dist-check: require succeeded" >&2; return 1; fi
  echo "$out" | grep -q "$2" || { echo "dist-check: unexpected error:" >&2; echo "$out" >&2; return 1; }
  echo "$out" | grep -m1 -o "Error: nevis-authcloud.*" | cut -c1-160
}
expect_failure "$bare" 'the package nevis-authcloud-linux-[a-z0-9]*-gnu is not installed' <<<'require("nevis-authcloud")'

begin "an unsupported platform fails clearly" "$(basename "$npm_main")"
expect_failure "$app" 'no prebuilt native addon for .*ppc64' \
  <<<'Object.defineProperty(process, "arch", { value: "ppc64" }); require("nevis-authcloud")'

# -- C ----------------------------------------------------------------------------------------
tarball=$(one "nevis_authcloud-$version-*-linux-gnu.tar.gz")
begin "the C tarball, unpacked under an unusual prefix" "$(basename "$tarball")"
(cd "$dist" && sha256sum --check --quiet "$(basename "$tarball").sha256")
mkdir -p "$work/opt/vendor sdk"
tar -xzf "$tarball" -C "$work/opt/vendor sdk"
prefix=$(echo "$work/opt/vendor sdk"/nevis_authcloud-*)
# pkg-config output is word-split by every shell: the prefix used through it has no space in it
# (a link), while the files stay under the spaced one.
ln -s "$prefix" "$work/opt/nevis"
pc_prefix=$work/opt/nevis
csim=$venv/bin/authcloud-sim
out=$work/c
mkdir -p "$out"

begin "examples/c via pkg-config (shared, static), run with no LD_LIBRARY_PATH" "$(basename "$tarball")"
# shellcheck disable=SC2046
clean cc -std=c11 -Wall -Wextra -Werror "$root/examples/c/passwordless.c" \
  $(clean PKG_CONFIG_PATH="$pc_prefix/lib/pkgconfig" pkg-config --cflags --libs nevis_authcloud) -o "$out/passwordless-shared"
objdump -p "$out/passwordless-shared" | grep -E 'NEEDED.*nevis|R(UN)?PATH'
# shellcheck disable=SC2046
clean cc -std=c11 -Wall -Wextra -Werror "$root/examples/c/passwordless.c" \
  $(clean PKG_CONFIG_PATH="$pc_prefix/lib/pkgconfig" pkg-config --static --cflags --libs nevis_authcloud \
    | sed 's|-lnevis_authcloud|-l:libnevis_authcloud.a|') -o "$out/passwordless-static"
for program in passwordless-shared passwordless-static; do
  clean AUTHCLOUD_SIM="$csim" "$root/scripts/with-sim.sh" -- "$out/$program" >"$out/$program.log" 2>&1 \
    || { cat "$out/$program.log" >&2; false; }
  echo "$program: $(tail -n 1 "$out/$program.log")"
done

begin "examples/c via CMake find_package (the package's own rpath only)" "$(basename "$tarball")"
clean cmake -S "$root/examples/c" -B "$out/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_SKIP_BUILD_RPATH=ON >/dev/null
clean cmake --build "$out/cmake" >/dev/null
clean AUTHCLOUD_SIM="$csim" "$root/scripts/with-sim.sh" -- "$out/cmake/passwordless" >"$out/cmake.log" 2>&1 \
  || { cat "$out/cmake.log" >&2; false; }
echo "cmake build: $(tail -n 1 "$out/cmake.log")"

begin "tests/c against the tarball, HTTP and HTTPS simulators" "$(basename "$tarball")"
# shellcheck disable=SC2046
clean cc -std=c11 -Wall -Wextra -Werror -I"$pc_prefix/include" "$root"/tests/c/*.c \
  $(clean PKG_CONFIG_PATH="$pc_prefix/lib/pkgconfig" pkg-config --libs nevis_authcloud) -lpthread -o "$out/c_tests"
clean AUTHCLOUD_SIM="$csim" NEVIS_C_FAULTS_FILE="$root/tests/faults.json" NEVIS_C_BAD_INPUT_FILE="$root/tests/bad_input.json" \
  "$root/scripts/with-sim.sh" -- bash -c '
  export NEVIS_C_PLAIN_BASE_URL="$NEVIS_AUTHCLOUD_BASE_URL" NEVIS_C_PLAIN_ACCESS_KEY="$NEVIS_AUTHCLOUD_ACCESS_KEY"
  exec "$0" --tls -- "$1"' "$root/scripts/with-sim.sh" "$out/c_tests" >"$out/c_tests.log" 2>&1 \
  || { tail -n 40 "$out/c_tests.log" >&2; false; }
tail -n 1 "$out/c_tests.log"

# -- glibc floor --------------------------------------------------------------------------------
begin "glibc floor of the installed native files (objdump -T)" "-"
floor=0
for file in "$venv"/lib/python3*/site-packages/nevis_authcloud/_native*.so "$venv/bin/authcloud-sim" \
  "$app"/node_modules/nevis-authcloud-linux-*/*.node "$app"/node_modules/nevis-authcloud-sim-linux-*/authcloud-sim \
  "$prefix/lib/libnevis_authcloud.so.$version"; do
  needed=$(objdump -T "$file" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
  printf '  GLIBC_%-6s %s\n' "$needed" "${file#"$work"/}"
  floor=$(printf '%s\n%s\n' "$floor" "$needed" | sort -V | tail -n 1)
done
echo "glibc floor: GLIBC_$floor (allowed: $glibc_max)"
if [ "$(printf '%s\n%s\n' "$floor" "$glibc_max" | sort -V | tail -n 1)" != "$glibc_max" ]; then
  echo "dist-check: a native file needs glibc $floor, above $glibc_max" >&2
  false
fi

echo "dist-check: every artifact installed without Rust and passed ($(( $(date +%s) - started )) s)"
