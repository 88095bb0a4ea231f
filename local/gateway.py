"""The local API Gateway: turns HTTP requests into proxy (v1) events for the handlers the template names."""

from __future__ import annotations

import base64
import json
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
from starlette.websockets import WebSocket, WebSocketDisconnect

from local import template
from local.runtime import LambdaRuntime
from shared.auth import TokenVerifier
from shared.errors import Unauthorized, error_body

UI_DIR = template.ROOT / "frontend" / "dist"


def _claims_as_strings(claims: dict) -> dict[str, str]:
    # API Gateway hands Cognito claims to the function as strings.
    return {k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v)
            for k, v in claims.items()}


def proxy_event(request: Request, body: bytes, route: template.Route, path: str,
                path_params: dict[str, str], claims: dict | None, stage: str) -> dict[str, Any]:
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
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": request.client.host if request.client else "127.0.0.1",
                         "userAgent": request.headers.get("user-agent", "")},
            "authorizer": {"claims": _claims_as_strings(claims)} if claims is not None else None,
        },
        "body": text if body else None,
        "isBase64Encoded": is_b64,
    }


def _response(result: dict) -> Response:
    headers: dict[str, str] = dict(result.get("headers") or {})
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(values)
    body = result.get("body") or ""
    content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers.pop("Content-Length", None)
    return Response(content, status_code=int(result.get("statusCode", 502)), headers=headers)


# --- WebSocket API ----------------------------------------------------------------------------

def _ws_context(stage: str, ws: WebSocket, connection_id: str, route_key: str, event_type: str,
                connected_at: int, authorizer: dict | None) -> dict[str, Any]:
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
        "identity": {"sourceIp": ws.client.host if ws.client else "127.0.0.1",
                     "userAgent": ws.headers.get("user-agent", "")},
        "requestId": str(uuid.uuid4()),
        "domainName": ws.url.hostname or "localhost",
        "connectionId": connection_id,
        "apiId": "local",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return context


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

    async def websocket(self, ws: WebSocket) -> None:

        """$connect (with its REQUEST authorizer), message routes by $request.body.action, $disconnect."""
        connection_id = base64.urlsafe_b64encode(secrets.token_bytes(10)).decode()
        connected_at = int(time.time() * 1000)
        query = dict(ws.query_params)
        headers = dict(ws.headers)
        connect = self.ws_routes.get("$connect")
        authorizer = None
        if connect and connect.authorizer:
            if connect.identity_query and not query.get(connect.identity_query):
                await ws.close(code=1008, reason="Unauthorized: missing token")  # API Gateway: 401 before any call
                return
            event = {"type": "REQUEST", "methodArn": f"arn:aws:execute-api:local:000000000000:local/{self.stage}/$connect",
                     "headers": headers, "queryStringParameters": query, "stageVariables": {},
                     "requestContext": _ws_context(self.stage, ws, connection_id, "$connect", "CONNECT", connected_at, None)}
            policy = await run_in_threadpool(self.runtime.invoke, connect.authorizer, event)
            if not _allowed(policy):
                await ws.close(code=1008, reason="Forbidden")
                return
            authorizer = {**(policy.get("context") or {}), "principalId": policy["principalId"]}
        if connect:
            event = {"headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
                     "queryStringParameters": query or None, "isBase64Encoded": False,
                     "requestContext": _ws_context(self.stage, ws, connection_id, "$connect", "CONNECT", connected_at,
                                                   authorizer)}
            result = await run_in_threadpool(self.runtime.invoke, connect.function, event)
            if int((result or {}).get("statusCode", 500)) != 200:
                await ws.close(code=1008, reason="Connection refused")
                return
        await ws.accept()
        self.sockets[connection_id] = ws
        self._socket_info[connection_id] = {"ConnectedAt": connected_at, "LastActiveAt": connected_at,
                                            "Identity": {"SourceIp": ws.client.host if ws.client else "127.0.0.1",
                                                         "UserAgent": headers.get("user-agent", "")}}
        try:
            while True:
                body = await ws.receive_text()
                self._socket_info[connection_id]["LastActiveAt"] = int(time.time() * 1000)
                try:
                    action = json.loads(body).get("action")
                except (ValueError, AttributeError):
                    action = None
                route = self.ws_routes.get(action) if isinstance(action, str) and action in self.ws_routes \
                    and not action.startswith("$") else self.ws_routes.get("$default")
                if route is None:
                    continue
                event = {"body": body, "isBase64Encoded": False,
                         "requestContext": _ws_context(self.stage, ws, connection_id, route.key, "MESSAGE", connected_at,
                                                       authorizer) | {"messageId": secrets.token_hex(8)}}
                result = await run_in_threadpool(self.runtime.invoke, route.function, event)
                if route.two_way and isinstance(result, dict) and result.get("body"):
                    await ws.send_text(result["body"])
        except WebSocketDisconnect:
            pass
        finally:
            self.sockets.pop(connection_id, None)
            self._socket_info.pop(connection_id, None)
            disconnect = self.ws_routes.get("$disconnect")
            if disconnect:
                event = {"headers": headers, "isBase64Encoded": False,
                         "requestContext": _ws_context(self.stage, ws, connection_id, "$disconnect", "DISCONNECT",
                                                       connected_at, authorizer)}
                await run_in_threadpool(self.runtime.invoke, disconnect.function, event)

    async def connections_api(self, request: Request) -> Response:

        """The @connections management API: POST sends, GET describes, DELETE closes; 410 when gone."""
        connection_id = request.path_params["connection_id"]
        ws = self.sockets.get(connection_id)
        if ws is None:
            return JSONResponse({"message": f"Connection {connection_id} is gone"}, status_code=410,
                                headers={"x-amzn-ErrorType": "GoneException"})
        if request.method == "POST":
            try:
                await ws.send_text((await request.body()).decode())
            except (RuntimeError, WebSocketDisconnect):
                return JSONResponse({"message": "gone"}, status_code=410, headers={"x-amzn-ErrorType": "GoneException"})
            return Response(status_code=200)
        if request.method == "GET":
            info = self._socket_info[connection_id]
            return JSONResponse({
                "ConnectedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info["ConnectedAt"] / 1000)),
                "LastActiveAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info["LastActiveAt"] / 1000)),
                "Identity": info["Identity"],
            })
        await ws.close(code=1000)
        return Response(status_code=204)


