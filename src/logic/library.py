"""Read use cases of the library: each takes validated parameters and returns the response body."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from api import cursors
from api.errors import NotFound, ValidationError
from data import db, movie_reads
from logic.normalize import genre_key, like_pattern

TOP_GENRES = 10
LATEST_YEARS = 20


def dashboard() -> dict[str, Any]:
    """The seed's four fields, unchanged, then the richer ones; all from the kept aggregates."""
    stats = db.run(lambda cur: movie_reads.dashboard_stats(cur, TOP_GENRES, LATEST_YEARS))
    return {
        "totalMovies": stats["total"],
        "averageRating": stats["average"],
        "topGenres": stats["top_genres"],
        "moviesByYear": stats["latest_years"],
        "yearHistogram": stats["years"],
        "ratingHistogram": [{"rating": bucket, "count": n} for bucket, n in stats["buckets"].items()]
        + [{"rating": None, "count": stats["unrated"]}],
        "unratedMovies": stats["unrated"],
    }


def genres(limit: int = 100, cursor: str | None = None) -> dict[str, Any]:
    after = cursors.decode(cursor, "genres", keyed=False)["t"] if cursor else None
    rows = db.run(lambda cur: movie_reads.genres_after(cur, after, limit + 1))
    page, pagination = _page(rows, limit, lambda g: {"k": "genres", "t": g["key"]})
    return {"genres": [{"genre": g["genre"], "count": g["count"]} for g in page], "pagination": pagination}


def movie(id: str) -> dict[str, Any]:
    found = db.run(lambda cur: movie_reads.get_movie(cur, id))
    if found is None:
        raise NotFound(f"No movie with id {id}.")
    return found


def _page(rows: list[dict], limit: int, cursor_of) -> tuple[list[dict], dict]:
    """Rows were fetched with limit + 1: the extra one only says there is more."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursors.encode(cursor_of(rows[-1])) if has_more else None
    return rows, {"limit": limit, "nextCursor": next_cursor, "hasMore": has_more}


def search(title: str, limit: int, cursor: str | None = None) -> dict[str, Any]:
    after = None
    if cursor:
        c = cursors.decode(cursor, "search")
        after = (str(c["t"]), str(c["id"]))
    rows = db.run(lambda cur: movie_reads.search_by_title(cur, like_pattern(title.strip()), after, limit + 1))
    movies, pagination = _page(rows, limit, lambda m: {"k": "search", "t": m["title"], "id": m["id"]})
    return {"movies": movies, "pagination": pagination}


def _rank_cursor(kind: str, position: int | None = None):
    def make(m: dict) -> dict:
        payload = {"k": kind, "r": movie_reads.rank_key(m), "t": m["title"], "id": m["id"]}
        if position is not None:
            payload["p"] = position
        return payload

    return make


def _rank_after(payload: dict) -> tuple[str, str, str]:
    rank = str(payload.get("r"))
    try:
        value = Decimal(rank)
    except InvalidOperation as exc:
        raise cursors.invalid() from exc
    if not value.is_finite() or not -10 <= value <= 1:
        raise cursors.invalid()
    return rank, payload["t"], str(payload["id"])


def filter_movies(
    limit: int,
    genre: list[str] | None = None,
    minRating: float | None = None,  # noqa: N803 - the API's parameter names
    year: int | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    keys = sorted({genre_key(g) for g in genre}) if genre else None
    after = _rank_after(cursors.decode(cursor, "filter")) if cursor else None

    def work(cur: movie_reads.Cursor) -> tuple[list[dict], int]:
        rows = movie_reads.filter_movies(cur, keys, minRating, year, after, limit + 1)
        return rows, movie_reads.count_filtered(cur, keys, minRating, year)

    rows, total = db.run(work)
    movies, pagination = _page(rows, limit, _rank_cursor("filter"))
    filters: dict[str, Any] = {}
    if genre:
        filters["genres"] = [g.strip() for g in genre]
    if minRating is not None:
        filters["minRating"] = minRating
    if year is not None:
        filters["year"] = year
    return {"movies": movies, "totalCount": total, "filters": filters, "pagination": pagination}


def top_rated(limit: int, start: int = 0, cursor: str | None = None) -> dict[str, Any]:
    if cursor and start:
        raise ValidationError(
            "Use either 'start' or 'cursor', not both.",
            [{"field": "start", "message": "not allowed together with cursor"}],
        )
    if cursor:
        payload = cursors.decode(cursor, "top")
        after = _rank_after(payload)
        position = payload.get("p", 0)
        start = position if isinstance(position, int) and position >= 0 else 0

        def work(cur: movie_reads.Cursor) -> tuple[list[dict], int]:
            return movie_reads.top_rated_after(cur, after, limit + 1), movie_reads.movie_total(cur)
    else:
        def work(cur: movie_reads.Cursor) -> tuple[list[dict], int]:
            return movie_reads.top_rated_at(cur, start, limit + 1), movie_reads.movie_total(cur)

    rows, total = db.run(work)
    movies, page = _page(rows, limit, _rank_cursor("top", start + limit))
    return {
        "movies": movies,
        "pagination": {"start": start, "limit": limit, "total": total,
                       "hasMore": page["hasMore"], "nextCursor": page["nextCursor"]},
    }
