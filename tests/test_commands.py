"""workspace/executeCommand: argument checking, poe.listBots, poe.cancel and progress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import CLIENTS, MakeEditor
from editor import TEST_KEY, Editor, capabilities, on_each, server_config
from fakepoe import FakePoe

INVALID_PARAMS = -32602

SOURCE = """def greet(name):
    print("hello " + name)


class Shop:
    def total(self, prices):
        return sum(prices)
"""
LINES = SOURCE.count("\n") + 1


def pos(line: Any, character: Any) -> dict[str, Any]:
    return {"line": line, "character": character}


def rng(start: Any, end: Any) -> dict[str, Any]:
    return {"start": start, "end": end}


SELECTION = rng(pos(0, 0), pos(1, 10))
EMPTY = rng(pos(1, 4), pos(1, 4))


# -- one server for the many refusals: each case starts nothing, so they can share it ---


@dataclass
class Session:
    editor: Editor
    fake: FakePoe
    uri: str


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def session(request: pytest.FixtureRequest) -> AsyncIterator[Session]:
    """One editor per client capability set, shared by the bad-argument cases."""
    async with FakePoe() as fake:
        lsp_client = await server_config(
            {"POE_API_KEY": TEST_KEY, "POE_LSP_BASE_URL": fake.base_url}
        ).start()
        editor = Editor(lsp_client, minimal_diff=request.param.startswith("neovim"))
        result = await lsp_client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities(request.param, stream=True),
                root_uri="file:///workspace",
                initialization_options={"context": {"maxChars": 500}},
            )
        )
        encoding = result.capabilities.position_encoding
        editor.encoding = str(getattr(encoding, "value", encoding) or "utf-16")
        uri = editor.open("shop.py", SOURCE)
        try:
            yield Session(editor, fake, uri)
        finally:
            try:
                await lsp_client.shutdown_session()
            finally:
                await lsp_client.stop()


Case = Callable[[str], tuple[str, list[Any]]]
"""Given the open document's uri: the command name and its argument list."""


def one(command: str, **fields: Any) -> Case:
    """A command with one argument object; ``uri=...`` defaults to the open document."""

    def build(uri: str) -> tuple[str, list[Any]]:
        argument = {"uri": uri, **fields}
        return command, [{k: v for k, v in argument.items() if v is not OMIT}]

    return build


OMIT: Any = object()

BAD_ARGUMENTS: dict[str, tuple[Case, str]] = {
    "no-argument": (lambda uri: ("poe.explain", []), "exactly one argument"),
    "two-arguments": (
        lambda uri: ("poe.explain", [{"uri": uri, "range": SELECTION}, {}]),
        "exactly one argument",
    ),
    "non-object-argument": (lambda uri: ("poe.refactor", [uri]), "exactly one argument"),
    "missing-uri": (one("poe.explain", uri=OMIT, range=SELECTION), "'uri'"),
    "unknown-uri": (
        one("poe.explain", uri="file:///workspace/closed.py", range=SELECTION),
        "open it first",
    ),
    "missing-range": (one("poe.explain"), "'range'"),
    "range-of-strings": (
        one("poe.explain", range=rng(pos("0", "0"), pos("1", "4"))),
        "non-negative whole number",
    ),
    "negative-position": (
        one("poe.refactor", range=rng(pos(-1, 0), pos(1, 4))),
        "non-negative whole number",
    ),
    "range-without-end": (one("poe.explain", range={"start": pos(0, 0)}), "range.end"),
    "position-without-character": (
        one("poe.explain", range=rng({"line": 0}, pos(1, 4))),
        "range.start.character",
    ),
    "end-before-start": (one("poe.explain", range=rng(pos(1, 4), pos(0, 2))), "ends before"),
    "past-the-end": (
        one("poe.refactor", range=rng(pos(0, 0), pos(LINES + 5, 0))),
        "inside the document",
    ),
    "empty-selection-explain": (one("poe.explain", range=EMPTY), "non-empty selection"),
    "empty-selection-refactor": (one("poe.refactor", range=EMPTY), "non-empty selection"),
    "ask-without-prompt": (one("poe.ask", range=SELECTION, output="explain"), "'prompt'"),
    "ask-with-blank-prompt": (one("poe.ask", range=SELECTION, prompt="  "), "'prompt'"),
    "ask-edit-without-range": (one("poe.ask", prompt="tidy", output="edit"), "'range'"),
    "ask-edit-with-empty-range": (
        one("poe.ask", prompt="tidy", output="edit", range=EMPTY),
        "non-empty selection",
    ),
    "ask-bad-output": (one("poe.ask", range=SELECTION, prompt="why", output="html"), "'output'"),
    "bot-with-path": (one("poe.explain", range=SELECTION, bot="../x"), "bot name"),
    "bot-with-a-final-newline": (one("poe.explain", range=SELECTION, bot="EchoBot\n"), "bot name"),
    "bot-with-query": (one("poe.refactor", range=SELECTION, bot="EchoBot?x=1"), "bot name"),
    "bot-with-fragment": (one("poe.explain", range=SELECTION, bot="EchoBot#top"), "bot name"),
    "bot-too-long": (one("poe.explain", range=SELECTION, bot="B" * 65), "at most 64"),
    "empty-bot": (one("poe.explain", range=SELECTION, bot=""), "bot name"),
    "bot-not-a-string": (one("poe.refactor", range=SELECTION, bot=5), "bot name"),
    "parameters-not-an-object": (
        one("poe.explain", range=SELECTION, parameters=[1, 2]),
        "'parameters'",
    ),
    "instruction-not-a-string": (
        one("poe.refactor", range=SELECTION, instruction=["x"]),
        "'instruction'",
    ),
    "unknown-command": (lambda uri: ("poe.translate", [{"uri": uri}]), "poe.explain"),
    "cancel-unknown-job": (lambda uri: ("poe.cancel", [{"jobId": "poe-0-nope"}]), "no running"),
    "cancel-job-id-not-a-string": (lambda uri: ("poe.cancel", [{"jobId": 7}]), "'jobId'"),
    "list-bots-non-object": (lambda uri: ("poe.listBots", ["all"]), "exactly one argument"),
}


