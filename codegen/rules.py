"""The rules the generators write out, read from the OpenAPI document in one place.

Each accessor names where in the document its rule lives (a schema keyword or an `x-` extension for what JSON
Schema cannot say) and refuses a document that contradicts itself, so a half-made edit fails `make generate`
instead of shipping two answers.
"""

from __future__ import annotations

import json
from typing import Any

GATEWAY_MESSAGE = "$context.error.messageString"  # the gateway's own message, already a quoted JSON string


class Contradiction(ValueError):
    """The document states a rule in two ways that disagree."""


def resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in document["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise KeyError(operation_id)


def parameters(document: dict[str, Any], operation_id: str, location: str) -> dict[str, dict[str, Any]]:
    """An operation's parameters in one location, by name (references resolved)."""
    params = [resolve(p, document) for p in operation(document, operation_id).get("parameters", [])]
    return {p["name"]: p for p in params if p.get("in") == location}


def error_codes(document: dict[str, Any]) -> list[str]:
    codes: list[str] = schema(document, "Error")["properties"]["error"]["properties"]["code"]["enum"]
    return codes


def gateway_responses(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """x-gateway-responses: response type → {status?, code, message?}; every code is one Error.code allows."""
    allowed = error_codes(document)
    found = {kind: spec for kind, spec in document.get("x-gateway-responses", {}).items() if kind != "description"}
    for kind, spec in found.items():
        if spec["code"] not in allowed:
            raise Contradiction(
                f"x-gateway-responses.{kind} answers code {spec['code']!r}, which Error.code's enum "
                f"({', '.join(allowed)}) does not allow"
            )
    return found


def gateway_body(spec: dict[str, Any]) -> str:
    """The Error body of one gateway response, as API Gateway's template (the message may be its variable)."""
    message = spec.get("message")
    quoted = _json(message) if message is not None else GATEWAY_MESSAGE
    return '{"error":{"code":' + _json(spec["code"]) + ',"message":' + quoted + "}}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sort_columns(document: dict[str, Any], operation_id: str) -> list[str]:
    columns: list[str] = parameters(document, operation_id, "query")["sort"]["schema"]["enum"]
    return columns


def sort_orders(document: dict[str, Any]) -> list[str]:
    orders: list[str] = document["components"]["parameters"]["order"]["schema"]["enum"]
    return orders


def default_order(document: dict[str, Any]) -> dict[str, str]:
    """The `order` parameter's x-default-order: the direction of each sort column when no order is given."""
    defaults: dict[str, str] = document["components"]["parameters"]["order"]["x-default-order"]
    orders = sort_orders(document)
    # Every column an operation sorts by has a direction (search's relevance is search's alone).
    used: set[str] = set()
    for operation_id in ("searchMovies", "filterMovies"):
        columns = sort_columns(document, operation_id)
        used |= set(columns)
        if not set(columns) <= set(defaults) or not set(defaults.values()) <= set(orders):
            raise Contradiction(
                f"order's x-default-order {defaults} must give one of {orders} for each of "
                f"{operation_id}'s sort columns {columns}"
            )
    if set(defaults) != used:
        raise Contradiction(f"order's x-default-order {defaults} names columns no operation sorts by")
    return defaults


def dashboard_sizes(document: dict[str, Any]) -> dict[str, int]:
    properties = schema(document, "Dashboard")["properties"]
    return {"topGenres": properties["topGenres"]["maxItems"], "moviesByYear": properties["moviesByYear"]["maxItems"]}


def rating_buckets(document: dict[str, Any]) -> list[int]:
    """The whole ratings ratingHistogram counts (its last entry, rating null, counts the unrated)."""
    histogram = schema(document, "Dashboard")["properties"]["ratingHistogram"]
    rating = histogram["items"]["properties"]["rating"]
    buckets = list(range(int(rating["minimum"]), int(rating["maximum"]) + 1))
    if not histogram["minItems"] == histogram["maxItems"] == len(buckets) + 1:
        raise Contradiction(
            f"ratingHistogram must have {len(buckets) + 1} entries (ratings {buckets[0]} to "
            f"{buckets[-1]}, then unrated), not minItems {histogram['minItems']} / "
            f"maxItems {histogram['maxItems']}"
        )
    return buckets


def movie_input(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    properties: dict[str, dict[str, Any]] = schema(document, "MovieInput")["properties"]
    return properties


def forbidden_characters(document: dict[str, Any]) -> str:
    """MovieInput's x-forbidden-characters: a regular expression character class (Python `re` and ECMAScript
    with the `u` flag read it alike) of what no stored text may contain."""
    pattern: str = schema(document, "MovieInput")["x-forbidden-characters"]
    return pattern


def max_query_bytes(document: dict[str, Any]) -> int:
    limit: int = document["x-max-query-bytes"]
    return limit


def max_body_bytes(document: dict[str, Any]) -> int:
    limit: int = operation(document, "addMovie")["requestBody"]["x-max-bytes"]
    return limit


def idempotency_key_length(document: dict[str, Any]) -> tuple[int, int]:
    key = parameters(document, "addMovie", "header")["Idempotency-Key"]["schema"]
    return int(key["minLength"]), int(key["maxLength"])


def password_policy(document: dict[str, Any]) -> dict[str, Any]:
    """The Cognito pool's password policy (x-password-policy of the security scheme, in Cognito's own words)."""
    policy: dict[str, Any] = document["components"]["securitySchemes"]["cognito"]["x-password-policy"]
    return policy


def password_rules(policy: dict[str, Any]) -> str:
    """The policy as the sign-up form says it: "at least 8 characters, with an upper-case letter, …"."""
    needs = [
        words
        for key, words in (
            ("RequireUppercase", "an upper-case letter"),
            ("RequireLowercase", "a lower-case letter"),
            ("RequireNumbers", "a number"),
            ("RequireSymbols", "a symbol"),
        )
        if policy.get(key)
    ]
    text = f"at least {policy['MinimumLength']} characters"
    if needs:
        text += ", with " + (", ".join(needs[:-1]) + " and " + needs[-1] if len(needs) > 1 else needs[0])
    return text


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_DECIMAL_WORDS = {1: "one decimal", 2: "two decimals", 3: "three decimals"}


def hint(rules: dict[str, Any]) -> str | None:
    """What a form says beside a field with these rules ("Up to 255 characters", "0 to 10, one decimal")."""
    if "maxLength" in rules:
        return f"Up to {rules['maxLength']} characters"
    if "minimum" in rules and "maximum" in rules:
        text = f"{_number(rules['minimum'])} to {_number(rules['maximum'])}"
        step = str(rules.get("multipleOf", 1))
        decimals = len(step.split(".")[1].rstrip("0")) if "." in step else 0
        return f"{text}, {_DECIMAL_WORDS.get(decimals, f'{decimals} decimals')}" if decimals else text
    return None
