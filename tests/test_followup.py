"""Follow-ups end to end: ``poe.followUp`` over real LSP, against the fake Poe.

The fake's ConversationBot answers with the roles of the messages it got, and
the fake records every message, so each test reads what the bot was really
sent.  Expected texts and ranges are written out here.
"""

from __future__ import annotations

from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from poe_lsp.core.conversation import MAX_CONVERSATIONS, Turn, trimmed

from conftest import CLIENTS, MakeEditor
from editor import Editor
from fakepoe import FakePoe

SOURCE = "import os\n\n\ndef greet(name):\n    return 'Hello ' + name\n\n\nx = 1\n"
FUNCTION = "def greet(name):\n    return 'Hello ' + name\n"
FIRST_CODE = "def greet(person):\n    return 'Hello ' + person"
SECOND_CODE = "def greet(name):\n    return f'Hello {name}'"
BOT = "ConversationBot"
OPTIONS = {"bot": BOT, "allowedBots": [BOT]}


def lines(first: int, end: int) -> dict[str, Any]:
    """The LSP range of whole lines ``first`` up to (not including) ``end``."""
    return {"start": {"line": first, "character": 0}, "end": {"line": end, "character": 0}}


async def explained(editor: Editor, **extra: Any) -> tuple[str, str, dict[str, Any]]:
    """Open SOURCE and explain the function with ConversationBot: (uri, job id, poe/done)."""
    uri = editor.open("greet.py", SOURCE)
    job = await editor.start(
        "poe.explain", {"uri": uri, "range": editor.range_of(uri, FUNCTION), **extra}
    )
    done = await editor.done(job)
    assert done["status"] == "done"
    return uri, job, done


async def follow(editor: Editor, job: str, prompt: str, **extra: Any) -> dict[str, Any]:
    new_job = await editor.start("poe.followUp", {"jobId": job, "prompt": prompt, **extra})
    assert new_job != job
    return await editor.done(new_job)


def roles(messages: list[dict[str, Any]]) -> list[str]:
    return [m["role"] for m in messages]


@pytest.mark.parametrize("client", CLIENTS)
async def test_follow_up_sends_the_whole_conversation_to_the_same_bot(
    make_editor: MakeEditor, fake: FakePoe, client: str
) -> None:
    editor = await make_editor(client, init_options=OPTIONS)
    uri, job, first = await explained(editor)
    first_prompt = (await fake.wait_request(BOT)).prompt
    assert FUNCTION.strip() in first_prompt

    done = await follow(editor, job, "Shorter, please.")

    sent = (await fake.wait_request(BOT, 2)).messages
    assert roles(sent) == ["user", "bot", "user"]
    assert sent[0]["content"] == first_prompt
    assert sent[1]["content"] == first["text"]
    assert sent[2]["content"] == "Shorter, please."
    # An explanation's follow-up is an explanation: same bot, streamed, then on hover.
    assert done["status"] == "done"
    assert (done["action"], done["bot"]) == ("explain", BOT)
    assert done["text"].startswith("Conversation of 3 messages: user, bot, user.")
    assert editor.jobs[done["jobId"]].streams
    hover = await editor.hover(uri, SOURCE.index("return"))
    assert hover is not None
    assert "Conversation of 3 messages" in str(hover.contents)


async def test_follow_up_with_another_bot_asks_consent_and_sends_the_history(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=OPTIONS)
    _uri, job, first = await explained(editor)

    done = await follow(editor, job, "Say it again.", bot="EchoBot")

    assert done["bot"] == "EchoBot"
    assert any("EchoBot" in m.message for m in editor.message_requests), "no consent asked"
    sent = (await fake.wait_request("EchoBot")).messages
    assert roles(sent) == ["user", "bot", "user"]
    assert sent[1]["content"] == first["text"]
    assert done["text"] == "Say it again."
    assert len([r for r in fake.requests if r.bot == BOT]) == 1