async def refused(editor: Editor, command: str, arguments: list[Any]) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as caught:
        await editor.command(command, *arguments)
    return caught.value


async def assert_nothing_started(session: Session) -> None:
    # Requests are answered in order: a job started by the refused command would
    # still be running now, or would already have sent its request and poe/done.
    assert await session.editor.command("poe.cancel", {}) == {"cancelled": []}
    assert session.fake.requests == []
    assert session.fake.paths == []
    assert [n for n in session.editor.notifications if n[0] == "poe/done"] == []


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=list(BAD_ARGUMENTS))
async def test_bad_arguments_answer_invalid_params_with_one_line_and_start_nothing(
    session: Session, case: str
) -> None:
    build, hint = BAD_ARGUMENTS[case]
    command, arguments = build(session.uri)
    error = await refused(session.editor, command, arguments)
    assert error.code == INVALID_PARAMS
    assert "\n" not in error.message
    assert hint in error.message
    await assert_nothing_started(session)


@pytest.mark.asyncio(loop_scope="module")
async def test_selection_over_max_chars_is_refused_with_both_sizes(session: Session) -> None:
    editor = session.editor
    big = "x = 1  # " + "y" * 740 + "\n"
    uri = editor.open("big.py", big)
    error = await refused(
        editor,
        "poe.explain",
        [{"uri": uri, "range": editor.span_range(uri, 0, len(big) - 1)}],
    )
    assert error.code == INVALID_PARAMS
    assert "\n" not in error.message
    assert f"{len(big) - 1}" in error.message
    assert "500" in error.message
    assert "maxChars" in error.message
    await assert_nothing_started(session)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_refused_command_never_echoes_the_key(session: Session) -> None:
    await refused(session.editor, "poe.explain", [{"uri": session.uri, "range": EMPTY}])
    assert TEST_KEY not in session.editor.everything_said()


# -- poe.listBots ------------------------------------------------------------------------


async def configured_bots(editor: Editor) -> list[dict[str, object]]:
    """The configured entries of ``poe.listBots``, name and actions (the fake
    catalogue's entries are tests/test_catalogue.py's)."""
    listed = await editor.command("poe.listBots", {})
    return [{"name": b["name"], "actions": b["actions"]} for b in listed if b["configured"]]


async def test_list_bots_with_default_settings_is_gpt5_for_every_action(
    editor: Editor,
) -> None:
    assert await configured_bots(editor) == [
        {"name": "GPT-5", "actions": ["explain", "refactor", "document", "fix", "ask"]}
    ]


async def test_an_empty_array_argument_counts_as_an_empty_object(editor: Editor) -> None:
    # Neovim's JSON encoder turns an empty Lua table into [].
    assert await editor.command("poe.listBots", []) == await editor.command("poe.listBots", {})
    assert await editor.command("poe.cancel", []) == {"cancelled": []}


