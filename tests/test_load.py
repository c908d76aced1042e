"""Load: 50 jobs streaming at once.

The fake bot (``HeldBot``) sends its first chunk, then holds every stream
open until the test releases its gate, so "while 50 jobs run" is a state the
test waits for, not a race with the clock.  While they run,
``textDocument/codeAction`` and ``textDocument/hover`` are still answered
(these tests assert completion; ``bench/load.py`` measures the latencies),
and once the jobs have ended and their documents are closed the server holds
nothing more than before: no job, task, tracked range, hover region,
progress token or pending request is left behind.
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
JOBS = JOBS_PER_DOCUMENT * DOCUMENTS
ROUNDS_WHILE_HELD = 4
"""Code action + hover pairs sent while every job is held open."""

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


async def start_fifty(
    editor: Editor, fake: FakePoe, gate: str
) -> tuple[list[str], list[str], list[str]]:
    """Open the documents and start 40 explanations and 10 stream-mode refactors.

    Each streams ``chunk 0`` and ``chunk 1`` (two lines: enough for a refactor
    to write them) and is then held open at ``gate`` (this returns once all 50
    are); released, it streams ``chunk 2`` to ``chunk 19``.
    """
    uris = [editor.open(f"load{n}.py", source(n)) for n in range(DOCUMENTS)]
    explains, refactors = [], []
    for uri in uris:
        for i in range(JOBS_PER_DOCUMENT):
            argument = {
                "uri": uri,
                "range": body_range(editor, uri, i),
                "bot": "HeldBot",
                "parameters": {"before": 2, "after": 18, "gate": gate},
            }
            if i == JOBS_PER_DOCUMENT - 1:
                refactors.append(await editor.start("poe.refactor", argument))
            else:
                explains.append(await editor.start("poe.explain", argument))
    await fake.wait_held(gate, JOBS)
    return uris, explains, refactors


async def ask_while_held(editor: Editor, uris: list[str]) -> None:
    """Code actions and hovers, answered while every job is still running."""
    for round_ in range(ROUNDS_WHILE_HELD):
        uri = uris[round_ % len(uris)]
        text = editor.text(uri)
        inside = text.index("y = x + 0")  # a running explanation's range
        actions, hover = await asyncio.wait_for(
            asyncio.gather(
                editor.code_actions(uri, body_range(editor, uri, 0)), editor.hover(uri, inside)
            ),
            10,
        )
        assert {a["title"] for a in actions} >= {"Explain with GPT-5", "Refactor with GPT-5"}
        # The explanation of that range has not finished: there is nothing to show yet.
        assert hover is None


@pytest.fixture
async def loaded(make_editor: MakeEditor) -> Editor:
    editor = await make_editor(
        init_options={"allowedBots": ["HeldBot"]}, workspace={"edits": {"mode": "stream"}}
    )
    return editor


async def test_fifty_streaming_jobs_leave_requests_answered_and_nothing_behind(
    loaded: Editor, fake: FakePoe
) -> None:
    editor = loaded
    before = held(await settled(editor))
    assert not any(before.values()), before

    uris, explains, refactors = await start_fifty(editor, fake, "load")
    jobs = explains + refactors
    assert len(jobs) == JOBS
    assert (await editor.status())["runningJobs"] == JOBS  # they really overlap
    await ask_while_held(editor, uris)
    assert fake.held("load") == JOBS, "every request was answered while all 50 jobs ran"
    fake.release("load")

    results = [await editor.done(j) for j in jobs]
    assert [r["status"] for r in results] == ["done"] * 50
    assert all(editor.jobs[j].done_count == 1 for j in jobs)
    assert len(fake.requests) == JOBS
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
    uris, explains, refactors = await start_fifty(editor, fake, "never")
    # Every refactor has written its first chunk.
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
    # Every upstream stream was closed: each held bot saw its client go away.
    await fake.wait_disconnect("HeldBot", count=JOBS)
    assert fake.held("never") == 0


async def test_live_objects_return_to_their_level_after_a_second_round(
    loaded: Editor, fake: FakePoe
) -> None:
    """After a warm-up round (imports, caches), another 50 jobs leave no objects behind."""
    editor = loaded
    counts = []
    for round_ in range(2):
        uris, explains, refactors = await start_fifty(editor, fake, f"round {round_}")
        fake.release(f"round {round_}")
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
