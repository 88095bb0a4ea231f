"""Files that restate src/api/openapi.json are generated from it (`make generate`) and must be current.

The staleness check (`make generate-check`, `python -m codegen --check`) is run here on the real tree and on a
temporary copy of the document with a changed limit; nothing in the tree is written.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator, Draft202012Validator

from codegen import __main__ as codegen
from codegen import python, rules, template_model, typescript
from codegen.draft4 import Unsupported, convert
from infra.template import CfnLoader
from local import aws as local_aws

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "src" / "api" / "openapi.json"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC.read_text())
    return document


def _fingerprints() -> dict[Path, str]:
    return {p: hashlib.sha256((ROOT / p).read_bytes()).hexdigest() for p in codegen.outputs(SPEC)}


def test_generated_files_are_current() -> None:
    stale = codegen.stale(SPEC)
    assert not stale, codegen.stale_message(stale, SPEC)


def test_a_changed_limit_makes_the_check_fail_with_the_command_to_run(tmp_path: Path) -> None:
    document = _document()
    document["components"]["schemas"]["MovieInput"]["properties"]["title"]["maxLength"] = 200
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, indent=2))
    before = _fingerprints()
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check", "--spec", str(spec)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().endswith("run: make generate"), result.stderr
    for stale in ("template.yaml", "frontend/src/lib/generated/schema.ts"):
        assert stale in result.stderr, result.stderr
    assert _fingerprints() == before, "the check must not write"


def test_make_generate_check_passes_on_the_tree() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "generate-check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_template_model_is_the_draft4_form_of_the_document() -> None:
    document = _document()
    document["components"]["schemas"]["MovieInput"]["properties"]["title"]["maxLength"] = 200
    template = (ROOT / "template.yaml").read_text()
    rendered = template_model.render(template, document)
    parsed = yaml.load(rendered, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    model = parsed["Resources"]["RestApi"]["Properties"]["Models"]["MovieInput"]
    assert model == template_model.models(document)["MovieInput"]
    assert model["properties"]["title"]["maxLength"] == 200
    # Only the block changed: the text before and after it is the template's own, comments included.
    assert rendered.split(template_model.BEGIN)[0] == template.split(template_model.BEGIN)[0]
    assert rendered.split(template_model.END)[1] == template.split(template_model.END)[1]


@pytest.mark.parametrize("block", sorted(template_model.BLOCKS))
def test_each_template_block_needs_its_markers(block: str) -> None:
    template = (ROOT / "template.yaml").read_text()
    without = template.replace(template_model.end(block), "# (marker removed)")
    with pytest.raises(template_model.MarkersMissing, match=block):
        template_model.render(without, _document())


def test_the_template_needs_its_markers() -> None:
    with pytest.raises(template_model.MarkersMissing):
        template_model.render("Resources: {}\n", _document())


SAMPLES: list[Any] = [None, True, 0, -1, 0.5, 7, 10, 10.5, 11, "", " ", "x", "a" * 6, [], {}]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["number", "null"], "minimum": 0, "maximum": 10},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        {"const": 7},
        {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "\\S", "format": "uuid", "examples": ["x"]},
        {"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}]},
        {"type": "array", "items": {"$ref": "#/components/schemas/Positive"}, "maxItems": 2},
        {
            "type": "object",
            "properties": {"a": {"$ref": "#/components/schemas/Positive"}},
            "required": ["a"],
            "additionalProperties": False,
            "dependentRequired": {"a": ["b"]},
        },
    ],
)
def test_draft4_conversion_accepts_exactly_what_the_2020_12_schema_accepts(schema: dict[str, Any]) -> None:
    document = {"components": {"schemas": {"Positive": {"type": "number", "exclusiveMinimum": 0}}}}
    converted = convert(schema, document)
    Draft4Validator.check_schema(converted)
    original = Draft202012Validator({**schema, "components": document["components"]})
    samples = [*SAMPLES, *([[s] for s in SAMPLES]), *({"a": s} for s in SAMPLES), *({"a": s, "b": 1} for s in SAMPLES)]
    for sample in samples:
        assert Draft4Validator(converted).is_valid(sample) == original.is_valid(sample), (schema, converted, sample)


@pytest.mark.parametrize(
    "schema", [{"prefixItems": [{}]}, {"if": {}, "then": {}}, {"$ref": "other.json#/x"}, {"unevaluatedProperties": False}]
)
def test_draft4_conversion_refuses_what_draft4_cannot_say(schema: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        convert(schema, {})


def test_the_typescript_limits_and_types_follow_the_document() -> None:
    document = _document()
    fields = document["components"]["schemas"]["MovieInput"]["properties"]
    fields["title"]["maxLength"] = 200
    text = typescript.render(document)
    assert 'title: { minLength: 1, maxLength: 200, pattern: "\\\\S" },' in text
    for name in document["components"]["schemas"]:
        assert f"export interface {typescript.type_name(name)} " in text or f"export type {name} =" in text, name
    assert "export interface Error " not in text, "a type named Error would shadow the global one in the UI"


# --- every rule the document states, generated into each consumer ------------------------------------------
# Each case edits the rule in the document only: the check must name every file that restates it, and what the
# generator writes must carry the new value (so the consumers, which read those files, follow it).


def _parameter(document: dict[str, Any], operation_id: str, name: str) -> dict[str, Any]:
    return rules.parameters(document, operation_id, "query")[name]["schema"]


def _add_sort_column(document: dict[str, Any]) -> None:
    for operation_id in ("searchMovies", "filterMovies"):
        _parameter(document, operation_id, "sort")["enum"].append("added")
    document["components"]["parameters"]["order"]["x-default-order"]["added"] = "desc"


def _five_star_histogram(document: dict[str, Any]) -> None:
    histogram = document["components"]["schemas"]["Dashboard"]["properties"]["ratingHistogram"]
    histogram["items"]["properties"]["rating"].update(minimum=1, maximum=5)
    histogram.update(minItems=6, maxItems=6)


TEMPLATE, TS, PY = "template.yaml", "frontend/src/lib/generated/schema.ts", "src/domain/contract.py"
RULES: dict[str, tuple[Any, set[str], list[str]]] = {
    # kind: (edit of the document, files that must go stale, text the regenerated files must then hold)
    "gateway response message": (
        lambda d: d["x-gateway-responses"]["THROTTLED"].update(message="Slow down."),
        {TEMPLATE},
        ['application/json: \'{"error":{"code":"RATE_LIMITED","message":"Slow down."}}\''],
    ),
    "gateway response code": (
        lambda d: d["x-gateway-responses"]["DEFAULT_4XX"].update(code="NOT_FOUND"),
        {TEMPLATE},
        ['{"error":{"code":"NOT_FOUND","message":$context.error.messageString}}'],
    ),
    "sort enum": (
        _add_sort_column,
        {TS, PY},
        [
            'sort: { enum: ["title", "rating", "year", "added"], default: "rating" }',
            'SORT_COLUMNS: Final = ("title", "rating", "year", "added")',
        ],
    ),
    "default order": (
        lambda d: d["components"]["parameters"]["order"]["x-default-order"].update(year="asc"),
        {TS, PY},
        [
            'DEFAULT_ORDER = {"relevance": "desc", "title": "asc", "rating": "desc", "year": "asc"} as const',
            'DEFAULT_ORDER: Final = {"relevance": "desc", "title": "asc", "rating": "desc", "year": "asc"}',
        ],
    ),
    "filter range": (
        lambda d: _parameter(d, "filterMovies", "year").update(minimum=1888),
        {TS},
        ["year: { minimum: 1888, maximum: 2100 },", 'year: "1888 to 2100",'],
    ),
    "hint of a length": (
        lambda d: d["components"]["schemas"]["MovieInput"]["properties"]["title"].update(maxLength=200),
        {TEMPLATE, TS},
        ['title: "Up to 200 characters",'],
    ),
    "hint of a step": (
        lambda d: d["components"]["schemas"]["MovieInput"]["properties"]["rating"].update(multipleOf=0.01),
        {TEMPLATE, TS},
        ['rating: "0 to 10, two decimals",'],
    ),
    "forbidden characters": (
        lambda d: d["components"]["schemas"]["MovieInput"].update({"x-forbidden-characters": "[\\u0000-\\u001f]"}),
        {TS, PY},
        [
            'FORBIDDEN_CHARACTERS = new RegExp("[\\\\u0000-\\\\u001f]", "u");',
            'FORBIDDEN_CHARACTERS: Final = "[\\\\u0000-\\\\u001f]"',
        ],
    ),
    "Idempotency-Key length": (
        lambda d: rules.parameters(d, "addMovie", "header")["Idempotency-Key"]["schema"].update(maxLength=64),
        {PY},
        ["IDEMPOTENCY_KEY_LENGTH: Final = (1, 64)"],
    ),
    "dashboard sizes": (
        lambda d: d["components"]["schemas"]["Dashboard"]["properties"]["topGenres"].update(maxItems=5),
        {PY},
        ["TOP_GENRES: Final = 5"],
    ),
    "rating buckets": (_five_star_histogram, {PY}, ["RATING_BUCKETS: Final = (1, 2, 3, 4, 5)"]),
    "cursor bounds": (
        lambda d: d["components"]["schemas"]["MovieInput"]["properties"]["year"].update(maximum=2200),
        {TEMPLATE, TS, PY},
        ["MAX_YEAR: Final = 2200"],
    ),
    "query size": (lambda d: d.update({"x-max-query-bytes": 8192}), {PY}, ["MAX_QUERY_BYTES: Final = 8192"]),
    "body size": (
        lambda d: rules.operation(d, "addMovie")["requestBody"].update({"x-max-bytes": 32768}),
        {PY},
        ["MAX_BODY_BYTES: Final = 32768"],
    ),
    "password policy": (
        lambda d: d["components"]["securitySchemes"]["cognito"]["x-password-policy"].update(
            MinimumLength=12, RequireSymbols=True
        ),
        {TEMPLATE, TS, PY},
        [
            "MinimumLength: 12",
            "RequireSymbols: true",
            'PASSWORD_RULES = "at least 12 characters, with an upper-case letter, a lower-case letter, a number and a symbol";',
            '"MinimumLength": 12,',
        ],
    ),
}


@pytest.mark.parametrize("kind", sorted(RULES))
def test_a_rule_edited_in_the_document_only_makes_the_check_fail(tmp_path: Path, kind: str) -> None:
    edit, expected, texts = RULES[kind]
    document = _document()
    edit(document)
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, indent=2))
    assert {str(p) for p in codegen.stale(spec)} == expected, kind
    written = "\n".join(codegen.outputs(spec).values())
    for text in texts:
        assert text in written, (kind, text)


def test_a_gateway_response_code_outside_the_error_enum_stops_the_generator(tmp_path: Path) -> None:
    document = _document()
    document["x-gateway-responses"]["DEFAULT_4XX"]["code"] = "NOT_A_CODE"
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, indent=2))
    before = _fingerprints()
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--spec", str(spec)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "x-gateway-responses.DEFAULT_4XX answers code 'NOT_A_CODE'" in result.stderr, result.stderr
    assert _fingerprints() == before, "nothing is written from a document that contradicts itself"


@pytest.mark.parametrize(
    ("kind", "edit"),
    [
        (
            "a default order for a column sort lacks",
            lambda d: d["components"]["parameters"]["order"]["x-default-order"].update(added="asc"),
        ),
        (
            "a histogram size the rating range does not give",
            lambda d: d["components"]["schemas"]["Dashboard"]["properties"]["ratingHistogram"].update(maxItems=13),
        ),
    ],
)
def test_a_document_that_contradicts_itself_is_refused(kind: str, edit: Any) -> None:
    document = _document()
    edit(document)
    with pytest.raises(rules.Contradiction):
        python.render(document)


def test_every_error_code_the_template_and_the_server_answer_is_in_the_error_enum() -> None:
    allowed = set(rules.error_codes(_document()))
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    responses = template["Resources"]["RestApi"]["Properties"]["GatewayResponses"]
    codes = {
        kind: json.loads(spec["ResponseTemplates"]["application/json"].replace(rules.GATEWAY_MESSAGE, '""'))["error"]["code"]
        for kind, spec in responses.items()
    }
    assert {kind: code for kind, code in codes.items() if code not in allowed} == {}
    assert set(codes) == set(rules.gateway_responses(_document())), "every gateway response comes from the document"
    from api.errors import status_of  # the server's own errors (src/ is on the test path)
    from domain.errors import DomainError

    def subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    # The errors the REST API answers with a status of their own, and the 500 of any other; an error only ever
    # raised to Cognito (the pre-sign-up trigger's) never becomes an API body.
    server = {cls.__name__: cls.code for cls in subclasses(DomainError) if status_of(cls.__new__(cls)) != 500}
    server[DomainError.__name__] = DomainError.code
    assert {name: code for name, code in server.items() if code not in allowed} == {}


def test_the_local_pool_has_the_documents_password_policy() -> None:
    assert local_aws.password_policy() == rules.password_policy(_document())


def test_the_server_orders_by_every_sort_and_order_the_contract_allows() -> None:
    from itertools import product

    from data import movie_reads
    from domain import contract

    for sort, order in product(contract.SORT_COLUMNS, contract.SORT_ORDERS):
        key = movie_reads.sort_key(sort, order)  # KeyError: a sort the document allows and the SQL cannot do
        if key is not None:  # the key's range holds every stored value (the forged-cursor check refuses none)
            values = [
                key.of_movie({"rating": contract.MIN_RATING, "year": contract.MIN_YEAR}),
                key.of_movie({"rating": contract.MAX_RATING, "year": contract.MAX_YEAR}),
                key.of_movie({"rating": None, "year": None}),
            ]
            assert all(key.low <= v <= key.high for v in values), (sort, order, values, key.low, key.high)


@pytest.mark.parametrize(
    ("step", "value", "problem"),
    [
        (0.1, "7.55", "must have at most one decimal place"),
        (0.01, "7.555", "must have at most two decimal places"),
        (0.5, "7.2", "must be a multiple of 0.5"),
    ],
)
def test_the_servers_message_for_a_rating_step_follows_the_document(
    monkeypatch: pytest.MonkeyPatch,
    step: float,
    value: str,
    problem: str,
) -> None:
    from api import openapi
    from domain.errors import ValidationError

    rating = openapi.document()["components"]["schemas"]["MovieInput"]["properties"]["rating"]
    monkeypatch.setitem(rating, "multipleOf", step)
    with pytest.raises(ValidationError) as refused:
        openapi.parse_body("addMovie", f'{{"title": "A", "genre": "Drama", "rating": {value}, "year": 2000}}')
    assert refused.value.details == [{"field": "rating", "message": problem}]


def test_every_operation_documents_what_the_gateway_itself_can_answer() -> None:
    """The stage throttle (MethodSettings /* *) and the Cognito authorizer stand before every method, so a
    client (and schemathesis) can get their 429 and 401 from any operation: the document must say so."""
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    settings = template["Resources"]["RestApi"]["Properties"]["MethodSettings"]
    assert any(s["ResourcePath"] == "/*" and s["HttpMethod"] == "*" and "ThrottlingRateLimit" in s for s in settings)
    document = _document()
    missing = [
        f"{method.upper()} {path}: {status}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in {"get", "put", "post", "patch", "delete"}
        for status in ("401", "429")
        if status not in operation["responses"] and (status != "401" or operation.get("security", document["security"]))
    ]
    assert not missing, missing
