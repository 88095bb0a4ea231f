"""The local API Gateway: turns HTTP requests into proxy (v1) events for the handlers the template names."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route as StarletteRoute
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.auth import TokenVerifier
from domain.errors import Unauthorized
from local import aws, browser_safety, cognito_public, template
from local.gateway_responses import GatewayResponses
from local.guards import HostGuard, SignedOnly
from local.request_validation import BodyValidator
from local.runtime import FunctionTimedOut, LambdaRuntime
from local.stage_cache import CachedResponse, StageCache, TokenBucket, cache_key, wants_fresh

UI_DIR = template.ROOT / "frontend" / "dist"
MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway's REST payload limit
INTEGRATION_TIMEOUT_S = 29.0  # API Gateway's default integration timeout
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
WS_UNSUPPORTED_DATA = 1003  # API Gateway closes a WebSocket that sends a binary frame with this code
log = logging.getLogger("local.gateway")

_DATE_CLAIMS = {"exp", "iat"}


def _claims_as_strings(claims: dict) -> dict[str, str]:
    """Claims as the Cognito authorizer hands them over: all strings, exp/iat as dates, booleans lower-case."""

    def text(key: str, value: Any) -> str:
        if key in _DATE_CLAIMS and isinstance(value, (int, float)):
            return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(value))
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, dict)):
            return json.dumps(value)
        return str(value)

    return {k: text(k, v) for k, v in claims.items()}


def proxy_event(
    request: Request,
    body: bytes,
    route: template.Route,
    path: str,
    path_params: dict[str, str],
    claims: dict | None,
    stage: str,
    request_id: str | None = None,
) -> dict[str, Any]:
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for key, value in pairs:
        multi_query.setdefault(key, []).append(value)
    multi_headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        multi_headers.setdefault(key, []).append(value)
    try:
        text, is_b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode(), True
    now = time.time()
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "protocol": "HTTP/1.1",
            "domainName": request.url.hostname or "localhost",
            "requestId": request_id or str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {
                "sourceIp": request.client.host if request.client else "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "authorizer": {"claims": _claims_as_strings(claims)} if claims is not None else None,
        },
        "body": text if body else None,
        "isBase64Encoded": is_b64,
    }


def _proxy_result(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a Lambda proxy result; raises on a shape API Gateway would reject."""
    if not isinstance(result, dict) or "statusCode" not in result:
        raise ValueError("no statusCode")
    headers: dict[str, str] = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("body is not a string")
    content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers.pop("Content-Length", None)
    return int(result["statusCode"]), headers, content


# --- WebSocket API ----------------------------------------------------------------------------


def _ws_context(
    stage: str, ws: WebSocket, connection_id: str, route_key: str, event_type: str, connected_at: int, authorizer: dict | None
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": str(uuid.uuid4()),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": ws.client.host if ws.client else "127.0.0.1", "userAgent": ws.headers.get("user-agent", "")},
        "requestId": str(uuid.uuid4()),
        "domainName": ws.url.hostname or "localhost",
        "connectionId": connection_id,
        "apiId": "local",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return context


async def _refuse(ws: WebSocket, status: int, message: str) -> None:
    """Refuse the upgrade with an HTTP status and body, as API Gateway answers a refused $connect."""
    try:
        await ws.send_denial_response(JSONResponse({"message": message}, status_code=status))
    except RuntimeError:  # a server without the denial-response extension: a plain refusal (403)
        await ws.close(code=1008)


def _allowed(policy: Any) -> bool:
    try:
        statements = policy["policyDocument"]["Statement"]
        return bool(statements) and all(st["Effect"] == "Allow" for st in statements)
    except (KeyError, TypeError):
        return False


