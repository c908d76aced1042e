"""The ``poe.*`` commands: validate the one argument object, then start a job.

Every job command answers ``{jobId}`` at once; the work goes on in the
background (see :mod:`poe_lsp.lsp.jobs`).  Bad arguments answer -32602 with one
sentence that says what to do (:mod:`poe_lsp.lsp.arguments`), and nothing is
started.

What a job sends (prompt, parameters, attachments, answer cap) is prepared
here from the settings it runs with.  When the workspace's settings raise its
cost over the user's own (:mod:`poe_lsp.core.cost`) and the user has not answered
yet, it is prepared twice, for either answer, so that the job can go on with
the user's own values without looking at the document again.

Why one module of this length: every job command (and compare, follow-ups and
user-defined actions, which start jobs through :func:`start_job`) goes through
the same preparation; keeping it in one place is what keeps their checks,
consent questions and prompts from drifting apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from poe_lsp.core.actions import job_title
from poe_lsp.core.context import Composed, compose_prompt
from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.planning import Renderer
from poe_lsp.core.prompts import PromptTooLarge, edit_output_hint
from poe_lsp.core.settings import PARAMETERS_IGNORED_NOTE, Settings
from poe_lsp.core.symbols import ContextBlock, add_context
from poe_lsp.core.textdoc import Document, Span
from poe_lsp.poe.attachments import FileToAttach

from .arguments import (
    RequestFailed,
    invalid,
    open_document,
    optional_text,
    parse_range,
    pick_bot,
    shown,
    the_argument,
)
from .jobs import CostQuestion, JobManager, JobSpec, Prepared
from .server import PoeServer
from .workspace import client_context

log = logging.getLogger(__name__)

WHOLE_FILE = Span(0, 0)
"""The span of ``poe.ask`` without a range: the question is about the whole file."""


def pick_parameters(
    settings: Settings, command: str, bot: str, arg: Mapping[str, Any]
) -> dict[str, Any]:
    """``botParameters[bot]`` with the command's ``parameters`` merged over it."""
    merged = settings.parameters_for(bot)
    extra = arg.get("parameters")
    if extra is None:
        return merged
    if not isinstance(extra, Mapping):
        raise invalid(f"{command}: 'parameters' must be an object of bot parameters.")
    merged.update(extra)
    return merged


def refuse_overlap(jobs: JobManager, uri: str, span: Span, group: str | None = None) -> None:
    """Refuse a second editing job on a range another job is editing (one sentence)."""
    busy = jobs.editing_job_overlapping(uri, span, group=group)
    if busy is not None:
        raise RequestFailed(
            message=(
                f"Another Poe job ({busy.spec.action} with {busy.spec.bot}, id {busy.id}) "
                "is already editing this range; wait for it or cancel it first."
            )
        )


def relative_path(server: PoeServer, uri: str) -> str:
    """The document's path relative to the workspace root, for the prompt."""
    path = to_fs_path(uri)
    if path is None:
        return uri
    try:
        root = server.workspace.root_path
    except RuntimeError:
        root = None
    if root:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return path


def make_prompt(
    server: PoeServer,
    settings: Settings,
    command: str,
    action: str,
    doc: Document,
    span: Span,
    *,
    instruction: str = "",
    diagnostics: str = "",
    template_action: str | None = None,
    template: str | None = None,
    suffix: str = "",
) -> Composed:
    """Render the action's template with the selection and its trimmed context
    (``.trimmed`` says whether ``context.maxChars`` cut the context)."""
    try:
        return compose_prompt(
            settings,
            action=action,
            text=doc.text,
            language=doc.language_id,
            path=relative_path(server, doc.uri),
            start=span.start,
            end=span.end,
            whole_file=span is WHOLE_FILE,
            instruction=instruction,
            diagnostics=diagnostics,
            template_action=template_action,
            template=template,
            suffix=suffix,
        )
    except PromptTooLarge as exc:
        raise invalid(f"{command}: {exc}") from exc


def attachment_name(uri: str) -> str:
    """The file name a bot sees for a document (no directories)."""
    path = to_fs_path(uri)
    name = Path(path).name if path else uri.rstrip("/").rsplit("/", 1)[-1]
    return name or "file.txt"


