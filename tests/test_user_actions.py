"""User-defined actions end to end (contract §10): Markdown files in the user's
config directory and the workspace become code actions and run through
``poe.run`` over real LSP, answered by the fake Poe."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from poe_lsp.core.useractions import ActionFileError, UserAction, parse_action
from test_consent import hold_consent_answers

from conftest import MakeEditor
from editor import Editor, OpenDocument
from fakepoe import FakePoe

SOURCE = "def total(prices):\n    return sum(prices)\n"
SELECTION = "def total(prices):"
NEW_CODE = "def total(prices: list[float]) -> float:"

Start = Callable[..., Awaitable[Editor]]


def action_file(
    title: str,
    body: str,
    *,
    output: str = "explain",
    bot: str | None = "EchoBot",
    extra: str = "",
) -> str:
    bot_line = f"bot: {bot}\n" if bot else ""
    return f"---\ntitle: {title}\n{bot_line}output: {output}\n{extra}---\n{body}\n"


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    path = tmp_path / "config" / "poe-lsp" / "actions"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    (path / ".poe" / "actions").mkdir(parents=True)
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def start(make_editor: MakeEditor, tmp_path: Path, project: Path) -> Start:
    """Start the real server with the project as its workspace folder and
    ``user_dir`` as the user's actions (``XDG_CONFIG_HOME``); the editor
    records the server's ``client/registerCapability`` (see :func:`registrations`)."""

    async def make(
        client: str = "visual-studio-code", *, init_options: dict[str, Any] | None = None
    ) -> Editor:
        return await make_editor(
            client,
            init_options=init_options,
            env={"XDG_CONFIG_HOME": str(tmp_path / "config")},
            root=project,
        )

    return make


def registrations(editor: Editor) -> list[types.Registration]:
    """What the server registered with the client (recorded by tests/editor.py)."""
    return list(getattr(editor.client, "registrations", []))


def watched_globs(editor: Editor) -> list[str]:
    """Every file-watcher glob the server has registered."""
    return [
        watcher["globPattern"] if isinstance(watcher, dict) else watcher.glob_pattern
        for r in registrations(editor)
        for watcher in (r.register_options or {}).get("watchers", [])
    ]


def open_source(editor: Editor, project: Path, name: str = "shop.py", lang: str = "python") -> str:
    """Open a file of the project (``Editor.open`` puts files under another root)."""
    uri = (project / name).as_uri()
    editor.docs[uri] = OpenDocument(SOURCE, 1)
    editor.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=lang, version=1, text=SOURCE)
        )
    )
    return uri


async def titles(editor: Editor, uri: str, needle: str = SELECTION) -> list[str]:
    return [a["title"] for a in await editor.code_actions(uri, editor.range_of(uri, needle))]


async def offered(editor: Editor, uri: str, title: str) -> dict[str, Any]:
    """The code action titled ``title`` for the selection."""
    found = await editor.code_actions(uri, editor.range_of(uri, SELECTION))
    matching = [a for a in found if a["title"] == title]
    assert matching, [a["title"] for a in found]
    return matching[0]


async def run_offered(editor: Editor, action: dict[str, Any]) -> dict[str, Any]:
    command = action["command"]
    return await editor.run(command["command"], command["arguments"][0])


def skipped_messages(editor: Editor, path: Path) -> list[str]:
    return [m for m in editor.messages() if str(path) in m and "skipped" in m]


async def refused(editor: Editor, argument: dict[str, Any]) -> str:
    with pytest.raises(JsonRpcException) as failure:
        await editor.command("poe.run", argument)
    assert failure.value.code == -32602, failure.value
    return str(failure.value.message)


# -- offered and run ------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["visual-studio-code", "neovim@v0.11.0"])
async def test_a_workspace_action_is_offered_and_sends_its_rendered_prompt(
    start: Start, project: Path, fake: FakePoe, client: str
) -> None:
    write(
        project / ".poe" / "actions",
        "shout.md",
        action_file("Shout", "Shout the {language} code {selection} of {path}, {instruction}!"),
    )
    editor = await start(client)
    uri = open_source(editor, project)
    action = await offered(editor, uri, "Shout with EchoBot")
    assert action["command"]["command"] == "poe.run"
    assert action["command"]["arguments"][0]["name"] == "shout"
    done = await run_offered(editor, action)
    assert done["status"] == "done", done
    assert done["text"] == f"Shout the python code {SELECTION} of shop.py, !"
    assert fake.requests[-1].prompt == done["text"]
    # Clients show it as they show an explanation, under the action's title.
    assert done["action"] == "explain"
    begin = editor.client.progress_reports[f"poe-{done['jobId']}"][0]
    assert getattr(begin, "title", None) == "Poe · Shout · EchoBot"
    # The built-in actions are still there, before the user's.
    assert (await titles(editor, uri))[-1] == "Shout with EchoBot"
    listed = await editor.command("poe.listActions", {})
    assert [(a["name"], a["title"], a["bot"], a["source"]) for a in listed] == [
        ("shout", "Shout", "EchoBot", "workspace")
    ]


