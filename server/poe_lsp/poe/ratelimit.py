"""A client-side limit on how fast requests start, so Poe never has to refuse them.

Poe allows a user 500 requests a minute.  :class:`RateLimiter` is a sliding
window: no more than ``max_requests`` requests start in any ``per_seconds``
long window.  A 429's ``Retry-After`` holds every request back with
:meth:`RateLimiter.defer`, not only the one that was refused.

The clock and the sleep function are injectable so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable

_EPSILON = 1e-9


class RateLimiter:
    """Lets at most ``max_requests`` requests start in any ``per_seconds`` window."""

    def __init__(
        self,
        max_requests: int = 500,
        per_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        if per_seconds <= 0:
            raise ValueError("per_seconds must be positive")
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self._clock = clock
        self._sleep = sleep
        self._starts: collections.deque[float] = collections.deque()
        self._paused_until = float("-inf")
        # One waiter at a time, so requests start in the order they asked.
        self._lock = asyncio.Lock()

    @property
    def paused_until(self) -> float:
        """The clock time before which no request starts (after a 429)."""
        return self._paused_until

    def pause_until(self, t: float) -> None:
        """Hold every request back until clock time ``t`` (never shortens a pause)."""
        self._paused_until = max(self._paused_until, t)

    def defer(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` from now (e.g. a 429's Retry-After)."""
        self.pause_until(self._clock() + max(0.0, seconds))

    def delay_needed(self) -> float:
        """Seconds until a request could start now (0 if it could start at once)."""
        now = self._clock()
        self._forget_before(now)
        wait = self._paused_until - now
        if len(self._starts) >= self.max_requests:
            wait = max(wait, self._starts[0] + self.per_seconds - now)
        return max(0.0, wait)

    async def acquire(self) -> None:
        """Wait until a request may start, and count it as started."""
        async with self._lock:
            while True:
                wait = self.delay_needed()
                # Float rounding can leave a residue that sleeping would never clear.
                if wait <= _EPSILON:
                    self._starts.append(self._clock())
                    return
                await self._sleep(wait)

    def _forget_before(self, now: float) -> None:
        # A start at exactly now - per_seconds is outside the half-open window (now - per, now].
        horizon = now - self.per_seconds
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
