"""Reading LSP frames so that no malformed input deafens or hangs the server.

pygls's own reading loop (``pygls.io_.run_async``) has three weaknesses that a
misbehaving client (or a stray ``print`` in a wrapper script) can hit:

* a header line it does not recognise exactly leaves it out of step for good:
  each body, which ends without a line break, is then read together with the
  next frame's ``Content-Length`` line, which no longer matches, so every later
  message is lost;
* a request whose params cannot be decoded is dropped without a response
  (the client waits forever) and a "Error in server" pop-up is shown instead;
* it decodes every nested JSON object that has a ``jsonrpc`` key as a message
  of its own, so such a value inside a command argument breaks the request.

:func:`run_async` is a drop-in replacement that finds ``Content-Length``
anywhere in a header line (so it falls back in step at the next frame),
refuses absurd lengths, answers undecodable requests with a JSON-RPC error
(-32600 for a message that is not JSON-RPC 2.0, -32602 for bad params) and
ignores, with a log line, anything that is not a message.

:class:`PipeReader` reads a piped stdin on the event loop itself.  pygls reads
stdin in a worker thread, one thread round trip per header line and body:
several thread switches per message, each a scheduling delay on a busy
machine, paid by every request before it is even decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
)

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from pygls.io_ import AsyncReader
    from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

MAX_FRAME = 256 * 1024 * 1024
"""Bytes; a longer ``Content-Length`` is taken for garbage rather than awaited."""
BUFFER_LIMIT = 1024 * 1024
"""Bytes a :class:`PipeReader` buffers ahead, and the longest line it returns whole."""
_LINE_TAIL = 1024
"""Bytes kept of a longer line: enough for a header glued to its end."""
_CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d+)[ \t]*\r?\n?$", re.IGNORECASE)


async def run_async(
    stop_event: threading.Event,
    reader: AsyncReader,
    protocol: JsonRPCProtocol,
    logger: logging.Logger | None = None,
    error_handler: Callable[[Exception, type[JsonRpcException]], Any] | None = None,
) -> None:
    """Read frames until end of input (same signature as pygls's loop)."""
    try:
        await _read_frames(stop_event, reader, protocol)
    finally:
        close = getattr(reader, "close", None)
        if close is not None:
            close()


async def _read_frames(
    stop_event: threading.Event, reader: AsyncReader, protocol: JsonRPCProtocol
) -> None:
    content_length = 0
    while not stop_event.is_set():
        header = await reader.readline()
        if not header:
            break
        if not content_length:
            # search, not match: garbage glued to the front of a header line
            # must not hide the frame that follows it.
            match = _CONTENT_LENGTH.search(header)
            if match:
                length = int(match.group(1))
                if 0 < length <= MAX_FRAME:
                    content_length = length
                else:
                    log.warning("ignored a frame header with Content-Length %d", length)
        if content_length and not header.strip():
            body = await reader.readexactly(content_length)
            content_length = 0
            if not body:
                break
            receive(protocol, body)


def _request_id(data: dict[str, Any]) -> int | str | None:
    msg_id = data.get("id")
    if "method" not in data or isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
        return None
    return msg_id


def receive(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Decode one frame's body and hand it to the protocol; never raises."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        log.warning("ignored a frame that is not JSON, or nested too deeply (%d bytes)", len(body))
        return
    if not isinstance(data, dict):
        log.warning("ignored a frame that is not a JSON-RPC message (%s)", type(data).__name__)
        return
    msg_id = _request_id(data)
    method = data.get("method")
    if data.get("jsonrpc") != "2.0" or ("method" in data and not isinstance(method, str)):
        log.warning("ignored a message that is not JSON-RPC 2.0")
        if msg_id is not None:
            _refuse(protocol, msg_id, JsonRpcInvalidRequest(message="Not a JSON-RPC 2.0 request."))
        return
    try:
        message = protocol.structure_message(data)
    except Exception as exc:
        log.warning("could not decode a %r message", method, exc_info=True)
        if msg_id is not None:
            error = (
                JsonRpcInvalidParams(message=f"Invalid params for {method}.")
                if isinstance(exc, JsonRpcInvalidParams)
                else JsonRpcInvalidRequest(message=f"Could not decode the {method} request.")
            )
            _refuse(protocol, msg_id, error)
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("failed to handle a %r message", method)
        if msg_id is not None:
            _refuse(protocol, msg_id, JsonRpcInternalError(message=f"{method} failed."))


def _refuse(protocol: JsonRPCProtocol, msg_id: int | str, error: JsonRpcException) -> None:
    protocol._send_response(msg_id, None, error.to_response_error())


def _is_pipe(stream: BinaryIO) -> bool:
    # Not a terminal or a file: the loop would make a terminal non-blocking for
    # the shell too, and cannot watch a regular file.  (Windows: pygls's reader.)
    if os.name != "posix":
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class PipeReader:
    """pygls's stdin reader (same methods), reading a pipe or socket on the event
    loop; anything else is read by pygls's own reader, in a thread."""

    def __init__(self, stdin: BinaryIO, executor: ThreadPoolExecutor | None = None) -> None:
        from pygls.io_ import StdinAsyncReader

        self._stdin = stdin
        self._threaded = StdinAsyncReader(stdin, executor)
        self._pipe = _is_pipe(stdin)
        self._stream: asyncio.StreamReader | None = None
        self._transport: asyncio.BaseTransport | None = None

    async def _connected(self) -> asyncio.StreamReader | None:
        if self._stream is None and self._pipe:
            loop = asyncio.get_running_loop()
            stream = asyncio.StreamReader(limit=BUFFER_LIMIT, loop=loop)
            try:
                self._transport, _ = await loop.connect_read_pipe(
                    lambda: asyncio.StreamReaderProtocol(stream), self._stdin
                )
            except (OSError, ValueError, NotImplementedError):
                log.debug("stdin cannot be watched by the event loop; reading it in a thread")
                self._pipe = False
            else:
                self._stream = stream
        return self._stream

    async def readline(self) -> bytes:
        """The next line (with its line break); empty at the end of input."""
        stream = await self._connected()
        if stream is None:
            return await self._threaded.readline()
        while True:
            try:
                return await stream.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                return exc.partial  # the end of input
            except asyncio.LimitOverrunError as exc:
                # Longer than BUFFER_LIMIT: garbage, but the next frame's header may
                # be glued to its end, so all but its last bytes are dropped.
                await stream.readexactly(max(1, exc.consumed - _LINE_TAIL))

    async def readexactly(self, n: int) -> bytes:
        """``n`` bytes, or fewer at the end of input (as ``stdin.read(n)``)."""
        stream = await self._connected()
        if stream is None:
            return await self._threaded.readexactly(n)
        try:
            return await stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial

    def close(self) -> None:
        """Stop watching stdin."""
        if self._transport is not None:
            self._transport.close()


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Use :func:`run_async` and :class:`PipeReader` for the servers pygls starts
    inside this block."""
    import pygls.server

    module: Any = pygls.server
    original = module.run_async, module.StdinAsyncReader
    module.run_async, module.StdinAsyncReader = run_async, PipeReader
    try:
        yield
    finally:
        module.run_async, module.StdinAsyncReader = original
