"""Correcting the library (issue 22): edit and delete a movie, with roles, optimistic concurrency,
an audit row in the same transaction, and a movie's history.

Rules (DESIGN §3 "Roles"): a librarian may edit and delete any movie added through the API and delete
(suppress) one that came from Drive; everyone else may edit and delete only the movies they added.
Movies from Drive are edited in Drive. These errors carry no HTTP status: api/correction_errors.py
maps them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg2.errors

from data import add_limits, audit, db, movie_corrections
from data.audit import Actor
from data.movie_corrections import StoredMovie
from domain import movie_rules as normalize
from domain.errors import RateLimited
from domain.roles import LIBRARIANS, parse_groups
from logic import library_live
from logic.adds import limit_key


class CorrectionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MovieNotFound(CorrectionError):
    """No movie with this id (never was, or deleted)."""


class NotAllowed(CorrectionError):
    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason  # notYours | driveNeedsLibrarian


class PreconditionRequired(CorrectionError):
    """No If-Match: a change must name the version it was made against."""


class StaleVersion(CorrectionError):
    def __init__(self, message: str, current: dict[str, Any], version: int):
        super().__init__(message)
        self.current, self.version = current, version


class DuplicateMovie(CorrectionError):
    def __init__(self, message: str, other: dict[str, Any]):
        super().__init__(message)
        self.other = other


class EditInDrive(CorrectionError):
    def __init__(self, message: str, source: dict[str, Any]):
        super().__init__(message)
        self.source = source


class InvalidEdit(CorrectionError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("Invalid movie: " + "; ".join(f"{f} {p}" for f, p in problems) + ".")
        self.problems = problems  # (field, problem)


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    groups = parse_groups(claims.get("cognito:groups"))
    return Actor(str(claims["sub"]), claims.get("email"), LIBRARIANS in groups)


def etag(movie_id: str, version: int) -> str:
    return f'"{movie_id}.v{version}"'


def _matches(if_match: str | None, movie_id: str, version: int) -> bool:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Send If-Match with the movie's ETag (GET the movie first); a correction must say which version it corrects."
        )
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in tags or etag(movie_id, version) in tags


DRIVE_FILE_URL = "https://drive.google.com/file/d/{}/view"


def source_of(stored: StoredMovie, cur: db.Cursor | None = None) -> dict[str, Any]:
    """Where a movie came from: an API add, or the folder's file that backs it (movie_sources; the first
    of several, by id). A row loaded before provenance, or whose file is not known, names no file."""
    if stored.request_id is not None:
        return {"kind": "api"}
    movie_id = str(stored.movie["id"])
    files = audit.backing_files(cur, movie_id) if cur is not None else db.run(lambda c: audit.backing_files(c, movie_id))
    if not files:
        return {"kind": "drive", "fileId": None, "path": None, "url": None}
    file = files[0]
    from_drive = str(file["source"]).startswith("drive:")  # the local folder source has no link to give
    return {
        "kind": "drive",
        "fileId": file["fileId"],
        "path": file["path"],
        "url": DRIVE_FILE_URL.format(file["fileId"]) if from_drive else None,
    }


def permissions(actor: Actor, stored: StoredMovie) -> dict[str, bool]:
    """What `actor` may do with this movie (the UI shows only these actions)."""
    own = stored.added_by is not None and stored.added_by == actor.sub
    from_api = stored.request_id is not None
    return {
        "edit": from_api and (actor.librarian or own),
        "delete": actor.librarian or (from_api and own),
        "history": actor.librarian or own,
    }


def normalise_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The schema-valid changes as stored (the add's rules per field); InvalidEdit names each bad field."""
    checks: dict[str, Callable[[Any], Any]] = {
        "title": lambda v: normalize.text("title", v, normalize.MAX_TITLE),
        "genre": lambda v: normalize.text("genre", v, normalize.MAX_GENRE),
        "rating": lambda v: None if v is None else float(normalize.rating(_number("rating", v))),
        "year": lambda v: normalize.year(_number("year", v)),
    }
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name, check in checks.items():
        if name not in changes:
            continue
        try:
            out[name] = check(changes[name])
        except (normalize.Invalid, TypeError) as exc:
            problems.append((name, exc.problem if isinstance(exc, normalize.Invalid) else "has an invalid value"))
    if problems:
        raise InvalidEdit(problems)
    return out


def _number(name: str, value: Any) -> Decimal:
    number: Decimal | None = normalize.number(name, value)
    if number is None:
        raise normalize.Invalid(name, "is required")
    return number


def _count(actor: Actor) -> None:
    # The same key as adds (the mailbox): adds, edits and deletes share one budget per person.
    refusal = add_limits.consume(limit_key(actor.sub, actor.email))
    if refusal is not None:
        raise RateLimited(
            f"Too many changes: adds, edits and deletes count together, at most {refusal.limit} per "
            f"{refusal.window}. Try again in {refusal.retry_after} s.",
            refusal.retry_after,
            [{"field": "body", "message": f"at most {refusal.limit} per {refusal.window}"}],
        )


