"""The ETL survives any file: arbitrary bytes, arbitrary JSON and text with any code point, through the
parser and the loader into the real PostgreSQL. Every file ends loaded or quarantined with a reason, the
good file sharing the batch is loaded, and the run finishes."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_task.pipeline import Run
from etl_task.records import Rejected, parse
from etl_task.sources import FolderSource

_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)  # controls, surrogates, astral
_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | _ANY_TEXT
_JSON = st.recursive(
    _SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_ANY_TEXT, inner, max_size=3), max_leaves=10
)
_MOVIE = st.fixed_dictionaries(
    {
        "title": st.one_of(_ANY_TEXT, st.text(min_size=1, max_size=300), _JSON),
        "genre": st.one_of(_ANY_TEXT, st.sampled_from(["Drama", " Sci-Fi "]), _JSON),
    },
    optional={
        "rating": st.one_of(st.floats(), st.integers(-3, 12), st.text(max_size=12), _JSON),
        "year": st.one_of(st.integers(1890, 2110), st.floats(), st.text(max_size=12), _JSON),
    },
)

_PLAUSIBLE = st.fixed_dictionaries(  # loadable movies with unusual text: what a real library might hold
    {
        "title": st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=255),
        "genre": st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=100),
        "rating": st.floats(0, 10),
        "year": st.integers(1900, 2100),
    }
)


def _dumps(value: object) -> bytes:
    # allow_nan: Python writes NaN/Infinity, which a hand-edited file might hold too.
    return json.dumps(value).encode("utf-8", "surrogatepass")


_FILE = st.one_of(
    st.binary(max_size=300),
    _JSON.map(_dumps),
    _MOVIE.map(_dumps),
    _PLAUSIBLE.map(_dumps),
    _PLAUSIBLE.map(lambda m: json.dumps(m, ensure_ascii=False).encode()),
    st.lists(_MOVIE, min_size=1, max_size=3).map(_dumps),
    _ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"[" * 50_000,
            b'{"title": "A", "genre": "G", "year": ' + b"9" * 5000 + b"}",
            b'{"title": "\\ud800", "genre": "G"}',
            b'{"title": "A\\u0000", "genre": "G"}',
            b'\xef\xbb\xbf{"title": "BOM", "genre": "G"}',
            b'{"title": "A", "genre": "G", "rating": NaN}',
        ]
    ),
)


@given(content=_FILE)
@settings(max_examples=300, deadline=None, database=None, derandomize=True)
def test_parse_either_returns_storable_movies_or_a_reason(content: bytes) -> None:
    try:
        movies = parse(content)
    except Rejected as exc:
        assert str(exc)
        return
    for movie in movies:
        for text in (movie.title, movie.genre):
            text.encode("utf-8")  # no unpaired surrogates
            assert text and text == text.strip() and not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


@pytest.fixture()
def etl_conn(stack):
    conn = psycopg2.connect(stack.database_url)
    yield conn
    conn.close()


def test_any_files_through_the_loader_into_postgresql(stack, etl_conn, db) -> None:
    runs: list[dict] = []

    @given(files=st.lists(_FILE, min_size=1, max_size=6))
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    def load(files: list[bytes]) -> None:
        good_title = f"Fuzz Survivor {uuid.uuid4().hex[:10]}"
        with tempfile.TemporaryDirectory() as folder:
            for i, content in enumerate(files):
                (Path(folder) / f"hostile_{i}.json").write_bytes(content)
            (Path(folder) / "zz_good.json").write_bytes(
                json.dumps({"title": good_title, "genre": "Fuzz", "rating": 5, "year": 2000}).encode()
            )
            summary = Run(etl_conn, FolderSource(folder), full=True).execute()
        runs.append(summary.report())
        assert summary.files_seen == len(files) + 1
        assert summary.failed == 0
        assert summary.files_loaded + summary.quarantined == summary.files_seen, summary.report()
        assert all(entry.get("reason") for entry in summary.quarantine)
        with db.cursor() as cur:
            cur.execute("SELECT count(*) FROM movies WHERE title = %s", (good_title,))
            assert cur.fetchone()[0] == 1, "a hostile file took the good file's batch down with it"

    load()
    assert sum(r["quarantined"] for r in runs) > 0 and sum(r["files_loaded"] for r in runs) > len(runs)
