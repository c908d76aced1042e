"""The baseline: fastapi-poe's own client, used directly as a program would use it.

Every call passes the same ``httpx.AsyncClient`` (``session=``), as poe-lsp
keeps its own, so what is compared is the work of one request, not the set-up
of a connection.  The baseline runs two ways: in the benchmark's own process
(:func:`first_token`), where it shares an event loop with the fake Poe and
crosses no process boundary at all, and in a process of its own
(:class:`PlainProcess`, ``python -m bench.plain BASE_URL KEY``), spoken to over
pipes and timed from the benchmark exactly as the language server is: a line
in, a line out when the first text arrives.  Only the second crosses the same
process boundaries as a request through poe-lsp, so only it tells what the
server itself adds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
"""Where ``python -m bench.plain`` finds the ``bench`` package."""


def query(prompt: str, parameters: dict[str, Any]) -> Any:
    """A ``QueryRequest`` with one user message."""
    import fastapi_poe as fp
    import fastapi_poe.client

    return fp.QueryRequest(
        version=fastapi_poe.client.PROTOCOL_VERSION,
        type="query",
        query=[
            fp.ProtocolMessage(
                role="user", content=prompt, parameters=parameters, message_id=str(uuid.uuid4())
            )
        ],
        user_id=str(uuid.uuid4()),
        conversation_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()),
    )


def stream(
    session: httpx.AsyncClient | None,
    base_url: str,
    key: str,
    bot: str,
    prompt: str,
    parameters: dict[str, Any],
) -> AsyncGenerator[Any, None]:
    """``fastapi_poe.stream_request`` as a plain client calls it (``session=None``:
    a new client for this one call)."""
    import fastapi_poe as fp

    result: AsyncGenerator[Any, None] = fp.stream_request(
        query(prompt, parameters),
        bot,
        key,
        base_url=base_url,
        session=session,
        num_tries=1,
        on_error=lambda e, m: None,
    )
    return result


async def first_token(answer: Callable[[], AsyncGenerator[Any, None]]) -> float:
    """Seconds from calling ``answer`` (e.g. ``lambda: stream(...)``) to its first
    text; the answer is read to its end."""
    started = time.perf_counter()
    first = 0.0
    async with contextlib.aclosing(answer()) as messages:
        async for message in messages:
            if message.text and not first:
                first = time.perf_counter() - started
    return first


class PlainProcess:
    """The baseline client in a process of its own, with one kept session."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Spawn it; returns once it has its session and awaits requests."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.plain",
            self.base_url,
            self.key,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        await self._line("ready")

    async def _line(self, expected: str) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        if line.strip() != expected.encode():
            raise RuntimeError(f"bench.plain said {line[:200]!r}, not {expected!r}")

    async def first_token(self, bot: str, prompt: str, parameters: dict[str, Any]) -> float:
        """Seconds from writing the request to reading "first"; waits for the end."""
        assert self.proc is not None and self.proc.stdin is not None
        request = json.dumps({"bot": bot, "prompt": prompt, "parameters": parameters})
        sent = time.perf_counter()
        self.proc.stdin.write(request.encode() + b"\n")
        await self._line("first")
        elapsed = time.perf_counter() - sent
        await self._line("done")
        return elapsed

    async def close(self) -> None:
        """End of input ends it."""
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def __aenter__(self) -> PlainProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _serve(base_url: str, key: str) -> None:
    """Read requests from stdin, one JSON object a line; say "first" at the first
    text and "done" at the end of each answer."""
    import fastapi_poe  # noqa: F401  (imported before "ready", as a warm client has it)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    async with httpx.AsyncClient(timeout=30) as session:
        while line := await reader.readline():
            request = json.loads(line)
            said = False
            answer = stream(
                session, base_url, key, request["bot"], request["prompt"], request["parameters"]
            )
            async with contextlib.aclosing(answer) as messages:
                async for message in messages:
                    if message.text and not said:
                        said = True
                        out.write(b"first\n")
                        out.flush()
            out.write(b"done\n")
            out.flush()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], sys.argv[2]))
