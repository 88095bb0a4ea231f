"""SRP sign-in, for app clients that do not allow USER_PASSWORD_AUTH.

moto accepts any PASSWORD_VERIFIER signature, so it cannot tell a right one from a wrong one. This test
serves the two Cognito calls over real HTTP with the server half of SRP-6a written out independently
(RFC 5054 group, HKDF from `cryptography`), and accepts the client only if the signature proves the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from movie_library import AuthError, CognitoAuth

from tests.http_stub import StubHandler, serving

POOL_ID = "eu-west-1_AbCdEf123"
CLIENT_ID = "srp-only-client"
USER, USER_ID, PASSWORD = "srp@example.com", "7f1c2d3e-0000-4000-8000-123456789abc", "Srp-Passw0rd!"
# RFC 3526 group 15: 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi) + 1690314), as an integer.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2


def _pi_bits(bits: int) -> int:
    """floor(pi * 2^bits) by Machin's formula, to check the prime above from its definition."""
    one = 1 << (bits + 64)

    def arctan_inverse(x: int) -> int:
        total = term = one // x
        n, sign = 1, -1
        while term:
            term //= x * x
            n += 2
            total += sign * (term // n)
            sign = -sign
        return total

    return (16 * arctan_inverse(5) - 4 * arctan_inverse(239)) >> 64


def test_the_group_is_rfc_3526_group_15() -> None:
    assert 2**3072 - 2**3008 - 1 + 2**64 * (_pi_bits(2942) + 1690314) == N


def _java_bytes(value: int) -> bytes:
    """Big-endian two's complement, as Java's BigInteger.toByteArray (and so Cognito) encodes a positive number."""
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def _h(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest(), "big")


class SrpServer:
    """The user pool's half: it holds the verifier g^x, never the password."""

    def __init__(self) -> None:
        self.salt = secrets.randbits(128) | 1 << 127  # top bit set: the client must pad it the way Java does
        pool_name = POOL_ID.split("_")[1]
        inner = hashlib.sha256(f"{pool_name}{USER_ID}:{PASSWORD}".encode()).digest()
        self.verifier = pow(G, _h(_java_bytes(self.salt) + inner), N)
        self.k = _h(_java_bytes(N) + _java_bytes(G))
        self.sessions: dict[str, tuple[int, int, int]] = {}  # secret block → (A, b, B)
        self.calls: list[str] = []

    def handle(self, target: str, body: dict) -> tuple[int, dict]:
        operation = target.rsplit(".", 1)[-1]
        self.calls.append(f"{operation}:{body.get('AuthFlow') or body.get('ChallengeName')}")
        if operation == "InitiateAuth" and body["AuthFlow"] == "USER_PASSWORD_AUTH":
            return 400, {"__type": "InvalidParameterException", "message": "USER_PASSWORD_AUTH flow not enabled for this client"}
        if operation == "InitiateAuth" and body["AuthFlow"] == "USER_SRP_AUTH":
            large_a = int(body["AuthParameters"]["SRP_A"], 16)
            b = secrets.randbits(1024)
            large_b = (self.k * self.verifier + pow(G, b, N)) % N
            block = base64.b64encode(secrets.token_bytes(64)).decode()
            self.sessions[block] = (large_a, b, large_b)
            return 200, {
                "ChallengeName": "PASSWORD_VERIFIER",
                "Session": "s1",
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": USER_ID,
                    "SALT": f"{self.salt:x}",
                    "SRP_B": f"{large_b:x}",
                    "SECRET_BLOCK": block,
                    "USERNAME": USER_ID,
                },
            }
        if operation == "RespondToAuthChallenge" and body["ChallengeName"] == "PASSWORD_VERIFIER":
            answer = body["ChallengeResponses"]
            large_a, b, large_b = self.sessions.pop(answer["PASSWORD_CLAIM_SECRET_BLOCK"])
            u = _h(_java_bytes(large_a) + _java_bytes(large_b))
            shared = pow(large_a * pow(self.verifier, u, N), b, N)
            key = HKDF(algorithm=hashes.SHA256(), length=16, salt=_java_bytes(u), info=b"Caldera Derived Key").derive(
                _java_bytes(shared)
            )
            message = (
                (POOL_ID.split("_")[1] + USER_ID).encode()
                + base64.b64decode(answer["PASSWORD_CLAIM_SECRET_BLOCK"])
                + answer["TIMESTAMP"].encode()
            )
            expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
            assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}", answer["TIMESTAMP"])
            if not hmac.compare_digest(expected, answer["PASSWORD_CLAIM_SIGNATURE"]) or answer["USERNAME"] != USER_ID:
                return 400, {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
            return 200, {
                "AuthenticationResult": {
                    "IdToken": "header.eyJleHAiOjQxMDI0NDQ4MDB9.sig",
                    "RefreshToken": "refresh-1",
                    "ExpiresIn": 3600,
                }
            }
        return 400, {"__type": "InvalidParameterException", "message": f"unexpected {operation}"}


@pytest.fixture()
def cognito() -> Iterator[tuple[SrpServer, str]]:
    server_state = SrpServer()

    class Handler(StubHandler):
        def do_POST(self) -> None:
            status, answer = server_state.handle(self.headers["X-Amz-Target"], json.loads(self.body()))
            self.reply(status, answer, "application/x-amz-json-1.1")

    with serving(Handler) as url:
        yield server_state, f"{url}/"


def test_srp_sign_in_when_the_client_does_not_allow_password_auth(cognito) -> None:
    server, endpoint = cognito
    auth = CognitoAuth(POOL_ID, CLIENT_ID, USER, PASSWORD, endpoint=endpoint)
    assert auth.token() == "header.eyJleHAiOjQxMDI0NDQ4MDB9.sig"
    assert auth.refresh_token == "refresh-1"
    assert server.calls == [
        "InitiateAuth:USER_PASSWORD_AUTH",
        "InitiateAuth:USER_SRP_AUTH",
        "RespondToAuthChallenge:PASSWORD_VERIFIER",
    ]


def test_srp_with_a_wrong_password_is_refused(cognito) -> None:
    _server, endpoint = cognito
    with pytest.raises(AuthError) as caught:
        CognitoAuth(POOL_ID, CLIENT_ID, USER, "Wrong-Passw0rd!", endpoint=endpoint).token()
    assert caught.value.code == "NotAuthorizedException"
