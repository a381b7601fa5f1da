#!/usr/bin/env python3
"""Keeps every binding's hand-mirrored surface in step with docs/api/surface.json.

docs/api/surface.json is the core's public surface (operations, models, enums, secret fields, error
kinds, client options), generated and proven complete by core/tests/surface/. This script:

  generate   rewrites the parts of binding files that are pure copies of it (the regions between
             `surface.py: begin …` and `… end` markers; the Python asyncio client's operations are
             derived from the blocking client's);
  check      fails when a generated part is stale, and when a hand-written file (Python dataclasses,
             TypeScript declarations, the C header) is missing a field, enum value, error kind,
             operation or option of the surface, or has one the surface does not, naming each.

Only the standard library: it runs before anything is built. `make generate` / `make test-surface`.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
SURFACE = json.loads((ROOT / "docs/api/surface.json").read_text(encoding="utf-8"))
PY_PACKAGE = ROOT / "bindings-python/python/nevis_authcloud"
NODE = ROOT / "bindings-node"
HEADER = ROOT / "include/nevis_authcloud.h"


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(camel_case: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), camel_case)


MODELS = {model["name"]: model for model in SURFACE["models"]}
ENUMS = {enum["name"]: enum["values"] for enum in SURFACE["enums"]}
KINDS = [kind["kind"] for kind in SURFACE["error_kinds"]]
OPERATIONS = [op["name"] for op in SURFACE["operations"]]


# ---- generated regions --------------------------------------------------------------------------


def replace_region(text: str, name: str, body: str, path: Path) -> str:
    """Replaces the lines between `surface.py: begin <name>` and `surface.py: end <name>`."""
    pattern = re.compile(
        rf"(^[^\n]*surface\.py: begin {re.escape(name)}[^\n]*\n)(.*?)(^[^\n]*surface\.py: end {re.escape(name)}[^\n]*$)",
        re.S | re.M,
    )
    if not pattern.search(text):
        raise SystemExit(f"{path.relative_to(ROOT)}: no `surface.py: begin {name}` … `end {name}` markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(3), text, count=1)


def node_secret_fields() -> str:
    names = ", ".join(f"'{name}'" for name in SURFACE["secret_fields"])
    return f"const SECRET_FIELDS = new Set([{names}])\n"


def ts_error_kinds() -> str:
    return "export type ErrorCode =\n" + "".join(f"  | '{kind}'\n" for kind in KINDS)


# ---- error classes ------------------------------------------------------------------------------
#
# Each language names the class of each kind in its binding's exhaustive `match` (`class_name` in
# bindings-python/src/errors.rs and bindings-node/src/errors.rs), which the compiler proves
# complete; the generated regions take the names from there, so a kind's class is named once per
# language. A plain class extends ApiError (a kind from an HTTP error answer) or NevisError and is
# documented with the core's doc of its kind. The classes below are written by hand instead,
# outside the generated regions, because they have more than that.

PYTHON_HAND_WRITTEN = {
    "RateLimitError": "its doc points at retry_after",
    "TlsError": "a kind of APIConnectionError",
    "APITimeoutError": "also a built-in TimeoutError",
    "InvalidRequestError": "also a ValueError; its doc describes field",
    "ConfigurationError": "also a ValueError",
    "ClientClosedError": "also a RuntimeError",
    "InternalError": "also a RuntimeError",
}
# The package's error exports besides one class per kind.
PYTHON_ERROR_EXTRAS = ["NevisError", "ApiError", "InvalidRequestTypeError", "ConfigurationTypeError"]

NODE_HAND_WRITTEN = {
    "RateLimitError": "its doc gives retryAfter's unit",
    "TlsError": "a kind of ConnectionError",
    "TimeoutError": "has lastStatus",
    "InvalidRequestError": "has field",
    "ConfigurationError": "has field",
    "AbortError": "has lastStatus",
}


def class_names(binding: str) -> Dict[str, str]:
    """kind -> class name, read from the binding's `class_name` match (variant names are the
    kinds in CamelCase)."""
    path = ROOT / binding / "src/errors.rs"
    source = path.read_text(encoding="utf-8")
    body = re.search(r"pub fn class_name\(kind: ErrorKind\) -> &'static str \{\n(.*?)^\}", source, re.S | re.M)
    pairs = re.findall(r'^\s*ErrorKind::(\w+) => "(\w+)",$', body.group(1) if body else "", re.M)
    names = {snake(variant).lower(): name for variant, name in pairs}
    if sorted(names) != sorted(KINDS):
        raise SystemExit(
            f"{path.relative_to(ROOT)}: class_name() maps {sorted(names)}, the surface has {sorted(KINDS)}"
        )
    return {kind: names[kind] for kind in KINDS}


PYTHON_CLASSES = class_names("bindings-python")
NODE_CLASSES = class_names("bindings-node")
KIND_DOCS = {kind["kind"]: kind["doc"] for kind in SURFACE["error_kinds"]}
API_KINDS = {kind["kind"] for kind in SURFACE["error_kinds"] if kind["api_error"]}


def wrap(text: str, width: int) -> List[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def python_error_classes() -> str:
    out = []
    for kind, name in PYTHON_CLASSES.items():
        if name in PYTHON_HAND_WRITTEN:
            continue
        base = "ApiError" if kind in API_KINDS else "NevisError"
        doc = re.sub(r"`([^`]+)`", r"``\1``", KIND_DOCS[kind])
        lines = wrap(doc, 120 - len('    """') - len('"""'))
        text = '    """' + "\n    ".join(lines) + '"""'
        out.append(f"class {name}({base}):\n{text}\n\n\n")
    return "".join(out)


def python_export_names() -> List[str]:
    # The order ruff's import sorting gives, so `make fmt` leaves the import as generated.
    return sorted(PYTHON_ERROR_EXTRAS + list(PYTHON_CLASSES.values()), key=lambda name: (name.lower(), name))


def python_errors_all() -> str:
    return "".join(f'    "{name}",\n' for name in PYTHON_CLASSES.values())


def python_package_import() -> str:
    # The blank line after it is ruff's: the import block ends before the marker comment.
    return "from .errors import (\n" + "".join(f"    {name},\n" for name in python_export_names()) + ")\n\n"


def python_package_all() -> str:
    return "".join(f'    "{name}",\n' for name in python_export_names())


def jsdoc(text: str) -> str:
    """A JSDoc comment, on one line when it fits in 100 columns like the hand-written ones."""
    if len(f"/** {text} */") <= 100:
        return f"/** {text} */\n"
    return "/**\n" + "".join(f" * {line}\n" for line in wrap(text, 97)) + " */\n"


def node_plain_classes(declare: bool) -> str:
    out = []
    for kind, name in NODE_CLASSES.items():
        if name in NODE_HAND_WRITTEN:
            continue
        base = "ApiError" if kind in API_KINDS else "NevisError"
        out.append(jsdoc(KIND_DOCS[kind]) + f"{'export ' if declare else ''}class {name} extends {base} {{}}\n")
    return "".join(out)


def node_class_by_kind() -> str:
    return "".join(f"  {kind}: {name},\n" for kind, name in NODE_CLASSES.items())


def node_exports() -> str:
    return "".join(f"  {name},\n" for name in NODE_CLASSES.values())


def async_client(blocking: str) -> str:
    """The asyncio client's operations, derived from the blocking client's (one definition each).

    An operation reaches the core only through ``self._run(…)``, which each client defines (blocking
    in ``Client``, a coroutine in ``AsyncClient``), so the asyncio method is the same text with
    ``async def`` and ``await self._run(…)``.
    """
    match = re.search(
        r"^    # surface\.py: begin operations[^\n]*\n(.*?)^    # surface\.py: end operations", blocking, re.S | re.M
    )
    if match is None:
        raise SystemExit("_client.py: no `# surface.py: begin operations` … `end operations` markers")
    body = match.group(1)
    body = re.sub(r"^(    (?:@overload\n    )?)def ", r"\1async def ", body, flags=re.M)
    body = re.sub(r"(?<!await )\bself\._run\(", "await self._run(", body)
    return body


GENERATED: List[Tuple[Path, str, Callable[[], str]]] = [
    (NODE / "redact.js", "secret-fields", node_secret_fields),
    (NODE / "errors.d.ts", "error-kinds", ts_error_kinds),
    (NODE / "errors.d.ts", "error-classes", lambda: node_plain_classes(declare=True)),
    (NODE / "errors.js", "error-classes", lambda: node_plain_classes(declare=False)),
    (NODE / "errors.js", "class-by-kind", node_class_by_kind),
    (NODE / "errors.js", "error-exports", node_exports),
    (NODE / "index.mjs", "error-exports", node_exports),
    (PY_PACKAGE / "errors.py", "error-classes", python_error_classes),
    (PY_PACKAGE / "errors.py", "error-exports", python_errors_all),
    (PY_PACKAGE / "__init__.py", "error-imports", python_package_import),
    (PY_PACKAGE / "__init__.py", "error-exports", python_package_all),
    (
        PY_PACKAGE / "_async_client.py",
        "operations",
        lambda: async_client((PY_PACKAGE / "_client.py").read_text(encoding="utf-8")),
    ),
]


def generated_files() -> Dict[Path, str]:
    files: Dict[Path, str] = {}
    for path, region, make in GENERATED:
        text = files.get(path) or path.read_text(encoding="utf-8")
        files[path] = replace_region(text, region, make(), path)
    return files


# ---- checks of hand-written files ---------------------------------------------------------------


def fields_of(model: str, *, in_body_only: bool) -> Set[str]:
    return {f["wire"] for f in MODELS[model]["fields"] if f.get("in_body", True) or not in_body_only}


def compare(what: str, have: Iterable[str], want: Iterable[str], problems: List[str]) -> None:
    have, want = set(have), set(want)
    for name in sorted(want - have):
        problems.append(f"{what}: missing {name!r}")
    for name in sorted(have - want):
        problems.append(f"{what}: has {name!r}, which the surface does not")


# Python result classes and the response models they mirror (results are named after what the
# caller gets, not after the wire type).
PYTHON_MODELS = {
    "QrCode": "QrCode",
    "UafInfo": "UafInfo",
    "Authenticator": "Authenticator",
    "Phone": "Phone",
    "RecoveryCodes": "RecoveryCodes",
    "User": "User",
    "Enrollment": "Enrollment",
    "EnrollResult": "EnrollResponse",
    "ApprovalResult": "ApprovalResponse",
    "StatusResult": "StatusResponse",
    "IntentResult": "IntentResponse",
    "IntrospectResult": "IntrospectResponse",
    "AzureUser": "AzureUser",
    "Fido2Result": "Fido2Result",
}


def python_wire_fields(tree: ast.Module) -> Dict[str, Set[str]]:
    """Each dataclass's wire names (its own and inherited), as models.py declares them."""
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    result: Dict[str, Set[str]] = {}

    def wire_names(name: str) -> Set[str]:
        node = classes[name]
        names: Set[str] = set()
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes and base.id != "_WireModel":
                names |= wire_names(base.id)
        for item in node.body:
            if not isinstance(item, ast.AnnAssign) or not isinstance(item.target, ast.Name):
                continue
            attribute = item.target.id
            if attribute.startswith("_"):
                continue
            wire = camel(attribute)
            for call in ast.walk(item.value) if item.value is not None else []:
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "_wire":
                    first = call.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        wire = first.value
            names.add(wire)
        return names

    for name in PYTHON_MODELS:
        result[name] = wire_names(name)
    return result


