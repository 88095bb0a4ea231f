"""Issue 27 (the Drive load's request rate): the ETL's shared limiter keeps to its rate, makes up for slots
missed while every thread was busy (at most catch_up seconds' worth, so no minute exceeds its quota), and a
server's Retry-After still holds every thread. Driven by a fake clock: no test here waits for real time."""

from __future__ import annotations

import pytest

from etl_task.drive import RateLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sent: list[float] = []  # when each request went out

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def _send(limiter: RateLimiter, clock: _Clock, n: int) -> None:
    for _ in range(n):
        limiter.wait()
        clock.sent.append(clock.now)


def test_requests_keep_to_the_rate() -> None:
    clock = _Clock()
    limiter = RateLimiter(10, catch_up=1.0, clock=clock, sleep=clock.sleep)
    _send(limiter, clock, 21)
    assert clock.sent[-1] - clock.sent[0] == pytest.approx(2.0)  # 21 requests, 0.1 s apart


def test_slots_missed_during_a_stall_are_made_up_but_only_one_seconds_worth() -> None:
    clock = _Clock()
    limiter = RateLimiter(10, catch_up=1.0, clock=clock, sleep=clock.sleep)
    _send(limiter, clock, 5)
    clock.now += 3.0  # every thread busy for 3 s: 30 slots went by unused
    stalled = clock.now
    _send(limiter, clock, 12)
    caught_up = [t for t in clock.sent[5:] if t == stalled]
    assert len(caught_up) == 10  # one second's worth at once, not thirty
    assert clock.sent[-1] > stalled  # then the rate again


def test_no_minute_sees_more_than_its_rate_plus_the_catch_up() -> None:
    clock = _Clock()
    limiter = RateLimiter(10, catch_up=1.0, clock=clock, sleep=clock.sleep)
    for burst in range(40):  # busy spells and bursts of all sizes
        _send(limiter, clock, (burst * 7) % 23)
        clock.now += (burst % 5) * 0.7
    sent = clock.sent
    worst = max(sum(1 for t in sent if start <= t < start + 60) for start in sent)
    assert worst <= 10 * (60 + 1) + 1
    assert worst > 10 * 60 * 0.5  # the window really was busy


def test_retry_after_holds_every_request_and_is_not_caught_up() -> None:
    clock = _Clock()
    limiter = RateLimiter(10, catch_up=1.0, clock=clock, sleep=clock.sleep)
    _send(limiter, clock, 3)
    held_at = clock.now
    limiter.hold(5.0)
    _send(limiter, clock, 3)
    assert clock.sent[3] >= held_at + 5.0
    assert clock.sent[5] - clock.sent[3] == pytest.approx(0.2)  # after the hold, the rate: no burst for the held time
