"""``poe-lsp demo``: the real server, driven over a real LSP session, on a sample file.

The demo is a small LSP client (pygls's ``LanguageClient``) that behaves like an
editor: it starts ``python -m poe_lsp`` on stdio, opens a copy of the bundled
sample, runs one job per :data:`STEPS` entry and prints what streams back.  It
applies the server's ``workspace/applyEdit`` requests to its own copy of the
document and echoes each change with ``didChange``, as an editor does; the
refactor is shown at the end as a unified diff.

Without ``POE_API_KEY`` it serves the built-in demo bot (:mod:`poe_lsp.cli.demo_bot`)
on 127.0.0.1 and points the server at it, so nothing leaves the machine.

Why one module of this length: the demo is a small scripted editor (it
applies edits and echoes them) plus its printed report, read top to bottom.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from poe_lsp import __version__
from poe_lsp.core.endpoints import DEFAULT_BASE_URL
from poe_lsp.core.settings import DEFAULT_BOT
from poe_lsp.core.textdoc import Document, Encoding, Pos

from .terminal import EscapedStream, escape, unified_diff

SAMPLE = "inventory.py"
"""The bundled sample, in ``poe_lsp/cli/demo_files/``."""
FUNCTION = "top_products"
"""The function in the sample that every step works on."""
ENCODING: Encoding = "utf-16"
"""The only position encoding the demo client offers."""
JOB_TIMEOUT_LOCAL = 30.0
JOB_TIMEOUT_POE = 300.0
"""Seconds to wait for one job: the local bot answers at once, a real model may think."""


@dataclass(frozen=True)
class Step:
    """One job of the demo: which command, on what, and how to present it."""

    action: str
    command: str
    heading: str
    intro: str
    edits: bool
    target: Literal["range", "position"] = "range"
    """``range``: the whole function is selected; ``position``: the cursor is in it."""


STEPS: tuple[Step, ...] = (
    Step(
        action="explain",
        command="poe.explain",
        heading="Explain",
        intro="The explanation streams in as the bot writes it (poe/stream):",
        edits=False,
    ),
    Step(
        action="refactor",
        command="poe.refactor",
        heading="Refactor",
        intro=(
            "The bot's answer streams in; the server strips the prose and the fences "
            "and writes only the code into the selection (workspace/applyEdit):"
        ),
        edits=True,
    ),
    Step(
        action="document",
        command="poe.document",
        heading="Document",
        intro=(
            "With the cursor inside the function, the server finds it with tree-sitter, asks "
            "the bot for the documentation only and writes it as the function's docstring:"
        ),
        edits=True,
        target="position",
    ),
)


@dataclass
class Outcome:
    """What one step's job came to."""

    step: Step
    status: str
    chars: int
    seconds: float
    text: str
    error: str | None = None
    edits: int = 0


