"""Consent: only bots the user's own settings name run without asking (contract §6).

Any other bot — named by a command argument or by the workspace's settings —
is asked about with ``window/showMessageRequest`` ("Allow" / "Cancel") before
a single request reaches Poe, and an "Allow" is remembered for the session.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types

from conftest import MakeEditor
from editor import Editor, on_each
from fakepoe import FakePoe

SOURCE = """def total(prices):
    t = 0
    for p in prices:
        t = t + p
    return t
"""
BODY = "    t = 0\n    for p in prices:\n        t = t + p\n    return t\n"
NEW_BODY = "    return sum(prices)\n"


def explain_argument(editor: Editor, uri: str, bot: str | None = None) -> dict[str, Any]:
    argument: dict[str, Any] = {"uri": uri, "range": editor.range_of(uri, "def total(prices):")}
    if bot is not None:
        argument["bot"] = bot
    return argument


def refactor_argument(editor: Editor, uri: str, bot: str | None = None) -> dict[str, Any]:
    start = SOURCE.index(BODY)
    argument: dict[str, Any] = {
        "uri": uri,
        "range": editor.span_range(uri, start, start + len(BODY)),
        "parameters": {"answer": NEW_BODY},
    }
    if bot is not None:
        argument["bot"] = bot
    return argument


def requests_to(fake: FakePoe, bot: str) -> int:
    return len([r for r in fake.requests if r.bot == bot])


def hold_consent_answers(editor: Editor) -> tuple[asyncio.Event, asyncio.Event]:
    """Make the editor sit on consent requests until the returned ``release`` is set.

    The scripted editor answers at once; holding the answer is the only way to
    be sure a second job reaches the consent step while the first still asks.
    Returns ``(asked, release)``: ``asked`` is set when a request arrives.
    """
    asked, release = asyncio.Event(), asyncio.Event()
    features = editor.client.protocol.fm.features
    answer = features[types.WINDOW_SHOW_MESSAGE_REQUEST]

    async def held(params: types.ShowMessageRequestParams) -> Any:
        asked.set()
        await release.wait()
        return answer(params)

    features[types.WINDOW_SHOW_MESSAGE_REQUEST] = held
    return asked, release


def progress_began(editor: Editor, job_id: str) -> bool:
    reports = editor.client.progress_reports.get(f"poe-{job_id}", [])
    return any(getattr(r, "kind", None) == "begin" for r in reports)


@pytest.mark.parametrize(
    ("init_options", "bot_argument"),
    [
        pytest.param({"bot": "EchoBot"}, None, id="default-bot"),
        pytest.param({"bot": "EchoBot"}, "EchoBot", id="default-bot-also-named-by-command"),
        pytest.param({"actions": {"explain": {"bot": "EchoBot"}}}, None, id="action-bot"),
        pytest.param(
            {"actions": {"refactor": {"bot": "EchoBot"}}}, "EchoBot", id="other-action-bot"
        ),
        pytest.param({"allowedBots": ["EchoBot"]}, "EchoBot", id="allowed-bots"),
    ],
)
async def test_bot_named_in_initialization_options_runs_without_asking(
    make_editor: MakeEditor,
    fake: FakePoe,
    init_options: dict[str, Any],
    bot_argument: str | None,
) -> None:
    editor = await make_editor(init_options=init_options)
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, bot_argument))
    assert done["status"] == "done", done
    assert done["bot"] == "EchoBot"
    assert editor.message_requests == []
    assert requests_to(fake, "EchoBot") == 1


async def test_bot_in_both_user_and_workspace_settings_runs_without_asking(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"bot": "EchoBot"}, workspace={"bot": "EchoBot"})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri))
    assert done["status"] == "done", done
    assert editor.message_requests == []


# How a bot the user's own settings do not name reaches a job.
UNNAMED_BY_USER = [
    pytest.param(None, "FencedCodeBot", id="command-argument"),
    pytest.param({"bot": "FencedCodeBot"}, None, id="workspace-bot"),
    pytest.param({"actions": {"explain": {"bot": "FencedCodeBot"}}}, None, id="workspace-action"),
]


@pytest.mark.parametrize(("workspace", "bot_argument"), UNNAMED_BY_USER)
async def test_other_bot_asks_allow_or_cancel_before_anything_is_sent(
    make_editor: MakeEditor,
    fake: FakePoe,
    workspace: dict[str, Any] | None,
    bot_argument: str | None,
) -> None:
    editor = await make_editor(workspace=workspace)
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, bot_argument))
    assert done["status"] == "done", done
    assert done["bot"] == "FencedCodeBot"
    (request,) = editor.message_requests
    assert "FencedCodeBot" in request.message
    assert [a.title for a in request.actions or []] == ["Allow", "Cancel"]


async def test_allowed_bot_is_remembered_for_the_session(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor()
    uri = editor.open("shop.py", SOURCE)
    first = await editor.run("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    assert first["status"] == "done", first
    assert len(editor.message_requests) == 1
    second = await editor.run("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    third = await editor.run("poe.refactor", refactor_argument(editor, uri, "FencedCodeBot"))
    assert second["status"] == "done", second
    assert third["status"] == "done", third
    assert len(editor.message_requests) == 1
    assert requests_to(fake, "FencedCodeBot") == 3
    await editor.command("poe.accept", {"jobId": third["jobId"]})  # the default: review
    assert editor.text(uri) == SOURCE.replace(BODY, NEW_BODY)


@pytest.mark.parametrize("answer", ["Cancel", None], ids=["cancel", "unanswered"])
@pytest.mark.parametrize("action", ["poe.explain", "poe.refactor"])
async def test_refused_consent_cancels_the_job_and_spends_nothing(
    make_editor: MakeEditor, fake: FakePoe, answer: str | None, action: str
) -> None:
    editor = await make_editor()
    editor.consent_answer = answer
    uri = editor.open("shop.py", SOURCE)
    make_argument = explain_argument if action == "poe.explain" else refactor_argument
    done = await editor.run(action, make_argument(editor, uri, "FencedCodeBot"))
    assert done["status"] == "cancelled", done
    sentence = done.get("error", "")
    assert "FencedCodeBot" in sentence and "not allowed" in sentence, sentence
    assert "allowedBots" in sentence, sentence
    assert editor.told(sentence) == ["poe/done"], editor.messages()
    assert len(editor.message_requests) == 1
    assert requests_to(fake, "FencedCodeBot") == 0
    assert fake.requests == []
    assert editor.text(uri) == SOURCE
    assert editor.jobs[done["jobId"]].done_count == 1


@pytest.mark.parametrize("answer", ["Allow", "Cancel"])
async def test_two_jobs_started_at_once_for_the_same_bot_ask_only_once(
    make_editor: MakeEditor, fake: FakePoe, answer: str
) -> None:
    editor = await make_editor()
    editor.consent_answer = answer
    asked, release = hold_consent_answers(editor)
    progress = on_each(editor, types.PROGRESS)
    uri = editor.open("shop.py", SOURCE)
    first = await editor.start("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    second = await editor.start("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    await asyncio.wait_for(asked.wait(), 5)
    # Once its progress has begun, the second job is at the consent step too.
    async with asyncio.timeout(5):
        while not (progress_began(editor, first) and progress_began(editor, second)):
            progress.clear()
            await progress.wait()
    release.set()
    results = [await editor.done(first), await editor.done(second)]
    expected = "done" if answer == "Allow" else "cancelled"
    assert [r["status"] for r in results] == [expected, expected], results
    assert len(editor.message_requests) == 1
    assert requests_to(fake, "FencedCodeBot") == (2 if answer == "Allow" else 0)


async def test_cancelling_the_job_that_asked_does_not_block_later_jobs_for_that_bot(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor()
    asked, release = hold_consent_answers(editor)
    uri = editor.open("shop.py", SOURCE)
    first = await editor.start("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    await asyncio.wait_for(asked.wait(), 5)
    await editor.command("poe.cancel", {"jobId": first})
    assert (await editor.done(first))["status"] == "cancelled"
    release.set()
    second = await editor.start("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    done = await editor.done(second, timeout=10)
    assert done["status"] == "done", done
    assert requests_to(fake, "FencedCodeBot") == 1
    # The user answered the one question; it was not asked again.
    assert len(editor.message_requests) == 1


async def test_cancelling_the_job_that_asked_leaves_a_waiting_job_its_answer(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor()
    asked, release = hold_consent_answers(editor)
    progress = on_each(editor, types.PROGRESS)
    uri = editor.open("shop.py", SOURCE)
    first = await editor.start("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    second = await editor.start("poe.explain", explain_argument(editor, uri, "FencedCodeBot"))
    await asyncio.wait_for(asked.wait(), 5)
    async with asyncio.timeout(5):
        while not progress_began(editor, second):
            progress.clear()
            await progress.wait()
    await editor.command("poe.cancel", {"jobId": first})
    assert (await editor.done(first))["status"] == "cancelled"
    release.set()
    done = await editor.done(second, timeout=10)
    assert done["status"] == "done", done
    assert requests_to(fake, "FencedCodeBot") == 1
    assert len(editor.message_requests) == 1


async def test_the_built_in_default_bot_needs_consent_once_the_user_chose_another(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"bot": "ExplainBot"}, workspace={"bot": "GPT-5"})
    editor.consent_answer = "Cancel"
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri))
    assert done["bot"] == "GPT-5"
    assert done["status"] == "cancelled"
    assert len(editor.message_requests) == 1
    assert "GPT-5" in editor.message_requests[0].message
    assert requests_to(fake, "GPT-5") == 0
