"""Cognito id-token verification, shared by the WebSocket authorizer and the local gateway."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jwt

from domain.errors import Unauthorized
from settings import current


class TokenVerifier:
    """Checks an id token's RS256 signature (pool JWKS), issuer, audience, token_use and expiry."""

    def __init__(self, jwks_url: str, issuer: str, client_id: str):
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self._issuer = issuer
        self._client_id = client_id

    def verify(self, token: str | None) -> dict[str, Any]:
        if not token:
            raise Unauthorized("Sign in first: send 'Authorization: Bearer <id token>'.")
        token = token.removeprefix("Bearer ").strip()
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
            raise Unauthorized("The id token has expired; sign in again.") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized("The signing keys of the user pool could not be fetched.") from exc
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise Unauthorized(f"The id token is not valid: {exc}.") from exc
        if claims.get("token_use") != "id":
            raise Unauthorized("An id token is required, not an access token.")
        return claims


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
