#!/usr/bin/env python3
"""Checks what `make dist` wrote before anything is installed, and prints the artifact list.

    scripts/dist/verify.py DIST_DIR --glibc 2.17 --tools VENV_BIN

Fails (naming the artifact) unless:
  - dist/ holds exactly the expected files for this version and platform;
  - `twine check --strict` passes on the wheels and the sdist, `abi3audit --strict` on the abi3
    wheel, and `auditwheel show` finds both wheels consistent with manylinux_2_17;
  - every artifact carries LICENSE (the repository's, byte for byte) and complete metadata
    (version, licence, URLs, author; Requires-Python >= 3.9 for the wheels);
  - the npm SDK package has no install script, no Rust sources and no addon of its own, keeps
    @napi-rs/cli out of its dependencies and names its platform packages in optionalDependencies;
  - every ELF file (Python extension, Node addon, simulator, C library) needs at most the given
    glibc version, unwinds with the system's libgcc_s and contains no path of this machine
    (repository or cargo home);
  - the C library's SONAME and links are right and its pkg-config file and CMake package are
    relocatable.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
failures: List[str] = []


def fail(artifact: str, message: str) -> None:
    failures.append(f"{artifact}: {message}")


def run(args: List[str], artifact: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        fail(
            artifact,
            f"`{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(args))}` failed:\n"
            f"{result.stdout}{result.stderr}",
        )
    return result.stdout + result.stderr


def glibc_floor(data: bytes, name: str) -> Tuple[str, List[str]]:
    """The highest GLIBC_x.y symbol version an ELF file needs (objdump -T), and which symbols need it."""
    with tempfile.NamedTemporaryFile(suffix=name.replace("/", "_")) as handle:
        handle.write(data)
        handle.flush()
        dump = subprocess.run(["objdump", "-T", handle.name], capture_output=True, text=True).stdout
    needs: Dict[Tuple[int, ...], List[str]] = {}
    for line in dump.splitlines():
        found = re.search(r"\(?GLIBC_([0-9.]+)\)?\s+(\S+)$", line)
        if found and "*UND*" in line:
            needs.setdefault(tuple(int(p) for p in found.group(1).split(".")), []).append(found.group(2))
    if not needs:
        return "none", []
    top = max(needs)
    return ".".join(map(str, top)), sorted(needs[top])


def unwinds_with_libgcc(data: bytes, name: str) -> bool:
    """Whether the file takes its unwinder (`_Unwind_*`) from the system's libgcc_s, rather than
    carrying a private copy that breaks when the system unwinder walks its frames (pthread_exit)."""
    with tempfile.NamedTemporaryFile(suffix=name.replace("/", "_")) as handle:
        handle.write(data)
        handle.flush()
        dump = subprocess.run(["objdump", "-T", "-p", handle.name], capture_output=True, text=True).stdout
    imported = re.search(r"\*UND\*\s+\S+\s+\(GCC_[0-9.]+\)\s+_Unwind_RaiseException", dump)
    return bool(imported) and re.search(r"NEEDED\s+libgcc_s\.so\.1", dump) is not None


def check_elf(data: bytes, label: str, glibc_max: Tuple[int, ...], floors: Dict[str, str]) -> None:
    if not unwinds_with_libgcc(data, label):
        fail(label, "does not take _Unwind_* from libgcc_s.so.1 (a private unwinder crashes under pthread_exit)")
    floor, symbols = glibc_floor(data, label)
    floors[label] = floor
    if floor != "none" and tuple(int(p) for p in floor.split(".")) > glibc_max:
        fail(label, f"needs GLIBC_{floor} ({', '.join(symbols[:5])}), above the {'.'.join(map(str, glibc_max))} floor")
    for path in machine_paths():
        if path.encode() in data:
            fail(label, f"contains the build machine's path {path}")


def machine_paths() -> List[str]:
    paths = [str(ROOT)]
    cargo_home = os.environ.get("CARGO_HOME") or os.path.join(os.path.expanduser("~"), ".cargo")
    paths.append(os.path.realpath(cargo_home))
    return paths


def check_license(data: Optional[bytes], artifact: str) -> None:
    if data is None:
        fail(artifact, "has no LICENSE")
    elif data != (ROOT / "LICENSE").read_bytes():
        fail(artifact, "carries a LICENSE that differs from the repository's")


def wheel(path: Path, version: str, glibc_max: Tuple[int, ...], floors: Dict[str, str]) -> None:
    name = path.name
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if meta_name is None:
            fail(name, "has no METADATA")
            return
        meta = email.parser.Parser().parsestr(archive.read(meta_name).decode())
        licence = next((n for n in names if re.search(r"\.dist-info/licenses/LICENSE$", n)), None)
        check_license(archive.read(licence) if licence else None, name)
        for member in names:
            data = archive.read(member)
            if data[:4] == b"\x7fELF":
                check_elf(data, f"{name}:{member}", glibc_max, floors)
    if meta["Version"] != version:
        fail(name, f"Version {meta['Version']}, expected {version}")
    if meta["Requires-Python"] != ">=3.9":
        fail(name, f"Requires-Python is {meta['Requires-Python']!r}, expected '>=3.9'")
    if meta["License-Expression"] != "Apache-2.0":
        fail(name, "License-Expression is not Apache-2.0")
    for field in ("Summary", "Author", "Keywords", "Project-URL", "Classifier"):
        if not meta.get_all(field):
            fail(name, f"METADATA has no {field}")


def sdist(path: Path, version: str) -> None:
    with tarfile.open(path) as archive:
        top = f"nevis_authcloud-{version}"
        members = {m.name: m for m in archive.getmembers()}
        licence = members.get(f"{top}/LICENSE") or members.get(f"{top}/bindings-python/LICENSE")
        check_license(archive.extractfile(licence).read() if licence else None, path.name)
        for needed in ("pyproject.toml", "Cargo.toml", "Cargo.lock", "core/Cargo.toml", "PKG-INFO"):
            if f"{top}/{needed}" not in members:
                fail(path.name, f"has no {needed}")


def npm_package(path: Path) -> Tuple[dict, Dict[str, tarfile.TarInfo], tarfile.TarFile]:
    archive = tarfile.open(path)  # noqa: SIM115 - returned open: the caller reads members from it
    members = {m.name: m for m in archive.getmembers()}
    manifest = json.load(archive.extractfile(members["package/package.json"]))
    return manifest, members, archive


def npm_common(
    path: Path, manifest: dict, members: Dict[str, tarfile.TarInfo], archive: tarfile.TarFile, version: str
) -> None:
    name = path.name
    if manifest.get("version") != version:
        fail(name, f"version {manifest.get('version')}, expected {version}")
    for field in ("license", "repository", "description", "author", "homepage"):
        if not manifest.get(field):
            fail(name, f"package.json has no {field}")
    licence = members.get("package/LICENSE")
    check_license(archive.extractfile(licence).read() if licence else None, name)
    scripts = manifest.get("scripts", {})
    for hook in ("preinstall", "install", "postinstall", "prepare"):
        if hook in scripts:
            fail(name, f"has an {hook} script ({scripts[hook]!r}): users must not run a build")
    for member in members:
        if member.endswith((".rs", "Cargo.toml", "build.rs", "Cargo.lock")):
            fail(name, f"ships Rust sources ({member})")


def c_tarball(path: Path, version: str, abi: str, glibc_max: Tuple[int, ...], floors: Dict[str, str]) -> None:
    name = path.name
    top = name[: -len(".tar.gz")]
    with tarfile.open(path) as archive:
        members = {m.name: m for m in archive.getmembers()}

        def read(member: str) -> Optional[bytes]:
            info = members.get(f"{top}/{member}")
            return archive.extractfile(info).read() if info is not None and info.isfile() else None

        check_license(read("LICENSE"), name)
        for needed in (
            "README.md",
            "CHANGELOG.md",
            "include/nevis_authcloud.h",
            "lib/libnevis_authcloud.a",
            "lib/pkgconfig/nevis_authcloud.pc",
            "lib/cmake/nevis_authcloud/nevis_authcloudConfig.cmake",
            "lib/cmake/nevis_authcloud/nevis_authcloudConfigVersion.cmake",
        ):
            if f"{top}/{needed}" not in members:
                fail(name, f"has no {needed}")
        library = read(f"lib/libnevis_authcloud.so.{version}")
        if library is None:
            fail(name, f"has no lib/libnevis_authcloud.so.{version}")
        else:
            check_elf(library, f"{name}:lib/libnevis_authcloud.so.{version}", glibc_max, floors)
            with tempfile.NamedTemporaryFile() as handle:
                handle.write(library)
                handle.flush()
                dynamic = subprocess.run(["objdump", "-p", handle.name], capture_output=True, text=True).stdout
            soname = re.search(r"SONAME\s+(\S+)", dynamic)
            if not soname or soname.group(1) != f"libnevis_authcloud.so.{abi}":
                fail(
                    name, f"SONAME is {soname.group(1) if soname else 'missing'}, expected libnevis_authcloud.so.{abi}"
                )
            if re.search(r"R(UN)?PATH", dynamic):
                fail(name, "the library carries an rpath")
        for link, target in (
            (f"lib/libnevis_authcloud.so.{abi}", f"libnevis_authcloud.so.{version}"),
            ("lib/libnevis_authcloud.so", f"libnevis_authcloud.so.{abi}"),
        ):
            info = members.get(f"{top}/{link}")
            if info is None or not info.issym() or info.linkname != target:
                fail(name, f"{link} is not a link to {target}")
        pc = (read("lib/pkgconfig/nevis_authcloud.pc") or b"").decode()
        if "prefix=${pcfiledir}/../.." not in pc or "-Wl,-rpath,${libdir}" not in pc or f"Version: {version}" not in pc:
            fail(name, "the pkg-config file is not relocatable, lacks the rpath or the version")
        config = (read("lib/cmake/nevis_authcloud/nevis_authcloudConfig.cmake") or b"").decode()
        if "CMAKE_CURRENT_LIST_DIR" not in config or "-rpath" not in config:
            fail(name, "the CMake package is not relocatable or lacks the rpath")
        for member in members.values():
            if member.uname not in ("", "root") or member.uid != 0:
                fail(name, f"{member.name} is owned by {member.uname or member.uid}")
                break


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dist", type=Path)
    parser.add_argument("--glibc", default="2.17")
    parser.add_argument("--tools", type=Path, required=True, help="bin/ of the venv with twine, abi3audit, auditwheel")
    parser.add_argument("--platform", required=True, help="npm platform name, e.g. linux-x64-gnu")
    parser.add_argument("--arch", required=True, help="e.g. x86_64")
    options = parser.parse_args()
    dist: Path = options.dist
    glibc_max = tuple(int(p) for p in options.glibc.split("."))
    version = subprocess.run(
        [str(ROOT / "scripts/sync-version"), "--print"], capture_output=True, text=True, check=True
    ).stdout.strip()
    major, minor = version.split(".")[:2]
    abi = f"0.{minor}" if major == "0" else major
    arch, platform = options.arch, options.platform
    glibc_tag = "manylinux_" + options.glibc.replace(".", "_") + "_" + arch

    expected = {
        "python wheel": rf"nevis_authcloud-{re.escape(version)}-cp39-abi3-(\S*\.)?{glibc_tag}(\.\S*)?\.whl",
        "simulator wheel": rf"nevis_authcloud_sim-{re.escape(version)}-py3-none-(\S*\.)?{glibc_tag}(\.\S*)?\.whl",
        "python sdist": rf"nevis_authcloud-{re.escape(version)}\.tar\.gz",
        "npm package": rf"nevis-authcloud-{re.escape(version)}\.tgz",
        "npm addon package": rf"nevis-authcloud-{platform}-{re.escape(version)}\.tgz",
        "npm simulator package": rf"nevis-authcloud-sim-{re.escape(version)}\.tgz",
        "npm simulator binary package": rf"nevis-authcloud-sim-{platform}-{re.escape(version)}\.tgz",
        "C tarball": rf"nevis_authcloud-{re.escape(version)}-{arch}-linux-gnu\.tar\.gz",
        "C tarball checksum": rf"nevis_authcloud-{re.escape(version)}-{arch}-linux-gnu\.tar\.gz\.sha256",
    }
    present = sorted(p.name for p in dist.iterdir() if p.name != "SHA256SUMS")
    found: Dict[str, Path] = {}
    for kind, pattern in expected.items():
        matches = [n for n in present if re.fullmatch(pattern, n)]
        if len(matches) != 1:
            fail("dist/", f"expected one {kind} ({pattern}), found {matches or 'none'}")
        else:
            found[kind] = dist / matches[0]
    for extra in sorted(set(present) - {p.name for p in found.values()}):
        fail("dist/", f"unexpected file {extra}")
    if failures:
        return report({})

    tools = options.tools
    wheels = [found["python wheel"], found["simulator wheel"]]
    run([str(tools / "twine"), "check", "--strict", *map(str, wheels), str(found["python sdist"])], "twine check")
    run([str(tools / "abi3audit"), "--strict", "--summary", str(found["python wheel"])], found["python wheel"].name)
    for path in wheels:
        shown = run([str(tools / "auditwheel"), "show", str(path)], path.name)
        if glibc_tag not in shown:
            fail(path.name, f"auditwheel show does not find it consistent with {glibc_tag}:\n{shown}")

    floors: Dict[str, str] = {}
    for path in wheels:
        wheel(path, version, glibc_max, floors)
    sdist(found["python sdist"], version)

    manifest, members, archive = npm_package(found["npm package"])
    npm_common(found["npm package"], manifest, members, archive, version)
    if "@napi-rs/cli" in manifest.get("dependencies", {}) or "@napi-rs/cli" not in manifest.get("devDependencies", {}):
        fail(found["npm package"].name, "@napi-rs/cli must be a devDependency only")
    if manifest.get("optionalDependencies", {}).get(f"nevis-authcloud-{platform}") != version:
        fail(found["npm package"].name, f"optionalDependencies lacks nevis-authcloud-{platform}@{version}")
    if not manifest.get("engines", {}).get("node"):
        fail(found["npm package"].name, "package.json states no engines.node")
    for member in members:
        if member.endswith(".node"):
            fail(found["npm package"].name, f"carries an addon ({member}); addons belong in the platform packages")
    for needed in ("native.js", "index.js", "index.mjs", "index.d.ts", "testing.js", "testing.d.ts"):
        if f"package/{needed}" not in members:
            fail(found["npm package"].name, f"lacks {needed}")

    manifest, members, archive = npm_package(found["npm addon package"])
    npm_common(found["npm addon package"], manifest, members, archive, version)
    addon = members.get(f"package/nevis-authcloud.{platform}.node")
    if addon is None or manifest.get("main") != f"nevis-authcloud.{platform}.node":
        fail(found["npm addon package"].name, f"does not carry nevis-authcloud.{platform}.node as its main")
    else:
        check_elf(
            archive.extractfile(addon).read(), f"{found['npm addon package'].name}:{addon.name}", glibc_max, floors
        )

    manifest, members, archive = npm_package(found["npm simulator package"])
    npm_common(found["npm simulator package"], manifest, members, archive, version)
    if manifest.get("optionalDependencies", {}).get(f"nevis-authcloud-sim-{platform}") != version:
        fail(
            found["npm simulator package"].name, f"optionalDependencies lacks nevis-authcloud-sim-{platform}@{version}"
        )

    manifest, members, archive = npm_package(found["npm simulator binary package"])
    npm_common(found["npm simulator binary package"], manifest, members, archive, version)
    binary = members.get("package/authcloud-sim")
    if binary is None or not binary.mode & 0o100:
        fail(found["npm simulator binary package"].name, "does not carry an executable authcloud-sim")
    else:
        check_elf(
            archive.extractfile(binary).read(),
            f"{found['npm simulator binary package'].name}:{binary.name}",
            glibc_max,
            floors,
        )

    c_tarball(found["C tarball"], version, abi, glibc_max, floors)
    recorded = found["C tarball checksum"].read_text().split()[0]
    if recorded != hashlib.sha256(found["C tarball"].read_bytes()).hexdigest():
        fail(found["C tarball checksum"].name, "does not match the tarball")

    if not failures:
        with open(dist / "SHA256SUMS", "w") as sums:
            for path in sorted(found.values()):
                sums.write(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    return report(floors, found)


def report(floors: Dict[str, str], found: Optional[Dict[str, Path]] = None) -> int:
    if found:
        print("artifacts:")
        for kind, path in sorted(found.items(), key=lambda item: item[1].name):
            print(f"  {path.stat().st_size / 1e6:7.2f} MB  {path.name}  ({kind})")
        print("glibc floor (highest GLIBC_ symbol version needed, objdump -T):")
        for label, floor in sorted(floors.items()):
            print(f"  GLIBC_{floor}  {label}")
    if failures:
        print(f"\nverify: {len(failures)} problem(s):", file=sys.stderr)
        for line in failures:
            print(f"  FAIL {line}", file=sys.stderr)
        return 1
    print("verify: every artifact passed (twine, abi3audit, auditwheel, metadata, licences, glibc floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
