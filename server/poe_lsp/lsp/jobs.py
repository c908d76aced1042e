"""Jobs: one request to a bot, from the command that starts it to ``poe/done``.

A job runs as one background task that

1. asks the user's consent if the bot is not one their own settings name, and
   if the workspace's settings raise the job's cost over their own
   (:mod:`poe_lsp.cost`; refused, the job goes on with the user's values),
2. streams the answer from Poe (an inner task, so that cancelling it closes
   the upstream HTTP stream while the job still finishes cleanly),
3. publishes what arrives — ``poe/stream``, and ``$/progress`` reports that
   say how much has arrived (never the answer's text: clients show them in
   their status lines) — coalesced to at most 20 a second, the first chunk at
   once; the progress begins once the first chunk is back or after
   :data:`PROGRESS_DELAY` (its creation is a round trip to the editor, which
   the request to Poe does not wait for),
4. delivers the result: edits through :class:`poe_lsp.lsp.edits.EditWriter`, or an
   explanation kept for hover and shown to clients that do not stream
   (:mod:`poe_lsp.lsp.explanations`),
5. ends the progress and sends exactly one ``poe/done`` after its last edit.

``poe/*`` notifications go only to clients that declared
``experimental.poe.stream``; the others get standard LSP only (progress, edits,
hover, ``window/showMessage``), and a failure reaches each client once: in
``poe/done`` or as a message.

Why one module of this length: a job's life (consent, stream, publish,
progress, delivery) is one sequence whose steps share the job's state;
splitting it would pass that state between modules for no reader's gain.
Features add to a job's life through :class:`JobHooks`
(usage, budget, follow-ups) rather than by growing this sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from poe_lsp.core import outcome
from poe_lsp.core.conversation import Turn
from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.outcome import Status
from poe_lsp.core.planning import Renderer
from poe_lsp.core.textdoc import HoverRegion, Span
from poe_lsp.poe.pipeline import AnswerRequest, AnswerTooLong, stream_answer

from . import explanations
from .consent import Consent
from .edits import EditTarget, EditWriter
from .proposals import hunks_json

if TYPE_CHECKING:
    from poe_lsp.core.cost import Raise
    from poe_lsp.core.symbols import ContextBlock
    from poe_lsp.core.textdoc import Document
    from poe_lsp.poe.attachments import FileToAttach

    from .server import PoeServer

log = logging.getLogger(__name__)

STREAM_INTERVAL = 0.051
"""Seconds between two ``poe/stream`` notifications of one job (at most 20 a second)."""
PROGRESS_DELAY = 0.05
"""Seconds a job waits for its first chunk before it creates its progress token."""

_ids = itertools.count(1)


@dataclass(frozen=True)
class Prepared:
    """What a job sends, prepared from the settings it runs with."""

    prompt: str
    parameters: dict[str, Any]
    attachments: tuple[FileToAttach, ...]
    answer_max_chars: int
    complete: Callable[[Sequence[ContextBlock]], str] | None = None
    """The prompt again with context gathered just before sending, within the same budget."""


LateContext = Callable[[], Awaitable[Sequence["ContextBlock"]]]
"""Gathers context just before a job sends (workspace definitions); bounded in time."""


@dataclass(frozen=True)
class CostQuestion:
    """Raises of the workspace's settings the user has not answered yet."""

    items: tuple[Raise, ...]
    if_refused: Prepared | PoeError
    """What the job sends if the user refuses, or the error it fails with then."""


