"""What the command line prints: bot text made harmless for a terminal, and diffs.

A bot's answer (and its error text) is untrusted.  Written raw to a terminal,
control sequences in it can set the clipboard (OSC 52), the window title
(OSC 0), or move the cursor and erase lines, so that a line written to the
user's file never shows on screen.  Everything the command line prints from
outside goes through :func:`escape`: C0 and C1 control characters (but tab
and newline), DEL, lone surrogates and the bidirectional overrides used to
reorder code on screen ("Trojan Source") are shown as visible escapes such
as ``\\x1b``.  A carriage return is kept only where it ends a line (``\\r\\n``,
which a terminal shows as a plain line end); anywhere else it would let the
rest of a line overwrite its start, so it is shown as ``\\r``.
"""

from __future__ import annotations

import difflib
import re
from typing import TextIO

# C0 but \t and \n; \r not followed by \n; DEL and C1; lone surrogates;
# bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]|\r(?!\n)"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":
        return "\\r"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every character that could steer a terminal shown as an escape."""
    return _UNSAFE.sub(_visible, text)


class EscapedStream:
    """Writes streamed text to ``out`` escaped, chunk by chunk.

    A chunk may end in ``\\r`` whose ``\\n`` comes with the next chunk: that
    ``\\r`` is held back until the next write (or :meth:`finish`) tells.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._held = ""

    def write(self, text: str) -> None:
        """Escape and write ``text`` (flushed, as a stream should show at once)."""
        text = self._held + text
        self._held = "\r" if text.endswith("\r") else ""
        if self._held:
            text = text[:-1]
        if text:
            self._out.write(escape(text))
            self._out.flush()

    def finish(self) -> None:
        """Write what is held back: the stream has ended."""
        if self._held:
            self._out.write(escape(self._held))
            self._held = ""
        self._out.flush()


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line in the file; str.splitlines would also split on
    # \r, \v, \f, \x1c-\x1e, \x85 and U+2028/9, and the diff would then not
    # show the file's real lines.
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def unified_diff(before: str, after: str, name: str) -> str:
    """``before`` -> ``after`` as a unified diff, escaped for a terminal.

    Lines are the file's own (split at ``\\n`` only, ``\\r\\n`` kept as it
    is); a last line without a newline is marked as ``diff`` marks it, so the
    diff says exactly what the file holds.
    """
    out: list[str] = []
    for line in difflib.unified_diff(
        _lines(before), _lines(after), f"a/{name}", f"b/{name}", lineterm="\n"
    ):
        if line.endswith("\n"):
            out.append(escape(line))
        else:
            out.append(escape(line) + "\n\\ No newline at end of file\n")
    return "".join(out)
