"""Issue 27 against real PostgreSQL: the filter's exact count comes from the kept genre x rating (x year) counts,
which stay exact through every kind of write; relevance search reads the indexes of migration 0030 (EXPLAIN),
never a sequential scan of movies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import psycopg2
import pytest

from data import movie_reads, movie_search

# A library where "harbor" is a broad term (1 title in 13) and "harbor 1234" a rare one.
_ROWS = (
    "INSERT INTO movies (title, genre, rating, year)"
    " SELECT (ARRAY['Velvet','Quiet','Amber','Iron'])[1 + g %% 4] || ' ' || (ARRAY['River','Harbor','Garden','Signal',"
    "'Echo','Tide','Comet','Reef','Valley','Winter','Ocean','Bridge','Forest'])[1 + g %% 13] || ' ' || g,"
    " (ARRAY['Drama','Sci-Fi','War','comedy',' Crime'])[1 + g %% 5],"
    " CASE WHEN g %% 17 = 0 THEN NULL ELSE (g %% 101) / 10.0 END,"
    " CASE WHEN g %% 11 = 0 THEN NULL ELSE 1990 + g %% 30 END FROM generate_series(1, %s) g"
)


def _in_transaction(stack, work: Callable[[Any], None], rows: int = 0, analyze: bool = False) -> None:
    """Work on the stack's database, rolled back after (other tests see nothing)."""
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE movies, etl_files, etl_runs")  # rolled back too
        # Rows go straight into the trigram index's tree, as after autovacuum has flushed its pending list: nothing
        # flushes it in a transaction that is rolled back, and the planner prices an unflushed list as read whole.
        cur.execute("ALTER INDEX movies_search_trgm SET (fastupdate = off)")
        if rows:
            cur.execute(_ROWS, (rows,))
        if analyze:
            cur.execute("ANALYZE movies")
        work(cur)
        conn.rollback()
    conn.close()


FILTERS: list[tuple[list[str] | None, float | None, int | None]] = [
    (None, None, None),
    (["drama", "sci-fi"], None, None),
    (["drama", "sci-fi"], 7.0, None),
    (["drama", "sci-fi"], 7.25, 2001),
    (["crime"], 0.0, None),
    (None, 9.9, None),
    (None, None, 1995),
    (None, 0.0, 2019),
    (["war", "nothing"], 10.0, 2005),
]


def _direct_count(cur: Any, genres: list[str] | None, min_rating: float | None, year: int | None) -> int:
    cur.execute(
        "SELECT count(*) FROM movies WHERE (%(g)s::text[] IS NULL OR lower(genre) = ANY(%(g)s::text[]))"
        " AND (%(r)s::numeric IS NULL OR rating >= %(r)s::numeric) AND (%(y)s::int IS NULL OR year = %(y)s::int)",
        {"g": genres, "r": min_rating, "y": year},
    )
    return int(cur.fetchone()[0])


def _assert_counts_exact(cur: Any) -> None:
    for genres, min_rating, year in FILTERS:
        kept = movie_reads.count_filtered(cur, genres, min_rating, year)
        assert kept == _direct_count(cur, genres, min_rating, year), (genres, min_rating, year)


def test_filter_counts_stay_exact_through_inserts_updates_deletes_and_truncate(stack) -> None:
    def work(cur: Any) -> None:
        _assert_counts_exact(cur)
        cur.execute("INSERT INTO movies (title, genre, rating, year) VALUES ('One More', 'DRAMA', NULL, NULL)")
        cur.execute("UPDATE movies SET genre = 'Sci-Fi', rating = 7.3 WHERE title LIKE '% 1_'")
        cur.execute("UPDATE movies SET year = NULL, rating = NULL WHERE title LIKE '%Harbor 2%'")
        cur.execute("UPDATE movies SET year = 2001 WHERE title LIKE 'Iron%'")
        cur.execute("DELETE FROM movies WHERE title LIKE 'Quiet%' OR title LIKE '% 3__'")
        _assert_counts_exact(cur)
        cur.execute("SELECT count(*) FROM genre_rating_counts WHERE movies <= 0")
        assert cur.fetchone()[0] == 0, "emptied counts are removed"
        cur.execute("TRUNCATE movies")
        _assert_counts_exact(cur)
        cur.execute("SELECT (SELECT count(*) FROM genre_rating_counts) + (SELECT count(*) FROM genre_year_rating_counts)")
        assert cur.fetchone()[0] == 0

    _in_transaction(stack, work, rows=3000)


def _plan(cur: Any, statement: Any, params: dict[str, Any]) -> str:
    cur.execute(b"EXPLAIN " + cur.mogrify(statement, params))
    return "\n".join(row[0] for row in cur.fetchall())


