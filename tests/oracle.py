"""Text positions and edits the way an editor computes them, for the scripted editor.

Written here, independently of ``poe_lsp.core.textdoc``, so that the tests never
take an expected document from the code under test: a position-encoding bug
in the server that the same code would repeat on the editor's side (and so
hide) shows up as a wrong document.  Positions are found by encoding a line
and slicing its bytes by code units (2 bytes for UTF-16, 1 for UTF-8), not
by counting characters.  Anything an editor could not apply — a position
past the end of its line, inside a character, overlapping edits — raises
:class:`BadPosition` instead of being clamped, so a server that sends one is
caught.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

_BREAK = re.compile(r"\r\n|\r|\n")
"""LSP's line breaks."""
_CODECS = {"utf-8": ("utf-8", 1), "utf-16": ("utf-16-le", 2), "utf-32": ("utf-32-le", 4)}


class BadPosition(ValueError):
    """A position or edit that no editor could apply to the text it was sent for."""


def _starts_and_ends(text: str) -> list[tuple[int, int]]:
    """``(start, end of content)`` of every line; a final break starts one more line."""
    lines = []
    start = 0
    for match in _BREAK.finditer(text):
        lines.append((start, match.start()))
        start = match.end()
    lines.append((start, len(text)))
    return lines


def _units(text: str, encoding: str) -> bytes:
    codec, _ = _CODECS[encoding]
    return text.encode(codec, "surrogatepass")


def offset_at(text: str, line: int, character: int, encoding: str) -> int:
    """The code-point offset in ``text`` of the LSP position ``line:character``."""
    lines = _starts_and_ends(text)
    if not 0 <= line < len(lines) or character < 0:
        raise BadPosition(f"{line}:{character} is outside a text of {len(lines)} lines")
    start, end = lines[line]
    content = text[start:end]
    codec, width = _CODECS[encoding]
    encoded = _units(content, encoding)
    if character * width > len(encoded):
        raise BadPosition(f"{line}:{character} is past the end of line {line} ({content!r})")
    try:
        prefix = encoded[: character * width].decode(codec, "surrogatepass")
    except UnicodeDecodeError as exc:
        raise BadPosition(f"{line}:{character} is inside a character of {content!r}") from exc
    if not content.startswith(prefix):  # half of a surrogate pair decoded alone
        raise BadPosition(f"{line}:{character} is inside a character of {content!r}")
    return start + len(prefix)


def position_at(text: str, offset: int, encoding: str) -> tuple[int, int]:
    """The LSP position ``(line, character)`` of a code-point offset."""
    if not 0 <= offset <= len(text):
        raise BadPosition(f"offset {offset} is outside a text of {len(text)} characters")
    for line, (start, end) in enumerate(_starts_and_ends(text)):
        if start <= offset <= end:
            _, width = _CODECS[encoding]
            return line, len(_units(text[start:offset], encoding)) // width
    raise BadPosition(f"offset {offset} falls inside a line break")


def apply_edits(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Apply replacements given in offsets of ``text`` (all against the same text)."""
    ordered = sorted(edits, key=lambda e: (e[0], e[1]))
    for (_, end, _), (start, _, _) in itertools.pairwise(ordered):
        if start < end:
            raise BadPosition("two edits of one document overlap")
    for start, end, new_text in reversed(ordered):
        text = text[:start] + new_text + text[end:]
    return text


def minimal_change(old: str, new: str) -> tuple[int, int, str]:
    """The one change a diffing client (Neovim) reports for ``old`` → ``new``."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, len(old) - suffix, new[prefix : len(new) - suffix]


def split_change(doc: str, start: int, end: int, text: str) -> list[tuple[int, int, str]]:
    """The change ``doc[start:end] = text`` as two, bottom-up (each in offsets of the
    text before it), the way VS Code reports one applied edit as several content
    changes of one ``didChange``."""
    middle, cut = (start + end) // 2, len(text) // 2
    # Never cut between the "\r" and "\n" of a line break: no position lies there.
    while start < middle and doc[middle - 1] == "\r":
        middle -= 1
    while cut > 0 and text[cut - 1] == "\r":
        cut -= 1
    if (middle, cut) in ((start, 0), (end, len(text))):
        return [(start, end, text)]
    return [(middle, end, text[cut:]), (start, middle, text[:cut])]
