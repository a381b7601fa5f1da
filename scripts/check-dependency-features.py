#!/usr/bin/env python3
"""Fails when two builds of this workspace would compile the same dependency with different features.

Cargo resolves a dependency's features from the packages a command selects: `cargo test
--workspace`, `cargo build -p nevis-authcloud-c`, maturin (only bindings-python) and the napi CLI
(only bindings-node) each see a different set of packages. When those sets enable different
features of, say, tokio or hyper, each build compiles its own copy of that crate and of everything
built on it, all into the same target directory, and a cold `make demo` pays for the shared graph
several times over. The workspace-hack crate turns on the union of those features for every
member, so any selection compiles the same units; this script keeps it that way.

It asks `cargo tree` (no build, a few seconds) which features each selection resolves: the whole
workspace with and without dev-dependencies, and every member on its own (any set of members
unifies to the union of its members, so the single members cover every `-p` combination). A
package built for the target and a package built for the host (build scripts, proc-macros) are
separate units, so they are compared separately. Any package whose features differ from the
workspace's fails the check, with the line the workspace-hack needs.

Usage: check-dependency-features.py [--target TRIPLE]   (default: $CARGO_BUILD_TARGET, else the host)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

HACK = "workspace-hack"
# One line of `cargo tree --charset ascii --format '{p}|{f}|'`: the tree's drawing, then the
# package (name, version, maybe its path, maybe "(proc-macro)"), its features, maybe "(*)".
LINE = re.compile(r"^(?P<indent>(?:[| `]   |[|`]-- )*)(?P<rest>.*)$")
HEADER = re.compile(r"^\[(?:build-|dev-)?dependencies\]$")

Unit = tuple[str, str, str]  # (name, version, "target" | "host")


def cargo(*args: str) -> str:
    result = subprocess.run(["cargo", *args], check=False, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"`cargo {' '.join(args)}` failed")
    return result.stdout


def host_triple() -> str:
    for line in subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout.splitlines():
        if line.startswith("host: "):
            return line.removeprefix("host: ")
    raise SystemExit("rustc -vV names no host triple")


def resolved_features(selection: list[str], edges: str, target: str) -> dict[Unit, frozenset[str]]:
    """The features of every unit the selection compiles, from `cargo tree`'s indented output."""
    text = cargo(
        "tree",
        "--locked",
        *selection,
        "--edges",
        edges,
        "--target",
        target,
        "--charset",
        "ascii",
        "--format",
        "{p}|{f}|",
    )
    units: dict[Unit, frozenset[str]] = {}
    # Per depth: whether that node is built for the host, and whether the edges listed below it are
    # build-dependencies (set by a "[build-dependencies]" header, cleared by the next header).
    host_at: list[bool] = []
    build_edges_at: list[bool] = []
    for raw in text.splitlines():
        if not raw.strip():
            host_at, build_edges_at = [], []
            continue
        match = LINE.match(raw)
        assert match is not None
        depth = len(match["indent"]) // 4
        rest = match["rest"]
        if HEADER.match(rest):
            # A header is drawn with its parent's indentation and applies to the edges after it.
            build_edges_at[depth] = rest == "[build-dependencies]"
            continue
        package, features, _ = rest.split("|")
        words = package.split()
        name, version = words[0], words[1]
        del host_at[depth:], build_edges_at[depth:]
        parent_host = host_at[depth - 1] if depth else False
        via_build = build_edges_at[depth - 1] if depth else False
        host = parent_host or via_build or "(proc-macro)" in words
        host_at.append(host)
        build_edges_at.append(False)
        unit = (name, version, "host" if host else "target")
        feature_set = frozenset(f for f in features.split(",") if f)
        seen = units.setdefault(unit, feature_set)
        if seen != feature_set:
            raise SystemExit(
                f"cargo tree lists {name} {version} twice with different features; this script misreads its output"
            )
    return units


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=os.environ.get("CARGO_BUILD_TARGET") or host_triple())
    args = parser.parse_args()

    metadata = json.loads(cargo("metadata", "--locked", "--no-deps", "--format-version", "1"))
    packages = [p for p in metadata["packages"] if p["id"] in metadata["workspace_members"]]
    members = sorted(p["name"] for p in packages)
    without_hack = sorted(
        p["name"]
        for p in packages
        if p["name"] != HACK and not any(d["name"] == HACK and d["kind"] is None for d in p["dependencies"])
    )
    if without_hack:
        print(
            f"every workspace member must depend on {HACK} (`{HACK}.workspace = true` under [dependencies]); "
            f"these do not: {', '.join(without_hack)}",
            file=sys.stderr,
        )
        return 1

    reference_name = "cargo test --workspace"
    reference = resolved_features(["--workspace"], "normal,build,dev", args.target)
    selections = {"cargo build --workspace": resolved_features(["--workspace"], "normal,build", args.target)}
    for member in members:
        if member != HACK:
            selections[f"cargo build -p {member}"] = resolved_features(["-p", member], "normal,build", args.target)

    # unit -> {features: [selections]}, for every unit some selection builds differently.
    differing: dict[Unit, dict[frozenset[str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for name, units in selections.items():
        for unit, features in units.items():
            wanted = reference.get(unit)
            if wanted is not None and features != wanted:
                differing[unit][features].append(name)
    checked = ", ".join(["workspace tests", "workspace build", f"{len(selections) - 1} members alone"])
    if not differing:
        print(f"one feature set per dependency: {len(reference)} units agree across {checked}")
        return 0

    print(
        f"{len(differing)} dependencies would be compiled more than once per profile: different package "
        "selections resolve different features for them.",
        file=sys.stderr,
    )
    for (name, version, kind), variants in sorted(differing.items()):
        wanted = reference[(name, version, kind)]
        print(
            f"\n{name} {version} ({kind}): {reference_name} builds it with [{','.join(sorted(wanted))}]",
            file=sys.stderr,
        )
        for features, names in sorted(variants.items(), key=lambda item: sorted(item[0])):
            missing = ",".join(sorted(wanted - features)) or "-"
            extra = ",".join(sorted(features - wanted)) or "-"
            print(f"  {'; '.join(names)}: missing [{missing}], extra [{extra}]", file=sys.stderr)
    print(
        f"\nList each of them in {HACK}/Cargo.toml with the features {reference_name} builds it with: "
        "target units under [dependencies], host units (build scripts, proc-macros) under "
        "[build-dependencies].",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
