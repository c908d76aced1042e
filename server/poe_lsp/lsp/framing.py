"""Reading LSP frames so that no malformed input deafens, hangs or floods the server.

pygls's own reading loop (``pygls.io_.run_async``) has weaknesses that a
misbehaving client (or a stray ``print`` in a wrapper script) can hit:

* a header line it does not recognise exactly leaves it out of step for good:
  each body, which ends without a line break, is then read together with the
  next frame's ``Content-Length`` line, which no longer matches, so every later
  message is lost;
* a request whose params cannot be decoded is dropped without a response
  (the client waits forever) and a "Error in server" pop-up is shown instead;
* it decodes every nested JSON object that has a ``jsonrpc`` key as a message
  of its own, so such a value inside a command argument breaks the request;
* it reads a frame of any announced length into memory, and then decodes it.

:func:`run_async` is a drop-in replacement for stdio that finds
``Content-Length`` anywhere in a header line (so it falls back in step at the
next frame), refuses frames over :data:`MAX_FRAME` without holding them,
answers undecodable requests with a JSON-RPC error (-32600 for a message that
is not JSON-RPC 2.0, -32602 for bad params) and ignores, with a log line,
anything that is not a message.  :func:`read_frames` with ``strict=True`` is
the TCP variant: there a stranger may be on the other end (a web page can
POST to a local port), so anything but a well-formed LSP header ends the
connection at once.  A :class:`Gate` lets one ``initialize`` through, and over
TCP only one carrying the token.  Stdin itself is read by
:class:`~.stdin_reader.PipeReader`: on the event loop when it is a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
)
from pygls.io_ import StdinAsyncReader

from .framescan import FrameScan
from .stdin_reader import MAX_HEADER_LINE as MAX_HEADER_LINE
from .stdin_reader import BoundedStdin, PipeReader

if TYPE_CHECKING:
    from pygls.io_ import AsyncReader
    from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

MAX_FRAME = 16 * 1024 * 1024
"""Bytes in one frame's body; a longer frame is read past in chunks and refused.

