"""PoeClient against the fake Poe, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.poe.bot_protocol import PoeClient, TextEvent, parse_retry_after
from poe_lsp.poe.ratelimit import RateLimiter

from fakepoe import FakePoe

KEY = "sk-test-SECRET-0123456789abcdef"


class CountingLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__()
        self.acquired = 0

    async def acquire(self) -> None:
        self.acquired += 1
        await super().acquire()


@pytest.fixture
async def fake() -> AsyncIterator[FakePoe]:
    async with FakePoe() as server:
        yield server


@pytest.fixture
async def client(fake: FakePoe) -> AsyncIterator[PoeClient]:
    poe = PoeClient(KEY, fake.base_url, retry_base_delay=0.01, limiter=CountingLimiter())
    yield poe
    await poe.aclose()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


async def collect(
    client: PoeClient, bot: str, prompt: str = "hi", **kwargs: Any
) -> list[TextEvent]:
    return [event async for event in client.stream(bot, prompt, **kwargs)]


async def failure(client: PoeClient, bot: str, **kwargs: Any) -> tuple[PoeError, list[TextEvent]]:
    events: list[TextEvent] = []
    with pytest.raises(PoeError) as caught:
        async for event in client.stream(bot, "hi", **kwargs):
            events.append(event)
    return caught.value, events


# -- streaming --------------------------------------------------------------------------


async def test_text_streams_in_order(client: PoeClient) -> None:
    prompt = "def add(a, b):\n    return a + b\n"
    events = await collect(client, "EchoBot", prompt, parameters={"chunk_size": 4})
    assert [e.text for e in events] == [prompt[i : i + 4] for i in range(0, len(prompt), 4)]
    assert not any(e.replace for e in events)


async def test_parameters_app_headers_and_bearer_key_reach_the_bot(
    client: PoeClient, fake: FakePoe
) -> None:
    await collect(
        client,
        "EchoBot",
        "explain this",
        parameters={"thinking_budget": 4096},
        app_title="my-editor",
        app_referer="https://example.org/me",
    )
    [request] = fake.requests
    assert request.prompt == "explain this"
    assert request.parameters == {"thinking_budget": 4096}
    assert [m["role"] for m in request.messages] == ["user"]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-title"] == "my-editor"
    assert request.headers["http-referer"] == "https://example.org/me"


async def test_default_app_title_and_referer_are_sent(client: PoeClient, fake: FakePoe) -> None:
    await collect(client, "EchoBot")
    assert fake.requests[0].headers["x-title"] == "poe-lsp"
    assert fake.requests[0].headers["http-referer"].startswith("https://")


async def test_replace_response_becomes_a_replace_event(client: PoeClient) -> None:
    events = await collect(client, "ReplaceBot", parameters={"answer": "Final."})
    assert events[-1] == TextEvent("Final.", replace=True)
    assert all(not e.replace for e in events[:-1])


async def test_many_fast_chunks_arrive_complete_and_in_order(client: PoeClient) -> None:
    events = await collect(client, "FastChunksBot", parameters={"count": 300})
    assert "".join(e.text for e in events) == "".join(f"{i} " for i in range(300))


# -- HTTP statuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bot", "kind"),
    [
        ("Status401", ErrorKind.KEY_REJECTED),
        ("Status403", ErrorKind.KEY_REJECTED),
        ("Status404", ErrorKind.UNKNOWN_BOT),
    ],
)
async def test_client_errors_map_to_their_kind_and_are_not_retried(
    client: PoeClient, fake: FakePoe, bot: str, kind: ErrorKind
) -> None:
    error, _ = await failure(client, bot)
    assert error.kind is kind
    assert error.bot == bot
    assert len(fake.requests) == 1


@pytest.mark.parametrize("bot", ["Status500", "Status502"])
async def test_server_errors_are_bot_failed_after_every_try(
    client: PoeClient, fake: FakePoe, bot: str
) -> None:
    retries: list[tuple[PoeError, float]] = []
    error, _ = await failure(client, bot, on_retry=lambda e, d: retries.append((e, d)))
    assert error.kind is ErrorKind.BOT_FAILED
    assert error.detail == f"HTTP {bot[-3:]}"
    assert len(fake.requests) == 3
    assert [d for _, d in retries] == [0.01, 0.02]


async def test_429_waits_retry_after_then_succeeds(client: PoeClient, fake: FakePoe) -> None:
    retries: list[tuple[PoeError, float]] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await collect(
        client, "RateLimitedOnceBot", on_retry=lambda e, d: retries.append((e, d))
    )
    assert "".join(e.text for e in events) == "Recovered answer."
    [(error, delay)] = retries
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == delay == 1.0
    assert loop.time() - started >= 1.0
    assert len(fake.requests) == 2


async def test_429_pauses_the_shared_limiter(fake: FakePoe) -> None:
    limiter = RateLimiter()
    poe = PoeClient(KEY, fake.base_url, limiter=limiter, retry_base_delay=0.01)
    try:
        await collect(poe, "RateLimitedOnceBot", parameters={"retry_after": "0.2"})
    finally:
        await poe.aclose()
    assert limiter.paused_until > float("-inf")


async def test_429_reports_rate_limited_when_tries_run_out(fake: FakePoe) -> None:
    poe = PoeClient(KEY, fake.base_url, max_tries=2, retry_base_delay=0.01)
    retries: list[float] = []
    try:
        error, _ = await failure(
            poe, "Status429NoRetryAfter", on_retry=lambda e, d: retries.append(d)
        )
    finally:
        await poe.aclose()
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after is None
    assert retries == [0.01]  # no Retry-After: exponential backoff
    assert len(fake.requests) == 2


async def test_429_error_carries_retry_after(fake: FakePoe) -> None:
    poe = PoeClient(KEY, fake.base_url, max_tries=1)
    try:
        error, _ = await failure(poe, "Status429")
    finally:
        await poe.aclose()
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 1.0
    assert "HTTP 429" in error.message


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(email.utils.formatdate(1_000_030, usegmt=True), now=1_000_000) == 30
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# -- retries before the first chunk, never after ---------------------------------------------


async def test_a_500_before_any_text_is_retried_without_duplicated_text(
    client: PoeClient, fake: FakePoe
) -> None:
    retries: list[PoeError] = []
    events = await collect(client, "FlakyOnceBot", on_retry=lambda e, d: retries.append(e))
    assert "".join(e.text for e in events) == "Recovered answer."
    assert [e.kind for e in retries] == [ErrorKind.BOT_FAILED]
    assert len(fake.requests) == 2


async def test_a_retryable_error_event_before_any_text_is_retried(
    client: PoeClient, fake: FakePoe
) -> None:
    events = await collect(client, "RetryableErrorOnceBot")
    assert [e.text for e in events] == ["Recovered answer."]
    assert len(fake.requests) == 2


async def test_a_dropped_connection_mid_answer_fails_without_duplicate_chunks(
    client: PoeClient, fake: FakePoe
) -> None:
    error, events = await failure(client, "DropMidStream")
    assert error.kind is ErrorKind.BOT_FAILED_MID_ANSWER
    assert [e.text for e in events] == ["dropped 0 ", "dropped 1 "]
    assert len(fake.requests) == 1


async def test_an_error_event_mid_answer_is_bot_failed_mid_answer(
    client: PoeClient, fake: FakePoe
) -> None:
    error, events = await failure(
        client, "FailsMidStreamBot", parameters={"error": "GPU\non fire", "allow_retry": True}
    )
    assert error.kind is ErrorKind.BOT_FAILED_MID_ANSWER
    assert error.detail == "GPU on fire"
    assert [e.text for e in events] == ["partial 0 ", "partial 1 "]
    assert len(fake.requests) == 1


async def test_out_of_points_is_reported_and_never_retried(
    client: PoeClient, fake: FakePoe
) -> None:
    error, events = await failure(client, "OutOfPointsBot", parameters={"allow_retry": True})
    assert error.kind is ErrorKind.OUT_OF_POINTS
    assert events == []
    assert len(fake.requests) == 1


async def test_prompt_too_long_is_reported(client: PoeClient) -> None:
    error, _ = await failure(client, "PromptTooLongBot")
    assert error.kind is ErrorKind.PROMPT_TOO_LONG
    assert "too long" in error.detail


async def test_an_exception_in_the_bot_is_bot_failed_and_not_retried(
    client: PoeClient, fake: FakePoe
) -> None:
    error, _ = await failure(client, "BotThatRaises")
    assert error.kind is ErrorKind.BOT_FAILED
    assert error.detail == "The bot encountered an unexpected issue."
    assert len(fake.requests) == 1


async def test_a_malformed_event_is_bot_failed(client: PoeClient) -> None:
    error, _ = await failure(client, "MalformedBot")
    assert error.kind is ErrorKind.BOT_FAILED


async def test_every_http_request_passes_the_limiter(client: PoeClient, fake: FakePoe) -> None:
    # MalformedBot makes fastapi-poe post a report_error after the query.
    await failure(client, "MalformedBot")
    await collect(client, "FlakyOnceBot")
    assert fake.error_reports == [("MalformedBot", "Invalid JSON in 'text' event")]
    assert isinstance(client.limiter, CountingLimiter)
    assert client.limiter.acquired == 2 + 2


# -- no key, no network, no answer ------------------------------------------------------------


async def test_no_key_is_reported_before_any_request(fake: FakePoe) -> None:
    poe = PoeClient("", fake.base_url)
    try:
        error, _ = await failure(poe, "EchoBot")
    finally:
        await poe.aclose()
    assert error.kind is ErrorKind.NO_KEY
    assert fake.requests == []


async def test_a_closed_port_is_unreachable_after_every_try() -> None:
    poe = PoeClient(KEY, closed_port_url(), retry_base_delay=0.01)
    retries: list[PoeError] = []
    try:
        error, _ = await failure(poe, "EchoBot", on_retry=lambda e, d: retries.append(e))
    finally:
        await poe.aclose()
    assert error.kind is ErrorKind.UNREACHABLE
    assert "127.0.0.1" in error.message
    assert len(retries) == 2


async def test_silence_before_any_text_times_out(fake: FakePoe) -> None:
    poe = PoeClient(KEY, fake.base_url, idle_timeout=0.3)
    try:
        error, _ = await failure(poe, "StallBot", parameters={"before": 0})
    finally:
        await poe.aclose()
    assert error.kind is ErrorKind.TIMED_OUT
    assert len(fake.requests) == 1
    await fake.wait_disconnect("StallBot")


async def test_silence_after_some_text_is_a_failure_mid_answer(fake: FakePoe) -> None:
    poe = PoeClient(KEY, fake.base_url, idle_timeout=0.3)
    try:
        error, events = await failure(poe, "StallBot")
    finally:
        await poe.aclose()
    assert error.kind is ErrorKind.BOT_FAILED_MID_ANSWER
    assert "0.3 s" in error.detail
    assert [e.text for e in events] == ["stalling 0 "]


# -- closing the stream closes the upstream HTTP stream --------------------------------------


async def test_cancelling_the_consumer_closes_the_upstream_stream(
    client: PoeClient, fake: FakePoe
) -> None:
    first = asyncio.Event()
    received: list[str] = []

    async def consume() -> None:
        async for event in client.stream("SlowBot", "hi", parameters={"delay": 0.2}):
            received.append(event.text)
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await fake.wait_disconnect("SlowBot", timeout=2.0)
    assert len(received) < 50


async def test_leaving_the_loop_early_closes_the_upstream_stream(
    client: PoeClient, fake: FakePoe
) -> None:
    async with contextlib.aclosing(client.stream("StallBot", "hi")) as stream:
        async for _ in stream:
            break
    await fake.wait_disconnect("StallBot", timeout=2.0)


# -- one connection serves one answer after another -----------------------------------------


async def test_answers_one_after_another_share_one_connection(
    client: PoeClient, fake: FakePoe
) -> None:
    # fastapi-poe stops reading at the "done" event; unless the rest of the
    # response is read, each answer pays a new TCP (and, with Poe, TLS) handshake.
    for n in range(3):
        assert await collect(client, "ExplainBot", parameters={"answer": f"answer {n}"})
    assert [r.bot for r in fake.requests] == ["ExplainBot"] * 3
    assert len({r.peer for r in fake.requests}) == 1


# -- the key stays secret ----------------------------------------------------------------------


async def test_the_key_appears_in_no_error_text_or_log_line(
    fake: FakePoe, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    poe = PoeClient(KEY, fake.base_url, retry_base_delay=0.01, idle_timeout=0.3)
    texts: list[str] = [repr(poe)]
    try:
        for bot in [
            "Status401",
            "Status404",
            "Status429NoRetryAfter",
            "Status500",
            "DropMidStream",
            "FailsMidStreamBot",
            "OutOfPointsBot",
            "BotThatRaises",
            "MalformedBot",
        ]:
            error, _ = await failure(poe, bot)
            texts += [str(error), error.detail, repr(error), repr(error.__cause__)]
        texts.append(str(await poe.probe("Status401")))
    finally:
        await poe.aclose()
    unreachable = PoeClient(KEY, closed_port_url(), max_tries=1)
    try:
        error, _ = await failure(unreachable, "EchoBot")
        texts += [str(error), repr(error.__cause__)]
    finally:
        await unreachable.aclose()
    assert caplog.records, "expected some log lines to check"
    texts += [r.getMessage() for r in caplog.records]
    texts += [caplog.text]
    assert not [t for t in texts if KEY in t or "SECRET" in t]


# -- probe ------------------------------------------------------------------------------------


async def test_probe_reports_a_bot_that_answers(client: PoeClient, fake: FakePoe) -> None:
    assert await client.probe("EchoBot") == (True, "answers (HTTP 200)")
    assert fake.requests == []  # a settings request, not a query: no points spent


async def test_probe_reports_a_rejected_key(client: PoeClient) -> None:
    ok, description = await client.probe("Status401")
    assert not ok
    assert description == PoeError(ErrorKind.KEY_REJECTED, bot="Status401").message


async def test_probe_reports_an_unreachable_endpoint() -> None:
    poe = PoeClient(KEY, closed_port_url())
    try:
        ok, description = await poe.probe("EchoBot")
    finally:
        await poe.aclose()
    assert not ok
    assert "could not be reached" in description


async def test_probe_without_a_key_says_so(fake: FakePoe) -> None:
    poe = PoeClient("", fake.base_url)
    try:
        ok, description = await poe.probe("EchoBot")
    finally:
        await poe.aclose()
    assert (ok, description) == (False, PoeError(ErrorKind.NO_KEY).message)
