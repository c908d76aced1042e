"""Review proposals in LSP terms: hunk ranges, their JSON, diagnostics and edits.

No handlers here: :mod:`poe_lsp.lsp.review` (the feature) and
:mod:`poe_lsp.lsp.jobs` (``poe/done``) both describe proposals the same way
through these functions.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from poe_lsp.core.review import Hunk, Proposal
from poe_lsp.core.textdoc import Document

from .positions import range_json, range_of
from .server import PoeServer

SOURCE = "poe"
"""The ``source`` of every proposal diagnostic."""


def hunk_range(server: PoeServer, doc: Document, hunk: Hunk) -> types.Range:
    """The hunk's whole lines in the negotiated encoding (empty for an insertion)."""
    return range_of(doc, hunk.span, server.encoding)


def hunks_json(server: PoeServer, proposal: Proposal) -> list[dict[str, Any]]:
    """``[{id, range, newText}]``: the pending hunks, top to bottom."""
    doc = server.documents.get(proposal.uri)
    if doc is None:
        return []
    return [
        {
            "id": hunk.id,
            "range": range_json(hunk_range(server, doc, hunk)),
            "newText": hunk.new_text,
        }
        for hunk in proposal
    ]


def accept_title(proposal: Proposal, hunk: Hunk | None = None) -> str:
    """``Accept change from GPT-5: replace 3 lines with 2`` / ``Accept all changes from GPT-5``."""
    if hunk is None:
        return f"Accept all changes from {proposal.bot}"
    return f"Accept change from {proposal.bot}: {hunk.summary()}"


def reject_title(proposal: Proposal, hunk: Hunk | None = None) -> str:
    """``Reject change from GPT-5: …`` / ``Reject all changes from GPT-5``."""
    return "Reject" + accept_title(proposal, hunk).removeprefix("Accept")


def diagnostic(
    server: PoeServer, doc: Document, proposal: Proposal, hunk: Hunk
) -> types.Diagnostic:
    """The Hint that shows a pending hunk in any client."""
    return types.Diagnostic(
        range=hunk_range(server, doc, hunk),
        severity=types.DiagnosticSeverity.Hint,
        source=SOURCE,
        message=(f"{proposal.bot} proposes: {hunk.summary()} (poe.accept / code action to accept)"),
        data={"jobId": proposal.job_id, "hunk": hunk.id},
    )


def workspace_edit(server: PoeServer, doc: Document, hunks: list[Hunk]) -> types.WorkspaceEdit:
    """One edit accepting ``hunks`` (one undo step), versioned when the client allows it."""
    edits = [
        types.TextEdit(range=hunk_range(server, doc, hunk), new_text=hunk.new_text)
        for hunk in hunks
    ]
    if not server.supports_document_changes():
        return types.WorkspaceEdit(changes={doc.uri: list(edits)})
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=doc.uri, version=doc.version
                ),
                edits=list(edits),
            )
        ]
    )
