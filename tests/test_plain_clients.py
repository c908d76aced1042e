"""Clients that did not opt in to ``poe/*``: standard LSP only, each failure told once.

"Plain" here is pytest-lsp's captured Emacs (eglot) capability set; "ALE" is
the capability set Vim's ALE 3.3 sends (copied from its ``autoload/ale/lsp.vim``):
no ``workspace.applyEdit``, no ``window`` capabilities, plain-text hover.  The
opted-in clients are VS Code and Neovim with ``experimental.poe.stream``.
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter

from conftest import CLIENTS, MakeEditor
from editor import Editor, capabilities

SOURCE = """def total(prices):
    t = 0
    for p in prices:
        t = t + p
    return t
"""
TARGET = "    t = 0\n    for p in prices:\n        t = t + p\n    return t\n"
NEW_TARGET = "    return sum(prices)\n"
SHORT = "Adds up the prices with a loop."
LONG = (
    "## What it does\n\n"
    "`total` adds up a list of prices with an explicit loop.\n\n"
    "- `t` starts at zero.\n- Each price is added in turn.\n\n"
    "`sum(prices)` would say the same in one line."
)

ALE_CAPABILITIES: dict[str, Any] = {
    "workspace": {
        "applyEdit": False,
        "didChangeConfiguration": {"dynamicRegistration": False},
        "symbol": {"dynamicRegistration": False},
        "workspaceFolders": False,
        "configuration": False,
    },
    "textDocument": {
        "synchronization": {
            "dynamicRegistration": False,
            "willSave": False,
            "willSaveWaitUntil": False,
            "didSave": True,
        },
        "hover": {"dynamicRegistration": False, "contentFormat": ["plaintext"]},
        "publishDiagnostics": {"relatedInformation": True},
        "codeAction": {
            "dynamicRegistration": False,
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": []}},
        },
    },
}


def ale_capabilities() -> types.ClientCapabilities:
    """What ALE 3.3 declares."""
    return default_converter().structure(ALE_CAPABILITIES, types.ClientCapabilities)


def document_opening_capabilities() -> types.ClientCapabilities:
    """The plain set plus ``window.showDocument`` (as Helix and Sublime LSP declare)."""
    caps = capabilities("emacs", stream=False)
    assert caps.window is not None
    caps.window.show_document = types.ShowDocumentClientCapabilities(support=True)
    return caps


def read_private(uri: str) -> tuple[str, int, int]:
    """A file's text, its permissions and its directory's."""
    path = Path(uri.removeprefix("file://"))
    mode = stat.S_IMODE(path.stat().st_mode)
    return path.read_text(encoding="utf-8"), mode, stat.S_IMODE(path.parent.stat().st_mode)


async def plain(make_editor: MakeEditor, **kwargs: Any) -> Editor:
    """An editor with Emacs's captured capabilities, no ``experimental.poe``."""
    return await make_editor("emacs", stream=False, **kwargs)


def target(editor: Editor, uri: str) -> dict[str, Any]:
    start = editor.text(uri).index(TARGET)
    return editor.span_range(uri, start, start + len(TARGET))


def refactor(editor: Editor, uri: str, **parameters: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "range": target(editor, uri),
        "bot": "FencedCodeBot",
        "parameters": {"answer": NEW_TARGET, **parameters},
    }


def explain(editor: Editor, uri: str, answer: str, **parameters: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "range": target(editor, uri),
        "bot": "ExplainBot",
        "parameters": {"answer": answer, **parameters},
    }


def progress_kinds(editor: Editor, job_id: str) -> list[str]:
    return [r.kind for r in editor.client.progress_reports.get(f"poe-{job_id}", [])]


async def settled(editor: Editor) -> dict[str, Any]:
    """``poe/status`` once the job's last task has returned (a round trip or two
    after its progress ended)."""
    for _ in range(40):
        status = await editor.status()
        if status["runningJobs"] == status["backgroundTasks"] == status["trackedRanges"] == 0:
            return status
        await asyncio.sleep(0.05)
    return status


# -- poe/* only for clients that asked -----------------------------------------------------


async def test_plain_client_gets_standard_lsp_only(make_editor: MakeEditor) -> None:
    # stream: the mode that sends the most while a job runs
    editor = await plain(make_editor, workspace={"edits": {"mode": "stream"}})
    uri = editor.open("shop.py", SOURCE)
    explained = await editor.start("poe.explain", explain(editor, uri, SHORT))
    await editor.ended(explained)
    refactored = await editor.start("poe.refactor", refactor(editor, uri))
    # The end carries the job's cost (the fake Poe charges 7 points a request).
    assert await editor.ended(refactored) == "done · 7 points"
    assert editor.notifications == []  # no poe/stream, no poe/done
    assert editor.text(uri) == SOURCE.replace(TARGET, NEW_TARGET)
    for job_id in (explained, refactored):
        kinds = progress_kinds(editor, job_id)
        assert kinds[0] == "begin" and kinds[-1] == "end", kinds


