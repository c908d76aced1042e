"""The measurements.  Each returns a dict of named figures (see run.py for the table);
time to first token has its own module (``first_token.py``).

Every comparison (poe-lsp against a plain fastapi-poe client, against
jedi-language-server, under load against idle) is made in the same call, with
the two sides interleaved run by run, so a busy machine slows both alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .client import LspProcess
from .common import (
    BENCH_KEY,
    ROOT,
    BenchPoe,
    cpu_seconds,
    lsp_range,
    paced_text,
    poe_lsp,
    rss_mb,
    server_argv,
    server_env,
    summary,
)
from .plain import stream as plain_stream

PEERS_VENV = ROOT / "bench" / ".venv-peers"
JEDI_LS_VERSION = "0.47.0"
SMALL_FILE = "import os\n\n\ndef add(a, b):\n    total = a + b\n    return total\n"


# ----------------------------------------------------------------------------- peers


def ensure_jedi_ls(install: bool = True) -> tuple[Path | None, str]:
    """jedi-language-server, pinned, in its own venv: ``(path, note)``; None if it failed
    (or, without ``install``, if it is not there yet)."""
    exe = PEERS_VENV / "bin" / "jedi-language-server"
    python = PEERS_VENV / "bin" / "python"
    if not install and not exe.exists():
        return None, "jedi-language-server: not installed yet, skipped (--quick installs nothing)"
    try:
        if not python.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(PEERS_VENV)],
                check=True,
                capture_output=True,
            )
        probe = subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.metadata as m; print(m.version('jedi-language-server'))",
            ],
            capture_output=True,
            text=True,
        )
        if probe.stdout.strip() != JEDI_LS_VERSION:
            subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    f"jedi-language-server=={JEDI_LS_VERSION}",
                ],
                check=True,
                capture_output=True,
                text=True,
            )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return None, f"jedi-language-server could not be installed: {detail.strip()[-300:]}"
    return exe, f"jedi-language-server {JEDI_LS_VERSION} in {PEERS_VENV.relative_to(ROOT)}"


# ----------------------------------------------------------------------------- start-up


async def _start_once(
    argv: list[str], env: dict[str, str], options: dict[str, Any]
) -> tuple[float, float]:
    """Seconds from spawn to the initialize result, and RSS (MB) once idle."""
    server = LspProcess(argv, env, cwd=str(ROOT))
    await server.start()
    try:
        elapsed = await server.initialize(options)
        server.open("file:///bench/small.py", SMALL_FILE)
        await asyncio.sleep(0.3)  # let start-up work after `initialized` settle
        rss = rss_mb(server.pid)
    finally:
        await server.close()
    return elapsed, rss


async def startup(reps: int, jedi: Path | None) -> dict[str, Any]:
    """Spawn to initialize result (and idle RSS), poe-lsp and jedi-language-server interleaved."""
    ours_t: list[float] = []
    ours_rss: list[float] = []
    uncached_t: list[float] = []
    peer_t: list[float] = []
    peer_rss: list[float] = []
    env = server_env(None)
    # The first start after an install writes the code cache (poe_lsp/startup.py).
    await _start_once(server_argv(), env, {"bot": "ExplainBot"})
    for _ in range(reps):
        t, rss = await _start_once(server_argv(), env, {"bot": "ExplainBot"})
        ours_t.append(t)
        ours_rss.append(rss)
        no_cache = {**env, "POE_LSP_NO_CODE_CACHE": "1"}
        t, _ = await _start_once(server_argv(), no_cache, {"bot": "ExplainBot"})
        uncached_t.append(t)
        if jedi is not None:
            t, rss = await _start_once([str(jedi)], {}, {})
            peer_t.append(t)
            peer_rss.append(rss)
    return {
        "startup_ms": summary(ours_t, 1000),
        "startup_jedi_ms": summary(peer_t, 1000),
        "startup_no_code_cache_ms": summary(uncached_t, 1000),
        "rss_idle_mb": summary(ours_rss),
        "rss_idle_jedi_mb": summary(peer_rss),
    }


# ----------------------------------------------------------------------------- helpers


class JobWatch:
    """Collects the ``poe/stream`` and ``poe/done`` of every job."""

    def __init__(self, server: LspProcess) -> None:
        self.streams: dict[str, list[tuple[float, dict[str, Any]]]] = {}
        self.done: dict[str, tuple[float, dict[str, Any]]] = {}
        self.first_stream: asyncio.Future[float] | None = None
        self._changed = asyncio.Event()
        server.on("poe/stream", self._stream)
        server.on("poe/done", self._done)

    def _stream(self, now: float, params: dict[str, Any]) -> None:
        self.streams.setdefault(params["jobId"], []).append((now, params))
        self._changed.set()
        if self.first_stream is not None and not self.first_stream.done():
            self.first_stream.set_result(now)

    def _done(self, now: float, params: dict[str, Any]) -> None:
        self.done[params["jobId"]] = (now, params)
        self._changed.set()

    def expect_first_stream(self) -> asyncio.Future[float]:
        self.first_stream = asyncio.get_running_loop().create_future()
        return self.first_stream

    async def wait_done(self, job_ids: list[str], timeout: float = 120.0) -> None:
        async with asyncio.timeout(timeout):
            while not all(j in self.done for j in job_ids):
                self._changed.clear()
                await self._changed.wait()

    async def wait_streaming(self, job_ids: list[str], timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while not all(self.streams.get(j) for j in job_ids):
                self._changed.clear()
                await self._changed.wait()


def explain_small_file(server: LspProcess, bot: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """Open SMALL_FILE; the ``poe.explain`` argument for its function, by ``bot``."""
    uri = "file:///bench/small.py"
    server.open(uri, SMALL_FILE)
    return {"uri": uri, "range": lsp_range(3, 0, 6, 0), "bot": bot, "parameters": parameters}


async def start_job(server: LspProcess, command: str, argument: dict[str, Any]) -> str:
    result = await server.request(
        "workspace/executeCommand", {"command": command, "arguments": [argument]}
    )
    return str(result["jobId"])


# ----------------------------------------------------------------------------- cancellation


async def cancellation(reps: int) -> dict[str, Any]:
    """poe.cancel → the fake bot sees the disconnect; a plain client's task cancel beside it."""
    params = {"chunks": 10000, "delay": 0.05}
    ours: list[float] = []
    plain: list[float] = []
    async with BenchPoe() as fake, poe_lsp(fake) as server:
        watch = JobWatch(server)
        argument = explain_small_file(server, "SlowBot", params)
        async with httpx.AsyncClient(timeout=30) as session:
            for i in range(reps + 1):
                future = watch.expect_first_stream()
                job = await start_job(server, "poe.explain", argument)
                await asyncio.wait_for(future, 30)
                await asyncio.sleep(0.02)
                seen = len(fake.disconnect_times)
                sent = time.perf_counter()
                await server.request(
                    "workspace/executeCommand",
                    {"command": "poe.cancel", "arguments": [{"jobId": job}]},
                )
                await fake.wait_disconnects(seen + 1)
                if i:
                    ours.append(fake.disconnect_times[seen][1] - sent)
                await watch.wait_done([job])

                first = asyncio.Event()

                async def consume(first: asyncio.Event = first) -> None:
                    async with contextlib.aclosing(
                        plain_stream(session, fake.base_url, BENCH_KEY, "SlowBot", "x", params)
                    ) as s:
                        async for _ in s:
                            first.set()

                task = asyncio.get_running_loop().create_task(consume())
                await first.wait()
                await asyncio.sleep(0.02)
                seen = len(fake.disconnect_times)
                sent = time.perf_counter()
                task.cancel()
                await fake.wait_disconnects(seen + 1)
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                if i:
                    plain.append(fake.disconnect_times[seen][1] - sent)
    return {"cancel_ms": summary(ours, 1000), "cancel_plain_ms": summary(plain, 1000)}


