"""A repository's settings cannot make the user's own bots cost more unasked.

Settings that raise what a job costs (``botParameters``, ``context.maxChars``,
``context.linesBefore`` / ``linesAfter``, ``context.attachFile``,
``answer.maxChars``) apply from ``workspace/configuration`` only after the user
allowed them ("Allow" / "Cancel", naming each setting and both values).
Refused or unanswered, the user's own values are used and the job goes on;
the answer holds for the session until the workspace changes a value.
Lowering a cost never asks.
"""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types

from conftest import MakeEditor
from editor import Editor
from fakepoe import FakePoe

SOURCE = "".join(f"line_{n} = {n}\n" for n in range(100))
MINE = {"bot": "EchoBot", "botParameters": {"EchoBot": {"thinking_budget": 1024}}}
THEIRS = {
    "botParameters": {"EchoBot": {"thinking_budget": 100000, "web_search": True}},
    "context": {"linesBefore": 500},
}


def explain_line(editor: Editor, uri: str, n: int = 90, **extra: Any) -> dict[str, Any]:
    return {"uri": uri, "range": editor.range_of(uri, f"line_{n} = {n}\n"), **extra}


async def reconfigure(editor: Editor, workspace: dict[str, Any]) -> None:
    editor.client.set_configuration(workspace, section="poe")
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )


async def test_a_raise_is_asked_once_naming_each_setting_and_both_values(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=MINE, workspace=THEIRS)
    uri = editor.open("numbers.py", SOURCE)
    done = await editor.run("poe.explain", explain_line(editor, uri))
    assert done["status"] == "done", done
    (request,) = editor.message_requests
    assert [a.title for a in request.actions or []] == ["Allow", "Cancel"]
    for words in (
        'botParameters.EchoBot["thinking_budget"] = 100000 (yours: 1024)',
        'botParameters.EchoBot["web_search"] = true (yours: (not set))',
        "context.linesBefore = 500 (yours: 40)",
    ):
        assert words in request.message, request.message
    # Allowed: the workspace's values apply, and are not asked about again.
    assert fake.requests[-1].parameters == THEIRS["botParameters"]["EchoBot"]
    assert "line_10 = 10" in fake.requests[-1].prompt
    again = await editor.run("poe.explain", explain_line(editor, uri, 80))
    assert again["status"] == "done", again
    assert len(editor.message_requests) == 1
    assert fake.requests[-1].parameters == THEIRS["botParameters"]["EchoBot"]


@pytest.mark.parametrize("answer", ["Cancel", None], ids=["cancel", "unanswered"])
async def test_a_refused_raise_runs_the_job_with_the_users_own_values(
    make_editor: MakeEditor, fake: FakePoe, answer: str | None
) -> None:
    editor = await make_editor(init_options=MINE, workspace=THEIRS)
    editor.consent_answer = answer
    uri = editor.open("numbers.py", SOURCE)
    for n in (90, 80):
        done = await editor.run("poe.explain", explain_line(editor, uri, n))
        assert done["status"] == "done", done
        sent = fake.requests[-1]
        assert sent.parameters == {"thinking_budget": 1024}
        # Your own 40 lines before the selection, not the workspace's 500.
        assert f"line_{n - 40} = " in sent.prompt
        assert f"line_{n - 41} = " not in sent.prompt
    assert len(editor.message_requests) == 1, "the answer is remembered for the session"


async def test_a_changed_workspace_value_is_asked_about_again(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=MINE, workspace=THEIRS)
    uri = editor.open("numbers.py", SOURCE)
    assert (await editor.run("poe.explain", explain_line(editor, uri)))["status"] == "done"
    bigger = {"botParameters": {"EchoBot": {"thinking_budget": 200000, "web_search": True}}}
    await reconfigure(editor, bigger)
    editor.consent_answer = "Cancel"
    done = await editor.run("poe.explain", explain_line(editor, uri))
    assert done["status"] == "done", done
    assert len(editor.message_requests) == 2
    assert "200000" in editor.message_requests[1].message
    # Refused: the user's own value; web_search, allowed before with the same value, stays.
    assert fake.requests[-1].parameters == {"thinking_budget": 1024, "web_search": True}


async def test_lowering_costs_or_repeating_the_users_values_never_asks(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    mine = {**MINE, "answer": {"maxChars": 100000}, "context": {"attachFile": "whenTrimmed"}}
    editor = await make_editor(
        init_options=mine,
        workspace={
            "bot": "EchoBot",
            "botParameters": {"EchoBot": {"thinking_budget": 16}},
            "context": {"maxChars": 3000, "linesBefore": 2, "linesAfter": 0, "attachFile": "never"},
            "answer": {"maxChars": 100000},
        },
    )
    uri = editor.open("numbers.py", SOURCE)
    done = await editor.run("poe.explain", explain_line(editor, uri))
    assert done["status"] == "done", done
    assert editor.message_requests == []
    assert fake.requests[-1].parameters == {"thinking_budget": 16}
    assert "line_87 = " not in fake.requests[-1].prompt


async def test_a_refused_answer_cap_keeps_the_users_cap(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["EnormousBot"], "answer": {"maxChars": 5000}},
        workspace={"answer": {"maxChars": 1_000_000}},
    )
    editor.consent_answer = "Cancel"
    uri = editor.open("numbers.py", SOURCE)
    argument = explain_line(
        editor, uri, bot="EnormousBot", parameters={"chars": 60_000, "chunk_size": 4096}
    )
    done = await editor.run("poe.explain", argument)
    assert done["status"] == "failed", done
    assert "longer than the limit (5000 characters)" in done["error"]
    assert "answer.maxChars setting" in done["error"]
    assert "answer.maxChars = 1000000 (yours: 5000)" in editor.message_requests[0].message


@pytest.mark.parametrize(("answer", "uploads"), [("Allow", 1), ("Cancel", 0)])
async def test_attaching_the_file_from_the_workspace_needs_consent(
    make_editor: MakeEditor, fake: FakePoe, answer: str, uploads: int
) -> None:
    editor = await make_editor(
        init_options={"bot": "EchoBot"},
        workspace={"context": {"attachFile": "always"}},
        env={"POE_LSP_UPLOAD_URL": fake.upload_url},
    )
    editor.consent_answer = answer
    uri = editor.open("numbers.py", SOURCE)
    done = await editor.run("poe.explain", explain_line(editor, uri))
    assert done["status"] == "done", done
    assert 'context.attachFile = "always" (yours: "never")' in editor.message_requests[0].message
    assert len(fake.uploads) == uploads
    assert len(fake.requests[-1].attachments) == uploads


async def test_a_selection_that_fits_only_the_workspaces_budget_fails_when_refused(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"bot": "EchoBot", "context": {"maxChars": 1000}},
        workspace={"context": {"maxChars": 50000}},
    )
    editor.consent_answer = "Cancel"
    uri = editor.open("numbers.py", SOURCE)
    start = SOURCE.index("line_10 =")
    end = min(start + 1200, len(SOURCE))  # over the user's 1,000, within the workspace's
    assert end - start > 1000
    argument = {"uri": uri, "range": editor.span_range(uri, start, end)}
    done = await editor.run("poe.explain", argument)
    assert done["status"] == "failed", done
    assert "larger context.maxChars was not allowed" in done["error"]
    assert "your limit is 1,000" in done["error"]
    assert fake.requests == []
