"""Load: 50 jobs streaming at once from a slow bot.

While they stream, ``textDocument/codeAction`` and ``textDocument/hover`` are
still answered (these tests assert completion; ``bench/load.py`` measures the
latencies), and once the jobs have ended and their documents are closed the
server holds nothing more than before: no job, task, tracked range, hover
region, progress token or pending request is left behind.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types

from conftest import MakeEditor
from editor import Editor
from fakepoe import FakePoe

# These tests are about many streaming jobs at once, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

JOBS_PER_DOCUMENT = 5
DOCUMENTS = 10
SLOW = {"chunks": 20, "delay": 0.1}
"""SlowBot parameters: each job streams for about two seconds."""

HELD = (
    "runningJobs",
    "pendingConsents",
    "backgroundTasks",
    "trackedRanges",
    "hoverRegions",
    "progressTokens",
    "requestFutures",
    "resultTypes",
)


def source(n: int) -> str:
    """A module of ``JOBS_PER_DOCUMENT`` functions."""
    return "".join(
        f"def f{n}_{i}(x):\n    y = x + {i}\n    return y * {n}\n\n\n"
        for i in range(JOBS_PER_DOCUMENT)
    )


def body_range(editor: Editor, uri: str, i: int) -> dict[str, Any]:
    text = editor.text(uri)
    start = text.index(f"    y = x + {i}\n")
    end = text.index("\n\n", start) + 1
    return editor.span_range(uri, start, end)


async def settled(editor: Editor) -> dict[str, Any]:
    """``poe/status`` once its counts of held things stop changing (a few round trips)."""
    previous: dict[str, Any] = {}
    status: dict[str, Any] = {}
    for _ in range(40):
        status = await editor.status()
        now = {key: status[key] for key in HELD}
        if now == previous and not any(now.values()):
            return status
        previous = now
        await asyncio.sleep(0.05)
    return status


def held(status: dict[str, Any]) -> dict[str, int]:
    return {key: status[key] for key in HELD}


async def start_fifty(editor: Editor) -> tuple[list[str], list[str], list[str]]:
    """Open the documents and start 40 explanations and 10 stream-mode refactors."""
    uris = [editor.open(f"load{n}.py", source(n)) for n in range(DOCUMENTS)]
    explains, refactors = [], []
    for uri in uris:
        for i in range(JOBS_PER_DOCUMENT):
            argument = {
                "uri": uri,
                "range": body_range(editor, uri, i),
                "bot": "SlowBot",
                "parameters": SLOW,
            }
            if i == JOBS_PER_DOCUMENT - 1:
                refactors.append(await editor.start("poe.refactor", argument))
            else:
                explains.append(await editor.start("poe.explain", argument))
    return uris, explains, refactors


async def ask_while_streaming(editor: Editor, uris: list[str], jobs: list[str]) -> int:
    """Send code action and hover requests until the jobs end; return how many were answered."""
    answered = 0
    round_ = 0
    while not all(editor.jobs[j].done.done() for j in jobs):
        uri = uris[round_ % len(uris)]
        rng = body_range(editor, uri, 0)
        actions, hover = await asyncio.wait_for(
            asyncio.gather(editor.code_actions(uri, rng), editor.hover(uri, 3)), 10
        )
        assert {a["title"] for a in actions} >= {"Explain with GPT-5", "Refactor with GPT-5"}
        assert hover is None  # nothing is finished yet on that line, or it shows the answer
        answered += 2
        round_ += 1
    return answered


@pytest.fixture
async def loaded(make_editor: MakeEditor) -> Editor:
    editor = await make_editor(init_options={"allowedBots": ["SlowBot"]})
    return editor


async def test_fifty_streaming_jobs_leave_requests_answered_and_nothing_behind(
    loaded: Editor, fake: FakePoe
) -> None:
    editor = loaded
    before = held(await settled(editor))
    assert not any(before.values()), before

    uris, explains, refactors = await start_fifty(editor)
    jobs = explains + refactors
    assert len(jobs) == 50
    status = await editor.status()
    assert status["runningJobs"] >= 40, status  # they really overlap
    answered = await ask_while_streaming(editor, uris, jobs)
    assert answered >= 4, "the jobs ended before any request could be sent"

    results = [await editor.done(j) for j in jobs]
    assert [r["status"] for r in results] == ["done"] * 50
    assert all(editor.jobs[j].done_count == 1 for j in jobs)
    assert len(fake.requests) == 50
    # The explanations are kept for hover; the refactors wrote the bot's lines.
    hover = await editor.hover(uris[0], editor.text(uris[0]).index("y = x + 0"))
    assert hover is not None and "chunk 19" in str(hover.contents)
    for uri in uris:
        assert "chunk 19\n" in editor.text(uri)

    during = held(await editor.status())
    assert during["hoverRegions"] == 40 and during["runningJobs"] == 0, during
    for uri in uris:
        editor.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    after = await settled(editor)
    assert held(after) == before, after
    assert after["openDocuments"] == 0


async def test_fifty_jobs_cancelled_mid_stream_leave_nothing_behind(
    loaded: Editor, fake: FakePoe
) -> None:
    editor = loaded
    before = held(await settled(editor))
    uris, explains, refactors = await start_fifty(editor)
    await fake.wait_request("SlowBot", count=50)
    await editor.wait_until(lambda: editor.edits_received >= 10)
    result = await editor.command("poe.cancel", {})
    assert len(result["cancelled"]) == 50
    results = [await editor.done(j) for j in explains + refactors]
    assert {r["status"] for r in results} == {"cancelled"}
    # Cancelled refactors put their original text back; nothing is kept for hover.
    for n, uri in enumerate(uris):
        assert editor.text(uri) == source(n)
    after = await settled(editor)
    assert held(after) == before, after
    assert await editor.hover(uris[0], editor.text(uris[0]).index("y = x + 0")) is None
    for _ in range(50):
        if len(fake.disconnects) >= 50:
            break
        await asyncio.sleep(0.1)
    assert len(fake.disconnects) == 50, "some upstream streams were left open"


async def test_live_objects_return_to_their_level_after_a_second_round(
    loaded: Editor,
) -> None:
    """After a warm-up round (imports, caches), another 50 jobs leave no objects behind."""
    editor = loaded
    counts = []
    for _ in range(2):
        uris, explains, refactors = await start_fifty(editor)
        for j in explains + refactors:
            assert (await editor.done(j))["status"] == "done"
        for uri in uris:
            editor.client.text_document_did_close(
                types.DidCloseTextDocumentParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)
                )
            )
        assert not any(held(await settled(editor)).values())
        counts.append((await editor.status(objects=True))["objects"])
    # Every job allocates thousands of objects; a leak of even one per job shows.
    assert counts[1] - counts[0] < 50, counts
