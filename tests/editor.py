"""A scripted LSP editor for end-to-end tests of the real server process.

It behaves like the editors we ship for: it keeps its own copy of each open
document (with its own position code, :mod:`oracle`, not the server's),
applies ``workspace/applyEdit`` the way VS Code does (refusing an edit
computed for another version) and echoes the change back with ``didChange``
— as the edit itself, or as a minimal diff the way Neovim reports changes —
in one of the orders real editors use (:class:`Echo`).  It records
``poe/stream`` and ``poe/done`` so tests can await a job's end instead of
sleeping.
"""

from __future__ import annotations

import asyncio
import enum
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pytest_lsp.protocol import LanguageClientProtocol

from oracle import (
    BadPosition,
    apply_edits,
    minimal_change,
    offset_at,
    position_at,
    split_change,
)

TEST_KEY = "test-key-5d1f0c9e-never-shown"
"""The API key every test server gets; tests assert it never leaks."""

LATE_ECHO_SECONDS = 0.02
"""How long :attr:`Echo.LATE_SPLIT` keeps an applied edit's ``didChange`` back."""


class Echo(enum.Enum):
    """When the editor sends the ``didChange`` of an edit it applied for the server."""

    BEFORE = "echo-then-answer"
    """``didChange`` first, then the answer (our VS Code extension waits for it)."""
    AFTER = "answer-then-echo"
    """The answer first, the ``didChange`` right behind it (vscode-languageclient)."""
    LATE_SPLIT = "answer-then-late-split-echo"
    """The answer first; the ``didChange`` a little later, as several content
    changes (Neovim debounces its ``didChange``; VS Code splits an edit into its
    own diff)."""


class EditorProtocol(LanguageClientProtocol):
    """The client's protocol, with two additions for tests.

    lsprotocol decodes a CodeAction that carries a command as a bare Command
    on the client side: code action results stay plain JSON instead.  And a
    handler can ask to run something once its response has been written
    (:meth:`after_response`), which is how an editor echoes an edit after
    answering it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._after: dict[Any, list[Callable[[], None]]] = {}

    def get_result_type(self, method: str) -> Any:
        if method == types.TEXT_DOCUMENT_CODE_ACTION:
            return None
        return super().get_result_type(method)

    def after_response(self, action: Callable[[], None]) -> None:
        """Run ``action`` right after the response to the request being handled."""
        self._after.setdefault(self.msg_id, []).append(action)

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        super()._send_response(msg_id, result, error)
        for action in self._after.pop(msg_id, []):
            action()


def capabilities(name: str, *, stream: bool) -> types.ClientCapabilities:
    """Real captured capabilities of ``name``, plus ``experimental.poe.stream``."""
    caps = client_capabilities(name)
    if stream:
        experimental = dict(caps.experimental) if isinstance(caps.experimental, dict) else {}
        experimental["poe"] = {"stream": True}
        caps.experimental = experimental
    return caps


@dataclass
class JobRecord:
    """What the editor saw of one job."""

    streams: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    done_count: int = 0


@dataclass
class OpenDocument:
    """The editor's copy of a document, and the changes not yet told to the server."""

    text: str
    version: int
    unsent: list[tuple[int, list[types.TextDocumentContentChangeEvent]]] = field(
        default_factory=list
    )


