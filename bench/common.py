"""What every benchmark shares: the fake Poe, the server process, statistics."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import psutil

import fakepoe
from .client import LspProcess
from fakepoe import Event, FakePoe, _FakeBot, _Params

BENCH_KEY = "bench-key-never-sent-anywhere"
ROOT = Path(__file__).resolve().parent.parent


class PacedBot(_FakeBot):
    """``rate`` chunks a second (1000) for ``seconds`` (10): chunk ``i`` is ``"i "``.

    Chunk ``i`` leaves at ``start + i / rate``; when the loop falls behind, the late
    chunks go out back to back, so the average rate holds on a busy machine.
    """

    name = "PacedBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        rate = max(1.0, p.number("rate", 1000.0))
        count = int(rate * p.number("seconds", 10.0))
        start = time.perf_counter()
        for i in range(count):
            wait = start + i / rate - time.perf_counter()
            if wait > 0.0005:
                await asyncio.sleep(wait)
            yield fakepoe.fp.PartialResponse(text=f"{i} ")


def paced_text(rate: float, seconds: float) -> str:
    """Everything PacedBot sends for these parameters."""
    return "".join(f"{i} " for i in range(int(rate * seconds)))


class BenchPoe(FakePoe):
    """The tests' fake Poe plus PacedBot, stamping when each bot sees a disconnect."""

    def __init__(self) -> None:
        super().__init__()
        self.disconnect_times: list[tuple[str, float]] = []

    def _make_app(self) -> Any:
        saved = fakepoe.BOT_CLASSES
        fakepoe.BOT_CLASSES = (*saved, PacedBot)
        try:
            return super()._make_app()
        finally:
            fakepoe.BOT_CLASSES = saved

    def _note_disconnect(self, bot: str) -> None:
        self.disconnect_times.append((bot, time.perf_counter()))
        super()._note_disconnect(bot)

    async def wait_disconnects(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` disconnects have been seen in all."""
        await self._wait_for(lambda: len(self.disconnect_times) >= count, timeout)


BOTS = ["ExplainBot", "SlowBot", "PacedBot", "EchoBot", "FastChunksBot"]


def server_argv() -> list[str]:
    """The server as editors start it: the ``poe-lsp`` console script beside this Python."""
    script = Path(sys.executable).parent / "poe-lsp"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "poe_lsp"]


def server_env(fake: FakePoe | None) -> dict[str, str]:
    env = {"POE_API_KEY": BENCH_KEY, "PYTHONUNBUFFERED": "1"}
    if fake is not None:
        env["POE_LSP_BASE_URL"] = fake.base_url
    return env


INIT_OPTIONS: dict[str, Any] = {"bot": "ExplainBot", "allowedBots": BOTS}


@contextlib.asynccontextmanager
async def poe_lsp(fake: FakePoe | None, **options: Any) -> AsyncIterator[LspProcess]:
    """A started and initialized poe-lsp process talking to ``fake``."""
    server = LspProcess(server_argv(), server_env(fake), cwd=str(ROOT))
    await server.start()
    try:
        await server.initialize({**INIT_OPTIONS, **options})
        # A command waits for the first workspace/configuration; let it land.
        await server.request("poe/status", {})
        yield server
    finally:
        await server.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def rss_mb(pid: int) -> float:
    """Resident set size in MB (10^6 bytes)."""
    return float(psutil.Process(pid).memory_info().rss) / 1e6


def python_source(lines: int) -> str:
    """A plausible Python module of exactly ``lines`` lines: functions and classes."""
    out: list[str] = ['"""A generated module for benchmarks."""', "import os", "import sys", ""]
    i = 0
    while len(out) < lines:
        out += [
            "",
            "",
            f"def function_{i}(values, factor={i % 7}):",
            f'    """Scale the values by factor ({i})."""',
            "    total = 0",
            "    for value in values:",
            "        if value % 2:",
            "            total += value * factor",
            "    return total",
            "",
            "",
            f"class Thing{i}:",
            "    def __init__(self, name):",
            "        self.name = name",
            "",
            "    def describe(self):",
            f'        return f"{{self.name}} is thing {i}"',
        ]
        i += 1
    return "\n".join(out[:lines]) + "\n"


def line_of(text: str, needle: str, after: int = 0) -> int:
    """The 0-based number of the first line at or after ``after`` that contains ``needle``."""
    for n, line in enumerate(text.split("\n")):
        if n >= after and needle in line:
            return n
    raise ValueError(needle)


def lsp_range(l1: int, c1: int, l2: int, c2: int) -> dict[str, Any]:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def summary(samples: Sequence[float], scale: float = 1.0) -> dict[str, Any]:
    """Median and spread of ``samples`` (times ``scale``, e.g. 1000 for ms)."""
    values = sorted(v * scale for v in samples)
    if not values:
        return {"n": 0, "median": None}
    n = len(values)

    def pct(q: float) -> float:
        if n == 1:
            return values[0]
        k = (n - 1) * q
        lo = int(k)
        hi = min(lo + 1, n - 1)
        return values[lo] + (values[hi] - values[lo]) * (k - lo)

    return {
        "n": n,
        "median": statistics.median(values),
        "p25": pct(0.25),
        "p75": pct(0.75),
        "p95": pct(0.95),
        "min": values[0],
        "max": values[-1],
    }


def load_average() -> float:
    """The 1-minute load average now."""
    return os.getloadavg()[0]
