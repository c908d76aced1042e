"""textDocument/codeAction: the offered actions, their commands and their bots."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from conftest import MakeEditor
from editor import Editor
from fakepoe import DEFAULT_CODE, FakePoe

SOURCE = """def greet(name):
    print("hello " + name)


class Shop:
    def total(self, prices):
        return sum(prices)
"""
GREET = 'def greet(name):\n    print("hello " + name)'


def titles(actions: list[dict[str, Any]]) -> list[str]:
    return [action["title"] for action in actions]


async def test_a_selection_offers_explain_and_refactor_each_with_its_command(
    editor: Editor,
) -> None:
    uri = editor.open("shop.py", SOURCE)
    rng = editor.range_of(uri, GREET)
    actions = await editor.code_actions(uri, rng)
    assert titles(actions) == ["Explain with GPT-5", "Refactor with GPT-5", "Document with GPT-5"]
    for action, command in zip(actions[:2], ["poe.explain", "poe.refactor"], strict=True):
        assert action["command"]["command"] == command
        assert action["command"]["title"] == action["title"]
        assert action["command"]["arguments"] == [{"uri": uri, "range": rng, "bot": "GPT-5"}]
    assert actions[1]["kind"] == types.CodeActionKind.RefactorRewrite.value


async def test_the_bots_shown_follow_initialization_options(make_editor: MakeEditor) -> None:
    editor = await make_editor(
        init_options={"bot": "Main", "actions": {"refactor": {"bot": "Coder"}}}
    )
    uri = editor.open("shop.py", SOURCE)
    actions = await editor.code_actions(uri, editor.range_of(uri, GREET))
    assert titles(actions) == ["Explain with Main", "Refactor with Coder", "Document with Main"]
    assert [a["command"]["arguments"][0]["bot"] for a in actions] == ["Main", "Coder", "Main"]


async def test_the_bots_shown_follow_workspace_configuration(make_editor: MakeEditor) -> None:
    editor = await make_editor(
        init_options={"bot": "Main"},
        workspace={"bot": "Workspace", "actions": {"refactor": {"bot": "WorkspaceCoder"}}},
    )
    uri = editor.open("shop.py", SOURCE)
    actions = await editor.code_actions(uri, editor.range_of(uri, GREET))
    assert titles(actions) == [
        "Explain with Workspace",
        "Refactor with WorkspaceCoder",
        "Document with Workspace",
    ]
    assert [a["command"]["arguments"][0]["bot"] for a in actions] == [
        "Workspace",
        "WorkspaceCoder",
        "Workspace",
    ]


async def test_the_bots_shown_follow_a_configuration_change(make_editor: MakeEditor) -> None:
    editor = await make_editor(init_options={"bot": "Main"}, workspace={})
    uri = editor.open("shop.py", SOURCE)
    rng = editor.range_of(uri, GREET)
    assert titles(await editor.code_actions(uri, rng)) == [
        "Explain with Main",
        "Refactor with Main",
        "Document with Main",
    ]
    editor.client.set_configuration({"actions": {"refactor": {"bot": "Changed"}}}, section="poe")
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    assert titles(await editor.code_actions(uri, rng)) == [
        "Explain with Main",
        "Refactor with Changed",
        "Document with Main",
    ]


async def test_an_empty_range_outside_any_definition_offers_nothing(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    blank = SOURCE.index("\n\n\nclass") + 2
    assert await editor.code_actions(uri, editor.span_range(uri, blank, blank)) == []


async def test_an_empty_range_inside_a_definition_offers_only_document(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    inside = SOURCE.index("sum(prices)")
    actions = await editor.code_actions(uri, editor.span_range(uri, inside, inside))
    assert titles(actions) == ["Document with GPT-5"]


async def test_an_unknown_document_offers_nothing(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    rng = editor.range_of(uri, GREET)
    assert await editor.code_actions("file:///workspace/not-open.py", rng) == []


async def test_only_refactor_offers_only_the_refactoring_actions(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    rng = editor.range_of(uri, GREET)
    # The selection's actions are all refactor.rewrite: VS Code lists that kind first.
    everything = ["Explain with GPT-5", "Refactor with GPT-5", "Document with GPT-5"]
    refactor = await editor.code_actions(uri, rng, only=[types.CodeActionKind.Refactor])
    assert titles(refactor) == everything
    rewrite = await editor.code_actions(uri, rng, only=[types.CodeActionKind.RefactorRewrite])
    assert titles(rewrite) == everything
    assert await editor.code_actions(uri, rng, only=[types.CodeActionKind.QuickFix]) == []
    assert await editor.code_actions(uri, rng, only=[types.CodeActionKind.RefactorExtract]) == []


async def test_computing_code_actions_makes_no_network_request(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("shop.py", SOURCE)
    for needle in (GREET, "class Shop:", "return sum(prices)"):
        assert await editor.code_actions(uri, editor.range_of(uri, needle))
    assert fake.requests == []
    assert not any(name == "poe/done" for name, _ in editor.notifications)


async def test_executing_the_refactor_action_rewrites_the_selection(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(init_options={"actions": {"refactor": {"bot": "FencedCodeBot"}}})
    uri = editor.open("shop.py", SOURCE)
    actions = await editor.code_actions(uri, editor.range_of(uri, GREET))
    (refactor,) = [a for a in actions if a["command"]["command"] == "poe.refactor"]
    done = await editor.run(refactor["command"]["command"], *refactor["command"]["arguments"])
    assert done["status"] == "done", done
    assert done["bot"] == "FencedCodeBot"
    assert editor.text(uri) == SOURCE, "the default review mode writes nothing yet"
    await editor.command("poe.accept", {"jobId": done["jobId"]})
    assert editor.text(uri) == SOURCE.replace(GREET, DEFAULT_CODE)


async def test_executing_the_explain_action_explains_the_selection(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(init_options={"bot": "ExplainBot"})
    uri = editor.open("shop.py", SOURCE)
    actions = await editor.code_actions(uri, editor.range_of(uri, GREET))
    (explain,) = [a for a in actions if a["command"]["command"] == "poe.explain"]
    done = await editor.run(explain["command"]["command"], *explain["command"]["arguments"])
    assert done["status"] == "done", done
    hover = await editor.hover(uri, SOURCE.index("greet"))
    assert hover is not None
    assert hover.contents.value == done["text"]