# ----------------------------------------------------------------------------- streaming


def _max_per_second(times: list[float]) -> int:
    """The most notifications inside any one-second window."""
    best = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] < t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


async def streaming(reps: int, seconds: float, rate: float = 1000.0) -> dict[str, Any]:
    """PacedBot at ``rate`` chunks/s for ``seconds``: delivery, notification rate, server CPU."""
    expected = paced_text(rate, seconds)
    chunks = int(rate * seconds)
    complete: list[bool] = []
    per_second: list[float] = []
    mean_rate: list[float] = []
    cpu_per_1000: list[float] = []
    bot_rate: list[float] = []
    async with BenchPoe() as fake, poe_lsp(fake) as server:
        watch = JobWatch(server)
        argument = explain_small_file(server, "PacedBot", {"rate": rate, "seconds": seconds})
        # Warm up: the Poe client's imports and connection are not part of the figure.
        warm = await start_job(
            server, "poe.explain", {**argument, "parameters": {"rate": 100, "seconds": 0.1}}
        )
        await watch.wait_done([warm])
        for _ in range(reps):
            cpu0 = cpu_seconds(server.pid)
            job = await start_job(server, "poe.explain", argument)
            await watch.wait_done([job], timeout=seconds * 5 + 30)
            cpu = cpu_seconds(server.pid) - cpu0
            done_at, done = watch.done[job]
            streams = watch.streams.get(job, [])
            times = [t for t, _ in streams]
            prefixes = all(expected.startswith(p["text"]) for _, p in streams)
            complete.append(done["status"] == "done" and done["text"] == expected and prefixes)
            per_second.append(_max_per_second(times))
            span = (times[-1] - times[0]) if len(times) > 1 else 0.0
            mean_rate.append((len(times) - 1) / span if span else 0.0)
            bot_rate.append(chunks / (done_at - times[0]) if times and done_at > times[0] else 0.0)
            cpu_per_1000.append(cpu / chunks * 1000)
    return {
        "stream_complete": all(complete) and bool(complete),
        "stream_chunks": chunks,
        "stream_max_per_s": summary(per_second),
        "stream_mean_per_s": summary(mean_rate),
        "stream_bot_chunks_per_s": summary(bot_rate),
        "stream_cpu_s_per_1000": summary(cpu_per_1000),
    }


