"""Settings life cycle: initialization options, workspace configuration, reloads."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from lsprotocol import types

from poe_lsp.core.logs import add_secret
from poe_lsp.core.settings import bots_named_by_user

from .jobs import JobManager
from .server import PoeServer

log = logging.getLogger(__name__)

_after_initialized: weakref.WeakKeyDictionary[PoeServer, list[Callable[[PoeServer], object]]] = (
    weakref.WeakKeyDictionary()
)


def when_initialized(server: PoeServer, callback: Callable[[PoeServer], object]) -> None:
    """Call ``callback`` on ``initialized`` (a feature's background start-up)."""
    _after_initialized.setdefault(server, []).append(callback)


def _declares_stream(params: types.InitializeParams) -> bool:
    experimental = params.capabilities.experimental
    if not isinstance(experimental, Mapping):
        return False
    poe = experimental.get("poe")
    return isinstance(poe, Mapping) and poe.get("stream") is True


def on_initialize(server: PoeServer, params: types.InitializeParams) -> None:
    """Read the user's own settings and the client's capabilities."""
    options = params.initialization_options
    server.init_options = dict(options) if isinstance(options, Mapping) else {}
    server.secrets = server.reader.read_secrets(server.init_options)
    add_secret(server.secrets.api_key)
    init_settings = server.reader.read(server.init_options, None)
    server.settings = init_settings
    server.user_settings = init_settings
    server.user_bots = bots_named_by_user(init_settings, server.secrets)
    server.stream_capable = _declares_stream(params)
    server.client_name = params.client_info.name if params.client_info else ""
    log.info(
        "initialized: client=%s stream=%s base=%s",
        params.client_info.name if params.client_info else "?",
        server.stream_capable,
        server.secrets.base_url,
    )


def _supports_configuration(server: PoeServer) -> bool:
    ws = server.client_capabilities.workspace
    return bool(ws and ws.configuration)


async def refresh(server: PoeServer, pushed: Any = None) -> None:
    """Re-read ``workspace/configuration`` (or use settings the client pushed)."""
    workspace: Any = None
    if _supports_configuration(server):
        try:
            result = await server.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="poe")])
            )
            workspace = result[0] if result else None
        except Exception:
            log.warning(
                "workspace/configuration failed; keeping the current settings", exc_info=True
            )
            server.configured.set()
            return
    elif isinstance(pushed, Mapping):
        workspace = pushed.get("poe", pushed)
    server.workspace_options = dict(workspace) if isinstance(workspace, Mapping) else {}
    server.settings = server.reader.read(server.init_options, server.workspace_options)
    server.configured.set()
    log.info("settings: bot=%s mode=%s", server.settings.bot, server.settings.edits_mode)


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register the initialize/initialized/didChangeConfiguration handlers."""

    @server.feature(types.INITIALIZE)
    def initialize(ls: PoeServer, params: types.InitializeParams) -> None:
        on_initialize(ls, params)

    @server.feature(types.INITIALIZED)
    def initialized(ls: PoeServer, _params: types.InitializedParams) -> None:
        ls.run_task(refresh(ls), "read workspace configuration")
        for start in ls.on_initialized:
            start()
        for callback in _after_initialized.get(ls, ()):
            callback(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: PoeServer, params: types.DidChangeConfigurationParams) -> None:
        # Requests that arrive before the new settings are read wait for them.
        ls.configured.clear()
        ls.run_task(refresh(ls, params.settings), "re-read workspace configuration")

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: PoeServer, _params: Any) -> None:
        jobs.cancel_all()
        await ls.close_poe_client()
        for hook in jobs.hooks:
            await hook.aclose()