def _locked(cur: db.Cursor, movie_id: str, if_match: str | None) -> StoredMovie:
    stored = movie_corrections.lock(cur, movie_id)
    if stored is None:
        raise MovieNotFound(f"No movie with id {movie_id}.")
    if not _matches(if_match, movie_id, stored.version):
        raise StaleVersion(
            "The movie changed since you read it: here it is as it is now; reapply your change to it if it still applies.",
            stored.movie,
            stored.version,
        )
    return stored


def edit(actor: Actor, movie_id: str, if_match: str | None, changes: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Apply a PATCH; returns (the movie as corrected, its new version)."""
    wanted = normalise_changes(changes)
    if if_match is None or not if_match.strip():
        _matches(if_match, movie_id, 0)  # 428 before anything is read or counted
    _count(actor)  # edits count against the per-user limits like adds

    def work(cur: db.Cursor) -> tuple[dict[str, Any], int]:
        stored = _locked(cur, movie_id, if_match)
        if stored.request_id is None:
            source = source_of(stored, cur)
            where = f" ({source['path'] or source['fileId']})" if source["fileId"] else ""
            raise EditInDrive(
                f"This movie came from the library's Drive folder: correct its file{where} there and "
                "the next sync brings the change.",
                source,
            )
        if not permissions(actor, stored)["edit"]:
            raise NotAllowed("Only librarians and the person who added this movie may edit it.", "notYours")
        after = {**stored.movie, **wanted}
        other = movie_corrections.identical(cur, after, excluding=movie_id)
        if other is not None:
            raise DuplicateMovie(f'The library already has this movie: "{other["title"]}" ({other["id"]}).', other)
        if all(stored.movie[k] == after[k] for k in wanted):
            return stored.movie, stored.version  # nothing changes: no new version, no audit row
        try:
            cur.execute("SAVEPOINT correction")
            movie, version = movie_corrections.update(cur, movie_id, wanted)
        except psycopg2.errors.UniqueViolation:  # an equal movie committed after our check
            cur.execute("ROLLBACK TO SAVEPOINT correction")
            other = movie_corrections.identical(cur, after, excluding=movie_id)
            raise DuplicateMovie("The library already has this movie.", other or after) from None
        audit.record(cur, movie_id, "edit", actor, {**stored.movie, "addedBy": stored.added_by}, movie, stored.request_id)
        return movie, version

    result = db.run(work)
    library_live.announce([{"action": "edited", "movieId": movie_id}])
    return result


def delete(actor: Actor, movie_id: str, if_match: str | None) -> dict[str, Any]:
    """Apply a DELETE; returns what was deleted and whether a Drive file version was suppressed."""
    if if_match is None or not if_match.strip():
        _matches(if_match, movie_id, 0)
    _count(actor)

    def work(cur: db.Cursor) -> dict[str, Any]:
        stored = _locked(cur, movie_id, if_match)
        if not permissions(actor, stored)["delete"]:
            if stored.request_id is None:
                raise NotAllowed(
                    "This movie came from the library's Drive folder: only librarians may remove it.", "driveNeedsLibrarian"
                )
            raise NotAllowed("Only librarians and the person who added this movie may delete it.", "notYours")
        suppressed = stored.request_id is None
        files = audit.backing_files(cur, movie_id) if suppressed else []  # read before the delete drops them
        movie_corrections.delete(cur, movie_id)
        if suppressed:
            audit.suppress(cur, stored.movie, actor, files)
        audit.record(
            cur, movie_id, "delete", actor, {**stored.movie, "addedBy": stored.added_by}, None, stored.request_id, suppressed
        )
        return {"movie": stored.movie, "suppressed": suppressed}

    done = db.run(work)
    library_live.announce([{"action": "deleted", "movieId": movie_id}])
    return done


def access(actor: Actor, movie_id: str) -> tuple[StoredMovie | None, dict[str, bool]]:
    """The movie with the actor's permissions (None for a movie that does not exist)."""
    stored = db.run(lambda cur: movie_corrections.read(cur, movie_id))
    if stored is None:
        return None, {"edit": False, "delete": False, "history": False}
    return stored, permissions(actor, stored)


def history(actor: Actor, movie_id: str, limit: int, before_id: int | None) -> tuple[list[dict[str, Any]], bool]:
    """Audit rows newest first (limit, and whether there are more); librarians and the movie's adder."""

    def work(cur: db.Cursor) -> tuple[list[dict[str, Any]], bool]:
        stored = movie_corrections.read(cur, movie_id)
        if stored is not None:
            adder = stored.added_by
        else:
            gone = audit.adder(cur, movie_id)
            if gone is None:
                raise MovieNotFound(f"No movie with id {movie_id}.")
            adder = gone[1]
        if not actor.librarian and (adder is None or adder != actor.sub):
            raise NotAllowed("A movie's history is shown to librarians and to the person who added it.", "notYours")
        rows = audit.history(cur, movie_id, before_id, limit + 1)
        return rows[:limit], len(rows) > limit

    return db.run(work)
