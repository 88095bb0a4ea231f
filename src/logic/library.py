"""Read use cases of the library: each takes validated parameters and returns the response body."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from data import db, movie_reads, movie_search
from domain import contract, cursors
from domain.errors import NotFound, ValidationError
from domain.movie_rules import genre_key, like_pattern

TOP_GENRES = contract.TOP_GENRES
LATEST_YEARS = contract.LATEST_YEARS


def dashboard() -> dict[str, Any]:
    """The seed's four fields, unchanged, then the richer ones; all from the kept aggregates."""

    def work(cur: db.Cursor) -> tuple[dict[str, Any], dict[str, Any] | None]:
        return movie_reads.dashboard_stats(cur, TOP_GENRES, LATEST_YEARS), movie_reads.newest_movie(cur)

    stats, newest = db.read(work)
    return {
        "totalMovies": stats["total"],
        "averageRating": stats["average"],
        "topGenres": stats["top_genres"],
        "moviesByYear": stats["latest_years"],
        "yearHistogram": stats["years"],
        "ratingHistogram": [{"rating": bucket, "count": n} for bucket, n in stats["buckets"].items()]
        + [{"rating": None, "count": stats["unrated"]}],
        "unratedMovies": stats["unrated"],
        "newest": newest,
    }


def genres(limit: int = 100, cursor: str | None = None) -> dict[str, Any]:
    after = cursors.decode(cursor, "genres", keyed=False)["t"] if cursor else None
    rows = db.read(lambda cur: movie_reads.genres_after(cur, after, limit + 1))
    page, pagination = _page(rows, limit, lambda g: {"k": "genres", "t": g["key"]})
    return {"genres": [{"genre": g["genre"], "count": g["count"]} for g in page], "pagination": pagination}


def movie(id: str) -> dict[str, Any]:
    found = db.read(lambda cur: movie_reads.get_movie(cur, id))
    if found is None:
        raise NotFound(f"No movie with id {id}.")
    return found


