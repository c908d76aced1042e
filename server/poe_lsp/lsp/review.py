"""Review: what every client sees of a proposal, and how it is accepted or rejected.

A proposal (:mod:`poe_lsp.core.review`) reaches each kind of client through
standard LSP, so that any client can act on it:

* ``textDocument/publishDiagnostics``: one Hint per pending hunk, source ``poe``;
* ``textDocument/codeAction`` at a hunk: "Accept …" (carrying its own versioned
  edit and no command, so a client without ``workspace/applyEdit`` can accept)
  and "Reject …" (the command ``poe.reject``) for the hunk, "Accept all …" /
  "Reject all …" for the job;
* ``textDocument/codeLens``: "Accept" and "Reject" above each hunk;
* ``poe.accept`` / ``poe.reject {jobId, hunk?}``: accept is one
  ``workspace/applyEdit`` (one undo step) computed for the document version
  the server holds, so the editor refuses it rather than apply it stale.

Clients that declared ``experimental.poe.stream`` also get ``poe/proposal``
whenever a job's pending hunks change; any other client is told once, with
``window/showMessage``, that a proposal is ready and how to accept it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from lsprotocol import types

from poe_lsp.core.review import REJECTED, Hunk, Proposal
from poe_lsp.core.textdoc import Document

from .arguments import RequestFailed, invalid, shown, the_argument
from .positions import span_of
from .proposals import (
    accept_title,
    diagnostic,
    hunk_range,
    hunks_json,
    reject_title,
    workspace_edit,
)
from .server import PoeServer

log = logging.getLogger(__name__)

REVIEW_KIND = types.CodeActionKind.QuickFix
"""Review actions are quick fixes of the hunk's diagnostic: clients list them
first (VS Code's lightbulb, its diagnostic hover, Neovim, eglot)."""
ECHO_TIMEOUT = 2.0
"""How long ``poe.accept`` waits for the editor to report the accepted change."""


class Review:
    """Publishes proposals to the client and carries out accept and reject."""

    def __init__(self, server: PoeServer) -> None:
        self.server = server
        self._published: dict[str, list[tuple[Any, ...]]] = {}
        self._changed = asyncio.Event()
        server.proposals.on_created = self._created
        server.proposals.on_update = self._updated

    # -- telling the client ------------------------------------------------------------

    def _created(self, proposal: Proposal) -> None:
        server = self.server
        self._publish(proposal.uri, refresh=True)
        if len(proposal):
            self._notify(proposal)
        if not server.stream_capable:
            server.show(types.MessageType.Info, f"poe-lsp: {self._ready_message(proposal)}")

    def _updated(self, proposal: Proposal, gone: Mapping[int, str]) -> None:
        self._changed.set()
        # Moved lenses are the client's to move; gone ones it must be told about.
        self._publish(proposal.uri, refresh=bool(gone))
        if gone:
            self._notify(proposal)

    def _ready_message(self, proposal: Proposal) -> str:
        name = PurePosixPath(proposal.uri).name or proposal.uri
        if not len(proposal):
            return f"{proposal.bot} proposes no change to {shown(name)}."
        count = "a change" if len(proposal) == 1 else f"{len(proposal)} changes"
        first = next(iter(proposal))
        doc = self.server.documents.get(proposal.uri)
        line = hunk_range(self.server, doc, first).start.line + 1 if doc else 0
        return (
            f"{proposal.bot} proposes {count} to {shown(name)} (from line {line}), shown as "
            f'hints. Accept with the code action "{accept_title(proposal, first)}" at a '
            f'change (or "Accept all changes from {proposal.bot}"), or run poe.accept '
            f'{{"jobId": "{proposal.job_id}"}}; nothing is written until you do.'
        )

    def _notify(self, proposal: Proposal) -> None:
        """``poe/proposal`` for clients that render proposals themselves."""
        if not self.server.stream_capable:
            return
        self.server.protocol.notify(
            "poe/proposal",
            {
                "jobId": proposal.job_id,
                "uri": proposal.uri,
                "bot": proposal.bot,
                "action": proposal.action,
                "hunks": hunks_json(self.server, proposal),
            },
        )

    def _publish(self, uri: str, *, refresh: bool) -> None:
        """Publish the document's hunks as diagnostics, if they look different now,
        and (``refresh``) have clients that can ask for the code lenses again."""
        server = self.server
        doc = server.documents.get(uri)
        diagnostics: list[types.Diagnostic] = []
        if doc is not None:
            for proposal in server.proposals.in_document(uri):
                diagnostics += [diagnostic(server, doc, proposal, hunk) for hunk in proposal]
        key = [(d.range, d.message, str(d.data)) for d in diagnostics]
        if self._published.get(uri, []) == key:
            return
        if key:
            self._published[uri] = key
        else:
            self._published.pop(uri, None)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=diagnostics, version=doc.version if doc else None
            )
        )
        if refresh and server.supports_code_lens_refresh():
            future = server.workspace_code_lens_refresh(None)
            future.add_done_callback(_quietly)

    # -- what the user can do ------------------------------------------------------------

    def _pick(self, command: str, arg: Mapping[str, Any]) -> tuple[Proposal, list[Hunk]]:
        job_id = arg.get("jobId")
        if not isinstance(job_id, str) or not job_id:
            raise invalid(f"{command} needs a 'jobId': the id of the job whose proposal it is.")
        proposal = self.server.proposals.get(job_id)
        if proposal is None:
            raise invalid(
                f"{command}: job {shown(job_id, 100)!r} has no pending proposal; it was "
                "accepted, rejected or replaced, its lines were edited, or it proposed nothing."
            )
        hunk_id = arg.get("hunk")
        if hunk_id is None:
            return proposal, proposal.pending()
        if not isinstance(hunk_id, int) or isinstance(hunk_id, bool):
            raise invalid(
                f"{command}: 'hunk' must be the id (a whole number) of one of the proposal's "
                "hunks; leave it out for all of them."
            )
        if hunk_id not in proposal.hunks:
            pending = ", ".join(str(h.id) for h in proposal)
            raise invalid(
                f"{command}: job {job_id} has no pending hunk {hunk_id} (it was accepted, "
                f"rejected, or dropped because its lines were edited); its pending hunks "
                f"are {pending}."
            )
        return proposal, proposal.pending([hunk_id])

    async def accept(self, server: PoeServer, params: types.ExecuteCommandParams) -> Any:
        """``poe.accept {jobId, hunk?}``: one ``workspace/applyEdit`` for the hunk (or all)."""
        command = "poe.accept"
        proposal, hunks = self._pick(command, the_argument(command, params))
        if not server.supports_apply_edit():
            raise RequestFailed(
                message=(
                    f"{command}: this editor does not take edits from a language server "
                    "(workspace.applyEdit); accept with the code action "
                    f'"{accept_title(proposal)}".'
                )
            )
        doc = server.documents.get(proposal.uri)
        if doc is None:  # closing a document drops its proposals: not reached
            raise invalid(f"{command}: the document is not open any more.")
        ids = [hunk.id for hunk in hunks]
        edit = workspace_edit(server, doc, hunks)
        title = accept_title(proposal, hunks[0] if len(hunks) == 1 else None)
        request = types.ApplyWorkspaceEditParams(edit=edit, label=title)
        seconds = server.settings.apply_edit_seconds
        try:
            result = await server.request_within(types.WORKSPACE_APPLY_EDIT, request, seconds)
        except TimeoutError:
            # An editor that applies edits without answering (ALE forced on) has
            # still sent its didChange: the hunks it accepted are gone by now.
            if not any(hunk_id in proposal.hunks for hunk_id in ids):
                return {"jobId": proposal.job_id, "accepted": ids}
            raise RequestFailed(
                message=f"{command}: the editor did not answer the edit within {seconds:g} s."
            ) from None
        except Exception:
            log.warning("%s: workspace/applyEdit failed", proposal.job_id, exc_info=True)
            raise RequestFailed(message=f"{command}: the editor did not take the edit.") from None
        if result.applied:
            await self._wait_accepted(proposal, ids)
        if not result.applied or any(hunk_id in proposal.hunks for hunk_id in ids):
            # A stale edit: the editor refused it (or, like Neovim, skipped it).
            raise invalid(
                f"{command}: the document changed before the edit reached the editor, so "
                "nothing was changed; the proposal follows your edits: accept it again."
            )
        return {"jobId": proposal.job_id, "accepted": ids}

    async def _wait_accepted(self, proposal: Proposal, ids: list[int]) -> None:
        """Wait until the editor's ``didChange`` for the edit has been seen (or give up)."""
        deadline = time.monotonic() + ECHO_TIMEOUT
        while any(hunk_id in proposal.hunks for hunk_id in ids):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.info("%s: no echo of the accepted hunks %s", proposal.job_id, ids)
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def reject(self, server: PoeServer, params: types.ExecuteCommandParams) -> Any:
        """``poe.reject {jobId, hunk?}``: forget the hunk (or all); the document is untouched."""
        proposal, hunks = self._pick("poe.reject", the_argument("poe.reject", params))
        ids = [hunk.id for hunk in hunks]
        proposal.remove(ids, REJECTED)
        return {"jobId": proposal.job_id, "rejected": ids}

    # -- code actions and lenses ----------------------------------------------------------

    def code_actions(self, server: PoeServer, params: types.CodeActionParams) -> list[Any]:
        """Accept / Reject for the hunks at the range, and for their whole jobs."""
        uri = params.text_document.uri
        doc = server.documents.get(uri)
        if doc is None:
            return []
        span = span_of(doc, params.range, server.encoding)
        first = doc.pos_at(span.start, "utf-32").line
        last = doc.pos_at(span.end, "utf-32").line
        if span.end > span.start and doc.line_start(last) == span.end:
            last -= 1  # a linewise selection ends at the start of the next line
        found: list[types.CodeAction] = []
        for proposal in server.proposals.in_document(uri):
            here = [hunk for hunk in proposal if _on_lines(doc, hunk, first, last)]
            if not here:
                continue
            for hunk in here:
                hint = diagnostic(server, doc, proposal, hunk)
                found.append(
                    types.CodeAction(
                        title=accept_title(proposal, hunk),
                        kind=REVIEW_KIND,
                        diagnostics=[hint],
                        is_preferred=True,
                        edit=workspace_edit(server, doc, [hunk]),
                    )
                )
                found.append(self._reject_action(proposal, hunk, [hint]))
            found.append(
                types.CodeAction(
                    title=accept_title(proposal),
                    kind=REVIEW_KIND,
                    edit=workspace_edit(server, doc, proposal.pending()),
                )
            )
            found.append(self._reject_action(proposal, None, None))
        return found

    def _reject_action(
        self, proposal: Proposal, hunk: Hunk | None, hints: list[types.Diagnostic] | None
    ) -> types.CodeAction:
        title = reject_title(proposal, hunk)
        argument: dict[str, Any] = {"jobId": proposal.job_id}
        if hunk is not None:
            argument["hunk"] = hunk.id
        return types.CodeAction(
            title=title,
            kind=REVIEW_KIND,
            diagnostics=hints,
            command=types.Command(title=title, command="poe.reject", arguments=[argument]),
        )

    def code_lenses(self, server: PoeServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        """ "Accept" and "Reject" above every pending hunk of the document."""
        doc = server.documents.get(params.text_document.uri)
        if doc is None:
            return []
        lenses: list[types.CodeLens] = []
        for proposal in server.proposals.in_document(doc.uri):
            for hunk in proposal:
                where = hunk_range(server, doc, hunk)
                argument = {"jobId": proposal.job_id, "hunk": hunk.id}
                for title, command in (("Accept", "poe.accept"), ("Reject", "poe.reject")):
                    lenses.append(
                        types.CodeLens(
                            range=where,
                            command=types.Command(
                                title=title, command=command, arguments=[argument]
                            ),
                        )
                    )
        return lenses


def _on_lines(doc: Document, hunk: Hunk, first: int, last: int) -> bool:
    """Whether the hunk's lines meet lines ``first``..``last`` (an insertion: its line)."""
    start = doc.pos_at(hunk.span.start, "utf-32").line
    end = doc.pos_at(max(hunk.span.start, hunk.span.end - 1), "utf-32").line
    return start <= last and first <= end


def _quietly(future: concurrent.futures.Future[None]) -> None:
    """A refresh the client did not answer is no failure of ours."""
    if not future.cancelled() and future.exception() is not None:
        log.debug("workspace/codeLens/refresh failed: %s", future.exception())


def setup(server: PoeServer) -> Review:
    """Register ``poe.accept``, ``poe.reject`` and ``textDocument/codeLens``; publish
    proposals as they come.  The code actions are handed to the code-action feature."""
    review = Review(server)
    server.register_command("poe.accept", review.accept)
    server.register_command("poe.reject", review.reject)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(ls: PoeServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        return review.code_lenses(ls, params)

    return review


__all__ = ["REVIEW_KIND", "Review", "setup"]
