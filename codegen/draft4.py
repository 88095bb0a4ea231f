"""OpenAPI 3.1 schemas (JSON Schema 2020-12) as JSON Schema draft 4, the dialect of API Gateway models."""

from __future__ import annotations

from typing import Any

# Draft-4 keywords kept as they are (2020-12 means the same by them).
_SAME = (
    "title",
    "description",
    "default",
    "type",
    "enum",
    "multipleOf",
    "maximum",
    "minimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
)
_SUBSCHEMA = ("not", "additionalProperties", "additionalItems")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")
_DRAFT4_FORMATS = {"date-time", "email", "hostname", "ipv4", "ipv6", "uri"}
# Annotations only: dropping them changes nothing a validator accepts.
_ANNOTATIONS = {
    "examples",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "contentMediaType",
    "contentEncoding",
    "externalDocs",
    "xml",
    "discriminator",
}


class Unsupported(ValueError):
    """A 2020-12 construct with no draft-4 equivalent: the model would accept what the API refuses."""


def convert(schema: dict[str, Any], document: dict[str, Any], where: str = "#") -> dict[str, Any]:
    """`schema` in draft 4 with every local $ref inlined; raises Unsupported rather than loosen a rule."""
    if "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise Unsupported(f"{where}: only local references can be inlined, got {ref!r}")
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        if len(schema) > 1:
            raise Unsupported(f"{where}: $ref beside other keywords")
        return convert(target, document, ref)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SAME:
            out[key] = value
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            # 2020-12: a number (the bound itself); draft 4: a boolean beside minimum/maximum.
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if bound in schema:
                raise Unsupported(f"{where}: both {bound} and {key}")
            out[bound] = value
            out[key] = True
        elif key == "format":
            if value in _DRAFT4_FORMATS:
                out[key] = value
        elif key == "items":
            if not isinstance(value, dict):
                raise Unsupported(f"{where}: items must be one schema")
            out[key] = convert(value, document, f"{where}/items")
        elif key == "dependentRequired":
            out.setdefault("dependencies", {}).update(value)
        elif key in _SUBSCHEMA:
            out[key] = value if isinstance(value, bool) else convert(value, document, f"{where}/{key}")
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [convert(item, document, f"{where}/{key}/{i}") for i, item in enumerate(value)]
        elif key in _SUBSCHEMA_MAPS:
            out[key] = {name: convert(sub, document, f"{where}/{key}/{name}") for name, sub in value.items()}
        elif key in _ANNOTATIONS or key.startswith("x-"):
            continue
        else:
            raise Unsupported(f"{where}: '{key}' has no JSON Schema draft 4 equivalent")
    return out