def test_the_filter_count_never_reads_movies(stack) -> None:
    def work(cur: Any) -> None:
        for genres, min_rating, year in FILTERS[1:]:
            params = {"genres": genres, "min_rating": min_rating, "year": year}
            statement = movie_reads._COUNT_ANY_YEAR if year is None else movie_reads._COUNT_IN_YEAR
            plan = _plan(cur, statement, params)
            assert " on movies" not in plan and "counts" in plan, plan

    _in_transaction(stack, work, rows=2000, analyze=True)


def _search_params(term: str) -> dict[str, Any]:
    escaped = movie_search.like_escape(term)
    return {
        "term": term,
        "prefix": f"{escaped}%",
        "contains": f"%{escaped}%",
        "walk": movie_search.WALK,
        "cap": movie_search.CLOSE_CAP,
        "limit": 21,
        "after_key": None,
        "after_id": None,
        "after_score": None,
        "after_rank": None,
    }


# (statement, term, the index its plan must read); a cursor's row comparison must start the ordered walks.
PLANS = [
    ("_EXACT", "velvet harbor 12", "using movies_search_key"),
    ("_PREFIX", "velvet harbor", "using movies_search_key"),
    ("_CONTAINS_WALK", "harbor", "Index Only Scan using movies_rank"),
    ("_CONTAINS_INDEXED", "harbor 1234", "Bitmap Index Scan on movies_search_trgm"),
    ("_CLOSE", "velvet harbr", "Bitmap Index Scan on movies_search_trgm"),
    ("_SUGGEST", "velvet harbr", "Bitmap Index Scan on movies_search_trgm"),
]


@pytest.mark.parametrize(("name", "term", "index"), PLANS)
def test_relevance_search_reads_its_indexes_never_a_seq_scan(stack, name: str, term: str, index: str) -> None:
    """20,000 rows, analysed; seq scans made expensive in this transaction only, so that a plan without the
    index would show the Seq Scan it is left with rather than a cheaper one on a small table."""

    def work(cur: Any) -> None:
        cur.execute("SET LOCAL enable_seqscan = off")
        statement = getattr(movie_search, name)
        # After a cursor early in key order ("amber …" is the first tenth): most of the walk is still ahead.
        for after in (None, ("amber harbor 5", "00000000-0000-4000-8000-000000000000")):
            params = _search_params(term)
            if after:
                params.update(after_key=after[0], after_id=after[1], after_score=0.7, after_rank="-7.0")
            plan = _plan(cur, statement, params)
            assert index in plan, plan
            assert "Seq Scan on movies" not in plan, plan
            if after and name in ("_EXACT", "_PREFIX"):
                assert re.search(r"Index Cond: .*ROW\(\(?title_folded\)?(::text)?, id\) > ROW\(", plan), plan
            if after and name == "_CONTAINS_WALK":  # the walk starts at the cursor's rank, title and id
                assert re.search(r"Index Cond: .*ROW\(\(*- COALESCE\(rating, .*, title, id\) > ROW\(", plan), plan

    _in_transaction(stack, work, rows=20000, analyze=True)


def test_a_broad_term_fills_a_page_from_the_walk_alone(stack) -> None:
    """The walk's page for a term in 1 row of 13 is complete within WALK rows in rank order: no trigram fallback."""

    def work(cur: Any) -> None:
        cur.execute(movie_search._CONTAINS_WALK, _search_params("harbor"))
        assert len(cur.fetchall()) == 21
        page = movie_search.relevance_page(cur, movie_search.folded(cur, "HARBOR"), None, 21)
        assert [r.score for r in page] == [movie_search.CONTAINS] * 21
        assert [r.movie["id"] for r in page] == _best_rated(cur, "harbor")[:21]

    _in_transaction(stack, work, rows=20000, analyze=True)


def _best_rated(cur: Any, term: str) -> list[str]:
    """The contains tier by its definition: titles containing the term but not starting with it, the top-rated
    list's order (best-rated first, no rating last, then title, then id)."""
    cur.execute(
        "SELECT id::text FROM movies WHERE title_folded LIKE %(c)s AND title_folded NOT LIKE %(p)s"
        " ORDER BY rating DESC NULLS LAST, title, id",
        {"c": f"%{term}%", "p": f"{term}%"},
    )
    return [r[0] for r in cur.fetchall()]