async def test_follow_ups_chain(make_editor: MakeEditor, fake: FakePoe) -> None:
    editor = await make_editor(init_options=OPTIONS)
    _uri, job, _first = await explained(editor)
    second = await follow(editor, job, "Shorter.")

    third = await follow(editor, second["jobId"], "Now in one line.")

    sent = (await fake.wait_request(BOT, 3)).messages
    assert roles(sent) == ["user", "bot", "user", "bot", "user"]
    assert [m["content"] for m in sent[2:]] == ["Shorter.", second["text"], "Now in one line."]
    assert third["text"].startswith("Conversation of 5 messages")


async def test_history_goes_as_user_and_assistant_over_the_openai_transport(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"bot": "EchoBot"},
        env={"POE_LSP_TRANSPORT": "openai", "POE_LSP_OPENAI_BASE_URL": fake.openai_base_url},
    )
    _uri, job, first = await explained(editor)

    await follow(editor, job, "Shorter.")

    sent = fake.openai_requests[-1].messages
    assert roles(sent) == ["user", "assistant", "user"]
    assert sent[1]["content"] == first["text"]
    assert sent[2]["content"] == "Shorter."


async def refactored(editor: Editor) -> tuple[str, str, dict[str, Any]]:
    uri = editor.open("greet.py", SOURCE)
    job = await editor.start(
        "poe.refactor",
        {
            "uri": uri,
            "range": editor.range_of(uri, FUNCTION),
            "parameters": {"answers": [FIRST_CODE, SECOND_CODE]},
        },
    )
    done = await editor.done(job)
    assert done["proposal"]["hunks"], done
    return uri, job, done


async def test_edit_follow_up_proposes_for_the_same_range_after_edits_elsewhere(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=OPTIONS)
    uri, job, _first = await refactored(editor)
    # The user adds two lines above the function: its range moves down by two.
    editor.type(uri, 0, 0, "# greeting\n# helpers\n")

    done = await follow(editor, job, "Keep the old names.")

    assert done["status"] == "done"
    # Line 0-1 new, the function now on lines 5-6: only its second line changes.
    assert done["proposal"]["hunks"] == [
        {"id": 1, "range": lines(6, 7), "newText": "    return f'Hello {name}'\n"}
    ]
    sent = (await fake.wait_request(BOT, 2)).messages
    assert roles(sent) == ["user", "bot", "user"]
    assert FIRST_CODE in sent[1]["content"]
    # The new message carries the code as it stands now (the user never accepted).
    assert sent[2]["content"].startswith("Keep the old names.")
    assert FUNCTION.rstrip("\n") in sent[2]["content"]


async def test_edit_follow_up_rewrites_the_accepted_code(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=OPTIONS)
    uri, job, _first = await refactored(editor)
    await editor.command("poe.accept", {"jobId": job})
    accepted = "def greet(person):\n    return 'Hello ' + person\n"
    await editor.wait_until(lambda: accepted in editor.text(uri))
    # ... and retouches it: the follow-up must rewrite what is there now.
    hello = editor.text(uri).index("'Hello '")
    editor.type(uri, hello, hello + len("'Hello '"), "'Hi '")

    done = await follow(editor, job, "Keep the old names.")

    last = (await fake.wait_request(BOT, 2)).messages[-1]["content"]
    assert "def greet(person):\n    return 'Hi ' + person\n" in last
    assert done["proposal"]["hunks"] == [
        {
            "id": 1,
            "range": lines(3, 5),
            "newText": "def greet(name):\n    return f'Hello {name}'\n",
        }
    ]
    await editor.command("poe.accept", {"jobId": done["jobId"]})
    await editor.wait_until(
        lambda: editor.text(uri) == SOURCE.replace(FUNCTION, SECOND_CODE + "\n")
    )