class WebSocketApi:
    """The WebSocket half of the gateway (routes from the template) and its @connections API."""

    stage: str
    runtime: LambdaRuntime
    ws_routes: dict[str, template.WebSocketRoute]
    sockets: dict[str, WebSocket]
    _socket_info: dict[str, dict[str, Any]]
    cors: template.Cors | None

    async def websocket(self, ws: WebSocket) -> None:
        """$connect (with its REQUEST authorizer), message routes by $request.body.action, $disconnect."""
        if not browser_safety.origin_allowed(ws.headers, self.cors.allow_origin if self.cors else None):
            # API Gateway takes any Origin; a laptop must not let every web page open sockets as its users.
            await _refuse(ws, 403, "Forbidden")
            return
        connection_id = base64.urlsafe_b64encode(secrets.token_bytes(10)).decode()
        connected_at = int(time.time() * 1000)
        headers = dict(ws.headers)
        accepted, authorizer = await self._connect(ws, connection_id, connected_at, dict(ws.query_params), headers)
        if not accepted:
            return
        await ws.accept()
        self.sockets[connection_id] = ws
        self._socket_info[connection_id] = {
            "ConnectedAt": connected_at,
            "LastActiveAt": connected_at,
            "Identity": {"SourceIp": ws.client.host if ws.client else "127.0.0.1", "UserAgent": headers.get("user-agent", "")},
        }
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is None:  # a binary frame: API Gateway hangs up with 1003
                    await ws.close(code=WS_UNSUPPORTED_DATA)
                    break
                await self._on_message(ws, connection_id, connected_at, authorizer, message["text"])
        except WebSocketDisconnect:
            pass
        finally:
            self.sockets.pop(connection_id, None)
            self._socket_info.pop(connection_id, None)
            disconnect = self.ws_routes.get("$disconnect")
            if disconnect:
                event = {
                    "headers": headers,
                    "isBase64Encoded": False,
                    "requestContext": _ws_context(
                        self.stage, ws, connection_id, "$disconnect", "DISCONNECT", connected_at, authorizer
                    ),
                }
                await self.runtime.invoke_async(disconnect.function, event)

    async def _connect(
        self, ws: WebSocket, connection_id: str, connected_at: int, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[bool, dict[str, Any] | None]:
        """The $connect route: its authorizer, then its function. (accepted, the authorizer's context);
        a refused connection has already been answered."""
        connect = self.ws_routes.get("$connect")
        authorizer = None
        if connect and connect.authorizer:
            if connect.identity_query and not query.get(connect.identity_query):
                await _refuse(ws, 401, "Unauthorized")  # API Gateway: 401 before calling the authorizer
                return False, None
            arn = f"arn:aws:execute-api:local:000000000000:local/{self.stage}/$connect"
            event: dict[str, Any] = {
                "type": "REQUEST",
                "methodArn": arn,
                "headers": headers,
                "queryStringParameters": query,
                "stageVariables": {},
                "requestContext": _ws_context(self.stage, ws, connection_id, "$connect", "CONNECT", connected_at, None),
            }
            policy = await self.runtime.invoke_async(connect.authorizer, event)
            if not _allowed(policy):
                await _refuse(ws, 403, "Forbidden")  # the authorizer denied
                return False, None
            authorizer = {**(policy.get("context") or {}), "principalId": policy["principalId"]}
        if connect:
            event = {
                "headers": headers,
                "multiValueHeaders": {k: [v] for k, v in headers.items()},
                "queryStringParameters": query or None,
                "isBase64Encoded": False,
                "requestContext": _ws_context(self.stage, ws, connection_id, "$connect", "CONNECT", connected_at, authorizer),
            }
            result = await self.runtime.invoke_async(connect.function, event)
            status = int((result or {}).get("statusCode", 500))
            if status != 200:
                await _refuse(ws, status if status >= 400 else 500, "Forbidden" if status < 500 else "Internal server error")
                return False, None
        return True, authorizer

    async def _on_message(
        self, ws: WebSocket, connection_id: str, connected_at: int, authorizer: dict[str, Any] | None, body: str
    ) -> None:
        """One text frame: routed by its action (else $default) to the route's function."""
        self._socket_info[connection_id]["LastActiveAt"] = int(time.time() * 1000)
        try:
            action = json.loads(body).get("action")
        except (ValueError, AttributeError):
            action = None
        route = (
            self.ws_routes.get(action)
            if isinstance(action, str) and action in self.ws_routes and not action.startswith("$")
            else self.ws_routes.get("$default")
        )
        if route is None:
            return
        event: dict[str, Any] = {
            "body": body,
            "isBase64Encoded": False,
            "requestContext": _ws_context(self.stage, ws, connection_id, route.key, "MESSAGE", connected_at, authorizer)
            | {"messageId": secrets.token_hex(8)},
        }
        try:
            result = await self.runtime.invoke_async(route.function, event)
        except Exception as exc:
            # API Gateway keeps the connection and tells the client, without detail.
            log.warning("%s failed on a WebSocket message: %s", route.function, exc)
            await ws.send_text(
                json.dumps(
                    {
                        "message": "Internal server error",
                        "connectionId": connection_id,
                        "requestId": event["requestContext"]["requestId"],
                    }
                )
            )
            return
        if route.two_way and isinstance(result, dict) and result.get("body"):
            await ws.send_text(result["body"])

    async def connections_api(self, request: Request) -> Response:
        """The @connections management API: POST sends, GET describes, DELETE closes; 410 when gone."""
        connection_id = request.path_params["connection_id"]
        ws = self.sockets.get(connection_id)
        if ws is None:
            return JSONResponse(
                {"message": f"Connection {connection_id} is gone"}, status_code=410, headers={"x-amzn-ErrorType": "GoneException"}
            )
        if request.method == "POST":
            try:
                await ws.send_text((await request.body()).decode())
            except (RuntimeError, WebSocketDisconnect):
                return JSONResponse({"message": "gone"}, status_code=410, headers={"x-amzn-ErrorType": "GoneException"})
            return Response(status_code=200)
        if request.method == "GET":
            info = self._socket_info[connection_id]
            return JSONResponse(
                {
                    "ConnectedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info["ConnectedAt"] / 1000)),
                    "LastActiveAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info["LastActiveAt"] / 1000)),
                    "Identity": info["Identity"],
                }
            )
        await ws.close(code=1000)
        return Response(status_code=204)


class Gateway(WebSocketApi):
    """The REST and WebSocket APIs of template.yaml on one local origin, plus the built UI and its config.

    The REST side does, in API Gateway's order: host check, route, throttle, payload limit, the Cognito
    authorizer, body validation against the method's model, the stage cache, then the function with the
    29 s integration timeout. Everything it answers by itself is one of the template's gateway responses.
    """

    def __init__(
        self,
        runtime: LambdaRuntime,
        verifier: TokenVerifier,
        ui_config: dict[str, Any],
        cognito_endpoint: str,
        static_dir: Path = UI_DIR,
        refs: dict[str, dict[str, str]] | None = None,
        allowed_hosts: set[str] | None = None,
        throttle: tuple[float, int] | None = None,
        integration_timeout: float = INTEGRATION_TIMEOUT_S,
    ):
        """refs resolve the template's references (parameters too); throttle (rate, burst, for every method) and
        integration_timeout override API Gateway's for tests that need to reach them quickly."""
        refs = refs or {}
        self.integration_timeout = integration_timeout
        self.runtime = runtime
        self.verifier = verifier
        self.routes = template.rest_routes()
        self.stage = template.stage_name()
        self.responses = GatewayResponses(template.gateway_responses(refs))
        models = template.models()
        self.validators = {
            (r.method, r.path): BodyValidator(models[r.model], r.body_required)
            for r in self.routes
            if r.model and r.validate_body
        }
        self.cache_settings = template.cache_settings(refs)
        self.cache_ttls = {key: setting.ttl for key, setting in self.cache_settings.items()}
        self.cache = StageCache()
        self.cors = template.rest_cors(refs)
        # One bucket per method, as API Gateway throttles: the "/*" default, or the method's own setting.
        default = throttle or template.throttle_limits(refs)
        own = {} if throttle else template.method_throttles(refs)
        self.throttles: dict[tuple[str, str], TokenBucket | None] = {}
        for route in self.routes:
            limits = own.get((route.method, route.path), default)  # a stored None: the method has no throttle
            self.throttles[(route.method, route.path)] = TokenBucket(*limits) if limits else None
        self.allowed_hosts = {h.lower() for h in (allowed_hosts or set())} | LOOPBACK_HOSTS
        self.ui_config = ui_config
        self.cognito_endpoint = cognito_endpoint
        self.static_dir = static_dir
        self._http = httpx.AsyncClient(timeout=30)
        self.ws_routes = template.websocket_routes()
        self.sockets: dict[str, WebSocket] = {}
        self._socket_info: dict[str, dict[str, Any]] = {}

    def flush_cache(self) -> None:
        """What `aws apigateway flush-stage-cache` does; also served on the management port."""
        self.cache.flush()

    # --- the two listeners ------------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        """The public origin: UI, config, Cognito proxy, REST under /api and /<stage>/api, WebSocket."""
        app = Starlette(
            routes=[
                StarletteRoute("/config.json", self.config_json, methods=["GET"]),
                StarletteRoute("/cognito", self.cognito_proxy, methods=["POST", "OPTIONS"]),
                WebSocketRoute("/ws", self.websocket),
                WebSocketRoute(f"/{self.stage}", self.websocket),
                StarletteRoute(
                    "/{path:path}", self.dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
                ),
            ],
            exception_handlers={404: self.unrouted},
        )
        return HostGuard(app, self.allowed_hosts)

    async def unrouted(self, request: Request, _exc: Exception) -> Response:
        """A path no route matches (Starlette's path pattern stops at a newline): API Gateway's JSON answer
        for a resource it does not have, not Starlette's plain-text "Not Found"."""
        extra = {"stage": self.stage, "path": request.url.path, "httpMethod": request.method}
        return self.responses.respond("MISSING_AUTHENTICATION_TOKEN", request, str(uuid.uuid4()), extra=extra)

    def management_app(self) -> ASGIApp:
        """What only AWS principals reach on AWS: @connections (execute-api:ManageConnections) and the
        stage cache flush (apigateway:DELETE). Served on a separate loopback-only port; callers must sign."""
        connections = ["POST", "GET", "DELETE"]
        app = Starlette(
            routes=[
                StarletteRoute(f"/{self.stage}/@connections/{{connection_id:path}}", self.connections_api, methods=connections),
                StarletteRoute("/@connections/{connection_id:path}", self.connections_api, methods=connections),
                StarletteRoute("/restapis/{api_id}/stages/{stage}/cache/data", self.flush_cache_api, methods=["DELETE"]),
            ]
        )
        return HostGuard(SignedOnly(app), LOOPBACK_HOSTS)

    async def flush_cache_api(self, request: Request) -> Response:
        if request.path_params["stage"] != self.stage:
            return JSONResponse(
                {"message": "Invalid stage identifier specified"},
                status_code=404,
                headers={"x-amzn-ErrorType": "NotFoundException"},
            )
        self.flush_cache()
        return Response(status_code=202)

    async def config_json(self, request: Request) -> JSONResponse:
        return JSONResponse(
            self.ui_config,
            headers={"Cache-Control": "no-store"} | browser_safety.security_headers(request.headers.get("host", "")),
        )

    async def cognito_proxy(self, request: Request) -> Response:
        """The browser's path to the Cognito API (moto locally): only the actions a browser may call
        unauthenticated are forwarded, and only from this origin or the AllowedOrigin (Cognito answers
        CORS for any origin, but on a laptop that would hand the local pool to every web page)."""
        origin = request.headers.get("origin")
        allowed = browser_safety.origin_allowed(request.headers, self.cors.allow_origin if self.cors else None)
        cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin and allowed else {}
        if not allowed:
            return JSONResponse(
                {"__type": "AccessDeniedException", "message": "Cross-origin request refused"},
                status_code=403,
                media_type="application/x-amz-json-1.1",
            )
        if request.method == "OPTIONS":
            return Response(
                status_code=200,
                headers=cors
                | {
                    "Access-Control-Allow-Methods": "POST",
                    "Access-Control-Allow-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
                    "Access-Control-Max-Age": "86400",
                },
            )
        target = request.headers.get("x-amz-target", "")
        service, _, action = target.partition(".")
        if service != "AWSCognitoIdentityProviderService" or action not in aws.PUBLIC_COGNITO_ACTIONS:
            # What Cognito says to an unsigned call of an action that needs AWS credentials.
            return JSONResponse(
                {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"},
                status_code=400,
                headers=cors,
                media_type="application/x-amz-json-1.1",
            )
        body = cognito_public.fold_username_case(await request.body())
        answered = cognito_public.answer(action, body)
        if answered is not None:
            return JSONResponse(answered[1], status_code=answered[0], headers=cors, media_type="application/x-amz-json-1.1")
        # The action rides in the URL's query: moto reads a query-string Action before X-Amz-Target, and
        # parses a body as a query string only when the URL has none, so "&Action=ListUsers&" smuggled
        # into a JSON value can no longer choose the action.
        upstream = await self._http.post(
            self.cognito_endpoint,
            params={"Action": action},
            content=body,
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
        )
        cognito_public.issued(action, body, upstream.status_code)
        return Response(upstream.content, status_code=upstream.status_code, headers=cors, media_type="application/x-amz-json-1.1")

    # --- REST ---------------------------------------------------------------------------------------------

    async def dispatch(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith(f"/{self.stage}/"):
            path = path[len(self.stage) + 1 :]
        if not path.startswith("/api/") and path != "/api":
            # The site's documents carry CloudFront's response headers policy, as deployed.
            response = self.static(path, request.method)
            response.headers.update(browser_safety.security_headers(request.headers.get("host", "")))
            return response
        request_id = str(uuid.uuid4())
        extra = {"stage": self.stage, "path": request.url.path, "httpMethod": request.method}
        for route in self.routes:
            params = route.match(request.method, path)
            if params is not None:
                return await self.invoke(request, route, path, params, request_id)
        if request.method == "OPTIONS" and self.cors and any(r.pattern.match(path) for r in self.routes):
            return self.preflight()
        # API Gateway's answer for a resource or method it does not have.
        return self.responses.respond("MISSING_AUTHENTICATION_TOKEN", request, request_id, extra=extra)

    def preflight(self) -> Response:
        """SAM's generated OPTIONS method (a mock integration, no authorizer) answers with the Cors setting."""
        assert self.cors is not None
        headers = {"Access-Control-Allow-Origin": self.cors.allow_origin}
        for name, value in (
            ("Access-Control-Allow-Headers", self.cors.allow_headers),
            ("Access-Control-Allow-Methods", self.cors.allow_methods),
            ("Access-Control-Max-Age", self.cors.max_age),
        ):
            if value:
                headers[name] = value
        return Response(status_code=200, headers=headers)

    async def invoke(
        self, request: Request, route: template.Route, path: str, params: dict[str, str], request_id: str
    ) -> Response:
        extra = {"stage": self.stage, "resourcePath": route.path, "path": request.url.path, "httpMethod": request.method}

        def fail(kind: str, **kwargs: Any) -> Response:
            return self.responses.respond(kind, request, request_id, extra=extra, **kwargs)

        bucket = self.throttles.get((route.method, route.path))
        if bucket is not None and not bucket.take():
            return fail("THROTTLED")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_PAYLOAD:
            return fail("REQUEST_TOO_LARGE")
        body = await request.body()
        if len(body) > MAX_PAYLOAD:
            return fail("REQUEST_TOO_LARGE")
        claims = None
        if route.authorized:
            try:
                header = request.headers.get("authorization")
                # A token seen before is answered here; a new one may need the pool's keys fetched (I/O).
                claims = self.verifier.known(header) or await run_in_threadpool(self.verifier.verify, header)
            except Unauthorized as exc:
                # The client gets the template's UNAUTHORIZED response; the reason stays in the local log.
                log.info("authorizer refused %s %s: %s (request %s)", request.method, path, exc.message, request_id)
                return fail("UNAUTHORIZED")
        validator = self.validators.get((route.method, route.path))
        if validator is not None:
            problem = validator.validate(request.headers.get("content-type"), body)
            if problem is not None:
                return fail("BAD_REQUEST_BODY", validation_error=problem)
        setting = self.cache_settings.get((route.method, route.path))
        key = None
        cache_note: dict[str, str] = {}
        if setting is not None:
            key = cache_key(route.method, path, setting, _multi_query(request), dict(request.headers), params)
            if wants_fresh(dict(request.headers)):
                if setting.require_authorization_for_cache_control:
                    if setting.unauthorized_strategy == "FAIL_WITH_403":
                        return fail("ACCESS_DENIED")
                    if setting.unauthorized_strategy == "SUCCEED_WITH_RESPONSE_HEADER":
                        cache_note = {"Warning": '199 "Cache-Control: max-age=0 ignored: not authorized to invalidate"'}
                else:
                    self.cache.invalidate(key)
            hit = self.cache.get(key)
            if hit is not None:
                return Response(hit.body, status_code=hit.status, headers=hit.headers | cache_note)
        event = proxy_event(request, body, route, path, params, claims, self.stage, request_id)
        try:
            result = await asyncio.wait_for(self.runtime.invoke_async(route.function, event), self.integration_timeout)
        except TimeoutError:
            log.warning("%s: integration timed out after %ss (request %s)", route.function, self.integration_timeout, request_id)
            return fail("INTEGRATION_TIMEOUT")
        except FunctionTimedOut as exc:
            log.warning("%s: %s (request %s)", route.function, exc, request_id)
            return fail("DEFAULT_5XX")
        except Exception:
            log.exception("%s failed (request %s)", route.function, request_id)
            return fail("DEFAULT_5XX")
        try:
            status, headers, content = _proxy_result(result)
        except (TypeError, ValueError, KeyError) as exc:
            log.warning("%s returned a malformed proxy response: %s (request %s)", route.function, exc, request_id)
            return fail("DEFAULT_5XX")
        headers.setdefault("x-amzn-RequestId", request_id)
        if key is not None and setting is not None and status == 200:
            self.cache.put(key, setting.ttl, CachedResponse(status, headers, content))
        return Response(content, status_code=status, headers=headers | cache_note)

    def static(self, path: str, method: str = "GET") -> Response:
        if method not in ("GET", "HEAD"):
            # The static site (CloudFront in front of S3) only serves reads.
            return Response("<Error><Code>MethodNotAllowed</Code></Error>", status_code=403, media_type="text/xml")
        if not self.static_dir.is_dir():
            return HTMLResponse(
                "<!doctype html><title>Movie Library Explorer</title>"
                "<h1>Movie Library Explorer</h1><p>The UI is not built; the API is at /api.</p>"
            )
        try:
            candidate = (self.static_dir / path.lstrip("/")).resolve()
            found = candidate.is_file() and self.static_dir.resolve() in candidate.parents
        except (ValueError, OSError):  # e.g. /index.html%00.js: no file has that name
            found = False
        if found:
            return FileResponse(candidate)
        return FileResponse(self.static_dir / "index.html")  # client-side routes


def _multi_query(request: Request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.url.query, keep_blank_values=True):
        found.setdefault(key, []).append(value)
    return found