def pick_attachments(
    server: PoeServer,
    command: str,
    doc: Document,
    arg: Mapping[str, Any],
    *,
    trimmed: bool,
    mode: str,
) -> tuple[FileToAttach, ...]:
    """The files to upload with the job: the command's ``attachments`` (open
    documents only), then the job's own file when ``context.attachFile`` asks."""
    raw = arg.get("attachments")
    uris: list[str] = []
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(u, str) and u for u in raw):
            raise invalid(f"{command}: 'attachments' must be a list of URIs of open documents.")
        uris = list(dict.fromkeys(raw))
    files: list[FileToAttach] = []
    for uri in uris:
        named = server.documents.get(uri)
        if named is None:
            raise invalid(
                f"{command}: the attachment {shown(uri)} is not open in the editor; only open "
                "documents can be attached, so open it first."
            )
        files.append(FileToAttach(attachment_name(uri), named.text.encode("utf-8")))
    if doc.uri not in uris and (mode == "always" or (mode == "whenTrimmed" and trimmed)):
        files.append(
            FileToAttach(
                attachment_name(doc.uri),
                doc.text.encode("utf-8"),
                optional=mode == "whenTrimmed",
            )
        )
    if files and server.secrets.transport == "openai":
        if uris:
            raise invalid(
                f'{command}: attachments need transport "poe"; Poe\'s OpenAI-compatible '
                "endpoint takes none."
            )
        log.info("context.attachFile ignored: transport openai has no attachments")
        return ()
    return tuple(files)


def start_job(
    server: PoeServer,
    jobs: JobManager,
    params: types.ExecuteCommandParams,
    arg: Mapping[str, Any],
    *,
    action: str,
    doc: Document,
    span: Span,
    edits: bool,
    instruction: str = "",
    diagnostics: str = "",
    suffix: str = "",
    prompt_span: Span | None = None,
    template_action: str | None = None,
    render: Renderer | None = None,
    stream_edits: bool = True,
    bot: str | None = None,
    compare_id: str | None = None,
    gate: asyncio.Future[PoeError | None] | None = None,
    template: str | None = None,
    title: str | None = None,
    command: str | None = None,
    settings: Settings | None = None,
) -> dict[str, str]:
    """Pick bot and parameters, build the prompt (for either answer when the
    workspace raises the job's cost and the user has not been asked yet),
    refuse overlapping edits, drop the proposals the job replaces, then start
    the job and answer its id.

    ``span`` is the job's target; the prompt shows ``prompt_span`` as the
    selection when it differs (a doc comment's target is not what it documents).
    A job of a compare (``compare_id``, ``bot`` checked by the caller) neither
    refuses nor replaces its siblings, and awaits the compare's ``gate``.
    ``template``, ``title`` and ``command`` (a user-defined action's) replace the
    action's own template, progress title and name in messages; ``settings``
    replaces the workspace's settings in force (what the user is asked about).
    """
    command = command or f"poe.{action}"
    bot = bot or pick_bot(server, command, action, arg)
    given = client_context(server, command, arg)

    def prepare(settings: Settings) -> Prepared:
        parameters = pick_parameters(settings, command, bot, arg)
        composed = make_prompt(
            server,
            settings,
            command,
            action,
            doc,
            prompt_span or span,
            instruction=instruction,
            diagnostics=diagnostics,
            template_action=template_action,
            template=template,
            suffix=suffix,
        )

        def complete(later: Sequence[ContextBlock]) -> str:
            return add_context(composed.prompt, suffix, [*given, *later], settings.max_chars)

        return Prepared(
            prompt=complete(()),
            parameters=parameters,
            attachments=pick_attachments(
                server, command, doc, arg, trimmed=composed.trimmed, mode=settings.attach_file
            ),
            answer_max_chars=settings.answer_max_chars,
            complete=complete,
        )

    effective = server.settings if settings is None else settings
    plan = jobs.consent.costs.plan(server.user_settings, effective, bot)
    payload = prepare(plan.if_allowed)
    question = None
    if plan.ask:
        question = CostQuestion(plan.ask, _prepare_refused(prepare, plan.if_refused, bot))
    if edits:
        refuse_overlap(jobs, doc.uri, span, group=compare_id)
    spec = JobSpec(
        action=action,
        uri=doc.uri,
        span=span,
        bot=bot,
        prompt=payload.prompt,
        parameters=payload.parameters,
        edits=edits,
        title=job_title(action, bot) if title is None else f"Poe · {title} · {bot}",
        work_done_token=params.work_done_token,
        render=render,
        stream_edits=stream_edits,
        attachments=payload.attachments,
        answer_max_chars=payload.answer_max_chars,
        cost_question=question,
        compare_id=compare_id,
        gate=gate,
        late_context=(
            jobs.late_context(doc, prompt_span or span, given)
            if server.settings.workspace_context and (prompt_span or span) is not WHOLE_FILE
            else None
        ),
        complete=payload.complete,
    )
    if (
        payload.parameters
        and server.secrets.transport == "openai"
        and not server.parameters_note_shown
    ):
        server.parameters_note_shown = True
        server.show(types.MessageType.Info, f"poe-lsp: {PARAMETERS_IGNORED_NOTE}")
    if edits:
        # A new job on the range replaces what an earlier one proposed there.
        server.proposals.replace_overlapping(doc.uri, span, keep=compare_id)
    job = jobs.start(spec)
    return {"jobId": job.id}