@dataclass
class Job:
    """What the demo client saw of one job."""

    printed: str = ""
    out: EscapedStream = field(default_factory=lambda: EscapedStream(sys.stdout))
    """The bot's text reaches the terminal escaped (see :mod:`poe_lsp.terminal`)."""
    done: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class DemoEditor:
    """An LSP client that keeps its own copy of each document, as an editor does."""

    def __init__(self, root: Path, sample: Path) -> None:
        self.root = root
        self.uri = sample.as_uri()
        self.doc = Document(self.uri, "python", 1, sample.read_text(encoding="utf-8"))
        self.jobs: dict[str, Job] = {}
        self.edits_applied = 0
        self.messages: list[str] = []
        self.stderr: list[str] = []
        self._stderr_task: asyncio.Task[None] | None = None
        self.client = LanguageClient("poe-lsp-demo", __version__)
        handlers: dict[str, Any] = {
            "poe/stream": self._on_stream,
            "poe/done": self._on_done,
            types.WORKSPACE_APPLY_EDIT: self._on_apply_edit,
            types.WINDOW_SHOW_MESSAGE: self._on_message,
            types.WINDOW_SHOW_MESSAGE_REQUEST: self._on_message_request,
            types.WINDOW_LOG_MESSAGE: lambda _ls, _params: None,
        }
        for method, handler in handlers.items():
            self.client.feature(method)(_as_function(handler))

    # -- the session ---------------------------------------------------------------------

    async def start(self, env: Mapping[str, str], bot: str) -> None:
        """Start ``python -m poe_lsp``, initialize it and open the sample."""
        await self.client.start_io(sys.executable, "-m", "poe_lsp", env=dict(env))
        process = self.client._server
        if process is not None and process.stderr is not None:
            self._stderr_task = asyncio.create_task(self._drain(process.stderr))
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    workspace=types.WorkspaceClientCapabilities(
                        apply_edit=True,
                        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
                    ),
                    general=types.GeneralClientCapabilities(
                        position_encodings=[types.PositionEncodingKind.Utf16]
                    ),
                    # The demo prints poe/stream itself, like our VS Code and Neovim clients.
                    experimental={"poe": {"stream": True}},
                ),
                client_info=types.ClientInfo(name="poe-lsp demo", version=__version__),
                root_uri=self.root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=self.root.as_uri(), name="demo")],
                # The user's own settings: the bot named here needs no consent.  The
                # demo shows edits as they stream in, so it asks for edits.mode
                # "stream" rather than the default review (a proposal to accept).
                initialization_options={"bot": bot, "edits": {"mode": "stream"}},
            )
        )
        self.client.initialized(types.InitializedParams())
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri, language_id="python", version=1, text=self.doc.text
                )
            )
        )

    async def stop(self) -> None:
        """Shut the server down cleanly (``shutdown`` + ``exit``); kill it if it hangs."""
        process = self.client._server
        try:
            if process is not None and process.returncode is None:
                await asyncio.wait_for(self.client.shutdown_async(None), 5)
                self.client.exit(None)
                await asyncio.wait_for(process.wait(), 5)
        except Exception:
            if process is not None and process.returncode is None:
                process.kill()
        finally:
            # pygls leaves LanguageClient.stop unannotated.
            stop = cast(Callable[[], Awaitable[None]], self.client.stop)
            await asyncio.wait_for(stop(), 5)

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        """Keep the server's stderr (its log) so that a crash can be explained."""
        while line := await stream.readline():
            self.stderr.append(line.decode("utf-8", "replace").rstrip())
            del self.stderr[:-20]

    # -- a job ----------------------------------------------------------------------------

    def argument(self, step: Step) -> dict[str, Any]:
        """The command's one argument: the sample function, in the current text."""
        start, end = function_lines(self.doc.text, FUNCTION)
        if step.target == "position":
            return {"uri": self.uri, "position": {"line": start, "character": 4}}
        return {
            "uri": self.uri,
            "range": {
                "start": {"line": start, "character": 0},
                "end": {"line": end, "character": 0},
            },
        }

    async def run(self, step: Step, timeout: float) -> Outcome:
        """Run one step's job to its ``poe/done``, printing what streams back."""
        started = time.perf_counter()
        edits_before = self.edits_applied
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=step.command, arguments=[self.argument(step)])
        )
        job_id = str(_field(result, "jobId"))
        job = self.jobs.setdefault(job_id, Job())
        try:
            done = await asyncio.wait_for(asyncio.shield(job.done), timeout)
        except TimeoutError:
            await self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="poe.cancel", arguments=[{"jobId": job_id}])
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(job.done), 5)
            done = {
                "status": "cancelled",
                "text": job.printed,
                "error": f"no complete answer within {timeout:.0f} s, so the demo cancelled it",
            }
        self._print_text(job, str(done.get("text", "")))
        job.out.finish()
        if job.printed and not job.printed.endswith("\n"):
            print(flush=True)
        text = str(done.get("text", ""))
        return Outcome(
            step=step,
            status=str(done.get("status")),
            chars=len(text),
            seconds=time.perf_counter() - started,
            text=text,
            error=done.get("error"),
            edits=self.edits_applied - edits_before,
        )

    async def hover_shows(self, text: str) -> bool:
        """Whether ``textDocument/hover`` inside the function returns ``text``."""
        start, _ = function_lines(self.doc.text, FUNCTION)
        try:
            hover = await self.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=self.uri),
                    position=types.Position(line=start + 1, character=8),
                )
            )
        except Exception:
            return False
        contents = getattr(hover, "contents", None)
        return isinstance(contents, types.MarkupContent) and text.strip() in contents.value

    # -- what the server sends --------------------------------------------------------------

    def _job(self, params: Any) -> tuple[Job, dict[str, Any]]:
        data = _plain(params)
        return self.jobs.setdefault(str(data.get("jobId")), Job()), data

    def _on_stream(self, _ls: LanguageClient, params: Any) -> None:
        job, data = self._job(params)
        self._print_text(job, str(data.get("text", "")))

    def _on_done(self, _ls: LanguageClient, params: Any) -> None:
        job, data = self._job(params)
        if not job.done.done():
            job.done.set_result(data)

    def _print_text(self, job: Job, text: str) -> None:
        """Print what is new in ``text``; every notification carries the whole answer."""
        if text.startswith(job.printed):
            new = text[len(job.printed) :]
        else:  # the bot replaced its answer (replace_response): start over
            new = "\n[the bot replaced its answer]\n" + text
        if new:
            job.out.write(new)
        job.printed = text

    def _on_message(self, _ls: LanguageClient, params: types.ShowMessageParams) -> None:
        self.messages.append(params.message)

    def _on_message_request(
        self, _ls: LanguageClient, params: types.ShowMessageRequestParams
    ) -> None:
        # The demo names its bot in the initialization options, so the server
        # never needs to ask; if it does, the answer is no (nothing is spent).
        self.messages.append(params.message)
        return None

    def _on_apply_edit(
        self, _ls: LanguageClient, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        """Apply the edit to our copy, as an editor does, and echo it with ``didChange``."""
        edits: list[types.TextEdit | types.AnnotatedTextEdit] = []
        for change in params.edit.document_changes or []:
            if not isinstance(change, types.TextDocumentEdit) or change.text_document.uri != (
                self.uri
            ):
                return _refused("the demo only edits its sample file")
            if change.text_document.version not in (None, self.doc.version):
                return _refused("the document changed since the edit was computed")
            for edit in change.edits:
                if not isinstance(edit, types.TextEdit | types.AnnotatedTextEdit):
                    return _refused("the demo client does not take snippet edits")
                edits.append(edit)
        for uri, text_edits in (params.edit.changes or {}).items():
            if uri != self.uri:
                return _refused("the demo only edits its sample file")
            edits.extend(text_edits)
        doc = self.doc
        located = sorted(
            (
                (
                    doc.offset_at(_pos(e.range.start), ENCODING),
                    doc.offset_at(_pos(e.range.end), ENCODING),
                    e.new_text,
                )
                for e in edits
            ),
            reverse=True,
        )
        content: list[types.TextDocumentContentChangeEvent] = []
        for start, end, text in located:
            start_pos, end_pos = doc.pos_at(start, ENCODING), doc.pos_at(end, ENCODING)
            content.append(
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=_lsp(start_pos), end=_lsp(end_pos)), text=text
                )
            )
            doc.apply_change(start_pos, end_pos, text, ENCODING)
        doc.version += 1
        self.edits_applied += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=doc.version
                ),
                content_changes=content,
            )
        )
        return types.ApplyWorkspaceEditResult(applied=True)


