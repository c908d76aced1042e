"""Serving an ASGI app on 127.0.0.1 inside the running event loop.

The fake Poe (tests, benchmarks) and the demo's local bot both need a real
HTTP server on a free loopback port for as long as an ``async with`` lasts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn


class LoopbackServer:
    """One uvicorn server on ``host``; ``port`` 0 picks a free port."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "") -> None:
        self.app = app
        self.host = host
        self.port = port
        self.name = name or "loopback server"
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the server has been started and not stopped."""
        return self._task is not None

    async def start(self) -> int:
        """Start serving; return the port (known once this returns)."""
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            lifespan="off",
            log_level="warning",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = server = uvicorn.Server(config)
        self._task = asyncio.create_task(server.serve(), name=self.name)
        while not server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError(f"the {self.name} stopped while starting")
            await asyncio.sleep(0.005)
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop serving and cut every connection still open (its handler sees a disconnect)."""
        server, task = self._server, self._task
        if server is None or task is None:
            return
        server.should_exit = True
        server.force_exit = True  # an answer that stalls must not hold the shutdown
        await asyncio.wait([task])
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.close()
        pending = [t for t in server.server_state.tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=1.0)
            for t in still:
                t.cancel()
        self._server = self._task = None

    async def wait(self) -> None:
        """Wait until the server stops (e.g. on SIGINT/SIGTERM)."""
        if self._task is not None:
            await self._task


def make_bot_app(bots: list[Any], **options: Any) -> Any:
    """``fastapi_poe.make_app`` without its warnings about syncing bot settings
    with Poe, which a local bot never does (three log lines per bot)."""
    import fastapi_poe

    poe_logger = logging.getLogger("uvicorn.default")
    level = poe_logger.level
    poe_logger.setLevel(logging.ERROR)
    try:
        return fastapi_poe.make_app(bots, **options)
    finally:
        poe_logger.setLevel(level)
