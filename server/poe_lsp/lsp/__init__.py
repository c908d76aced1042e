"""The language server: one module per feature, jobs and edit writing.

Imports the core and the Poe side.  The command line starts the server
through the two functions below and never imports anything else from here.
Both import lazily: ``poe-lsp --version`` or ``ask`` must not pay for pygls.
"""

from __future__ import annotations

import sys
from typing import BinaryIO


def serve_stdio() -> None:
    """Serve LSP on stdio; nothing but LSP frames ever reaches stdout."""
    from .startup import import_lsprotocol

    import_lsprotocol()  # first, with its code cache (start-up time)
    from .wiring import create_server

    stdin: BinaryIO = sys.stdin.buffer
    stdout: BinaryIO = sys.stdout.buffer
    # Libraries that print (fastapi-poe does on errors) must not corrupt the frames.
    sys.stdout = sys.stderr
    create_server().start_io(stdin, stdout)


def serve_tcp(host: str, port: int, token_file: str | None, log_file: str | None) -> int:
    """Serve one LSP client on a TCP port, once it has sent the token; the exit code."""
    import logging

    from poe_lsp.core.logs import add_secret

    from .tcp import TokenError, is_loopback, resolve_token

    try:
        token, written = resolve_token(port, token_file)
    except TokenError as exc:
        print(f"poe-lsp: {exc}", file=sys.stderr)
        return 2
    add_secret(token)
    if not is_loopback(host):
        warning = (
            f"poe-lsp: listening on {host or 'every interface'}, not only on loopback: "
            "other machines can reach this port (the token is sent unencrypted)."
        )
        print(warning, file=sys.stderr, flush=True)
        if log_file:
            logging.getLogger(__name__).warning("%s", warning)
    if written is not None:
        print(
            f"poe-lsp: the TCP token is in {written}; the client sends it as "
            "initializationOptions.tcpToken.",
            file=sys.stderr,
            flush=True,
        )
    from .startup import import_lsprotocol

    import_lsprotocol()
    from .wiring import create_server

    try:
        return 0 if create_server().start_tcp(host, port, token) else 1
    finally:
        if written is not None:
            written.unlink(missing_ok=True)
