"""Text synchronisation: keeps our own copy of every open document.

pygls keeps a copy too, but applies a whole ``didChange`` at once; the range
trackers of running jobs need every content change one by one, with the
document as it was between them, to tell our own edits from the user's.
"""

from __future__ import annotations

from lsprotocol import types

from poe_lsp.core.textdoc import Pos

from .jobs import JobManager
from .positions import to_pos
from .server import PoeServer


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register didOpen / didChange / didClose."""

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PoeServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.documents.open(doc.uri, doc.language_id, doc.version, doc.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PoeServer, params: types.DidChangeTextDocumentParams) -> None:
        changes: list[tuple[Pos | None, Pos | None, str]] = []
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                changes.append((to_pos(change.range.start), to_pos(change.range.end), change.text))
            else:
                changes.append((None, None, change.text))
        ls.documents.change(
            params.text_document.uri, params.text_document.version, changes, ls.encoding
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PoeServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        jobs.forget_document(params.text_document.uri)
        ls.hovers.forget(params.text_document.uri)
