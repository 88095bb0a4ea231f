"""Issue 22 in Chromium under the UI's CSP: a librarian corrects and deletes a movie from its page, a
plain user sees Edit/Delete only on their own adds, a Drive movie says where it is corrected, and a stale
edit (412) is explained and can be reapplied. Two browser contexts, two users."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg2
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import wait_for
from tests.e2e.browser import csp_context, sign_in, watch
from tests.e2e.live import User

PLAIN_PASSWORD = "User-Passw0rd!"


@pytest.fixture()
def reader(stack) -> Iterator[User]:
    user = User(stack, f"reader-{uuid.uuid4().hex[:6]}@example.com", PLAIN_PASSWORD).connect()
    yield user
    user.close()


def _page(browser: Browser, stack, email: str | None = None, password: str | None = None) -> tuple[Page, list[str]]:
    context = csp_context(browser, stack)
    page = context.new_page()
    problems = watch(page)
    if email and password:
        sign_in(page, email, password)
    else:
        sign_in(page)  # the demo user: a librarian
    return page, problems


def _added(user: User, title: str) -> str:
    response = user.add({"title": title, "genre": "Drama", "rating": 6.0, "year": 2020})
    status = user.status_of(response.json()["requestId"], timeout=60)
    assert status["status"] == "created", status
    return str(status["movie"]["id"])


def _drive_movie(stack) -> str:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO movies (title, genre, rating, year) VALUES (%s, 'Sci-Fi', 7.5, 2019) RETURNING id",
            (f"Drive Film {uuid.uuid4().hex[:6]}",),
        )
        movie_id = str(cur.fetchone()[0])
    conn.close()
    return movie_id


def test_a_librarian_edits_and_deletes_and_a_plain_user_sees_only_their_own(browser: Browser, stack, reader) -> None:
    theirs = _added(reader, f"Typo Tittle {uuid.uuid4().hex[:6]}")
    drive = _drive_movie(stack)
    someone = User(stack, f"someone-{uuid.uuid4().hex[:6]}@example.com").connect()
    try:
        other = _added(someone, f"Not Yours {uuid.uuid4().hex[:6]}")
    finally:
        someone.close()

    plain, plain_problems = _page(browser, stack, _email(reader), PLAIN_PASSWORD)
    plain.goto(f"/movies/{other}")
    expect(plain.get_by_role("heading", level=1)).to_contain_text("Not Yours")
    expect(plain.get_by_role("button", name="Edit")).to_have_count(0)
    expect(plain.get_by_role("button", name="Delete")).to_have_count(0)
    plain.goto(f"/movies/{drive}")
    expect(plain.get_by_text("From the library's Drive folder")).to_be_visible()
    expect(plain.get_by_role("button", name="Delete")).to_have_count(0)
    plain.goto(f"/movies/{theirs}")
    expect(plain.get_by_role("button", name="Edit")).to_be_visible()  # their own add
    expect(plain.get_by_role("heading", name="History")).to_be_visible()

    # The plain user starts an edit on the version they see; the librarian's edit lands while it is open (their
    # page hears it live, but an open form keeps the version it was opened on).
    plain.get_by_role("button", name="Edit").click()
    plain.get_by_label("Year").fill("2021")

    librarian, librarian_problems = _page(browser, stack)
    librarian.goto(f"/movies/{theirs}")
    librarian.get_by_role("button", name="Edit").click()
    librarian.get_by_label("Rating").fill("11")
    librarian.get_by_role("button", name="Save changes").click()
    expect(librarian.get_by_text("The rating must be between 0 and 10.")).to_be_visible()  # the add form's rule
    librarian.get_by_label("Title").fill("Typo Title Fixed")
    librarian.get_by_label("Rating").fill("8.5")
    librarian.get_by_role("button", name="Save changes").click()
    expect(librarian.get_by_role("heading", level=1)).to_have_text("Typo Title Fixed")
    expect(librarian.get_by_text("8.5 / 10")).to_be_visible()
    expect(librarian.get_by_role("heading", name="History")).to_be_visible()
    expect(librarian.locator("ol.history li")).to_have_count(1)

    # The plain user's form still holds the old version: their edit is a 412, explained, and reapplied.
    plain.get_by_role("button", name="Save changes").click()
    expect(plain.get_by_text("Someone changed this movie while you were editing it")).to_be_visible()
    plain.get_by_role("button", name="Apply my changes to it").click()
    expect(plain.get_by_role("heading", level=1)).to_contain_text("Typo")
    expect(plain.get_by_role("link", name="2021", exact=True)).to_be_visible()

    librarian.goto(f"/movies/{drive}")
    expect(librarian.get_by_text("As a librarian you can remove it here")).to_be_visible()
    expect(librarian.get_by_role("button", name="Edit")).to_have_count(0)
    librarian.get_by_role("button", name="Delete").click()
    confirm = librarian.get_by_role("alertdialog", name="Confirm delete")
    expect(confirm).to_contain_text("Drive Film")  # the confirm names the movie
    confirm.get_by_role("button", name="Delete “").click()
    expect(librarian.get_by_role("status")).to_contain_text("was deleted from the library")
    librarian.goto(f"/movies/{drive}")
    expect(librarian.get_by_role("heading", name="Movie not found")).to_be_visible()

    for page in (plain, librarian):
        page.context.close()
    assert not plain_problems and not librarian_problems


def _sockets(stack, sub: str) -> int:
    import boto3
    from boto3.dynamodb.conditions import Key

    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table("ConnectionsTable")
    return len(table.query(IndexName="byUser", KeyConditionExpression=Key("userSub").eq(sub))["Items"])


def _email(user: User) -> str:
    import jwt

    return str(jwt.decode(user.token, options={"verify_signature": False})["email"])


def test_the_other_users_open_page_follows_an_edit_and_a_delete_live(browser: Browser, stack, reader) -> None:
    """Issue 22: a librarian edits, then deletes, a movie the other user is looking at; that page shows
    the edit and then says it was deleted, without a reload (libraryChanged over the WebSocket)."""
    import time

    movie_id = _added(reader, f"Live Film {uuid.uuid4().hex[:6]}")
    plain, plain_problems = _page(browser, stack, _email(reader), PLAIN_PASSWORD)
    plain.goto(f"/movies/{movie_id}")
    expect(plain.get_by_role("heading", level=1)).to_contain_text("Live Film")
    wait_for(lambda: _sockets(stack, reader.sub) >= 2, timeout=30)  # the test's own and the page's
    librarian, librarian_problems = _page(browser, stack)
    librarian.goto(f"/movies/{movie_id}")
    librarian.get_by_role("button", name="Edit").click()
    librarian.get_by_label("Title").fill("Live Film Renamed")
    started = time.monotonic()
    librarian.get_by_role("button", name="Save changes").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("Live Film Renamed", timeout=10_000)
    edit_seconds = time.monotonic() - started
    librarian.get_by_role("button", name="Delete").click()
    started = time.monotonic()
    librarian.get_by_role("alertdialog", name="Confirm delete").get_by_role("button", name="Delete “").click()
    expect(plain.get_by_role("status")).to_contain_text("deleted from the library while you were looking at it", timeout=10_000)
    delete_seconds = time.monotonic() - started
    print(f"other page updated {edit_seconds:.2f} s after the edit, {delete_seconds:.2f} s after the delete")
    # The goal is 2 s (measured about 1-1.8 s here, the click and the PATCH included); the bound
    # leaves room for a busy machine so the test stays green.
    assert edit_seconds < 5 and delete_seconds < 5, (edit_seconds, delete_seconds)
    for page in (plain, librarian):
        page.context.close()
    assert not plain_problems and not librarian_problems


def test_a_librarian_deletes_selected_search_results_together(browser: Browser, stack, reader) -> None:
    tag = f"Bulk{uuid.uuid4().hex[:6]}"
    ids = [_added(reader, f"{tag} {n}") for n in ("One", "Two", "Three")]
    plain, plain_problems = _page(browser, stack, _email(reader), PLAIN_PASSWORD)
    plain.goto(f"/search?q={tag}")
    expect(plain.get_by_role("link", name=f"{tag} One")).to_be_visible()
    expect(plain.get_by_role("checkbox")).to_have_count(0)  # not a librarian: no selection
    librarian, librarian_problems = _page(browser, stack)
    librarian.goto(f"/search?q={tag}")
    librarian.get_by_role("checkbox", name=f"Select {tag} One").check()
    librarian.get_by_role("checkbox", name=f"Select {tag} Three").check()
    librarian.get_by_role("button", name="Delete 2 selected").click()
    confirm = librarian.get_by_role("alertdialog", name="Confirm bulk delete")
    expect(confirm).to_contain_text(f"{tag} One")
    confirm.get_by_role("button", name="Delete 2 movies").click()
    outcomes = librarian.get_by_role("status", name="Delete outcomes")
    expect(outcomes).to_contain_text(f"{tag} One: deleted")
    expect(outcomes).to_contain_text(f"{tag} Three: deleted")
    expect(librarian.get_by_role("link", name=f"{tag} Two")).to_be_visible()
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id::text FROM movies WHERE id = ANY(%s::uuid[])", (ids,))
        left = {row[0] for row in cur.fetchall()}
    conn.close()
    assert left == {ids[1]}
    for page in (plain, librarian):
        page.context.close()
    assert not plain_problems and not librarian_problems