def _page(
    rows: list[dict[str, Any]],
    limit: int,
    cursor_of: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows were fetched with limit + 1: the extra one only says there is more."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursors.encode(cursor_of(rows[-1])) if has_more else None
    return rows, {"limit": limit, "nextCursor": next_cursor, "hasMore": has_more}


def _order(sort: str, order: str | None) -> str:
    """The direction when none is given (the document's x-default-order): titles A to Z, ratings and years highest first."""
    return order or contract.DEFAULT_ORDER[sort]


def _sorted_cursor(kind: str, sort: str, order: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A cursor names its order, so it is refused for another one (its key would mean nothing there)."""

    def make(m: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = {"k": kind, "s": sort, "o": order, "t": m["title"], "id": m["id"]}
        key = movie_reads.cursor_key(m, sort, order)
        if key is not None:
            payload["r"] = key
        return payload

    return make


def _check_issued(payload: dict[str, Any], sort: str, order: str, default: tuple[str, str]) -> None:
    """A cursor continues only the order it was issued for; cursors issued before sorting existed are the default order's."""
    issued = (payload.get("s", default[0]), payload.get("o", default[1]))
    if issued != (sort, order):
        raise ValidationError(
            f"Invalid query parameter 'cursor': it continues the list sorted by {issued[0]} {issued[1]},"
            f" not by {sort} {order}; start again without a cursor.",
            [{"field": "cursor", "message": "issued for another sort order"}],
        )


def _sorted_after(payload: dict[str, Any], sort: str, order: str, default: tuple[str, str]) -> tuple[str | None, str, str]:
    """The (key, title, id) to continue after."""
    _check_issued(payload, sort, order, default)
    key = movie_reads.sort_key(sort, order)
    if key is None:
        return None, payload["t"], str(payload["id"])
    return _key_value(payload.get("r"), key), payload["t"], str(payload["id"])


def _key_value(stored: object, key: movie_reads.SortKey) -> str:
    """A cursor's sort key, refused unless it is a value the key can take."""
    text = str(stored)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise cursors.invalid() from exc
    if not value.is_finite() or not key.low <= value <= key.high:
        raise cursors.invalid()
    if key.integral and value != value.to_integral_value():
        raise cursors.invalid()
    # Written out as PostgreSQL reads it: Decimal also takes other scripts' digits ("٧") and exponents ("2.001E+3",
    # which ::int refuses), and the raw text would reach the SQL.
    return str(int(value)) if key.integral else format(value, "f")


def search(
    title: str, limit: int, cursor: str | None = None, sort: str = "relevance", order: str | None = None
) -> dict[str, Any]:
    if sort == "relevance":
        return _relevance_search(title, limit, cursor, order)
    direction = _order(sort, order)
    after = _sorted_after(cursors.decode(cursor, "search"), sort, direction, ("title", "asc")) if cursor else None
    pattern = like_pattern(title.strip())
    rows = db.read(lambda cur: movie_reads.search_by_title(cur, pattern, after, limit + 1, sort, direction))
    movies, pagination = _page(rows, limit, _sorted_cursor("search", sort, direction))
    return {"movies": movies, "pagination": pagination, "didYouMean": []}


def _relevance_after(cursor: str) -> movie_search.After:
    payload = cursors.decode(cursor, "search")
    _check_issued(payload, "relevance", "desc", ("title", "asc"))
    try:
        score = float(payload.get("r", ""))
    except (TypeError, ValueError) as exc:
        raise cursors.invalid() from exc
    if not 0 <= score <= movie_search.EXACT:  # also refuses nan and inf
        raise cursors.invalid()
    # The contains tier pages in rank order: its cursors carry the rank key too.
    rank = _key_value(payload.get("n"), movie_reads.RANK) if movie_search.tier(score) == movie_search.CONTAINS else None
    return movie_search.After(score, payload["t"], str(payload["id"]), rank)


def _relevance_search(title: str, limit: int, cursor: str | None, order: str | None) -> dict[str, Any]:
    """Best match first (data/movie_search.py); didYouMean on a first page with no good match."""
    if _order("relevance", order) != "desc":
        raise ValidationError(
            "Invalid query parameter 'order': relevance lists the best match first only; leave order out or use desc.",
            [{"field": "order", "message": "sort=relevance takes desc only"}],
        )
    after = _relevance_after(cursor) if cursor else None

    def work(cur: db.Cursor) -> tuple[str, list[movie_search.Ranked]]:
        term = movie_search.folded(cur, title)
        return term, movie_search.relevance_page(cur, term, after, limit + 1)

    term, rows = db.read(work)
    weak = not rows or rows[0].score < movie_search.GOOD
    # The suggestions lower a similarity threshold for their transaction only (SET LOCAL): a transaction of
    # their own, on the few first pages that need them.
    suggestions = db.run(lambda cur: movie_search.suggestions(cur, term)) if after is None and weak else []
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if has_more else None
    next_cursor = (
        cursors.encode(
            {"k": "search", "s": "relevance", "o": "desc", "r": str(last.score), "t": last.key, "id": last.movie["id"]}
            | ({"n": last.rank} if last.rank is not None else {})
        )
        if last
        else None
    )
    return {
        "movies": [r.movie for r in rows],
        "pagination": {"limit": limit, "nextCursor": next_cursor, "hasMore": has_more},
        "didYouMean": suggestions,
    }


def _rank_cursor(kind: str, position: int | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def make(m: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = {"k": kind, "r": movie_reads.rank_key(m), "t": m["title"], "id": m["id"]}
        if position is not None:
            payload["p"] = position
        return payload

    return make


def _rank_after(payload: dict[str, Any]) -> tuple[str, str, str]:
    return _key_value(payload.get("r"), movie_reads.RANK), payload["t"], str(payload["id"])


def filter_movies(
    limit: int,
    genre: list[str] | None = None,
    minRating: float | None = None,  # noqa: N803 - the API's parameter names
    year: int | None = None,
    cursor: str | None = None,
    sort: str = "rating",
    order: str | None = None,
) -> dict[str, Any]:
    direction = _order(sort, order)
    keys = sorted({genre_key(g) for g in genre}) if genre else None
    after = _sorted_after(cursors.decode(cursor, "filter"), sort, direction, ("rating", "desc")) if cursor else None

    rows, total = db.read(
        lambda cur: movie_reads.filter_page_and_count(cur, keys, minRating, year, after, limit + 1, sort, direction)
    )
    movies, pagination = _page(rows, limit, _sorted_cursor("filter", sort, direction))
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

        def work(cur: db.Cursor) -> tuple[list[dict[str, Any]], int]:
            return movie_reads.top_rated_after(cur, after, limit + 1), movie_reads.movie_total(cur)
    else:

        def work(cur: db.Cursor) -> tuple[list[dict[str, Any]], int]:
            return movie_reads.top_rated_at(cur, start, limit + 1), movie_reads.movie_total(cur)

    rows, total = db.read(work)
    movies, page = _page(rows, limit, _rank_cursor("top", start + limit))
    return {
        "movies": movies,
        "pagination": {
            "start": start,
            "limit": limit,
            "total": total,
            "hasMore": page["hasMore"],
            "nextCursor": page["nextCursor"],
        },
    }