class Editor:
    """One editor session attached to a real ``poe-lsp`` process."""

    def __init__(
        self, client: LanguageClient, *, minimal_diff: bool = False, echo: Echo = Echo.BEFORE
    ) -> None:
        self.client = client
        self.root_uri = "file:///workspace"
        """The workspace folder the editor opened; ``open`` paths are relative to it."""
        self.minimal_diff = minimal_diff
        self.echo = echo
        self.encoding: Any = "utf-16"
        self.docs: dict[str, OpenDocument] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.edits_received = 0
        self.edits_refused = 0
        self.bad_edits: list[str] = []
        """Edits no editor could apply (a position past a line, inside a character)."""
        self.workspace_edits: list[dict[str, Any]] = []
        self.message_requests: list[types.ShowMessageRequestParams] = []
        self.consent_answer: str | None = "Allow"
        self.hold_edits: asyncio.Event | None = None
        self.answer_edits = True
        """False: apply each ``workspace/applyEdit`` but never answer it (as ALE does)."""
        self.edit_requests = 0
        self.show_document_success = True
        self.notifications: list[tuple[str, dict[str, Any]]] = []
        self.shown_documents: list[types.ShowDocumentParams] = []
        self._changed = asyncio.Event()
        self._streamed = asyncio.Event()
        client.wake = self._changed.set  # type: ignore[attr-defined]
        self._register()

    # -- handlers ----------------------------------------------------------------------

    def _record(self, job_id: str) -> JobRecord:
        return self.jobs.setdefault(job_id, JobRecord())

    def _register(self) -> None:
        client = self.client

        @client.feature("poe/stream")
        def on_stream(ls: LanguageClient, params: Any) -> None:
            data = _plain(params)
            self.notifications.append(("poe/stream", data))
            self._record(data["jobId"]).streams.append(data)
            self._streamed.set()

        @client.feature("poe/done")
        def on_done(ls: LanguageClient, params: Any) -> None:
            data = _plain(params)
            self.notifications.append(("poe/done", data))
            record = self._record(data["jobId"])
            record.done_count += 1
            if not record.done.done():
                record.done.set_result(data)

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        async def on_apply_edit(
            ls: LanguageClient,
            params: types.ApplyWorkspaceEditParams,
        ) -> types.ApplyWorkspaceEditResult:
            self.edit_requests += 1
            if self.hold_edits is not None:
                await self.hold_edits.wait()
            result = self._apply(params.edit)
            if not self.answer_edits:
                await asyncio.get_running_loop().create_future()  # never answers
            return result

        @client.feature(types.WINDOW_SHOW_DOCUMENT)
        def on_show_document(
            ls: LanguageClient, params: types.ShowDocumentParams
        ) -> types.ShowDocumentResult:
            self.shown_documents.append(params)
            self._changed.set()
            return types.ShowDocumentResult(success=self.show_document_success)

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_message_request(
            ls: LanguageClient,
            params: types.ShowMessageRequestParams,
        ) -> types.MessageActionItem | None:
            self.message_requests.append(params)
            if self.consent_answer is None:
                return None
            return types.MessageActionItem(title=self.consent_answer)

    def _apply(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        self.edits_received += 1
        changes: list[tuple[str, int | None, list[Any]]] = []
        for doc_edit in edit.document_changes or []:
            assert isinstance(doc_edit, types.TextDocumentEdit)
            changes.append(
                (doc_edit.text_document.uri, doc_edit.text_document.version, list(doc_edit.edits))
            )
        for uri, edits in (edit.changes or {}).items():
            changes.append((uri, None, list(edits)))
        for uri, version, edits in changes:
            doc = self.docs.get(uri)
            if doc is None or (version is not None and version != doc.version):
                self.edits_refused += 1
                if self.minimal_diff and doc is not None:
                    # Neovim skips an edit for an older version ("Buffer newer
                    # than edits") yet answers applied: true.
                    return types.ApplyWorkspaceEditResult(applied=True)
                return types.ApplyWorkspaceEditResult(
                    applied=False, failure_reason="document version changed"
                )
            try:
                spans = [(*self._offsets(doc.text, e.range), e.new_text) for e in edits]
                new = apply_edits(doc.text, spans)
            except BadPosition as exc:
                self.bad_edits.append(str(exc))
                return types.ApplyWorkspaceEditResult(applied=False, failure_reason=str(exc))
            self.workspace_edits.append(
                {
                    "uri": uri,
                    "version": version,
                    "edits": edits,
                    "annotations": dict(edit.change_annotations or {}),
                }
            )
            if self.minimal_diff:
                spans = [minimal_change(doc.text, new)]
            else:
                # VS Code reports the edits bottom-up, each in the text before it.
                spans.sort(reverse=True)
            if self.echo is Echo.LATE_SPLIT:
                spans = [piece for s in spans for piece in split_change(doc.text, *s)]
            self._change(uri, spans)
        self._echo_applied([uri for uri, _, _ in changes])
        return types.ApplyWorkspaceEditResult(applied=True)

    def _echo_applied(self, uris: list[str]) -> None:
        """Tell the server about the edits just applied, in this editor's order."""

        def send() -> None:
            for uri in uris:
                self._flush(uri)

        if self.echo is Echo.BEFORE:
            send()
        elif self.echo is Echo.AFTER:
            self._protocol().after_response(send)
        else:
            loop = asyncio.get_running_loop()
            self._protocol().after_response(lambda: loop.call_later(LATE_ECHO_SECONDS, send))

    def _protocol(self) -> EditorProtocol:
        protocol = self.client.protocol
        assert isinstance(protocol, EditorProtocol)
        return protocol

    def _offsets(self, text: str, rng: types.Range) -> tuple[int, int]:
        start = offset_at(text, rng.start.line, rng.start.character, self.encoding)
        end = offset_at(text, rng.end.line, rng.end.character, self.encoding)
        if end < start:
            raise BadPosition(f"the range {rng} ends before it starts")
        return start, end

    def _change(self, uri: str, changes: list[tuple[int, int, str]]) -> None:
        """Apply offset changes in order, as one new version still to be told to the server."""
        doc = self.docs[uri]
        content: list[types.TextDocumentContentChangeEvent] = []
        for start, end, text in changes:
            content.append(
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=self._position(doc.text, start), end=self._position(doc.text, end)
                    ),
                    text=text,
                )
            )
            doc.text = doc.text[:start] + text + doc.text[end:]
        doc.version += 1
        doc.unsent.append((doc.version, content))
        self._changed.set()

    def _flush(self, uri: str) -> None:
        """Send the changes of ``uri`` the server has not heard of yet, in order."""
        doc = self.docs.get(uri)
        while doc is not None and doc.unsent:
            version, content = doc.unsent.pop(0)
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=content,
                )
            )

    def _position(self, text: str, offset: int) -> types.Position:
        line, character = position_at(text, offset, self.encoding)
        return types.Position(line=line, character=character)

    # -- what a user does ----------------------------------------------------------------

    def open(self, path: str, text: str, language: str = "python") -> str:
        """Open a document (``path`` relative to the workspace root)."""
        uri = f"{self.root_uri}/{path}"
        self.docs[uri] = OpenDocument(text, 1)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )
        return uri

    def type(self, uri: str, start: int, end: int, text: str) -> None:
        """The user replaces ``[start, end)`` (code-point offsets) with ``text``.

        Changes the editor has not told the server yet go first, as in an editor.
        """
        self._flush(uri)
        self._change(uri, [(start, end, text)])
        self._flush(uri)

    async def wait_until(self, condition: Any, timeout: float = 10.0) -> None:
        """Wait until ``condition()`` holds; it is checked after every document change,
        progress notification, message and document shown."""

        async def watch() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(watch(), timeout)

    def flush_all(self) -> None:
        """Tell the server every change it has not heard of (editors do, before a request)."""
        for uri in self.docs:
            self._flush(uri)

    def text(self, uri: str) -> str:
        """The editor's copy of the document."""
        return self.docs[uri].text

    def range_of(self, uri: str, needle: str, occurrence: int = 0) -> dict[str, Any]:
        """The LSP range of ``needle`` in the document (JSON form)."""
        text = self.docs[uri].text
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(needle, start + 1)
        return self.span_range(uri, start, start + len(needle))

    def span_range(self, uri: str, start: int, end: int) -> dict[str, Any]:
        """The LSP range (JSON form) of code-point offsets."""
        text = self.docs[uri].text
        (a_line, a_char), (b_line, b_char) = (
            position_at(text, start, self.encoding),
            position_at(text, end, self.encoding),
        )
        return {
            "start": {"line": a_line, "character": a_char},
            "end": {"line": b_line, "character": b_char},
        }

    async def command(self, name: str, *arguments: Any) -> Any:
        """Run ``workspace/executeCommand`` and return its result."""
        self.flush_all()
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        )

    async def start(self, name: str, argument: dict[str, Any]) -> str:
        """Start a job command and return its id."""
        result = await self.command(name, argument)
        job_id = result["jobId"]
        self._record(job_id)
        return str(job_id)

    async def done(self, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for the job's ``poe/done``."""
        return await asyncio.wait_for(asyncio.shield(self._record(job_id).done), timeout)

    async def wait_for_stream(self, job_id: str, count: int = 1) -> dict[str, Any]:
        """Wait until ``count`` ``poe/stream`` notifications of the job have arrived; the last."""
        record = self._record(job_id)

        async def watch() -> None:
            while len(record.streams) < count:
                self._streamed.clear()
                await self._streamed.wait()

        await asyncio.wait_for(watch(), 10.0)
        return record.streams[count - 1]

    def progress_end(self, job_id: str) -> types.WorkDoneProgressEnd | None:
        """The end of the job's progress, if it has come."""
        for report in self.client.progress_reports.get(f"poe-{job_id}", []):
            if isinstance(report, types.WorkDoneProgressEnd):
                return report
        return None

    async def ended(self, job_id: str, timeout: float = 30.0) -> str:
        """Wait for the end of the job's progress — how a client that gets no
        ``poe/done`` sees a job end — and return its message."""
        await self.wait_until(lambda: self.progress_end(job_id) is not None, timeout)
        end = self.progress_end(job_id)
        assert end is not None
        return end.message or ""

    async def run(self, name: str, argument: dict[str, Any]) -> dict[str, Any]:
        """Start a job and wait for its ``poe/done``."""
        return await self.done(await self.start(name, argument))

    async def code_actions(
        self,
        uri: str,
        rng: dict[str, Any],
        diagnostics: list[Any] | None = None,
        only: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """``textDocument/codeAction`` as plain JSON."""
        self.flush_all()
        converter = self.client.protocol._converter
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=converter.structure(rng, types.Range),
            context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
        )
        result = await self.client.protocol.send_request_async(
            types.TEXT_DOCUMENT_CODE_ACTION, params
        )
        return list(result or [])

    async def hover(self, uri: str, offset: int) -> types.Hover | None:
        """``textDocument/hover`` at a code-point offset."""
        self.flush_all()
        return await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=self._position(self.docs[uri].text, offset),
            )
        )

    async def status(self, *, objects: bool = False) -> dict[str, Any]:
        """The server's ``poe/status`` diagnostic: counts of what it holds."""
        self.flush_all()
        result = await self.client.protocol.send_request_async("poe/status", {"objects": objects})
        return _plain(result)

    def messages(self) -> list[str]:
        """Every ``window/showMessage`` text so far."""
        return [m.message for m in self.client.messages]

    def told(self, phrase: str, job_id: str | None = None) -> list[str]:
        """The channels that told the user a sentence holding ``phrase``: one
        ``"poe/done"`` per job error (of ``job_id`` only, if given) and one
        ``"window/showMessage"`` per message."""
        channels = [
            "poe/done"
            for method, data in self.notifications
            if method == "poe/done"
            and phrase in data.get("error", "")
            and job_id in (None, data["jobId"])
        ]
        channels += ["window/showMessage" for m in self.client.messages if phrase in m.message]
        return channels

    def everything_said(self) -> str:
        """All text the server sent this editor that a user could see."""
        parts = [m.message for m in self.client.messages]
        parts += [m.message for m in self.client.log_messages]
        parts += [m.message for m in self.message_requests]
        parts += [repr(data) for _, data in self.notifications]
        for reports in self.client.progress_reports.values():
            parts += [repr(r) for r in reports]
        return "\n".join(parts)


