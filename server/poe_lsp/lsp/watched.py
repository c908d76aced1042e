"""``workspace/didChangeWatchedFiles``, shared by the features that watch files.

pygls takes one handler per method, while several features want to hear of
changed files (user-defined actions; a workspace index): each subscribes a
listener here, and each registers its own watchers with the client
(:func:`register_watchers`), under its own registration id.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable, Sequence

from lsprotocol import types

from .server import PoeServer

log = logging.getLogger(__name__)

REGISTER_SECONDS = 10.0
"""How long a client may take to answer ``client/registerCapability``."""

Listener = Callable[[PoeServer, Sequence[types.FileEvent]], None]

_listeners: weakref.WeakKeyDictionary[PoeServer, list[Listener]] = weakref.WeakKeyDictionary()


def subscribe(server: PoeServer, listener: Listener) -> None:
    """Call ``listener`` with the changes of every ``didChangeWatchedFiles``."""
    listeners = _listeners.get(server)
    if listeners is None:
        listeners = _listeners[server] = []

        @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
        def changed(ls: PoeServer, params: types.DidChangeWatchedFilesParams) -> None:
            for each in list(_listeners.get(ls, ())):
                try:
                    each(ls, params.changes)
                except Exception:
                    log.exception("a watched-files listener failed")

    listeners.append(listener)


def can_register(server: PoeServer) -> bool:
    """Whether the client takes watchers registered at run time."""
    ws = server.client_capabilities.workspace
    watched = ws.did_change_watched_files if ws else None
    return bool(watched and watched.dynamic_registration)


def relative_patterns(server: PoeServer) -> bool:
    """Whether the client understands ``RelativePattern`` globs (LSP 3.17)."""
    ws = server.client_capabilities.workspace
    watched = ws.did_change_watched_files if ws else None
    return bool(watched and watched.relative_pattern_support)


async def register_watchers(
    server: PoeServer, feature: str, patterns: Sequence[types.GlobPattern]
) -> bool:
    """Ask the client to watch ``patterns``; False when it cannot or refused."""
    if not can_register(server):
        return False
    registration = types.Registration(
        id=f"poe-{feature}-{uuid.uuid4().hex[:8]}",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=p) for p in patterns]
        ),
    )
    msg_id = f"poe-{uuid.uuid4().hex}"
    protocol = server.protocol
    try:
        await server.request_within(
            types.CLIENT_REGISTER_CAPABILITY,
            types.RegistrationParams(registrations=[registration]),
            REGISTER_SECONDS,
            msg_id=msg_id,
        )
    except Exception:
        log.warning("the client did not watch files for %s", feature, exc_info=True)
        return False
    finally:
        # pygls keeps the result type of a request answered with an error.
        protocol._result_types.pop(msg_id, None)
    return True
