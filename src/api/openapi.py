"""The OpenAPI document is the one source of request schemas; this module validates input against it."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema import ValidationError as SchemaError
from jsonschema.validators import extend

from domain import contract
from domain.errors import FieldProblem, ValidationError

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
MAX_QUERY_BYTES = contract.MAX_QUERY_BYTES

_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_NUMBER = re.compile(r"^[+-]?(\d{1,15}(\.\d*)?|\.\d+)$")  # no NaN, Infinity or exponents


def _multiple_of(validator: Any, step: Any, instance: Any, _schema: dict[str, Any]) -> Any:
    # Exact decimal arithmetic: 7.3 is a multiple of 0.1 (it is not in binary floating point).
    if not validator.is_type(instance, "number"):
        return
    try:
        remainder = Decimal(str(instance)) % Decimal(str(step))
    except InvalidOperation:  # e.g. 1e100 % 0.1: too many digits to divide, so not a multiple we store
        remainder = None
    if remainder != 0:
        yield SchemaError(f"{instance} is not a multiple of {step}")


# types-jsonschema leaves extend() unannotated (the validator class it builds is dynamic).
Validator = extend(Draft202012Validator, {"multipleOf": _multiple_of})  # type: ignore[no-untyped-call]


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text())
    return doc


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: dict[str, Any] = document()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


@lru_cache(maxsize=64)
def _operation(operation_id: str) -> dict[str, Any]:
    for path_item in document()["paths"].values():
        for op in path_item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise KeyError(operation_id)


def parameters(operation_id: str, location: str) -> list[dict[str, Any]]:
    return [p for p in map(_resolve, _operation(operation_id).get("parameters", [])) if p["in"] == location]


def _fail(where: str, name: str, problem: str) -> ValidationError:
    return ValidationError(f"Invalid {where} parameter '{name}': {problem}.", [{"field": name, "message": problem}])


def _coerce(raw: str, schema: dict[str, Any], where: str, name: str) -> Any:
    if "\x00" in raw:
        raise _fail(where, name, "must not contain NUL characters")
    kind = schema.get("type")
    if kind == "integer":
        if not _INTEGER.match(raw):
            raise _fail(where, name, f"must be an integer, got {raw[:40]!r}")
        return int(raw)
    if kind == "number":
        if not _NUMBER.match(raw):
            raise _fail(where, name, f"must be a number, got {raw[:40]!r}")
        return float(raw)
    return raw


def _problem(error: Any) -> str:
    schema, value = error.schema, error.instance
    match error.validator:
        case "minimum":
            return f"must be at least {schema['minimum']}"
        case "maximum":
            beyond = f"; {schema['x-beyond-maximum']}" if "x-beyond-maximum" in schema else ""
            return f"must be at most {schema['maximum']}{beyond}"
        case "minLength":
            return "must not be empty"
        case "maxLength":
            return f"must be at most {schema['maxLength']} characters"
        case "maxItems":
            return f"may be given at most {schema['maxItems']} times"
        case "pattern" if schema["pattern"] == "\\S":
            return "must not be blank"
        case "multipleOf":
            return _step_problem(schema["multipleOf"])
        case "type":
            kinds: list[str] = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            return "must be " + " or ".join(_TYPE_WORDS.get(k, k) for k in kinds)
        case "enum":
            return f"must be one of {', '.join(map(str, schema['enum']))}, got {str(value)[:40]!r}"
        case "pattern" if schema.get("format") == "uuid":
            return f"must be a UUID, got {str(value)[:40]!r}"
        case _:
            return f"has an invalid value {str(value)[:40]!r}"


_DECIMAL_PLACES = {1: "one decimal place", 2: "two decimal places", 3: "three decimal places"}


def _step_problem(step: Any) -> str:
    """The words for a multipleOf the document sets: a power of ten is a number of decimal places."""
    exponent = Decimal(str(step)).normalize().as_tuple()
    if exponent.digits == (1,) and isinstance(exponent.exponent, int) and exponent.exponent < 0:
        places = -exponent.exponent
        return f"must have at most {_DECIMAL_PLACES.get(places, f'{places} decimal places')}"
    return f"must be a multiple of {step}"


_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "object": "an object",
    "array": "an array",
    "boolean": "true or false",
    "null": "null",
}


_validators: dict[int, Any] = {}


def _validator(schema: dict[str, Any]) -> Any:
    """One compiled validator per schema of the (immutable, cached) document: building one costs more than
    validating a query parameter, on every request."""
    found = _validators.get(id(schema))
    if found is None or found.schema is not schema:
        found = _validators[id(schema)] = Validator(schema)
    return found


def _validated(value: Any, schema: dict[str, Any], where: str, name: str) -> Any:
    error = next(iter(_validator(schema).iter_errors(value)), None)
    if error is not None:
        raise _fail(where, name, _problem(error))
    return value


def parse_query(operation_id: str, multi_values: dict[str, list[str]] | None) -> dict[str, Any]:
    """Coerce and validate the query parameters an operation declares; others are ignored."""
    multi_values = multi_values or {}
    size = sum(len(k) + sum(len(v) + 1 for v in vs) for k, vs in multi_values.items())
    if size > MAX_QUERY_BYTES:
        raise ValidationError(
            f"The query string is too long ({size} bytes; at most {MAX_QUERY_BYTES}).",
            [{"field": "query", "message": f"at most {MAX_QUERY_BYTES} bytes"}],
        )
    out: dict[str, Any] = {}
    for param in parameters(operation_id, "query"):
        name, schema = param["name"], param["schema"]
        values = multi_values.get(name)
        if not values:
            if param.get("required"):
                raise _fail("query", name, "is required")
            if "default" in schema:
                out[name] = schema["default"]
            continue
        if schema.get("type") == "array":
            items = [_coerce(v, schema["items"], "query", name) for v in values]
            out[name] = _validated(items, schema, "query", name)
        else:  # API Gateway's single-value view keeps the last one too
            out[name] = _validated(_coerce(values[-1], schema, "query", name), schema, "query", name)
    return out


def parse_path(operation_id: str, values: dict[str, str] | None) -> dict[str, Any]:
    values = values or {}
    out: dict[str, Any] = {}
    for param in parameters(operation_id, "path"):
        name, schema = param["name"], param["schema"]
        raw = values.get(name, "")
        out[name] = _validated(_coerce(raw, schema, "path", name), schema, "path", name)
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def parse_body(operation_id: str, raw: str | None) -> dict[str, Any]:
    """Parse a JSON body and validate it against the operation's schema, naming every bad field."""
    if not raw or not raw.strip():
        raise ValidationError("The request body is empty; send a JSON object.", [{"field": "body", "message": "required"}])
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ValidationError(
            f"The request body is not valid JSON: {exc}.", [{"field": "body", "message": "invalid JSON"}]
        ) from exc
    content = _operation(operation_id)["requestBody"]["content"]["application/json"]["schema"]
    schema = _resolve(content)
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.", [{"field": "body", "message": "not an object"}])
    details: list[FieldProblem] = []
    for error in sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.path)):
        if error.validator == "required":
            details += [{"field": f, "message": "is required"} for f in schema["required"] if f not in data]
        elif error.validator == "additionalProperties":
            details += [{"field": f, "message": "is not a known field"} for f in data if f not in schema["properties"]]
        else:
            details.append({"field": ".".join(str(p) for p in error.path) or "body", "message": _problem(error)})
    unique = list({(d["field"], d["message"]): d for d in details}.values())
    if unique:
        summary = "; ".join(f"{d['field']} {d['message']}" for d in unique)
        raise ValidationError(f"Invalid movie: {summary}.", unique)
    return data