# -- helpers ------------------------------------------------------------------------------


def function_lines(source: str, name: str) -> tuple[int, int]:
    """Zero-based first line of function ``name`` and the line just after it."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return first - 1, node.end_lineno or node.lineno
    raise LookupError(f"the sample has no function {name!r}")


def _as_function(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """pygls marks each handler with attributes, which a bound method cannot take."""

    def handle(ls: Any, params: Any) -> Any:
        return handler(ls, params)

    return handle


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _refused(reason: str) -> types.ApplyWorkspaceEditResult:
    return types.ApplyWorkspaceEditResult(applied=False, failure_reason=reason)


def _field(result: Any, name: str) -> Any:
    if isinstance(result, Mapping):
        return result.get(name)
    return getattr(result, name, None)


def _plain(value: Any) -> Any:
    """pygls hands custom notifications over as nested namedtuples."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _pos(position: types.Position) -> Pos:
    return Pos(position.line, position.character)


def _lsp(pos: Pos) -> types.Position:
    return types.Position(line=pos.line, character=pos.character)


def heading(text: str) -> None:
    """A section heading."""
    print(f"\n== {text} " + "=" * max(0, 70 - len(text)), flush=True)


# -- the demo -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """Where the server sends its requests, and how the demo introduces it."""

    env: dict[str, str]
    bot: str
    local: bool


