"""What keeps the local stand-in safe on a developer's laptop, where any web page the developer visits
can reach 127.0.0.1: an Origin rule for the Cognito proxy and the WebSocket upgrade, the UI's security
headers (CloudFront's response headers policy in template.yaml), read deadlines against slow clients,
and loopback-only listeners. AWS needs none of these for its own sake; a laptop does."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import Mapping
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from local import template

# A client must send its request's headers within this many seconds of connecting (or of its previous
# response), and its body within this many seconds of its headers; generous for a busy machine, short
# enough that slow-header or slow-body clients (slowloris) cannot hold connections open.
READ_DEADLINE_S = float(os.environ.get("LOCAL_READ_DEADLINE_SECONDS", "20"))
WS_MAX_MESSAGE = 128 * 1024  # API Gateway's WebSocket message limit (frames are 32 KB)


def is_loopback(host: str) -> bool:
    """Whether host names only this machine (the local stack binds nothing else)."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin_allowed(headers: Mapping[str, str], allowed_origin: str | None) -> bool:
    """A browser request is ours when its Origin is the origin it was sent to (the UI on the same
    origin) or the configured AllowedOrigin (a UI served elsewhere, as CloudFront serves it); a request
    without Origin does not come from a web page (CLI, SDKs, tests) and is allowed."""
    origin = headers.get("origin")
    if origin is None:
        return True
    scheme, sep, rest = origin.partition("://")
    if sep and scheme in ("http", "https") and rest.lower() == headers.get("host", "").lower():
        return True
    return bool(allowed_origin) and allowed_origin != "*" and origin == allowed_origin


def security_headers(host: str) -> dict[str, str]:
    """The headers of the template's UiSecurityHeaders policy for a UI served from http://<host>: the same
    CSP with connect-src naming this origin (REST, WebSocket and Cognito are all on it locally) and
    without upgrade-insecure-requests (plain http on loopback)."""
    config = template.resources("AWS::CloudFront::ResponseHeadersPolicy")["UiSecurityHeaders"]["Properties"]
    settings = config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = settings["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    csp = csp["Fn::Sub"] if isinstance(csp, dict) else csp
    directives = []
    for directive in (d.strip() for d in csp.split(";")):
        if directive.startswith("connect-src"):
            directive = f"connect-src 'self' ws://{host}"
        if directive and directive != "upgrade-insecure-requests":
            directives.append(directive)
    hsts = settings["StrictTransportSecurity"]
    xss = settings["XSSProtection"]
    return {
        "Content-Security-Policy": "; ".join(directives),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": settings["FrameOptions"]["FrameOption"],
        "Referrer-Policy": settings["ReferrerPolicy"]["ReferrerPolicy"],
        # Browsers ignore it over http; sent so the local headers are CloudFront's.
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else ""),
        "X-XSS-Protection": ("1; mode=block" if xss.get("ModeBlock") else "1") if xss.get("Protection") else "0",
    }


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with read deadlines: a connection that has not sent a complete request
    head within READ_DEADLINE_S of connecting (or of its last response), or a request whose body is not
    complete READ_DEADLINE_S after its head, is closed. A connection upgraded to a WebSocket is left alone."""

    read_deadline = READ_DEADLINE_S

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm(None)

    def _arm(self, cycle: Any) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.read_deadline, self._expired, cycle)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before and self.cycle is not None:  # a new request head arrived: time its body
            self._arm(self.cycle)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm(None)  # a kept-alive connection: the next head has the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _expired(self, cycle: Any) -> None:
        transport = self.transport
        if transport.is_closing() or transport.get_protocol() is not self:  # closed, or now a WebSocket
            return
        if cycle is None:
            waiting = self.cycle is None or self.cycle.response_complete
        else:
            waiting = cycle is self.cycle and cycle.more_body and not cycle.response_started
        if waiting:
            transport.close()