async def test_bad_follow_ups_are_refused_and_start_nothing(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=OPTIONS)
    uri, job, _first = await explained(editor)
    failed = await editor.run(
        "poe.explain",
        {"uri": uri, "range": editor.range_of(uri, FUNCTION), "bot": "FailsMidStreamBot"},
    )
    assert failed["status"] == "failed"
    held = await editor.start(
        "poe.explain",
        {
            "uri": uri,
            "range": editor.range_of(uri, FUNCTION),
            "bot": "HeldBot",
            "parameters": {"gate": "hold"},
        },
    )
    await fake.wait_held("hold")
    asked = len(fake.requests)
    cases = [
        ({"prompt": "More."}, "needs a 'jobId'"),
        ({"jobId": job}, "needs a 'prompt'"),
        ({"jobId": job, "prompt": "   "}, "needs a 'prompt'"),
        ({"jobId": "poe-999-nope", "prompt": "More."}, "no finished answer has job id"),
        ({"jobId": failed["jobId"], "prompt": "More."}, "no finished answer has job id"),
        ({"jobId": held, "prompt": "More."}, "is still running"),
        ({"jobId": job, "prompt": "More.", "bot": "no such bot!"}, "'bot' must be"),
    ]
    for argument, phrase in cases:
        with pytest.raises(JsonRpcException) as caught:
            await editor.command("poe.followUp", argument)
        assert caught.value.code == -32602, argument
        assert phrase in caught.value.message, (argument, caught.value.message)
    fake.release("hold")
    await editor.done(held)
    assert len(fake.requests) == asked


async def test_only_the_last_conversations_are_kept(make_editor: MakeEditor, fake: FakePoe) -> None:
    editor = await make_editor(init_options={"bot": "EchoBot"})
    uri = editor.open("greet.py", SOURCE)
    jobs = []
    for _ in range(MAX_CONVERSATIONS + 2):
        jobs.append(
            await editor.start("poe.explain", {"uri": uri, "range": editor.range_of(uri, FUNCTION)})
        )
        await editor.done(jobs[-1])
    status = await editor.status()
    # Hover keeps 20 explanations per document; conversations keep 50 ranges.
    assert (status["trackedRanges"], status["followUpRanges"]) == (20, MAX_CONVERSATIONS)

    for dropped in jobs[:2]:
        with pytest.raises(JsonRpcException) as caught:
            await editor.command("poe.followUp", {"jobId": dropped, "prompt": "More."})
        assert "the last 50 are kept" in caught.value.message
    assert (await follow(editor, jobs[2], "More."))["status"] == "done"


def test_a_long_conversation_loses_its_middle_exchanges_first() -> None:
    turns = tuple(
        Turn("user" if i % 2 == 0 else "bot", f"{i}" * 100) for i in range(10)
    )  # five exchanges of 200 characters

    kept = trimmed(turns, max_chars=500)

    assert [t.text[0] for t in kept] == ["0", "1", "8", "9"]
    assert trimmed(turns, max_chars=10_000) == turns


async def test_code_actions_offer_a_follow_up_where_the_answer_is(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options=OPTIONS)
    uri, job, _first = await explained(editor)
    inside = editor.span_range(uri, SOURCE.index("return"), SOURCE.index("return"))

    actions = await editor.code_actions(uri, inside)

    follow_ups = [a for a in actions if a["title"].startswith("Follow up")]
    assert [a["title"] for a in follow_ups] == [f"Follow up on Explain with {BOT}…"]
    assert follow_ups[0]["command"]["command"] == "poe.followUp"
    assert follow_ups[0]["command"]["arguments"] == [{"jobId": job, "bot": BOT}]
    elsewhere = await editor.code_actions(uri, lines(7, 7))
    assert not [a for a in elsewhere if a["title"].startswith("Follow up")]


async def test_plain_clients_get_ready_follow_ups_that_run(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor("emacs", stream=False, init_options=OPTIONS)
    uri = editor.open("greet.py", SOURCE)
    job = await editor.start("poe.explain", {"uri": uri, "range": editor.range_of(uri, FUNCTION)})
    await editor.ended(job)

    actions = await editor.code_actions(uri, editor.range_of(uri, FUNCTION))

    titles = [a["title"] for a in actions if a["title"].startswith("Follow up")]
    assert titles == [
        f"Follow up on Explain with {BOT}: Make that shorter.",
        f"Follow up on Explain with {BOT}: Go into more detail.",
    ]
    command = next(a for a in actions if a["title"] == titles[0])["command"]
    new_job = await editor.start(command["command"], command["arguments"][0])
    await editor.ended(new_job)
    sent = (await fake.wait_request(BOT, 2)).messages
    assert [m["content"] for m in sent][-1] == "Make that shorter."
