#!/usr/bin/env bash
# The C release tarball: nevis_authcloud-<version>-<arch>-<os>-<abi>.tar.gz with include/, lib/
# (shared library with its SONAME links, static library, pkg-config file, CMake package), LICENSE,
# CHANGELOG.md and a README, plus a .sha256 beside it.
#
#   scripts/dist/c-tarball.sh LIBDIR STAGE OUTDIR
#
# LIBDIR holds the release build of bindings-c (libnevis_authcloud.so and .a). The archive is
# reproducible: sorted names, fixed owner and the commit's timestamp.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 LIBDIR STAGE OUTDIR" >&2; exit 2; }
libdir=$1
stage=$2
out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$("$root/scripts/sync-version" --print)
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=x86_64-linux-gnu ;;
  Linux-aarch64) platform=aarch64-linux-gnu ;;
  *) echo "c-tarball: no C tarball layout for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
name=nevis_authcloud-$version-$platform

rm -rf "$stage/$name"
mkdir -p "$stage/$name" "$out"
"$root/scripts/dist/c-tree.sh" "$libdir" "$stage/$name"
# Debug sections would triple the size of the static library; its symbols stay, so it still links.
strip --strip-debug "$stage/$name/lib/libnevis_authcloud.a"
install -m 644 "$root/LICENSE" "$root/CHANGELOG.md" "$stage/$name/"
sed -e "s|@VERSION@|$version|g" -e "s|@PLATFORM@|$platform|g" "$root/bindings-c/packaging/README.tarball.md" \
  >"$stage/$name/README.md"

mtime=$(git -C "$root" log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$stage" -cf - "$name" \
  | gzip -9n >"$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "c-tarball: $out/$name.tar.gz"
