"""The client-side rate limiter, on a fake clock (nothing really sleeps)."""

from __future__ import annotations

import asyncio

from poe_lsp.poe.ratelimit import RateLimiter


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def limiter(clock: FakeClock, max_requests: int = 500, per_seconds: float = 60.0) -> RateLimiter:
    return RateLimiter(max_requests, per_seconds, clock=clock, sleep=clock.sleep)


def max_in_any_window(starts: list[float], window: float) -> int:
    best, left = 0, 0
    for right, t in enumerate(starts):
        while t - starts[left] >= window - 1e-6:
            left += 1
        best = max(best, right - left + 1)
    return best


async def test_requests_under_the_limit_start_without_waiting() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    for _ in range(500):
        await rl.acquire()
    assert clock.sleeps == []


async def test_a_burst_of_1200_never_exceeds_500_in_any_60_second_window() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    starts: list[float] = []

    async def one() -> None:
        await rl.acquire()
        starts.append(clock.now)

    await asyncio.gather(*(one() for _ in range(1200)))

    assert len(starts) == 1200
    assert starts == sorted(starts)
    assert max_in_any_window(starts, 60.0) == 500
    # and it is not slower than it must be: the 1,001st starts 120 s after the first
    assert starts[1000] - starts[0] == 120.0


async def test_the_501st_request_waits_until_the_first_leaves_the_window() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    await rl.acquire()
    clock.now += 10
    for _ in range(499):
        await rl.acquire()
    await rl.acquire()
    assert clock.now == 1060.0


async def test_defer_holds_back_every_request() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.defer(5)
    await rl.acquire()
    await rl.acquire()
    assert clock.now == 1005.0
    assert clock.sleeps == [5.0]


async def test_a_shorter_pause_never_shortens_a_longer_one() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.pause_until(1010)
    rl.defer(2)
    await rl.acquire()
    assert clock.now == 1010.0


async def test_small_limits_hold_exactly() -> None:
    clock = FakeClock()
    rl = limiter(clock, max_requests=3, per_seconds=1.0)
    starts = []
    for _ in range(10):
        await rl.acquire()
        starts.append(clock.now)
    assert max_in_any_window(starts, 1.0) == 3
    assert starts[:4] == [1000.0, 1000.0, 1000.0, 1001.0]
