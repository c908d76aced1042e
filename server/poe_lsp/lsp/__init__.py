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


def serve_tcp(host: str, port: int) -> None:
    """Serve LSP on one TCP port."""
    from .startup import import_lsprotocol

    import_lsprotocol()
    from .wiring import create_server

    create_server().start_tcp(host, port)
