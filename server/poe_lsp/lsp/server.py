"""The language server object: the client's facts and the state features share.

The server knows nothing of its features: :mod:`poe_lsp.lsp.wiring` builds it
and hands each feature module (``setup(server, ...)``) what it needs, so no
feature module is imported from here and no import cycle can form.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid
from collections.abc import Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, BinaryIO

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from poe_lsp import __version__
from poe_lsp.core.catalogue import Catalogue
from poe_lsp.core.hovers import HoverStore
from poe_lsp.core.review import ProposalStore
from poe_lsp.core.settings import Secrets, Settings, SettingsReader
from poe_lsp.core.textdoc import DocumentStore, Encoding

if TYPE_CHECKING:
    from poe_lsp.poe.attachments import Uploader
    from poe_lsp.poe.transport import Transport

log = logging.getLogger(__name__)

CommandHandler = Callable[["PoeServer", types.ExecuteCommandParams], Any]


class PoeProtocol(LanguageServerProtocol):
    """Dispatches ``workspace/executeCommand`` with the whole params object.

    pygls converts command arguments by annotation and hides the
    ``workDoneToken``; our commands validate their one argument object
    themselves (to answer -32602 with a helpful sentence) and use the token.
    """

    _server: PoeServer

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(
        self, params: types.ExecuteCommandParams
    ) -> Generator[Any, Any, Any]:
        from pygls.exceptions import JsonRpcInvalidParams

        server = self._server
        handler = server.command_handlers.get(params.command)
        if handler is None:
            known = ", ".join(sorted(server.command_handlers))
            message = f"Unknown command {params.command!r}; poe-lsp offers {known}."
            server.tell_refusal(message)
            raise JsonRpcInvalidParams(message=message)
        result = yield _telling_refusals(handler), (server, params), None
        return result

    # The text of open documents lives in our DocumentStore only.  pygls would keep
    # a second copy (twice the memory) whose incremental update is a Python loop
    # over every line: ~5 ms per keystroke in a 20,000-line file, paid before any
    # request queued behind the change is answered.  Nothing reads that copy.

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def _execute_handler(  # type: ignore[no-untyped-def]
        self, msg_id, handler, callback, args=None, kwargs=None
    ) -> None:
        """pygls files the future of every async handler run from a built-in
        generator (such as executeCommand) under a random id and never removes
        it; drop it once it is done so a long session does not grow."""
        super()._execute_handler(msg_id, handler, callback, args=args, kwargs=kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:

            def forget(done: Any) -> None:
                if self._request_futures.get(msg_id) is done:
                    del self._request_futures[msg_id]

            future.add_done_callback(forget)


def _telling_refusals(handler: CommandHandler) -> CommandHandler:
    """``handler``, with the error it answers also shown to clients that drop it."""

    async def run(server: PoeServer, params: types.ExecuteCommandParams) -> Any:
        from pygls.exceptions import JsonRpcException

        try:
            result = handler(server, params)
            return (await result) if inspect.isawaitable(result) else result
        except JsonRpcException as error:
            server.tell_refusal(error.message)
            raise

    return run


class PoeServer(LanguageServer):
    """Holds what the features share: documents, settings, jobs, the Poe client."""

    def __init__(self) -> None:
        super().__init__("poe-lsp", __version__, protocol_cls=PoeProtocol)
        self.documents = DocumentStore()
        self.command_handlers: dict[str, CommandHandler] = {}
        self.init_options: dict[str, Any] = {}
        self.workspace_options: dict[str, Any] = {}
        self.reader = SettingsReader(self.show_warning)
        self.settings = Settings()
        """The settings in force: the user's own, with the workspace's over them."""
        self.user_settings = Settings()
        """The user's own settings (initialization options): what costs need no consent."""
        self.secrets = Secrets()
        self.user_bots: frozenset[str] = frozenset()
        self.consented_bots: set[str] = set()
        self.stream_capable = False
        self.client_name = ""
        self._tasks: set[asyncio.Task[Any]] = set()
        self.configured = asyncio.Event()
        self._poe_client: Transport | None = None
        self._uploader: Uploader | None = None
        self.parameters_note_shown = False
        self.hovers = HoverStore(self.documents)
        """Finished explanations, for ``textDocument/hover``."""
        self.proposals = ProposalStore(self.documents)
        """Review proposals waiting for the user's accept or reject."""
        self.on_initialized: list[Callable[[], None]] = []
        """Called on ``initialized`` by features that start work then (the workspace index)."""
        self._catalogue: Catalogue | None = None
        self._catalogue_read = False

    # -- client facts ---------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        """The negotiated position encoding."""
        try:
            enc = self.workspace.position_encoding
        except RuntimeError:
            return "utf-16"
        value = str(getattr(enc, "value", enc) or "utf-16")
        return value if value in ("utf-8", "utf-32") else "utf-16"  # type: ignore[return-value]

    def supports_progress(self) -> bool:
        """Whether the client declared ``window.workDoneProgress``."""
        window = self.client_capabilities.window
        return bool(window and window.work_done_progress)

    def supports_document_changes(self) -> bool:
        """Whether versioned ``documentChanges`` may be used in workspace edits.

        Neovim applies them (and refuses a stale version) without declaring
        ``workspaceEdit.documentChanges``; without a version an edit computed
        before the user's latest keystrokes would land in the wrong place.
        """
        ws = self.client_capabilities.workspace
        if ws and ws.workspace_edit and ws.workspace_edit.document_changes:
            return True
        return self.client_name.lower() == "neovim"

    def supports_apply_edit(self) -> bool:
        """Whether the client takes ``workspace/applyEdit`` (Vim's ALE, for one, does not)."""
        ws = self.client_capabilities.workspace
        return bool(ws and ws.apply_edit)

    def supports_show_document(self) -> bool:
        """Whether the client opens documents on ``window/showDocument``."""
        window = self.client_capabilities.window
        return bool(window and window.show_document and window.show_document.support)

    @property
    def renders_jobs(self) -> bool:
        """Whether the client declared ``experimental.poe.stream``: it renders the
        ``poe/*`` notifications, a job's failure included, and shows the errors
        answered to its own command requests.  Only such a client is sent ``poe/*``;
        every other one gets standard LSP only, failures as ``window/showMessage``."""
        return self.stream_capable

    def supports_code_lens_refresh(self) -> bool:
        """Whether the client asks again for code lenses on ``workspace/codeLens/refresh``."""
        ws = self.client_capabilities.workspace
        return bool(ws and ws.code_lens and ws.code_lens.refresh_support)

    # -- the Poe client, created on first use ---------------------------------------

    @property
    def poe_client(self) -> Transport:
        """The shared transport to Poe, the one the user chose (the HTTP stack is
        imported on first use, not at start-up)."""
        if self._poe_client is None:
            from poe_lsp.poe.transport import open_transport

            self._poe_client = open_transport(self.secrets)
        return self._poe_client

    @property
    def uploader(self) -> Uploader:
        """Uploads attachments, each distinct content once per session."""
        if self._uploader is None:
            from poe_lsp.poe.attachments import Uploader

            self._uploader = Uploader(
                self.secrets.api_key, self.secrets.upload_url, limiter=self.poe_client.limiter
            )
        return self._uploader

    async def close_poe_client(self) -> None:
        """Close the shared HTTP session, if one was opened."""
        if self._poe_client is not None:
            client, self._poe_client = self._poe_client, None
            await client.aclose()

    @property
    def catalogue(self) -> Catalogue | None:
        """Poe's bot catalogue as last known: read from the disk cache on first use
        (after ``initialize``: the cache is kept per endpoint), then as
        :mod:`poe_lsp.lsp.catalogue` fetches it.  None when nothing is known."""
        if self._catalogue is None and not self._catalogue_read:
            self._catalogue_read = True
            from poe_lsp.core.catalogue import cache_path
            from poe_lsp.poe.catalogue import load_cached

            self._catalogue = load_cached(cache_path(), self.secrets.openai_base_url)
        return self._catalogue

    @catalogue.setter
    def catalogue(self, value: Catalogue) -> None:
        self._catalogue = value

    # -- messages ---------------------------------------------------------------------

    def show(self, kind: types.MessageType, message: str) -> None:
        """Show a message to the user (``window/showMessage``)."""
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def show_warning(self, message: str) -> None:
        """Show a warning to the user."""
        self.show(types.MessageType.Warning, message)

    def tell_refusal(self, message: str) -> None:
        """An error answered to a command the user picked (a code action, a command),
        also as ``window/showMessage`` for clients that do not show such errors
        (Vim's ALE drops them; Emacs shows a raw dump).  Clients that render
        ``poe/*`` show the error themselves, so they are not told twice."""
        if not self.renders_jobs:
            self.show(types.MessageType.Error, f"poe-lsp: {message}")

    async def request_within(
        self, method: str, params: Any, seconds: float, *, msg_id: str | None = None
    ) -> Any:
        """Send a request to the client; give up after ``seconds``.

        Raises :class:`TimeoutError` then, after withdrawing the request
        (``$/cancelRequest``) and forgetting it: pygls would otherwise keep its
        future until an answer that may never come (ALE never answers
        ``workspace/applyEdit``).
        """
        msg_id = msg_id or f"poe-{uuid.uuid4().hex}"
        protocol = self.protocol
        future = protocol.send_request(method, params, msg_id=msg_id)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), seconds)
        except (TimeoutError, asyncio.CancelledError):
            protocol._request_futures.pop(msg_id, None)
            protocol._result_types.pop(msg_id, None)
            with contextlib.suppress(Exception):
                protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            raise

    # -- background tasks ---------------------------------------------------------

    def after_reply(self, action: Callable[[], Any]) -> None:
        """From a request's handler: call ``action`` once that request's reply is
        sent (at once if it has been, or if there is no request)."""
        msg_id = self.protocol.msg_id
        future = None if msg_id is None else self.protocol._request_futures.get(msg_id)
        if future is None or future.done():
            action()
        else:
            # Done callbacks run in order: pygls's own, which sends the reply, first.
            future.add_done_callback(lambda _: action())

    def run_task(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start a background task, keep a reference and log its failure."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    @property
    def task_count(self) -> int:
        """Background tasks still running (for leak checks)."""
        return len(self._tasks)

    async def ready(self, timeout: float = 5.0) -> None:
        """Wait (briefly) until the first workspace configuration has been read,
        so that a command sent right after start-up uses the user's settings."""
        if not self.configured.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.configured.wait(), timeout)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve on stdio with the framing that survives malformed input (see framing.py)."""
        from . import framing

        with framing.installed():
            super().start_io(stdin, stdout)

    # pygls's version returns nothing and serves every connection without a token.
    def start_tcp(self, host: str, port: int, token: str | None = None) -> bool:  # type: ignore[override]
        """Serve exactly one TCP client, which must send ``token`` (see tcp.py),
        then return: a second client never takes over the first one's server.
        False if that client was disconnected for what it sent."""
        import threading

        from .tcp import serve_one

        if not token:
            raise ValueError("poe-lsp serves TCP only with a token")
        self._stop_event = stop = threading.Event()
        try:
            return asyncio.run(serve_one(self.protocol, host, port, token, stop))
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    def register_command(self, name: str, handler: CommandHandler) -> None:
        """Expose a command in ``executeCommandProvider`` and dispatch it to ``handler``."""
        self.command_handlers[name] = handler

        @self.command(name)
        def _listed(*_args: Any) -> None:  # pragma: no cover - never called: see PoeProtocol
            return None
