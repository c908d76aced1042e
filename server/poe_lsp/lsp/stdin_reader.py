"""Reading the server's stdin: on the event loop when it is a pipe, bounded always.

pygls reads stdin in a worker thread, one thread round trip per header line
and body: several thread switches per message, each a scheduling delay on a
busy machine, paid by every request before it is even decoded.
:class:`PipeReader` reads a piped stdin (how editors start a server) on the
event loop itself; a terminal or a file is still read in a thread, by
:class:`BoundedStdin`.  Neither lets a line without an end fill the memory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.io_ import StdinAsyncReader

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

MAX_HEADER_LINE = 64 * 1024
"""Bytes read as one header line in a thread (asyncio's own default limit for TCP)."""
BUFFER_LIMIT = 1024 * 1024
"""Bytes a :class:`PipeReader` buffers ahead, and the longest line it returns whole."""
_LINE_TAIL = 1024
"""Bytes kept of a longer line: enough for a header glued to its end."""


class BoundedStdin(StdinAsyncReader):
    """pygls's stdin reader, but a line without an end cannot fill the memory."""

    def readline(self) -> Any:
        return self.loop.run_in_executor(self.executor, self.stdin.readline, MAX_HEADER_LINE)


def _is_pipe(stream: BinaryIO) -> bool:
    # Not a terminal or a file: the loop would make a terminal non-blocking for
    # the shell too, and cannot watch a regular file.  (Windows: the thread.)
    if os.name != "posix":
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class PipeReader:
    """pygls's stdin reader (same methods), reading a pipe or socket on the event
    loop; anything else is read by :class:`BoundedStdin`, in a thread."""

    def __init__(self, stdin: BinaryIO, executor: ThreadPoolExecutor | None = None) -> None:
        self._stdin = stdin
        self._threaded = BoundedStdin(stdin, executor)
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
            line: bytes = await self._threaded.readline()
            return line
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
            data: bytes = await self._threaded.readexactly(n)
            return data
        try:
            return await stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial

    def close(self) -> None:
        """Stop watching stdin."""
        if self._transport is not None:
            self._transport.close()
