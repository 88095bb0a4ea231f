"""Test clients back off from API Gateway's stage throttle as real clients do (AWS SDKs, clients/python).

The throttle (template.yaml MethodSettings, per method) answers 429 without Retry-After before the request
reaches the service, so repeating it is always safe. The per-user add limit's 429 carries Retry-After and is
handed back as it is: tests of that limit see it.
"""

from __future__ import annotations

import time

import httpx

ATTEMPTS = 10


class BackOffFromThrottle(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(ATTEMPTS):
            response = super().handle_request(request)
            if response.status_code != 429 or "retry-after" in response.headers or attempt == ATTEMPTS - 1:
                return response
            response.read()
            response.close()
            time.sleep(min(2.0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")


def client(base_url: str, token: str, timeout: float = 30) -> httpx.Client:
    """An API client for tests: the stack's base URL, a bearer token, and backing off from the throttle."""
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, transport=BackOffFromThrottle()
    )
