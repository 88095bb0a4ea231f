"""The client restates the OpenAPI document: its models are generated from it, and it has a method per
operation. A field or an operation added to the API and missing from the client fails here."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys

from movie_library import Client, models

from local.stack import ROOT

GENERATOR = ROOT / "clients" / "python" / "scripts" / "generate_models.py"
SPEC = ROOT / "src" / "api" / "openapi.json"


@functools.cache
def _generator():
    spec = importlib.util.spec_from_file_location("generate_models", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_models_are_generated_from_the_current_openapi_document() -> None:
    generator = _generator()
    expected = generator.generate(SPEC)
    actual = (ROOT / "clients" / "python" / "src" / "movie_library" / "models.py").read_text()
    assert actual == expected, f"clients/python models.py is stale against src/api/openapi.json: run {generator.REGENERATE}"


def test_every_schema_property_is_a_model_field() -> None:
    """Independent of the generator's text: each component schema's properties are the model's to_dict keys."""
    spec = json.loads(SPEC.read_text())
    for name, schema in spec["components"]["schemas"].items():
        if "properties" not in schema:
            continue
        model = getattr(models, name, None)
        assert model is not None, f"no model for schema {name}: run {_generator().REGENERATE}"
        fields = set(model.__dataclass_fields__)
        missing = [p for p in schema["properties"] if _generator().snake(p) not in fields]
        assert not missing, f"{name} lacks {missing}: run {_generator().REGENERATE}"


def test_every_operation_has_a_client_method() -> None:
    spec = json.loads(SPEC.read_text())
    operations = {op["operationId"] for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)}
    assert operations == set(models.OPERATIONS), f"run {_generator().REGENERATE}"
    missing = sorted(operations - set(Client.OPERATION_METHODS))
    assert not missing, f"the client has no method for {missing} (add one and map it in Client.OPERATION_METHODS)"
    for operation, method in Client.OPERATION_METHODS.items():
        assert method is None or callable(getattr(Client, method)), f"{operation}: Client.{method} is missing"


def test_models_round_trip_the_api_json() -> None:
    movie = {
        "id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "title": "Arrival",
        "genre": "Sci-Fi",
        "rating": None,
        "year": 2016,
        "created_at": "2026-01-01T00:00:00Z",
    }
    page = {
        "movies": [movie],
        "totalCount": 1,
        "filters": {"genres": ["Sci-Fi"]},
        "pagination": {"limit": 5, "nextCursor": None, "hasMore": False},
    }
    assert models.FilterResult.from_dict(page).to_dict() == page
    assert models.Movie.from_dict(movie).rating is None
