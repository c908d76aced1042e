"""Hover: a finished explanation, anywhere inside its range, until that text changes."""

from __future__ import annotations

from lsprotocol import types

from .positions import offset_of, range_of
from .server import PoeServer


def setup(server: PoeServer) -> None:
    """Register ``textDocument/hover``."""

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: PoeServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        pos = params.position
        if pos.line < 0 or pos.character < 0 or pos.line > doc.line_count():
            return None
        offset = offset_of(doc, pos, ls.encoding)
        region = ls.hovers.at(doc.uri, offset)
        if region is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=region.text),
            range=range_of(doc, region.span, ls.encoding),
        )
