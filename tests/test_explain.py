"""poe.explain end to end: the real server, a fake Poe, editors with real capabilities."""

from __future__ import annotations

from conftest import MakeEditor
from editor import Editor
from fakepoe import FakePoe

SOURCE = '''import math


def area(radius):
    """Area of a circle."""
    return math.pi * radius ** 2


def naïve_greeting(name):
    return f"héllo {name} 🎉"
'''


async def test_explain_answers_job_id_at_once_and_streams_the_whole_text(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    job_id = await editor.start(
        "poe.explain",
        {"uri": uri, "range": editor.range_of(uri, "def area(radius):"), "bot": "ExplainBot"},
    )
    done = await editor.done(job_id)
    assert done["status"] == "done"
    assert done["action"] == "explain"
    assert done["bot"] == "ExplainBot"
    assert done["text"]
    streams = editor.jobs[job_id].streams
    assert streams, "no poe/stream notification arrived"
    for note in streams:
        assert done["text"].startswith(note["text"])
    rebuilt = "".join(note["delta"] for note in streams)
    assert rebuilt == done["text"]


async def test_explain_prompt_carries_selection_context_path_and_language(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("pkg/geometry.py", SOURCE)
    await editor.run(
        "poe.explain",
        {
            "uri": uri,
            "range": editor.range_of(uri, "return math.pi * radius ** 2"),
            "bot": "EchoBot",
        },
    )
    prompt = fake.requests[-1].prompt
    assert "return math.pi * radius ** 2" in prompt
    assert "import math" in prompt
    assert "naïve_greeting" in prompt
    assert "pkg/geometry.py" in prompt
    assert "python" in prompt


async def test_poe_stream_is_coalesced_to_twenty_a_second(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor()
    uri = editor.open("a.py", SOURCE)
    job_id = await editor.start(
        "poe.explain",
        {
            "uri": uri,
            "range": editor.range_of(uri, "def area"),
            "bot": "FastChunksBot",
            "parameters": {"count": 400, "interval": 0.002},
        },
    )
    done = await editor.done(job_id)
    assert done["status"] == "done"
    streams = editor.jobs[job_id].streams
    # 400 chunks in about a second must not become 400 notifications.
    assert 1 <= len(streams) < 100
    assert "".join(n["delta"] for n in streams) == done["text"]


async def test_hover_inside_explained_range_shows_the_explanation(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    rng = editor.range_of(uri, "def area(radius):")
    done = await editor.run("poe.explain", {"uri": uri, "range": rng, "bot": "ExplainBot"})
    inside = SOURCE.index("area(radius)") + 2
    hover = await editor.hover(uri, inside)
    assert hover is not None
    assert hover.contents.kind == "markdown"
    assert hover.contents.value == done["text"]
    outside = SOURCE.index("naïve_greeting")
    assert await editor.hover(uri, outside) is None


async def test_hover_follows_edits_above_and_ends_when_the_text_changes(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    rng = editor.range_of(uri, "def naïve_greeting(name):")
    done = await editor.run("poe.explain", {"uri": uri, "range": rng, "bot": "ExplainBot"})
    editor.type(uri, 0, 0, "# a new first line ✨\n")
    inside = editor.text(uri).index("naïve_greeting") + 3
    hover = await editor.hover(uri, inside)
    assert hover is not None and hover.contents.value == done["text"]
    editor.type(uri, inside, inside + 1, "X")
    assert await editor.hover(uri, inside) is None


async def test_stream_capable_client_gets_no_duplicate_message(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    done = await editor.run(
        "poe.explain", {"uri": uri, "range": editor.range_of(uri, "def area"), "bot": "ExplainBot"}
    )
    assert not any(done["text"] in message for message in editor.messages())


async def test_progress_begins_reports_and_ends_with_a_cancellable_title(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    job_id = await editor.start(
        "poe.explain", {"uri": uri, "range": editor.range_of(uri, "def area"), "bot": "ExplainBot"}
    )
    await editor.done(job_id)
    reports = [r for rs in editor.client.progress_reports.values() for r in rs]
    begins = [r for r in reports if r.kind == "begin"]
    ends = [r for r in reports if r.kind == "end"]
    assert [b.title for b in begins] == ["Poe · Explain · ExplainBot"]
    assert begins[0].cancellable is True
    assert len(ends) == 1


async def test_replace_response_replaces_the_streamed_text(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    done = await editor.run(
        "poe.explain", {"uri": uri, "range": editor.range_of(uri, "def area"), "bot": "ReplaceBot"}
    )
    assert done["status"] == "done"
    streams = editor.jobs[done["jobId"]].streams
    assert streams[-1]["text"] == done["text"]


async def test_many_jobs_run_at_once_and_each_ends_once(editor: Editor) -> None:
    uri = editor.open("geometry.py", SOURCE)
    rng = editor.range_of(uri, "def area")
    ids = [
        await editor.start(
            "poe.explain",
            {
                "uri": uri,
                "range": rng,
                "bot": "SlowBot",
                "parameters": {"chunks": 5, "delay": 0.05},
            },
        )
        for _ in range(6)
    ]
    results = [await editor.done(job_id) for job_id in ids]
    assert {r["status"] for r in results} == {"done"}
    assert all(editor.jobs[job_id].done_count == 1 for job_id in ids)
