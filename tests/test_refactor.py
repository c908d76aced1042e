"""poe.refactor end to end: edits by mode, and the safety rules while text streams."""

from __future__ import annotations

import asyncio

import pytest

from conftest import MakeEditor, fail_after_writing_code
from editor import Editor
from fakepoe import FakePoe

# These tests are about streamed and final edits landing in the document, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

SOURCE = """def greet(name):
    print("hello " + name)


class Shop:
    def total(self, prices):
        t = 0
        for p in prices:
            t = t + p
        return t


# naïve 日本語 🎉 comment
def tail():
    return "café 🎉"
"""

TOTAL = """        t = 0
        for p in prices:
            t = t + p
        return t
"""
NEW_TOTAL = "        return sum(prices)\n"


def fenced(code: str, delay: float = 0.0, chunk: int = 0) -> dict[str, object]:
    """Parameters that make FencedCodeBot answer ``code``, streamed as asked."""
    params: dict[str, object] = {"answer": code}
    if delay:
        params["delay"] = delay
    if chunk:
        params["chunk_size"] = chunk
    return params


def on_total(
    editor: Editor, uri: str, code: str, delay: float = 0.0, chunk: int = 0
) -> dict[str, object]:
    """A poe.refactor argument for the body of ``Shop.total``, answered with ``code``."""
    start = editor.text(uri).index(TOTAL)
    return {
        "uri": uri,
        "range": editor.span_range(uri, start, start + len(TOTAL)),
        "bot": "FencedCodeBot",
        "parameters": fenced(code, delay, chunk),
    }


async def test_refactor_rewrites_exactly_the_selection_with_code_only(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.refactor",
        on_total(editor, uri, NEW_TOTAL),
    )
    assert done["status"] == "done", done
    assert editor.text(uri) == SOURCE.replace(TOTAL, NEW_TOTAL)


@pytest.mark.parametrize("mode", ["stream", "final"])
async def test_every_edit_carries_the_version_it_was_computed_for(
    make_editor: MakeEditor, mode: str
) -> None:
    editor = await make_editor(workspace={"edits": {"mode": mode}})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.refactor",
        on_total(editor, uri, NEW_TOTAL, delay=0.02, chunk=4),
    )
    assert done["status"] == "done"
    assert editor.text(uri) == SOURCE.replace(TOTAL, NEW_TOTAL)
    assert editor.workspace_edits, "no edit was sent"
    assert all(e["version"] is not None for e in editor.workspace_edits)
    assert editor.edits_refused == 0
    if mode == "final":
        assert len(editor.workspace_edits) == 1


async def test_stream_mode_writes_progressively(edit_editor: Editor) -> None:
    editor = edit_editor
    uri = editor.open("shop.py", SOURCE)
    code = "".join(f"        x{i} = {i}\n" for i in range(30))
    done = await editor.run(
        "poe.refactor",
        on_total(editor, uri, code, delay=0.02, chunk=20),
    )
    assert done["status"] == "done"
    assert editor.text(uri) == SOURCE.replace(TOTAL, code)
    assert len(editor.workspace_edits) > 1


