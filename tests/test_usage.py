"""What each job cost: ``poe.usage``, over real LSP, against the fake Poe's usage API.

Oracle: the fake's history.  Each answered request is an ``API`` entry created
when the request arrived, for the points the test chose (the ``points``
parameter), visible ``usage.delay`` seconds after the answer ended.  A job's
points must be those of its own request, whatever order the jobs end in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from conftest import MakeEditor
from editor import TEST_KEY, Editor
from fakepoe import FakePoe

SOURCE = "def add(a, b):\n    return a + b\n"


def explain(editor: Editor, uri: str, bot: str = "EchoBot", **parameters: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "range": editor.range_of(uri, "def add(a, b):"),
        "bot": bot,
        "parameters": parameters,
    }


async def usage_when(
    editor: Editor, ready: Callable[[dict[str, Any]], bool], timeout: float = 15.0
) -> dict[str, Any]:
    """``poe.usage`` asked again (as the clients do after ``poe/done``) until ``ready``;
    past ``timeout`` (longer than the server looks for entries), the last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result: dict[str, Any] = await editor.command("poe.usage", {})
        if ready(result) or loop.time() > deadline:
            return result
        await asyncio.sleep(0.1)


def points(result: dict[str, Any]) -> dict[str, int | None]:
    return {job["jobId"]: job["points"] for job in result["jobs"]}


def all_known(result: dict[str, Any]) -> bool:
    return bool(result["jobs"]) and None not in points(result).values()


async def test_concurrent_jobs_of_one_bot_each_get_their_own_cost(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["HeldBot"]})
    uri = editor.open("calc.py", SOURCE)
    # Entries show a second after each answer: by then every job has ended, so the
    # first entry to show (the last-started job's) is there while the others wait.
    fake.usage.delay = 1.0
    costs = [11, 23, 37]
    jobs = []
    for n, cost in enumerate(costs):
        job_id = await editor.start(
            "poe.explain", explain(editor, uri, "HeldBot", gate=f"g{n}", points=cost)
        )
        await editor.wait_for_stream(job_id)  # its request is in before the next starts
        jobs.append(job_id)
    for n in reversed(range(3)):  # they end in the other order
        fake.release(f"g{n}")
        assert (await editor.done(jobs[n]))["status"] == "done"
    result = await usage_when(editor, all_known)
    assert points(result) == dict(zip(jobs, costs, strict=True))
    assert result["sessionPoints"] == sum(costs)
    assert result["balance"] == 5000 - sum(costs)
    assert {job["bot"] for job in result["jobs"]} == {"HeldBot"}


async def test_an_entry_that_shows_late_is_still_found(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor()
    uri = editor.open("calc.py", SOURCE)
    fake.usage.delay = 3.0
    job_id = (await editor.run("poe.explain", explain(editor, uri, points=19)))["jobId"]
    first = await editor.command("poe.usage", {})
    assert points(first) == {job_id: None}  # not known yet: null, not a guess
    assert first["sessionPoints"] == 0
    result = await usage_when(editor, all_known)
    assert points(result) == {job_id: 19}


async def test_the_entry_is_found_past_the_first_page(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor()
    uri = editor.open("calc.py", SOURCE)
    fake.usage.delay = 1.0
    job_id = (await editor.run("poe.explain", explain(editor, uri, points=29)))["jobId"]
    for _ in range(130):  # newer use on poe.com: the job's entry is on page two
        fake.usage.add("EchoBot", 3, usage_type="Chat")
    result = await usage_when(editor, all_known)
    assert points(result) == {job_id: 29}
    assert any("starting_after" in read for read in fake.usage.history_reads)


async def test_a_job_that_was_refused_takes_no_later_entry(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["Status500"]})
    uri = editor.open("calc.py", SOURCE)
    failed = await editor.run("poe.explain", explain(editor, uri, "Status500"))
    assert failed["status"] == "failed"
    fake.usage.add("Status500", 99)  # someone else's request, after the failed one
    done = await editor.run("poe.explain", explain(editor, uri, points=5))
    result = await usage_when(editor, lambda r: points(r).get(done["jobId"]) is not None)
    assert points(result) == {failed["jobId"]: None, done["jobId"]: 5}


async def test_a_plain_client_reads_the_points_in_the_progress_end(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor("emacs", stream=False)
    uri = editor.open("calc.py", SOURCE)
    job_id = await editor.start("poe.explain", explain(editor, uri, points=13))
    assert await editor.ended(job_id) == "done · 13 points"


@pytest.mark.parametrize("transport", ["poe", "openai"])
async def test_out_of_points_says_the_balance(
    make_editor: MakeEditor, fake: FakePoe, transport: str
) -> None:
    editor = await make_editor(
        init_options={"transport": transport, "openaiBaseUrl": fake.openai_base_url}
    )
    uri = editor.open("calc.py", SOURCE)
    fake.usage.out_of_points = True
    fake.usage.balance = 3
    done = await editor.run("poe.explain", explain(editor, uri))
    assert done["status"] == "failed"
    assert "out of points for EchoBot. Its balance is 3 points. Add points" in done["error"]
    assert TEST_KEY not in editor.everything_said()


async def test_the_key_goes_only_to_the_bot_and_the_users_usage_endpoint(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    async with FakePoe() as elsewhere:
        editor = await make_editor(
            workspace={"usageUrl": elsewhere.usage_url, "budget": {"confirmAbovePoints": 1000}}
        )
        uri = editor.open("calc.py", SOURCE)
        job_id = (await editor.run("poe.explain", explain(editor, uri)))["jobId"]
        result = await usage_when(editor, all_known)
        assert points(result) == {job_id: 7} and result["balance"] == 5000 - 7
    assert elsewhere.paths == []  # a workspace cannot move the usage endpoint
    assert set(fake.usage.key_paths) == {
        "/EchoBot",
        "/usage/current_balance",
        "/usage/points_history",
    }
    assert TEST_KEY not in editor.everything_said()
