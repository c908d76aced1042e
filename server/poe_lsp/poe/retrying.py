"""Retrying a streamed answer, for every transport: only before its first chunk.

A bot's answer must never reach the editor twice, so a failure after the
first chunk is final (``BOT_FAILED_MID_ANSWER``); before it, a retryable
failure waits (Retry-After for a 429, otherwise exponential backoff) and
starts a fresh attempt.  A 429 holds back every request, not only this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from poe_lsp.core.errors import ErrorKind, PoeError

from .ratelimit import RateLimiter

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER = 30.0
"""Seconds: the longest wait before a retry, whatever Retry-After asks."""


class RetryPolicy:
    """What both transports share: the key, the rate limiter, timeouts and retries."""

    def __init__(
        self,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        idle_timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_tries: int = 3,
        retry_base_delay: float = 0.5,
    ) -> None:
        self._api_key = api_key
        self.limiter = limiter if limiter is not None else RateLimiter()
        """Every request of the session waits here (Poe allows 500 a minute)."""
        self.idle_timeout = idle_timeout
        """Seconds a bot may send nothing at all before the request fails."""
        self.connect_timeout = connect_timeout
        self.max_tries = max(1, max_tries)
        """Attempts before the first chunk; never more than one after it."""
        self.retry_base_delay = retry_base_delay

    def __repr__(self) -> str:
        key = "set" if self._api_key else "missing"
        return f"{type(self).__name__}(base_url={getattr(self, 'base_url', '')!r}, key={key})"


@dataclass(frozen=True)
class TextEvent:
    """A piece of the answer, from any transport."""

    text: str
    replace: bool = False  # True: discard everything received so far; `text` replaces it


def retry_delay(error: PoeError, attempt: int, base_delay: float) -> float:
    """Seconds to wait before attempt ``attempt + 1``."""
    if error.kind is ErrorKind.RATE_LIMITED and error.retry_after is not None:
        return min(error.retry_after, MAX_RETRY_AFTER)
    return float(min(base_delay * 2 ** (attempt - 1), MAX_RETRY_AFTER))


def mid_answer_detail(error: PoeError) -> str:
    """What went wrong, for the sentence of a failure after the first chunk."""
    if error.kind is ErrorKind.UNREACHABLE:
        return "connection dropped"
    return error.detail or error.kind.value.replace("_", " ")


async def stream_with_retries(
    bot: str,
    attempt_stream: Callable[[], AsyncGenerator[TextEvent, None]],
    classify: Callable[[Exception], tuple[PoeError, bool]],
    *,
    max_tries: int,
    base_delay: float,
    limiter: RateLimiter,
    on_retry: Callable[[PoeError, float], None] | None = None,
) -> AsyncGenerator[TextEvent, None]:
    """Yield one attempt's events, retrying failed attempts that streamed nothing.

    ``classify`` turns an attempt's exception into the user-facing error and
    whether a retry may help.  Closing this generator closes the attempt (and
    with it the upstream HTTP stream) at once.
    """
    attempt = 0
    while True:
        attempt += 1
        streamed = False
        try:
            async with contextlib.aclosing(attempt_stream()) as events:
                async for event in events:
                    streamed = True
                    yield event
            return
        except Exception as exc:
            error, retryable = classify(exc)
            if streamed:
                raise PoeError(
                    ErrorKind.BOT_FAILED_MID_ANSWER, bot=bot, detail=mid_answer_detail(error)
                ) from exc
            if not retryable or attempt >= max_tries:
                raise error from exc
            delay = retry_delay(error, attempt, base_delay)
            logger.info(
                "%s: attempt %d failed (%s); retrying in %.1f s",
                bot,
                attempt,
                error.kind.value,
                delay,
            )
        if error.kind is ErrorKind.RATE_LIMITED:
            limiter.defer(delay)
        if on_retry is not None:
            on_retry(error, delay)
        await asyncio.sleep(delay)
