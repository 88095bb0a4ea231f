"""Cognito id-token verification, shared by the WebSocket authorizer and the local gateway."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jwt

from domain.errors import Unauthorized
from settings import current

_EXPIRED = "The id token has expired; sign in again."


class TokenVerifier:
    """Checks an id token's RS256 signature (pool JWKS), issuer, audience, token_use and expiry.

    A token that passed is remembered until it expires (at most `remembered` of them): its signature cannot
    change, so checking it again on every request (a warm Lambda, the local gateway) only costs time. Expiry is
    still checked on every call.
    """

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        client_id: str,
        remembered: int = 1024,
        clock: Callable[[], float] = time.time,
    ):
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self._issuer = issuer
        self._client_id = client_id
        self._remembered = remembered
        self._clock = clock  # tests move it past a token's expiry
        self._passed: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()  # the local gateway verifies on its event loop and in worker threads

    def known(self, token: str | None) -> dict[str, Any] | None:
        """The claims of a token that already passed, without any I/O (None: verify it); raises when it has
        expired since."""
        if not token:
            return None
        bare = _bare(token)
        with self._lock:
            claims = self._passed.get(bare)
            if claims is None:
                return None
            if claims["exp"] <= self._clock():  # PyJWT's rule: expired at exp, no leeway
                del self._passed[bare]
                raise Unauthorized(_EXPIRED)
        return dict(claims)

    def verify(self, token: str | None) -> dict[str, Any]:
        if not token:
            raise Unauthorized("Sign in first: send 'Authorization: Bearer <id token>'.")
        claims = self.known(token)
        if claims is not None:
            return claims
        bare = _bare(token)
        claims = self._check(bare)
        with self._lock:
            self._passed[bare] = dict(claims)
            while len(self._passed) > self._remembered:
                self._passed.popitem(last=False)  # the oldest first
        return claims

    def _check(self, token: str) -> dict[str, Any]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuer,
                options={"require": ["exp", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(_EXPIRED) from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized("The signing keys of the user pool could not be fetched.") from exc
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise Unauthorized(f"The id token is not valid: {exc}.") from exc
        if claims.get("token_use") != "id":
            raise Unauthorized("An id token is required, not an access token.")
        return claims


def _bare(token: str) -> str:
    return token.removeprefix("Bearer ").strip()


@lru_cache(maxsize=1)
def verifier() -> TokenVerifier:
    return TokenVerifier(cognito_jwks_url(), cognito_issuer(), cognito_client_id())


def cognito_issuer() -> str:
    settings = current()
    if settings.cognito_issuer:
        return settings.cognito_issuer
    return f"https://cognito-idp.{settings.region}.amazonaws.com/{settings.need('cognito_user_pool_id')}"


def cognito_jwks_url() -> str:
    # Its own setting: moto's tokens name AWS as issuer but serve the keys locally.
    return current().cognito_jwks_url or f"{cognito_issuer()}/.well-known/jwks.json"


def cognito_client_id() -> str:
    return current().need("cognito_client_id")