@pytest.mark.parametrize("client", CLIENTS)
async def test_opted_in_client_gets_poe_notifications(make_editor: MakeEditor, client: str) -> None:
    editor = await make_editor(client)
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain(editor, uri, SHORT))
    methods = {method for method, _ in editor.notifications}
    assert methods == {"poe/stream", "poe/done"} and done["text"] == SHORT


# -- one failure channel -----------------------------------------------------------------------

CHANNEL = [
    ("emacs", "window/showMessage"),
    ("visual-studio-code", "poe/done"),
    ("neovim@v0.11.0", "poe/done"),
]
"""Where each client is told a failure: opted-in clients render poe/done."""


async def client_editor(make_editor: MakeEditor, client: str) -> Editor:
    return await make_editor(client, stream=client != "emacs")


@pytest.mark.parametrize(("client", "channel"), CHANNEL)
async def test_failure_is_told_once_in_the_channel_the_client_renders(
    make_editor: MakeEditor, client: str, channel: str
) -> None:
    editor = await client_editor(make_editor, client)
    uri = editor.open("shop.py", SOURCE)
    job_id = await editor.start("poe.refactor", {**refactor(editor, uri), "bot": "OutOfPointsBot"})
    sentence = await editor.ended(job_id)
    assert "out of points" in sentence
    if channel == "poe/done":
        done = await editor.done(job_id)
        assert done["status"] == "failed" and done["error"] == sentence
    assert editor.told(sentence) == [channel]
    shown = [m.type for m in editor.client.messages if sentence in m.message]
    assert shown == ([types.MessageType.Error] if channel == "window/showMessage" else [])


# -- refusals: the error answered, and a message for clients that drop it ----------------------


async def refused(editor: Editor, name: str, argument: dict[str, Any]) -> str:
    with pytest.raises(JsonRpcException) as caught:
        await editor.command(name, argument)
    return str(caught.value.message)


@pytest.mark.parametrize(("client", "channel"), CHANNEL)
async def test_refused_command_is_also_a_message_unless_the_client_shows_errors(
    make_editor: MakeEditor, client: str, channel: str
) -> None:
    editor = await client_editor(make_editor, client)
    uri = editor.open("shop.py", SOURCE)
    empty = editor.span_range(uri, 3, 3)
    sentence = await refused(editor, "poe.explain", {"uri": uri, "range": empty})
    assert "non-empty selection" in sentence
    await editor.command("poe.listBots", {})  # anything sent before this answer has arrived
    expected = ["window/showMessage"] if channel == "window/showMessage" else []
    assert editor.told(sentence) == expected


async def test_client_without_apply_edit_is_offered_every_action(make_editor: MakeEditor) -> None:
    """ALE takes no workspace/applyEdit: edit jobs reach it as review proposals,
    accepted through code actions that carry their own edit (tests/test_review.py)."""
    editor = await make_editor("ale", client_caps=ale_capabilities())
    uri = editor.open("shop.py", SOURCE)
    diagnostic = {
        "range": target(editor, uri),
        "message": "use sum()",
        "severity": 2,
    }
    converter = editor.client.protocol._converter
    actions = await editor.code_actions(
        uri, target(editor, uri), diagnostics=[converter.structure(diagnostic, types.Diagnostic)]
    )
    titles = [a["title"] for a in actions]
    assert titles[:2] == ["Explain with GPT-5", "Refactor with GPT-5"], titles
    assert "Fix with GPT-5" in titles, titles