def check_python(problems: List[str]) -> None:
    tree = ast.parse((PY_PACKAGE / "models.py").read_text(encoding="utf-8"))
    declared = python_wire_fields(tree)
    for python, model in PYTHON_MODELS.items():
        compare(
            f"bindings-python models.py {python} (mirrors {model})",
            declared[python],
            fields_of(model, in_body_only=True),
            problems,
        )
    # The operations are the methods between the markers (the part the asyncio client copies);
    # what the client has besides (close, context managers, per-call settings) lies outside.
    source = (PY_PACKAGE / "_client.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    begin = next((n for n, line in enumerate(lines, 1) if "surface.py: begin operations" in line), 0)
    end = next((n for n, line in enumerate(lines, 1) if "surface.py: end operations" in line), 0)
    definitions = {
        node.name: node
        for cls in ast.parse(source).body
        if isinstance(cls, ast.ClassDef) and cls.name == "Client"
        for node in cls.body
        if isinstance(node, ast.FunctionDef) and begin < node.lineno < end
    }
    compare("bindings-python Client operations", definitions, OPERATIONS, problems)
    # The argument builders in _requests.py take exactly what the methods take.
    builders = {
        node.name: node
        for node in ast.parse((PY_PACKAGE / "_requests.py").read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
    }
    for name, method in definitions.items():
        builder = builders.get(name)
        if builder is None:
            problems.append(f"bindings-python _requests.py: no {name}() for Client.{name}")
            continue
        taken = {arg.arg for arg in method.args.args + method.args.kwonlyargs} - {"self"}
        given = {arg.arg for arg in builder.args.args + builder.args.kwonlyargs}
        compare(f"bindings-python _requests.{name} (against Client.{name})", given, taken, problems)
    # A request model's fields are the method's keywords (snake_case); `extra` carries unmodelled
    # members, and a FIDO2 `credential` mapping carries the browser's `type`, `id` and `response`.
    for op in SURFACE["operations"]:
        definition = definitions.get(op["name"])
        if definition is None or op["request"] is None:
            continue
        keywords = {arg.arg for arg in definition.args.args + definition.args.kwonlyargs} - {"self", "extra"}
        wanted = {snake(wire) for wire in fields_of(op["request"], in_body_only=False)}
        if "credential" in keywords:
            keywords.discard("credential")
            wanted -= {"type", "id", "response"}
        compare(f"bindings-python Client.{op['name']} keywords (fields of {op['request']})", keywords, wanted, problems)
    native = (ROOT / "bindings-python/src/operations.rs").read_text(encoding="utf-8")
    names = re.search(r"const NAMES: &\[&str\] = &\[(.*?)\];", native, re.S)
    listed = re.findall(r'"(\w+)"', names.group(1)) if names else []
    compare("bindings-python src/operations.rs NAMES", listed, OPERATIONS, problems)


def ts_interfaces(text: str) -> Dict[str, Tuple[List[str], Dict[str, str]]]:
    """interface name -> (what it extends, its members with their type text)."""
    found: Dict[str, Tuple[List[str], Dict[str, str]]] = {}
    for match in re.finditer(r"^export interface (\w+)(?: extends ([\w, ]+))? \{\n(.*?)^\}", text, re.S | re.M):
        members = dict(re.findall(r"^  (\w+)\??: (.*)$", match.group(3), re.M))
        bases = [base.strip() for base in (match.group(2) or "").split(",") if base.strip()]
        found[match.group(1)] = (bases, members)
    return found


def inline_members(type_text: str) -> Set[str]:
    """The member names of an inline object type (`{ a: string; b?: number }`, `Array<{ … }>`)."""
    inner = re.search(r"\{(.*)\}", type_text)
    if inner is None:
        return set()
    return set(re.findall(r"(?:^|;)\s*(\w+)\??:", inner.group(1)))


def referenced_model(ty: object) -> object:
    while isinstance(ty, dict) and "array" in ty:
        ty = ty["array"]
    return ty.get("ref") if isinstance(ty, dict) and ty.get("ref") in MODELS else None


# Interfaces of types.d.ts that are the SDK's own (not wire models) or a narrowing of one.
TS_NOT_MODELS = {"Extensible", "WaitOptions", "LogExport", "OperationEnrollResponse"}


def check_typescript(problems: List[str]) -> None:
    text = (NODE / "types.d.ts").read_text(encoding="utf-8")
    interfaces = ts_interfaces(text)

    def members(name: str) -> Dict[str, str]:
        bases, own = interfaces[name]
        result: Dict[str, str] = {}
        for base in bases:
            if base in interfaces and base != "Extensible":
                result.update(members(base))
        result.update(own)
        return result

    # A model is declared as an interface, or written inline where another model uses it.
    covered = set(interfaces) - TS_NOT_MODELS
    for name in sorted(set(interfaces) & set(MODELS)):
        declared = members(name)
        compare(f"bindings-node types.d.ts {name}", declared, fields_of(name, in_body_only=False), problems)
        for field in MODELS[name]["fields"]:
            nested = referenced_model(field["type"])
            if nested is None or field["wire"] not in declared or nested in interfaces:
                continue
            inline = inline_members(declared[field["wire"]])
            compare(
                f"bindings-node types.d.ts {name}.{field['wire']} (inline {nested})",
                inline,
                fields_of(str(nested), in_body_only=False),
                problems,
            )
            covered.add(str(nested))
    compare("bindings-node types.d.ts models (interfaces or inline)", covered, MODELS, problems)
    for name, values in ENUMS.items():
        match = re.search(rf"^export type {name} = Open<(.*)>$", text, re.M)
        if match is None:
            problems.append(f"bindings-node types.d.ts: missing enum type {name}")
            continue
        compare(f"bindings-node types.d.ts enum {name}", re.findall(r"'([^']*)'", match.group(1)), values, problems)
    declared_client = (NODE / "index.d.ts").read_text(encoding="utf-8")
    client_class = re.search(r"^export (?:declare )?class Client\b.*?^\}", declared_client, re.S | re.M)
    # What a client has besides the operations: construction, lifetime, per-call settings, printing.
    methods = set(re.findall(r"^  (\w+)\(", client_class.group(0) if client_class else "", re.M)) - {
        "constructor",
        "close",
        "toJSON",
        "withOptions",
    }
    compare("bindings-node index.d.ts Client operations", methods, [camel(op) for op in OPERATIONS], problems)


def check_node_errors(problems: List[str]) -> None:
    errors_js = (NODE / "errors.js").read_text(encoding="utf-8")
    table = re.search(r"const CLASS_BY_KIND = (?:Object\.freeze\()?\{\n(.*?)\n\}", errors_js, re.S)
    if table is None:
        problems.append("bindings-node errors.js: no CLASS_BY_KIND table")
        return
    pairs = dict(re.findall(r"^  (\w+): (\w+),?$", table.group(1), re.M))
    compare("bindings-node errors.js CLASS_BY_KIND", pairs, KINDS, problems)
    exported = set(re.findall(r"^  (\w+),$", (NODE / "index.mjs").read_text(encoding="utf-8"), re.M))
    declared = set(re.findall(r"^export class (\w+)", (NODE / "errors.d.ts").read_text(encoding="utf-8"), re.M))
    for kind, cls in sorted(pairs.items()):
        if cls not in exported:
            problems.append(f"bindings-node index.mjs: does not export {cls} (kind {kind!r})")
        if cls not in declared:
            problems.append(f"bindings-node errors.d.ts: does not declare {cls} (kind {kind!r})")


def check_error_classes(problems: List[str]) -> None:
    """Each kind's class exists in Python and Node (generated, or written by hand when listed as
    such), and every class listed as hand-written is one a kind names."""
    for language, names, hand_written in (
        ("Python", PYTHON_CLASSES, PYTHON_HAND_WRITTEN),
        ("Node", NODE_CLASSES, NODE_HAND_WRITTEN),
    ):
        for name in sorted(set(hand_written) - set(names.values())):
            problems.append(f"scripts/surface.py {language.upper()}_HAND_WRITTEN: {name} is no kind's class")
    defined = {
        node.name
        for node in ast.parse((PY_PACKAGE / "errors.py").read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef)
    }
    for kind, name in PYTHON_CLASSES.items():
        if name not in defined:
            why = "listed in PYTHON_HAND_WRITTEN" if name in PYTHON_HAND_WRITTEN else "run `make generate`"
            problems.append(f"bindings-python errors.py: no class {name} for kind {kind!r} ({why})")
    errors_js = (NODE / "errors.js").read_text(encoding="utf-8")
    for kind, name in NODE_CLASSES.items():
        if not re.search(rf"^class {name} extends ", errors_js, re.M):
            why = "listed in NODE_HAND_WRITTEN" if name in NODE_HAND_WRITTEN else "run `make generate`"
            problems.append(f"bindings-node errors.js: no class {name} for kind {kind!r} ({why})")


# C functions that are not `nevis_client_<operation>`.
C_FUNCTIONS = {"wait_for_status": "nevis_wait_for_status"}
# Client options and the nevis_client_options members that carry them; `None`: not offered in C,
# with the reason.
C_OPTIONS: Dict[str, object] = {
    "connect_timeout": "connect_timeout_ms",
    "request_timeout": "request_timeout_ms",
    "deadline": "deadline_ms",
    "retry_backoff": ("retry_initial_backoff_ms", "retry_max_backoff_ms"),
    "max_retry_after": "max_retry_after_ms",
    "add_ca_certificates_pem": "ca_pem",
    "max_response_bytes": None,  # a C caller reads the JSON text; the core's default cap applies
    "sdk_user_agent": None,  # set by the binding itself
}


def check_c(problems: List[str]) -> None:
    header = HEADER.read_text(encoding="utf-8")
    constants = set(re.findall(r"^  NEVIS_ERROR_(\w+) = \d+,", header, re.M)) - {"NONE", "INVALID_ARGUMENT"}
    compare("include/nevis_authcloud.h enum nevis_error_kind", constants, [kind.upper() for kind in KINDS], problems)
    functions = set(re.findall(r"\b(nevis_\w+)\(", header))
    for op in OPERATIONS:
        name = C_FUNCTIONS.get(op, f"nevis_client_{op}")
        if name not in functions:
            problems.append(f"include/nevis_authcloud.h: no {name}() for operation {op!r}")
    options = re.search(r"typedef struct nevis_client_options \{\n(.*?)^\}", header, re.S | re.M)
    members = set(re.findall(r"^  [\w ]+?\*?(\w+);$", options.group(1), re.M)) if options else set()
    expected: Set[str] = {"struct_size"}
    for option in SURFACE["client_options"]:
        carried = C_OPTIONS.get(option["name"], option["name"])
        if carried is None:
            continue
        expected |= set(carried) if isinstance(carried, tuple) else {str(carried)}
    compare("include/nevis_authcloud.h struct nevis_client_options", members, expected, problems)
    # Each member's doc states the core's default in C's units (milliseconds for `_ms`).
    docs = {
        member: " ".join(doc.replace("*", " ").split())
        for doc, member in re.findall(r"/\*\*(.*?)\*/\s*[\w ]+?\*?(\w+);", options.group(1) if options else "", re.S)
    }
    for option in SURFACE["client_options"]:
        carried = C_OPTIONS.get(option["name"], option["name"])
        default = option["default"]
        if carried is None or default is None or default == []:
            continue
        pairs = zip(carried, default) if isinstance(carried, tuple) else [(str(carried), default)]
        for member, value in pairs:
            if isinstance(value, bool):
                stated = "false" if not value else "true"
            else:
                stated = f"{round(value * 1000) if member.endswith('_ms') else value:,}".replace(",", " ")
            text = docs.get(member, "").lower()
            if f"default {stated}" not in text:
                problems.append(
                    f"include/nevis_authcloud.h nevis_client_options.{member}: its doc does not say `default {stated}` (the core's default for {option['name']})"
                )


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    files = generated_files()
    if command == "generate":
        for path, text in files.items():
            if path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if command != "check":
        print(__doc__, file=sys.stderr)
        return 2
    problems: List[str] = []
    for path, text in files.items():
        if path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.relative_to(ROOT)}: generated part is stale (run `make generate`)")
    check_python(problems)
    check_typescript(problems)
    check_node_errors(problems)
    check_error_classes(problems)
    check_c(problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} difference(s) from docs/api/surface.json", file=sys.stderr)
        return 1
    print("every binding matches docs/api/surface.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
