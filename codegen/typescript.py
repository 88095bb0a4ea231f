"""frontend/src/lib/generated/schema.ts: the UI's view of the OpenAPI document.

Every component schema becomes a TypeScript type, every inline JSON response `<OperationId>Response`, every
operation's query parameters `<OperationId>Query`, and the MovieInput rules become constants the add form
checks against (so a limit changed in the document changes the form).
"""

from __future__ import annotations

import json
import re
from typing import Any

from codegen import rules

HEADER = """\
// GENERATED from src/api/openapi.json by `make generate` (codegen/typescript.py): do not edit.
// A test fails while this file is stale against the document.
/* eslint-disable */
"""
# Names a component may not take in TypeScript without shadowing a global the UI uses.
_GLOBALS = {
    "Error",
    "Object",
    "Function",
    "Date",
    "Array",
    "String",
    "Number",
    "Boolean",
    "Map",
    "Set",
    "Record",
    "Partial",
    "Response",
    "Request",
    "Event",
}
_RULES = (
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "maxItems",
    "minItems",
)
_FORMS = ("searchMovies", "filterMovies")  # the operations the UI has a form for (hints for their fields)
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def type_name(schema_name: str) -> str:
    return f"{schema_name}Body" if schema_name in _GLOBALS else schema_name


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]", name) if part)


def _prop(name: str) -> str:
    return name if _IDENT.match(name) else json.dumps(name)


def _comment(text: str, pad: str) -> list[str]:
    text = " ".join(text.split()).replace("*/", "* /")
    return [f"{pad}/** {text} */"] if text else []


def ts_type(schema: dict[str, Any], indent: int = 0) -> str:
    """The TypeScript type of one schema (objects inline, references by name)."""
    if "$ref" in schema:
        return type_name(schema["$ref"].rsplit("/", 1)[-1])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    for combiner, joiner in (("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")):
        if combiner in schema:
            return joiner.join(f"({ts_type(s, indent)})" for s in schema[combiner])
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    if not kinds:
        return "unknown"
    return " | ".join(_one(kind, schema, indent) for kind in kinds)


def _one(kind: str, schema: dict[str, Any], indent: int) -> str:
    if kind in ("integer", "number"):
        return "number"
    if kind in ("string", "boolean", "null"):
        return kind
    if kind == "array":
        item = ts_type(schema.get("items", {}), indent)
        return f"Array<{item}>" if " " in item else f"{item}[]"
    if kind == "object":
        if not schema.get("properties"):
            return "Record<string, unknown>"
        return "{\n" + "\n".join(_members(schema, indent + 2)) + "\n" + " " * indent + "}"
    return "unknown"


