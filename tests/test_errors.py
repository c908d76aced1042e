"""Every named failure reaches the user through LSP, and the server keeps serving.

A failed job ends with exactly one ``poe/done`` (status ``failed``) whose
``error`` sentence says what happened and what to do; the same sentence comes
as a ``window/showMessage`` of type Error; an editing job leaves the document
as it was; and the next request is answered as usual.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from lsprotocol import types

from conftest import MakeEditor
from editor import Editor
from fakepoe import FakePoe

SOURCE = """def total(prices):
    t = 0
    for p in prices:
        t = t + p
    return t


def greet(name):
    return "héllo " + name + " 🎉"
"""

TARGET = """    t = 0
    for p in prices:
        t = t + p
    return t
"""
NEW_TARGET = "    return sum(prices)\n"
ACTIONS = ["poe.explain", "poe.refactor"]

# bot (or failure route) -> phrases its sentence must hold: what happened, what to do.
NAMED_FAILURES = [
    pytest.param("Status401", ["rejected the API key", "POE_API_KEY"], id="401-key-rejected"),
    pytest.param("Status403", ["rejected the API key", "POE_API_KEY"], id="403-key-rejected"),
    pytest.param("Status404", ["no bot named 'Status404'", "spelling"], id="404-unknown-bot"),
    pytest.param("OutOfPointsBot", ["out of points", "Add points"], id="out-of-points"),
    pytest.param("Status402", ["out of points", "Add points"], id="402-out-of-points"),
    pytest.param("Status429", ["rate limiting", "Wait a moment"], id="429-rate-limited"),
    pytest.param(
        "Status429NoRetryAfter", ["rate limiting", "Wait a moment"], id="429-without-retry-after"
    ),
    pytest.param("Status500", ["Status500 failed to answer", "Try again"], id="500-bot-failed"),
    pytest.param("Status502", ["Status502 failed to answer", "Try again"], id="502-bot-failed"),
    pytest.param("BotThatRaises", ["BotThatRaises failed to answer", "Try again"], id="raises"),
    pytest.param("MalformedBot", ["MalformedBot failed to answer", "Try again"], id="malformed"),
    pytest.param(
        "PromptTooLongBot", ["refused the prompt as too long", "Select less code"], id="too-long"
    ),
    pytest.param(
        "DropMidStream",
        ["failed in the middle of its answer", "try again"],
        id="dropped-mid-answer",
    ),
    pytest.param(
        "FailsMidStreamBot",
        ["failed in the middle of its answer", "try again"],
        id="fails-mid-answer",
    ),
]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def job_argument(editor: Editor, uri: str, action: str, bot: str, **extra: Any) -> dict[str, Any]:
    start = SOURCE.index(TARGET)
    argument: dict[str, Any] = {
        "uri": uri,
        "range": editor.span_range(uri, start, start + len(TARGET)),
        "bot": bot,
        **extra,
    }
    if action == "poe.refactor":
        argument["instruction"] = "use sum()"
    return argument


def progress_messages(editor: Editor) -> list[str]:
    """Every message of every ``$/progress`` report the editor received."""
    return [
        r.message
        for reports in editor.client.progress_reports.values()
        for r in reports
        if getattr(r, "message", None)
    ]


def error_messages(editor: Editor) -> list[str]:
    return [m.message for m in editor.client.messages if m.type == types.MessageType.Error]


async def assert_still_serving(editor: Editor, uri: str) -> None:
    """The server answers the next requests (this also flushes any late ``poe/done``)."""
    bots = await editor.command("poe.listBots", {})
    assert isinstance(bots, list) and bots
    assert await editor.hover(uri, SOURCE.index("greet")) is None


async def assert_failed_and_told(editor: Editor, done: dict[str, Any], phrases: list[str]) -> None:
    assert done["status"] == "failed", done
    sentence = done.get("error")
    assert sentence, done
    for phrase in phrases:
        assert phrase in sentence, sentence
    # One failure channel: the client renders poe/done, so no message repeats it.
    assert editor.told(sentence) == ["poe/done"], editor.messages()
    uri = done["uri"]
    await assert_still_serving(editor, uri)
    assert editor.jobs[done["jobId"]].done_count == 1


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("bot", "phrases"), NAMED_FAILURES)
async def test_named_failure_ends_the_job_once_with_a_sentence_and_an_error_message(
    make_editor: MakeEditor, action: str, bot: str, phrases: list[str]
) -> None:
    editor = await make_editor(init_options={"allowedBots": [bot]})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(action, job_argument(editor, uri, action, bot))
    assert done["bot"] == bot
    await assert_failed_and_told(editor, done, phrases)
    assert editor.text(uri) == SOURCE


@pytest.mark.parametrize("action", ACTIONS)
async def test_unreachable_endpoint_says_poe_could_not_be_reached(
    make_editor: MakeEditor, action: str
) -> None:
    editor = await make_editor(
        env={"POE_LSP_BASE_URL": f"http://127.0.0.1:{closed_port()}/"},
        init_options={"allowedBots": ["EchoBot"]},
    )
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(action, job_argument(editor, uri, action, "EchoBot"))
    await assert_failed_and_told(editor, done, ["could not be reached", "POE_LSP_BASE_URL"])
    assert editor.text(uri) == SOURCE


@pytest.mark.parametrize("action", ACTIONS)
async def test_missing_key_says_how_to_set_one_and_sends_nothing(
    make_editor: MakeEditor, fake: FakePoe, action: str
) -> None:
    editor = await make_editor(env={"POE_API_KEY": None}, init_options={"allowedBots": ["EchoBot"]})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(action, job_argument(editor, uri, action, "EchoBot"))
    await assert_failed_and_told(editor, done, ["No Poe API key", "POE_API_KEY", "apiKey"])
    assert editor.text(uri) == SOURCE
    assert fake.requests == []


@pytest.mark.parametrize("bot", ["Status401", "Status404", "OutOfPointsBot"])
async def test_failures_a_retry_cannot_fix_are_not_retried(
    make_editor: MakeEditor, fake: FakePoe, bot: str
) -> None:
    editor = await make_editor(init_options={"allowedBots": [bot]})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", job_argument(editor, uri, "poe.explain", bot))
    assert done["status"] == "failed"
    assert len([r for r in fake.requests if r.bot == bot]) == 1
    assert not [m for m in progress_messages(editor) if "Retrying" in m]


async def test_rate_limited_job_backs_off_says_it_is_retrying_then_gives_up(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["Status429"]})
    uri = editor.open("shop.py", SOURCE)
    started = time.monotonic()
    done = await editor.run("poe.explain", job_argument(editor, uri, "poe.explain", "Status429"))
    elapsed = time.monotonic() - started
    await assert_failed_and_told(editor, done, ["rate limiting", "Wait a moment"])
    retries = [m for m in progress_messages(editor) if "Retrying" in m]
    assert len(retries) == 2, progress_messages(editor)
    assert all("rate limiting" in m for m in retries)
    assert len([r for r in fake.requests if r.bot == "Status429"]) == 3
    # Retry-After: 1 was honoured between the three attempts.
    assert elapsed >= 1.8


async def test_rate_limited_once_is_retried_after_retry_after_and_succeeds(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["RateLimitedOnceBot"]})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.explain",
        job_argument(
            editor, uri, "poe.explain", "RateLimitedOnceBot", parameters={"retry_after": "1"}
        ),
    )
    assert done["status"] == "done", done
    assert "error" not in done
    assert done["text"] == "Recovered answer."
    retries = [m for m in progress_messages(editor) if "Retrying" in m]
    assert retries and "rate limiting" in retries[0]
    assert error_messages(editor) == []
    assert len([r for r in fake.requests if r.bot == "RateLimitedOnceBot"]) == 2
    assert editor.jobs[done["jobId"]].done_count == 1


@pytest.mark.parametrize("bot", ["FlakyOnceBot", "RetryableErrorOnceBot"])
async def test_flaky_bot_is_retried_and_its_answer_arrives_once(
    make_editor: MakeEditor, fake: FakePoe, bot: str
) -> None:
    editor = await make_editor(init_options={"allowedBots": [bot]})
    uri = editor.open("shop.py", SOURCE)
    answer = "The answer, streamed in small chunks after one failure."
    done = await editor.run(
        "poe.explain",
        job_argument(editor, uri, "poe.explain", bot, parameters={"answer": answer}),
    )
    assert done["status"] == "done", done
    assert done["text"] == answer
    streams = editor.jobs[done["jobId"]].streams
    assert "".join(note["delta"] for note in streams) == answer
    assert any("Retrying" in m for m in progress_messages(editor))
    assert error_messages(editor) == []
    assert len([r for r in fake.requests if r.bot == bot]) == 2
    await assert_still_serving(editor, uri)
    assert editor.jobs[done["jobId"]].done_count == 1


async def test_flaky_bot_refactor_writes_the_recovered_code_exactly_once(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["FlakyOnceBot"]})
    uri = editor.open("shop.py", SOURCE)
    answer = f"```python\n{NEW_TARGET}```\n"
    done = await editor.run(
        "poe.refactor",
        job_argument(editor, uri, "poe.refactor", "FlakyOnceBot", parameters={"answer": answer}),
    )
    assert done["status"] == "done", done
    assert done["text"] == answer
    await editor.command("poe.accept", {"jobId": done["jobId"]})  # the default: review
    assert editor.text(uri) == SOURCE.replace(TARGET, NEW_TARGET)


async def test_a_job_after_several_failures_still_succeeds(make_editor: MakeEditor) -> None:
    failing = ["Status401", "Status500", "FailsMidStreamBot", "OutOfPointsBot"]
    editor = await make_editor(init_options={"allowedBots": [*failing, "FencedCodeBot"]})
    uri = editor.open("shop.py", SOURCE)
    for bot in failing:
        done = await editor.run("poe.refactor", job_argument(editor, uri, "poe.refactor", bot))
        assert done["status"] == "failed"
    assert editor.text(uri) == SOURCE
    done = await editor.run(
        "poe.refactor",
        job_argument(
            editor, uri, "poe.refactor", "FencedCodeBot", parameters={"answer": NEW_TARGET}
        ),
    )
    assert done["status"] == "done", done
    await editor.command("poe.accept", {"jobId": done["jobId"]})  # the default: review
    assert editor.text(uri) == SOURCE.replace(TARGET, NEW_TARGET)
    # Each failure was told once, in its poe/done: none again as a message.
    errors = [data["error"] for method, data in editor.notifications if "error" in data]
    assert len(errors) == len(failing) and error_messages(editor) == []
