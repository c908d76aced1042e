"""Builds the language server and wires every feature into it.

The only module that knows the whole server: :class:`~poe_lsp.lsp.server.PoeServer`
holds shared state and client facts, each feature module registers its own
handlers in ``setup(server, ...)`` and is handed what it needs here (the job
manager most of them share), so features never import each other's state
through the server and no import cycle can form.
"""

from __future__ import annotations

from functools import partial

from . import (
    catalogue,
    code_actions,
    commands,
    compare,
    config,
    conversations,
    document,
    documents,
    fix,
    hover,
    review,
    status,
    usage,
    user_actions,
    workspace,
)
from .jobs import JobManager
from .server import PoeServer


def create_server() -> PoeServer:
    """A server with every feature registered."""
    server = PoeServer()
    jobs = JobManager(server)
    config.setup(server, jobs)
    documents.setup(server, jobs)
    commands.setup(server, jobs)
    fix.setup(server, jobs)
    document.setup(server, jobs)
    compare.setup(server, jobs)
    proposals = review.setup(server)
    follow_ups = conversations.setup(server, jobs)
    own_actions = user_actions.setup(server, jobs)
    code_actions.setup(
        server,
        extra=[proposals.code_actions, follow_ups.code_actions],
        after=[compare.code_actions, partial(user_actions.code_actions, own_actions)],
    )
    hover.setup(server)
    status.setup(server, jobs)
    usage.setup(server, jobs)
    workspace.setup(server, jobs)
    catalogue.setup(server)
    return server
