"""The REST API's request models in template.yaml, written from the OpenAPI document's component schemas.

Only the text between the BEGIN/END GENERATED comment lines is replaced (no YAML re-dump), so the rest of the
template, its comments and its short-form tags stay exactly as written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from codegen.draft4 import convert

MODELS = ("MovieInput",)  # the component schemas API Gateway validates bodies against (RequestModel)
BEGIN = "# BEGIN GENERATED from src/api/openapi.json by make generate"
END = "# END GENERATED"
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


def render(template_text: str, document: dict[str, Any]) -> str:
    """template.yaml's text with its generated block rewritten from `document`."""
    lines = template_text.split("\n")
    begins = [i for i, line in enumerate(lines) if line.strip().startswith(BEGIN)]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise MarkersMissing(f"template.yaml needs exactly one '{BEGIN}' line and one '{END}' line after it")
    start, stop = begins[0], ends[0]
    indent = len(lines[start]) - len(lines[start].lstrip())
    return "\n".join([*lines[:start + 1], *block(document, indent), *lines[stop:]])