async def test_the_instruction_fills_its_placeholder_and_the_default_bot_is_used(
    start: Start, user_dir: Path, fake: FakePoe
) -> None:
    write(user_dir, "tell.md", action_file("Tell", "Tell: {instruction}", bot=None))
    editor = await start(init_options={"bot": "EchoBot"})
    uri = open_source(editor, user_dir.parent)
    await offered(editor, uri, "Tell with EchoBot")
    done = await editor.run(
        "poe.run",
        {"name": "tell", "uri": uri, "range": editor.range_of(uri, SELECTION), "instruction": "hi"},
    )
    assert done["text"] == "Tell: hi"


async def test_an_edit_action_makes_a_review_proposal_with_its_parameters(
    start: Start, project: Path, fake: FakePoe
) -> None:
    write(
        project / ".poe" / "actions",
        "typed.md",
        action_file(
            "Add types",
            "Add type hints to {selection}.",
            output="edit",
            bot="FencedCodeBot",
            extra=f"parameters:\n  answer: {json.dumps(NEW_CODE)}\n  chunk_size: 3\n",
        ),
    )
    editor = await start(
        init_options={"botParameters": {"FencedCodeBot": {"chunk_size": 50, "delay": 0}}}
    )
    uri = open_source(editor, project)
    done = await run_offered(editor, await offered(editor, uri, "Add types with FencedCodeBot"))
    assert done["status"] == "done", done
    assert done["proposal"]["hunks"], done
    assert done["action"] == "ask"
    assert editor.text(uri) == SOURCE, "review: nothing is written before accepting"
    sent = fake.requests[-1]
    assert sent.parameters == {"answer": NEW_CODE, "chunk_size": 3, "delay": 0}
    assert "Add type hints to def total(prices):." in sent.prompt
    assert "ONE fenced code block" in sent.prompt
    await editor.command("poe.accept", {"jobId": done["jobId"]})
    await editor.wait_until(lambda: editor.text(uri).startswith(NEW_CODE))


async def test_languages_limit_where_an_action_is_offered_and_run(
    start: Start, project: Path
) -> None:
    write(
        project / ".poe" / "actions",
        "lua-only.md",
        action_file("Lua thing", "{selection}", extra="languages: [lua]\n"),
    )
    editor = await start()
    python_uri = open_source(editor, project)
    lua_uri = open_source(editor, project, "shop.lua", "lua")
    assert "Lua thing with EchoBot" not in await titles(editor, python_uri)
    assert "Lua thing with EchoBot" in await titles(editor, lua_uri)
    message = await refused(
        editor,
        {"name": "lua-only", "uri": python_uri, "range": editor.range_of(python_uri, SELECTION)},
    )
    assert message == "poe.run: the action 'lua-only' is for lua, not python."
    assert [a["name"] for a in await editor.command("poe.listActions", {"uri": python_uri})] == []


async def test_bad_run_arguments_say_what_to_do(start: Start, project: Path) -> None:
    write(project / ".poe" / "actions", "shout.md", action_file("Shout", "{selection}"))
    editor = await start()
    uri = open_source(editor, project)
    rng = editor.range_of(uri, SELECTION)
    assert await refused(editor, {"uri": uri, "range": rng}) == (
        "poe.run needs a 'name': one of the user actions (shout)."
    )
    assert await refused(editor, {"name": "nope", "uri": uri, "range": rng}) == (
        "poe.run: no user action is named 'nope' (shout)."
    )
    empty = {"start": rng["start"], "end": rng["start"]}
    assert "non-empty selection" in await refused(
        editor, {"name": "shout", "uri": uri, "range": empty}
    )


# -- reloading ------------------------------------------------------------------------------


async def test_watched_file_changes_reload_the_actions(start: Start, project: Path) -> None:
    folder = project / ".poe" / "actions"
    editor = await start("visual-studio-code")
    # The workspace index registers its own watchers too: find the actions'.
    await editor.wait_until(lambda: "**/.poe/actions/*.md" in watched_globs(editor))
    # Nothing asks for code actions here: only the notification can make the
    # server read the new file and report it.
    bad = write(folder, "broken.md", "---\ntitle: Broken\n---\nbody\n")
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=bad.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await editor.wait_until(lambda: bool(skipped_messages(editor, bad)))
    assert skipped_messages(editor, bad) == [
        f"poe-lsp: the action file {bad} is skipped: line 3: 'output' is required."
    ]


