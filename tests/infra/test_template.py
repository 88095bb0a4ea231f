"""template.yaml is valid, lint-clean, and the local stack serves exactly what it declares."""

from __future__ import annotations

import ast
import copy
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from data import schema
from local import template

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".local" / "sam" / "bin" / "sam"


def _env() -> dict[str, str]:
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": region}


def test_sam_validate_lint() -> None:
    assert SAM.exists(), "make test installs the SAM CLI into .local/sam"
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "--template", "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_cfn_lint_has_no_errors_or_warnings() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_migration_custom_resource_tracks_the_newest_migration() -> None:
    declared = template.load()["Resources"]["SchemaMigration"]["Properties"]["MigrationsVersion"]
    assert declared == schema.pending_files()[-1].stem, "bump MigrationsVersion so deploys run the new migration"


def test_every_function_handler_imports() -> None:
    from local.runtime import load_handler

    for name in template.functions():
        assert callable(load_handler(template.function_handler(name))), name


def test_every_template_route_is_served_by_the_gateway_and_a_handler(stack, token: str) -> None:
    routes = template.rest_routes()
    assert routes, "no routes found in template.yaml"
    for route in routes:
        path = route.path.replace("{id}", str(uuid.uuid4())).replace("{requestId}", str(uuid.uuid4()))
        response = httpx.request(
            route.method,
            f"{stack.url}{path}",
            headers={"Authorization": f"Bearer {token}"},
            json={} if route.method == "POST" else None,
        )
        assert response.status_code != 405, route
        if response.status_code == 404:
            assert not response.json()["error"]["message"].startswith("No route"), route
        if route.authorized:
            assert httpx.request(route.method, f"{stack.url}{path}").status_code == 401, route


# --- routes: the OpenAPI paths, the template's REST events and the handlers' resolver routes agree, both ways ---

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _openapi_routes() -> list[tuple[str, str]]:
    document = json.loads((ROOT / "src" / "api" / "openapi.json").read_text())
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS]


def _template_events(raw: dict) -> dict[str, list[tuple[str, str]]]:
    """function logical id → (METHOD, path) of each of its Api events on the template's REST API."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, resource in raw["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] == "Api":
                found.setdefault(name, []).append((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return found


def _handler_routes(handler: str) -> list[tuple[str, str]]:
    """(METHOD, path) of every route the handler module's Powertools resolver registered (its own OpenAPI view)."""
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    module = importlib.import_module(handler.rsplit(".", 1)[0])
    (app,) = [value for value in vars(module).values() if isinstance(value, ApiGatewayResolver)]
    paths = app.get_openapi_schema().paths or {}
    return [
        (method.upper(), path)
        for path, item in paths.items()
        for method in HTTP_METHODS
        if getattr(item, method, None) is not None
    ]


def _shape(route: tuple[str, str]) -> tuple[str, str]:
    """Path parameters by position only: the handler names them for Python (movie_id), the API for clients (id)."""
    return route[0], re.sub(r"\{[^}]+\}", "{}", route[1])


def route_problems(expected: list[tuple[str, str]], actual: list[tuple[str, str]], expected_in: str, actual_in: str) -> list[str]:
    """Each route of `expected` must be in `actual` exactly once and `actual` may hold nothing else."""
    problems = []
    for route in sorted(set(expected) | set(actual)):
        count, wanted = actual.count(route), expected.count(route)
        if wanted and not count:
            problems.append(f"{' '.join(route)} is in {expected_in} but missing from {actual_in}")
        elif count and not wanted:
            problems.append(f"{' '.join(route)} is in {actual_in} but not in {expected_in}")
        elif count > 1 or wanted > 1:
            problems.append(f"{' '.join(route)} appears {count} times in {actual_in}, {wanted} in {expected_in}")
    return problems


def test_every_openapi_route_has_exactly_one_template_event_and_back(raw_template: dict) -> None:
    events = [route for routes in _template_events(raw_template).values() for route in routes]
    assert not route_problems(_openapi_routes(), events, "src/api/openapi.json", "template.yaml's Api events")


def test_every_handler_route_is_one_openapi_route_and_its_functions_events(raw_template: dict) -> None:
    openapi_shapes = [_shape(r) for r in _openapi_routes()]
    problems, served = [], []
    for function, events in sorted(_template_events(raw_template).items()):
        handler = raw_template["Resources"][function]["Properties"]["Handler"]
        routes = [_shape(r) for r in _handler_routes(handler)]
        served += routes
        problems += route_problems(
            [_shape(e) for e in events], routes, f"{function}'s template events", f"{handler}'s resolver routes"
        )
        problems += [
            p
            for p in route_problems(openapi_shapes, routes, "src/api/openapi.json", f"{handler}'s resolver routes")
            if "missing from" not in p
        ]
    problems += route_problems(openapi_shapes, served, "src/api/openapi.json", "the handlers' resolver routes")
    assert not problems, "\n".join(problems)


def test_route_problems_name_the_missing_and_the_extra_route(raw_template: dict) -> None:
    """The checks above can fail: a template without one event and with a stray one is reported by route."""
    broken = copy.deepcopy(raw_template)
    events = broken["Resources"]["ReadApiFunction"]["Properties"]["Events"]
    del events["Genres"]
    events["Stray"] = {"Type": "Api", "Properties": {"Path": "/api/stray", "Method": "GET"}}
    found = [route for routes in _template_events(broken).values() for route in routes]
    assert route_problems(_openapi_routes(), found, "src/api/openapi.json", "template.yaml") == [
        "GET /api/genres is in src/api/openapi.json but missing from template.yaml",
        "GET /api/stray is in template.yaml but not in src/api/openapi.json",
    ]
    assert route_problems([("GET", "/a")], [("GET", "/a"), ("GET", "/a")], "x", "y") == ["GET /a appears 2 times in y, 1 in x"]


def _compared_route_keys(handler: str) -> set[str]:
    """The route keys a WebSocket handler branches on (`route == "ping"`), read from its source."""
    spec = importlib.util.find_spec(handler.rsplit(".", 1)[0])
    assert spec is not None and spec.origin is not None, handler
    tree = ast.parse(Path(spec.origin).read_text())
    return {
        side.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "route"
        for side in node.comparators
        if isinstance(side, ast.Constant) and isinstance(side.value, str)
    }


def test_websocket_routes_are_the_ones_the_handler_serves() -> None:
    """Every WebSocket route but $default (the handler's 'unknown action' answer) is a branch of its handler, and back."""
    by_function: dict[str, set[str]] = {}
    for key, route in template.websocket_routes().items():
        by_function.setdefault(route.function, set()).add(key)
    assert by_function, "no WebSocket routes found in template.yaml"
    for function, keys in by_function.items():
        handled = _compared_route_keys(template.function_handler(function))
        assert keys - {"$default"} == handled, (
            f"{function}: template routes without a handler branch: {sorted(keys - {'$default'} - handled)}; "
            f"handler branches without a template route: {sorted(handled - keys)}"
        )


def test_every_function_shares_one_build() -> None:
    """sam build builds once per distinct (CodeUri, runtime, architecture, Metadata): one Metadata for all keeps
    make test's and every deploy's build to one (a function with its own Metadata made it one build each)."""
    functions = template.functions()
    metadata = {name: json.dumps(fn.get("Metadata"), sort_keys=True) for name, fn in functions.items()}
    assert len(set(metadata.values())) == 1, {name: m[:80] for name, m in metadata.items()}
    assert len({json.dumps(fn["Properties"].get("CodeUri")) for fn in functions.values()}) == 1