@dataclass
class JobSpec:
    """What a command asked for, validated."""

    action: str
    uri: str
    span: Span
    bot: str
    prompt: str
    parameters: dict[str, Any]
    edits: bool
    title: str
    work_done_token: int | str | None = None
    render: Renderer | None = None
    """Turns the answer into the target range's text (default: code only, fitted)."""
    stream_edits: bool = True
    """Whether ``edits.mode: stream`` may write before the answer is complete."""
    attachments: tuple[FileToAttach, ...] = ()
    """Files uploaded and attached to the message before the prompt is sent."""
    answer_max_chars: int = 200000
    """The longest answer read (``answer.maxChars`` as this job runs with it)."""
    cost_question: CostQuestion | None = None
    """Asked before anything is sent; ``None`` when there is nothing to ask."""
    compare_id: str | None = None
    """The ``poe.compare`` this job is one answer of (carried by its notifications)."""
    gate: asyncio.Future[PoeError | None] | None = None
    """Awaited before anything is sent: a compare's consent, shared by its jobs
    (an error fails the job unsent)."""
    history: tuple[Turn, ...] = ()
    """The conversation ``prompt`` continues (a follow-up's), oldest first."""
    late_context: LateContext | None = None
    """Context gathered after the command answered, added by ``complete``."""
    complete: Callable[[Sequence[ContextBlock]], str] | None = None

    def use(self, prepared: Prepared) -> None:
        """Send ``prepared`` instead of what the spec was made with."""
        self.prompt = prepared.prompt
        self.parameters = prepared.parameters
        self.attachments = prepared.attachments
        self.answer_max_chars = prepared.answer_max_chars
        self.complete = prepared.complete


@dataclass
class Job:
    """A running (or finished) job."""

    spec: JobSpec
    id: str = field(default_factory=lambda: f"poe-{next(_ids)}-{uuid.uuid4().hex[:8]}")
    text: str = ""
    sent_text: str = ""
    notified_at: float = -1.0
    """When the last ``poe/stream`` went out (``time.monotonic()``)."""
    answering: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    """Resolved when the first text arrives."""
    notice: str | None = None
    """The latest retry notice (a progress that begins after it begins with it)."""
    status: Status | None = None
    error: str | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False
    stream_task: asyncio.Task[None] | None = None
    writer: EditWriter | None = None
    region: HoverRegion | None = None
    progress_token: int | str | None = None
    started: float = field(default_factory=time.monotonic)
    superseded: bool = False
    """Another answer of its compare was used: this one ends ``cancelled``, quietly."""

    def cancel(self) -> None:
        """Stop the upstream stream; the job then finishes as ``cancelled``."""
        if self.stream_task is not None and not self.stream_task.done():
            self.stream_task.cancel()


class JobHooks:
    """What a feature may add to every job's life (cost and budget do); no-ops here."""

    async def before_send(self, job: Job) -> None:
        """After consent, before anything is sent: raise :class:`PoeError` to fail the
        job or :class:`asyncio.CancelledError` to cancel it, nothing sent."""

    def sent(self, job: Job) -> None:
        """The job's request is about to go out."""

    async def explain_failure(self, job: Job, error: PoeError) -> PoeError:
        """The error the job fails with, given the one Poe's answer raised."""
        return error

    def finished(self, job: Job) -> None:
        """The job's status is decided (``job.status``), before its ``poe/done``."""

    async def end_note(self, job: Job) -> str | None:
        """A few words added to a plain client's progress ``end`` (briefly awaited)."""
        return None

    async def aclose(self) -> None:
        """At shutdown: release what the hook holds."""


def progress_status(characters: int, seconds: float) -> str:
    """A progress report's message: how much has arrived, and since when."""
    unit = "character" if characters == 1 else "characters"
    return f"{characters:,} {unit} · {seconds:.1f} s"


