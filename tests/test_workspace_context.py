"""Workspace context end to end: what the bot receives about other files.

A real server indexes a real folder; the EchoBot of the fake Poe records each
prompt, so every assertion is on what the bot was sent.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import CLIENTS, MakeEditor
from editor import Editor
from fakepoe import FakePoe

GEOMETRY = '''import math


def circle_area(r):
    """Area of a circle of radius r."""
    return math.pi * r * r
'''
GENERATED = 'def secret_helper():\n    return "SECRET_GENERATED_CODE"\n'
APP = """from utils.geometry import circle_area
from build.generated import secret_helper


def report(r):
    total = circle_area(r) + secret_helper()
    return total
"""


def read_log(path: Path) -> str:
    """The server's log ("" before it exists)."""
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def log_says(path: Path, phrase: str, timeout: float = 60.0) -> None:
    """Wait until the server's log holds ``phrase``."""

    async def poll() -> None:
        # A file gives no event to await: it is read again until the phrase shows.
        while phrase not in read_log(path):  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A workspace: app.py calls a function of utils/geometry.py and one of a
    folder that .gitignore excludes."""
    root = tmp_path / "project"
    write(
        root,
        {
            ".gitignore": "build/\n",
            "utils/geometry.py": GEOMETRY,
            "build/generated.py": GENERATED,
            "app.py": APP,
        },
    )
    return root


async def explain(editor: Editor, fake: FakePoe, uri: str, needle: str) -> str:
    """Explain ``needle`` of the document with EchoBot; the prompt the bot received."""
    before = len([r for r in fake.requests if r.bot == "EchoBot"])
    done = await editor.run(
        "poe.explain", {"uri": uri, "range": editor.range_of(uri, needle), "bot": "EchoBot"}
    )
    assert done["status"] == "done", done
    return (await fake.wait_request("EchoBot", count=before + 1)).prompt


SELECTION = "    total = circle_area(r) + secret_helper()\n"


async def explain_app(make_editor: MakeEditor, fake: FakePoe, project: Path, **options: Any) -> str:
    """Open app.py in an editor of ``project`` and explain SELECTION; the prompt."""
    editor = await make_editor(root=project, **options)
    return await explain(editor, fake, editor.open("app.py", APP), SELECTION)


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_function_called_from_another_file_carries_its_definition(
    make_editor: MakeEditor, fake: FakePoe, project: Path, client: str
) -> None:
    prompt = await explain_app(make_editor, fake, project, client=client)
    assert "From utils/geometry.py, line 4:" in prompt
    assert '    """Area of a circle of radius r."""\n    return math.pi * r * r' in prompt
    # After the local context: the selection's file comes first.
    assert prompt.index("<<<SELECTION>>>") < prompt.index("From utils/geometry.py")


async def test_a_file_that_gitignore_excludes_is_not_sent(
    make_editor: MakeEditor, fake: FakePoe, project: Path
) -> None:
    prompt = await explain_app(make_editor, fake, project)
    assert "circle_area(r):" in prompt.split("From utils/geometry.py")[1]
    assert "SECRET_GENERATED_CODE" not in prompt
    assert "build/generated.py" not in prompt


async def test_context_workspace_false_sends_no_other_file(
    make_editor: MakeEditor, fake: FakePoe, project: Path
) -> None:
    prompt = await explain_app(
        make_editor, fake, project, workspace={"context": {"workspace": False}}
    )
    assert "math.pi * r * r" not in prompt
    assert "From utils/geometry.py" not in prompt


async def test_a_saved_file_is_indexed_again(
    make_editor: MakeEditor, fake: FakePoe, project: Path
) -> None:
    editor = await make_editor(root=project)
    uri = editor.open("app.py", APP)
    assert "math.pi * r * r" in await explain(editor, fake, uri, SELECTION)
    (project / "utils/geometry.py").write_text(GEOMETRY.replace("math.pi", "3.0  # ROUNDED"))
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=f"{editor.root_uri}/utils/geometry.py")
        )
    )
    prompt = await explain(editor, fake, uri, SELECTION)
    assert "return 3.0  # ROUNDED * r * r" in prompt
    assert "math.pi * r * r" not in prompt


async def test_files_created_on_disk_are_indexed_when_the_client_reports_them(
    make_editor: MakeEditor, fake: FakePoe, project: Path
) -> None:
    editor = await make_editor(root=project)
    text = APP + "\n\ndef square(s):\n    return square_area(s)\n"
    uri = editor.open("app.py", text)
    first = await explain(editor, fake, uri, "    return square_area(s)\n")
    assert "From utils/shapes.py" not in first
    write(project, {"utils/shapes.py": "def square_area(s):\n    return s * s  # SQUARE\n"})
    created = f"{editor.root_uri}/utils/shapes.py"
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=created, type=types.FileChangeType.Created)]
        )
    )
    prompt = await explain(editor, fake, uri, "    return square_area(s)\n")
    assert "From utils/shapes.py, line 1:" in prompt
    assert "return s * s  # SQUARE" in prompt
    # The server asked the client to watch what it indexes.
    registrations = getattr(editor.client, "registrations", [])
    globs = [w["globPattern"] for r in registrations for w in r.register_options["watchers"]]
    assert any(g.startswith("**/*.{") and "py," in g for g in globs), registrations

    (project / "utils/shapes.py").unlink()
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=created, type=types.FileChangeType.Deleted)]
        )
    )
    assert "# SQUARE" not in await explain(editor, fake, uri, "    return square_area(s)\n")


async def test_an_index_that_cannot_finish_does_not_hold_the_job(
    make_editor: MakeEditor, fake: FakePoe, project: Path
) -> None:
    # The index's thread is held for good, as on a disk that stopped answering.
    prompt = await explain_app(make_editor, fake, project, env={"POE_LSP_TEST_HOLD_INDEX": "1"})
    assert "<<<SELECTION>>>" in prompt
    assert "From utils/geometry.py" not in prompt


def _unreachable_folder(root: Path) -> Path:
    """A folder whose absolute path is too long to open (ENAMETOOLONG): unreadable even
    for root, who reads through any permission bits."""
    fd = os.open(root, os.O_RDONLY)
    depth = 0
    try:
        while len(str(root)) + depth * 101 < 4200:
            os.mkdir("d" * 100, dir_fd=fd)
            inner = os.open("d" * 100, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            depth += 1
        with open(os.open("deep.py", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
            f.write("def deep_helper():\n    return 'DEEP'\n")
    finally:
        os.close(fd)
    return root / ("d" * 100)


async def test_links_loops_unreadable_huge_binary_and_unparsable_files_are_survived(
    make_editor: MakeEditor, fake: FakePoe, project: Path, log_file: Path
) -> None:
    write(
        project,
        {
            "big.py": "def huge_helper():\n    return 'HUGE'\n" + "# filler\n" * 70_000,
            "blob.py": b"def binary_helper():\n    return 'BINARY'\n\x00\x01\x02",
            "latin.py": b"# caf\xe9\ndef latin_helper():\n    return 'LATIN'\n",
            # tree-sitter-python takes minutes on this (quadratic in the comment lines)
            "slow.py": "def slow_helper():\n    return 'SLOW'\n" + "#\n" * 60_000,
        },
    )
    (project / "loop").symlink_to(project, target_is_directory=True)
    os.mkfifo(project / "pipe.py")  # reading it would wait forever
    _unreachable_folder(project)
    editor = await make_editor(root=project)
    text = (
        APP
        + "\n\ndef everything(r):\n"
        + "    return circle_area(r), huge_helper(), binary_helper(),"
        + " latin_helper(), deep_helper(), slow_helper()\n"
    )
    uri = editor.open("app.py", text)
    # slow.py costs the build its 3 s parse limit, more than a job waits: wait for the build.
    await log_says(log_file, "workspace index: ")
    prompt = await explain(editor, fake, uri, text[text.index("    return circle_area(r), huge") :])
    assert prompt.count("return math.pi * r * r") == 1, "once, not once per trip round the loop"
    for absent in ("'HUGE'", "'BINARY'", "'LATIN'", "'DEEP'", "'SLOW'"):
        assert absent not in prompt
    log = read_log(log_file)
    assert "latin.py is not UTF-8" in log
    assert "slow.py did not parse (parsing took over 3 s)" in log
    assert "cannot read the folder" in log


async def test_context_argument_adds_ranges_and_labelled_text(
    make_editor: MakeEditor, fake: FakePoe, project: Path
) -> None:
    write(project, {"notes/units.py": "RADIUS_UNIT = 'cm'\nSCALE = 10  # SCALE LINE\n"})
    editor = await make_editor(root=project, workspace={"context": {"workspace": False}})
    uri = editor.open("app.py", APP)
    on_disk = f"{editor.root_uri}/notes/units.py"
    argument = {
        "uri": uri,
        "range": editor.range_of(uri, SELECTION),
        "bot": "EchoBot",
        "context": [
            {
                "uri": on_disk,
                "range": {
                    "start": {"line": 1, "character": 0},
                    "end": {"line": 2, "character": 0},
                },
            },
            {"label": "Hover of circle_area (from pyright)", "text": "def circle_area(r) -> float"},
            # What textDocument/definition answers: the name only, widened to its definition.
            {
                "uri": f"{editor.root_uri}/utils/geometry.py",
                "range": {
                    "start": {"line": 3, "character": 4},
                    "end": {"line": 3, "character": 15},
                },
            },
        ],
    }
    done = await editor.run("poe.explain", argument)
    assert done["status"] == "done"
    prompt = (await fake.wait_request("EchoBot")).prompt
    assert "From notes/units.py, line 2:\n```python\nSCALE = 10  # SCALE LINE\n```" in prompt
    assert "RADIUS_UNIT" not in prompt
    assert "From Hover of circle_area (from pyright):\n```\ndef circle_area(r) -> float" in prompt
    assert (
        "From utils/geometry.py, lines 4–6:\n```python\n" + GEOMETRY[GEOMETRY.index("def") :]
        in prompt
    )


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        ({"uri": "file:///etc/hostname"}, "neither open in the editor nor a file inside"),
        ({"label": "no text"}, "needs a 'text' string"),
        ("just a string", "needs a 'uri' or a 'label' and 'text'"),
    ],
)
async def test_a_bad_context_item_is_refused_and_nothing_starts(
    make_editor: MakeEditor, fake: FakePoe, project: Path, item: Any, complaint: str
) -> None:
    (project / "escape.py").symlink_to("/etc/hostname")
    editor = await make_editor(root=project)
    uri = editor.open("app.py", APP)
    if item == {"uri": "file:///etc/hostname"}:
        item = {"uri": f"{editor.root_uri}/escape.py"}  # inside by name, outside for real
    argument = {"uri": uri, "range": editor.range_of(uri, SELECTION), "context": [item]}
    with pytest.raises(JsonRpcException) as raised:
        await editor.command("poe.explain", argument)
    assert raised.value.code == -32602
    assert complaint in str(raised.value)
    assert await editor.command("poe.cancel", {}) == {"cancelled": []}
    assert fake.requests == []
