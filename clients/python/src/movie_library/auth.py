"""Where the id token comes from: a string, a callable, or a Cognito sign-in that refreshes itself."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from movie_library.cognito import CognitoApi, Srp, secret_hash, srp_timestamp
from movie_library.errors import AuthError


@runtime_checkable
class Auth(Protocol):
    def token(self) -> str:
        """The id token to send now."""
        ...

    def on_unauthorized(self, rejected: str) -> bool:
        """The API refused `rejected`; return True when a different token is now available (retry once)."""
        ...


def token_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (not verified: the API verifies; this only decides when to refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, KeyError, TypeError, ValueError):
        return None


class StaticToken:
    def __init__(self, token: str):
        self._token = token

    def token(self) -> str:
        return self._token

    def on_unauthorized(self, rejected: str) -> bool:
        return False


class TokenProvider:
    """Wraps a callable that returns the current id token; it is asked again after a 401."""

    def __init__(self, provider: Callable[[], str]):
        self._provider = provider

    def token(self) -> str:
        return self._provider()

    def on_unauthorized(self, rejected: str) -> bool:
        return self._provider() != rejected


def as_auth(auth: str | Callable[[], str] | Auth | None) -> Auth | None:
    if auth is None or isinstance(auth, Auth):
        return auth
    if isinstance(auth, str):
        return StaticToken(auth)
    if callable(auth):
        return TokenProvider(auth)
    raise TypeError("auth must be a token string, a callable returning one, or an Auth such as CognitoAuth")


class CognitoAuth:
    """Signs in to a Cognito user pool and keeps a fresh id token.

    USER_PASSWORD_AUTH first; when the app client does not allow it, USER_SRP_AUTH (the password never
    leaves the machine). Tokens are kept in memory only; the id token is refreshed with the refresh
    token `refresh_margin` seconds before it expires, and a full sign-in is done when the refresh
    token itself is no longer accepted (if a password is known).
    """

    def __init__(
        self,
        user_pool_id: str,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        *,
        refresh_token: str | None = None,
        id_token: str | None = None,
        client_secret: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        boto3_client: Any = None,
        refresh_margin: float = 300.0,
        timeout: float = 30.0,
    ):
        if not (password or refresh_token):
            raise ValueError("CognitoAuth needs a password or a refresh token")
        self.user_pool_id, self.client_id = user_pool_id, client_id
        self.username, self._password, self._client_secret = username, password, client_secret
        self.api = CognitoApi(region or user_pool_id.split("_", 1)[0], endpoint, boto3_client, timeout)
        self.refresh_margin = refresh_margin
        self._id_token = id_token
        self._refresh_token = refresh_token
        self._lock = threading.Lock()
        self.sign_ins = 0
        self.refreshes = 0

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    def token(self) -> str:
        with self._lock:
            if self._id_token is None or self._expiring(self._id_token):
                self._renew()
            assert self._id_token is not None
            return self._id_token

    def on_unauthorized(self, rejected: str) -> bool:
        with self._lock:
            if self._id_token != rejected:
                return True  # another thread renewed it meanwhile
            self._renew()
            return self._id_token != rejected

    def sign_in(self) -> None:
        with self._lock:
            self._sign_in()

    def _expiring(self, token: str) -> bool:
        expiry = token_expiry(token)
        return expiry is None or expiry - self.refresh_margin <= time.time()

    def _renew(self) -> None:
        if self._refresh_token:
            try:
                self._refresh()
                return
            except AuthError as exc:
                if not self._password or exc.code not in {"NotAuthorizedException", "InvalidParameterException"}:
                    raise
        self._sign_in()

    def _secret(self, username: str | None) -> dict[str, str]:
        if not self._client_secret:
            return {}
        return {"SECRET_HASH": secret_hash(username or "", self.client_id, self._client_secret)}

    def _refresh(self) -> None:
        result = self.api.call(
            "InitiateAuth",
            {
                "ClientId": self.client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": self._refresh_token, **self._secret(self.username)},
            },
        )
        self._store(result)
        self.refreshes += 1

    def _sign_in(self) -> None:
        if not (self.username and self._password):
            raise AuthError(
                "Sign in again: the refresh token was not accepted and no password is known", code="NotAuthorizedException"
            )
        try:
            result = self.api.call(
                "InitiateAuth",
                {
                    "ClientId": self.client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": self.username, "PASSWORD": self._password, **self._secret(self.username)},
                },
            )
        except AuthError as exc:
            if exc.code != "InvalidParameterException" or "USER_PASSWORD_AUTH" not in str(exc):
                raise
            result = self._srp_sign_in()
        self._store(result)
        self.sign_ins += 1

    def _srp_sign_in(self) -> dict[str, Any]:
        assert self.username and self._password
        srp = Srp(self.user_pool_id)
        challenge = self.api.call(
            "InitiateAuth",
            {
                "ClientId": self.client_id,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": self.username, "SRP_A": srp.srp_a, **self._secret(self.username)},
            },
        )
        if challenge.get("ChallengeName") != "PASSWORD_VERIFIER":
            return challenge
        params = challenge["ChallengeParameters"]
        user_id = params["USER_ID_FOR_SRP"]
        timestamp = srp_timestamp()
        payload: dict[str, Any] = {
            "ClientId": self.client_id,
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {
                "USERNAME": user_id,
                "TIMESTAMP": timestamp,
                "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": srp.signature(
                    user_id, self._password, params["SALT"], params["SRP_B"], params["SECRET_BLOCK"], timestamp
                ),
                **self._secret(user_id),
            },
        }
        if challenge.get("Session"):
            payload["Session"] = challenge["Session"]
        return self.api.call("RespondToAuthChallenge", payload)

    def _store(self, result: dict[str, Any]) -> None:
        tokens = result.get("AuthenticationResult")
        if not tokens:
            name = result.get("ChallengeName", "an unknown challenge")
            raise AuthError(
                f"Cognito asks for {name}, which this client cannot answer; sign in once in the web UI", code=str(name)
            )
        self._id_token = tokens["IdToken"]
        self._refresh_token = tokens.get("RefreshToken") or self._refresh_token
