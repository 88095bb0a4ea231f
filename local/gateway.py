"""The local API Gateway: turns HTTP requests into proxy (v1) events for the handlers the template names."""

from __future__ import annotations

import base64
import json
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


class Gateway:
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

    def clear_cache(self) -> None:
        self._cache.clear()

    def app(self) -> Starlette:
        return Starlette(routes=[
            StarletteRoute("/config.json", self.config_json, methods=["GET"]),
            StarletteRoute("/cognito", self.cognito_proxy, methods=["POST"]),
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
