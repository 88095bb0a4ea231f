"""#27 (speed through the gateway): a verified id token is remembered until it expires, so a warm Lambda and the
local gateway do not check its RS256 signature on every request. Remembering must not change any answer: an
expired token is refused the moment its exp passes, a token that differs by one character is verified afresh,
and a refused token is never remembered."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from api import auth
from api.auth import TokenVerifier
from domain.errors import Unauthorized
from tests.e2e.test_gateway_parity import _gateway, _serve


class _Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class _Counting(TokenVerifier):
    """The real verifier, counting its signature checks."""

    def __init__(self, clock: _Clock) -> None:
        super().__init__(auth.cognito_jwks_url(), auth.cognito_issuer(), auth.cognito_client_id(), clock=clock)
        self.checks = 0

    def _check(self, token: str) -> dict[str, Any]:
        self.checks += 1
        return super()._check(token)


def _exp(token: str) -> int:
    return int(jwt.decode(token, options={"verify_signature": False})["exp"])


def test_a_verified_token_is_checked_once_and_refused_the_moment_it_expires(stack, token: str) -> None:
    clock = _Clock()
    verifier = _Counting(clock)
    assert verifier.known(f"Bearer {token}") is None
    first = verifier.verify(f"Bearer {token}")
    again = verifier.verify(token)  # the same token, with or without "Bearer "
    assert first == again and first["token_use"] == "id" and verifier.checks == 1
    again["sub"] = "someone else"  # a caller's changes stay its own
    assert verifier.verify(token)["sub"] == first["sub"]
    clock.now = _exp(token) - 0.5
    assert verifier.verify(token) == first
    clock.now = _exp(token)  # PyJWT's rule: expired at exp itself
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)
    assert verifier.checks == 1  # refused from memory, without a signature check


def test_a_changed_or_refused_token_is_never_taken_from_memory(stack, token: str) -> None:
    verifier = _Counting(_Clock())
    verifier.verify(token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    for _ in range(2):
        with pytest.raises(Unauthorized, match="not valid"):
            verifier.verify(tampered)
    assert verifier.checks == 3  # the good one once, the bad one each time


def test_at_most_the_configured_number_are_remembered(stack) -> None:
    verifier = TokenVerifier(auth.cognito_jwks_url(), auth.cognito_issuer(), auth.cognito_client_id(), remembered=2)
    tokens = [stack.demo_token() for _ in range(3)]
    assert len(set(tokens)) == 3
    for each in tokens:
        verifier.verify(each)
    assert verifier.known(tokens[0]) is None and verifier.known(tokens[2]) is not None


def test_the_gateway_refuses_a_remembered_token_once_it_expires(stack, token: str) -> None:
    clock = _Clock()
    verifier = _Counting(clock)
    gateway = _gateway(stack)
    gateway.verifier = verifier
    with _serve(gateway) as url:
        auth_header = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}/api/genres", headers=auth_header).status_code == 200
        assert httpx.get(f"{url}/api/genres", headers=auth_header).status_code == 200
        assert verifier.checks == 1
        clock.now = _exp(token)
        refused = httpx.get(f"{url}/api/genres", headers=auth_header)
        unsigned = httpx.get(f"{url}/api/genres")
    assert refused.status_code == unsigned.status_code == 401 and refused.json() == unsigned.json()
