"""Body validation as API Gateway's request validator does it: JSON Schema draft 4 against the method's model,
with the validator's own messages (what `$context.error.validationErrorString` holds).

API Gateway validates with a Java draft-4 validator that reads numbers as decimals, so `multipleOf: 0.1`
accepts 7.7 here too, and its messages look like `object has missing required properties (["title"])`.
A request whose Content-Type has no model is passed through unvalidated (API Gateway does the same), and a
request without a Content-Type is taken as application/json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from jsonschema import Draft4Validator, validators
from jsonschema.exceptions import ValidationError

MODEL_CONTENT_TYPE = "application/json"  # SAM's RequestModel is the method's application/json model


def _multiple_of(_validator: Any, divisor: Any, instance: Any, _schema: dict) -> Iterator[ValidationError]:
    if isinstance(instance, bool) or not isinstance(instance, (int, Decimal)):
        return
    try:
        remainder = Decimal(str(instance)) % Decimal(str(divisor))
    except InvalidOperation:
        remainder = Decimal(1)
    if remainder != 0:
        yield ValidationError("multipleOf", validator="multipleOf", validator_value=divisor, instance=instance)


_Validator = validators.extend(Draft4Validator, {"multipleOf": _multiple_of})  # type: ignore[no-untyped-call]  # jsonschema leaves extend() unannotated


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal):
        return "integer" if value == value.to_integral_value() and "." not in str(value) and "E" not in str(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def _quoted(text: str) -> str:
    return f'"{text}"'


def _number(value: Any) -> str:
    return str(value)


def _message(error: ValidationError) -> str:
    """The Java validator's wording for one failed keyword."""
    # jsonschema types these as "value or Unset"; a raised ValidationError always has them set.
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    schema: Any = error.schema
    expected = cast(Any, expected)
    instance = cast(Any, instance)
    if keyword == "required":
        missing = sorted(name for name in expected if name not in instance)
        return f"object has missing required properties ({_json(missing)})"
    if keyword == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in allowed)
        return f"object instance has properties which are not allowed by the schema: {_json(extra)}"
    if keyword == "type":
        types = sorted([expected] if isinstance(expected, str) else expected)
        return f"instance type ({_type_name(instance)}) does not match any allowed primitive type (allowed: {_json(types)})"
    if keyword == "minLength":
        return f"string {_quoted(instance)} is too short (length: {len(instance)}, required minimum: {expected})"
    if keyword == "maxLength":
        return f"string {_quoted(instance)} is too long (length: {len(instance)}, maximum allowed: {expected})"
    if keyword == "pattern":
        return f"ECMA 262 regex {_quoted(expected)} does not match input string {_quoted(instance)}"
    if keyword == "minimum":
        return f"numeric instance is lower than the required minimum (minimum: {_number(expected)}, found: {_number(instance)})"
    if keyword == "maximum":
        return f"numeric instance is greater than the required maximum (maximum: {_number(expected)}, found: {_number(instance)})"
    if keyword == "multipleOf":
        return (
            f"numeric instance is not a multiple of the required divisor (divisor: {_number(expected)}, "
            f"found: {_number(instance)})"
        )
    if keyword == "enum":
        return f"instance value ({_json(instance)}) not found in enum (possible values: {_json(expected)})"
    return error.message


def _order(error: ValidationError) -> tuple:
    # The object's own keywords first, then each property in turn, as the Java validator walks them.
    return (len(error.absolute_path), [str(p) for p in error.absolute_path], str(error.validator))


class BodyValidator:
    """One method's request model: validate(content_type, body) → None when it passes, else the error string."""

    def __init__(self, schema: dict, required: bool):
        self._validator = _Validator(schema)
        self._required = required

    def validate(self, content_type: str | None, body: bytes) -> str | None:
        media = (content_type or MODEL_CONTENT_TYPE).split(";", 1)[0].strip().lower()
        if media != MODEL_CONTENT_TYPE:
            return None  # no model for this content type: API Gateway passes it through
        if not body.strip():
            instance: Any = {}  # an empty body is validated as an empty object
        else:
            try:
                instance = json.loads(body, parse_float=Decimal, parse_int=int, parse_constant=_no_constant)
            except (ValueError, UnicodeDecodeError) as exc:
                return f"[Invalid JSON: {exc}]"
            except RecursionError:  # [[[[…]]]] thousands deep: not a body the model can describe
                return "[Invalid JSON: nested too deeply]"
        errors = sorted(self._validator.iter_errors(instance), key=_order)
        if not errors:
            return None
        messages = list(dict.fromkeys(_message(e) for e in errors))  # one line for all missing properties
        return "[" + ", ".join(messages) + "]"


def _no_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")
