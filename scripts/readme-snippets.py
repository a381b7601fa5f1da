#!/usr/bin/env python3
"""Every code block of the READMEs, checked as a newcomer would use it (`make test-readme`).

A newcomer copies a block from a README and runs it. So each block is extracted as written and:

- python: one `mypy --strict` run over all blocks, then each block runs against the simulator (a
  block defining ``test_*`` functions runs under pytest, with the package's own fixtures);
- js: one `tsc --strict` run over all blocks (checkJs against the package's .d.ts, the package
  resolved by name as after `npm install`), then each block runs with node;
- c: each block compiles with ``-std=c11 -Wall -Wextra -Werror`` against include/, then is linked
  with every ``cc app.c ...`` line of its README's "compile and link" block, verbatim, against the
  SDK laid out under a temporary prefix (as `make install-c PREFIX=...` lays it out), and the
  program runs with no LD_LIBRARY_PATH;
- sh: every command line must match one rule of SHELL_RULES below: run here (the C link lines
  above), or covered by a named check elsewhere; a command no rule knows fails the check;
- cmake: every line must be in examples/c/CMakeLists.txt, which `make test-c` builds;
- toml: the dependency it shows must accept the workspace's version;
- rust: compiled (and run unless marked ``no_run``) by `cargo test` as doctests: the crate whose
  README it is includes that README under ``#[cfg(doctest)]`` (DOCTESTED); this checks the include
  is there, so a README whose Rust blocks no crate compiles fails.

Blocks read as user code: the client is configured from the environment variables a user sets
(NEVIS_AUTHCLOUD_BASE_URL or _INSTANCE, and _ACCESS_KEY), which this script inherits from
scripts/with-sim.sh. The simulator plays the world the quickstarts assume: before each block it is
reset, "alice" has the Access App enrolled, and her phone accepts every push while the block runs.

A block that is deliberately a fragment is preceded by an HTML comment
``<!-- readme-snippet: fragment ..., type-checked with this prelude, not run`` whose further lines,
up to ``-->``, are the code that completes it; it is type-checked (prelude + block), not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
READMES = ["README.md", "bindings-python/README.md", "bindings-node/README.md", "bindings-c/README.md", "sim/README.md"]
LANGUAGES = {
    "python": "python",
    "py": "python",
    "js": "js",
    "javascript": "js",
    "ts": "ts",
    "typescript": "ts",
    "c": "c",
    "sh": "sh",
    "bash": "sh",
    "shell": "sh",
    "cmake": "cmake",
    "toml": "toml",
    "rust": "rust",
}
RUN_TIMEOUT = 90
# README -> the crate root that includes it as doctests (`#[cfg(doctest)] #[doc = include_str!(...)]`).
DOCTESTED = {"README.md": "core/src/lib.rs", "sim/README.md": "sim/src/lib.rs"}

# Each command line of a sh block (comments and blank lines aside) must match one rule: "run" (this
# script runs it) or the check that already proves it.
SHELL_RULES: List[Tuple[str, str]] = [
    (
        r"^make (demo|test)\b",
        (
            "the project's own commands: `make test` is this very run; `make demo` is not run here (its C "
            "example also runs in `make test-c`)"
        ),
    ),
    (r"^make install-c PREFIX=", "lays out the files with scripts/dist/c-tree.sh, as the C link lines here do"),
    (
        r"^pip install (nevis-authcloud|\"nevis-authcloud\[testing\]\")( |$)",
        "`make dist-check` installs these wheels (and the simulator's, the testing extra) with pip",
    ),
    (r"^pip install \./bindings-python\b", "`make dist-check` builds and installs the sdist with pip"),
    (
        r"^npm install (--save-dev )?nevis-authcloud(-sim)?( |$)",
        "`make dist-check` installs the packed npm packages; `make test-node-engines` checks their engines",
    ),
    (r"^npm install \./bindings-node\b", "`make test-readme` resolves the package from bindings-node, as this does"),
    (
        r"^\(?cd bindings-node && npm ci && npx napi build --platform --release --no-js --dts native\.d\.ts\)?( |$)",
        "`make test-node` runs `npm ci` and `napi build --platform --no-js --dts native.d.ts` (debug)",
    ),
    (r"^cargo install --path sim\b", "`make test` builds the authcloud-sim binary of sim/"),
    (
        r"^cargo run -p nevis-authcloud-sim (--bin authcloud-sim )?-- --listen 127\.0\.0\.1:0$",
        "scripts/with-sim.sh starts the simulator with --listen 127.0.0.1:0 for every suite",
    ),
    (
        r"^tar -xzf nevis_authcloud-[0-9.]+-x86_64-linux-gnu\.tar\.gz -C /opt$",
        "`make dist-check` unpacks the C tarball under an unusual prefix",
    ),
    (r"^PREFIX=/opt/nevis_authcloud-", "the prefix; the link lines here run with PREFIX set to a temporary one"),
    (r"^export PKG_CONFIG_PATH=\$PREFIX/lib/pkgconfig$", "run"),
    (r"^cc app\.c ", "run"),
    (r"^(B=http://127\.0\.0\.1:\d+|curl -s )", "the simulator's control plane: sim/tests (one file per area)"),
]


@dataclass
class Block:
    readme: str
    line: int
    language: str
    code: str
    prelude: Optional[str]  # a fragment: the code completing it (then type-checked only)

    @property
    def name(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", f"{self.readme[:-3]}_{self.line}").strip("_").lower()

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"


def blocks_of(readme: str) -> List[Block]:
    text = (ROOT / readme).read_text()
    lines = text.splitlines()
    found: List[Block] = []
    index = 0
    while index < len(lines):
        opening = re.match(r"^```\s*([A-Za-z0-9_+-]*)", lines[index])
        if not opening:
            index += 1
            continue
        start = index
        end = start + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        language = opening.group(1).lower()
        if not language:
            raise SystemExit(f"{readme}:{start + 1}: a code block without a language (name it, e.g. ```sh)")
        if language not in LANGUAGES:
            raise SystemExit(f"{readme}:{start + 1}: no rule for ```{language} blocks (scripts/readme-snippets.py)")
        found.append(
            Block(
                readme,
                start + 1,
                LANGUAGES[language],
                "\n".join(lines[start + 1 : end]) + "\n",
                fragment_prelude(lines, start),
            )
        )
        index = end + 1
    return found


def fragment_prelude(lines: List[str], fence: int) -> Optional[str]:
    """The completing code of a fragment: the readme-snippet comment right above the fence."""
    above = fence - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above < 0 or lines[above].strip() != "-->":
        return None
    top = above
    while top >= 0 and not lines[top].startswith("<!--"):
        top -= 1
    header = lines[top]
    if not header.startswith("<!-- readme-snippet: fragment"):
        return None
    return "\n".join(lines[top + 1 : above]) + "\n"


class Checks:
    def __init__(self) -> None:
        self.failures: List[str] = []
        self.lines: List[str] = []

    def ok(self, block: Block, what: str) -> None:
        self.lines.append(f"ok    {block.where} {block.language}: {what}")

    def fail(self, block: Optional[Block], what: str, output: str = "") -> None:
        where = f"{block.where} {block.language}: " if block else ""
        self.failures.append(f"FAIL  {where}{what}" + (f"\n{output.rstrip()}" if output.strip() else ""))


def said(ran: subprocess.CompletedProcess[str]) -> str:
    """The block's last line of output, for the summary."""
    lines = [line for line in ran.stdout.splitlines() if line.strip()]
    return f" ({lines[-1].strip()[:80]!r})" if lines else ""