def on_each(editor: Editor, method: str) -> asyncio.Event:
    """An event set each time the editor has handled a ``method`` message from the server."""
    arrived = asyncio.Event()
    features = editor.client.protocol.fm.features
    handle = features[method]

    def handled(params: Any) -> Any:
        result = handle(params)
        arrived.set()
        return result

    features[method] = handled
    return arrived


def _plain(params: Any) -> dict[str, Any]:
    """pygls hands custom notifications over as nested namedtuples."""
    value = _plain_value(params)
    assert isinstance(value, dict)
    return value


def _plain_value(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain_value(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    return value


def _recording_features() -> dict[str, Any]:
    """pytest-lsp's client features, each also waking the editor's waiters (so a
    test can await a progress end or a message), and without ``window/showDocument``,
    which :class:`Editor` answers itself."""

    def waking(handler: Any) -> Any:
        def wrapped(client: LanguageClient, params: Any) -> Any:
            result = handler(client, params)
            wake = getattr(client, "wake", None)
            if wake is not None:
                wake()
            return result

        return wrapped

    def register_capability(client: LanguageClient, params: types.RegistrationParams) -> None:
        """Accept, and record in ``client.registrations``, what the server registers."""
        if not hasattr(client, "registrations"):
            client.registrations = []  # type: ignore[attr-defined]
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    features = {
        method: waking(handler)
        for method, handler in DEFAULT_CLIENT_FEATURES.items()
        if method != types.WINDOW_SHOW_DOCUMENT
    }
    features[types.CLIENT_REGISTER_CAPABILITY] = waking(register_capability)
    return features


def server_config(env: dict[str, str | None]) -> ClientServerConfig:
    """Start the real server as the editors do: ``python -m poe_lsp`` on stdio.

    ``env`` is laid over this process's environment; a ``None`` value removes
    that variable.
    """
    server_env = {**os.environ}
    for name, value in env.items():
        if value is None:
            server_env.pop(name, None)
        else:
            server_env[name] = value

    def factory() -> LanguageClient:
        client = LanguageClient(protocol_cls=EditorProtocol, converter_factory=default_converter)
        register_lsp_features(client, _recording_features())
        return client

    return ClientServerConfig(
        server_command=[sys.executable, "-m", "poe_lsp", "--stdio", "--log-level", "debug"],
        server_env=server_env,
        client_factory=factory,
    )
