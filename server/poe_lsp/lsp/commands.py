"""The ``poe.*`` commands: validate the one argument object, then start a job.

Every job command answers ``{jobId}`` at once; the work goes on in the
background (see :mod:`poe_lsp.lsp.jobs`).  Bad arguments answer -32602 with one
sentence that says what to do, and nothing is started.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.uris import to_fs_path

from poe_lsp.core.actions import job_title
from poe_lsp.core.context import Composed, compose_prompt
from poe_lsp.core.planning import Renderer
from poe_lsp.core.prompts import PromptTooLarge, edit_output_hint
from poe_lsp.core.settings import PARAMETERS_IGNORED_NOTE, bot_list
from poe_lsp.core.textdoc import Document, Pos, Span
from poe_lsp.poe.attachments import FileToAttach

from .jobs import JobManager, JobSpec
from .server import PoeServer

log = logging.getLogger(__name__)

BOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,99}$")
WHOLE_FILE = Span(0, 0)
"""The span of ``poe.ask`` without a range: the question is about the whole file."""


class RequestFailed(JsonRpcException):
    """A well-formed request that cannot be carried out now (LSP RequestFailed)."""

    CODE = -32803
    MESSAGE = "Request failed"


def no_edits_here(command: str) -> str:
    """Why an editing command cannot run in a client without ``workspace/applyEdit``."""
    return (
        f"{command} cannot change this document: this editor does not accept edits "
        "from a language server (it declares no workspace.applyEdit). Use poe.explain, "
        'or poe.ask with output "explain", instead.'
    )


def invalid(message: str) -> JsonRpcInvalidParams:
    """A -32602 error whose message is the one sentence the user sees."""
    return JsonRpcInvalidParams(message=message)


def the_argument(command: str, params: types.ExecuteCommandParams) -> dict[str, Any]:
    """The command's single argument object."""
    args = params.arguments
    if isinstance(args, list | tuple) and len(args) == 1 and args[0] == []:
        # Lua and other clients encode an empty object as an empty array.
        args = [{}]
    if not isinstance(args, list | tuple) or len(args) != 1 or not isinstance(args[0], Mapping):
        raise invalid(
            f'{command} takes exactly one argument, an object such as {{"uri": ..., "range": ...}}.'
        )
    return dict(args[0])


def shown(value: str, limit: int = 200) -> str:
    """A client's string as it may appear in a one-line message: control
    characters escaped, cut to ``limit`` characters."""
    cut = value[:limit] + ("…" if len(value) > limit else "")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in cut)


def open_document(server: PoeServer, command: str, arg: Mapping[str, Any]) -> Document:
    """The open document named by ``uri``."""
    uri = arg.get("uri")
    if not isinstance(uri, str) or not uri:
        raise invalid(f"{command} needs a 'uri' string naming an open document.")
    doc = server.documents.get(uri)
    if doc is None:
        raise invalid(
            f"{command}: the document {shown(uri)} is not open in the editor; open it first."
        )
    return doc


def parse_position(value: Any, what: str, command: str) -> Pos:
    if not isinstance(value, Mapping):
        raise invalid(f"{command}: {what} must be an object {{line, character}}.")
    line, character = value.get("line"), value.get("character")
    for name, number in (("line", line), ("character", character)):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise invalid(f"{command}: {what}.{name} must be a non-negative whole number.")
    assert isinstance(line, int) and isinstance(character, int)
    return Pos(line, character)


def parse_range(
    server: PoeServer, command: str, doc: Document, value: Any, *, what: str = "range"
) -> Span:
    """Validate an LSP range against the document and turn it into offsets."""
    if not isinstance(value, Mapping):
        raise invalid(f"{command} needs a '{what}' object {{start, end}} in LSP positions.")
    start = parse_position(value.get("start"), f"{what}.start", command)
    end = parse_position(value.get("end"), f"{what}.end", command)
    if (end.line, end.character) < (start.line, start.character):
        raise invalid(f"{command}: {what} ends before it starts.")
    lines = doc.line_count()
    for pos in (start, end):
        # One line past the last is where an editor puts the end of a linewise
        # selection that includes the final newline.
        if pos.line > lines or (pos.line == lines and pos.character > 0):
            raise invalid(
                f"{command}: {what} reaches line {pos.line + 1} but the document has "
                f"{lines} lines; send a range inside the document."
            )
    encoding = server.encoding
    return Span(doc.offset_at(start, encoding), doc.offset_at(end, encoding))


def pick_bot(server: PoeServer, command: str, action: str, arg: Mapping[str, Any]) -> str:
    """The bot named by the command, or the one settings give the action."""
    bot = arg.get("bot")
    if bot is None:
        return server.settings.bot_for(action)
    if not isinstance(bot, str) or not BOT_NAME.match(bot):
        raise invalid(
            f"{command}: 'bot' must be a Poe bot name such as \"GPT-5\" (letters, digits, "
            "'.', '-', '_')."
        )
    return bot


def pick_parameters(
    server: PoeServer, command: str, bot: str, arg: Mapping[str, Any]
) -> dict[str, Any]:
    """``botParameters[bot]`` with the command's ``parameters`` merged over it."""
    merged = server.settings.parameters_for(bot)
    extra = arg.get("parameters")
    if extra is None:
        return merged
    if not isinstance(extra, Mapping):
        raise invalid(f"{command}: 'parameters' must be an object of bot parameters.")
    merged.update(extra)
    return merged


