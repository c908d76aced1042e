"""``poe.compare`` end to end: one request to several bots, each answer its own job.

The real server over real LSP, the scripted editor and the fake Poe.  Each bot
is steered by its own ``botParameters`` entry, since a compare sends every bot
the same request.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_review import SOURCE, Watch, lines, refused

from conftest import MakeEditor
from editor import Editor
from fakepoe import TWO_CHANGES_AFTER, TWO_CHANGES_BEFORE, FakePoe

FUNCTION = lines(3, 9)
"""TWO_CHANGES_BEFORE is lines 3-8 of SOURCE."""
ROUNDED = TWO_CHANGES_BEFORE.replace("    return result\n", "    return round(result, 2)\n")
"""FencedCodeBot's refactor: only the last line changes (no line TwoChangesBot changes)."""


def notifications_of(editor: Editor, job_ids: set[str]) -> list[tuple[str, dict[str, Any]]]:
    return [(m, data) for m, data in editor.notifications if data.get("jobId") in job_ids]


async def test_compare_of_three_bots_with_one_cancelled_midway(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    bots = ["ExplainBot", "HeldBot", "SlowBot"]
    editor = await make_editor(
        init_options={
            "allowedBots": bots,
            "botParameters": {
                "ExplainBot": {"answer": "A sum of prices.", "chunk_size": 4},
                "HeldBot": {"gate": "compare", "chunk_text": "held {i}\n"},
                "SlowBot": {"chunks": 4, "delay": 0.02},
            },
        }
    )
    uri = editor.open("shop.py", SOURCE)
    result = await editor.command(
        "poe.compare", {"uri": uri, "range": FUNCTION, "action": "explain", "bots": bots}
    )
    compare_id = result["compareId"]
    assert [job["bot"] for job in result["jobs"]] == bots
    ids = {job["bot"]: job["jobId"] for job in result["jobs"]}
    assert len(set(ids.values())) == 3
    # Midway: HeldBot has streamed its first chunk and holds its stream open.
    await fake.wait_held("compare")
    await editor.wait_for_stream(ids["HeldBot"])
    assert await editor.command("poe.cancel", {"jobId": ids["HeldBot"]}) == {
        "cancelled": [ids["HeldBot"]]
    }
    await fake.wait_disconnect("HeldBot")
    done = {bot: await editor.done(job_id) for bot, job_id in ids.items()}
    assert {bot: d["status"] for bot, d in done.items()} == {
        "ExplainBot": "done",
        "HeldBot": "cancelled",
        "SlowBot": "done",
    }
    assert done["ExplainBot"]["text"] == "A sum of prices."
    assert done["SlowBot"]["text"] == "chunk 0\nchunk 1\nchunk 2\nchunk 3\n"
    assert done["HeldBot"]["text"] == "held 0\n"
    seen = notifications_of(editor, set(ids.values()))
    assert {m for m, _ in seen} == {"poe/stream", "poe/done"}
    assert all(data["compareId"] == compare_id for _, data in seen), seen
    # The same request went to each bot, once.
    requests = [r for r in fake.requests if r.bot in bots]
    assert sorted(r.bot for r in requests) == bots
    assert len({r.prompt for r in requests}) == 1


async def test_an_ordinary_job_carries_no_compare_id(make_editor: MakeEditor) -> None:
    editor = await make_editor(init_options={"bot": "ExplainBot"})
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", {"uri": uri, "range": FUNCTION})
    assert done["status"] == "done" and "compareId" not in done


@pytest.mark.edits_mode("stream")
async def test_refactor_compare_accepting_one_rejects_the_others(
    make_editor: MakeEditor,
) -> None:
    bots = ["TwoChangesBot", "FencedCodeBot", "ExplainBot"]
    editor = await make_editor(
        init_options={
            "allowedBots": bots,
            "botParameters": {
                "FencedCodeBot": {"answer": ROUNDED.rstrip("\n")},
                "ExplainBot": {"answer": "def total(prices):\n    return sum(prices)\n"},
            },
        }
    )
    watch = Watch(editor)
    uri = editor.open("shop.py", SOURCE)
    result = await editor.command(
        "poe.compare", {"uri": uri, "range": FUNCTION, "action": "refactor", "bots": bots}
    )
    ids = {job["bot"]: job["jobId"] for job in result["jobs"]}
    done = {bot: await editor.done(job_id) for bot, job_id in ids.items()}
    assert all(d["status"] == "done" for d in done.values()), done
    # Alternatives for one range: even in stream mode nothing is written, and the
    # three proposals stand side by side, each hint naming its bot.
    assert editor.edits_received == 0 and editor.text(uri) == SOURCE
    assert all(d["proposal"]["hunks"] for d in done.values())
    hints = await watch.diagnostics(uri, lambda d: len(d) >= 4)
    assert {h.message.split(" proposes")[0] for h in hints} == set(bots)

    chosen = await editor.command("poe.accept", {"jobId": ids["FencedCodeBot"]})
    assert chosen["accepted"] == [1]
    assert editor.text(uri) == SOURCE.replace(TWO_CHANGES_BEFORE, ROUNDED)
    await watch.diagnostics(uri, lambda d: d == [])
    for other in ("TwoChangesBot", "ExplainBot"):
        message = await refused(editor, "poe.accept", {"jobId": ids[other]})
        assert "has no pending proposal" in message
        gone = [p for p in watch.proposals if p["jobId"] == ids[other]]
        assert gone[-1]["hunks"] == []
    assert editor.text(uri) == SOURCE.replace(TWO_CHANGES_BEFORE, ROUNDED)


async def test_answers_still_coming_after_the_choice_are_stopped_unproposed(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    bots = ["FencedCodeBot", "HeldBot"]
    editor = await make_editor(
        init_options={
            "allowedBots": bots,
            "botParameters": {
                "FencedCodeBot": {"answer": ROUNDED.rstrip("\n")},
                "HeldBot": {"gate": "late", "after": 1, "chunk_text": "total = {i}\n"},
            },
        }
    )
    watch = Watch(editor)
    uri = editor.open("shop.py", SOURCE)
    result = await editor.command(
        "poe.compare", {"uri": uri, "range": FUNCTION, "action": "refactor", "bots": bots}
    )
    ids = {job["bot"]: job["jobId"] for job in result["jobs"]}
    assert (await editor.done(ids["FencedCodeBot"]))["proposal"]["hunks"]
    await fake.wait_held("late")
    await editor.command("poe.accept", {"jobId": ids["FencedCodeBot"]})
    chosen = SOURCE.replace(TWO_CHANGES_BEFORE, ROUNDED)
    assert editor.text(uri) == chosen
    # The answer still coming is not needed any more: stopped, quietly, unproposed.
    await fake.wait_disconnect("HeldBot")
    late = await editor.done(ids["HeldBot"])
    assert late["status"] == "cancelled" and "error" not in late
    assert "proposal" not in late
    message = await refused(editor, "poe.accept", {"jobId": ids["HeldBot"]})
    assert "has no pending proposal" in message
    await watch.diagnostics(uri, lambda d: d == [])
    assert editor.text(uri) == chosen


async def test_refactor_compare_jobs_are_not_refused_as_overlapping(
    make_editor: MakeEditor,
) -> None:
    """The compare's jobs share one range; an ordinary refactor there is still refused."""
    bots = ["HeldBot", "TwoChangesBot"]
    editor = await make_editor(
        init_options={"allowedBots": bots, "botParameters": {"HeldBot": {"gate": "g"}}}
    )
    uri = editor.open("shop.py", SOURCE)
    result = await editor.command(
        "poe.compare", {"uri": uri, "range": FUNCTION, "action": "refactor", "bots": bots}
    )
    assert len(result["jobs"]) == 2
    message = await refused(
        editor, "poe.refactor", {"uri": uri, "range": FUNCTION, "bot": "TwoChangesBot"}, -32803
    )
    assert "is already editing this range" in message
    ids = {job["bot"]: job["jobId"] for job in result["jobs"]}
    assert (await editor.done(ids["TwoChangesBot"]))["proposal"]["hunks"]
    await editor.command("poe.cancel", {"jobId": ids["HeldBot"]})
    assert (await editor.done(ids["HeldBot"]))["status"] == "cancelled"


BAD_ARGUMENTS = [
    pytest.param({"bots": ["ExplainBot", "EchoBot"]}, "'action' must be", id="no-action"),
    pytest.param(
        {"action": "translate", "bots": ["ExplainBot", "EchoBot"]},
        "'action' must be",
        id="unknown-action",
    ),
    pytest.param({"action": "explain"}, "needs 'bots': a list of 2 to 4", id="no-bots"),
    pytest.param({"action": "explain", "bots": "EchoBot"}, "needs 'bots'", id="bots-a-string"),
    pytest.param(
        {"action": "explain", "bots": ["EchoBot"]}, "compares 2 to 4 bots; 'bots' names 1", id="one"
    ),
    pytest.param(
        {"action": "explain", "bots": ["A", "B", "C", "D", "E"]},
        "compares 2 to 4 bots; 'bots' names 5",
        id="five",
    ),
    pytest.param(
        {"action": "explain", "bots": ["EchoBot", "EchoBot"]},
        "'bots' names EchoBot twice",
        id="twice",
    ),
    pytest.param(
        {"action": "explain", "bots": ["EchoBot", "../admin"]},
        "'../admin' in 'bots' is not a Poe bot name",
        id="bad-name",
    ),
    pytest.param(
        {"action": "explain", "bots": ["EchoBot", 7]}, "'int' in 'bots' is not", id="not-a-name"
    ),
    pytest.param(
        {"action": "explain", "bots": ["EchoBot", "ExplainBot"], "bot": "EchoBot"},
        "takes its bots in 'bots', not 'bot'",
        id="bot-too",
    ),
    pytest.param(
        {"action": "ask", "bots": ["EchoBot", "ExplainBot"]}, "needs a 'prompt'", id="ask-no-prompt"
    ),
]


@pytest.mark.parametrize(("argument", "says"), BAD_ARGUMENTS)
async def test_bad_compare_arguments_are_refused_with_a_sentence(
    make_editor: MakeEditor, fake: FakePoe, argument: dict[str, Any], says: str
) -> None:
    editor = await make_editor()
    uri = editor.open("shop.py", SOURCE)
    message = await refused(editor, "poe.compare", {"uri": uri, "range": FUNCTION, **argument})
    assert says in message
    assert "\n" not in message
    assert fake.requests == [] and editor.jobs == {}
    assert editor.message_requests == []


async def test_compare_needs_a_selection_and_an_open_document(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri = editor.open("shop.py", SOURCE)
    bots = ["EchoBot", "ExplainBot"]
    empty = lines(3, 3)
    message = await refused(
        editor, "poe.compare", {"uri": uri, "range": empty, "action": "refactor", "bots": bots}
    )
    assert message == "poe.compare needs a non-empty selection; select some code first."
    message = await refused(
        editor,
        "poe.compare",
        {"uri": "file:///nope.py", "range": FUNCTION, "action": "explain", "bots": bots},
    )
    assert "is not open in the editor" in message


UNNAMED = ["ExplainBot", "EchoBot", "SlowBot"]
"""A compare whose last two bots the user's own settings (``bot: ExplainBot``) do not name."""


async def compare_unnamed(editor: Editor) -> list[dict[str, Any]]:
    """Explain-compare the function on UNNAMED; every job's ``poe/done``."""
    uri = editor.open("shop.py", SOURCE)
    result = await editor.command(
        "poe.compare", {"uri": uri, "range": FUNCTION, "action": "explain", "bots": UNNAMED}
    )
    return [await editor.done(job["jobId"]) for job in result["jobs"]]


async def test_compare_asks_about_each_unnamed_bot_before_anything_is_sent(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"bot": "ExplainBot"})
    done = await compare_unnamed(editor)
    assert [d["status"] for d in done] == ["done"] * 3
    asked = [m.message for m in editor.message_requests]
    assert len(asked) == 2
    assert "'EchoBot'" in asked[0] and "'SlowBot'" in asked[1]
    assert sorted(r.bot for r in fake.requests) == sorted(UNNAMED)


async def test_one_refused_bot_fails_the_whole_compare_unsent(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"bot": "ExplainBot"})
    editor.consent_answer = "Cancel"
    done = await compare_unnamed(editor)
    assert [d["status"] for d in done] == ["cancelled"] * 3
    assert all("The bot 'EchoBot' was not allowed, so nothing was sent" in d["error"] for d in done)
    # One question: after the first refusal there is nothing left to ask about.
    assert len(editor.message_requests) == 1
    assert fake.requests == []


async def test_compare_code_actions_follow_the_compare_bots_setting(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    bots = ["ExplainBot", "EchoBot", "SlowBot"]
    editor = await make_editor(init_options={"compare": {"bots": bots}})
    uri = editor.open("shop.py", SOURCE)
    actions = await editor.code_actions(uri, FUNCTION)
    compares = [a for a in actions if a["title"].startswith("Compare")]
    assert [a["title"] for a in compares] == [
        "Compare with ExplainBot, EchoBot, SlowBot",
        "Compare refactor with ExplainBot, EchoBot, SlowBot",
    ]
    assert all(a["kind"] == "refactor.rewrite" for a in compares)
    explain = compares[0]["command"]
    assert explain["command"] == "poe.compare"
    assert explain["arguments"] == [
        {"uri": uri, "range": FUNCTION, "action": "explain", "bots": bots}
    ]
    # The action runs as it is; the user's own compare.bots need no consent.
    result = await editor.command(explain["command"], *explain["arguments"])
    for job in result["jobs"]:
        assert (await editor.done(job["jobId"]))["status"] == "done"
    assert editor.message_requests == []
    # No selection, no compare.
    cursor = {"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 2}}
    assert not [a for a in await editor.code_actions(uri, cursor) if "Compare" in a["title"]]


async def test_no_compare_action_without_the_setting(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri = editor.open("shop.py", SOURCE)
    assert not [a for a in await editor.code_actions(uri, FUNCTION) if "Compare" in a["title"]]


async def test_a_bad_compare_bots_setting_is_reported_once_and_ignored(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(workspace={"compare": {"bots": ["EchoBot"]}})
    uri = editor.open("shop.py", SOURCE)
    assert not [a for a in await editor.code_actions(uri, FUNCTION) if "Compare" in a["title"]]
    told = [m for m in editor.messages() if "compare.bots" in m]
    assert len(told) == 1 and "a list of 2 to 4 different Poe bot names" in told[0]


async def test_a_plain_client_gets_each_answer_as_its_own_message_or_proposal(
    make_editor: MakeEditor,
) -> None:
    bots = ["ExplainBot", "ReplaceBot", "FencedCodeBot", "TwoChangesBot"]
    editor = await make_editor(
        stream=False,
        init_options={
            "allowedBots": bots,
            "botParameters": {
                "ExplainBot": {"answer": "It adds the prices."},
                "ReplaceBot": {"answer": "It totals a list."},
                "FencedCodeBot": {"answer": ROUNDED.rstrip("\n")},
            },
        },
    )
    uri = editor.open("shop.py", SOURCE)
    argument = {"uri": uri, "range": FUNCTION, "action": "explain", "bots": bots[:2]}
    result = await editor.command("poe.compare", argument)
    for job in result["jobs"]:
        await editor.ended(job["jobId"])
    assert "ExplainBot: It adds the prices." in editor.messages()
    assert "ReplaceBot: It totals a list." in editor.messages()
    assert editor.notifications == []

    watch = Watch(editor)
    result = await editor.command(
        "poe.compare", {**argument, "action": "refactor", "bots": bots[2:]}
    )
    for job in result["jobs"]:
        await editor.ended(job["jobId"])
    hints = await watch.diagnostics(uri, lambda d: len(d) == 3)
    assert sorted(h.message.split(" proposes")[0] for h in hints) == [
        "FencedCodeBot",
        "TwoChangesBot",
        "TwoChangesBot",
    ]
    titles = [a["title"] for a in await editor.code_actions(uri, FUNCTION)]
    assert "Accept all changes from FencedCodeBot" in titles
    assert "Accept all changes from TwoChangesBot" in titles


def test_the_expected_texts_differ() -> None:
    """The refactor test's two answers change different lines (so that only the
    server's rejection, not an overlap, takes the unchosen proposal away)."""
    assert ROUNDED != TWO_CHANGES_BEFORE != TWO_CHANGES_AFTER
