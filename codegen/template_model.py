"""The parts of template.yaml the OpenAPI document states, written from it.

- models: the REST API's request models (the component schemas, in JSON Schema draft 4);
- gateway responses: API Gateway's own error answers (x-gateway-responses), each an Error whose code the
  document's enum allows; their CORS header is the REST API's Cors AllowOrigin (the `&allowed_origin` anchor);
- password policy: the Cognito pool's (the security scheme's x-password-policy).

Only the text between each block's BEGIN/END GENERATED comment lines is replaced (no YAML re-dump), so the rest
of the template, its comments and its short-form tags stay exactly as written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from codegen import rules
from codegen.draft4 import convert

MODELS = ("MovieInput",)  # the component schemas API Gateway validates bodies against (RequestModel)
_SOURCE = "from src/api/openapi.json by make generate"
CORS_ANCHOR = "allowed_origin"  # the REST API's Cors AllowOrigin, which every gateway response also answers with


def begin(name: str) -> str:
    return f"# BEGIN GENERATED {name} {_SOURCE}"


def end(name: str) -> str:
    return f"# END GENERATED {name}"


BEGIN, END = begin("models"), end("models")
_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_FLOW_WIDTH = 110


class MarkersMissing(ValueError):
    """template.yaml has no (or more than one) generated block to replace."""


def _key(name: str) -> str:
    return name if _PLAIN.match(name) and name.lower() not in _YAML_WORDS else json.dumps(name)


def _scalar(value: Any) -> str:
    if isinstance(value, str) and _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value)  # JSON scalars are YAML: double-quoted strings, numbers, true/false/null


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _yaml(value: dict[str, Any], indent: int) -> list[str]:
    """Block mappings down to where one line of flow style fits."""
    lines = []
    pad = " " * indent
    for key, item in value.items():
        flow = _flow(item)
        if isinstance(item, dict) and item and len(pad) + len(_key(key)) + len(flow) + 2 > _FLOW_WIDTH:
            lines.append(f"{pad}{_key(key)}:")
            lines += _yaml(item, indent + 2)
        else:
            lines.append(f"{pad}{_key(key)}: {flow}")
    return lines


def models(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each model as API Gateway needs it: JSON Schema draft 4, references inlined."""
    schemas = document["components"]["schemas"]
    return {name: convert(schemas[name], document, f"#/components/schemas/{name}") for name in MODELS}


def block(document: dict[str, Any], indent: int) -> list[str]:
    """The lines between the markers: one entry per model under the REST API's `Models:`."""
    return _yaml(models(document), indent)


def gateway_responses(document: dict[str, Any], indent: int) -> list[str]:
    """The entries under the REST API's `GatewayResponses:`; a code the Error enum lacks stops the generator."""
    pad = " " * indent
    lines = []
    for kind, spec in rules.gateway_responses(document).items():
        lines.append(f"{pad}{kind}:")
        if "status" in spec:
            lines.append(f'{pad}  StatusCode: "{int(spec["status"])}"')
        lines.append(f"{pad}  ResponseParameters: {{Headers: {{Access-Control-Allow-Origin: *{CORS_ANCHOR}}}}}")
        body = rules.gateway_body(spec).replace("'", "''")  # a YAML single-quoted scalar
        lines += [f"{pad}  ResponseTemplates:", f"{pad}    application/json: '{body}'"]
    return lines


def password_policy(document: dict[str, Any], indent: int) -> list[str]:
    """The entries under the user pool's `PasswordPolicy:`."""
    return [f"{' ' * indent}{key}: {_scalar(value)}" for key, value in rules.password_policy(document).items()]


BLOCKS = {"models": block, "gateway responses": gateway_responses, "password policy": password_policy}


def _replace(lines: list[str], name: str, document: dict[str, Any]) -> list[str]:
    begins = [i for i, line in enumerate(lines) if line.strip() == begin(name)]
    ends = [i for i, line in enumerate(lines) if line.strip() == end(name)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise MarkersMissing(f"template.yaml needs exactly one '{begin(name)}' line and one '{end(name)}' line after it")
    start, stop = begins[0], ends[0]
    indent = len(lines[start]) - len(lines[start].lstrip())
    return [*lines[: start + 1], *BLOCKS[name](document, indent), *lines[stop:]]


def render(template_text: str, document: dict[str, Any]) -> str:
    """template.yaml's text with each generated block rewritten from `document`."""
    lines = template_text.split("\n")
    for name in BLOCKS:
        lines = _replace(lines, name, document)
    return "\n".join(lines)
