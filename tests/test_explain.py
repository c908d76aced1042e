"""poe.explain end to end: the real server, a fake Poe, editors with real capabilities."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from pathlib import Path

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


def stream_send_times(log_file: Path, job_id: str) -> list[datetime]:
    """When the server sent each ``poe/stream`` of ``job_id``, by its own debug log."""
    times = []
    for line in log_file.read_text(encoding="utf-8").splitlines():
        if "Sending notification: 'poe/stream'" in line and repr(job_id) in line:
            times.append(datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f"))
    assert times, "the server's debug log no longer records the notifications it sends"
    return times


async def test_poe_stream_sends_the_first_chunk_at_once_then_at_most_twenty_a_second(
    make_editor: MakeEditor, fake: FakePoe, log_file: Path
) -> None:
    editor = await make_editor()
    uri = editor.open("a.py", SOURCE)
    job_id = await editor.start(
        "poe.explain",
        {
            "uri": uri,
            "range": editor.range_of(uri, "def area"),
            "bot": "HeldBot",
            "parameters": {"before": 1, "gate": "first", "after": 150, "interval": 0.003},
        },
    )
    # The first chunk is not held back for more text: it reaches the editor
    # while the bot still holds its stream open after it.
    await fake.wait_held("first")
    first = await editor.wait_for_stream(job_id)
    assert first["text"] == "chunk 0\n"
    assert fake.held("first") == 1
    fake.release("first")
    done = await editor.done(job_id)
    assert done["status"] == "done"
    streams = editor.jobs[job_id].streams
    assert "".join(n["delta"] for n in streams) == done["text"]
    # 150 chunks in half a second or more: coalesced, at least 50 ms apart by the
    # server's clock (its log has millisecond resolution); the last one goes out
    # as soon as the answer is complete.
    sent = stream_send_times(log_file, job_id)
    assert len(sent) == len(streams)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(sent[:-1])]
    assert gaps and min(gaps) >= 0.050, gaps
    for i, start in enumerate(sent[:-1]):
        in_a_second = [t for t in sent[i:-1] if (t - start).total_seconds() < 1.0]
        assert len(in_a_second) <= 20


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
    answer = "The area grows with the square of the radius, so doubling it quadruples the area."
    job_id = await editor.start(
        "poe.explain",
        {
            "uri": uri,
            "range": editor.range_of(uri, "def area"),
            "bot": "ExplainBot",
            "parameters": {"answer": answer, "chunk_size": 8, "delay": 0.02},
        },
    )
    done = await editor.done(job_id)
    assert done["text"] == answer
    reports = [r for rs in editor.client.progress_reports.values() for r in rs]
    begins = [r for r in reports if r.kind == "begin"]
    ends = [r for r in reports if r.kind == "end"]
    assert [b.title for b in begins] == ["Poe · Explain · ExplainBot"]
    assert begins[0].cancellable is True
    assert [e.message for e in ends] == ["done"]
    # Reports say how far the answer is, never what it says (status lines show them).
    messages = [r.message for r in reports if r.kind == "report"]
    assert messages
    for message in messages:
        assert re.fullmatch(r"[\d,]+ characters? · \d+\.\d s", message), message
    assert messages[-1].startswith(f"{len(answer)} characters · ")
    assert not any(word in " ".join(messages) for word in ("area", "radius", "square"))


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