class JobManager:
    """Starts, tracks and cancels jobs."""

    def __init__(self, server: PoeServer) -> None:
        self.server = server
        self.running: dict[str, Job] = {}
        self.consent = Consent(server)
        self.hooks: list[JobHooks] = []
        """Features' additions to every job (see :class:`JobHooks`)."""
        self.late_context: Callable[[Document, Span, Sequence[ContextBlock]], LateContext | None]
        self.late_context = lambda _doc, _span, _covered: None
        """What a job on ``(document, selection)`` gathers before it sends, given the
        client's own context blocks (set by :mod:`poe_lsp.lsp.workspace`)."""

    def start(self, spec: JobSpec) -> Job:
        """Register a job and run it in the background."""
        job = Job(spec)
        if spec.edits:
            target = EditTarget(
                uri=spec.uri,
                span=spec.span,
                action=spec.action,
                bot=spec.bot,
                title=spec.title,
                render=spec.render,
                stream_edits=spec.stream_edits,
                group=spec.compare_id,
            )
            job.writer = EditWriter(self.server, target, job)
        else:
            job.region = self.server.hovers.follow(spec.uri, spec.span)
        self.running[job.id] = job
        # The request to Poe goes out right after the command's reply; the progress
        # and the notifications follow while it is on its way.
        replied = asyncio.Event()
        self.server.after_reply(replied.set)
        job.stream_task = asyncio.get_running_loop().create_task(self._stream(job, replied))
        self.server.run_task(self._run(job, job.stream_task), f"job {job.id}")
        return job

    @property
    def pending_consents(self) -> int:
        """Consent questions still waiting for the user's answer."""
        return self.consent.pending

    def editing_job_overlapping(self, uri: str, span: Span, group: str | None = None) -> Job | None:
        """A running editing job whose target overlaps ``span``, if any (the jobs of
        the compare ``group`` are alternatives, not rivals: they do not count)."""
        for job in self.running.values():
            if job.writer is None or job.spec.uri != uri or job.finished:
                continue
            if group is not None and job.spec.compare_id == group:
                continue
            current = job.writer.tracker.span
            if span.start < current.end and current.start < span.end:
                return job
            if span == current:
                return job
        return None

    def cancel(self, job_id: str) -> bool:
        """Cancel one job; False if it is not running."""
        job = self.running.get(job_id)
        if job is None:
            return False
        job.cancel()
        return True

    def supersede(self, compare_id: str, chosen: str) -> None:
        """One answer of a compare was used: the others still running are not needed
        (their range now holds the chosen text): stop them, as cancelled."""
        for job in list(self.running.values()):
            if job.spec.compare_id == compare_id and job.id != chosen:
                job.superseded = True
                job.cancel()

    def cancel_all(self) -> list[str]:
        """Cancel every running job and return their ids."""
        ids = list(self.running)
        for job in list(self.running.values()):
            job.cancel()
        return ids

    def forget_document(self, uri: str) -> None:
        """A document closed: its editing jobs stop; explanations may finish."""
        for job in list(self.running.values()):
            if job.spec.uri == uri and job.writer is not None:
                job.cancel()

    # -- the life of a job -------------------------------------------------------------

    async def _run(self, job: Job, streaming: asyncio.Task[None]) -> None:
        spec = job.spec
        started = time.perf_counter()
        publisher = self.server.run_task(self._publish(job), f"publish {job.id}")
        writer_task = (
            self.server.run_task(job.writer.run(), f"edits {job.id}") if job.writer else None
        )
        stream = outcome.Outcome("done")
        conflict: PoeError | None = None
        try:
            if spec.work_done_token is None:
                # Creating a progress token is a round trip to the client; in flight
                # while the first chunk comes back, it would delay it.  So the
                # answer does not wait for it, and it waits for the first chunk
                # (or PROGRESS_DELAY: a delay no one sees).  Reports wait for it.
                await asyncio.wait([streaming, job.answering], timeout=PROGRESS_DELAY)
            await self._begin_progress(job)
            await asyncio.wait([streaming])
            cancelled = streaming.cancelled()
            exc = None if cancelled else streaming.exception()
            stream = outcome.of_stream(spec.bot, cancelled=cancelled, exc=exc)
            if job.writer is not None:
                conflict = job.writer.conflict_error
        finally:
            job.finished = True
            job.changed.set()
            await asyncio.wait([publisher])
            delivery: PoeError | None = None
            if job.writer is not None and writer_task is not None:
                if conflict is None:
                    delivery = await job.writer.finish(stream.status, writer_task)
                else:
                    await job.writer.finish("failed", writer_task)
            result = outcome.decide(
                stream,
                conflict=conflict,
                delivery=delivery,
                declined=job.writer is not None and job.writer.declined,
            )
            if job.superseded:
                result = outcome.Outcome("cancelled")
            status, error = result.status, result.error
            self.running.pop(job.id, None)
            job.status = status
            job.error = error.message if error else None
            for hook in self.hooks:
                try:
                    hook.finished(job)
                except Exception:
                    log.exception("%s: a finished-job hook failed", job.id)
            log.info(
                "job %s %s %s in %.2fs (%d chars)",
                job.id,
                spec.action,
                status,
                time.perf_counter() - started,
                len(job.text),
            )
            self._deliver(job, error)

    async def _stream(self, job: Job, replied: asyncio.Event) -> None:
        await replied.wait()
        spec = job.spec
        if spec.gate is not None:
            # Shielded: the gate is the whole compare's; cancelling one job leaves it.
            not_allowed = await asyncio.shield(spec.gate)
            if not_allowed is not None:
                raise not_allowed
        if not await self.consent.bot_allowed(spec.bot):
            raise PoeError(ErrorKind.NOT_ALLOWED, bot=spec.bot)
        if spec.cost_question is not None and not await self.consent.costs_allowed(
            spec.cost_question.items
        ):
            refused = spec.cost_question.if_refused
            if isinstance(refused, PoeError):
                raise refused
            log.info("%s: the workspace's cost raises were not allowed; own values", job.id)
            spec.use(refused)
        for hook in self.hooks:
            await hook.before_send(job)
        if spec.late_context is not None and spec.complete is not None:
            # Here, not in the command: the command answers at once (contract §4).
            spec.prompt = spec.complete(await spec.late_context())
        settings = self.server.settings

        told = False

        def on_retry(err: PoeError, delay: float) -> None:
            nonlocal told
            notice = f"{err.message} Retrying in {delay:.0f} s…"
            log.info("%s: %s", job.id, notice)
            job.notice = notice
            if job.progress_token is not None:
                self._report(job, notice)
            elif (
                not self.server.supports_progress()
                and not told
                and err.kind is ErrorKind.RATE_LIMITED
            ):
                told = True
                self.server.show(types.MessageType.Info, f"poe-lsp: {notice}")

        def warn(message: str) -> None:
            log.warning("%s: %s", job.id, message)
            self.server.show(types.MessageType.Warning, f"poe-lsp: {message}")

        request = dataclasses.replace(
            AnswerRequest.from_settings(
                settings,
                spec.bot,
                spec.prompt,
                spec.parameters,
                spec.attachments,
                history=spec.history,
            ),
            # The cap the job runs with: the workspace's only if the user allowed it.
            max_chars=spec.answer_max_chars,
        )
        answers = stream_answer(
            self.server.poe_client,
            self.server.uploader if spec.attachments else None,
            request,
            progress=lambda message: self._report(job, message),
            warn=warn,
            on_retry=on_retry,
        )
        for hook in self.hooks:
            hook.sent(job)
        try:
            async with contextlib.aclosing(answers) as stream:
                async for text in stream:
                    job.text = text
                    if text and not job.answering.done():
                        # The first chunk goes out now, not after a switch to the publisher.
                        self._notify_stream(job)
                        job.answering.set_result(None)
                    job.changed.set()
                    if job.writer is not None:
                        job.writer.wake()
                        if job.writer.stopped:
                            break
        except AnswerTooLong as exc:
            # Shown up to the cap (poe/stream, poe/done); the writer is not woken:
            # a truncated answer never reaches the document.
            job.text = exc.partial
            job.changed.set()
            raise
        except PoeError as exc:
            explained = exc
            for hook in self.hooks:
                explained = await hook.explain_failure(job, explained)
            if explained is exc:
                raise
            raise explained from exc

    # -- publishing -------------------------------------------------------------------------

    async def _publish(self, job: Job) -> None:
        """Send ``poe/stream`` and progress reports, at most 20 a second."""
        while True:
            await job.changed.wait()
            job.changed.clear()
            if job.text == job.sent_text and not job.finished:
                # Already sent (the first chunk goes out from the stream): waiting
                # out the interval now would hold back the job's end.
                continue
            wait = job.notified_at + STREAM_INTERVAL - time.monotonic()
            if wait > 0 and not job.finished:
                await asyncio.sleep(wait)
                job.changed.clear()
            if job.text != job.sent_text:
                self._notify_stream(job)
            if job.finished:
                return

    def _range_payload(self, job: Job) -> dict[str, Any]:
        doc = self.server.documents.get(job.spec.uri)
        if job.writer is not None:
            span = job.writer.tracker.span
        elif job.region is not None:
            span = job.region.span
        else:
            span = job.spec.span
        if doc is None:
            return {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
        enc = self.server.encoding
        end = min(span.end, len(doc.text))
        start_pos, end_pos = doc.pos_at(min(span.start, end), enc), doc.pos_at(end, enc)
        return {
            "start": {"line": start_pos.line, "character": start_pos.character},
            "end": {"line": end_pos.line, "character": end_pos.character},
        }

    def _payload(self, job: Job) -> dict[str, Any]:
        return {
            "jobId": job.id,
            "action": job.spec.action,
            "uri": job.spec.uri,
            "range": self._range_payload(job),
            "bot": job.spec.bot,
            **({"compareId": job.spec.compare_id} if job.spec.compare_id else {}),
        }

    def _notify_stream(self, job: Job) -> None:
        text = job.text
        # After a replace_response the new text is no extension of the old: a
        # client that sees a text that does not extend what it has starts over.
        delta = text[len(job.sent_text) :] if text.startswith(job.sent_text) else text
        job.sent_text = text
        if self.server.renders_jobs:
            self.server.protocol.notify(
                "poe/stream", {**self._payload(job), "delta": delta, "text": text}
            )
        job.notified_at = time.monotonic()
        self._report(job, progress_status(len(text), time.monotonic() - job.started))

    # -- progress ---------------------------------------------------------------------------

    async def _begin_progress(self, job: Job) -> None:
        server = self.server
        if not server.supports_progress():
            return
        token = job.spec.work_done_token
        if token is None:
            token = f"poe-{job.id}"
            try:
                await server.work_done_progress.create_async(token)
            except Exception:
                log.warning("client refused a progress token", exc_info=True)
                return
        job.progress_token = token
        server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=job.spec.title,
                cancellable=True,
                message=job.notice or f"waiting for {job.spec.bot}…",
            ),
        )
        future = server.work_done_progress.tokens.get(token)
        if future is not None:
            future.add_done_callback(lambda f: job.cancel() if f.cancelled() else None)

    def _report(self, job: Job, message: str) -> None:
        if job.progress_token is None:
            return
        self.server.work_done_progress.report(
            job.progress_token, types.WorkDoneProgressReport(message=message)
        )

    def _end_progress(self, job: Job, message: str) -> None:
        token = job.progress_token
        if token is None:
            return
        self.server.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
        # pygls never forgets a token; a long session would keep every one.
        future = self.server.work_done_progress.tokens.pop(token, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def _end_with_notes(self, job: Job, message: str) -> None:
        notes = [note for hook in self.hooks if (note := await hook.end_note(job))]
        self._end_progress(job, " · ".join([message, *notes]))

    # -- the end ------------------------------------------------------------------------------

    def _deliver(self, job: Job, error: PoeError | None) -> None:
        """Hover, message and progress end first: ``poe/done`` is the job's last word.

        One failure channel: a client that renders ``poe/done`` reads the error
        there; every other client gets it (and the explanation) as standard LSP.
        """
        server, spec = self.server, job.spec
        if job.region is not None:
            if job.status == "done":
                server.hovers.keep(spec.uri, job.region, job.text)
                if not server.renders_jobs and job.text.strip():
                    explanations.present(server, job.region, spec.uri, spec.bot, job.text)
            else:
                server.hovers.drop(spec.uri, job.region)
        if not server.renders_jobs and error is not None and job.status != "done":
            server.show(_message_type(job.status, error), f"poe-lsp: {error.message}")
        outcome = {"done": "done", "cancelled": "cancelled", "failed": "failed"}[
            job.status or "failed"
        ]
        if self.hooks and not server.renders_jobs and job.progress_token is not None:
            # A plain client learns a job's cost only here (it gets no poe/done and
            # asks nothing): the end waits briefly for it; the job's own outputs are out.
            server.run_task(self._end_with_notes(job, job.error or outcome), f"end {job.id}")
        else:
            self._end_progress(job, job.error or outcome)
        proposal = job.writer.proposal if job.writer is not None else None
        if not server.renders_jobs:
            return
        server.protocol.notify(
            "poe/done",
            {
                **self._payload(job),
                "status": job.status,
                "text": job.text,
                **({"error": job.error} if job.error else {}),
                **(
                    {"proposal": {"hunks": hunks_json(server, proposal)}}
                    if proposal is not None
                    else {}
                ),
            },
        )


def _message_type(status: Status | None, error: PoeError) -> types.MessageType:
    """How loud a job's end is: a failure is an error, unless the user's own typing
    caused it; a cancellation is news."""
    if status == "cancelled":
        return types.MessageType.Info
    if error.kind is ErrorKind.CONFLICT:
        return types.MessageType.Warning
    return types.MessageType.Error
