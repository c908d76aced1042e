"""poe.ask end to end: a free-form prompt delivered as an explanation or as an edit."""

from __future__ import annotations

import pytest

from editor import Editor
from fakepoe import FakePoe

# These tests are about ask edits landing in the document, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

SOURCE = """import math


def area(radius):
    return math.pi * radius ** 2


def naïve_greeting(name):
    return f"héllo {name} 🎉"
"""
AREA = "def area(radius):\n    return math.pi * radius ** 2\n"
NEW_AREA = "def area(radius: float) -> float:\n    return math.pi * radius**2\n"


async def test_ask_with_explain_output_streams_like_explain_and_offers_hover(
    editor: Editor,
) -> None:
    uri = editor.open("geometry.py", SOURCE)
    rng = editor.range_of(uri, AREA)
    job_id = await editor.start(
        "poe.ask",
        {
            "uri": uri,
            "range": rng,
            "prompt": "Is this numerically stable?",
            "output": "explain",
            "bot": "ExplainBot",
        },
    )
    done = await editor.done(job_id)
    assert done["status"] == "done", done
    assert done["action"] == "ask"
    assert done["text"]
    streams = editor.jobs[job_id].streams
    assert streams
    assert all(done["text"].startswith(note["text"]) for note in streams)
    assert "".join(note["delta"] for note in streams) == done["text"]
    assert editor.workspace_edits == []
    assert editor.text(uri) == SOURCE
    hover = await editor.hover(uri, SOURCE.index("radius"))
    assert hover is not None
    assert hover.contents.value == done["text"]


async def test_ask_with_edit_output_rewrites_the_range_like_refactor(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    done = await editor.run(
        "poe.ask",
        {
            "uri": uri,
            "range": editor.range_of(uri, AREA),
            "prompt": "Add type hints.",
            "output": "edit",
            "bot": "FencedCodeBot",
            "parameters": {"answer": NEW_AREA.rstrip("\n")},
        },
    )
    assert done["status"] == "done", done
    assert done["action"] == "ask"
    assert editor.text(uri) == SOURCE.replace(AREA, NEW_AREA)
    assert editor.workspace_edits
    assert editor.edits_refused == 0


async def test_ask_without_a_range_sends_the_whole_file(editor: Editor, fake: FakePoe) -> None:
    uri = editor.open("pkg/geometry.py", SOURCE)
    done = await editor.run(
        "poe.ask",
        {"uri": uri, "prompt": "What does this module do?", "output": "explain", "bot": "EchoBot"},
    )
    assert done["status"] == "done", done
    prompt = fake.requests[-1].prompt
    assert "import math" in prompt
    assert "return math.pi * radius ** 2" in prompt
    assert 'return f"héllo {name} 🎉"' in prompt
    assert "pkg/geometry.py" in prompt
    assert editor.text(uri) == SOURCE


async def test_the_users_prompt_reaches_the_bot(editor: Editor, fake: FakePoe) -> None:
    uri = editor.open("geometry.py", SOURCE)
    question = "Would a lookup table for π make this faster? 🤔"
    await editor.run(
        "poe.ask",
        {
            "uri": uri,
            "range": editor.range_of(uri, AREA),
            "prompt": question,
            "output": "explain",
            "bot": "EchoBot",
        },
    )
    prompt = fake.requests[-1].prompt
    assert question in prompt
    assert "return math.pi * radius ** 2" in prompt
