"""`make soak`: many adds from many users over WebSockets while things go wrong, then count what was lost.

10,000 adds from 50 users (10% duplicates of their own earlier adds, 1% poison bodies sent straight to the
queue), each user listening on a WebSocket. Meanwhile PostgreSQL is restarted twice, the processor is
killed mid-batch once, and the notifier fails 5% of its posts. Reported: lost, double-created, not
terminal, failed, repeated notifications, p50/p95 POST -> status, wall time (written into bench/REPORT.md).

    python -m bench.soak [--adds 10000] [--users 50] [--no-report]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import jwt
import psycopg2
from botocore.exceptions import ClientError
from websockets.sync.client import connect

from bench.report import REPORT, Report, pct
from local import aws
from local.stack import ROOT, LocalStack

GENRE = "Soak"
MARKER = "<!-- bench:soak -->"
TERMINAL = {"created", "duplicate", "rejected", "failed"}


class _Killed(BaseException):
    """Ends a processor invocation mid-batch the way a crash does: nothing after it runs."""


class Faults:
    """The soak's faults, switched on inside the stack's process (the functions run in it)."""

    def __init__(self, notify_failure_rate: float):
        self.rate = notify_failure_rate
        self.kill_armed = threading.Event()
        self.killing = False
        self.kills = 0
        self.notify_failures = 0
        self._records_in_batch = 0
        self._random = random.Random(20261127)

    def install(self) -> None:
        from handlers import process_adds
        from logic import adds, notifications

        real_process, real_record, real_handler = adds.process, adds.record_outcome, process_adds.lambda_handler
        real_api = notifications.management_api

        def process(body: str) -> dict:
            self._records_in_batch += 1
            if self.kill_armed.is_set() and self._records_in_batch == 4:  # three inserts committed, then the crash
                self.kill_armed.clear()
                self.killing = True
                self.kills += 1
                raise _Killed
            return real_process(body)

        def record_outcome(outcome: dict) -> bool:
            if self.killing:
                raise _Killed  # a crashed processor records no outcome
            return real_record(outcome)

        def handler(event: dict, context: Any) -> dict:
            self._records_in_batch = 0
            try:
                return real_handler(event, context)
            except _Killed:
                raise RuntimeError("the processor was killed mid-batch (soak fault)") from None
            finally:
                self.killing = False

        def management_api(endpoint: str) -> Any:
            return _Flaky(real_api(endpoint), self)

        adds.process, adds.record_outcome = process, record_outcome
        process_adds.lambda_handler = handler  # before the first invocation loads it
        notifications.management_api = management_api

    def notify_fails(self) -> bool:
        failed = self._random.random() < self.rate
        self.notify_failures += failed
        return failed


class _Flaky:
    """The @connections client, failing a share of its posts with a 500 (the notifier then retries the batch)."""

    def __init__(self, api: Any, faults: Faults):
        self._api, self._faults = api, faults

    def post_to_connection(self, **kwargs: Any) -> Any:
        if self._faults.notify_fails():
            raise ClientError(
                {
                    "Error": {"Code": "InternalServerErrorException", "Message": "soak fault"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                },
                "PostToConnection",
            )
        return self._api.post_to_connection(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class Listener:
    """One user's WebSocket: when each request's first status arrived, and every status it heard."""

    def __init__(self, url: str):
        self.ws = connect(url, open_timeout=30, max_queue=None)
        self.first: dict[str, float] = {}
        self.heard: dict[str, list[str]] = defaultdict(list)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            try:
                message = json.loads(self.ws.recv(timeout=1))
            except TimeoutError:
                continue
            except Exception:
                return
            if message.get("type") == "addStatus":
                self.first.setdefault(message["requestId"], time.monotonic())
                self.heard[message["requestId"]].append(message["status"])

    def close(self) -> None:
        self.stop.set()
        self.ws.close()
        self.thread.join(5)


def _plan(user: int, adds: int, duplicate_share: float, poison_share: float, rng: random.Random) -> list[tuple]:
    """('add', movie) | ('poison', kind): duplicates repeat this user's earlier movies, spelled differently."""
    plan: list[tuple] = []
    earlier: list[dict] = []
    for j in range(adds):
        roll = rng.random()
        if roll < poison_share:
            plan.append(("poison", rng.choice(["nul", "surrogate", "old-schema", "unreadable"])))
        elif roll < poison_share + duplicate_share and earlier:
            movie = dict(rng.choice(earlier))
            movie["title"] = f"  {movie['title'].upper()} "
            plan.append(("add", movie))
        else:
            movie = {
                "title": f"Soak {user}-{j} {uuid.uuid4().hex[:6]}",
                "genre": GENRE,
                "rating": round(rng.random() * 10, 1),
                "year": 1990 + j % 35,
            }
            earlier.append(movie)
            plan.append(("add", movie))
    return plan


