"""`movie-library`: the API from a terminal or a script.

Exit codes: 0 OK, 1 an API error (or any add that was not created or a duplicate), 2 a usage error.
Output is a table on a terminal and JSON with --json or when stdout is not a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from movie_library import __version__, urls
from movie_library.auth import CognitoAuth
from movie_library.cli import output
from movie_library.cli.settings import ENV_PREFIX, Profile, Store
from movie_library.client import Client
from movie_library.errors import (
    ApiError,
    AuthError,
    Conflict,
    MovieLibraryError,
    PreconditionFailed,
    ValidationError,
)
from movie_library.live import Outcome
from movie_library.models import AddRequest

OK, API_ERROR, USAGE = 0, 1, 2


class UsageError(Exception):
    pass


# -- wiring ----------------------------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def discover(base_url: str) -> dict[str, str]:
    """The site's /config.json (served by the local stack and the deployed UI), absolutised; {} if there is none."""
    origin = _origin(base_url)
    try:
        response = httpx.get(f"{origin}/config.json", timeout=10)
        data = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    found: dict[str, str] = {}
    # What the site names receives the token (API, WebSocket) or the password (Cognito): a URL that would
    # carry them in clear text, or a Cognito endpoint other than the site's own or AWS's, is ignored.
    if isinstance(data.get("apiUrl"), str):
        found["base_url"] = urljoin(origin + "/", data["apiUrl"])
    if isinstance(data.get("wsUrl"), str):
        ws = data["wsUrl"]
        found["ws_url"] = ws if ws.startswith(("ws://", "wss://")) else urljoin(origin.replace("http", "ws", 1) + "/", ws)
    if isinstance(data.get("cognitoEndpoint"), str):
        endpoint = urljoin(origin + "/", data["cognitoEndpoint"])
        if urls.trusted_cognito(endpoint, origin):
            found["cognito_endpoint"] = endpoint
    for key in ("base_url", "ws_url"):
        try:
            urls.require_secure(found.get(key) or "https://unset", key)
        except ValueError:
            found.pop(key)
    for key, name in (("userPoolId", "user_pool_id"), ("clientId", "client_id")):
        if isinstance(data.get(key), str):
            found[name] = data[key]
    return found


def _base_url(args: argparse.Namespace, profile: Profile) -> str:
    base = args.base_url or profile.get("base_url")
    if not base:
        raise UsageError(f"no API URL: pass --base-url, set {ENV_PREFIX}BASE_URL, or run `movie-library login --base-url URL`")
    return base


def _auth(profile: Profile, base_url: str) -> Any:
    token = os.environ.get(f"{ENV_PREFIX}TOKEN")
    if token:
        return token
    password = os.environ.get(f"{ENV_PREFIX}PASSWORD")
    settings = {k: profile.get(k) for k in ("user_pool_id", "client_id", "cognito_endpoint", "username")}
    if password and not (settings["user_pool_id"] and settings["client_id"]):
        settings.update({k: v for k, v in discover(base_url).items() if not settings.get(k)})
    if not (settings["user_pool_id"] and settings["client_id"]) or not (password or profile.refresh_token):
        raise UsageError(
            f"not signed in: run `movie-library login`, or set {ENV_PREFIX}TOKEN, "
            f"or {ENV_PREFIX}USERNAME and {ENV_PREFIX}PASSWORD"
        )
    if password and not settings["username"]:
        raise UsageError(f"{ENV_PREFIX}PASSWORD needs {ENV_PREFIX}USERNAME")
    return CognitoAuth(
        settings["user_pool_id"],
        settings["client_id"],
        settings["username"],
        password,
        refresh_token=None if password else profile.refresh_token,
        endpoint=settings["cognito_endpoint"],
    )


def _client(args: argparse.Namespace, profile: Profile) -> Client:
    base = _base_url(args, profile)
    return Client(base, auth=_auth(profile, base), ws_url=profile.get("ws_url"))


def _json_mode(args: argparse.Namespace) -> bool:
    return bool(args.json) or (not args.table and not sys.stdout.isatty())


def _movies(args: argparse.Namespace, pages: Any) -> int:
    movies = [m.to_dict() for m in pages]
    if _json_mode(args):
        output.emit_json(movies)
    else:
        output.table(movies, output.MOVIE_COLUMNS)
        total = getattr(pages, "total", None)
        shown = f"{len(movies)} of {total}" if total is not None and total != len(movies) else f"{len(movies)}"
        print(f"\n{shown} movie(s)")
    return OK


