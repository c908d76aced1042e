"""The daily budget and the confirmation above a cost, over real LSP.

``budget.maxPointsPerDay`` is the user's own (initialization options): once the
key's API usage since local midnight reaches it, a job is refused before any
bot request, with a sentence naming the budget and what was spent; no
workspace setting sets or lifts it.  ``budget.confirmAbovePoints`` asks before
a job whose expected cost (the bot's last cost this session) is above it.

Oracle: the fake Poe's history (what was spent today is what the test put
there) and its request log (nothing reached a bot).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from test_usage import all_known, explain, points, usage_when

from conftest import MakeEditor
from editor import Editor
from fakepoe import FakePoe
from fakepoe_usage import now_us

SOURCE = "def add(a, b):\n    return a + b\n"


def spend_today(fake: FakePoe, total: int) -> None:
    """``total`` points of API use since midnight, one point an entry (over pages),
    beside use that does not count: yesterday's, and the web app's today."""
    midnight = dt.datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    start = int(midnight.timestamp() * 1_000_000)
    step = max(1, (now_us() - start) // (total + 2))
    for n in range(total):
        fake.usage.add("EchoBot", 1, creation_us=start + (n + 1) * step)
    fake.usage.add("EchoBot", 10_000, creation_us=start - 3_600_000_000)
    fake.usage.add("EchoBot", 10_000, usage_type="Chat")


async def run(editor: Editor) -> dict[str, Any]:
    uri = editor.open("calc.py", SOURCE)
    return await editor.run("poe.explain", explain(editor, uri))


async def test_a_spent_budget_refuses_the_job_before_any_request(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    spend_today(fake, 250)
    editor = await make_editor(init_options={"budget": {"maxPointsPerDay": 250}})
    done = await run(editor)
    assert done["status"] == "failed"
    assert "250 points spent today; budget.maxPointsPerDay is 250" in done["error"]
    assert "nothing was sent" in done["error"]
    assert fake.requests == []
    assert len(fake.usage.history_reads) == 3  # 252 entries today: three pages of 100


async def test_under_the_budget_the_job_runs(make_editor: MakeEditor, fake: FakePoe) -> None:
    spend_today(fake, 250)
    editor = await make_editor(init_options={"budget": {"maxPointsPerDay": 251}})
    assert (await run(editor))["status"] == "done"
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("mine", "theirs", "refused"),
    [
        pytest.param({"maxPointsPerDay": 100}, {"maxPointsPerDay": 10**9}, True, id="not-lifted"),
        pytest.param({}, {"maxPointsPerDay": 1}, False, id="not-set"),
    ],
)
async def test_a_workspace_cannot_set_or_lift_the_budget(
    make_editor: MakeEditor,
    fake: FakePoe,
    mine: dict[str, Any],
    theirs: dict[str, Any],
    refused: bool,
) -> None:
    spend_today(fake, 120)
    editor = await make_editor(init_options={"budget": mine}, workspace={"budget": theirs})
    done = await run(editor)
    assert (done["status"] == "failed") is refused
    assert (fake.requests == []) is refused


async def test_an_unreadable_history_refuses_a_budgeted_job(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"budget": {"maxPointsPerDay": 100}},
        env={"POE_LSP_USAGE_URL": f"{fake.base_url}nowhere/"},
    )
    done = await run(editor)
    assert done["status"] == "failed"
    assert "could not be read (HTTP 404 from points_history)" in done["error"]
    assert fake.requests == []


async def test_a_job_dearer_than_confirm_above_points_asks_first(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["EchoBot"]},
        workspace={"budget": {"confirmAbovePoints": 20}},
    )
    uri = editor.open("calc.py", SOURCE)
    first = await editor.run("poe.explain", explain(editor, uri, points=50))
    assert first["status"] == "done" and editor.message_requests == []  # nothing known yet
    await usage_when(editor, all_known)

    editor.consent_answer = "Cancel"
    cancelled = await editor.run("poe.explain", explain(editor, uri, points=50))
    [question] = editor.message_requests
    assert "about 50 points (its last cost this session)" in question.message
    assert "budget.confirmAbovePoints (20)" in question.message
    assert [a.title for a in question.actions or []] == ["Allow", "Cancel"]
    assert cancelled["status"] == "cancelled"
    assert len(fake.requests) == 1  # Cancel sent nothing

    editor.consent_answer = "Allow"
    allowed = await editor.run("poe.explain", explain(editor, uri, points=50))
    assert allowed["status"] == "done" and len(editor.message_requests) == 2
    assert len(fake.requests) == 2
    result = await usage_when(editor, lambda r: points(r).get(allowed["jobId"]) is not None)
    assert result["sessionPoints"] == 100
