"""Serving one editor over TCP, and only the one that holds the token.

On stdio the editor that started the server is the only one that can speak
to it.  A TCP port is open to every program on the machine, and through the
browser to every web page (a page can POST to ``127.0.0.1``).  The server
uses the user's key from the environment, and ``initialize`` chooses where
requests go, so TCP mode serves exactly one connection for the life of the
process (the listening socket is closed as soon as it is taken; a connection
that slips in meanwhile is closed unread), reads nothing but well-formed LSP
frames, and lets nothing through before an ``initialize`` that carries the
token (``initializationOptions.tcpToken``).  The token comes from
``POE_LSP_TCP_TOKEN``, from a file only the user can read (``--token-file``),
or is generated and written to such a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import socket
import stat
import threading
from collections.abc import Mapping
from pathlib import Path

from pygls.protocol import JsonRPCProtocol

from . import framing

log = logging.getLogger(__name__)

TOKEN_ENV = "POE_LSP_TCP_TOKEN"
MIN_TOKEN = 16
"""Characters; a shorter token is refused (it could be guessed)."""
MAX_TOKEN = 4096
"""Bytes read from a token file."""


class TokenError(Exception):
    """No usable token; the message is the sentence shown to the user."""


def read_token_file(path: Path) -> str:
    """The token in ``path``, which must be a regular file of the user's own
    that no other user can read or write."""
    try:
        # O_NONBLOCK: a FIFO put in the token file's place must not hang the start.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise TokenError(f"cannot read the token file {path}: {exc.strerror}.") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TokenError(f"the token file {path} is not a regular file.")
        if info.st_uid != os.getuid():
            raise TokenError(
                f"the token file {path} belongs to another user (uid {info.st_uid}); "
                "use a file of your own."
            )
        if info.st_mode & 0o077:
            raise TokenError(
                f"the token file {path} is open to other users "
                f"(mode {stat.S_IMODE(info.st_mode):03o}); run: chmod 600 {path}"
            )
        data = file.read(MAX_TOKEN + 1)
    try:
        token = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise TokenError(f"the token file {path} is not UTF-8 text.") from None
    return _checked(token, f"the token in {path}")


def _checked(token: str, where: str) -> str:
    if len(token.encode()) > MAX_TOKEN:
        raise TokenError(f"{where} is longer than {MAX_TOKEN} bytes.")
    if len(token) < MIN_TOKEN:
        raise TokenError(f"{where} is shorter than {MIN_TOKEN} characters.")
    return token


def token_directory(environ: Mapping[str, str]) -> Path:
    """Where a generated token is written: the user's runtime directory
    (``$XDG_RUNTIME_DIR/poe-lsp``, private and in memory) or else their cache."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "poe-lsp"
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "poe-lsp"


def write_token(port: int, environ: Mapping[str, str]) -> tuple[str, Path]:
    """Generate a token and write it to a new 0600 file; returns both."""
    directory = token_directory(environ)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError as exc:
        raise TokenError(f"cannot create {directory} for the token: {exc.strerror}.") from None
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise TokenError(
            f"{directory} belongs to another user or others may write in it; "
            f"give a token with {TOKEN_ENV} or --token-file."
        )
    token = secrets.token_urlsafe(32)
    path = directory / f"tcp-token-{port}"
    # A new file (O_EXCL, no link followed) renamed over any old one: nobody
    # can have opened it before it holds the token with mode 0600.
    temporary = directory / f".tcp-token-{port}-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(temporary, flags, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(token + "\n")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise TokenError(f"cannot write the token file {path}: {exc.strerror}.") from None
    return token, path


def resolve_token(
    port: int, token_file: str | None, environ: Mapping[str, str] | None = None
) -> tuple[str, Path | None]:
    """The token the client must send: from ``--token-file``, else from
    ``POE_LSP_TCP_TOKEN``, else generated; with the path of a generated file."""
    env = os.environ if environ is None else environ
    if token_file:
        return read_token_file(Path(token_file)), None
    if given := env.get(TOKEN_ENV, "").strip():
        return _checked(given, TOKEN_ENV), None
    return write_token(port, env)


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` stands for is a loopback address."""
    if not host:
        return False  # every interface
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


async def serve_one(
    protocol: JsonRPCProtocol, host: str, port: int, token: str, stop: threading.Event
) -> bool:
    """Listen on ``host:port``, serve the first connection until it ends, and
    refuse every other.  False if the connection was closed for what it sent."""
    loop = asyncio.get_running_loop()
    first: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = loop.create_future()

    def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if first.done():
            # Never read: a second client must not reach the server the first set up.
            log.warning("refused a second TCP connection from %s", _peer(writer))
            writer.transport.abort()
            return
        first.set_result((reader, writer))

    listener = await asyncio.start_server(connected, host, port, limit=framing.MAX_HEADER_LINE)
    log.info("serving one client on %s", ", ".join(str(s.getsockname()) for s in listener.sockets))
    try:
        reader, writer = await first
    finally:
        listener.close()  # from now on, a connection attempt is refused by the system
    log.info("TCP client %s connected", _peer(writer))
    protocol.set_writer(writer)
    try:
        await framing.read_frames(stop, reader, protocol, framing.Gate(token), strict=True)
    except framing.Refused as exc:
        log.warning("closed the TCP connection from %s: %s", _peer(writer), exc)
        return False
    except ConnectionError:  # the client reset the connection: it has gone, as at EOF
        log.info("TCP client %s went away", _peer(writer))
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return True


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"