def _limit_args(args: argparse.Namespace) -> dict[str, Any]:
    """--limit is how many to show (as gh's --limit), --page-size how many each request asks for."""
    return {"limit": args.page_size, "max_items": None if args.all else args.limit}


# -- commands --------------------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace, store: Store, profile: Profile) -> int:
    base = _base_url(args, profile)
    found = discover(base)
    values = {"base_url": base, **{k: v for k, v in profile.values.items() if v}, **found}  # the site knows best
    for key in ("user_pool_id", "client_id", "cognito_endpoint", "ws_url", "username"):
        given = getattr(args, key, None) or os.environ.get(ENV_PREFIX + key.upper())
        if given:
            values[key] = given
    if not (values.get("user_pool_id") and values.get("client_id")):
        raise UsageError(f"{_origin(base)}/config.json was not found: pass --user-pool-id and --client-id")
    username = values.get("username")
    if not username:
        if not sys.stdin.isatty():
            raise UsageError("pass --username (or set MOVIE_LIBRARY_USERNAME)")
        username = input("Username (e-mail): ").strip()
    password = os.environ.get(f"{ENV_PREFIX}PASSWORD")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        if not sys.stdin.isatty():
            raise UsageError("no password: use --password-stdin or set MOVIE_LIBRARY_PASSWORD")
        password = getpass.getpass(f"Password for {username}: ")
    auth = CognitoAuth(values["user_pool_id"], values["client_id"], username, password, endpoint=values.get("cognito_endpoint"))
    auth.sign_in()
    values["username"] = username
    profile.values = values
    profile.refresh_token = auth.refresh_token
    store.save(profile)
    message = {
        "signedIn": username,
        "profile": profile.name,
        "baseUrl": values["base_url"],
        "credentials": str(store.credentials_path),
    }
    if args.json:
        output.emit_json(message)
    else:  # a message for the person, not data: stdout stays clean for the commands that follow in a script
        print(
            f"Signed in as {username} (profile {profile.name}). The refresh token is in {store.credentials_path} "
            "(readable only by you).",
            file=sys.stderr,
        )
    return OK


def cmd_logout(args: argparse.Namespace, store: Store, profile: Profile) -> int:
    profile.refresh_token = None
    store.save(profile)
    print(f"Signed out of profile {profile.name}.", file=sys.stderr)
    return OK


def cmd_dashboard(args: argparse.Namespace, client: Client) -> int:
    data = client.dashboard().to_dict()
    if _json_mode(args):
        output.emit_json(data)
        return OK
    scalars = [
        (re.sub(r"(?<!^)([A-Z])", r" \1", k).capitalize(), v)
        for k, v in data.items()
        if isinstance(v, (int, float)) and k not in {"totalMovies", "averageRating"}
    ]  # e.g. unratedMovies
    output.pairs([("Movies", data["totalMovies"]), ("Average rating", data["averageRating"]), *scalars])
    print("\nTop genres")
    output.table(data["topGenres"], [("genre", "Genre"), ("count", "Movies")])
    print("\nMovies by year")
    output.table(data["moviesByYear"], [("year", "Year"), ("count", "Movies")])
    return OK


def cmd_genres(args: argparse.Namespace, client: Client) -> int:
    genres = [g.to_dict() for g in client.genres()]
    if _json_mode(args):
        output.emit_json(genres)
    else:
        output.table(genres, [("genre", "Genre"), ("count", "Movies")])
    return OK


def cmd_search(args: argparse.Namespace, client: Client) -> int:
    return _movies(args, client.search(args.title, **_limit_args(args)))


def cmd_filter(args: argparse.Namespace, client: Client) -> int:
    return _movies(args, client.filter(genres=args.genre, min_rating=args.min_rating, year=args.year, **_limit_args(args)))


def cmd_top(args: argparse.Namespace, client: Client) -> int:
    return _movies(args, client.top_rated(start=args.start, **_limit_args(args)))


def cmd_edit(args: argparse.Namespace, client: Client) -> int:
    changes: dict[str, Any] = {k: getattr(args, k) for k in ("title", "genre", "rating", "year") if getattr(args, k) is not None}
    if args.no_rating:
        if "rating" in changes:
            raise UsageError("--rating and --no-rating contradict each other")
        changes["rating"] = None
    if not changes:
        raise UsageError("nothing to change: give --title, --genre, --rating, --no-rating or --year")
    try:
        edited = client.edit(args.id, changes, etag=args.if_match)
    except Conflict as exc:
        raise UsageError(_conflict_words(exc)) from exc
    except PreconditionFailed as exc:
        raise UsageError(f"{exc.message} Now: {json.dumps(exc.current)}; its ETag: {exc.etag}") from exc
    movie = {**edited.movie.to_dict(), "etag": edited.etag}
    if _json_mode(args):
        output.emit_json(movie)
    else:
        output.pairs([(title, movie.get(key)) for key, title in output.MOVIE_COLUMNS] + [("ETag", edited.etag)])
    return OK


