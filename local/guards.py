"""The local origin's two ASGI guards, in front of the gateway's listeners.

HostGuard protects the developer's machine, not fidelity: a page on another site that rebinds its DNS name to
127.0.0.1 must not drive the local API with the developer's session (a browser on AWS could not reach the
stack under a foreign Host either). SignedOnly answers an unsigned call to the management port (@connections,
cache flush) as AWS answers one without SigV4: 403 "Missing Authentication Token" with
x-amzn-ErrorType MissingAuthenticationTokenException. It checks that a signature is present, not that it is
valid: the local stack has no IAM to check it against.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class HostGuard:
    """Answers 400 to a Host header that is not one of ours (DNS rebinding), as API Gateway does for a
    custom domain it does not serve."""

    def __init__(self, app: ASGIApp, hosts: set[str]):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.hosts:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                response = JSONResponse({"message": "Invalid Host header"}, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SignedOnly:
    """The management APIs need a SigV4-signed request on AWS; unsigned calls get AWS's 403."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            auth = dict(scope["headers"]).get(b"authorization", b"")
            if not auth.startswith(b"AWS4-HMAC-SHA256 "):
                response = JSONResponse(
                    {"message": "Missing Authentication Token"},
                    status_code=403,
                    headers={"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