# -- an applyEdit nobody answers -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["stream", "final"])
@pytest.mark.parametrize("client", ["visual-studio-code", "emacs"])
async def test_unanswered_edit_ends_the_job_and_leaves_the_document_as_shown(
    make_editor: MakeEditor, mode: str, client: str
) -> None:
    editor = await make_editor(
        client,
        stream=client != "emacs",
        workspace={"edits": {"mode": mode}, "timeouts": {"applyEditSeconds": 0.5}},
    )
    editor.answer_edits = False  # applies the edit, never answers (ALE)
    uri = editor.open("shop.py", SOURCE)
    job_id = await editor.start("poe.refactor", refactor(editor, uri, chunk_size=3, delay=0.01))
    sentence = await editor.ended(job_id)
    assert "did not answer an edit request" in sentence
    assert "timeouts.applyEditSeconds" in sentence
    if client == "emacs":
        assert editor.told(sentence) == ["window/showMessage"]
    else:
        done = await editor.done(job_id)
        assert done["status"] == "failed" and editor.told(sentence) == ["poe/done"]
    # One edit was sent and applied; none followed it, none undid it.
    assert editor.edit_requests == 1
    shown = editor.text(uri)
    assert shown != SOURCE and shown.startswith("def total(prices):\n")
    status = await settled(editor)
    assert status["runningJobs"] == status["backgroundTasks"] == 0, status
    assert status["requestFutures"] == status["resultTypes"] == 0, status
    assert editor.text(uri) == shown


async def test_settings_read_the_apply_edit_timeout() -> None:
    from poe_lsp.core.settings import Settings, SettingsReader

    problems: list[str] = []
    reader = SettingsReader(problems.append)
    assert reader.read({}, {"timeouts.applyEditSeconds": 2.5}).apply_edit_seconds == 2.5
    assert reader.read({}, {"timeouts": {"applyEditSeconds": 0}}).apply_edit_seconds == (
        Settings().apply_edit_seconds
    )
    assert len(problems) == 1 and "applyEditSeconds" in problems[0]


# -- explanations, in the channel each client reads well --------------------------------------


async def test_short_explanation_is_the_message_itself(make_editor: MakeEditor) -> None:
    editor = await plain(make_editor)
    uri = editor.open("shop.py", SOURCE)
    await editor.ended(await editor.start("poe.explain", explain(editor, uri, SHORT)))
    assert editor.messages() == [f"ExplainBot: {SHORT}"]


async def test_long_explanation_is_pointed_to_and_read_on_hover(make_editor: MakeEditor) -> None:
    editor = await plain(make_editor)
    uri = editor.open("shop.py", SOURCE)
    await editor.ended(await editor.start("poe.explain", explain(editor, uri, LONG)))
    [message] = editor.messages()
    assert "\n" not in message and "hover over the selection" in message, message
    assert "ExplainBot" in message and "sum(prices)" not in message
    hover = await editor.hover(uri, SOURCE.index("for p"))
    assert hover is not None and hover.contents.value == LONG


async def test_long_explanation_opens_as_a_private_markdown_document(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor("emacs", client_caps=document_opening_capabilities())
    uri = editor.open("shop.py", SOURCE)
    await editor.ended(await editor.start("poe.explain", explain(editor, uri, LONG)))
    await editor.wait_until(lambda: editor.shown_documents)
    [shown] = editor.shown_documents
    text, file_mode, directory_mode = read_private(shown.uri)
    assert shown.uri.endswith(".md") and text == f"# ExplainBot on shop.py\n\n{LONG}\n"
    assert (file_mode, directory_mode) == (0o600, 0o700)
    assert editor.messages() == []


async def test_document_the_client_will_not_open_falls_back_to_the_message(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor("emacs", client_caps=document_opening_capabilities())
    editor.show_document_success = False
    uri = editor.open("shop.py", SOURCE)
    await editor.ended(await editor.start("poe.explain", explain(editor, uri, LONG)))
    await editor.wait_until(lambda: editor.messages())
    [message] = editor.messages()
    assert "hover over the selection" in message and len(editor.shown_documents) == 1


async def test_explanation_of_an_edited_range_comes_whole_in_the_message(
    make_editor: MakeEditor,
) -> None:
    editor = await plain(make_editor)
    uri = editor.open("shop.py", SOURCE)
    job_id = await editor.start("poe.explain", explain(editor, uri, LONG, chunk_size=4, delay=0.02))
    await editor.wait_until(lambda: len(progress_kinds(editor, job_id)) > 1)
    inside = SOURCE.index("t = t + p")
    editor.type(uri, inside, inside + 1, "total")  # the hover would no longer fit
    await editor.ended(job_id)
    assert editor.messages() == [f"ExplainBot: {LONG}"]


@pytest.mark.parametrize("client", CLIENTS)
async def test_opted_in_client_gets_no_extra_explanation_channel(
    make_editor: MakeEditor, client: str
) -> None:
    editor = await make_editor(client)
    uri = editor.open("shop.py", SOURCE)
    for answer in (SHORT, LONG):
        done = await editor.run("poe.explain", explain(editor, uri, answer))
        assert done["text"] == answer
    await editor.command("poe.listBots", {})
    assert editor.messages() == [] and editor.shown_documents == []