def _conflict_words(exc: Conflict) -> str:
    if exc.reason == "duplicate" and exc.other:
        return f"{exc.message} Other movie: {exc.other.get('title')} ({exc.other.get('id')})."
    return exc.message


def cmd_delete(args: argparse.Namespace, client: Client) -> int:
    current = client.versioned(args.id)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("delete asks before it deletes: pass --yes when not on a terminal")
        movie = current.movie
        answer = input(f'Delete "{movie.title}" ({movie.genre}, {movie.year}, rating {movie.rating})? [y/N] ')
        if answer.strip().lower() not in {"y", "yes"}:
            print("Not deleted.")
            return OK
    client.delete(args.id, etag=args.if_match or current.etag)
    if not _json_mode(args):
        print(f'Deleted "{current.movie.title}" ({args.id}).')
    return OK


def cmd_history(args: argparse.Namespace, client: Client) -> int:
    entries = [e.to_dict() for e in client.history(args.id, **_limit_args(args))]
    if _json_mode(args):
        output.emit_json(entries)
        return OK
    rows = [
        {
            "at": e["at"],
            "action": e["action"],
            "who": e["actor"].get("email") or e["actor"]["sub"],
            "change": _change_words(e["before"], e.get("after")),
        }
        for e in entries
    ]
    output.table(rows, [("at", "When"), ("action", "Action"), ("who", "Who"), ("change", "Change")], max_width=80)
    return OK


def _change_words(before: dict[str, Any], after: dict[str, Any] | None) -> str:
    if after is None:
        return f"deleted {before.get('title')}"
    return (
        ", ".join(
            f"{k}: {before.get(k)!r} → {after.get(k)!r}"
            for k in ("title", "genre", "rating", "year")
            if before.get(k) != after.get(k)
        )
        or "no change"
    )


def cmd_watch(args: argparse.Namespace, client: Client) -> int:
    """One JSON line per message (libraryChanged with --library, else your adds' addStatus)."""
    import asyncio

    async def run() -> None:
        stream = client.watch_library() if args.library else client.watch()
        async for message in stream:
            print(json.dumps(message.to_dict()), flush=True)

    asyncio.run(run())
    return OK


def cmd_show(args: argparse.Namespace, client: Client) -> int:
    movie = client.movie(args.id).to_dict()
    if _json_mode(args):
        output.emit_json(movie)
    else:
        output.pairs([(title, movie.get(key)) for key, title in output.MOVIE_COLUMNS] + [("Added", movie["created_at"])])
    return OK


def _outcome_row(outcome: Outcome) -> dict[str, Any]:
    movie = outcome.movie.to_dict() if outcome.movie else {}
    return {
        "requestId": outcome.request_id,
        "status": outcome.status,
        "title": movie.get("title"),
        "movieId": movie.get("id"),
        "error": outcome.error.message if outcome.error else None,
    }


def cmd_add(args: argparse.Namespace, client: Client, store: Store, profile: Profile) -> int:
    if args.file:
        if any(v is not None for v in (args.title, args.genre, args.rating, args.year)):
            raise UsageError("add: use either --file or --title/--genre/--rating/--year")
        return _bulk_add(args, client, store, profile)
    missing = [f"--{n}" for n in ("title", "genre", "rating", "year") if getattr(args, n) is None]
    if missing:
        raise UsageError(f"add: missing {' '.join(missing)} (or use --file movies.jsonl)")
    movie = {"title": args.title, "genre": args.genre, "rating": args.rating, "year": args.year}
    handle = client.add(movie, idempotency_key=args.idempotency_key) if args.idempotency_key else client.add(movie)
    store.remember_requests(profile.name, [handle.request_id])
    if not args.wait:
        data = {"requestId": handle.request_id, "status": handle.status, "statusUrl": handle.status_url}
        if _json_mode(args):
            output.emit_json(data)
        else:
            output.pairs([("Request", handle.request_id), ("Status", handle.status), ("Status URL", handle.status_url)])
        return OK
    outcome = handle.wait(timeout=args.timeout)
    if _json_mode(args):
        output.emit_json(outcome.to_dict())
    else:
        row = _outcome_row(outcome)
        output.pairs(
            [("Request", row["requestId"]), ("Status", row["status"]), ("Title", row["title"]), ("Movie", row["movieId"])]
            + ([("Error", row["error"])] if row["error"] else [])
        )
    return OK if outcome.ok else API_ERROR