The largest thing an editor sends is a whole document (``didOpen``, or a
full-text ``didChange``), JSON-escaped.  16 MiB holds a source file of 8 MiB
even if every other character needs escaping (far more than any source file
a bot could usefully see: a prompt is capped by ``context.maxChars``), while
decoding it (the JSON text, the Python objects, our copy of the document)
stays within a few hundred MB.  The old bound of 256 MiB let one frame of
``{}`` cost gigabytes."""
MAX_SKIP = 1024 * 1024 * 1024
"""A ``Content-Length`` over this is taken for garbage rather than read past."""
CHUNK = 64 * 1024
"""Bytes read at a time while reading past a refused frame."""
DOCUMENT_NOTIFICATIONS = ("textDocument/didOpen", "textDocument/didChange")

_CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d{1,19})[ \t]*\r?\n?$", re.IGNORECASE)
_HEADER = re.compile(rb"(Content-Length|Content-Type):[ \t]*([^\r\n]*)\r\n", re.IGNORECASE)
_LENGTH = re.compile(rb"[0-9]{1,10}[ \t]*")


class Refused(Exception):
    """What arrived ends the connection (TCP); the message says why."""


class Gate:
    """Decides which messages reach the server.

    A second ``initialize`` is refused: it would re-read the endpoints and the
    allowed bots, so whoever sent it could choose where the user's key goes.
    With a ``token`` (TCP), nothing but an ``initialize`` that carries it as
    ``initializationOptions.tcpToken`` is read until one has been accepted;
    anything else ends the connection.
    """

    def __init__(self, token: str | None = None) -> None:
        self._token = token.encode() if token is not None else None
        self.initialized = False

    def require_initialized(self) -> None:
        """Raise :class:`Refused` while a token is needed and none was given."""
        if self._token is not None and not self.initialized:
            raise Refused(
                "poe-lsp over TCP reads nothing before an initialize request carrying "
                "initializationOptions.tcpToken."
            )

    def check(self, data: dict[str, Any] | None) -> str | None:
        """The sentence ``data`` is refused with, or None to let it through.

        Raises :class:`Refused` when it must end the connection.  An accepted
        token is taken out of the message, so it reaches no log or setting.
        """
        method = data.get("method") if data is not None else None
        if method != "initialize" or data is None:
            self.require_initialized()
            return None
        if self.initialized:
            return "poe-lsp is already initialized; a second initialize request is refused."
        if self._token is not None:
            params = data.get("params")
            options = params.get("initializationOptions") if isinstance(params, dict) else None
            given = options.pop("tcpToken", None) if isinstance(options, dict) else None
            if not isinstance(given, str) or not hmac.compare_digest(
                given.encode("utf-8", "backslashreplace"), self._token
            ):
                raise Refused(
                    "poe-lsp over TCP needs the right initializationOptions.tcpToken; "
                    "closing the connection."
                )
        return None


async def run_async(
    stop_event: threading.Event,
    reader: AsyncReader,
    protocol: JsonRPCProtocol,
    logger: logging.Logger | None = None,
    error_handler: Callable[[Exception, type[JsonRpcException]], Any] | None = None,
) -> None:
    """Read frames until end of input (same signature as pygls's loop; stdio)."""
    if isinstance(reader, StdinAsyncReader):
        reader = BoundedStdin(reader.stdin, reader.executor)
    try:
        await read_frames(stop_event, reader, protocol, Gate())
    finally:
        close = getattr(reader, "close", None)
        if close is not None:
            close()


async def read_frames(
    stop_event: threading.Event,
    reader: AsyncReader,
    protocol: JsonRPCProtocol,
    gate: Gate,
    *,
    strict: bool = False,
) -> None:
    """Hand each frame to ``protocol`` until end of input or ``stop_event``.

    ``strict`` (TCP): a header that is not exactly ``Content-Length`` (and
    optionally ``Content-Type``) lines and an empty line raises :class:`Refused`
    before anything more is read; otherwise such lines are skipped until the
    next header that makes sense.
    """
    read_header = _strict_header if strict else _lenient_header
    while not stop_event.is_set():
        length = await read_header(reader)
        if length is None:
            return
        if length > MAX_FRAME:
            gate.require_initialized()
            if not await _read_past(reader, protocol, gate, length):
                return
            continue
        body = await _read_exactly(reader, length)
        if body is None:
            return
        receive(protocol, body, gate)


async def _lenient_header(reader: AsyncReader) -> int | None:
    length = 0
    while True:
        header = await reader.readline()
        if not header:
            return None
        if not length:
            # search, not match: garbage glued to the front of a header line
            # must not hide the frame that follows it.
            match = _CONTENT_LENGTH.search(header)
            if match:
                value = int(match.group(1))
                if 0 < value <= MAX_SKIP:
                    length = value
                else:
                    log.warning("ignored a frame header with Content-Length %d", value)
        if length and not header.strip():
            return length


async def _strict_header(reader: AsyncReader) -> int | None:
    length: int | None = None
    for count in range(3):
        try:
            line = await reader.readline()
        except ValueError:  # asyncio's limit on a line
            raise Refused("a frame header line longer than 64 KiB") from None
        if not line:
            if count == 0:
                return None
            raise Refused("the connection ended inside a frame header")
        if line == b"\r\n":
            if length is None:
                raise Refused("a frame header without Content-Length")
            return length
        match = _HEADER.fullmatch(line)
        if match is None:
            raise Refused(f"not an LSP frame header: {line[:60]!r}")
        if match.group(1).lower() == b"content-length":
            value = match.group(2)
            if length is not None or not _LENGTH.fullmatch(value):
                raise Refused(f"a bad Content-Length header: {line[:60]!r}")
            length = int(value)
            if not 0 < length <= MAX_SKIP:
                raise Refused(f"a frame of {length} bytes")
    raise Refused("a frame header of more than two lines")


async def _read_exactly(reader: AsyncReader, size: int) -> bytes | None:
    """``size`` bytes, or None at end of input."""
    try:
        data = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        return None
    return data if len(data) == size else None


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


async def _read_past(
    reader: AsyncReader, protocol: JsonRPCProtocol, gate: Gate, length: int
) -> bool:
    """Read a frame over :data:`MAX_FRAME` in chunks, keeping none of it, and
    refuse it: an error for a request, and for a document that can no longer be
    followed, a warning and a ``didClose``.  False at end of input."""
    scan = FrameScan()
    left = length
    while left:
        chunk = await _read_exactly(reader, min(left, CHUNK))
        if chunk is None:
            return False
        scan.feed(chunk)
        left -= len(chunk)
    found = scan.values()
    method, msg_id = found.get(("method",)), found.get(("id",))
    name = method if isinstance(method, str) else "message"
    sentence = (
        f"poe-lsp refused a {name} of {_mib(length)}: the limit is {_mib(MAX_FRAME)} per message."
    )
    log.warning("%s", sentence)
    if method is not None and not isinstance(msg_id, bool) and isinstance(msg_id, int | str):
        _refuse(protocol, msg_id, JsonRpcInvalidRequest(message=sentence))
    uri = found.get(("params", "textDocument", "uri"))
    if method in DOCUMENT_NOTIFICATIONS and isinstance(uri, str):
        # Its text is lost: working on the copy we have would write over the
        # user's newer text.  Forget the document until it is opened again.
        close = {"textDocument": {"uri": uri}}
        didclose = {"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_DID_CLOSE, "params": close}
        receive(protocol, json.dumps(didclose).encode(), gate)
        message = (
            f"poe-lsp cannot follow {uri}: the editor sent it in a message of "
            f"{_mib(length)}, over the {_mib(MAX_FRAME)} limit. "
            "Close and reopen it once it is smaller."
        )
        warning = types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        protocol.notify(types.WINDOW_SHOW_MESSAGE, warning)
    return True


def _request_id(data: dict[str, Any]) -> int | str | None:
    msg_id = data.get("id")
    if "method" not in data or isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
        return None
    return msg_id


def _decode(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        log.warning("ignored a frame that is not JSON, or nested too deeply (%d bytes)", len(body))
        return None
    if not isinstance(data, dict):
        log.warning("ignored a frame that is not a JSON-RPC message (%s)", type(data).__name__)
        return None
    return data


def receive(protocol: JsonRPCProtocol, body: bytes, gate: Gate | None = None) -> None:
    """Decode one frame's body and hand it to the protocol.

    Never raises, except :class:`Refused` from the ``gate`` (after answering
    the request, if it was one).
    """
    data = _decode(body)
    msg_id = _request_id(data) if data is not None else None
    if gate is not None:
        try:
            refusal = gate.check(data)
        except Refused as exc:
            if msg_id is not None:
                _refuse(protocol, msg_id, JsonRpcInvalidRequest(message=str(exc)))
            raise
        if refusal is not None:
            log.warning("%s", refusal)
            if msg_id is not None:
                _refuse(protocol, msg_id, JsonRpcInvalidRequest(message=refusal))
            return
    if data is None:
        return
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
    if gate is not None and method == "initialize":
        gate.initialized = True
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("failed to handle a %r message", method)
        if msg_id is not None:
            _refuse(protocol, msg_id, JsonRpcInternalError(message=f"{method} failed."))


def _refuse(protocol: JsonRPCProtocol, msg_id: int | str, error: JsonRpcException) -> None:
    protocol._send_response(msg_id, None, error.to_response_error())


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