def _prepare_refused(
    prepare: Callable[[Settings], Prepared], settings: Settings, bot: str
) -> Prepared | PoeError:
    """What the job sends if the user refuses the workspace's raises, or why it cannot
    go on then (the selection fits only the workspace's larger ``context.maxChars``)."""
    try:
        return prepare(settings)
    except JsonRpcInvalidParams as exc:
        cause = exc.__cause__
        if not isinstance(cause, PromptTooLarge):
            raise
        return PoeError(
            ErrorKind.OVER_YOUR_LIMITS,
            bot=bot,
            detail=f"the prompt needs {cause.needed_chars:,}, your limit is {cause.budget:,}",
        )


def _selection(server: PoeServer, command: str, arg: Mapping[str, Any], doc: Document) -> Span:
    span = parse_range(server, command, doc, arg.get("range"))
    if span.start == span.end:
        raise invalid(f"{command} needs a non-empty selection; select some code first.")
    return span


def job_request(
    server: PoeServer, command: str, action: str, arg: Mapping[str, Any], doc: Document
) -> dict[str, Any]:
    """What ``explain``, ``refactor`` or ``ask`` asks of a job, checked: the keyword
    arguments of :func:`start_job` after ``doc`` (``poe.compare`` shares them)."""
    if action == "explain":
        return {"action": action, "span": _selection(server, command, arg, doc), "edits": False}
    if action == "refactor":
        span = _selection(server, command, arg, doc)
        instruction = optional_text(command, arg, "instruction")
        return {"action": action, "span": span, "edits": True, "instruction": instruction}
    question = arg.get("prompt")
    if not isinstance(question, str) or not question.strip():
        raise invalid(f"{command} needs a 'prompt': the question or instruction for the bot.")
    output = arg.get("output", "explain")
    if output not in ("explain", "edit"):
        raise invalid(f'{command}: \'output\' must be "explain" or "edit".')
    if arg.get("range") is None:
        if output == "edit":
            raise invalid(f"{command} with output \"edit\" needs a 'range' to rewrite.")
        span = WHOLE_FILE
    else:
        span = parse_range(server, command, doc, arg["range"])
        if output == "edit" and span.start == span.end:
            raise invalid(f'{command} with output "edit" needs a non-empty selection.')
    return {
        "action": "ask",
        "span": span,
        "edits": output == "edit",
        "instruction": question,
        "suffix": ("\n\n" + edit_output_hint) if output == "edit" else "",
    }


async def _job_command(
    server: PoeServer, jobs: JobManager, params: types.ExecuteCommandParams, action: str
) -> dict[str, str]:
    command = f"poe.{action}"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
    request = job_request(server, command, action, arg, doc)
    return start_job(server, jobs, params, arg, doc=doc, **request)


async def explain(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.explain {uri, range, bot?, parameters?}``."""
    return await _job_command(server, jobs, params, "explain")


async def refactor(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.refactor {uri, range, instruction?, bot?, parameters?}``."""
    return await _job_command(server, jobs, params, "refactor")


async def ask(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.ask {uri, range?, prompt, output, bot?, parameters?}``."""
    return await _job_command(server, jobs, params, "ask")


def cancel(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, Any]:
    """``poe.cancel {jobId?}``: cancel one job, or every running job."""
    command = "poe.cancel"
    arg = the_argument(command, params) if params.arguments else {}
    job_id = arg.get("jobId")
    if job_id is None:
        return {"cancelled": jobs.cancel_all()}
    if not isinstance(job_id, str):
        raise invalid(f"{command}: 'jobId' must be the string a job command answered.")
    if not jobs.cancel(job_id):
        raise invalid(f"{command}: no running job has id {job_id[:100]!r}; it may have finished.")
    return {"cancelled": [job_id]}


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register every ``poe.*`` command that is not a feature of its own."""
    server.register_command("poe.explain", partial(explain, jobs=jobs))
    server.register_command("poe.refactor", partial(refactor, jobs=jobs))
    server.register_command("poe.ask", partial(ask, jobs=jobs))
    server.register_command("poe.cancel", partial(cancel, jobs=jobs))