def optional_text(command: str, arg: Mapping[str, Any], key: str) -> str:
    """An optional string argument ('' when absent)."""
    value = arg.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{command}: '{key}' must be a string.")
    return value


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
    command: str,
    action: str,
    doc: Document,
    span: Span,
    *,
    instruction: str = "",
    diagnostics: str = "",
    template_action: str | None = None,
    suffix: str = "",
) -> Composed:
    """Render the action's template with the selection and its trimmed context
    (``.trimmed`` says whether ``context.maxChars`` cut the context)."""
    try:
        return compose_prompt(
            server.settings,
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
            suffix=suffix,
        )
    except PromptTooLarge as exc:
        raise invalid(f"{command}: {exc}") from None


def attachment_name(uri: str) -> str:
    """The file name a bot sees for a document (no directories)."""
    path = to_fs_path(uri)
    name = Path(path).name if path else uri.rstrip("/").rsplit("/", 1)[-1]
    return name or "file.txt"


def pick_attachments(
    server: PoeServer, command: str, doc: Document, arg: Mapping[str, Any], *, trimmed: bool
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
    mode = server.settings.attach_file
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
) -> dict[str, str]:
    """Pick bot and parameters, build the prompt, refuse overlapping edits,
    then start the job and answer its id.

    ``span`` is the job's target; the prompt shows ``prompt_span`` as the
    selection when it differs (a doc comment's target is not what it documents).
    """
    command = f"poe.{action}"
    bot = pick_bot(server, command, action, arg)
    parameters = pick_parameters(server, command, bot, arg)
    composed = make_prompt(
        server,
        command,
        action,
        doc,
        prompt_span or span,
        instruction=instruction,
        diagnostics=diagnostics,
        template_action=template_action,
        suffix=suffix,
    )
    files = pick_attachments(server, command, doc, arg, trimmed=composed.trimmed)
    if edits:
        if not server.supports_apply_edit():
            raise RequestFailed(message=no_edits_here(command))
        busy = jobs.editing_job_overlapping(doc.uri, span)
        if busy is not None:
            raise RequestFailed(
                message=(
                    f"Another Poe job ({busy.spec.action} with {busy.spec.bot}, id {busy.id}) "
                    "is already editing this range; wait for it or cancel it first."
                )
            )
    spec = JobSpec(
        action=action,
        uri=doc.uri,
        span=span,
        bot=bot,
        prompt=composed.prompt,
        parameters=parameters,
        edits=edits,
        title=job_title(action, bot),
        work_done_token=params.work_done_token,
        render=render,
        stream_edits=stream_edits,
        attachments=files,
    )
    if parameters and server.secrets.transport == "openai" and not server.parameters_note_shown:
        server.parameters_note_shown = True
        server.show(types.MessageType.Info, f"poe-lsp: {PARAMETERS_IGNORED_NOTE}")
    job = jobs.start(spec)
    return {"jobId": job.id}


def _selection(server: PoeServer, command: str, arg: Mapping[str, Any], doc: Document) -> Span:
    span = parse_range(server, command, doc, arg.get("range"))
    if span.start == span.end:
        raise invalid(f"{command} needs a non-empty selection; select some code first.")
    return span


async def explain(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.explain {uri, range, bot?, parameters?}``."""
    command = "poe.explain"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
    span = _selection(server, command, arg, doc)
    return start_job(server, jobs, params, arg, action="explain", doc=doc, span=span, edits=False)


async def refactor(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.refactor {uri, range, instruction?, bot?, parameters?}``."""
    command = "poe.refactor"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
    span = _selection(server, command, arg, doc)
    instruction = optional_text(command, arg, "instruction")
    return start_job(
        server,
        jobs,
        params,
        arg,
        action="refactor",
        doc=doc,
        span=span,
        edits=True,
        instruction=instruction,
    )


async def ask(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.ask {uri, range?, prompt, output, bot?, parameters?}``."""
    command = "poe.ask"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
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
    return start_job(
        server,
        jobs,
        params,
        arg,
        action="ask",
        doc=doc,
        span=span,
        edits=output == "edit",
        instruction=question,
        suffix=("\n\n" + edit_output_hint) if output == "edit" else "",
    )


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


async def list_bots(server: PoeServer, params: types.ExecuteCommandParams) -> list[dict[str, Any]]:
    """``poe.listBots {}``: the bots the settings name, with their actions."""
    if params.arguments:
        the_argument("poe.listBots", params)
    # Right after start-up the workspace settings may still be on their way.
    await server.ready()
    return bot_list(server.settings, server.secrets)


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register every ``poe.*`` command that is not a feature of its own."""
    server.register_command("poe.explain", partial(explain, jobs=jobs))
    server.register_command("poe.refactor", partial(refactor, jobs=jobs))
    server.register_command("poe.ask", partial(ask, jobs=jobs))
    server.register_command("poe.cancel", partial(cancel, jobs=jobs))
    server.register_command("poe.listBots", list_bots)