@pytest.mark.parametrize("walk", [movie_search.WALK, 40])
def test_paging_the_contains_tier_gives_its_rows_once_best_rated_first(stack, monkeypatch, walk: int) -> None:
    """Page after page (the cursor's rank, title and id), from the rank walk and, when a walk of `walk` rows
    falls short, from the trigram index: the same rows in the same order as the tier's definition."""
    monkeypatch.setattr(movie_search, "WALK", walk)

    def work(cur: Any) -> None:
        for term in ("harbor", "harbor 1"):
            seen: list[str] = []
            after = None
            for _ in range(200):
                page = movie_search.relevance_page(cur, term, after, 51)
                contains = [r for r in page[:50] if r.score == movie_search.CONTAINS]  # close spellings follow
                assert all(r.rank is not None for r in contains)
                seen += [r.movie["id"] for r in contains]
                if len(page) <= 50 or len(contains) < 50:
                    break
                last = page[49]
                after = movie_search.After(last.score, last.key, last.movie["id"], last.rank)
            assert seen == _best_rated(cur, term), term
            assert len(seen) > 60, term  # more than one page

    _in_transaction(stack, work, rows=5000, analyze=True)


@pytest.mark.parametrize(("sort", "order"), [("rating", "asc"), ("rating", "desc"), ("year", "asc"), ("year", "desc")])
def test_a_filtered_walk_starts_where_the_filter_does(stack, sort: str, order: str) -> None:
    """A minimum rating or a year is an Index Cond on the order's key: rating asc from 7 does not read every
    lower rating first (it did: 0.7 s at 300,000 movies)."""

    def work(cur: Any) -> None:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")  # the ordered walk is what is checked here
        filters = {"min_rating": 7.0, "year": None} if sort == "rating" else {"min_rating": None, "year": 2001}
        params = {"genres": ["drama", "sci-fi"], **filters, "limit": 21, **movie_reads._after_params(None)}
        plan = _plan(cur, movie_reads.filter_query(sort, order), params)
        key = "rating" if sort == "rating" else "year"
        assert re.search(rf"Index Cond: .*COALESCE\({key}", plan), plan
        assert not re.search(r"(^|->  )Sort\b", plan, re.M), plan

    _in_transaction(stack, work, rows=20000, analyze=True)


@pytest.mark.parametrize(("sort", "order"), [("rating", "desc"), ("year", "asc"), ("title", "desc")])
def test_the_page_and_its_count_are_one_statement_that_counts_from_the_kept_counts(stack, sort: str, order: str) -> None:
    """The filter answers in one round trip: its count is an InitPlan over the count tables (run once, never a
    scan of movies), the page an index walk with no Sort of movies rows."""

    def work(cur: Any) -> None:
        for year in (None, 2001):
            params = {"genres": ["drama", "sci-fi"], "min_rating": 7.0, "year": year, "limit": 21}
            plan = _plan(
                cur, movie_reads.filter_and_count_query(sort, order, year is not None), params | movie_reads._after_params(None)
            )
            assert "InitPlan" in plan and "counts" in plan, plan
            assert "Seq Scan on movies" not in plan, plan
        rows, total = movie_reads.filter_page_and_count(cur, ["drama", "sci-fi"], 7.0, 2001, None, 21, sort, order)
        assert total == movie_reads.count_filtered(cur, ["drama", "sci-fi"], 7.0, 2001) and 0 < len(rows) <= 21

    _in_transaction(stack, work, rows=20000, analyze=True)


@pytest.mark.parametrize(
    ("sort", "order", "index"), [("title", "asc", "movies_year_title"), ("year", "desc", "movies_year_down")]
)
def test_a_years_page_in_title_or_year_order_is_an_index_only_walk(stack, sort: str, order: str, index: str) -> None:
    """Migration 0050: the genres and the minimum rating are checked on the index entries (their columns are
    included), not on a heap page per row."""

    def work(cur: Any) -> None:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        params = {"genres": ["drama", "sci-fi"], "min_rating": 7.0, "year": 2001, "limit": 21}
        plan = _plan(cur, movie_reads.filter_query(sort, order), params | movie_reads._after_params(None))
        assert f"Index Only Scan using {index}" in plan, plan

    _in_transaction(stack, work, rows=20000, analyze=True)


def test_python_folds_plain_ascii_exactly_as_search_text_does(db) -> None:
    """movie_search.folded() skips the round trip for printable ASCII and ASCII whitespace: its answer must be
    search_text()'s for every such term (and non-ASCII still goes to the database)."""
    import random

    pieces = [" ", "  ", "\t", "\n", "\r", "\v", "\f", "A", "z", "Q", "0", "%", "_", "\\", "'", '"', "-", "~", "É"]
    rng = random.Random(27)
    terms = ["", " ", "\t", " \tGodfater ", "\tx", "x\t", "Star  Wars\n4", "SPIDER-man", "100%_\\"]
    terms += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    terms += [chr(c) + "a" + chr(c) for c in range(1, 128)]
    with db.cursor() as cur:
        for term in terms:
            cur.execute("SELECT search_text(%s)", (term,))
            expected = cur.fetchone()[0]
            assert movie_search.folded(cur, term) == expected, repr(term)
