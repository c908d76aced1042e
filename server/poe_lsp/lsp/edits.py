"""Writing a job's answer into its target range, without losing the user's text.

The writer owns a :class:`~poe_lsp.core.textdoc.RangeTracker` for the target range.
It sends one edit at a time and waits until the client has echoed it back
(``didChange``) before computing the next, so that every edit is computed for
a document version the server has seen and carries that version.  The
tracker tells our echoes from the user's typing: typing elsewhere moves the
range, typing inside it stops the writer (``conflict``).

Modes (``edits.mode``): ``review`` writes nothing and, when the answer is
complete, hands it to the proposal store (:mod:`poe_lsp.core.review`) as hunks
the user accepts or rejects; ``stream`` rewrites the range as text arrives;
``final`` writes once at the end.  A client without ``workspace.applyEdit``
always gets ``review``.  A ``stream`` job that fails or is cancelled puts the
original text back, unless the user has edited the range since.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types

from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.outcome import Status
from poe_lsp.core.planning import Renderer, code_renderer
from poe_lsp.core.review import Proposal
from poe_lsp.core.textdoc import RangeTracker, Span, minimal_change

if TYPE_CHECKING:
    from .server import PoeServer

log = logging.getLogger(__name__)

EDIT_INTERVAL = 0.05
"""Seconds between two streamed edits of one job."""
ECHO_TIMEOUT = 2.0
"""How long to wait for the client to echo an applied edit back."""
FINAL_ATTEMPTS = 5
"""How often the last edit is retried when the user's typing made it stale."""


class AnswerSource(Protocol):
    """What the writer reads of a job: its answer so far, and a way to stop it."""

    @property
    def id(self) -> str:
        """For the log."""
        ...

    @property
    def text(self) -> str:
        """The whole answer so far."""
        ...

    @property
    def finished(self) -> bool:
        """True once no more text will come."""
        ...

    def cancel(self) -> None:
        """Stop the upstream stream (the user typed inside the range)."""


@dataclass(frozen=True)
class EditTarget:
    """Where an answer goes and how it becomes text there."""

    uri: str
    span: Span
    action: str
    bot: str
    title: str
    """The label of each ``workspace/applyEdit`` (the job's progress title)."""
    render: Renderer | None = None
    """Answer → the range's text; default: code only, fitted to the selection."""
    stream_edits: bool = True
    """Whether ``edits.mode: stream`` may write before the answer is complete."""
    group: str | None = None
    """A compare's id: its answers for one range are alternatives, so they can only
    be proposals (review), kept side by side until one is accepted."""