def _read_lines(path: str) -> list[tuple[int, str]]:
    """Numbered non-blank lines of a file, or of stdin for '-'."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]


def _bulk_add(args: argparse.Namespace, client: Client, store: Store, profile: Profile) -> int:
    try:
        lines = _read_lines(args.file)
    except OSError as exc:
        raise UsageError(f"add --file: {exc}") from exc
    results: list[dict[str, Any]] = []
    entries: list[tuple[int, dict[str, Any]]] = []
    progress = output.Progress(len(lines), enabled=None if not args.no_progress else False)
    for number, line in lines:
        try:
            movie = json.loads(line)
            if not isinstance(movie, dict):
                raise ValueError("a line must be one JSON object")
        except ValueError as exc:
            results.append({"line": number, "status": "invalid", "error": {"code": "INVALID_JSON", "message": str(exc)}})
            progress.update("invalid")
        else:
            entries.append((number, movie))
    request_ids: list[str] = []
    try:
        for result in client.add_many([m for _, m in entries], concurrency=args.concurrency, timeout=args.timeout):
            row: dict[str, Any] = {"line": entries[result.index][0], "status": result.status}
            if result.request_id:
                row["requestId"] = result.request_id
                request_ids.append(result.request_id)
            if result.outcome and result.outcome.movie:
                row["movieId"] = result.outcome.movie.id
            error = result.outcome.error if result.outcome else None
            if error is not None:
                row["error"] = {"code": error.code, "message": error.message}
            elif result.error is not None:
                exc = result.error
                row["error"] = {"code": getattr(exc, "code", None) or type(exc).__name__, "message": str(exc)}
                if isinstance(exc, ValidationError) and exc.details:
                    row["error"]["details"] = exc.details
            results.append(row)
            progress.update(row["status"])
    finally:
        progress.finish()
        store.remember_requests(profile.name, request_ids)
    results.sort(key=lambda r: r["line"])
    counts: dict[str, int] = {}
    for row in results:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    problems = [r for r in results if r["status"] not in {"created", "duplicate"}]
    if _json_mode(args):
        output.emit_json({"total": len(results), "counts": counts, "problems": problems, "results": results})
    else:
        output.pairs([("Lines", len(results)), *sorted(counts.items())])
        if problems:
            print("\nNot added")
            output.table(
                [{**p, "message": (p.get("error") or {}).get("message")} for p in problems],
                [("line", "Line"), ("status", "Status"), ("message", "Why")],
                max_width=100,
            )
    return API_ERROR if problems else OK


def cmd_requests(args: argparse.Namespace, client: Client, store: Store, profile: Profile) -> int:
    ids = args.ids or list(reversed(store.recent_requests(profile.name)))[: args.max]
    rows: list[dict[str, Any]] = []
    failed = False
    for request_id in ids:
        try:
            record: AddRequest = client.request(request_id)
        except ApiError as exc:
            if args.ids and len(args.ids) == 1:
                raise
            rows.append({"requestId": request_id, "status": f"error: {exc.code or exc.status}"})
            failed = True
            continue
        data = record.to_dict()
        title = (data.get("movie") or data.get("input") or {}).get("title")
        rows.append({**data, "title": title})
    if _json_mode(args):
        output.emit_json([{k: v for k, v in r.items() if k != "title"} for r in rows])
    else:
        output.table(
            rows,
            [
                ("requestId", "Request"),
                ("status", "Status"),
                ("title", "Title"),
                ("submittedAt", "Submitted"),
                ("completedAt", "Completed"),
            ],
        )
    return API_ERROR if failed else OK


# -- argument parsing ------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--base-url", default=default, help=f"the API or site URL (env {ENV_PREFIX}BASE_URL)")
    parser.add_argument("--profile", default=default, help=f"settings profile (env {ENV_PREFIX}PROFILE; default 'default')")
    parser.add_argument("--json", action="store_true", default=False if top else argparse.SUPPRESS, help="JSON output")
    parser.add_argument(
        "--table",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="a table even when stdout is not a terminal",
    )


def _paging(parser: argparse.ArgumentParser, default_max: int) -> None:
    parser.add_argument(
        "--limit",
        "--max",
        dest="limit",
        type=_positive,
        default=default_max,
        help=f"how many to show (default {default_max}; --max is the old name)",
    )
    parser.add_argument("--page-size", type=_page_size, help="how many each request asks the API for (1-100)")
    parser.add_argument("--all", action="store_true", help="every match, following every page")


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _page_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError("must be 1 to 100")
    return value


def _correction_commands(command: Any) -> None:
    """edit, delete, history and watch (issue 22)."""
    p = command("edit", "correct a movie (yours, or any added through the API if you are a librarian)")
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--genre")
    p.add_argument("--rating", type=float)
    p.add_argument("--no-rating", action="store_true", help="remove the rating")
    p.add_argument("--year", type=int)
    p.add_argument("--if-match", help="the ETag your change was made against (default: the current one)")
    p = command("delete", "delete a movie (asks first, naming it, unless --yes)")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.add_argument("--if-match", help="the ETag your delete was decided on (default: the current one)")
    p = command("history", "a movie's edits and deletes, newest first (librarians and its adder)")
    p.add_argument("id")
    _paging(p, 20)
    p = command("watch", "print messages from the live WebSocket as they arrive (Ctrl-C stops)")
    p.add_argument("--library", action="store_true", help="libraryChanged: every add, edit, delete and sync")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="movie-library", description="The Movie Library API from the command line.")
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(top, True)
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p, False)
        return p

    p = command("login", "sign in with Cognito and keep a refresh token (0600) in the config folder")
    p.add_argument("--username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--user-pool-id", help="when the site has no /config.json")
    p.add_argument("--client-id", help="when the site has no /config.json")
    p.add_argument("--cognito-endpoint", help="default: the public Cognito endpoint of the pool's region")
    p.add_argument("--ws-url", help="the WebSocket API URL (default: from /config.json)")
    command("logout", "forget the stored refresh token")
    command("dashboard", "library totals, top genres, movies per year")
    command("genres", "every genre with its number of movies")
    p = command("search", "movies whose title matches TEXT, best match first (case, accents and typos forgiven)")
    p.add_argument("title", metavar="TEXT")
    _paging(p, 50)
    p = command("filter", "movies of any of the genres, with a minimum rating and a year")
    p.add_argument("--genre", action="append", help="repeat for several genres")
    p.add_argument("--min-rating", type=float)
    p.add_argument("--year", type=int)
    _paging(p, 50)
    p = command("top", "the top-rated movies")
    p.add_argument("--start", type=int, help="skip this many first")
    _paging(p, 10)
    p = command("show", "one movie")
    p.add_argument("id")
    p = command("add", "add a movie (--title …) or many (--file movies.jsonl, one JSON object per line)")
    p.add_argument("--title")
    p.add_argument("--genre")
    p.add_argument("--rating", type=float)
    p.add_argument("--year", type=int)
    p.add_argument("--idempotency-key", help="resending with the same key never adds twice")
    p.add_argument("--wait", action="store_true", help="wait for the outcome (created, duplicate, rejected, failed)")
    p.add_argument("--file", help="JSON Lines file ('-' for stdin); waits for every outcome and prints a summary")
    p.add_argument("--concurrency", type=int, default=8, help="adds in flight at once with --file (default 8)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for outcomes (default 600)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on the terminal")
    _correction_commands(command)
    p = command("requests", "your add requests: the given ids, or the latest ones made from this machine")
    p.add_argument("ids", nargs="*", metavar="REQUEST_ID")
    p.add_argument("--max", type=int, default=20)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for usage errors, 0 for --help / --version
        return int(exc.code or 0)
    store = Store()
    profile = store.load(args.profile or os.environ.get(f"{ENV_PREFIX}PROFILE") or "default")
    client: Client | None = None
    try:
        if args.command in {"login", "logout"}:
            return {"login": cmd_login, "logout": cmd_logout}[args.command](args, store, profile)
        client = _client(args, profile)
        if args.command in {"add", "requests"}:
            return {"add": cmd_add, "requests": cmd_requests}[args.command](args, client, store, profile)
        return globals()[f"cmd_{args.command}"](args, client)
    except UsageError as exc:
        print(f"movie-library: {exc}", file=sys.stderr)
        return USAGE
    except ValidationError as exc:
        print(f"movie-library: {exc}", file=sys.stderr)
        for field, message in exc.fields.items():
            print(f"  {field}: {message}", file=sys.stderr)
        return API_ERROR
    except (MovieLibraryError, AuthError) as exc:
        print(f"movie-library: {exc}", file=sys.stderr)
        return API_ERROR
    except KeyboardInterrupt:
        return 130
    finally:
        if client is not None:
            auth = client.transport.auth
            if (
                isinstance(auth, CognitoAuth)
                and auth.refresh_token
                and auth.refresh_token != profile.refresh_token
                and profile.refresh_token
            ):
                profile.refresh_token = auth.refresh_token  # Cognito rotated it
                store.save(profile)
            client.close()
