#!/usr/bin/env bash
# Lays out the C SDK under a prefix: the header, the shared library under its ABI name with the
# usual links, the static library, a relocatable pkg-config file and CMake package.
#
#   scripts/dist/c-tree.sh LIBDIR PREFIX
#
# LIBDIR is the cargo output folder holding libnevis_authcloud.so and .a (the dist build for the
# release tarball and `make install-c`, the debug build for the staging prefix of `make test-c`).
# The files written are the same wherever PREFIX is: nothing in them names it.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 LIBDIR PREFIX" >&2; exit 2; }
libdir=$1
prefix=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$("$root/scripts/sync-version" --print)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
# The ABI version in the SONAME (bindings-c/build.rs sets it the same way).
if [ "$major" = 0 ]; then abi="0.$minor"; else abi=$major; fi
# What a static link needs besides the library (`cargo rustc --print native-static-libs`).
static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

for file in libnevis_authcloud.so libnevis_authcloud.a; do
  [ -f "$libdir/$file" ] || { echo "c-tree: $libdir/$file is missing (build bindings-c first)" >&2; exit 1; }
done
soname=$(objdump -p "$libdir/libnevis_authcloud.so" | sed -n 's/^ *SONAME *//p')
[ "$soname" = "libnevis_authcloud.so.$abi" ] || {
  echo "c-tree: $libdir/libnevis_authcloud.so has SONAME '$soname', expected libnevis_authcloud.so.$abi" >&2
  exit 1
}

install -d "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/nevis_authcloud"
install -m 644 "$root/include/nevis_authcloud.h" "$prefix/include/"
install -m 755 "$libdir/libnevis_authcloud.so" "$prefix/lib/libnevis_authcloud.so.$version"
ln -sfn "libnevis_authcloud.so.$version" "$prefix/lib/libnevis_authcloud.so.$abi"
ln -sfn "libnevis_authcloud.so.$abi" "$prefix/lib/libnevis_authcloud.so"
install -m 644 "$libdir/libnevis_authcloud.a" "$prefix/lib/"
packaging=$root/bindings-c/packaging
sed -e "s|@VERSION@|$version|" -e "s|@STATIC_LIBS@|$static_libs|" \
  "$packaging/nevis_authcloud.pc.in" >"$prefix/lib/pkgconfig/nevis_authcloud.pc"
sed -e "s|@VERSION@|$version|" -e "s|@ABI_VERSION@|$abi|" -e "s|@STATIC_LIBS_CMAKE@|${static_libs// /;}|" \
  "$packaging/nevis_authcloudConfig.cmake.in" >"$prefix/lib/cmake/nevis_authcloud/nevis_authcloudConfig.cmake"
sed -e "s|@VERSION@|$version|" \
  "$packaging/nevis_authcloudConfigVersion.cmake.in" >"$prefix/lib/cmake/nevis_authcloud/nevis_authcloudConfigVersion.cmake"
chmod 644 "$prefix/lib/pkgconfig/nevis_authcloud.pc" "$prefix/lib/cmake/nevis_authcloud/"*.cmake
