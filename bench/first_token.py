"""Time to first token: poe-lsp against fastapi-poe's own client, run by run.

Each run times, in a rotating order so that none always goes first:

* ``ours``: ``workspace/executeCommand`` (poe.explain) sent → first ``poe/stream`` read;
* ``plain``: ``fastapi_poe.stream_request`` in this process with one kept
  ``httpx.AsyncClient`` (it shares the fake Poe's event loop: no process boundary);
* ``plain_process``: the same client in a process of its own, with one kept
  session, timed from the request line written to the "first" line read — the
  same process boundaries as a request through the language server, so
  ``ours - plain_process`` is what the server adds;
* ``new_client``: ``stream_request`` without a session (a new client per call),
  timed after the others: creating a client (its TLS context) costs tens of
  milliseconds of CPU, which would slow the runs around it.

Differences and ratios are taken run by run (paired), then summarised.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import httpx

from . import plain
from .common import BENCH_KEY, BenchPoe, poe_lsp, summary
from .scenarios import JobWatch, explain_small_file, start_job

BOT = "ExplainBot"
PARAMETERS: dict[str, Any] = {"answer": "Hello from the bench.", "chunk_size": 0}
WARM_UPS = 2
"""Runs not counted: imports, connections, caches."""


async def first_token(reps: int) -> dict[str, Any]:
    """The first three ways ``reps`` counted runs each, interleaved; the fourth after."""
    samples: dict[str, list[float]] = {
        "ours": [],
        "plain": [],
        "plain_process": [],
        "new_client": [],
    }
    async with (
        BenchPoe() as fake,
        poe_lsp(fake) as server,
        plain.PlainProcess(fake.base_url, BENCH_KEY) as other,
        httpx.AsyncClient(timeout=30) as session,
    ):
        watch = JobWatch(server)
        argument = explain_small_file(server, BOT, PARAMETERS)

        async def ours() -> float:
            future = watch.expect_first_stream()
            sent = time.perf_counter()
            job = await start_job(server, "poe.explain", argument)
            first = await asyncio.wait_for(future, 30)
            await watch.wait_done([job])
            return first - sent

        # The plain clients send the very prompt the server composed.
        await ours()
        prompt = fake.requests[-1].prompt

        def answer(client: httpx.AsyncClient | None) -> Callable[[], AsyncGenerator[Any, None]]:
            return lambda: plain.stream(client, fake.base_url, BENCH_KEY, BOT, prompt, PARAMETERS)

        async def in_process() -> float:
            return await plain.first_token(answer(session))

        async def own_process() -> float:
            return await other.first_token(BOT, prompt, PARAMETERS)

        async def new_client() -> float:
            return await plain.first_token(answer(None))

        ways: list[tuple[str, Callable[[], Awaitable[float]]]] = [
            ("ours", ours),
            ("plain", in_process),
            ("plain_process", own_process),
        ]
        for run in range(WARM_UPS + reps):
            shift = run % len(ways)
            for name, way in ways[shift:] + ways[:shift]:
                elapsed = await way()
                if run >= WARM_UPS:
                    samples[name].append(elapsed)
        for _ in range(max(1, reps // 5)):
            samples["new_client"].append(await new_client())
    ours_t, plain_t, process_t = samples["ours"], samples["plain"], samples["plain_process"]
    return {
        "ttft_ms": summary(ours_t, 1000),
        "ttft_plain_ms": summary(plain_t, 1000),
        "ttft_added_ms": summary([a - b for a, b in zip(ours_t, plain_t, strict=True)], 1000),
        "ttft_plain_process_ms": summary(process_t, 1000),
        "ttft_added_process_ms": summary(
            [a - b for a, b in zip(ours_t, process_t, strict=True)], 1000
        ),
        "ttft_ratio_process": summary([a / b for a, b in zip(ours_t, process_t, strict=True)]),
        "ttft_new_client_ms": summary(samples["new_client"], 1000),
    }
