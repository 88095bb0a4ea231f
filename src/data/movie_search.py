"""Relevance search over the folded titles of migration 0030 (issue 27), and the didYouMean titles.

Relevance is tiers, best first: the folded title equals the term (score 3), starts with it (2), contains it
(1), then close spellings scored by pg_trgm word similarity (below 1). The exact and prefix tiers follow by
folded title (byte order: what suggestions as you type read best), then id; the contains tier, where a broad
term has thousands of rows, best-rated first as the top-rated list orders (no rating last, then title, id);
close spellings by score first, then folded title and id. Each tier is one index read that stops after a page,
so a page is a few small queries however many rows match; the keyset (score, then the tier's order) says which
tier a page continues in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from data.db import Cursor, one_row
from data.movie_reads import COLUMNS, RANK, movie_row, rank_key
from domain.movie_rules import like_escape

EXACT, PREFIX, CONTAINS = 3.0, 2.0, 1.0
CLOSE_CAP = 0.999  # a close spelling ranks below every title that contains the term
GOOD = 0.8  # a first page whose best row is at least this close needs no didYouMean
# Rows the contains tier walks in rank order (index-only, about 0.12 µs each) before the trigram index answers
# instead: ratings do not follow titles, so a term in 0.3% of rows fills a page within about 7,000, and one in
# 1% (the broad terms) within about 2,000; a rarer term wastes about 1.2 ms at 1,000,000 movies.
WALK = 10_000
SIMILAR = 0.45  # didYouMean's word similarity threshold (below the close spellings' 0.6, above pg_trgm's 0.3 default)
SUGGESTIONS = 3
SHORT = 3  # characters: a shorter folded term has no trigram of its own

_KEY = sql.SQL('title_folded COLLATE "C"')  # index movies_search_key's first column
_AFTER = sql.SQL("(%(after_key)s::text IS NULL OR ({key}, id) > (%(after_key)s::text, %(after_id)s::uuid))").format(key=_KEY)
_SELECT = sql.SQL("SELECT {columns}, {key} FROM movies").format(columns=COLUMNS, key=_KEY)
_IN_ORDER = sql.SQL("ORDER BY {key}, id LIMIT %(limit)s").format(key=_KEY)

_EXACT = sql.SQL("{select} WHERE {key} = %(term)s AND {after} {order}").format(
    select=_SELECT, key=_KEY, after=_AFTER, order=_IN_ORDER
)
# LIKE 'prefix%' on a "C" column is a range of movies_search_key.
_PREFIX = sql.SQL("{select} WHERE {key} LIKE %(prefix)s AND {key} <> %(term)s AND {after} {order}").format(
    select=_SELECT, key=_KEY, after=_AFTER, order=_IN_ORDER
)
# A first page starts with both: two small ranges of movies_search_key in one round trip, each branch stopping
# at the page (sorted into tier order in Python: UNION ALL promises no order).
_EXACT_AND_PREFIX = sql.SQL("({exact}) UNION ALL ({prefix})").format(exact=_EXACT, prefix=_PREFIX)
# The contains tier in the top-rated order: (rank, title, id), the keys of index movies_rank, which includes
# every other column a page shows and title_folded, so the walk below reads neither heap pages nor, for the
# page, movies itself (migration 0060).
_RANK = RANK.expression
_RANK_AFTER = sql.SQL(
    "(%(after_rank)s::numeric IS NULL"
    " OR ({rank}, title, id) > (%(after_rank)s::numeric, %(after_key)s::text, %(after_id)s::uuid))"
).format(rank=_RANK)
# A broad term (0.3% of rows or more) fills a page within the first WALK rows in rank order: an index-only walk
# that stops there (the outer ORDER BY is the walk's own: no sort).
_CONTAINS_WALK = sql.SQL(
    "SELECT {columns} FROM ("
    " SELECT {columns}, title_folded, {rank} AS rank FROM movies WHERE {after} ORDER BY {rank}, title, id LIMIT %(walk)s"
    ") scanned"
    " WHERE title_folded LIKE %(contains)s AND title_folded NOT LIKE %(prefix)s"
    " ORDER BY rank, title, id LIMIT %(limit)s"
).format(columns=COLUMNS, rank=_RANK, after=_RANK_AFTER)
# A rarer term: its matches from the trigram index (movies_search_trgm), sorted.
# OFFSET 0 keeps the order and the cursor out of the inner scan: else the planner may walk movies_rank with the
# LIKE as a filter (most of the table for a rare term) instead of reading the term's trigrams.
_CONTAINS_INDEXED = sql.SQL(
    "SELECT {columns} FROM ("
    " SELECT {columns} FROM movies"
    " WHERE title_folded LIKE %(contains)s AND title_folded NOT LIKE %(prefix)s OFFSET 0) matches"
    " WHERE {after} ORDER BY {rank}, title, id LIMIT %(limit)s"
).format(columns=COLUMNS, rank=_RANK, after=_RANK_AFTER)
# Close spellings: word similarity of the term to some part of the title at least pg_trgm's threshold (%>,
# the trigram index), titles that contain the term excluded (tiers above).
_CLOSE = sql.SQL(
    "SELECT {columns}, key, score FROM ("
    " SELECT {columns}, {key} AS key,"
    "  least(word_similarity(%(term)s, title_folded), %(cap)s::real) AS score"
    " FROM movies WHERE title_folded %%> %(term)s AND title_folded NOT LIKE %(contains)s) close"
    " WHERE %(after_score)s::real IS NULL OR score < %(after_score)s::real"
    "  OR (score = %(after_score)s::real AND (key, id) > (%(after_key)s::text, %(after_id)s::uuid))"
    " ORDER BY score DESC, key, id LIMIT %(limit)s"
).format(columns=COLUMNS, key=_KEY)
# didYouMean: titles with some part close to the term (word similarity >= SIMILAR, below the close-spelling tier's
# 0.6, so a term with no result still gets some), the closest whole titles first (similarity), distinct.
_SUGGEST = sql.SQL(
    "SELECT title FROM movies WHERE title_folded %%> %(term)s"
    " GROUP BY title ORDER BY max(similarity(title_folded, %(term)s)) DESC, title LIMIT %(limit)s"
)


@dataclass(frozen=True)
class Ranked:
    movie: dict[str, Any]
    score: float
    key: str  # the folded title as the keyset compares it; in the contains tier, the title
    rank: str | None = None  # the contains tier's rank key (movie_reads.RANK)


@dataclass(frozen=True)
class After:
    """The last row of the page before: its score, folded title (the title in the contains tier) and id, and
    its rank key in the contains tier."""

    score: float
    key: str
    id: str
    rank: str | None = None


def tier(score: float) -> float:
    """The tier a score belongs to (close spellings: 0)."""
    return next((t for t in (EXACT, PREFIX, CONTAINS) if score >= t), 0.0)


# Plain ASCII (printable, and the whitespace PostgreSQL's \s matches in every locale): search_text() only trims
# spaces, collapses whitespace and lowers it, so Python folds it without a round trip.
_PLAIN = re.compile(r"[\x20-\x7e\t\n\r\v\f]*")
_WHITESPACE = re.compile(r"[ \t\n\r\v\f]+")


def folded(cur: Cursor, term: str) -> str:
    """The term as search compares it (migration 0030's search_text)."""
    if _PLAIN.fullmatch(term):
        return _WHITESPACE.sub(" ", term.strip(" ")).lower()
    cur.execute("SELECT search_text(%s)", (term,))
    return str(one_row(cur)[0])


def relevance_page(cur: Cursor, term: str, after: After | None, limit: int) -> list[Ranked]:
    """Up to `limit` rows best first after `after`; `term` is already folded (see folded())."""
    escaped = like_escape(term)
    # Under 3 characters the trigram index cannot find a substring, and typos mean nothing: the contains-walk
    # goes on to the end when it must (an index-only scan), and there are no close spellings.
    short = len(term) < SHORT
    params: dict[str, Any] = {
        "term": term,
        "prefix": f"{escaped}%",
        "contains": f"%{escaped}%",
        "walk": None if short else WALK,
        "cap": CLOSE_CAP,
    }
    page: list[Ranked] = []
    start = tier(after.score) if after else EXACT
    for level in (EXACT, PREFIX, CONTAINS, 0.0):
        need = limit - len(page)
        if level > start or need <= 0 or (short and level == 0.0):
            continue  # a tier the cursor is past, a full page, or no close spellings for a short term
        if level == PREFIX and after is None:
            continue  # read with the exact titles
        resume = after if after is not None and level == start else None
        params.update(
            limit=need,
            after_key=resume.key if resume else None,
            after_id=resume.id if resume else None,
            after_score=resume.score if resume and level == 0.0 else None,
            after_rank=resume.rank if resume and level == CONTAINS else None,
        )
        page += _tier(cur, level, params)
    return page


def _tier(cur: Cursor, level: float, params: dict[str, Any]) -> list[Ranked]:
    if level == 0.0:
        cur.execute(_CLOSE, params)
        return [Ranked(movie_row(r[:-2]), float(r[-1]), r[-2]) for r in cur.fetchall()]
    if level == CONTAINS:
        cur.execute(_CONTAINS_WALK, params)
        rows = cur.fetchall()
        if len(rows) < params["limit"] and params["walk"] is not None:  # stopped at WALK rows: ask the index
            cur.execute(_CONTAINS_INDEXED, params)
            rows = cur.fetchall()
        movies = [movie_row(r) for r in rows]
        return [Ranked(m, CONTAINS, m["title"], rank_key(m)) for m in movies]
    if level == EXACT and params["after_key"] is None:  # a first page: the prefix tier comes along
        cur.execute(_EXACT_AND_PREFIX, params)
        found = sorted(cur.fetchall(), key=lambda r: (r[-1] != params["term"], r[-1], str(r[0])))
        # Python's str order is code point order, which is "C" (UTF-8 byte) order; a uuid's text sorts as its bytes.
        return [Ranked(movie_row(r[:-1]), EXACT if r[-1] == params["term"] else PREFIX, r[-1]) for r in found][: params["limit"]]
    cur.execute(_EXACT if level == EXACT else _PREFIX, params)
    return [Ranked(movie_row(r[:-1]), level, r[-1]) for r in cur.fetchall()]


def suggestions(cur: Cursor, term: str, limit: int = SUGGESTIONS) -> list[str]:
    """Up to `limit` distinct titles close to the folded term, closest first; call it last in a transaction (it lowers
    pg_trgm's word similarity threshold until the transaction ends)."""
    cur.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", (str(SIMILAR),))  # this transaction
    cur.execute(_SUGGEST, {"term": term, "limit": limit})
    return [r[0] for r in cur.fetchall()]