async def test_list_bots_names_per_action_and_allowed_bots_from_init_options(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(
        init_options={
            "bot": "Main",
            "actions": {"refactor": {"bot": "Coder"}},
            "allowedBots": ["Extra"],
        }
    )
    assert await configured_bots(editor) == [
        {"name": "Main", "actions": ["explain", "document", "fix", "ask"]},
        {"name": "Coder", "actions": ["refactor"]},
        {"name": "Extra", "actions": []},
    ]


async def test_list_bots_follows_workspace_overrides(make_editor: MakeEditor) -> None:
    editor = await make_editor(
        init_options={"bot": "Main"},
        workspace={"actions": {"explain": {"bot": "Teacher"}}, "allowedBots": ["Sneaky"]},
    )
    # A command waits for the first workspace configuration; listBots is a command.
    assert await configured_bots(editor) == [
        {"name": "Teacher", "actions": ["explain"]},
        {"name": "Main", "actions": ["refactor", "document", "fix", "ask"]},
    ]


# -- poe.cancel --------------------------------------------------------------------------


async def test_cancel_without_job_id_cancels_every_running_job_once(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("shop.py", SOURCE)
    ids = [
        await editor.start(
            "poe.explain",
            {
                "uri": uri,
                "range": SELECTION,
                "bot": "SlowBot",
                "parameters": {"chunks": 200, "delay": 0.05},
            },
        )
        for _ in range(3)
    ]
    await fake.wait_request("SlowBot", count=3)
    result = await editor.command("poe.cancel", {})
    assert sorted(result["cancelled"]) == sorted(ids)
    for job_id in ids:
        assert (await editor.done(job_id))["status"] == "cancelled"
    # One more round trip: a second poe/done would have arrived before its answer.
    assert await editor.command("poe.cancel", {}) == {"cancelled": []}
    assert [editor.jobs[job_id].done_count for job_id in ids] == [1, 1, 1]


async def explain_with(editor: Editor, bot: str, parameters: dict[str, Any]) -> str:
    """Start an explanation by ``bot`` of :data:`SELECTION`; its job id."""
    uri = editor.open("shop.py", SOURCE)
    argument = {"uri": uri, "range": SELECTION, "bot": bot, "parameters": parameters}
    return await editor.start("poe.explain", argument)


async def progress_begun(editor: Editor, progress: asyncio.Event) -> str | int:
    """The token of the one progress that has begun, once it has (``progress``:
    :func:`on_each` for ``$/progress``, set up before the job started)."""

    def begun() -> list[str | int]:
        return [
            token
            for token, reports in editor.client.progress_reports.items()
            if any(r.kind == "begin" for r in reports)
        ]

    async with asyncio.timeout(30):  # a bound for a failing run, not a measurement
        while not begun():
            progress.clear()
            await progress.wait()
    (token,) = begun()
    return token


async def test_cancelling_the_progress_cancels_the_job(editor: Editor, fake: FakePoe) -> None:
    progress = on_each(editor, types.PROGRESS)
    job_id = await explain_with(editor, "SlowBot", {"chunks": 200, "delay": 0.05})
    await fake.wait_request("SlowBot")
    # The progress begins while the answer is on its way, not before the request.
    token = await progress_begun(editor, progress)
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    done = await editor.done(job_id)
    assert done["status"] == "cancelled"
    assert editor.jobs[job_id].done_count == 1
    await fake.wait_disconnect("SlowBot")
    ends = [r for r in editor.client.progress_reports[token] if r.kind == "end"]
    assert len(ends) == 1


async def test_the_answer_does_not_wait_for_the_editor_to_create_the_progress(
    editor: Editor,
) -> None:
    # Creating a progress token is a round trip to the editor: the answer streams
    # while the editor has not answered yet, and the job ends once it has.
    features = editor.client.protocol.fm.features
    create = features[types.WINDOW_WORK_DONE_PROGRESS_CREATE]
    answer = asyncio.Event()

    async def slow_create(params: types.WorkDoneProgressCreateParams) -> None:
        await answer.wait()
        create(params)

    features[types.WINDOW_WORK_DONE_PROGRESS_CREATE] = slow_create
    streamed = on_each(editor, "poe/stream")
    uri = editor.open("shop.py", SOURCE)
    job_id = await editor.start(
        "poe.explain", {"uri": uri, "range": SELECTION, "bot": "ExplainBot"}
    )
    await asyncio.wait_for(streamed.wait(), 10)
    assert editor.jobs[job_id].streams
    answer.set()
    done = await editor.done(job_id)
    assert done["status"] == "done"
    kinds = [r.kind for r in editor.client.progress_reports[f"poe-{job_id}"]]
    assert kinds[0] == "begin" and kinds[-1] == "end"


async def test_the_progress_begins_while_the_bot_has_not_answered_yet(
    editor: Editor, fake: FakePoe
) -> None:
    # The progress waits for the first chunk only briefly: a bot that keeps the
    # user waiting is shown as working (and can be cancelled) before it answers.
    progress = on_each(editor, types.PROGRESS)
    job_id = await explain_with(editor, "HeldBot", {"before": 0, "gate": "silent", "after": 1})
    await fake.wait_held("silent", timeout=30)
    token = await progress_begun(editor, progress)
    assert [r.kind for r in editor.client.progress_reports[token]] == ["begin"]
    assert fake.held("silent") == 1
    assert not editor.jobs[job_id].streams
    fake.release("silent")
    done = await editor.done(job_id)
    assert done["status"] == "done"
    kinds = [r.kind for r in editor.client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"


async def test_a_client_work_done_token_is_used_for_the_progress(editor: Editor) -> None:
    uri = editor.open("shop.py", SOURCE)
    token = "client-token-1"
    # The client made this token itself, so it knows it before any $/progress.
    editor.client.progress_reports[token] = []
    result = await editor.client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="poe.explain",
            arguments=[{"uri": uri, "range": SELECTION, "bot": "ExplainBot"}],
            work_done_token=token,
        )
    )
    done = await editor.done(result["jobId"])
    assert done["status"] == "done"
    assert list(editor.client.progress_reports) == [token]
    kinds = [r.kind for r in editor.client.progress_reports[token]]
    assert kinds[0] == "begin"
    assert kinds[-1] == "end"
    assert kinds.count("end") == 1
