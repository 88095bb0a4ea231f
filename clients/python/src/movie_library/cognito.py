"""The two Cognito user-pool calls sign-in needs, and the SRP arithmetic for pools that require it.

InitiateAuth and RespondToAuthChallenge are unauthenticated, so they are plain JSON POSTs (what the
browser sends); a boto3 `cognito-idp` client can be passed instead (`pip install movie-library-client[aws]`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import datetime, timezone
from typing import Any

import httpx

from movie_library.errors import AuthError
from movie_library.urls import require_secure

# RFC 3526 3072-bit MODP prime, the group Cognito's SRP uses (amazon-cognito-identity-js AuthenticationHelper).
_N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
_N = int(_N_HEX, 16)
_G = 2


def _pad_hex(value: int | str) -> str:
    """Hex as Java's BigInteger.toByteArray would encode it: even length, a leading 00 if the top bit is set."""
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89ABCDEFabcdef" else text


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest().rjust(64, "0")


_K = int(_hash_hex("00" + _N_HEX + "0" + f"{_G:x}"), 16)


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Srp:
    """Client side of Cognito's USER_SRP_AUTH: `a` and A, then the PASSWORD_VERIFIER signature."""

    def __init__(self, user_pool_id: str, small_a: int | None = None):
        self.pool_name = user_pool_id.split("_", 1)[1]
        self.small_a = small_a if small_a is not None else int.from_bytes(os.urandom(128), "big") % _N
        self.large_a = pow(_G, self.small_a, _N)
        if self.large_a % _N == 0:
            raise AuthError("SRP: A is zero; try again")

    @property
    def srp_a(self) -> str:
        return f"{self.large_a:x}"

    def signature(self, user_id: str, password: str, salt_hex: str, srp_b_hex: str, secret_block: str, timestamp: str) -> str:
        large_b = int(srp_b_hex, 16)
        if large_b % _N == 0:
            raise AuthError("SRP: the server sent B = 0")
        u = int(_hash_hex(_pad_hex(self.large_a) + _pad_hex(large_b)), 16)
        credentials = hashlib.sha256(f"{self.pool_name}{user_id}:{password}".encode()).hexdigest().rjust(64, "0")
        x = int(_hash_hex(_pad_hex(salt_hex) + credentials), 16)
        s = pow(large_b - _K * pow(_G, x, _N), self.small_a + u * x, _N)
        prk = hmac.new(bytes.fromhex(_pad_hex(u)), bytes.fromhex(_pad_hex(s)), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        message = self.pool_name.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
        return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def srp_timestamp(now: datetime | None = None) -> str:
    """'Tue Nov 3 09:05:07 UTC 2026': the day of the month is not zero-padded."""
    text = (now or datetime.now(timezone.utc)).strftime("%a %b %d %H:%M:%S UTC %Y")
    return re.sub(r" 0(\d) ", r" \1 ", text)


class CognitoApi:
    """InitiateAuth / RespondToAuthChallenge over HTTP, or through a boto3 client when one is given."""

    def __init__(self, region: str, endpoint: str | None = None, boto3_client: Any = None, timeout: float = 30):
        # The password and refresh token go here: TLS unless it is this machine (urls.require_secure).
        self.endpoint = require_secure(endpoint or f"https://cognito-idp.{region}.amazonaws.com/", "the Cognito endpoint")
        self.boto3_client = boto3_client
        self.timeout = timeout

    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self.boto3_client is not None:
            method = re.sub(r"(?<!^)([A-Z])", r"_\1", operation).lower()
            try:
                return getattr(self.boto3_client, method)(**payload)
            except Exception as exc:  # botocore.exceptions.ClientError, without importing botocore
                error = getattr(exc, "response", {}).get("Error", {})
                if not error:
                    raise
                raise AuthError(error.get("Message") or str(exc), code=error.get("Code")) from exc
        try:
            response = httpx.post(
                self.endpoint,
                json=payload,
                timeout=self.timeout,
                headers={
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
                },
            )
        except httpx.TransportError as exc:
            raise AuthError(f"Cognito could not be reached at {self.endpoint}: {exc}", code="ConnectionError") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200:
            code = str(body.get("__type") or body.get("code") or f"HTTP{response.status_code}").rsplit("#", 1)[-1]
            raise AuthError(body.get("message") or body.get("Message") or f"Cognito answered {response.status_code}", code=code)
        return body
