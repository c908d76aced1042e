"""What a frame too big to read is about, found while its bytes stream past.

A frame over the size limit (see ``framing.MAX_FRAME``) is never held in
memory: it is read in chunks and thrown away.  To answer it properly the
server still needs a few top-level facts — the request's ``id`` (to send the
error to), its ``method`` (for the log and the message) and, for a document
notification, ``params.textDocument.uri`` (to stop following a document whose
change was lost).  JSON does not order keys, so these may come after a huge
``params``: :class:`FrameScan` follows the structure of the whole body with a
few bytes of state, keeping only those values (each at most
:data:`MAX_VALUE` bytes).  Long strings and nested values it is not looking
for are skipped by regular expressions, not byte by byte in Python.

This module imports nothing from pygls or lsprotocol.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

WANTED: frozenset[tuple[str, ...]] = frozenset(
    {("id",), ("method",), ("params", "textDocument", "uri")}
)
"""The key paths whose values are kept."""
MAX_VALUE = 64 * 1024
"""Bytes; a longer value (or key) is not kept, as if it were absent."""
MAX_MEMBERS = 1000
"""Members of one object on a wanted path (an LSP message has four or five);
past this the scan stops, rather than capture every key of a flood."""

_SPACE = re.compile(rb"[ \t\r\n]*")
# The rest of a string after its opening quote: stops at the closing quote, or
# before a backslash that ends the chunk (its escaped byte is in the next one).
_STRING = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
_LITERAL = re.compile(rb'[^ \t\r\n,:{}\[\]"]*')
# Inside a value nobody wants, whole runs of text, complete strings and values
# nested up to two levels deep are passed over in one match (atomic groups keep
# a failed match linear); only deeper brackets are counted one run at a time.
_FLAT = rb'(?>[^"{}\[\]]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")'
_ONE = rb"(?>" + _FLAT + rb"|\{" + _FLAT + rb"*+\}|\[" + _FLAT + rb"*+\])"
_TWO = rb"(?>" + _ONE + rb"|\{" + _ONE + rb"*+\}|\[" + _ONE + rb"*+\])"
_BALANCED = re.compile(_TWO + rb"*+", re.DOTALL)
_OPENS = re.compile(rb"[{\[]++")
_CLOSES = re.compile(rb"[}\]]++")
_PREFIXES = frozenset(path[:n] for path in WANTED for n in range(len(path)))


@dataclass
class _Object:
    """An object whose path leads towards a wanted value."""

    path: tuple[str, ...]
    key: str | None = None
    expect_key: bool = True
    members: int = 0


@dataclass
class FrameScan:
    """Feed a frame's body in chunks; read :meth:`values` at the end."""

    _stack: list[_Object] = field(default_factory=list)
    _done: bool = False
    _skip: int = 0  # depth inside a value nobody wants
    _in_string: bool = False
    _in_literal: bool = False
    _escape: bool = False
    _is_key: bool = False
    _capture: bytearray | None = None
    _raw: dict[tuple[str, ...], bytes] = field(default_factory=dict)

    def feed(self, chunk: bytes) -> None:
        """Scan the next part of the body."""
        i, end = 0, len(chunk)
        while i < end and not self._done:
            if self._in_string:
                i = self._string(chunk, i)
            elif self._in_literal:
                i = self._literal(chunk, i)
            elif self._skip:
                i = self._skipped(chunk, i)
            else:
                i = self._structure(chunk, _SPACE.match(chunk, i).end())  # type: ignore[union-attr]

    def values(self) -> dict[tuple[str, ...], Any]:
        """The wanted values seen at the top of the body (decoded JSON scalars)."""
        found: dict[tuple[str, ...], Any] = {}
        for path, raw in self._raw.items():
            try:
                found[path] = json.loads(raw)
            except ValueError:
                continue
        return found

    # -- the states --------------------------------------------------------------------

    def _keep(self, data: bytes) -> None:
        if self._capture is not None:
            if len(self._capture) + len(data) > MAX_VALUE:
                self._capture = None
            else:
                self._capture += data

    def _leaf(self) -> tuple[str, ...] | None:
        top = self._stack[-1]
        if top.key is None:
            return None
        path = (*top.path, top.key)
        return path if path in WANTED else None

    def _string(self, chunk: bytes, i: int) -> int:
        if self._escape:
            self._escape = False
            self._keep(b"\\" + chunk[i : i + 1])
            i += 1
        end = _STRING.match(chunk, i).end()  # type: ignore[union-attr]
        self._keep(chunk[i:end])
        if end == len(chunk):
            return end
        if chunk[end : end + 1] == b"\\":  # a backslash ends the chunk
            self._escape = True
            return end + 1
        self._in_string = False
        self._closed_string()
        return end + 1

    def _closed_string(self) -> None:
        capture, self._capture = self._capture, None
        if self._skip or not self._stack:
            return
        top = self._stack[-1]
        if self._is_key:
            top.key = _decode_key(capture)
        elif capture is not None and (leaf := self._leaf()) is not None:
            self._raw[leaf] = b'"' + bytes(capture) + b'"'

    def _literal(self, chunk: bytes, i: int) -> int:
        end = _LITERAL.match(chunk, i).end()  # type: ignore[union-attr]
        self._keep(chunk[i:end])
        if end < len(chunk):
            self._in_literal = False
            capture, self._capture = self._capture, None
            if capture is not None and (leaf := self._leaf()) is not None:
                self._raw[leaf] = bytes(capture)
        return end

    def _skipped(self, chunk: bytes, i: int) -> int:
        i = _BALANCED.match(chunk, i).end()  # type: ignore[union-attr]
        if i == len(chunk):
            return i
        if chunk[i : i + 1] == b'"':  # a string that goes on in the next chunk
            self._in_string, self._is_key, self._capture = True, False, None
            return i + 1
        if opens := _OPENS.match(chunk, i):
            self._skip += opens.end() - i
            return opens.end()
        closes = min(_CLOSES.match(chunk, i).end() - i, self._skip)  # type: ignore[union-attr]
        self._skip -= closes
        return i + closes

    def _structure(self, chunk: bytes, i: int) -> int:
        if i == len(chunk):
            return i
        char = chunk[i : i + 1]
        if not self._stack:
            # The body's first value: an object to look into, or nothing to find.
            if char == b"{":
                self._stack.append(_Object(()))
            else:
                self._done = True
            return i + 1
        top = self._stack[-1]
        if char == b'"':
            self._in_string, self._is_key = True, top.expect_key
            wanted = top.expect_key or self._leaf() is not None
            self._capture = bytearray() if wanted else None
        elif char == b":":
            top.expect_key = False
        elif char == b",":
            top.key, top.expect_key = None, True
            top.members += 1
            self._done = top.members > MAX_MEMBERS
        elif char == b"{" and top.key is not None and (*top.path, top.key) in _PREFIXES:
            self._stack.append(_Object((*top.path, top.key)))
        elif char in (b"{", b"["):
            self._skip = 1
        elif char in (b"}", b"]"):
            self._stack.pop()
            self._done = not self._stack
        else:
            self._in_literal = True
            self._capture = bytearray() if self._leaf() is not None else None
            return i
        return i + 1


def _decode_key(raw: bytearray | None) -> str | None:
    if raw is None:
        return None
    try:
        key = json.loads(b'"' + bytes(raw) + b'"')
    except ValueError:
        return None
    return key if isinstance(key, str) else None
