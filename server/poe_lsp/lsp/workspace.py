"""Context from the rest of the workspace: the symbol index, and the ``context`` argument.

The index (:mod:`poe_lsp.core.workspace_index`) is built on a thread of its
own after ``initialized`` (once the settings say ``context.workspace`` is on),
and kept current from ``didSave`` and ``workspace/didChangeWatchedFiles``
(watched through a dynamic registration when the client supports it). The
same thread applies those updates in order, so no request handler ever waits
for a parse: a handler only reads the index, under a lock held for a lookup.

A job reads the names its selection uses when its command arrives, then,
just before it sends, waits at most :data:`WAIT_SECONDS` for the index to
have applied everything heard so far (the first build, recent saves) and
adds the definitions it finds (:mod:`poe_lsp.core.symbols`); past that it
goes on without them.

The ``context`` argument of a job command (contract §4) names extra context
the client gathered: ``{uri, range?}`` (an open document, or a file on disk
inside the workspace folders; never a file outside them, whatever a link
says) or ``{label, text}``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from poe_lsp.core.docs import enclosing_definition
from poe_lsp.core.docs.names import used_names
from poe_lsp.core.docs.parsing import EXTENSIONS as LANGUAGE_IDS
from poe_lsp.core.symbols import ContextBlock, definition_block, pick_definitions
from poe_lsp.core.textdoc import Document, Span
from poe_lsp.core.workspace_index import EXTENSIONS, MAX_FILE_BYTES, WorkspaceIndex

from . import watched
from .arguments import invalid, parse_range, shown
from .jobs import JobManager, LateContext
from .server import PoeServer

log = logging.getLogger(__name__)

WAIT_SECONDS = 2.0
"""The longest a job waits for the index before it sends without it."""
MAX_CONTEXT_ITEMS = 50
"""The most items a ``context`` argument may hold."""
_HOLD_FOR_TESTS = "POE_LSP_TEST_HOLD_INDEX"
"""Set (tests only): the first build never finishes, as on a very slow disk."""


class _Worker:
    """One daemon thread running submitted calls in order (the index's own thread).

    Daemon, unlike an executor's, so that a build in progress never delays the
    server's exit."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]]
        self._queue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, call: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        """Run ``call`` after everything submitted before it."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._queue.put((call, future))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="poe-index", daemon=True)
            self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            call, future = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except Exception as exc:
                log.warning("workspace index: %s failed", call, exc_info=True)
                future.set_exception(exc)


def workspace_roots(server: PoeServer) -> list[Path]:
    """The workspace folders' paths (the root path when the client names no folder)."""
    try:
        workspace = server.workspace
    except RuntimeError:
        return []
    paths = [to_fs_path(f.uri) for f in workspace.folders.values()]
    if not paths and workspace.root_path:
        paths = [workspace.root_path]
    return [Path(p) for p in paths if p]


class WorkspaceContext:
    """The index of one server and what jobs ask of it."""

    def __init__(self, server: PoeServer) -> None:
        self.server = server
        self.index: WorkspaceIndex | None = None
        self._worker = _Worker()

    def start(self) -> None:
        """Build the index in the background, unless it exists or is turned off."""
        if self.index is not None or not self.server.settings.workspace_context:
            return
        roots = workspace_roots(self.server)
        if not roots:
            log.info("workspace index: no workspace folder, nothing to index")
            return
        self.index = index = WorkspaceIndex(roots)
        if os.environ.get(_HOLD_FOR_TESTS):
            self._worker.submit(threading.Event().wait)
        self._worker.submit(index.build)

    def file_changed(self, uri: str) -> None:
        """Index a saved, created, changed or deleted file again."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if self.index is not None and path is not None:
            self._worker.submit(lambda: self.index.update(path) if self.index else None)

    def late(
        self, doc: Document, span: Span, covered: Sequence[ContextBlock]
    ) -> LateContext | None:
        """What a job on ``span`` of ``doc`` gathers before it sends: the definitions,
        in other files, of the names the selection uses. None when it uses none."""
        names = used_names(doc.text, doc.language_id, span.start, span.end)
        if not names:
            return None
        self.start()
        index = self.index
        if index is None:
            return None
        here = to_fs_path(doc.uri) or doc.uri

        async def gather() -> Sequence[ContextBlock]:
            applied = asyncio.wrap_future(self._worker.submit(lambda: None))
            try:
                await asyncio.wait_for(applied, WAIT_SECONDS)
            except TimeoutError:
                log.info("workspace index not ready after %.0f s; sending without it", WAIT_SECONDS)
                return []
            picked = pick_definitions(names, index.lookup, here, covered=covered)
            log.debug("workspace context: %s", [f"{s.shown_path}:{s.line}" for s in picked])
            return [definition_block(s) for s in picked]

        return gather

    async def watch_files(self) -> None:
        """Ask the client to report changes to the files the index reads."""
        if self.index is None:
            return
        extensions = ",".join(sorted(e.lstrip(".") for e in EXTENSIONS))
        await watched.register_watchers(
            self.server, "workspace-index", [f"**/*.{{{extensions}}}", "**/.gitignore"]
        )


def client_context(server: PoeServer, command: str, arg: Mapping[str, Any]) -> list[ContextBlock]:
    """The ``context`` argument's items, read (-32602 for a malformed one)."""
    items = arg.get("context")
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_CONTEXT_ITEMS:
        raise invalid(
            f"{command}: 'context' must be a list of at most {MAX_CONTEXT_ITEMS} objects "
            "{uri, range?} or {label, text}."
        )
    return [_context_item(server, command, item) for item in items]


def _context_item(server: PoeServer, command: str, item: Any) -> ContextBlock:
    if isinstance(item, Mapping) and isinstance(item.get("label"), str):
        text = item.get("text")
        if not isinstance(text, str) or "uri" in item:
            raise invalid(f"{command}: a 'context' item with a 'label' needs a 'text' string.")
        return ContextBlock(source=shown(item["label"], 120), text=text)
    uri = item.get("uri") if isinstance(item, Mapping) else None
    if not isinstance(uri, str) or not uri:
        raise invalid(f"{command}: each 'context' item needs a 'uri' or a 'label' and 'text'.")
    doc = server.documents.get(uri) or _file_inside_workspace(server, command, uri)
    path = to_fs_path(uri)
    shown_path = _shown_path(server, path) if path else shown(uri)
    language = _language(doc)
    if item.get("range") is None:
        return ContextBlock(shown_path, doc.text, language, path, (1, doc.line_count()))
    span = parse_range(server, command, doc, item["range"], what="context range")
    if "\n" not in doc.text[span.start : span.end]:
        # A definition provider answers with the name's range: send the definition.
        whole = enclosing_definition(doc.text, doc.language_id, span.start, span.end)
        span = Span(*whole) if whole is not None else span
    first = doc.text.count("\n", 0, span.start) + 1
    last = first + doc.text.count("\n", span.start, max(span.start, span.end - 1))
    where = f"line {first}" if first == last else f"lines {first}–{last}"
    text = doc.text[span.start : span.end]
    return ContextBlock(f"{shown_path}, {where}", text, language, path, (first, last))


def _file_inside_workspace(server: PoeServer, command: str, uri: str) -> Document:
    """A file the editor has not open, read from disk if it lies inside a workspace
    folder (its real path: a link pointing out does not count)."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    refused = invalid(
        f"{command}: the context {shown(uri)} is neither open in the editor nor a file "
        "inside the workspace folders."
    )
    if path is None:
        raise refused
    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(os.path.realpath(r)) for r in workspace_roots(server)):
        raise refused
    try:
        if not real.is_file() or real.stat().st_size > MAX_FILE_BYTES:
            raise invalid(
                f"{command}: the context file {shown(uri)} is not a regular file of at most "
                f"{MAX_FILE_BYTES:,} bytes."
            )
        text = real.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid(f"{command}: the context file {shown(uri)} cannot be read as text.") from exc
    return Document(uri, LANGUAGE_IDS.get(real.suffix.lower(), ""), 0, text)


def _language(doc: Document) -> str:
    """The fence's info string."""
    return {"javascriptreact": "javascript", "typescriptreact": "tsx"}.get(
        doc.language_id, doc.language_id
    )


def _shown_path(server: PoeServer, path: str) -> str:
    for root in workspace_roots(server):
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            continue
    return path


def setup(server: PoeServer, jobs: JobManager) -> WorkspaceContext:
    """Build the index after ``initialized``; keep it current; give jobs its definitions."""
    context = WorkspaceContext(server)

    async def begin() -> None:
        await server.ready()  # context.workspace may be off in the workspace settings
        context.start()
        await context.watch_files()

    def on_initialized() -> None:
        server.run_task(begin(), "workspace index")

    server.on_initialized.append(on_initialized)

    jobs.late_context = context.late

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PoeServer, params: types.DidSaveTextDocumentParams) -> None:
        context.file_changed(params.text_document.uri)

    def files_changed(ls: PoeServer, changes: Sequence[types.FileEvent]) -> None:
        for change in changes:
            context.file_changed(change.uri)

    watched.subscribe(server, files_changed)

    return context