# ----------------------------------------------------------------------------- memory


async def memory_under_load(reps: int, jobs: int = 50, chunks: int = 30) -> dict[str, Any]:
    """Peak RSS while ``jobs`` explain jobs stream at once (SlowBot, ``chunks`` 0.1 s apart)."""
    peaks: list[float] = []
    before: list[float] = []
    after: list[float] = []
    params = {"chunks": chunks, "delay": 0.1}
    for _ in range(reps):
        async with BenchPoe() as fake, poe_lsp(fake) as server:
            watch = JobWatch(server)
            uris = [f"file:///bench/m{i}.py" for i in range(10)]
            for uri in uris:
                server.open(uri, SMALL_FILE)
            before.append(rss_mb(server.pid))
            ids = await asyncio.gather(
                *(
                    start_job(
                        server,
                        "poe.explain",
                        {
                            "uri": uris[i % 10],
                            "range": lsp_range(3, 0, 6, 0),
                            "bot": "SlowBot",
                            "parameters": params,
                        },
                    )
                    for i in range(jobs)
                )
            )
            peak = 0.0
            waiter = asyncio.get_running_loop().create_task(watch.wait_done(list(ids)))
            while not waiter.done():
                peak = max(peak, rss_mb(server.pid))
                await asyncio.sleep(0.05)
            await waiter
            peaks.append(peak)
            await asyncio.sleep(0.3)
            after.append(rss_mb(server.pid))
    return {
        "rss_before_jobs_mb": summary(before),
        "rss_50_jobs_mb": summary(peaks),
        "rss_after_jobs_mb": summary(after),
    }