@contextlib.asynccontextmanager
async def backend(bot: str | None) -> AsyncIterator[Backend]:
    """The real Poe when ``POE_API_KEY`` is set, otherwise the local demo bot."""
    if os.environ.get("POE_API_KEY"):
        name = bot or DEFAULT_BOT
        base = os.environ.get("POE_LSP_BASE_URL") or DEFAULT_BASE_URL
        print(f"POE_API_KEY is set: using the Poe bot {name} at {base}.")
        print(
            f"Each step sends the sample function and its surroundings to {name}, "
            "which spends Poe points."
        )
        yield Backend(env=dict(os.environ), bot=name, local=False)
        return
    from poe_lsp.cli.demo_bot import DEMO_BOT, DEMO_KEY, DemoPoe

    print(
        "No POE_API_KEY set: using the built-in local demo bot on 127.0.0.1 "
        "(nothing leaves this machine)."
    )
    if bot:
        print(f"(--bot {bot} is used only with POE_API_KEY.)")
    async with DemoPoe() as poe:
        env = {**os.environ, "POE_API_KEY": DEMO_KEY, "POE_LSP_BASE_URL": poe.base_url}
        yield Backend(env=env, bot=DEMO_BOT, local=True)


async def run_demo(bot: str | None) -> int:
    """Run every step of the demo; 0 when all of them succeeded."""
    async with backend(bot) as target:
        with tempfile.TemporaryDirectory(prefix="poe-lsp-demo-") as tmp:
            root = Path(tmp)
            sample = root / SAMPLE
            source = resources.files("poe_lsp.cli").joinpath("demo_files", SAMPLE)
            sample.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
            print(f"Sample: {SAMPLE}, function {FUNCTION}() (a temporary copy in {root})")
            print(f"Server: {Path(sys.executable).name} -m poe_lsp, over stdio (LSP)")
            editor = DemoEditor(root, sample)
            try:
                await editor.start(target.env, target.bot)
                return await _steps(editor, target)
            except Exception as exc:
                print(
                    escape(f"\npoe-lsp demo: the language server session failed: {exc!r}"),
                    flush=True,
                )
                for line in editor.stderr[-10:]:
                    print(escape(f"  server: {line}"), file=sys.stderr)
                return 1
            finally:
                await editor.stop()


async def _steps(editor: DemoEditor, target: Backend) -> int:
    timeout = JOB_TIMEOUT_LOCAL if target.local else JOB_TIMEOUT_POE
    outcomes: list[Outcome] = []
    failure: str | None = None
    for number, step in enumerate(STEPS, 1):
        start, end = function_lines(editor.doc.text, FUNCTION)
        heading(f"{number}. {step.heading}: {step.command} on lines {start + 1}-{end}")
        print(step.intro + "\n", flush=True)
        before = editor.doc.text
        outcome = await editor.run(step, timeout)
        outcomes.append(outcome)
        if outcome.status != "done":
            failure = outcome.error or f"the {step.action} job ended as {outcome.status}"
            print(escape(f"\n{step.heading} {outcome.status}: {failure}"), flush=True)
            break
        if step.edits:
            print(
                f"\n{_count(outcome.edits, 'edit')} applied to the editor's copy "
                f"(document version {editor.doc.version}); the change, as a diff:\n"
            )
            print(unified_diff(before, editor.doc.text, SAMPLE), end="", flush=True)
        elif await editor.hover_shows(outcome.text):
            print(f"\n(Hovering inside {FUNCTION}() now shows this explanation.)", flush=True)

    heading("Summary")
    for outcome in outcomes:
        edits = f", {_count(outcome.edits, 'edit')}" if outcome.step.edits else ""
        print(
            f"  {outcome.step.action:<9} {outcome.status:<9} {outcome.chars:>5} chars  "
            f"{outcome.seconds:5.1f} s  ({target.bot}{edits})"
        )
    for step in STEPS[len(outcomes) :]:
        print(f"  {step.action:<9} skipped")
    return 0 if failure is None else 1
