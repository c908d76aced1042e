"""LSP positions and ranges ↔ offsets in a document: the one translation.

Offsets are indices into the document's text (Python characters); LSP
positions count code units of the negotiated encoding.  The arithmetic lives
in :mod:`poe_lsp.core.textdoc`; this module only converts lsprotocol types.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from poe_lsp.core.textdoc import Document, Encoding, Pos, Span


def to_pos(position: types.Position) -> Pos:
    """An lsprotocol position as the core's ``Pos``."""
    return Pos(position.line, position.character)


def to_position(pos: Pos) -> types.Position:
    """The core's ``Pos`` as an lsprotocol position."""
    return types.Position(line=pos.line, character=pos.character)


def offset_of(doc: Document, position: types.Position, encoding: Encoding) -> int:
    """The offset of an LSP position (clamped to the document, as LSP asks)."""
    return doc.offset_at(to_pos(position), encoding)


def span_of(doc: Document, rng: types.Range, encoding: Encoding) -> Span:
    """The offsets an LSP range covers; a range given end first covers the same
    text (clients send such ranges, and a request must not fail on one)."""
    start, end = offset_of(doc, rng.start, encoding), offset_of(doc, rng.end, encoding)
    return Span(min(start, end), max(start, end))


def range_of(doc: Document, span: Span, encoding: Encoding) -> types.Range:
    """The LSP range of a span of offsets."""
    start, end = doc.range_of(span, encoding)
    return types.Range(start=to_position(start), end=to_position(end))


def range_json(rng: types.Range) -> dict[str, Any]:
    """An LSP range as the plain JSON object a command argument carries."""
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }
