"""The REST stage's cache and throttle, as API Gateway applies them from the stage's method settings.

Cache: only methods with caching enabled; the key is the method, the resource path with its path
parameters, and the method's cache key parameters (nothing else: other query strings and headers, the
Authorization header included, share one entry). A hit is the stored response with the headers it was
stored with. `Cache-Control: max-age=0` invalidates the entry only when the stage lets any caller do it
(RequireAuthorizationForCacheControl false); otherwise it is ignored and, with the default
SUCCEED_WITH_RESPONSE_HEADER strategy, the response says so in a header. The whole cache is flushed the way
`aws apigateway flush-stage-cache` does.

Kept (issue #26 weighed cutting it): both are visible to a client of the deployed stack (a dashboard read that
is 30 s stale after an add, a 429 past the stage's rate), so a local stack without them would answer differently
from AWS where the UI can tell. They stay here, apart from the routing, and do nothing unless the template's
stage settings turn them on.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from local.template import CacheSetting


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def cache_key(
    method: str,
    path: str,
    setting: CacheSetting,
    query: dict[str, list[str]],
    headers: dict[str, str],
    path_params: dict[str, str],
) -> tuple:
    parts: list[Any] = [method, path]
    for parameter in setting.key_parameters:
        kind, _, name = parameter.removeprefix("method.request.").partition(".")
        if kind == "querystring":
            parts.append((parameter, tuple(query.get(name, ()))))
        elif kind == "header":
            parts.append((parameter, headers.get(name.lower())))
        elif kind == "path":
            parts.append((parameter, path_params.get(name)))
    return tuple(parts)


def wants_fresh(headers: dict[str, str]) -> bool:
    return "max-age=0" in headers.get("cache-control", "").replace(" ", "").lower()


class StageCache:
    def __init__(self) -> None:
        self._entries: dict[tuple, tuple[float, CachedResponse]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedResponse | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] <= time.monotonic():
                self._entries.pop(key, None)
                return None
            return hit[1]

    def put(self, key: tuple, ttl: int, response: CachedResponse) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, response)

    def invalidate(self, key: tuple) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def flush(self) -> None:
        with self._lock:
            self._entries.clear()


class TokenBucket:
    """API Gateway's throttle: a bucket of `burst` requests refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False
