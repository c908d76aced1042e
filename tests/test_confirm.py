"""Edits the user confirms first (``edits.mode: confirm``), and editors that take no edits.

Confirm mode sends one edit whose change annotation needs confirmation; an
editor without annotation support (Neovim) is asked "Apply" / "Discard"
instead.  An editor that does not declare ``workspace.applyEdit`` cannot
take an editing job at all: the command is refused with LSP's RequestFailed.
These tests sit together so that they can move as one when review proposals
replace confirm mode.
"""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import MakeEditor
from editor import Editor, capabilities
from fakepoe import FakePoe

SOURCE = """def mean(values):
    total = 0
    for v in values:
        total += v
    return total / len(values)
"""
BODY = "    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n"
NEW_BODY = "    return sum(values) / len(values)\n"
CONFIRM = {"edits": {"mode": "confirm"}}
TRUSTED = {"allowedBots": ["FencedCodeBot"]}
"""FencedCodeBot needs no consent question: the only question is the confirmation."""
REQUEST_FAILED = -32803


def refactor(editor: Editor, uri: str) -> dict[str, object]:
    """A poe.refactor of the loop, answered with :data:`NEW_BODY`."""
    return {
        "uri": uri,
        "range": editor.range_of(uri, BODY),
        "bot": "FencedCodeBot",
        "parameters": {"answer": NEW_BODY},
    }


async def test_confirm_mode_sends_one_edit_whose_annotation_needs_confirmation(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor("visual-studio-code", init_options=TRUSTED, workspace=CONFIRM)
    uri = editor.open("stats.py", SOURCE)
    done = await editor.run("poe.refactor", refactor(editor, uri))
    assert done["status"] == "done", done
    (sent,) = editor.workspace_edits
    (edit,) = sent["edits"]
    assert isinstance(edit, types.AnnotatedTextEdit)
    annotation = sent["annotations"][edit.annotation_id]
    assert annotation.needs_confirmation is True
    assert annotation.label == "Poe · Refactor · FencedCodeBot"
    # The scripted editor confirms every annotated edit, as a user pressing Apply.
    assert editor.text(uri) == SOURCE.replace(BODY, NEW_BODY)
    assert editor.message_requests == []


@pytest.mark.parametrize(
    ("answer", "status", "expected"),
    [
        ("Apply", "done", SOURCE.replace(BODY, NEW_BODY)),
        ("Discard", "cancelled", SOURCE),
        (None, "cancelled", SOURCE),
    ],
    ids=["apply", "discard", "dismissed"],
)
async def test_without_annotation_support_the_user_is_asked_apply_or_discard(
    make_editor: MakeEditor, answer: str | None, status: str, expected: str
) -> None:
    # Neovim 0.11 declares neither documentChanges nor changeAnnotationSupport.
    editor = await make_editor("neovim@v0.11.0", init_options=TRUSTED, workspace=CONFIRM)
    editor.consent_answer = answer
    uri = editor.open("stats.py", SOURCE)
    done = await editor.run("poe.refactor", refactor(editor, uri))
    (question,) = editor.message_requests
    assert question.message == "Poe · Refactor · FencedCodeBot: apply the proposed change?"
    assert [a.title for a in question.actions or []] == ["Apply", "Discard"]
    assert done["status"] == status, done
    assert editor.text(uri) == expected
    if answer == "Apply":
        (sent,) = editor.workspace_edits
        assert sent["annotations"] == {}
    else:
        assert editor.workspace_edits == []
        assert "not confirmed" in done["error"]


@pytest.mark.parametrize("command", ["poe.refactor", "poe.fix", "poe.document"])
async def test_an_editor_without_apply_edit_is_refused_editing_jobs(
    make_editor: MakeEditor, fake: FakePoe, command: str
) -> None:
    caps = capabilities("emacs", stream=True)
    assert caps.workspace is not None
    caps.workspace.apply_edit = False  # as Vim's ALE declares it
    editor = await make_editor("emacs", caps=caps, init_options=TRUSTED)
    uri = editor.open("stats.py", SOURCE)
    argument = {
        **refactor(editor, uri),
        "diagnostics": [{"range": editor.range_of(uri, "total += v"), "message": "use sum()"}],
    }
    with pytest.raises(JsonRpcException) as raised:
        await editor.command(command, argument)
    assert raised.value.code == REQUEST_FAILED
    assert raised.value.message == (
        "This editor does not accept edits from a language server "
        '(workspace.applyEdit); use poe.explain, or poe.ask with output "explain".'
    )
    assert fake.requests == []
    # Explaining needs no edit: the same editor may still do that.
    done = await editor.run(
        "poe.explain",
        {"uri": uri, "range": editor.range_of(uri, BODY), "bot": "FencedCodeBot"},
    )
    assert done["status"] == "done"
