"""Compare of 4 streams: ``poe.compare`` on four bots against one ``poe.explain``.

Each bot streams about 20 chunks 10 ms apart, so one stream lasts about
200 ms.  Run by run, interleaved: one explain on SlowBot, then a compare on
four bots (SlowBot among them).  The figures say what running four at once
costs over one: the time until every one of the four has shown its first
token, and until all four are done.
"""

from __future__ import annotations

import time
from typing import Any

from .common import BenchPoe, lsp_range, poe_lsp, summary
from .scenarios import SMALL_FILE, JobWatch, start_job

CHUNKS, DELAY = 20, 0.01
COMPARE_BOTS = ["SlowBot", "ExplainBot", "PacedBot", "FastChunksBot"]
PARAMETERS: dict[str, dict[str, Any]] = {
    "SlowBot": {"chunks": CHUNKS, "delay": DELAY},
    "ExplainBot": {"answer": "An explanation. " * CHUNKS, "chunk_size": 16, "delay": DELAY},
    "PacedBot": {"rate": 1 / DELAY, "seconds": CHUNKS * DELAY},
    "FastChunksBot": {"count": CHUNKS, "interval": DELAY},
}
"""Each bot's share of the same request: ``CHUNKS`` chunks, ``DELAY`` seconds apart."""


def _first_stream(watch: JobWatch, job: str) -> float:
    return watch.streams[job][0][0]


async def compare_streams(reps: int) -> dict[str, Any]:
    """Send → first token and → done, for one stream and for a compare of four."""
    single_first: list[float] = []
    single_done: list[float] = []
    all_first: list[float] = []
    all_done: list[float] = []
    async with BenchPoe() as fake, poe_lsp(fake, botParameters=PARAMETERS) as server:
        watch = JobWatch(server)
        uri = "file:///bench/small.py"
        server.open(uri, SMALL_FILE)
        selection = lsp_range(3, 0, 6, 0)
        for i in range(reps + 2):  # two warm-ups: imports, four new connections
            sent = time.perf_counter()
            job = await start_job(
                server, "poe.explain", {"uri": uri, "range": selection, "bot": "SlowBot"}
            )
            await watch.wait_done([job])
            first, done = _first_stream(watch, job) - sent, watch.done[job][0] - sent

            sent = time.perf_counter()
            result = await server.request(
                "workspace/executeCommand",
                {
                    "command": "poe.compare",
                    "arguments": [
                        {"uri": uri, "range": selection, "action": "explain", "bots": COMPARE_BOTS}
                    ],
                },
            )
            jobs = [j["jobId"] for j in result["jobs"]]
            await watch.wait_done(jobs)
            failed = [watch.done[j][1] for j in jobs if watch.done[j][1]["status"] != "done"]
            if failed:
                raise RuntimeError(f"a compared job failed: {failed[0].get('error')}")
            if i >= 2:
                single_first.append(first)
                single_done.append(done)
                all_first.append(max(_first_stream(watch, j) for j in jobs) - sent)
                all_done.append(max(watch.done[j][0] for j in jobs) - sent)
    return {
        "compare_single_first_ms": summary(single_first, 1000),
        "compare_single_done_ms": summary(single_done, 1000),
        "compare_all_first_ms": summary(all_first, 1000),
        "compare_all_done_ms": summary(all_done, 1000),
    }