async def test_the_retired_confirm_mode_proposes_and_writes_nothing(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(workspace={"edits": {"mode": "confirm"}})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run(
        "poe.refactor",
        on_total(editor, uri, NEW_TOTAL),
    )
    assert done["status"] == "done"
    assert editor.edits_received == 0
    assert [hunk["newText"] for hunk in done["proposal"]["hunks"]] == [NEW_TOTAL]
    assert editor.text(uri) == SOURCE


async def test_non_ascii_positions_are_right_in_utf8_and_utf16(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    target = 'return "café 🎉"'
    done = await editor.run(
        "poe.refactor",
        {
            "uri": uri,
            "range": editor.range_of(uri, target),
            "bot": "FencedCodeBot",
            "parameters": fenced('return "naïve ☕ 🎉🎉"'),
        },
    )
    assert done["status"] == "done"
    assert editor.text(uri) == SOURCE.replace(target, 'return "naïve ☕ 🎉🎉"')


async def test_user_typing_elsewhere_is_kept_and_the_target_follows(
    edit_editor: Editor, fake: FakePoe
) -> None:
    editor = edit_editor
    uri = editor.open("shop.py", SOURCE)
    code = "".join(f"        y{i} = {i}\n" for i in range(20))
    job_id = await editor.start(
        "poe.refactor",
        on_total(editor, uri, code, delay=0.02, chunk=10),
    )
    await fake.wait_request("FencedCodeBot")
    editor.type(uri, 0, 0, "# typed above 🎉\n")
    end = len(editor.text(uri))
    editor.type(uri, end, end, "# typed below\n")
    done = await editor.done(job_id)
    assert done["status"] == "done", done
    expected = "# typed above 🎉\n" + SOURCE.replace(TOTAL, code) + "# typed below\n"
    assert editor.text(uri) == expected


async def test_user_typing_inside_the_range_stops_the_job_and_keeps_the_edit(
    edit_editor: Editor, fake: FakePoe
) -> None:
    editor = edit_editor
    uri = editor.open("shop.py", SOURCE)
    start = SOURCE.index(TOTAL)
    code = "".join(f"        z{i} = {i}\n" for i in range(40))
    job_id = await editor.start(
        "poe.refactor",
        on_total(editor, uri, code, delay=0.05, chunk=10),
    )
    await editor.wait_until(lambda: "        z1 = 1\n" in editor.text(uri))
    text = editor.text(uri)
    inside = text.index("        z0 = 0") + 8
    editor.type(uri, inside, inside, "USER")
    done = await editor.done(job_id)
    assert done["status"] == "failed"
    assert "edited" in done["error"]
    final = editor.text(uri)
    assert "USER" in final
    assert final.startswith(SOURCE[:start])
    assert final.endswith(SOURCE[start + len(TOTAL) :])
    edits_at_done = len(editor.workspace_edits)
    await asyncio.sleep(0.3)
    assert len(editor.workspace_edits) == edits_at_done


async def test_bot_failing_after_streaming_code_restores_the_original(
    edit_editor: Editor, fake: FakePoe
) -> None:
    editor = edit_editor
    uri = editor.open("shop.py", SOURCE)
    start = SOURCE.index(TOTAL)
    rng = editor.span_range(uri, start, start + len(TOTAL))
    done = await fail_after_writing_code(editor, fake, "poe.refactor", {"uri": uri, "range": rng})
    assert done["status"] == "failed"
    assert "CodeThenFailBot" in done["error"]
    assert editor.text(uri) == SOURCE
    assert editor.told(done["error"]) == ["poe/done"], editor.messages()


async def test_cancel_restores_the_original_and_closes_the_upstream_stream(
    edit_editor: Editor, fake: FakePoe
) -> None:
    editor = edit_editor
    uri = editor.open("shop.py", SOURCE)
    code = "".join(f"        v{i} = {i}\n" for i in range(200))
    job_id = await editor.start(
        "poe.refactor",
        on_total(editor, uri, code, delay=0.05, chunk=10),
    )
    await editor.wait_until(lambda: len(editor.workspace_edits) >= 1)
    result = await editor.command("poe.cancel", {"jobId": job_id})
    assert result == {"cancelled": [job_id]}
    done = await editor.done(job_id)
    assert done["status"] == "cancelled"
    assert editor.text(uri) == SOURCE
    await fake.wait_disconnect("FencedCodeBot", timeout=5)


async def test_overlapping_second_edit_job_is_refused(editor: Editor, fake: FakePoe) -> None:
    uri = editor.open("shop.py", SOURCE)
    start = SOURCE.index(TOTAL)
    rng = editor.span_range(uri, start, start + len(TOTAL))
    # The first job answers NEW_TOTAL and is held open until the test lets it end.
    job_id = await editor.start(
        "poe.refactor",
        {
            "uri": uri,
            "range": rng,
            "bot": "HeldBot",
            "parameters": {"chunk_text": NEW_TOTAL, "gate": "first"},
        },
    )
    await fake.wait_held("first")
    overlapping = editor.span_range(uri, start + 5, start + len(TOTAL) + 10)
    with pytest.raises(Exception, match="already editing this range"):
        await editor.command(
            "poe.refactor", {"uri": uri, "range": overlapping, "bot": "FencedCodeBot"}
        )
    other = editor.range_of(uri, "def greet(name):")
    other_id = await editor.start(
        "poe.refactor",
        {
            "uri": uri,
            "range": other,
            "bot": "FencedCodeBot",
            "parameters": fenced("def greet(person):"),
        },
    )
    assert (await editor.done(other_id))["status"] == "done"
    fake.release("first")
    assert (await editor.done(job_id))["status"] == "done"
    assert editor.text(uri) == SOURCE.replace(TOTAL, NEW_TOTAL).replace(
        "def greet(name):", "def greet(person):"
    )


async def test_prose_around_the_code_never_reaches_the_document(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    target = "def greet(name):"
    done = await editor.run(
        "poe.refactor",
        {
            "uri": uri,
            "range": editor.range_of(uri, target),
            "bot": "FencedCodeBot",
            "parameters": {"answer": "def greet(who):", "chunk_size": 3, "delay": 0.01},
        },
    )
    assert done["status"] == "done"
    assert editor.text(uri) == SOURCE.replace(target, "def greet(who):")


async def test_instruction_reaches_the_bot(editor: Editor, fake: FakePoe) -> None:
    uri = editor.open("shop.py", SOURCE)
    await editor.run(
        "poe.refactor",
        {
            "uri": uri,
            "range": editor.range_of(uri, "def greet(name):"),
            "bot": "FencedCodeBot",
            "instruction": "rename the parameter to person",
        },
    )
    assert "rename the parameter to person" in fake.requests[-1].prompt