_POISON = {
    "nul": '{"requestId": "%s", "owner": "%s", "movie": {"title": "Nul\\u0000", "genre": "G", "rating": 5, "year": 2000}}',
    "surrogate": '{"requestId": "%s", "owner": "%s", "movie": {"title": "\\udc00", "genre": "G", "rating": 5, "year": 2000}}',
    "old-schema": '{"requestId": "%s", "owner": "%s", "movie": {"name": "Old", "stars": 4}}',
    "unreadable": '{"requestId": "%s", "owner": "%s", "movie": {{{{',
}


def soak(
    adds: int,
    users: int,
    duplicate_share: float = 0.10,
    poison_share: float = 0.01,
    notify_failure_rate: float = 0.05,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    # The stack sets the functions' environment from the template's parameters at start: lift the limits there.
    os.environ["LOCAL_PARAMETER_OVERRIDES"] = f"AddsPerUserPerMinute={10 * adds} AddsPerUserPerDay={10 * adds}"
    os.environ.pop("DATABASE_URL", None)
    stack = LocalStack(pg_dir=ROOT / ".local" / "soak" / f"pg-{os.getpid()}", port=0, sample_library=None, ephemeral=True)
    faults = Faults(notify_failure_rate)
    stack.start()
    try:
        faults.install()
        return _run(stack, faults, adds, users, duplicate_share, poison_share, log)
    finally:
        stack.stop()


class _Users:
    """The soak's users: each signed in, with its token, Cognito sub and WebSocket listener."""

    def __init__(self, stack: LocalStack, count: int):
        assert stack.resources is not None
        idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
        self.tokens: list[str] = []
        self.subs: list[str] = []
        self.listeners: list[Listener] = []
        for i in range(count):
            email = f"soak-{i}@example.com"
            aws.ensure_user(idp, stack.resources.user_pool_id, email, "Soak-Passw0rd!")
            token = aws.sign_in(stack.resources.endpoint, stack.resources.client_id, email, "Soak-Passw0rd!")["IdToken"]
            self.tokens.append(token)
            self.subs.append(jwt.decode(token, options={"verify_signature": False})["sub"])
            self.listeners.append(Listener(f"ws://127.0.0.1:{stack.port}/ws?token={token}"))


class _Submissions:
    """What each user's thread posted (or queued directly, for poison bodies), and when."""

    def __init__(self, stack: LocalStack, users: _Users, plans: list[list[tuple]]):
        assert stack.resources is not None
        self.stack, self.users, self.plans = stack, users, plans
        self.sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
        self.queue = stack.resources.queue_url("AddQueue")
        self.posted_at: dict[str, float] = {}
        self.owner_of: dict[str, int] = {}
        self.kinds: dict[str, str] = {}
        self.refused: Counter = Counter()
        self.progress: Counter = Counter()
        self.total = sum(len(p) for p in plans)
        self._lock = threading.Lock()

    def _poison(self, u: int, item: Any) -> str:
        from data import requests_store

        request_id = str(uuid.uuid4())
        requests_store.create(
            {
                "requestId": request_id,
                "owner": self.users.subs[u],
                "status": "queued",
                "input": {},
                "submittedAt": "2026-11-27T00:00:00.000Z",
            }
        )
        self.sqs.send_message(
            QueueUrl=self.queue,
            MessageBody=_POISON[item] % (request_id, self.users.subs[u]),
            MessageGroupId=self.users.subs[u],
            MessageDeduplicationId=request_id,
        )
        return request_id

    def submit(self, u: int) -> None:
        headers = {"Authorization": f"Bearer {self.users.tokens[u]}"}
        with httpx.Client(base_url=self.stack.url, headers=headers, timeout=60) as http:
            for kind, item in self.plans[u]:
                if kind == "poison":
                    request_id = self._poison(u, item)
                    done = time.monotonic()
                else:
                    response = http.post("/api/movies", json=item)
                    done = time.monotonic()
                    if response.status_code != 202:
                        with self._lock:
                            self.refused[response.status_code] += 1
                        continue
                    request_id = response.json()["requestId"]
                with self._lock:
                    self.posted_at[request_id], self.owner_of[request_id], self.kinds[request_id] = done, u, kind
                    self.progress["submitted"] += 1

    def heard_first(self, rid: str) -> bool:
        return rid in self.users.listeners[self.owner_of[rid]].first


def _chaos(
    stack: LocalStack,
    faults: Faults,
    sent: _Submissions,
    finished: threading.Event,
    events: list[str],
    log: Callable[[str], None],
) -> None:
    """Faults at set points of the submission: restart, kill, restart."""
    for share, fault in ((0.25, "restart"), (0.5, "kill"), (0.7, "restart")):
        while sent.progress["submitted"] < share * sent.total and not finished.is_set():
            time.sleep(0.2)
        if finished.is_set():
            return
        if fault == "restart":
            stack.pg.pause()
            time.sleep(5)  # the restart's downtime
            stack.pg.resume()
        else:
            faults.kill_armed.set()
        events.append(f"{fault} at {sent.progress['submitted']:,} submitted")
        log(f"soak: {events[-1]}")


def _await_terminal(sent: _Submissions) -> None:
    """Wait (with a deadline) for every request to be terminal: heard over its socket, or read from the table."""
    from data import requests_store

    deadline = time.monotonic() + 900
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        for rid in sent.posted_at:
            if rid not in statuses and sent.heard_first(rid):
                record = requests_store.get(rid)
                if record and record["status"] in TERMINAL:
                    statuses[rid] = record["status"]
        if len(statuses) == len(sent.posted_at):
            break
        pending = [rid for rid in sent.posted_at if rid not in statuses]
        for rid in pending[:200]:  # unheard ones: maybe the table knows (e.g. the socket missed it)
            record = requests_store.get(rid)
            if record and record["status"] in TERMINAL:
                statuses[rid] = record["status"]
        time.sleep(2)


def _tally(
    stack: LocalStack, faults: Faults, sent: _Submissions, events: list[str], wall: float, submitted_s: float
) -> dict[str, Any]:
    """The soak's result: what was lost, doubled, unfinished or repeated, and how long it took."""
    from data import requests_store

    listeners = sent.users.listeners
    final = {rid: (requests_store.get(rid) or {}).get("status", "missing") for rid in sent.posted_at}
    heard = {rid: listeners[sent.owner_of[rid]].heard.get(rid, []) for rid in sent.posted_at}
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT request_id::text, count(*) OVER (PARTITION BY movie_key(title), movie_key(genre),"
            " rating, year) FROM movies WHERE genre = %s",
            (GENRE,),
        )
        rows = cur.fetchall()
    conn.close()
    created_by = {rid for rid, _n in rows if rid}
    counts = Counter(final.values())
    latencies = [
        (listeners[sent.owner_of[rid]].first[rid] - sent.posted_at[rid]) * 1000
        for rid in sent.posted_at
        if sent.heard_first(rid) and sent.kinds[rid] == "add"
    ]
    return {
        "adds": len(sent.posted_at),
        "users": len(listeners),
        "poison": sum(1 for k in sent.kinds.values() if k == "poison"),
        "refused": dict(sent.refused),
        "lost": sum(1 for rid, s in final.items() if s == "missing" or (s == "created" and rid not in created_by)),
        "double_created": sum(1 for _rid, n in rows if n > 1),
        "not_terminal": sum(1 for s in final.values() if s not in TERMINAL),
        "failed": counts["failed"],
        "outcomes": dict(counts),
        "two_outcomes": sum(1 for h in heard.values() if len(set(h)) > 1),
        "unheard": sum(1 for h in heard.values() if not h),
        "repeated_notifications": sum(max(0, len(h) - 1) for h in heard.values()),
        "p50_ms": round(pct(latencies, 0.5), 1) if latencies else None,
        "p95_ms": round(pct(latencies, 0.95), 1) if latencies else None,
        "wall_s": round(wall, 1),
        "submit_s": round(submitted_s, 1),
        "faults": events,
        "notify_failures": faults.notify_failures,
        "kills": faults.kills,
    }


def _run(
    stack: LocalStack,
    faults: Faults,
    adds: int,
    users: int,
    duplicate_share: float,
    poison_share: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    people = _Users(stack, users)
    rng = random.Random(20261127)
    plans = [_plan(u, adds // users + (u < adds % users), duplicate_share, poison_share, rng) for u in range(users)]
    sent = _Submissions(stack, people, plans)
    events: list[str] = []
    finished = threading.Event()
    started = time.monotonic()
    chaos_thread = threading.Thread(target=_chaos, args=(stack, faults, sent, finished, events, log), daemon=True)
    chaos_thread.start()
    workers = [threading.Thread(target=sent.submit, args=(u,)) for u in range(users)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    submitted_s = time.monotonic() - started
    log(f"soak: {len(sent.posted_at):,} submitted in {submitted_s:.0f}s; waiting for outcomes")
    finished.set()
    chaos_thread.join(30)

    _await_terminal(sent)
    wall = time.monotonic() - started
    time.sleep(3)  # late repeats still count
    for listener in people.listeners:
        listener.close()
    result = _tally(stack, faults, sent, events, wall, submitted_s)
    log("soak: " + json.dumps(result))
    return result


def write_report(result: dict[str, Any]) -> None:
    """Replace only the soak's own part of bench/REPORT.md (between its marker and the next one)."""
    report = Report()
    report.section("soak")
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(result["outcomes"].items()))
    report.table(
        f"Soak with faults: {result['adds']:,} adds from {result['users']} users over WebSockets (`make soak`)",
        [
            ("lost", result["lost"], 0),
            ("double-created", result["double_created"], 0),
            ("not terminal", result["not_terminal"], 0),
            ("failed", result["failed"], 0),
            ("two different outcomes for one request", result["two_outcomes"], 0),
            ("repeated notifications (at least once)", result["repeated_notifications"], "rare"),
            ("requests never heard on their socket", result["unheard"], 0),
            ("POST -> status p50 (ms)", result["p50_ms"], ""),
            ("POST -> status p95 (ms)", result["p95_ms"], ""),
            ("wall time (s)", result["wall_s"], ""),
        ],
        ("measure", "value", "goal"),
    )
    report.note(
        f"Outcomes: {outcomes} ({result['poison']} poison bodies sent straight to the queue; "
        f"10% of adds repeat an earlier one). Faults: {'; '.join(result['faults'])}; the notifier failed "
        f"{result['notify_failures']} posts (5%), whose stream batches were retried. "
        + (f"POSTs not accepted: {result['refused']} (not counted as adds). " if result["refused"] else "")
        + f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{os.getloadavg()[0]:.0f} on {os.cpu_count()} cores."
    )
    section = f"{MARKER}\n" + "\n".join(report.sections["soak"]).strip() + "\n"
    text = REPORT.read_text() if REPORT.exists() else "# Benchmark report\n"
    before, found, after = text.partition(MARKER)
    rest = after[after.find("<!-- bench:") :] if found and "<!-- bench:" in after else ""
    REPORT.write_text(before.rstrip("\n") + "\n\n" + section + ("\n" + rest if rest else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adds", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--no-report", action="store_true", help="print only; leave bench/REPORT.md alone")
    args = parser.parse_args()
    result = soak(args.adds, args.users)
    if not args.no_report:
        write_report(result)
        print(f"wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