async def test_a_changed_file_is_read_again_without_watchers(start: Start, project: Path) -> None:
    folder = project / ".poe" / "actions"
    path = write(folder, "shout.md", action_file("Shout", "{selection}"))
    editor = await start("neovim@v0.11.0")  # Neovim on Linux registers no file watchers
    uri = open_source(editor, project)
    assert "Shout with EchoBot" in await titles(editor, uri)
    write(folder, "shout.md", action_file("Shout louder", "{selection}"))
    assert "Shout louder with EchoBot" in await titles(editor, uri)
    assert "Shout with EchoBot" not in await titles(editor, uri)
    path.unlink()
    assert not [t for t in await titles(editor, uri) if t.startswith("Shout")]
    assert registrations(editor) == []


# -- bad files ------------------------------------------------------------------------------


async def test_a_malformed_file_is_reported_once_by_line_and_the_others_load(
    start: Start, project: Path, user_dir: Path
) -> None:
    folder = project / ".poe" / "actions"
    bad = write(folder, "bad.md", "---\ntitle: Bad\noutpt: explain\n---\n{selection}\n")
    write(folder, "good.md", action_file("Good", "{selection}"))
    editor = await start()
    uri = open_source(editor, project)
    assert "Good with EchoBot" in await titles(editor, uri)
    await editor.wait_until(lambda: bool(skipped_messages(editor, bad)))
    # Another file changes: everything is read again, the bad file is not re-told.
    write(folder, "good.md", action_file("Better", "{selection}"))
    assert "Better with EchoBot" in await titles(editor, uri)
    assert "Better with EchoBot" in await titles(editor, uri)
    assert skipped_messages(editor, bad) == [
        f"poe-lsp: the action file {bad} is skipped: line 3: unknown key 'outpt'; "
        "the keys are title, bot, output, languages, parameters."
    ]


async def test_names_must_be_valid_and_not_shadow_builtins_or_the_users_own(
    start: Start, project: Path, user_dir: Path, fake: FakePoe
) -> None:
    folder = project / ".poe" / "actions"
    builtin = write(folder, "explain.md", action_file("My explain", "{selection}"))
    spaced = write(folder, "My Action.md", action_file("Spaced", "{selection}"))
    write(user_dir, "mine.md", action_file("Mine", "Mine: {selection}"))
    theirs = write(folder, "mine.md", action_file("Theirs", "Theirs: {selection}"))
    editor = await start()
    uri = open_source(editor, project)
    found = await titles(editor, uri)
    assert "Mine with EchoBot" in found
    assert not {"My explain with EchoBot", "Spaced with EchoBot", "Theirs with EchoBot"} & set(
        found
    )
    await editor.wait_until(lambda: all(skipped_messages(editor, p) for p in (builtin, theirs)))
    assert "built-in command name" in skipped_messages(editor, builtin)[0]
    assert "lowercase letters" in skipped_messages(editor, spaced)[0]
    assert f"already defined by {user_dir / 'mine.md'}" in skipped_messages(editor, theirs)[0]
    done = await editor.run(
        "poe.run", {"name": "mine", "uri": uri, "range": editor.range_of(uri, SELECTION)}
    )
    assert done["text"] == f"Mine: {SELECTION}"


async def test_a_template_over_the_bounds_is_refused(start: Start, project: Path) -> None:
    folder = project / ".poe" / "actions"
    greedy = write(folder, "greedy.md", action_file("Greedy", "{context}" * 5))
    editor = await start()
    uri = open_source(editor, project)
    assert "Greedy with EchoBot" not in await titles(editor, uri)
    await editor.wait_until(lambda: bool(skipped_messages(editor, greedy)))
    assert "uses {context} 5 times" in skipped_messages(editor, greedy)[0]


# -- consent --------------------------------------------------------------------------------


async def test_a_bot_only_a_workspace_file_names_waits_for_allow(
    start: Start, project: Path, fake: FakePoe
) -> None:
    write(project / ".poe" / "actions", "shout.md", action_file("Shout", "{selection}"))
    editor = await start()
    uri = open_source(editor, project)
    asked, release = hold_consent_answers(editor)
    job = await editor.start(
        "poe.run", (await offered(editor, uri, "Shout with EchoBot"))["command"]["arguments"][0]
    )
    await asyncio.wait_for(asked.wait(), 10)
    assert fake.requests == [], "nothing is sent before the user allows the bot"
    release.set()
    done = await editor.done(job)
    assert done["status"] == "done"
    assert [r.bot for r in fake.requests] == ["EchoBot"]


async def test_cancel_sends_nothing(start: Start, project: Path, fake: FakePoe) -> None:
    write(project / ".poe" / "actions", "shout.md", action_file("Shout", "{selection}"))
    editor = await start()
    editor.consent_answer = "Cancel"
    uri = open_source(editor, project)
    done = await run_offered(editor, await offered(editor, uri, "Shout with EchoBot"))
    assert done["status"] == "cancelled", done
    assert len(editor.message_requests) == 1
    assert fake.requests == []


