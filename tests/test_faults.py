"""Faults from Poe, end to end: the server says what happened, keeps the
document intact, ends the job once, holds nothing afterwards and keeps serving.

``test_errors.py`` checks each named failure's sentence on a fresh server.
Here the faults that need more than one request to show (a stall, an endless
answer, drafts replaced again and again, failures after edits were written)
are injected, and every fault of the fake Poe is played on *one* server in a
row, with ``poe/status`` showing after each that nothing was left behind.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from lsprotocol import types

from poe_lsp.core.settings import Settings, SettingsReader

from conftest import CLIENTS, MakeEditor
from editor import TEST_KEY, Editor
from fakepoe import FakePoe

# These tests are about what faults do to edits as they stream, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

SOURCE = """import math


def total(prices):
    t = 0
    for p in prices:
        t = t + p
    return t


def area(r):
    return math.pi * r ** 2
"""
TARGET = "    t = 0\n    for p in prices:\n        t = t + p\n    return t\n"
NEW_TARGET = "    return sum(prices)\n"
CODE_CHUNK = "    v{i} = {i}\n"
"""What the failing bots stream before they fail: code, so stream mode writes it."""

BASELINE = {
    "runningJobs": 0,
    "pendingConsents": 0,
    "backgroundTasks": 0,
    "trackedRanges": 0,
    "hoverRegions": 0,
    "progressTokens": 0,
    "requestFutures": 0,
    "resultTypes": 0,
}

# Every fault the fake Poe can inject: bot -> (parameters, phrase of the sentence).
ALL_FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "Status401": ({}, "rejected the API key"),
    "Status403": ({}, "rejected the API key"),
    "Status404": ({}, "no bot named 'Status404'"),
    "Status429": ({}, "rate limiting"),
    "Status429NoRetryAfter": ({}, "rate limiting"),
    "Status500": ({}, "Status500 failed to answer"),
    "Status502": ({}, "Status502 failed to answer"),
    "OutOfPointsBot": ({}, "out of points"),
    "PromptTooLongBot": ({}, "refused the prompt as too long"),
    "BotThatRaises": ({"chunks": 1}, "failed in the middle"),
    "MalformedBot": ({"valid_chunks": 3, "chunk_text": CODE_CHUNK}, "failed in the middle"),
    "DropMidStream": ({"chunks": 3, "chunk_text": CODE_CHUNK}, "failed in the middle"),
    "FailsMidStreamBot": ({"chunks": 3, "chunk_text": CODE_CHUNK}, "failed in the middle"),
    "StallBot": ({"before": 3, "stall": 30, "chunk_text": CODE_CHUNK}, "failed in the middle"),
    "EnormousBot": ({"chars": 300_000, "chunk_size": 4096}, "answer was longer than the limit"),
}


def target_range(editor: Editor, uri: str) -> dict[str, Any]:
    start = editor.text(uri).index(TARGET)
    return editor.span_range(uri, start, start + len(TARGET))


def argument(editor: Editor, uri: str, bot: str, **parameters: Any) -> dict[str, Any]:
    return {"uri": uri, "range": target_range(editor, uri), "bot": bot, "parameters": parameters}


async def assert_clean(editor: Editor) -> dict[str, Any]:
    """Nothing a job created outlives it (documents may stay open).

    ``poe/done`` is a job's last message, but its task returns a moment later,
    and the start-up configuration request may still be on its way: allow the
    counts a few round trips to settle.
    """
    for _ in range(40):
        status = await editor.status()
        if {key: status[key] for key in BASELINE} == BASELINE:
            return status
        await asyncio.sleep(0.05)
    assert {key: status[key] for key in BASELINE} == BASELINE, status
    return status


async def assert_serving(editor: Editor, uri: str) -> None:
    """The server answers ordinary requests."""
    actions = await editor.code_actions(uri, target_range(editor, uri))
    assert {"Explain with GPT-5", "Refactor with GPT-5"} <= {a["title"] for a in actions}
    assert await editor.hover(uri, 1) is None
    assert await editor.command("poe.listBots", {})


def assert_streams_consistent(editor: Editor, done: dict[str, Any]) -> None:
    """Every poe/stream of a job without replacements is a prefix of its final text."""
    for note in editor.jobs[done["jobId"]].streams:
        assert done["text"].startswith(note["text"])


# -- every fault in a row, on one server --------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
async def test_every_fault_in_a_row_leaves_the_document_and_the_server_as_they_were(
    make_editor: MakeEditor, fake: FakePoe, client: str
) -> None:
    editor = await make_editor(
        client,
        init_options={
            "allowedBots": [*ALL_FAULTS, "FencedCodeBot"],
            "timeouts": {"idleSeconds": 0.5},
            "answer": {"maxChars": 100_000},
        },
    )
    uri = editor.open("shop.py", SOURCE)
    baseline = await assert_clean(editor)
    for bot, (parameters, phrase) in ALL_FAULTS.items():
        for action in ("poe.explain", "poe.refactor"):
            done = await editor.run(action, argument(editor, uri, bot, **parameters))
            assert done["status"] == "failed", (bot, action, done)
            assert phrase in done["error"], (bot, done["error"])
            assert editor.told(done["error"], done["jobId"]) == ["poe/done"], bot
            assert editor.text(uri) == SOURCE, (bot, action)
            assert editor.jobs[done["jobId"]].done_count == 1
            assert_streams_consistent(editor, done)
            await assert_clean(editor)
            await assert_serving(editor, uri)
    # ... and a healthy job still does its work afterwards.
    done = await editor.run(
        "poe.refactor", argument(editor, uri, "FencedCodeBot", answer=NEW_TARGET)
    )
    assert done["status"] == "done", done
    assert editor.text(uri) == SOURCE.replace(TARGET, NEW_TARGET)
    after = await assert_clean(editor)
    assert after["openDocuments"] == baseline["openDocuments"]
    assert TEST_KEY not in editor.everything_said()


# -- failures after edits were written: stream mode puts the original back --------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("bot", "parameters"),
    [
        pytest.param("StallBot", {"before": 4, "stall": 30}, id="stall"),
        pytest.param("EnormousBot", {"chars": 60_000, "chunk_size": 400, "delay": 0.01}, id="cap"),
    ],
)
async def test_a_fault_after_streamed_edits_restores_the_original(
    make_editor: MakeEditor, client: str, bot: str, parameters: dict[str, Any]
) -> None:
    editor = await make_editor(
        client,
        init_options={
            "allowedBots": [bot],
            "timeouts": {"idleSeconds": 0.5},
            "answer": {"maxChars": 20_000},
        },
    )
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.refactor", argument(editor, uri, bot, chunk_text=CODE_CHUNK, **parameters)
    )
    assert done["status"] == "failed", done
    assert editor.edits_received >= 2, "the fault came before anything was written"
    assert editor.text(uri) == SOURCE
    assert editor.jobs[done["jobId"]].done_count == 1
    await assert_clean(editor)


# -- a stall: the idle timeout ----------------------------------------------------------


@pytest.mark.parametrize("action", ["poe.explain", "poe.refactor"])
async def test_a_bot_that_sends_nothing_times_out_after_the_idle_setting(
    make_editor: MakeEditor, fake: FakePoe, action: str
) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["StallBot"]}, workspace={"timeouts": {"idleSeconds": 0.5}}
    )
    uri = editor.open("shop.py", SOURCE)
    started = time.monotonic()
    job_id = await editor.start(action, argument(editor, uri, "StallBot", before=0, stall=30))
    # While the bot is silent the server answers everything else.
    await assert_serving(editor, uri)
    done = await editor.done(job_id)
    elapsed = time.monotonic() - started
    assert done["status"] == "failed", done
    assert "StallBot stopped answering (nothing received for 0.5 s)" in done["error"]
    assert "Try again" in done["error"]
    assert elapsed < 10, "the stall was not cut by the idle timeout"
    assert editor.text(uri) == SOURCE
    # Only one request: a timeout is not retried (the bot may be generating).
    assert len([r for r in fake.requests if r.bot == "StallBot"]) == 1
    await fake.wait_disconnect("StallBot")
    await assert_clean(editor)


async def test_the_idle_timeout_follows_a_configuration_change(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["StallBot"]}, workspace={"timeouts.idleSeconds": 0.5}
    )
    uri = editor.open("shop.py", SOURCE)
    explain = {"uri": uri, "range": target_range(editor, uri), "bot": "StallBot"}
    slow = {"before": 1, "stall": 1.5}
    done = await editor.run("poe.explain", {**explain, "parameters": slow})
    assert done["status"] == "failed" and "nothing received for 0.5 s" in done["error"], done

    editor.client.set_configuration({"timeouts": {"idleSeconds": 5}}, section="poe")
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    done = await editor.run("poe.explain", {**explain, "parameters": slow})
    assert done["status"] == "done", done
    assert done["text"] == "stalling 0 woke up"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param(0, "positive number of seconds", id="zero"),
        pytest.param(-1.5, "positive number of seconds", id="negative"),
        pytest.param("30", "positive number of seconds", id="string"),
        pytest.param(True, "positive number of seconds", id="bool"),
    ],
)
def test_a_bad_idle_timeout_is_reported_and_the_default_used(value: Any, problem: str) -> None:
    reports: list[str] = []
    settings = SettingsReader(reports.append).read({}, {"timeouts": {"idleSeconds": value}})
    assert settings.idle_seconds == Settings().idle_seconds == 120.0
    assert len(reports) == 1 and problem in reports[0] and "idleSeconds" in reports[0]


@pytest.mark.parametrize("value", [0, -5, 2.5, "big", None])
def test_a_bad_answer_cap_is_reported_and_the_default_used(value: Any) -> None:
    reports: list[str] = []
    settings = SettingsReader(reports.append).read({"answer": {"maxChars": value}}, None)
    assert settings.answer_max_chars == Settings().answer_max_chars == 200_000
    assert len(reports) == (0 if value is None else 1), reports


def test_the_new_settings_take_fractional_seconds_and_whole_caps() -> None:
    settings = SettingsReader(print).read(
        {"timeouts": {"idleSeconds": 120}}, {"timeouts.idleSeconds": 0.25, "answer.maxChars": 9}
    )
    assert (settings.idle_seconds, settings.answer_max_chars) == (0.25, 9)


# -- an enormous answer: the cap ------------------------------------------------------


async def test_an_enormous_explanation_stops_at_the_default_cap_and_says_so(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["EnormousBot"]})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.explain",
        argument(editor, uri, "EnormousBot", chars=2_000_000, chunk_size=8192, delay=0.005),
    )
    assert done["status"] == "failed", done
    assert "answer was longer than the limit (200000 characters)" in done["error"]
    assert "raise the answer.maxChars setting (VS Code: poe.answer.maxChars)" in done["error"]
    assert len(done["text"]) == 200_000
    assert_streams_consistent(editor, done)
    assert editor.told("answer.maxChars") == ["poe/done"], editor.messages()
    # The job stopped reading: the upstream stream was closed long before its end.
    await fake.wait_disconnect("EnormousBot")
    assert await editor.hover(uri, SOURCE.index("t = 0")) is None
    await assert_clean(editor)


@pytest.mark.parametrize("mode", ["stream", "final", "review"])
async def test_an_answer_over_the_cap_never_reaches_the_document(
    make_editor: MakeEditor, mode: str
) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["EnormousBot"], "answer": {"maxChars": 5000}},
        workspace={"edits": {"mode": mode}},
    )
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.refactor", argument(editor, uri, "EnormousBot", chars=50_000, chunk_size=500)
    )
    assert done["status"] == "failed", done
    assert "answer was longer than the limit (5000 characters)" in done["error"]
    assert "wrote nothing" in done["error"]
    assert editor.text(uri) == SOURCE
    if mode != "stream":
        assert editor.edits_received == 0
    await assert_clean(editor)


# -- repeated replace_response -----------------------------------------------------------


async def test_repeated_replacements_end_with_the_last_text_only(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.explain",
        {
            "uri": uri,
            "range": target_range(editor, uri),
            "bot": "ReplaceRepeatedlyBot",
            "parameters": {"rounds": 6, "delay": 0.01, "answer": "Sums the prices."},
        },
    )
    assert done["status"] == "done", done
    assert done["text"] == "Sums the prices."
    streams = editor.jobs[done["jobId"]].streams
    assert streams[-1]["text"] == done["text"]
    # A notification whose text does not extend the previous one starts over.
    restarts = [b for a, b in itertools.pairwise(streams) if not b["text"].startswith(a["text"])]
    assert restarts and all(r["delta"] == r["text"] for r in restarts)
    hover = await editor.hover(uri, SOURCE.index("t = 0"))
    assert hover is not None and "Sums the prices." in str(hover.contents)
    assert "draft" not in str(hover.contents)


async def test_repeated_replacements_in_stream_mode_write_the_final_code_once(
    editor: Editor,
) -> None:
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.refactor",
        {
            "uri": uri,
            "range": target_range(editor, uri),
            "bot": "ReplaceRepeatedlyBot",
            "parameters": {
                "rounds": 5,
                "delay": 0.01,
                "draft": "\n```python\n    return {i}\n```\n",
                "answer": f"```python\n{NEW_TARGET}```\n",
            },
        },
    )
    assert done["status"] == "done", done
    assert editor.text(uri) == SOURCE.replace(TARGET, NEW_TARGET)
    assert editor.edits_received >= 2
    await assert_clean(editor)


async def test_a_fault_does_not_hold_up_another_job(make_editor: MakeEditor) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["StallBot", "ExplainBot"], "timeouts": {"idleSeconds": 3}}
    )
    uri = editor.open("shop.py", SOURCE)
    stalled = await editor.start(
        "poe.explain", argument(editor, uri, "StallBot", before=0, stall=30)
    )
    other = await editor.run(
        "poe.explain",
        {"uri": uri, "range": editor.range_of(uri, "def area(r):"), "bot": "ExplainBot"},
    )
    assert other["status"] == "done"
    assert not editor.jobs[stalled].done.done(), "the stalled job ended before the other"
    done = await editor.done(stalled)
    assert done["status"] == "failed"
    # The finished explanation stays for hover until its document closes.
    assert (await editor.status())["hoverRegions"] == 1
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await assert_clean(editor)
