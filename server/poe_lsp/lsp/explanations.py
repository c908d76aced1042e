"""A finished explanation, for a client that does not render ``poe/stream``.

Such a client (Emacs with eglot or lsp-mode, Vim with ALE, Helix, …) shows
``window/showMessage`` in an echo area or a preview line: a whole explanation
there is a wall of text.  So the channel depends on the explanation and the
client:

- one short line: the message itself (``GPT-5: Adds a and b.``);
- longer, and the client opens documents (``window.showDocument.support``):
  a Markdown file in a private temporary directory, opened with
  ``window/showDocument``;
- longer otherwise (or if the client does not open it): a one-line message
  saying that hover over the selection shows it.

Hover (``textDocument/hover`` inside the range) offers it in every client.
If the user edited the range meanwhile there is no hover to point to, and the
message carries the whole text after all.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from poe_lsp.core.textdoc import HoverRegion

if TYPE_CHECKING:
    from .server import PoeServer

log = logging.getLogger(__name__)

SHORT_CHARS = 120
"""The longest explanation (one line) shown as the message itself."""
MAX_FILES = 20
"""Explanation files kept per session; the oldest go first."""


def is_short(text: str) -> bool:
    """Whether an explanation reads well as one message line."""
    text = text.strip()
    return "\n" not in text and len(text) <= SHORT_CHARS


def present(server: PoeServer, region: HoverRegion, uri: str, bot: str, text: str) -> None:
    """Show a finished explanation the best way this client allows."""
    info = types.MessageType.Info
    hover = not region.stale
    if is_short(text) or (not hover and not server.supports_show_document()):
        server.show(info, f"{bot}: {text.strip()}")
        return
    # Short enough for one line even with a client's prefix (ALE's "Info:poe-lsp: ").
    ready = f"{bot}'s explanation: hover over the selection to read it."
    if not server.supports_show_document():
        server.show(info, ready)
        return

    async def open_document() -> None:
        try:
            path = _files.write(uri, bot, text)
            result = await server.request_within(
                types.WINDOW_SHOW_DOCUMENT,
                types.ShowDocumentParams(uri=path.as_uri(), take_focus=False),
                server.settings.apply_edit_seconds,
            )
            if result is not None and result.success:
                return
            log.info("the client did not open the explanation %s", path.name)
        except Exception:  # a failed write or request: the message below says where it is
            log.warning("could not open the explanation as a document", exc_info=True)
        if hover:
            server.show(info, ready)
        else:
            server.show(info, f"{bot}: {text.strip()}")

    server.run_task(open_document(), "show explanation")


class _ExplanationFiles:
    """A directory only this user can read, created on first use, removed at exit."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._written: list[Path] = []
        self._count = 0

    def write(self, uri: str, bot: str, text: str) -> Path:
        """Write one explanation as Markdown (mode 0600) and return its path."""
        if self._dir is None:
            # mkdtemp makes the directory 0700 under a name nobody can guess.
            self._dir = Path(tempfile.mkdtemp(prefix="poe-lsp-explanations-"))
            atexit.register(shutil.rmtree, self._dir, True)
        self._count += 1
        stem = _safe(Path(uri.rsplit("/", 1)[-1]).stem) or "selection"
        path = self._dir / f"{self._count:03d}-{stem}-{_safe(bot)}.md"
        heading = f"# {bot} on {uri.rsplit('/', 1)[-1]}\n\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(heading + text.strip() + "\n")
        self._written.append(path)
        while len(self._written) > MAX_FILES:
            with contextlib.suppress(OSError):
                self._written.pop(0).unlink()
        return path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60]


_files = _ExplanationFiles()
