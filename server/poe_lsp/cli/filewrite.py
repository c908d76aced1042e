"""Replacing a file's text so that no failure can cost the user the file.

The new text is encoded before anything is touched; it goes to a new
temporary file in the same folder (created exclusively, with the original's
permission bits), is flushed to disk, and only then renamed over the
original, which is atomic on POSIX.  Until that rename the original is
untouched; after it, the file holds the whole new text.  A bot's odd
character (a lone surrogate cannot be UTF-8), a full disk or a read-only
folder therefore end with the original exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class WriteFailed(Exception):
    """The file could not be replaced; it was left as it was. ``str()`` is the sentence."""


def replace_text(path: str | os.PathLike[str], text: str, *, expected: str | None = None) -> None:
    """Replace the file at ``path`` with ``text`` (UTF-8, line endings as given).

    With ``expected``, the file must still hold exactly that text: an edit
    computed for an older text would undo whatever changed it since.
    """
    target = Path(path)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = f"U+{ord(text[exc.start]):04X}"
        line = text.count("\n", 0, exc.start) + 1
        raise WriteFailed(
            f"The new text holds a character that cannot be written as UTF-8 ({char} on "
            f"line {line}), so {target.name} was left unchanged."
        ) from None
    # Follow a symbolic link: the user's file is what it points to, and the
    # link itself must stay a link.
    real = Path(os.path.realpath(target))
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
        current = real.read_bytes() if expected is not None else b""
    except OSError as exc:
        raise WriteFailed(_sentence(target, exc)) from None
    if expected is not None and current != expected.encode("utf-8"):
        raise WriteFailed(
            f"{target.name} changed since it was read, so it was left unchanged; "
            "run the command again on the new text."
        )
    try:
        # mkstemp: a random name, created with O_EXCL (never an existing file
        # or link), readable by the user only until it has the original's mode.
        fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".poe-lsp", dir=real.parent)
    except OSError as exc:
        raise WriteFailed(_sentence(target, exc)) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, real)
    except BaseException as exc:  # Ctrl-C too: no temporary file is left behind
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise WriteFailed(_sentence(target, exc)) from None
        raise
    _sync_folder(real.parent)


def _sentence(target: Path, exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return f"Could not write {target.name} ({reason}), so it was left unchanged."


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot, and that is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
