"""The local gateway answers as API Gateway does: the template's gateway responses, request validation,
the Cognito authorizer, the stage cache, payload and time limits, one context per function, and only the
surfaces AWS exposes."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from api.auth import verifier
from data import aws_clients
from local import aws, template
from local.gateway import Gateway
from local.gateway_responses import ErrorContext, render
from local.request_validation import BodyValidator
from local.runtime import LambdaRuntime
from tests.conftest import wait_for
from tests.e2e.deployed import deployed
from tests.e2e.live import User, flush_stage_cache, reply, ws_url

pytestmark = pytest.mark.usefixtures("library")

# API Gateway's documented default status and $context.error.message for each response type.
AWS_DEFAULTS = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "THROTTLED": (429, "Too Many Requests"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "DEFAULT_5XX": (502, "Internal server error"),
}
# Types no request to this API can produce (no authorizer here denies; every 4xx the gateway emits has its
# own customised type). They are still applied if they ever become reachable.
UNREACHABLE = {"ACCESS_DENIED", "DEFAULT_4XX"}
MISSING_ALL = '[object has missing required properties (["genre","rating","title","year"])]'


def _responses(stack) -> dict[str, template.GatewayResponse]:
    return template.gateway_responses(stack.resources.refs)


def _expected_body(spec: template.GatewayResponse, message: str, validation: str = "") -> str:
    """Simple substitution, as API Gateway documents it: messageString is the message in quotes."""
    body = next(iter(spec.templates.values()))
    return (
        body.replace("$context.error.messageString", f'"{message}"')
        .replace("$context.error.message", message)
        .replace("$context.error.validationErrorString", json.dumps(validation)[1:-1])
    )


@contextmanager
def _serve(gateway: Gateway, management: bool = False) -> Iterator[str]:
    """A second gateway over the same stack (e.g. with a tiny throttle or a failing function), on real HTTP;
    its public listener, or its management one."""
    app = gateway.management_app() if management else gateway.app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def _gateway(stack, runtime: LambdaRuntime | None = None, **options: Any) -> Gateway:
    options.setdefault("refs", stack.resources.refs)
    return Gateway(runtime or LambdaRuntime(), verifier(), stack.ui_config(), stack.resources.endpoint, **options)


def _fails(_event: dict, _context: object) -> dict:
    raise RuntimeError("the function crashed")


def _trigger(kind: str, stack, token: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token}"}
    if kind == "UNAUTHORIZED":
        return httpx.get(f"{stack.url}/api/dashboard")
    if kind == "MISSING_AUTHENTICATION_TOKEN":
        return httpx.get(f"{stack.url}/api/nothing-here", headers=auth)
    if kind == "BAD_REQUEST_BODY":
        return httpx.post(f"{stack.url}/api/movies", json={}, headers=auth)
    if kind == "REQUEST_TOO_LARGE":
        return httpx.post(
            f"{stack.url}/api/movies",
            content=b" " * (10 * 1024 * 1024 + 1),
            headers=auth | {"Content-Type": "application/json"},
            timeout=60,
        )
    if kind == "THROTTLED":
        with _serve(_gateway(stack, throttle=(0.001, 1))) as url:
            httpx.get(f"{url}/api/dashboard", headers=auth)
            return httpx.get(f"{url}/api/dashboard", headers=auth)
    if kind == "DEFAULT_5XX":
        with _serve(_gateway(stack, LambdaRuntime(handlers={"ReadApiFunction": _fails}))) as url:
            return httpx.get(f"{url}/api/dashboard", headers=auth)
    raise LookupError(kind)


NEEDS_LOCAL_GATEWAY = {"THROTTLED", "DEFAULT_5XX"}  # triggered through a second local gateway


@pytest.mark.deployable
@pytest.mark.parametrize("kind", sorted(template.rest_api().get("GatewayResponses") or {}))
def test_every_gateway_response_the_template_defines(stack, token: str, kind: str) -> None:
    if kind in UNREACHABLE:
        pytest.skip(f"no request to this API produces {kind}")
    assert kind in AWS_DEFAULTS, f"add a request that triggers {kind} to this test"
    if kind in NEEDS_LOCAL_GATEWAY and deployed():
        pytest.skip(f"{kind} is triggered through a local gateway")
    spec = _responses(stack)[kind]
    response = _trigger(kind, stack, token)
    default_status, message = AWS_DEFAULTS[kind]
    assert response.status_code == (spec.status or default_status), (kind, response.text)
    validation = MISSING_ALL if kind == "BAD_REQUEST_BODY" else ""
    assert response.text == _expected_body(spec, message, validation), kind
    for name, value in spec.headers.items():
        if not value.startswith("method.request."):
            assert response.headers.get(name) == value, (kind, name)
    assert response.headers["content-type"].startswith(next(iter(spec.templates)) if spec.templates else "application/json")


# --- request validation ---------------------------------------------------------------------------------


@pytest.mark.deployable
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"genre": "Drama", "rating": 7, "year": 2000}, '[object has missing required properties (["title"])]'),
        (
            {"title": "A", "genre": "Drama", "rating": "7", "year": 2000},
            '[instance type (string) does not match any allowed primitive type (allowed: ["number"])]',
        ),
        (
            {"title": "A", "genre": "Drama", "rating": 10.5, "year": 2000},
            "[numeric instance is greater than the required maximum (maximum: 10, found: 10.5)]",
        ),
        (
            {"title": "A", "genre": "Drama", "rating": 7.25, "year": 2000},
            "[numeric instance is not a multiple of the required divisor (divisor: 0.1, found: 7.25)]",
        ),
        (
            {"title": "", "genre": "Drama", "rating": 7, "year": 2000},
            '[string "" is too short (length: 0, required minimum: 1), ECMA 262 regex "\\S" does not match input string ""]',
        ),
        (
            {"title": "A", "genre": "Drama", "rating": 7, "year": 2000, "director": "X"},
            '[object instance has properties which are not allowed by the schema: ["director"]]',
        ),
        ([1], '[instance type (array) does not match any allowed primitive type (allowed: ["object"])]'),
    ],
)
def test_bodies_failing_the_model_stop_at_the_gateway(stack, token: str, body: Any, error: str) -> None:
    response = httpx.post(f"{stack.url}/api/movies", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.text == _expected_body(_responses(stack)["BAD_REQUEST_BODY"], "Invalid request body", error)


def test_validation_error_strings_are_rendered_as_api_gateway_renders_them() -> None:
    """Whatever the template's BAD_REQUEST_BODY says, $context.error.validationErrorString is the validator's
    list, JSON-escaped in place, and messageString is the message already in quotes."""
    validator = BodyValidator(template.models()["MovieInput"], required=True)
    error = validator.validate("application/json", json.dumps({"genre": "Drama", "rating": 7, "year": 2000}).encode())
    assert error == '[object has missing required properties (["title"])]'
    context = ErrorContext("BAD_REQUEST_BODY", "Invalid request body", "r-1", error)
    rendered = render('{"message":$context.error.messageString,"detail":"$context.error.validationErrorString"}', context)
    assert rendered == '{"message":"Invalid request body","detail":"[object has missing required properties ([\\"title\\"])]"}'
    assert json.loads(rendered)["detail"] == error
    assert validator.validate("text/plain", b"anything") is None  # no model for this content type: passed through


@pytest.mark.deployable
def test_a_valid_decimal_rating_passes_the_model(stack, token: str) -> None:
    # The Java validator compares decimals exactly: 7.7 is a multiple of 0.1 (it is not in binary floats).
    response = httpx.post(
        f"{stack.url}/api/movies",
        headers={"Authorization": f"Bearer {token}"},
        json={"title": f"Decimal {uuid.uuid4()}", "genre": "Drama", "rating": 7.7, "year": 2001},
    )
    assert response.status_code == 202, response.text


@pytest.mark.deployable
def test_a_body_without_a_model_for_its_content_type_reaches_the_function(stack, token: str) -> None:
    """API Gateway validates only content types that have a model; the function's own check still holds."""
    response = httpx.post(
        f"{stack.url}/api/movies",
        content=b'{"title": ""}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["details"], "the function answers with details"


# --- the Cognito authorizer -----------------------------------------------------------------------------


def test_refused_tokens_get_the_template_body_and_the_reason_goes_to_the_log(stack, caplog) -> None:
    unauthorized = _expected_body(_responses(stack)["UNAUTHORIZED"], "Unauthorized")
    with caplog.at_level(logging.INFO, logger="local.gateway"):
        response = httpx.get(f"{stack.url}/api/dashboard", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 401 and response.text == unauthorized
    assert any("authorizer refused" in r.getMessage() and "not valid" in r.getMessage() for r in caplog.records)


def _echo_claims(event: dict, _context: object) -> dict:
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"]["claims"])}


def test_claims_reach_the_function_as_strings(stack, token: str) -> None:
    with _serve(_gateway(stack, LambdaRuntime(handlers={"ReadApiFunction": _echo_claims}))) as url:
        claims = httpx.get(f"{url}/api/dashboard", headers={"Authorization": f"Bearer {token}"}).json()
    assert claims["token_use"] == "id" and claims["sub"]
    assert all(isinstance(v, str) for v in claims.values())
    assert claims["exp"].endswith(time.strftime("%Y", time.gmtime())) and " UTC " in claims["exp"]  # as AWS: a date
    assert claims.get("email_verified", "true") in ("true", "false")


# --- the stage cache --------------------------------------------------------------------------------------


def test_the_stack_caches_only_what_the_template_caches(stack, api: httpx.Client, db) -> None:
    cached = ("GET", "/api/dashboard") in template.cache_settings(stack.resources.refs)
    total = api.get("/api/dashboard").json()["totalMovies"]
    with db.cursor() as cur:
        cur.execute("INSERT INTO movies (title, genre) VALUES (%s, 'Drama')", (f"Cache Probe {uuid.uuid4()}",))
    assert api.get("/api/dashboard").json()["totalMovies"] == (total if cached else total + 1)


def test_stage_cache_keys_headers_and_flush(stack, token: str, db) -> None:
    """With the template's dashboard cache turned on (its DashboardCache parameter, as a deploy would)."""
    refs = stack.resources.refs | {"DashboardCache": {"Ref": "true"}}
    settings = template.cache_settings(refs)
    if ("GET", "/api/dashboard") not in settings:
        pytest.skip("the template has no way to cache the dashboard")
    setting = settings[("GET", "/api/dashboard")]
    gateway = _gateway(stack, refs=refs)
    auth = {"Authorization": f"Bearer {token}"}
    with _serve(gateway) as url, _serve(gateway, management=True) as management:
        first = httpx.get(f"{url}/api/dashboard", headers=auth)
        total = first.json()["totalMovies"]
        with db.cursor() as cur:
            cur.execute("INSERT INTO movies (title, genre) VALUES (%s, 'Drama')", (f"Cache Probe {uuid.uuid4()}",))
        # Not a cache key parameter: another query string is the same entry; stored headers come back.
        again = httpx.get(f"{url}/api/dashboard", params={"anything": "else"}, headers=auth)
        assert again.json()["totalMovies"] == total
        assert again.headers["content-type"] == first.headers["content-type"]
        assert httpx.get(f"{url}/v1/api/dashboard", headers=auth).json()["totalMovies"] == total
        # Without permission to invalidate, max-age=0 is ignored and the response says so.
        ignored = httpx.get(f"{url}/api/dashboard", headers=auth | {"Cache-Control": "max-age=0"})
        assert ignored.json()["totalMovies"] == total
        if setting.require_authorization_for_cache_control and setting.unauthorized_strategy == "SUCCEED_WITH_RESPONSE_HEADER":
            assert "max-age=0 ignored" in ignored.headers["warning"]
        # Still authorized first: the cache never answers a request the authorizer refuses.
        assert httpx.get(f"{url}/api/dashboard").status_code == 401
        flush_stage_cache(type("Target", (), {"management_url": management})())
        assert httpx.get(f"{url}/api/dashboard", headers=auth).json()["totalMovies"] == total + 1


def test_cache_flush_needs_a_signed_call_on_the_loopback_port(stack) -> None:
    assert stack.management_url.startswith("http://127.0.0.1:")
    unsigned = httpx.delete(f"{stack.management_url}/restapis/local/stages/{template.stage_name()}/cache/data")
    assert unsigned.status_code == 403
    on_public_port = httpx.delete(f"{stack.url}/restapis/local/stages/{template.stage_name()}/cache/data")
    assert on_public_port.status_code == 403


# --- limits ----------------------------------------------------------------------------------------------


def _sleeps(
    seconds: float, finished: list[bool] | None = None, threads: list[threading.Thread] | None = None
) -> Callable[[dict, object], dict]:
    def handler(_event: dict, _context: object) -> dict:
        if threads is not None:
            threads.append(threading.current_thread())
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:  # busy, so the runtime can stop it as Lambda would
            time.sleep(0.01)
        if finished is not None:
            finished.append(True)
        return {"statusCode": 200, "body": "{}"}

    return handler


def test_a_function_over_its_timeout_is_stopped_and_reported_as_a_5xx(stack, token: str, caplog) -> None:
    finished: list[bool] = []
    threads: list[threading.Thread] = []
    runtime = LambdaRuntime(timeouts={"ReadApiFunction": 0.3}, handlers={"ReadApiFunction": _sleeps(3, finished, threads)})
    spec = _responses(stack).get("DEFAULT_5XX")
    with caplog.at_level(logging.WARNING), _serve(_gateway(stack, runtime)) as url:
        response = httpx.get(f"{url}/api/dashboard", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == ((spec.status if spec else None) or 502)
    if spec:
        assert response.text == _expected_body(spec, "Internal server error")
    assert any("Task timed out after 0.30 seconds" in r.getMessage() for r in caplog.records)
    # Stopped, not left running: its sandbox thread ends without the handler ever finishing.
    wait_for(lambda: threads and not threads[0].is_alive())
    assert finished == []


def test_the_integration_timeout_is_504(stack, token: str) -> None:
    runtime = LambdaRuntime(timeouts={"ReadApiFunction": 10}, handlers={"ReadApiFunction": _sleeps(2)})
    with _serve(_gateway(stack, runtime, integration_timeout=0.3)) as url:
        response = httpx.get(f"{url}/api/dashboard", headers={"Authorization": f"Bearer {token}"})
    spec = _responses(stack).get("INTEGRATION_TIMEOUT") or _responses(stack).get("DEFAULT_5XX")
    assert response.status_code == ((spec.status if spec and "INTEGRATION_TIMEOUT" in _responses(stack) else None) or 504)
    if spec:
        assert response.text == _expected_body(spec, "Endpoint request timed out")
    else:
        assert response.json() == {"message": "Endpoint request timed out"}


# --- one context per function ------------------------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self, formatter: logging.Formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[dict] = []
        self._lock_lines = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        with self._lock_lines:
            self.lines.append(line)


def test_log_lines_name_their_function_under_concurrent_load(stack) -> None:
    from api.observability import logger

    captured = _Lines(logger.registered_formatter)
    logger.addHandler(captured)
    users = [User(stack, f"ctx-{i}@example.com").connect() for i in range(4)]
    try:

        def submit(user: User) -> list[str]:
            return [
                user.add({"title": f"Context {uuid.uuid4()}", "genre": "Drama", "rating": 6.0, "year": 2010}).json()["requestId"]
                for _ in range(10)
            ]

        with ThreadPoolExecutor(len(users)) as pool:
            submitted = list(pool.map(submit, users))
        for user, ids in zip(users, submitted, strict=True):
            for request_id in ids:
                assert user.status_of(request_id, timeout=60)["status"] == "created"
        # The notifier logs after it sends: wait for its last line.
        wait_for(lambda: sum(line.get("message") == "outcome sent" for line in captured.lines) >= 40)
    finally:
        logger.removeHandler(captured)
        for user in users:
            user.close()
    expected = {"add queued": "WriteApiFunction", "add processed": "AddProcessorFunction", "outcome sent": "NotifierFunction"}
    seen = {message: 0 for message in expected}
    for line in captured.lines:
        if line.get("message") in expected:
            assert line.get("function_name") == expected[line["message"]], line
            seen[line["message"]] += 1
    assert all(count >= 40 for count in seen.values()), seen
    requests = {line["function_request_id"] for line in captured.lines if line.get("message") == "add queued"}
    assert len(requests) == 40, "each invocation logs its own request id"


# --- only what AWS exposes ---------------------------------------------------------------------------------


def _cognito(stack, action: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/cognito",
        json=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"},
    )


def test_cognito_proxy_forwards_only_public_actions(stack) -> None:
    pool = stack.resources.user_pool_id
    listed = _cognito(stack, "ListUsers", {"UserPoolId": pool})
    assert listed.status_code == 400 and listed.json()["__type"] == "MissingAuthenticationTokenException"
    assert "demo@example.com" not in listed.text
    takeover = _cognito(
        stack,
        "AdminSetUserPassword",
        {"UserPoolId": pool, "Username": aws.DEMO_USER, "Password": "Taken-0ver!", "Permanent": True},
    )
    assert takeover.status_code == 400
    signed_in = _cognito(
        stack,
        "InitiateAuth",
        {
            "ClientId": stack.resources.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": aws.DEMO_USER, "PASSWORD": aws.DEMO_PASSWORD},
        },
    )
    assert signed_in.status_code == 200 and signed_in.json()["AuthenticationResult"]["IdToken"]
    # No web page's origin: no CORS (the proxy answers only its own origin and the AllowedOrigin).
    assert "access-control-allow-origin" not in signed_in.headers


def test_connections_api_is_not_on_the_public_port(stack) -> None:
    user = User(stack, "conn-probe@example.com").connect()
    try:
        user.ws.send(json.dumps({"action": "ping"}))
        assert user.next_reply()["type"] == "pong"
        connection_id = _connection_of(stack, user.sub)
        fake = json.dumps({"type": "addStatus", "requestId": "forged", "status": "created"})
        for path in (f"/@connections/{connection_id}", f"/{template.stage_name()}/@connections/{connection_id}"):
            assert httpx.post(f"{stack.url}{path}", content=fake).status_code == 403
            assert "SourceIp" not in httpx.get(f"{stack.url}{path}").text
        unsigned = httpx.post(f"{stack.management_url}/{template.stage_name()}/@connections/{connection_id}", content=fake)
        assert unsigned.status_code == 403
        # The handlers' way: WS_MANAGEMENT_ENDPOINT (endpoint + stage, as on AWS), signed by boto3.
        management = aws_clients.management_api(os.environ["WS_MANAGEMENT_ENDPOINT"])
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"probe"}')
        assert user.next_reply()["type"] == "probe", "a forged message arrived before the signed one"
    finally:
        user.close()


def _connection_of(stack, sub: str) -> str:
    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table(
        stack.resources.table_name("ConnectionsTable")
    )
    items = wait_for(lambda: [i for i in table.scan()["Items"] if i.get("userSub") == sub])
    return items[-1]["connectionId"]


def test_a_foreign_host_header_is_400(stack, token: str) -> None:
    response = httpx.get(f"{stack.url}/api/dashboard", headers={"Host": "attacker.example", "Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert httpx.get(f"{stack.url}/", headers={"Host": "rebind.attacker.example"}).status_code == 400
    with pytest.raises(InvalidStatus):
        connect(f"ws://127.0.0.1:{stack.port}/ws?token={token}", additional_headers={"Host": "attacker.example"}, open_timeout=10)
    assert httpx.get(f"{stack.url}/api/dashboard", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.deployable
def test_a_binary_websocket_frame_closes_with_1003(stack, token: str) -> None:
    with connect(f"{ws_url(stack)}?token={token}", open_timeout=10) as ws:
        ws.send(b"\x00\x01binary")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


@pytest.mark.deployable
def test_cors_preflight_and_function_responses_follow_the_template(stack, token: str) -> None:
    cors = template.rest_cors(stack.resources.refs)
    assert cors is not None
    preflight = httpx.options(
        f"{stack.url}/api/movies", headers={"Origin": cors.allow_origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == cors.allow_origin
    assert preflight.headers["access-control-allow-methods"] == cors.allow_methods


@pytest.mark.deployable
def test_an_add_reports_created_over_the_websocket(stack) -> None:
    user = User(stack, "e2e-adder@example.com").connect()
    try:
        accepted = user.add({"title": f"Deployed Probe {uuid.uuid4()}", "genre": "Drama", "rating": 6.5, "year": 2020})
        assert accepted.status_code == 202, accepted.text
        outcome = user.status_of(accepted.json()["requestId"], timeout=60)
        assert outcome["status"] in ("created", "duplicate")
        assert (
            user.http.get(accepted.json()["statusUrl"].removeprefix(f"/{template.stage_name()}")).json()["status"]
            == outcome["status"]
        )
    finally:
        user.close()


def _fails_on_messages(event: dict, _context: object) -> dict:
    if event["requestContext"]["eventType"] == "MESSAGE":
        raise RuntimeError("the function crashed")
    return {"statusCode": 200}


def test_a_failing_websocket_route_answers_internal_server_error_and_keeps_the_socket(stack, token: str) -> None:
    runtime = LambdaRuntime(handlers={"WebSocketFunction": _fails_on_messages})
    with (
        _serve(_gateway(stack, runtime)) as url,
        connect(f"{url.replace('http', 'ws', 1)}/ws?token={token}", open_timeout=10) as ws,
    ):
        for _ in range(2):
            ws.send(json.dumps({"action": "ping"}))
            answer = json.loads(ws.recv(timeout=10))
            assert answer["message"] == "Internal server error" and answer["connectionId"] and answer["requestId"]


@pytest.mark.deployable
def test_websocket_connect_is_refused_as_api_gateway_refuses_it(stack, token: str) -> None:
    with pytest.raises(InvalidStatus) as missing:
        connect(ws_url(stack), open_timeout=10)
    assert missing.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as denied:
        connect(f"{ws_url(stack)}?token=not-a-jwt", open_timeout=10)
    assert denied.value.response.status_code == 403
    with connect(f"{ws_url(stack)}?token={token}", open_timeout=10) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert reply(ws, 10) == {"type": "pong"}


def test_24_4_each_method_has_its_own_throttle_and_a_method_setting_replaces_the_stage_default(stack, token: str) -> None:
    """API Gateway throttles per method: "/*" is each method's default bucket, a method's own setting replaces it."""
    gateway = _gateway(stack)
    default = template.throttle_limits(stack.resources.refs)
    own = template.method_throttles(stack.resources.refs)
    assert default and own.get(("POST", "/api/movies")), "the template sizes writes apart from reads"
    add, genres = gateway.throttles[("POST", "/api/movies")], gateway.throttles[("GET", "/api/genres")]
    assert add is not None and genres is not None and add is not genres
    assert (add.rate, add.burst) == own[("POST", "/api/movies")] != (genres.rate, genres.burst) == default
    assert template.lowest_throttle(stack.resources.refs) == min([default, *(v for v in own.values() if v)])
    add.rate = 0.001  # drained and (for this test) not refilling: only this method's callers are refused
    while add.take():
        pass
    auth = {"Authorization": f"Bearer {token}"}
    with _serve(gateway) as url:
        refused = httpx.post(f"{url}/api/movies", json={"title": "T", "genre": "G", "rating": 5, "year": 2000}, headers=auth)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMITED"
        assert httpx.get(f"{url}/api/genres", headers=auth).status_code == 200


def test_24_5_usernames_are_one_account_whatever_their_case_as_the_templates_pool(stack) -> None:
    """Cognito with UsernameConfiguration CaseSensitive false (the template's default) has one account per address
    in any case; moto cannot be told to, so the local /cognito proxy folds the case as Cognito matches it."""
    assert not template.usernames_case_sensitive()
    client = stack.resources.client_id
    local = f"Case-{uuid.uuid4().hex[:8]}"
    first = _cognito(
        stack,
        "SignUp",
        {"ClientId": client, "Username": f"{local}@Example.COM", "Password": "Case-Passw0rd", "UserAttributes": []},
    )
    assert first.status_code == 200, first.text
    assert (
        _cognito(
            stack, "ConfirmSignUp", {"ClientId": client, "Username": f"{local}@example.com", "ConfirmationCode": "123456"}
        ).status_code
        == 200
    )
    variant = _cognito(
        stack,
        "SignUp",
        {"ClientId": client, "Username": f"{local.lower()}@example.com", "Password": "Other-Passw0rd", "UserAttributes": []},
    )
    assert variant.status_code == 400 and variant.json()["__type"] == "UsernameExistsException", variant.text
    signed_in = _cognito(
        stack,
        "InitiateAuth",
        {
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": f"{local.upper()}@EXAMPLE.com", "PASSWORD": "Case-Passw0rd"},
        },
    )
    assert signed_in.status_code == 200 and signed_in.json()["AuthenticationResult"]["IdToken"]


def test_one_function_runs_one_invocation_at_a_time_on_its_own_thread(stack, token: str) -> None:
    """As one warm Lambda sandbox: requests that arrive together queue, each runs alone, all on one thread (so
    its per-thread database connection is reused), and one the gateway stopped waiting for (its integration
    timeout) still holds the sandbox until it ends."""
    running, most, threads = [0], [0], set()
    guard = threading.Lock()
    released = threading.Event()  # held invocations end when the test says, not after a guessed time
    released.set()

    def handler(_event: dict, _context: object) -> dict:
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads.add(threading.current_thread())
        time.sleep(0.05)  # long enough for the four requests to overlap
        released.wait(10)
        with guard:
            running[0] -= 1
        return {"statusCode": 200, "body": "{}"}

    runtime = LambdaRuntime(handlers={"ReadApiFunction": handler})
    auth = {"Authorization": f"Bearer {token}"}
    with _serve(_gateway(stack, runtime)) as url, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: httpx.get(f"{url}/api/dashboard", headers=auth, timeout=30), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert most[0] == 1 and len(threads) == 1
    released.clear()
    with _serve(_gateway(stack, runtime, integration_timeout=0.05)) as url:
        assert httpx.get(f"{url}/api/dashboard", headers=auth).status_code == 504
        assert running[0] == 1  # the gateway gave up; the function did not
        released.set()
        wait_for(lambda: running[0] == 0)
    with _serve(_gateway(stack, runtime)) as url:
        assert httpx.get(f"{url}/api/dashboard", headers=auth).status_code == 200
    assert most[0] == 1
