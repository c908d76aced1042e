"""A scripted LSP editor for end-to-end tests of the real server process.

It behaves like the editors we ship for: it keeps its own copy of each open
document, applies ``workspace/applyEdit`` the way VS Code does (refusing an
edit computed for another version) and echoes the change back with
``didChange`` — either as the edit itself, or as a minimal diff the way
Neovim reports changes.  It records ``poe/stream`` and ``poe/done`` so tests
can await a job's end instead of sleeping.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pytest_lsp.protocol import LanguageClientProtocol

from poe_lsp.core.textdoc import Document, Pos

TEST_KEY = "test-key-5d1f0c9e-never-shown"
"""The API key every test server gets; tests assert it never leaks."""


class RawCodeActionProtocol(LanguageClientProtocol):
    """lsprotocol decodes a CodeAction that carries a command as a bare Command
    on the client side; keep code action results as plain JSON instead."""

    def get_result_type(self, method: str) -> Any:
        if method == types.TEXT_DOCUMENT_CODE_ACTION:
            return None
        return super().get_result_type(method)


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


def minimal_change(old: str, new: str) -> tuple[int, int, str]:
    """The single change a diffing client (Neovim) reports for ``old`` → ``new``."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, len(old) - suffix, new[prefix : len(new) - suffix]


class Editor:
    """One editor session attached to a real ``poe-lsp`` process."""

    def __init__(self, client: LanguageClient, *, minimal_diff: bool = False) -> None:
        self.client = client
        self.minimal_diff = minimal_diff
        self.encoding: Any = "utf-16"
        self.docs: dict[str, Document] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.edits_received = 0
        self.edits_refused = 0
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
            self.workspace_edits.append({"uri": uri, "version": version, "edits": edits})
            spans = sorted(
                (
                    (
                        doc.offset_at(_pos(e.range.start), self.encoding),
                        doc.offset_at(_pos(e.range.end), self.encoding),
                        e.new_text,
                    )
                    for e in edits
                ),
                reverse=True,
            )
            old = doc.text
            new = old
            for start, end, text in spans:
                new = new[:start] + text + new[end:]
            if self.minimal_diff:
                start, end, text = minimal_change(old, new)
                self._send_change(uri, [(start, end, text)])
            else:
                self._send_change(uri, [(s, e, t) for s, e, t in spans])
        return types.ApplyWorkspaceEditResult(applied=True)

    def _send_change(self, uri: str, changes: list[tuple[int, int, str]]) -> None:
        """Apply offset changes in order and tell the server, like an editor would."""
        doc = self.docs[uri]
        content: list[types.TextDocumentContentChangeEvent] = []
        for start, end, text in changes:
            start_pos = doc.pos_at(start, self.encoding)
            end_pos = doc.pos_at(end, self.encoding)
            content.append(
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=_lsp(start_pos), end=_lsp(end_pos)), text=text
                )
            )
            doc.apply_change(start_pos, end_pos, text, self.encoding)
        doc.version += 1
        self._changed.set()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                content_changes=content,
            )
        )

    # -- what a user does ----------------------------------------------------------------

    def open(self, path: str, text: str, language: str = "python") -> str:
        """Open a document (``path`` relative to the workspace root)."""
        uri = f"file:///workspace/{path}"
        self.docs[uri] = Document(uri, language, 1, text)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )
        return uri

    def type(self, uri: str, start: int, end: int, text: str) -> None:
        """The user replaces ``[start, end)`` (code-point offsets) with ``text``."""
        self._send_change(uri, [(start, end, text)])

    async def wait_until(self, condition: Any, timeout: float = 10.0) -> None:
        """Wait until ``condition()`` holds; it is checked after every document change,
        progress notification, message and document shown."""

        async def watch() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(watch(), timeout)

    def text(self, uri: str) -> str:
        """The editor's copy of the document."""
        return self.docs[uri].text

    def range_of(self, uri: str, needle: str, occurrence: int = 0) -> dict[str, Any]:
        """The LSP range of ``needle`` in the document (JSON form)."""
        doc = self.docs[uri]
        start = -1
        for _ in range(occurrence + 1):
            start = doc.text.index(needle, start + 1)
        return self.span_range(uri, start, start + len(needle))

    def span_range(self, uri: str, start: int, end: int) -> dict[str, Any]:
        """The LSP range (JSON form) of code-point offsets."""
        doc = self.docs[uri]
        a, b = doc.pos_at(start, self.encoding), doc.pos_at(end, self.encoding)
        return {
            "start": {"line": a.line, "character": a.character},
            "end": {"line": b.line, "character": b.character},
        }

    async def command(self, name: str, *arguments: Any) -> Any:
        """Run ``workspace/executeCommand`` and return its result."""
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
        pos = self.docs[uri].pos_at(offset, self.encoding)
        return await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=_lsp(pos)
            )
        )

    async def status(self, *, objects: bool = False) -> dict[str, Any]:
        """The server's ``poe/status`` diagnostic: counts of what it holds."""
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


def _pos(position: types.Position) -> Pos:
    return Pos(position.line, position.character)


def _lsp(pos: Pos) -> types.Position:
    return types.Position(line=pos.line, character=pos.character)


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

    features = {
        method: waking(handler)
        for method, handler in DEFAULT_CLIENT_FEATURES.items()
        if method != types.WINDOW_SHOW_DOCUMENT
    }
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
        client = LanguageClient(
            protocol_cls=RawCodeActionProtocol, converter_factory=default_converter
        )
        register_lsp_features(client, _recording_features())
        return client

    return ClientServerConfig(
        server_command=[sys.executable, "-m", "poe_lsp", "--stdio", "--log-level", "debug"],
        server_env=server_env,
        client_factory=factory,
    )
