"""Code actions: one per applicable job, computed without any network call.

Kinds decide where clients list an action.  VS Code's lightbulb groups actions
under Quick Fix, Extract, Inline, Rewrite, Move and Surround With and puts every
other kind (no kind, or plain ``refactor``) last under "More Actions…"; it
never lists ``source`` actions there.  So the actions that work on a selection
(Explain, Refactor, Document) are ``refactor.rewrite`` and Fix is ``quickfix``;
other features (review) add their own actions through ``extra``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lsprotocol import types

from poe_lsp.core import docs
from poe_lsp.core.actions import action_title
from poe_lsp.core.textdoc import Document

from .positions import range_json, span_of
from .proposals import SOURCE as PROPOSAL_SOURCE
from .server import PoeServer

EXPLAIN_KIND = types.CodeActionKind.RefactorRewrite
REFACTOR_KIND = types.CodeActionKind.RefactorRewrite
DOCUMENT_KIND = types.CodeActionKind.RefactorRewrite
FIX_KIND = types.CodeActionKind.QuickFix

Provider = Callable[[PoeServer, types.CodeActionParams], Sequence[types.CodeAction]]
"""Another feature's code actions for a request (listed before the job actions)."""


def _wanted(kind: str, only: list[str] | None) -> bool:
    """Honour ``context.only``: a kind matches itself and its sub-kinds."""
    if not only:
        return True
    return any(kind == want or kind.startswith(f"{want}.") for want in only)


def _action(title: str, kind: str, command: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=kind,
        command=types.Command(title=title, command=command, arguments=[argument]),
    )


def actions_for(server: PoeServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """The actions that apply to the requested range (no network, one parse at most)."""
    uri = params.text_document.uri
    doc = server.documents.get(uri)
    if doc is None:
        return []
    rng = params.range
    rng_json = range_json(rng)
    selected = (rng.start.line, rng.start.character) < (rng.end.line, rng.end.character)
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    offers: list[tuple[str, str, dict[str, Any]]] = []
    if selected:
        offers.append((EXPLAIN_KIND, "explain", {"range": rng_json}))
        offers.append((REFACTOR_KIND, "refactor", {"range": rng_json}))
    if _wanted(DOCUMENT_KIND, only) and _documentable(server, doc, rng):
        offers.append((DOCUMENT_KIND, "document", {"range": rng_json}))
    # Our own proposal hints are no problem for a bot to fix.
    problems = [d for d in params.context.diagnostics if d.source != PROPOSAL_SOURCE]
    if problems:
        unstructure = server.protocol._converter.unstructure
        diagnostics = [unstructure(d) for d in problems]
        offers.append((FIX_KIND, "fix", {"range": rng_json, "diagnostics": diagnostics}))
    found: list[types.CodeAction] = []
    # A client without workspace/applyEdit (Vim's ALE) gets edit jobs as review
    # proposals, accepted through code actions that carry their own edit.
    for kind, action, extra in offers:
        if not _wanted(kind, only):
            continue
        bot = server.settings.bot_for(action)
        title = action_title(action, bot)
        found.append(_action(title, kind, f"poe.{action}", {"uri": uri, **extra, "bot": bot}))
    return found


def _documentable(server: PoeServer, doc: Document, rng: types.Range) -> bool:
    """Whether the cursor or selection lies in a function, method or class."""
    if not docs.supported(doc.language_id):
        return False
    span = span_of(doc, rng, server.encoding)
    return docs.has_doc_target(doc.text, doc.language_id, span.start, span.end)


def setup(
    server: PoeServer, extra: Sequence[Provider] = (), after: Sequence[Provider] = ()
) -> None:
    """Register ``textDocument/codeAction``: ``extra`` providers' actions, then the
    jobs', then ``after`` providers' (variants of the jobs, such as compare, then
    user-defined actions)."""

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=sorted({EXPLAIN_KIND, REFACTOR_KIND, DOCUMENT_KIND, FIX_KIND}),
            resolve_provider=False,
        ),
    )
    async def code_action(ls: PoeServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        # The titles and arguments name the bot: wait for the workspace settings.
        await ls.ready()
        only = [str(kind) for kind in params.context.only] if params.context.only else None

        def offered(providers: Sequence[Provider]) -> list[types.CodeAction]:
            return [
                action
                for provider in providers
                for action in provider(ls, params)
                if _wanted(str(action.kind or ""), only)
            ]

        return offered(extra) + actions_for(ls, params) + offered(after)