def _members(schema: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    required = set(schema.get("required", []))
    lines: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        lines += _comment(prop.get("description", ""), pad)
        optional = "" if name in required else "?"
        lines.append(f"{pad}{_prop(name)}{optional}: {ts_type(prop, indent)};")
    return lines


def _declaration(name: str, schema: dict[str, Any]) -> list[str]:
    lines = _comment(schema.get("description", ""), "")
    kinds = schema.get("type")
    if kinds == "object" and schema.get("properties"):
        return [*lines, f"export interface {name} {{", *_members(schema, 2), "}"]
    return [*lines, f"export type {name} = {ts_type(schema)};"]


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for item in document.get("paths", {}).values():
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch") and isinstance(op, dict) and "operationId" in op:
                found.append((op["operationId"], op))
    return found


def _resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _query_type(op: dict[str, Any], document: dict[str, Any]) -> dict[str, Any] | None:
    params = [_resolve(p, document) for p in op.get("parameters", [])]
    params = [p for p in params if p.get("in") == "query"]
    if not params:
        return None
    return {
        "type": "object",
        "required": [p["name"] for p in params if p.get("required")],
        "properties": {p["name"]: {**p.get("schema", {}), "description": p.get("description", "")} for p in params},
    }


def _limits(schema: dict[str, Any]) -> list[str]:
    lines = []
    for name, prop in schema.get("properties", {}).items():
        rules = ", ".join(f"{rule}: {json.dumps(prop[rule])}" for rule in _RULES if rule in prop)
        lines.append(f"  {_prop(name)}: {{ {rules} }},")
    return lines


def _query_rules(document: dict[str, Any]) -> list[str]:
    lines = []
    for operation_id, _op in _operations(document):
        params = rules.parameters(document, operation_id, "query")
        if not params:
            continue
        lines.append(f"  {operation_id}: {{")
        for name, param in params.items():
            schema = param.get("schema", {})
            found = ", ".join(f"{rule}: {json.dumps(schema[rule])}" for rule in (*_RULES, "enum", "default") if rule in schema)
            lines.append(f"    {_prop(name)}: {{ {found} }},")
        lines.append("  },")
    return lines


def _hints(document: dict[str, Any]) -> list[str]:
    groups = {"movieInput": rules.movie_input(document)}
    for operation_id in _FORMS:
        groups[operation_id] = {
            name: p.get("schema", {}) for name, p in rules.parameters(document, operation_id, "query").items()
        }
    lines = []
    for group, fields in groups.items():
        found = [(name, rules.hint(schema)) for name, schema in fields.items()]
        if any(text for _, text in found):
            lines.append(f"  {group}: {{")
            lines += [f"    {_prop(name)}: {json.dumps(text)}," for name, text in found if text]
            lines.append("  },")
    return lines


def _rules(document: dict[str, Any]) -> list[str]:
    policy = rules.password_policy(document)
    return [
        "// Each operation's query parameters: their rules, enum and default, as the API checks them.",
        "export const QUERY_RULES = {",
        *_query_rules(document),
        "} as const;",
        "",
        "// The direction of each sort column when no order is given (the order parameter's x-default-order).",
        f"export const DEFAULT_ORDER = {json.dumps(rules.default_order(document))} as const;",
        "",
        "// What a form says beside a field, from the field's rules (its length, range and step).",
        "export const HINTS = {",
        *_hints(document),
        "} as const;",
        "",
        "// MovieInput's x-forbidden-characters: no stored text may contain these (C0 and C1 controls, invisible",
        "// and bidirectional formatting characters, lone surrogates); the `u` flag makes a surrogate pair one",
        "// character, so only lone halves match.",
        f'export const FORBIDDEN_CHARACTERS = new RegExp({json.dumps(rules.forbidden_characters(document))}, "u");',
        "",
        "// The Cognito pool's password policy (the security scheme's x-password-policy), and how a form says it.",
        f"export const PASSWORD_POLICY = {json.dumps(policy)} as const;",
        f"export const PASSWORD_RULES = {json.dumps(rules.password_rules(policy))};",
        "",
    ]


def render(document: dict[str, Any]) -> str:
    out = [HEADER, f"export const API_VERSION = {json.dumps(document.get('info', {}).get('version', ''))};", ""]
    movie_input = document["components"]["schemas"]["MovieInput"]
    out += [
        "// The add form's rules: MovieInput's constraints per field, as the API and the gateway enforce them.",
        "export const MOVIE_INPUT = {",
        *_limits(movie_input),
        "} as const;",
        "",
        f"export const MOVIE_INPUT_REQUIRED = {json.dumps(movie_input.get('required', []))} as const;",
        "",
        *_rules(document),
    ]
    for name, schema in document["components"]["schemas"].items():
        out += [*_declaration(type_name(name), schema), ""]
    for operation_id, op in _operations(document):
        query = _query_type(op, document)
        if query:
            out += [*_declaration(f"{_pascal(operation_id)}Query", query), ""]
        for status, response in op.get("responses", {}).items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if status.startswith("2") and schema.get("properties") and "$ref" not in schema:
                out += [*_declaration(f"{_pascal(operation_id)}Response", schema), ""]
    return "\n".join(out).rstrip("\n") + "\n"
