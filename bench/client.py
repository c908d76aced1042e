"""A minimal LSP client for benchmarks: a subprocess, Content-Length framing, JSON.

pytest-lsp and pygls' client decode every message into lsprotocol objects,
which costs the client more CPU than the server spends on some of the things
measured here; this one only parses JSON, stamps each message with
``time.perf_counter()`` as it is read, and answers the server's requests
(``workspace/configuration``, ``window/workDoneProgress/create`` …) at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

Listener = Callable[[float, dict[str, Any]], None]


class LspError(Exception):
    """The server answered a request with a JSON-RPC error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.error = error


class LspProcess:
    """One language server process spoken to over stdio."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        *,
        configuration: dict[str, Any] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.configuration = configuration or {}
        self.proc: asyncio.subprocess.Process | None = None
        self.spawned_at = 0.0
        self._ids = 0
        self._pending: dict[int, asyncio.Future[tuple[float, Any]]] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.notifications: dict[str, int] = {}

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        """Spawn the server (``spawned_at`` is stamped just before the fork)."""
        self.spawned_at = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
            limit=1 << 24,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())

    def on(self, method: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(time, params)`` on each ``method`` notification; returns an undo."""
        self._listeners.setdefault(method, []).append(listener)
        return lambda: self._listeners[method].remove(listener)

    # -- sending -----------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        body = json.dumps(message, separators=(",", ":")).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def notify(self, method: str, params: Any = None) -> None:
        """Send a notification."""
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def send_request(self, method: str, params: Any = None) -> asyncio.Future[tuple[float, Any]]:
        """Send a request; the future gives ``(time the answer was read, result)``."""
        self._ids += 1
        future: asyncio.Future[tuple[float, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._ids] = future
        self._send({"jsonrpc": "2.0", "id": self._ids, "method": method, "params": params})
        return future

    async def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        """Send a request and wait for its result."""
        _, result = await asyncio.wait_for(self.send_request(method, params), timeout)
        return result

    async def timed_request(self, method: str, params: Any = None) -> tuple[float, Any]:
        """``(seconds from sending to the answer, result)``."""
        sent = time.perf_counter()
        answered, result = await asyncio.wait_for(self.send_request(method, params), 30.0)
        return answered - sent, result

    # -- receiving ---------------------------------------------------------------------

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stdout = self.proc.stdout
        try:
            while True:
                length = 0
                while True:
                    line = await stdout.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await stdout.readexactly(length)
                self._dispatch(time.perf_counter(), json.loads(body))
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the server went away"))

    def _dispatch(self, now: float, message: dict[str, Any]) -> None:
        if "method" not in message:
            future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
            if future is None or future.done():
                return
            if "error" in message:
                future.set_exception(LspError(message["error"]))
            else:
                future.set_result((now, message.get("result")))
            return
        method = message["method"]
        if "id" in message:
            self._answer(message["id"], method, message.get("params"))
            return
        self.notifications[method] = self.notifications.get(method, 0) + 1
        for listener in list(self._listeners.get(method, ())):
            listener(now, message.get("params"))

    def _answer(self, msg_id: Any, method: str, params: Any) -> None:
        result: Any = None
        if method == "workspace/configuration":
            items = (params or {}).get("items", [])
            result = [self.configuration for _ in items]
        elif method == "workspace/applyEdit":
            result = {"applied": False, "failureReason": "the benchmark client edits nothing"}
        self._send({"jsonrpc": "2.0", "id": msg_id, "result": result})

    # -- life cycle ----------------------------------------------------------------------

    async def initialize(
        self, init_options: dict[str, Any] | None = None, *, progress: bool = True
    ) -> float:
        """``initialize`` + ``initialized``; returns seconds from spawn to the initialize result."""
        params = {
            "processId": os.getpid(),
            "clientInfo": {"name": "poe-lsp-bench", "version": "1"},
            "rootUri": None,
            "capabilities": {
                "workspace": {
                    "configuration": True,
                    "applyEdit": True,
                    "workspaceEdit": {"documentChanges": True},
                },
                "window": {"workDoneProgress": progress},
                "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}},
                "experimental": {"poe": {"stream": True}},
            },
            "initializationOptions": init_options or {},
        }
        answered, _ = await asyncio.wait_for(self.send_request("initialize", params), 60.0)
        self.notify("initialized", {})
        return answered - self.spawned_at

    def open(self, uri: str, text: str, language_id: str = "python", version: int = 1) -> None:
        """``textDocument/didOpen``."""
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": language_id,
                    "version": version,
                    "text": text,
                }
            },
        )

    async def close(self) -> None:
        """``shutdown`` and ``exit``; kill the process if it does not leave."""
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=10.0)
            self.notify("exit")
        try:
            await asyncio.wait_for(self.proc.wait(), 10.0)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def __aenter__(self) -> LspProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