class EditWriter:
    """Writes one job's answer into its target range."""

    def __init__(self, server: PoeServer, target: EditTarget, answer: AnswerSource) -> None:
        self.server = server
        self.target = target
        self.answer = answer
        self.uri = target.uri
        self.mode = server.settings.edits_mode if server.supports_apply_edit() else "review"
        doc = server.documents.get(self.uri)
        if doc is None:  # the command checked; a close in between is a conflict
            original, line_prefix = "", ""
        else:
            original = doc.text[target.span.start : target.span.end]
            line_start = doc.text.rfind("\n", 0, target.span.start) + 1
            line_prefix = doc.text[line_start : target.span.start]
        self.original = original
        self.line_prefix = line_prefix
        self.render = target.render or code_renderer(original, line_prefix)
        if self.mode == "stream" and not target.stream_edits:
            self.mode = "final"
        if target.group is not None:
            self.mode = "review"
        self.tracker = RangeTracker(target.span, original)
        self.tracker.on_update = self._document_changed
        self._wakeup = asyncio.Event()
        self.conflict_error: PoeError | None = None
        """Why the writer stopped for good: the user's typing in the range, or an
        edit the editor never answered."""
        self.declined = False
        self.proposal: Proposal | None = None
        """In ``review`` mode, what the finished answer proposes."""
        self.written = False
        self.edits_sent = 0
        if doc is None:
            self.tracker.on_close()
        else:
            server.documents.track(self.uri, self.tracker)

    # -- state -------------------------------------------------------------------------

    def wake(self) -> None:
        """Something changed: new text, or the document."""
        self._wakeup.set()

    def _document_changed(self) -> None:
        # The user typed inside the range (or closed the document): stop the
        # upstream stream at once rather than at the bot's next chunk, so no
        # more of the user's points are spent on an answer nobody will see.
        if self.stopped:
            self.answer.cancel()
        self.wake()

    @property
    def stopped(self) -> bool:
        """True once the user edited the range (or closed the document)."""
        if self.tracker.conflict and self.conflict_error is None and not self.tracker.closed:
            self.conflict_error = PoeError(ErrorKind.CONFLICT)
        return self.conflict_error is not None or self.tracker.closed

    def desired(self, *, final: bool) -> str | None:
        """What the range should hold for the answer so far."""
        return self.render(self.answer.text, final)

    # -- streaming ---------------------------------------------------------------------

    async def run(self) -> None:
        """In ``stream`` mode, keep the range in step with the answer until the job ends."""
        if self.mode != "stream":
            return
        last = 0.0
        while not self.answer.finished and not self.stopped:
            await self._wakeup.wait()
            self._wakeup.clear()
            if self.answer.finished or self.stopped:
                return
            wait = last + EDIT_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            desired = self.desired(final=False)
            if desired is None:
                continue
            await self._write(desired)
            last = time.monotonic()

    async def _wait_echo(self) -> None:
        """Wait until the client has echoed our pending edit (or given up on it)."""
        deadline = time.monotonic() + ECHO_TIMEOUT
        while self.tracker.pending and not self.stopped:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning(
                    "%s: the client never echoed edit %d; going on", self.answer.id, self.edits_sent
                )
                self.tracker.cancel_pending()
                return
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)
        # The loop may have eaten a wake-up meant for new text: look again.
        self._wakeup.set()

    async def _write(self, desired: str) -> bool:
        """Make the range hold ``desired``; True once the document holds it."""
        await self._wait_echo()
        if self.stopped:
            return False
        doc = self.server.documents.get(self.uri)
        if doc is None:
            return False
        span = self.tracker.span
        current = doc.text[span.start : span.end]
        if current == desired:
            return True
        changed, new_text = minimal_change(current, desired)
        start, end = changed.start, changed.end
        enc = self.server.encoding
        edit_range = types.Range(
            start=_position(doc.pos_at(span.start + start, enc)),
            end=_position(doc.pos_at(span.start + end, enc)),
        )
        self.tracker.expect(doc.text, desired)
        edit = self._workspace_edit(edit_range, new_text, doc.version)
        self.edits_sent += 1
        params = types.ApplyWorkspaceEditParams(edit=edit, label=self.target.title)
        seconds = self.server.settings.apply_edit_seconds
        try:
            result = await self.server.request_within(types.WORKSPACE_APPLY_EDIT, params, seconds)
        except TimeoutError:
            # The edit may or may not have landed (ALE applies it and never
            # answers): no further edit, no restore, nothing more to wait for.
            log.warning("%s: edit %d was never answered", self.answer.id, self.edits_sent)
            self.tracker.cancel_pending()
            self.conflict_error = PoeError(
                ErrorKind.EDIT_UNANSWERED, detail=f"within {seconds:g} s"
            )
            self.answer.cancel()
            return False
        except Exception:
            log.warning("%s: workspace/applyEdit failed", self.answer.id, exc_info=True)
            self.tracker.cancel_pending()
            return False
        if not result.applied:
            log.info(
                "%s: client did not apply edit %d (%s)",
                self.answer.id,
                self.edits_sent,
                result.failure_reason,
            )
            self.tracker.cancel_pending()
            return False
        self.written = True
        await self._wait_echo()
        doc = self.server.documents.get(self.uri)
        return (
            doc is not None
            and not self.stopped
            and (doc.text[self.tracker.span.start : self.tracker.span.end] == desired)
        )

    def _workspace_edit(
        self, edit_range: types.Range, new_text: str, version: int
    ) -> types.WorkspaceEdit:
        text_edit = types.TextEdit(range=edit_range, new_text=new_text)
        if not self.server.supports_document_changes():
            return types.WorkspaceEdit(changes={self.uri: [text_edit]})
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=self.uri, version=version
                    ),
                    edits=[text_edit],
                )
            ]
        )

    # -- the end -----------------------------------------------------------------------

    async def finish(self, status: Status, task: asyncio.Task[Any]) -> PoeError | None:
        """Write the final answer, or restore the original; return a late failure."""
        self.wake()
        await asyncio.wait([task])
        try:
            return await self._finish(status)
        finally:
            self.server.documents.untrack(self.uri, self.tracker)

    async def _finish(self, status: Status) -> PoeError | None:
        if self.stopped:
            return self.conflict_error
        if status != "done":
            if self.written:
                await self._settle(self.original)
            return None
        desired = self.desired(final=True)
        if desired is None or not desired.strip():
            if self.written:
                await self._settle(self.original)
            what = "documentation" if self.target.action == "document" else "code"
            return PoeError(
                ErrorKind.BOT_FAILED, bot=self.target.bot, detail=f"the answer held no {what}"
            )
        if self.mode == "review":
            self.proposal = self.server.proposals.propose(
                self.answer.id,
                self.uri,
                self.target.bot,
                self.target.action,
                self.tracker.span,
                desired,
                group=self.target.group,
            )
            return None
        if await self._settle(desired):
            return None
        if self.stopped:
            return self.conflict_error
        return PoeError(ErrorKind.EDIT_REJECTED, detail="it was refused several times")

    async def _settle(self, desired: str) -> bool:
        """Write ``desired``, retrying when the user's typing made an edit stale."""
        for _ in range(FINAL_ATTEMPTS):
            if await self._write(desired):
                return True
            if self.stopped:
                return False
        return False


def _position(pos: Any) -> types.Position:
    return types.Position(line=pos.line, character=pos.character)


__all__ = ["AnswerSource", "EditTarget", "EditWriter"]
