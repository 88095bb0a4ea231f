"""Hostile input through the real gateway: the API stores what it accepts and answers 4xx for the rest.

Examples first (each a 500 or a lost add once), then a property: arbitrary bodies are 202 or 4xx with
the error shape, and every 202 ends created, duplicate or rejected, never failed.
"""

from __future__ import annotations

import base64
import collections
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.e2e.live import User

pytestmark = pytest.mark.usefixtures("library")
TERMINAL = {"created", "duplicate", "rejected", "failed"}


@pytest.fixture()
def fuzzer(stack, monkeypatch) -> Iterator[User]:
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "100000")  # the property sends hundreds of adds
    monkeypatch.setenv("ADDS_PER_USER_PER_DAY", "100000")
    user = User(stack, f"fuzz-{uuid.uuid4().hex[:6]}@example.com")
    yield user
    user.close()


def _post(user: User, content: bytes) -> httpx.Response:
    return user.http.post("/api/movies", content=content, headers={"Content-Type": "application/json"})


def _assert_error_shape(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    for detail in error.get("details", []):
        assert isinstance(detail["field"], str) and isinstance(detail["message"], str)


def _settle(user: User, request_ids: list[str], timeout: float = 120) -> dict[str, str]:
    """Poll each request until it is terminal (with a deadline)."""
    outcomes: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(outcomes) < len(request_ids):
        for request_id in request_ids:
            if request_id not in outcomes:
                status = user.http.get(f"/api/movies/requests/{request_id}").json()["status"]
                if status in TERMINAL:
                    outcomes[request_id] = status
        assert time.monotonic() < deadline, f"not terminal: {set(request_ids) - set(outcomes)}"
        time.sleep(0.2)
    return outcomes


GOOD = {"title": "Hostile Input", "genre": "Drama", "rating": 7.0, "year": 2020}
HOSTILE_BODIES = [
    (json.dumps({**GOOD, "title": "Nul\u0000Byte"}).encode(), "title"),
    (json.dumps({**GOOD, "genre": "Bell\u0007"}).encode(), "genre"),
    (json.dumps({**GOOD, "title": "C1 \u0085 control"}).encode(), "title"),
    (json.dumps({**GOOD, "title": "Lone \ud800 surrogate"}).encode(), "title"),  # valid JSON, not storable
    (json.dumps({**GOOD, "title": "\udfff"}).encode(), "title"),
    (b'{"title": "A", "genre": "G", "rating": 1e400, "year": 2000}', "rating"),
    (b'{"title": "A", "genre": "G", "rating": 1e100, "year": 2000}', "rating"),
    (b'{"title": "A", "genre": "G", "rating": -Infinity, "year": 2000}', "body"),
    (b'{"title": "A", "genre": "G", "rating": 7, "year": ' + b"9" * 5000 + b"}", "body"),
    (b"[" * 5000 + b"]" * 5000, "body"),
    (b'{"title": "A", "genre": "G", "rating": 7, "year": 2000, "x": ' + b"[" * 3000 + b"]" * 3000 + b"}", "body"),
    (b'{"title": ' + b"[" * 500 + b"]" * 500 + b', "genre": "G", "rating": 7, "year": 2000}', "title"),
    (b"\xff\xfe{\x00", "body"),
    (b'{"title": "caf\xe9", "genre": "G", "rating": 7, "year": 2000}', "body"),  # Latin-1, not UTF-8
]


@pytest.mark.deployable
@pytest.mark.parametrize(("content", "field"), HOSTILE_BODIES)
def test_hostile_bodies_are_400_naming_the_field(fuzzer: User, content: bytes, field: str) -> None:
    response = _post(fuzzer, content)
    assert response.status_code == 400, response.text[:500]
    _assert_error_shape(response)
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    if "details" in response.json()["error"]:  # API Gateway's own validator answers without details
        assert field in [d["field"] for d in response.json()["error"]["details"]]


@pytest.mark.deployable
@pytest.mark.parametrize(
    ("field", "value", "char"),
    [
        ("title", "\u200b\u202e", "U+200B"),  # the review's blank, reversing title
        ("title", "Evil \u202eeman.exe", "U+202E"),  # right-to-left override
        ("title", "Isolated \u2066text\u2069", "U+2066"),
        ("title", "\ufeffBOM", "U+FEFF"),
        ("genre", "Dra\u200bma", "U+200B"),
        ("genre", "Drama\u200f", "U+200F"),
    ],
)
def test_invisible_and_bidi_characters_are_400_naming_the_field(fuzzer: User, field: str, value: str, char: str) -> None:
    """#24 (review 16): the contract's x-forbidden-characters refuses them, with a message that says why."""
    response = _post(fuzzer, json.dumps({**GOOD, field: value}).encode())
    assert response.status_code == 400, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert any(
        d["field"] == field and "invisible or text-direction" in d["message"] and char in d["message"] for d in error["details"]
    ), error


def test_joiners_that_scripts_and_emoji_need_are_stored(fuzzer: User) -> None:
    movie = {
        "title": f"Family \U0001f468\u200d\U0001f469\u200d\U0001f467 {uuid.uuid4().hex[:6]}",
        "genre": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "rating": 7.0,
        "year": 2020,
    }
    accepted = _post(fuzzer, json.dumps(movie).encode())
    assert accepted.status_code == 202, accepted.text
    assert _settle(fuzzer, [accepted.json()["requestId"]]) == {accepted.json()["requestId"]: "created"}


def test_text_that_survives_normalisation_is_stored_exactly(fuzzer: User) -> None:
    movie = {"title": "  Ünïcødé \u2003 😀  𝔘 ", "genre": "Ꭰrama\u00a0", "rating": 7.0, "year": 2020}
    accepted = _post(fuzzer, json.dumps(movie).encode())
    assert accepted.status_code == 202, accepted.text
    request_id = accepted.json()["requestId"]
    assert _settle(fuzzer, [request_id]) == {request_id: "created"}
    stored = fuzzer.http.get(f"/api/movies/requests/{request_id}").json()["movie"]
    assert (stored["title"], stored["genre"]) == ("Ünïcødé 😀 𝔘", "Ꭰrama")


@pytest.mark.deployable
@pytest.mark.parametrize(
    "payload",
    [
        {"k": "search", "t": "Nul\u0000Title", "id": str(uuid.uuid4())},
        {"k": "search", "t": "Lone \ud800", "id": str(uuid.uuid4())},
        {"k": "search", "t": "x", "id": [[[[[[[[[[]]]]]]]]]]},
        {"k": "top", "r": "5", "t": "x", "id": str(uuid.uuid4()), "p": 10**30},
        {"k": "top", "r": [[[]]], "t": "x", "id": str(uuid.uuid4())},
    ],
)
def test_forged_cursors_are_400(fuzzer: User, payload: dict) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    route = "/api/movies/search?title=a" if payload["k"] == "search" else "/api/movies/top-rated?x=1"
    response = fuzzer.http.get(f"{route}&cursor={cursor}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == "cursor"


@pytest.mark.deployable
def test_deeply_nested_cursor_is_400(fuzzer: User) -> None:
    cursor = base64.urlsafe_b64encode(b"[" * 2500 + b"]" * 2500).decode().rstrip("=")
    response = fuzzer.http.get("/api/movies/search", params={"title": "a", "cursor": cursor[:1024]})
    assert response.status_code == 400, response.text


@pytest.mark.deployable
@pytest.mark.parametrize("path", ["/index.html%00.js", "/%00", "/assets/%00/x.js", "/v1/index.html%00"])
def test_static_paths_with_nul_are_not_500(stack, path: str) -> None:
    response = httpx.get(f"{stack.url}{path}")
    assert response.status_code < 500


# --- the property ---------------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # surrogates and controls too
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
_MOVIEISH = st.fixed_dictionaries(
    {
        "title": st.one_of(_ANY_TEXT, st.text(min_size=1, max_size=300), _JSON),
        "genre": st.one_of(_ANY_TEXT, st.sampled_from(["Drama", " sci-fi ", "Ünï"]), _JSON),
        "rating": st.one_of(st.decimals(0, 10, places=1, allow_nan=False).map(float), st.floats(), st.integers(-5, 15), _JSON),
        "year": st.one_of(st.integers(1890, 2110), st.floats(1899, 2101), _ANY_TEXT, _JSON),
    },
    optional={"extra": _JSON},
)


def _encode(value: object) -> bytes:
    return json.dumps(value, default=str).encode()  # ensure_ascii: lone surrogates travel as \\udXXX escapes


_BODIES = st.one_of(
    _MOVIEISH.map(_encode),
    _JSON.map(_encode),
    _ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),  # raw text, surrogates as CESU bytes
    st.binary(max_size=200),  # anything, mostly not UTF-8
)


def test_arbitrary_bodies_are_202_or_4xx_and_every_202_ends_well(fuzzer: User) -> None:
    accepted: list[str] = []
    refused: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=250,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(content=_BODIES)
    # Always one well-formed movie: the property then tests something whatever the generator draws, and a
    # refusal of it says why (the refused counts below name the field and message).
    @example(content=json.dumps({**GOOD, "title": f"Fuzz Anchor {uuid.uuid4().hex[:6]}"}).encode())
    def post_anything(content: bytes) -> None:
        response = _post(fuzzer, content)
        if response.status_code == 202:
            accepted.append(response.json()["requestId"])
        else:
            _assert_error_shape(response)
            error = response.json()["error"]
            first = (error.get("details") or [{}])[0]
            refused[f"{response.status_code} {error['code']} {first.get('field')}: {first.get('message')}"] += 1

    post_anything()
    assert accepted, f"no generated body was accepted: the property tested nothing; refused: {dict(refused)}"
    outcomes = _settle(fuzzer, accepted)
    assert "failed" not in outcomes.values(), outcomes
    print(f"fuzz: {len(accepted)} of 250 bodies accepted; outcomes {sorted(set(outcomes.values()))}")
