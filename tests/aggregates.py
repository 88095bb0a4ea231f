"""The dashboard's kept aggregates (migration 0006) checked against a full GROUP BY of movies."""

from __future__ import annotations

from decimal import Decimal

import psycopg2.extensions


def recount(cur: psycopg2.extensions.cursor) -> dict:
    cur.execute("SELECT count(*), count(rating), coalesce(sum(rating), 0) FROM movies")
    total, rated, rating_sum = cur.fetchone()
    cur.execute("SELECT lower(genre), min(genre), count(*) FROM movies GROUP BY 1 ORDER BY 1")
    genres = cur.fetchall()
    cur.execute("SELECT year, count(*) FROM movies WHERE year IS NOT NULL GROUP BY 1 ORDER BY 1")
    years = cur.fetchall()
    cur.execute("SELECT floor(rating)::int, count(*) FROM movies WHERE rating IS NOT NULL GROUP BY 1 ORDER BY 1")
    buckets = cur.fetchall()
    return {"totals": (total, rated, Decimal(rating_sum)), "genres": genres, "years": years, "buckets": buckets}


def kept(cur: psycopg2.extensions.cursor) -> dict:
    cur.execute("SELECT total, rated, rating_sum FROM movie_stats")
    total, rated, rating_sum = cur.fetchone()
    cur.execute("SELECT genre_key, display, movies FROM genre_stats WHERE movies > 0 ORDER BY 1")
    genres = cur.fetchall()
    cur.execute("SELECT year, movies FROM year_stats WHERE movies > 0 ORDER BY 1")
    years = cur.fetchall()
    cur.execute("SELECT bucket, movies FROM rating_stats WHERE movies > 0 ORDER BY 1")
    buckets = cur.fetchall()
    return {"totals": (total, rated, Decimal(rating_sum)), "genres": genres, "years": years, "buckets": buckets}


def assert_consistent(dsn: str) -> dict:
    """Fails with both sides when the aggregates drifted from the rows; returns the recount."""
    conn = psycopg2.connect(dsn)
    try:
        # One snapshot for both reads, so a concurrent writer cannot make them disagree.
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn, conn.cursor() as cur:
            truth, aggregates = recount(cur), kept(cur)
    finally:
        conn.close()
    assert aggregates == truth
    return truth