class Gateway(WebSocketApi):
    def __init__(self, runtime: LambdaRuntime, verifier: TokenVerifier, ui_config: dict[str, Any],
                 cognito_endpoint: str, static_dir: Path = UI_DIR):
        self.runtime = runtime
        self.verifier = verifier
        self.routes = template.rest_routes()
        self.cache_ttls = template.cache_ttls()
        self.stage = template.stage_name()
        self.ui_config = ui_config
        self.cognito_endpoint = cognito_endpoint
        self.static_dir = static_dir
        self._cache: dict[tuple[str, str, str], tuple[float, dict]] = {}
        self._http = httpx.AsyncClient(timeout=30)
        self.ws_routes = template.websocket_routes()
        self.sockets: dict[str, WebSocket] = {}
        self._socket_info: dict[str, dict[str, Any]] = {}

    def clear_cache(self) -> None:
        self._cache.clear()

    def app(self) -> Starlette:
        return Starlette(routes=[
            StarletteRoute("/config.json", self.config_json, methods=["GET"]),
            StarletteRoute("/cognito", self.cognito_proxy, methods=["POST"]),
            WebSocketRoute("/ws", self.websocket),
            WebSocketRoute(f"/{self.stage}", self.websocket),
            StarletteRoute("/@connections/{connection_id:path}", self.connections_api, methods=["POST", "GET", "DELETE"]),
            StarletteRoute(f"/{self.stage}/@connections/{{connection_id:path}}", self.connections_api,
                           methods=["POST", "GET", "DELETE"]),
            StarletteRoute("/{path:path}", self.dispatch,
                           methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]),
        ])

    async def config_json(self, _request: Request) -> JSONResponse:
        return JSONResponse(self.ui_config, headers={"Cache-Control": "no-store"})

    async def cognito_proxy(self, request: Request) -> Response:
        """Same-origin path to the Cognito API for the browser (moto locally)."""
        upstream = await self._http.post(
            self.cognito_endpoint, content=await request.body(),
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": request.headers.get("x-amz-target", "")},
        )
        return Response(upstream.content, status_code=upstream.status_code,
                        media_type="application/x-amz-json-1.1")

    async def dispatch(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith(f"/{self.stage}/"):
            path = path[len(self.stage) + 1:]
        if not path.startswith("/api/") and path != "/api":
            return self.static(path)
        for route in self.routes:
            params = route.match(request.method, path)
            if params is not None:
                return await self.invoke(request, route, path, params)
        allowed = sorted({r.method for r in self.routes if r.pattern.match(path)})
        if allowed:
            return JSONResponse(error_body("METHOD_NOT_ALLOWED", f"{path} accepts {', '.join(allowed)} only."),
                                status_code=405, headers={"Allow": ", ".join(allowed)})
        return JSONResponse(error_body("NOT_FOUND", f"No route {request.method} {path}."), status_code=404)

    async def invoke(self, request: Request, route: template.Route, path: str, params: dict[str, str]) -> Response:
        claims = None
        if route.authorized:
            try:
                claims = await run_in_threadpool(self.verifier.verify, request.headers.get("authorization"))
            except Unauthorized as exc:
                return JSONResponse(exc.body(), status_code=401)
        ttl = self.cache_ttls.get((route.method, route.path))
        key = (route.method, path, request.url.query)
        if ttl:
            hit = self._cache.get(key)
            if hit and hit[0] > time.monotonic():
                return _response(hit[1])
        event = proxy_event(request, await request.body(), route, path, params, claims, self.stage)
        result = await run_in_threadpool(self.runtime.invoke, route.function, event)
        if ttl and result.get("statusCode") == 200:
            self._cache[key] = (time.monotonic() + ttl, result)
        return _response(result)

    def static(self, path: str) -> Response:
        if not self.static_dir.is_dir():
            return HTMLResponse("<!doctype html><title>Movie Library Explorer</title>"
                                "<h1>Movie Library Explorer</h1><p>The UI is not built; the API is at /api.</p>")
        candidate = (self.static_dir / path.lstrip("/")).resolve()
        if candidate.is_file() and self.static_dir.resolve() in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(self.static_dir / "index.html")  # client-side routes