async def test_a_bot_the_users_own_file_names_needs_no_consent(
    start: Start, user_dir: Path, project: Path, fake: FakePoe
) -> None:
    write(user_dir, "shout.md", action_file("Shout", "{selection}"))
    # The same bot named by a workspace file is still the user's choice.
    write(project / ".poe" / "actions", "other.md", action_file("Other", "{selection}"))
    editor = await start()
    editor.consent_answer = "Cancel"
    uri = open_source(editor, project)
    for title in ("Shout with EchoBot", "Other with EchoBot"):
        done = await run_offered(editor, await offered(editor, uri, title))
        assert done["status"] == "done", done
    assert editor.message_requests == []
    assert len(fake.requests) == 2


async def test_a_workspace_files_parameters_are_asked_about_like_its_settings(
    start: Start, user_dir: Path, project: Path, fake: FakePoe
) -> None:
    params = "parameters:\n  chunk_size: 2\n"
    write(
        project / ".poe" / "actions",
        "theirs.md",
        action_file("Theirs", "{selection}", extra=params),
    )
    write(user_dir, "mine.md", action_file("Mine", "{selection}", extra=params))
    editor = await start(init_options={"bot": "EchoBot"})  # the bot is the user's own
    editor.consent_answer = "Cancel"
    uri = open_source(editor, project)
    done = await run_offered(editor, await offered(editor, uri, "Theirs with EchoBot"))
    assert done["status"] == "done", done
    [question] = editor.message_requests
    assert "botParameters.EchoBot" in question.message and "chunk_size" in question.message
    assert fake.requests[-1].parameters == {}, "Cancel: the user's own (no) parameters"
    # The user's own file's parameters are the user's choice: sent without asking.
    done = await run_offered(editor, await offered(editor, uri, "Mine with EchoBot"))
    assert done["status"] == "done", done
    assert len(editor.message_requests) == 1
    assert fake.requests[-1].parameters == {"chunk_size": 2}


# -- the front matter syntax (README "Your own actions") ------------------------------------


def parse(text: str) -> UserAction:
    return parse_action("a", text, Path("a.md"), "user")


def test_the_documented_forms_are_read() -> None:
    action = parse(
        "---\n# a comment\ntitle: \"  Spaced: 'quoted' #1  \"\nbot: GPT-5\noutput: edit\n"
        'languages:\n  - python\n  - "c++"\n'
        'parameters: {"thinking_budget": 1024, "style": "terse"}\n---\n\nBody {selection}\n\n'
    )
    assert action.title == "  Spaced: 'quoted' #1  "
    assert (action.bot, action.output, action.languages) == ("GPT-5", "edit", ("python", "c++"))
    assert action.parameters == {"thinking_budget": 1024, "style": "terse"}
    assert action.template == "Body {selection}"
    block = parse(
        '---\ntitle: T\noutput: explain\nlanguages: [lua, "python"]\n'
        "parameters:\n  n: 3\n  flag: true\n  words: plain text here\n---\nx\n"
    )
    assert block.languages == ("lua", "python")
    assert block.parameters == {"n": 3, "flag": True, "words": "plain text here"}
    assert block.bot is None and block.applies_to("lua") and not block.applies_to("go")


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("title: T\n", 1, "must start with a '---' line"),
        ("---\ntitle: T\noutput: explain\n", 3, "no closing '---'"),
        ("---\ntitle: T\ntitle: U\noutput: explain\n---\nx", 3, "title is given twice"),
        ("---\noutput: explain\n---\nx", 3, "'title' is required"),
        ("---\ntitle: T\noutput: shout\n---\nx", 3, 'must be "explain" or "edit"'),
        ("---\ntitle: T\noutput: edit\nbot: no spaces allowed\n---\nx", 4, "bot: a Poe bot name"),
        ("---\ntitle: [a]\noutput: edit\n---\nx", 2, "write plain text, or quote it"),
        ("---\ntitle: T\noutput: edit\nlanguages: python\n---\nx", 4, "write a list"),
        ("---\ntitle: T\noutput: edit\nlanguages:\n  python\n---\nx", 5, "each item is a line"),
        ("---\ntitle: T\noutput: edit\nparameters: [1]\n---\nx", 4, "write a JSON object"),
        ("---\ntitle: T\noutput: edit\n  stray\n---\nx", 4, "belongs to no key"),
        ("---\ntitle: T\noutput: edit\n---\n\n", 4, "template after the front matter is empty"),
    ],
)
def test_a_malformed_file_names_its_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(ActionFileError) as failure:
        parse(text)
    assert failure.value.line == line, failure.value
    assert problem in failure.value.problem
