"""Code actions: one per applicable job, computed without any network call."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from .server import PoeServer

EXPLAIN_KIND = types.CodeActionKind.Empty
REFACTOR_KIND = types.CodeActionKind.RefactorRewrite


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
    """The actions that apply to the requested range."""
    uri = params.text_document.uri
    if server.documents.get(uri) is None:
        return []
    rng = params.range
    if (rng.start.line, rng.start.character) >= (rng.end.line, rng.end.character):
        return []
    range_json = {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    settings = server.settings
    found: list[types.CodeAction] = []
    explain_bot = settings.bot_for("explain")
    if _wanted(EXPLAIN_KIND, only):
        found.append(
            _action(
                f"Explain with {explain_bot}",
                EXPLAIN_KIND,
                "poe.explain",
                {"uri": uri, "range": range_json, "bot": explain_bot},
            )
        )
    refactor_bot = settings.bot_for("refactor")
    if _wanted(REFACTOR_KIND, only):
        found.append(
            _action(
                f"Refactor with {refactor_bot}",
                REFACTOR_KIND,
                "poe.refactor",
                {"uri": uri, "range": range_json, "bot": refactor_bot},
            )
        )
    return found


def setup(server: PoeServer) -> None:
    """Register ``textDocument/codeAction``."""

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[EXPLAIN_KIND, REFACTOR_KIND], resolve_provider=False
        ),
    )
    async def code_action(ls: PoeServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        # The titles and arguments name the bot: wait for the workspace settings.
        await ls.ready()
        return actions_for(ls, params)
