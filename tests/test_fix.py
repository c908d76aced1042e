"""poe.fix end to end: diagnostics reach the bot, the range is rewritten like a refactor."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import MakeEditor, fail_after_writing_code
from editor import Editor
from fakepoe import FakePoe

# These tests are about fixes landing in the document as edits, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

SOURCE = """import os


def load(path):
    with open(path) as handle:
        return handle.read()


def total(prices):
    result = 0
    for p in prices:
        result = result + undefined_name
    return result
"""
BROKEN = "        result = result + undefined_name\n"
FIXED = "        result = result + p\n"


def diagnostic(editor: Editor, uri: str, needle: str, message: str) -> dict[str, Any]:
    """An LSP Diagnostic (JSON) on ``needle``, as a linter would publish it."""
    return {
        "range": editor.range_of(uri, needle),
        "message": message,
        "severity": 1,
        "source": "pyflakes",
        "code": "F821",
    }


async def test_fix_sends_the_diagnostics_and_rewrites_the_range(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("prices.py", SOURCE)
    problem = diagnostic(editor, uri, "undefined_name", "undefined name 'undefined_name'")
    done = await editor.run(
        "poe.fix",
        {
            "uri": uri,
            "range": editor.range_of(uri, BROKEN),
            "diagnostics": [problem],
            "bot": "FencedCodeBot",
            "parameters": {"answer": FIXED},
        },
    )
    assert done["status"] == "done", done
    assert done["action"] == "fix"
    assert editor.text(uri) == SOURCE.replace(BROKEN, FIXED)
    prompt = fake.requests[-1].prompt
    assert "undefined name 'undefined_name'" in prompt
    assert "pyflakes" in prompt and "F821" in prompt
    line = SOURCE[: SOURCE.index("undefined_name")].count("\n") + 1
    assert f"line {line}" in prompt


async def test_fix_with_a_cursor_rewrites_the_whole_lines_of_the_diagnostics(
    editor: Editor,
) -> None:
    uri = editor.open("prices.py", SOURCE)
    problem = diagnostic(editor, uri, "undefined_name", "undefined name 'undefined_name'")
    cursor = editor.range_of(uri, "undefined_name")["start"]
    done = await editor.run(
        "poe.fix",
        {
            "uri": uri,
            "range": {"start": cursor, "end": cursor},
            "diagnostics": [problem],
            "bot": "FencedCodeBot",
            "parameters": {"answer": FIXED},
        },
    )
    assert done["status"] == "done", done
    assert editor.text(uri) == SOURCE.replace(BROKEN, FIXED)


async def test_a_fix_that_fails_after_writing_code_leaves_the_document_as_it_was(
    edit_editor: Editor, fake: FakePoe
) -> None:
    editor = edit_editor
    uri = editor.open("prices.py", SOURCE)
    problem = diagnostic(editor, uri, "undefined_name", "undefined name")
    argument = {"uri": uri, "range": editor.range_of(uri, BROKEN), "diagnostics": [problem]}
    done = await fail_after_writing_code(editor, fake, "poe.fix", argument)
    assert done["status"] == "failed"
    assert editor.text(uri) == SOURCE


@pytest.mark.parametrize(
    ("diagnostics", "hint"),
    [
        (None, "needs 'diagnostics'"),
        ([], "needs 'diagnostics'"),
        (["oops"], "must be an LSP Diagnostic"),
        ([{"range": {"start": {"line": 0, "character": 0}}, "message": "x"}], "range.end"),
        (
            [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}}],
            "needs a 'message'",
        ),
    ],
)
async def test_fix_refuses_malformed_diagnostics(
    make_editor: MakeEditor, fake: FakePoe, diagnostics: Any, hint: str
) -> None:
    editor = await make_editor()
    uri = editor.open("prices.py", SOURCE)
    argument: dict[str, Any] = {"uri": uri, "range": editor.range_of(uri, BROKEN)}
    if diagnostics is not None:
        argument["diagnostics"] = diagnostics
    with pytest.raises(Exception, match=hint) as raised:
        await editor.command("poe.fix", argument)
    assert getattr(raised.value, "code", None) == -32602
    assert fake.requests == []


async def test_a_quickfix_action_is_offered_when_the_context_holds_diagnostics(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("prices.py", SOURCE)
    problem = diagnostic(editor, uri, "undefined_name", "undefined name 'undefined_name'")
    cursor = editor.range_of(uri, "undefined_name")["start"]
    actions = await editor.code_actions(
        uri, {"start": cursor, "end": cursor}, diagnostics=[_structured(editor, problem)]
    )
    fixes = [a for a in actions if a["title"] == "Fix with GPT-5"]
    assert len(fixes) == 1
    (fix,) = fixes
    assert fix["kind"] == "quickfix"
    assert fix["command"]["command"] == "poe.fix"
    (argument,) = fix["command"]["arguments"]
    assert argument["diagnostics"][0]["message"] == "undefined name 'undefined_name'"
    assert fake.requests == []
    argument["bot"] = "FencedCodeBot"
    argument["parameters"] = {"answer": FIXED}
    done = await editor.run("poe.fix", argument)
    assert done["status"] == "done", done
    assert editor.text(uri) == SOURCE.replace(BROKEN, FIXED)


async def test_no_quickfix_without_diagnostics(editor: Editor) -> None:
    uri = editor.open("prices.py", SOURCE)
    actions = await editor.code_actions(uri, editor.range_of(uri, BROKEN))
    assert not [a for a in actions if a["title"].startswith("Fix with")]


def _structured(editor: Editor, diagnostic: dict[str, Any]) -> Any:
    from lsprotocol import types

    return editor.client.protocol._converter.structure(diagnostic, types.Diagnostic)
