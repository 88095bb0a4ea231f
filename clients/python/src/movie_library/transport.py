"""HTTP with the API's rules: bearer token, error envelope → exception, retries only where they are safe."""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from movie_library import __version__
from movie_library.auth import Auth
from movie_library.errors import MovieLibraryError, Unavailable, from_response
from movie_library.urls import require_secure, same_origin

# Worth another try: throttled, or the service/database is briefly away (API Gateway's 502/504 included).
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def api_root(base_url: str) -> str:
    """`http://host:3000`, `…/api` and `https://x.execute-api…/v1` all mean the same API."""
    root = base_url.rstrip("/")
    return root[: -len("/api")] if root.endswith("/api") else root


class Transport:
    def __init__(
        self,
        base_url: str,
        auth: Auth | None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        http: httpx.Client | None = None,
    ):
        self.root = api_root(base_url)
        parts = urlsplit(self.root)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        require_secure(self.root, "base_url")  # the token and every answer travel over it
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.auth = auth
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.http = http or httpx.Client(timeout=timeout, headers={"User-Agent": f"movie-library-client/{__version__}"})
        self.attempts = 0  # every HTTP attempt made, retries included (for tests and diagnostics)

    def url(self, path: str) -> str:
        if "://" in path or path.startswith("//"):
            # An absolute URL from an answer (statusUrl): the token goes with it, so only to the API's origin.
            if not path.startswith(("http://", "https://")) or not same_origin(path, self.origin):
                raise MovieLibraryError(f"refusing to send the token to {path!r}: it is not on the API's origin {self.origin}")
            return path
        if path.startswith("/api/"):
            return self.root + path
        return self.origin + path  # an absolute path the API gave back, such as statusUrl

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        return min(self.max_backoff, self.backoff * 2**attempt) * random.uniform(0.5, 1.0)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
    ) -> Any:
        """One API call. `retry` says whether repeating it is safe (GETs, and POSTs with an idempotency key)."""
        return self.exchange(method, path, params=params, json=json, headers=headers, retry=retry)[0]

    def exchange(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
    ) -> tuple[Any, httpx.Headers]:
        """request(), with the response's headers (ETag)."""
        attempt = 0
        renewed = False
        while True:
            token = self.auth.token() if self.auth else None
            sent = dict(headers or {})
            if token:
                sent["Authorization"] = f"Bearer {token}"
            self.attempts += 1
            try:
                response = self.http.request(method, self.url(path), params=params, json=json, headers=sent)
            except httpx.TransportError as exc:
                if retry and attempt < self.retries:
                    time.sleep(self.delay(attempt, None))
                    attempt += 1
                    continue
                raise Unavailable(
                    f"{method} {path}: the API could not be reached ({exc.__class__.__name__}: {exc})", code="UNAVAILABLE"
                ) from exc
            status = response.status_code
            if status == 401 and token and self.auth and not renewed and self.auth.on_unauthorized(token):
                renewed = True
                continue
            if status in RETRY_STATUSES and retry and attempt < self.retries:
                time.sleep(self.delay(attempt, retry_after_seconds(response.headers.get("Retry-After"))))
                attempt += 1
                continue
            try:
                body = response.json() if response.content else None
            except ValueError:
                body = response.text
            if status >= 400:
                raise from_response(
                    status, body, retry_after_seconds(response.headers.get("Retry-After")), etag=response.headers.get("ETag")
                )
            return body, response.headers

    def close(self) -> None:
        self.http.close()