def run(command: List[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("timeout", RUN_TIMEOUT)
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


# -- the simulated world: alice, her phone ------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.base_url = os.environ["NEVIS_AUTHCLOUD_BASE_URL"]
        self.access_key = os.environ["NEVIS_AUTHCLOUD_ACCESS_KEY"]

    def call(self, method: str, path: str, body: Optional[Any] = None, key: bool = False) -> Any:
        request = urllib.request.Request(
            self.base_url + path, method=method, data=None if body is None else json.dumps(body).encode()
        )
        request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", f"Bearer {self.access_key}")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def reset_with_alice(self) -> None:
        self.call("POST", "/_sim/reset")
        enrolment = self.call("POST", "/api/v1/users/enroll", {"username": "alice", "channel": "push"}, key=True)
        self.call("POST", f"/_sim/operations/{enrolment['enrollment']['transactionId']}/accept", {})

    def phone(self) -> Callable[[], None]:
        """Alice's phone: accepts every pending operation until the returned function is called."""
        stop = threading.Event()

        def accept_pending() -> None:
            while not stop.wait(0.05):
                try:
                    for operation in self.call("GET", "/_sim/operations?state=pending") or []:
                        self.call("POST", f"/_sim/operations/{operation['transactionId']}/accept", {})
                except OSError:
                    pass  # an operation the block settled first, or the simulator stopping

        thread = threading.Thread(target=accept_pending, daemon=True)
        thread.start()

        def stop_phone() -> None:
            stop.set()
            thread.join()

        return stop_phone

    def run_block(self, command: List[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        self.reset_with_alice()
        stop_phone = self.phone()
        try:
            return run(command, cwd=cwd)
        finally:
            stop_phone()


# -- per language ---------------------------------------------------------------------------------


def check_python(blocks: List[Block], out: Path, python: str, world: World, checks: Checks) -> None:
    folder = out / "python"
    files = []
    for block in blocks:
        path = folder / f"{block.name}.py"
        path.write_text((block.prelude or "") + block.code)
        files.append(path)
    result = run(
        [
            python,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(out / "mypy-cache"),
            *[path.name for path in files],
        ],
        cwd=folder,
        timeout=300,
    )
    for block, path in zip(blocks, files):
        errors = [line for line in result.stdout.splitlines() if line.startswith(path.name + ":")]
        if errors:
            checks.fail(block, "mypy --strict", "\n".join(errors))
        elif result.returncode not in (0, 1):
            checks.fail(block, "mypy did not run", result.stdout + result.stderr)
        elif block.prelude is not None:
            checks.ok(block, "mypy --strict (fragment, not run)")
        else:
            is_test = re.search(r"^def test_", block.code, re.MULTILINE) is not None
            command = (
                [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", path.name] if is_test else [python, path.name]
            )
            ran = world.run_block(command, folder)
            if ran.returncode != 0:
                checks.fail(block, f"ran {' '.join(command[1:])}: exit {ran.returncode}", ran.stdout + ran.stderr)
            else:
                checks.ok(block, "mypy --strict, ran" + (" under pytest" if is_test else "") + said(ran))


def check_js(blocks: List[Block], out: Path, node_package: Path, world: World, checks: Checks) -> None:
    folder = out / "node"
    modules = folder / "node_modules"
    modules.mkdir(parents=True, exist_ok=True)
    (modules / "nevis-authcloud").symlink_to(node_package, target_is_directory=True)
    files = []
    for block in blocks:
        path = folder / f"{block.name}.{'mts' if block.language == 'ts' else 'mjs'}"
        path.write_text((block.prelude or "") + block.code)
        files.append(path)
    (folder / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "strict": True,
                    "noEmit": True,
                    "allowJs": True,
                    "checkJs": True,
                    "skipLibCheck": False,
                    "target": "es2022",
                    "module": "nodenext",
                    "moduleResolution": "nodenext",
                    "typeRoots": [str(node_package / "node_modules" / "@types")],
                    "types": ["node"],
                },
                "files": [path.name for path in files],
            },
            indent=2,
        )
    )
    tsc = node_package / "node_modules" / ".bin" / "tsc"
    result = run([str(tsc), "-p", "tsconfig.json", "--pretty", "false"], cwd=folder, timeout=300)
    for block, path in zip(blocks, files):
        errors = [line for line in result.stdout.splitlines() if line.startswith(path.name + "(")]
        if errors:
            checks.fail(block, "tsc --strict (checkJs)", "\n".join(errors))
        elif result.returncode != 0 and not any(
            line.split("(")[0] in {p.name for p in files} for line in result.stdout.splitlines()
        ):
            checks.fail(block, "tsc failed outside the blocks", result.stdout + result.stderr)
        elif block.prelude is not None:
            checks.ok(block, "tsc --strict (fragment, not run)")
        else:
            ran = world.run_block(["node", path.name], folder)
            if ran.returncode != 0:
                checks.fail(block, f"ran node {path.name}: exit {ran.returncode}", ran.stdout + ran.stderr)
            else:
                checks.ok(block, "tsc --strict, ran with node" + said(ran))


def link_lines(readme: str, blocks: List[Block]) -> Tuple[List[str], List[str]]:
    """The README's compile-and-link block: its setup lines and its `cc app.c` lines."""
    for block in blocks:
        if block.readme == readme and block.language == "sh" and re.search(r"^cc app\.c ", block.code, re.MULTILINE):
            commands = [line for line in block.code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
            return (
                [line for line in commands if not line.startswith("cc ")],
                [line for line in commands if line.startswith("cc ")],
            )
    return [], []


def check_c(
    blocks: List[Block], all_blocks: List[Block], out: Path, prefix: Path, cc: str, world: World, checks: Checks
) -> None:
    for block in blocks:
        folder = out / "c" / block.name
        folder.mkdir(parents=True)
        (folder / "app.c").write_text((block.prelude or "") + block.code)
        strict = run(
            [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", "-c", "app.c", "-o", "app.o"],
            cwd=folder,
        )
        if strict.returncode != 0:
            checks.fail(block, "cc -std=c11 -Wall -Wextra -Werror", strict.stdout + strict.stderr)
            continue
        if block.prelude is not None:
            checks.ok(block, "compiled with -Wall -Wextra -Werror (fragment, not run)")
            continue
        setup, links = link_lines(block.readme, all_blocks)
        if not links:
            checks.fail(block, f"{block.readme} has no `cc app.c ...` block to build it with")
            continue
        ran_all = True
        for link in links:
            script = "\n".join(["set -euo pipefail", *setup, link])
            built = run(["bash", "-c", script], cwd=folder, env={**os.environ, "PREFIX": str(prefix)})
            if built.returncode != 0:
                checks.fail(block, f"PREFIX={prefix} {link}", built.stdout + built.stderr)
                ran_all = False
                continue
            environment = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
            world.reset_with_alice()
            stop_phone = world.phone()
            try:
                ran = run([str(folder / "app")], cwd=folder, env=environment)
            finally:
                stop_phone()
            if ran.returncode != 0:
                checks.fail(block, f"./app built by `{link}` exit {ran.returncode}", ran.stdout + ran.stderr)
                ran_all = False
        if ran_all:
            checks.ok(
                block,
                f"-Wall -Wextra -Werror; linked by {len(links)} README lines under a temporary "
                "PREFIX, each program ran",
            )


def check_sh(block: Block, checks: Checks, counts: Dict[str, int]) -> None:
    unknown = []
    for raw in block.code.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        command = re.sub(r"\s+#.*$", "", line)
        for pattern, rule in SHELL_RULES:
            if re.search(pattern, command):
                counts[rule] = counts.get(rule, 0) + 1
                break
        else:
            unknown.append(command)
    if unknown:
        checks.fail(
            block,
            "commands no rule covers (add one to SHELL_RULES: run it here or name the check that proves it)",
            "\n".join(unknown),
        )
    else:
        checks.ok(block, "every command is run here or covered (rules below)")


def check_cmake(block: Block, checks: Checks) -> None:
    example = (ROOT / "examples/c/CMakeLists.txt").read_text()
    used = {re.sub(r"\s+", " ", line.strip()) for line in example.splitlines()}
    missing = []
    for raw in block.code.splitlines():
        line = re.sub(r"\s+#.*$", "", raw).strip()
        line = re.sub(r"\s+", " ", line).replace("target_link_libraries(app ", "target_link_libraries(passwordless ")
        if line and line not in used:
            missing.append(raw)
    if missing:
        checks.fail(block, "lines not in examples/c/CMakeLists.txt (which make test-c builds)", "\n".join(missing))
    else:
        checks.ok(block, "every line is in examples/c/CMakeLists.txt, which make test-c builds")


def check_toml(block: Block, checks: Checks) -> None:
    version = run([str(ROOT / "scripts/sync-version"), "--print"]).stdout.strip()
    match = re.search(r'^nevis-authcloud = "([^"]+)"', block.code, re.MULTILINE)
    wanted = match.group(1) if match else None
    if wanted is None or not (version == wanted or version.startswith(wanted + ".")):
        checks.fail(block, f"nevis-authcloud = {wanted!r} does not accept the workspace version {version}")
    else:
        checks.ok(block, f"nevis-authcloud = {wanted!r} accepts the workspace version {version}")


def check_rust(block: Block, checks: Checks) -> None:
    """Rust blocks are doctests of the crate that includes their README; this proves the include."""
    readme = block.where.split(":")[0]
    crate_root = DOCTESTED.get(readme)
    if crate_root is None:
        checks.fail(block, f"no crate compiles the Rust blocks of {readme} (add it to DOCTESTED and include it)")
        return
    source = (ROOT / crate_root).read_text()
    relative = os.path.relpath(ROOT / readme, (ROOT / crate_root).parent)
    include = re.search(r'#\[cfg\(doctest\)\]\s*#\[doc = include_str!\("' + re.escape(relative) + r'"\)\]', source)
    if include is None:
        checks.fail(block, f"{crate_root} does not include {relative} under #[cfg(doctest)], so cargo test skips it")
    else:
        checks.ok(block, f"a doctest of {crate_root} (`cargo test` in make test-rust compiles it)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="work folder (emptied first)")
    parser.add_argument("--python", required=True, help="the interpreter with the package, mypy and pytest")
    parser.add_argument("--node-package", type=Path, default=ROOT / "bindings-node")
    parser.add_argument("--c-libdir", type=Path, required=True, help="the cargo folder with libnevis_authcloud.so/.a")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = parser.parse_args()

    started = time.monotonic()
    args.out = args.out.resolve()
    args.python = os.path.abspath(shutil.which(args.python) or args.python)
    args.cc = shutil.which(args.cc) or args.cc
    shutil.rmtree(args.out, ignore_errors=True)
    for folder in ("python", "node", "c"):
        (args.out / folder).mkdir(parents=True)
    # A non-system prefix, laid out like `make install-c PREFIX=...` and the tarball.
    prefix = args.out / "prefix" / "opt-nevis_authcloud"
    subprocess.run(
        [str(ROOT / "scripts/dist/c-tree.sh"), str(args.c_libdir), str(prefix)], check=True, stdout=subprocess.DEVNULL
    )

    blocks = [block for readme in READMES for block in blocks_of(readme)]
    by_language: Dict[str, List[Block]] = {}
    for block in blocks:
        by_language.setdefault(block.language, []).append(block)
    world = World()
    checks = Checks()
    shell_rules: Dict[str, int] = {}

    check_python(by_language.get("python", []), args.out, args.python, world, checks)
    check_js(
        by_language.get("js", []) + by_language.get("ts", []), args.out, args.node_package.resolve(), world, checks
    )
    check_c(by_language.get("c", []), blocks, args.out, prefix, args.cc, world, checks)
    for block in by_language.get("sh", []):
        check_sh(block, checks, shell_rules)
    for block in by_language.get("cmake", []):
        check_cmake(block, checks)
    for block in by_language.get("toml", []):
        check_toml(block, checks)
    for block in by_language.get("rust", []):
        check_rust(block, checks)

    for line in checks.lines:
        print(line)
    print("sh commands by rule:")
    for rule, count in sorted(shell_rules.items(), key=lambda item: -item[1]):
        print(f"  {count:2d} x {rule}")
    for failure in checks.failures:
        print(failure, file=sys.stderr)
    print(
        f"readme snippets: {len(blocks)} blocks in {len(READMES)} READMEs, {len(checks.lines)} ok, "
        f"{len(checks.failures)} failed ({time.monotonic() - started:.0f} s)"
    )
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
