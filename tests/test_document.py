"""poe.document end to end: the doc comment lands where the language expects it."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import MakeEditor
from editor import Editor
from fakepoe import FakePoe

# These tests are about doc comments landing in the document as edits, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

PYTHON = '''import math


class Circle:
    """A circle."""

    def __init__(self, radius):
        self.radius = radius

    @property
    def area(self):
        return math.pi * self.radius ** 2


def naïve(x):
    """Old words."""
    return x  # café 🎉
'''

JAVASCRIPT = """import fs from "fs";

export function readAll(path) {
  return fs.readFileSync(path, "utf8");
}
"""


def cursor(editor: Editor, uri: str, needle: str) -> dict[str, int]:
    return editor.range_of(uri, needle)["start"]


def answer(text: str) -> dict[str, Any]:
    return {"bot": "FencedCodeBot", "parameters": {"answer": text}}


async def test_python_method_gets_a_docstring_inside_its_body(editor: Editor) -> None:
    uri = editor.open("circle.py", PYTHON)
    done = await editor.run(
        "poe.document",
        {"uri": uri, "position": cursor(editor, uri, "math.pi"), **answer("The circle's area.")},
    )
    assert done["status"] == "done", done
    expected = PYTHON.replace(
        "    def area(self):\n",
        '    def area(self):\n        """The circle\'s area."""\n',
    )
    assert editor.text(uri) == expected


async def test_an_existing_docstring_is_replaced_not_duplicated(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("circle.py", PYTHON)
    done = await editor.run(
        "poe.document",
        {"uri": uri, "position": cursor(editor, uri, "return x"), **answer("Return x unchanged.")},
    )
    assert done["status"] == "done", done
    assert editor.text(uri) == PYTHON.replace('"""Old words."""', '"""Return x unchanged."""')
    assert "Old words." in fake.requests[-1].prompt


async def test_javascript_gets_a_jsdoc_block_above_the_export(editor: Editor) -> None:
    uri = editor.open("read.js", JAVASCRIPT, language="javascript")
    done = await editor.run(
        "poe.document",
        {
            "uri": uri,
            "position": cursor(editor, uri, "readFileSync"),
            **answer("Read a whole file as UTF-8 text."),
        },
    )
    assert done["status"] == "done", done
    assert editor.text(uri) == JAVASCRIPT.replace(
        "export function",
        "/**\n * Read a whole file as UTF-8 text.\n */\nexport function",
    )


async def test_document_never_changes_the_code_even_if_the_bot_repeats_it(
    editor: Editor,
) -> None:
    uri = editor.open("circle.py", PYTHON)
    noisy = 'def area(self):\n    """Area, from the radius."""\n    return 0'
    done = await editor.run(
        "poe.document",
        {"uri": uri, "position": cursor(editor, uri, "def area"), **answer(noisy)},
    )
    assert done["status"] == "done", done
    text = editor.text(uri)
    assert text.replace('        """Area, from the radius."""\n', "", 1) == PYTHON


async def test_a_position_outside_any_definition_is_refused(editor: Editor, fake: FakePoe) -> None:
    uri = editor.open("circle.py", PYTHON)
    with pytest.raises(Exception, match="inside the definition") as raised:
        await editor.command("poe.document", {"uri": uri, "position": {"line": 0, "character": 0}})
    assert getattr(raised.value, "code", None) == -32602
    assert fake.requests == []


async def test_an_unsupported_language_documents_the_selection_with_a_note(
    editor: Editor,
) -> None:
    source = 'main :: IO ()\nmain = putStrLn "hi"\n'
    uri = editor.open("Main.hs", source, language="haskell")
    documented = '-- | Print a greeting.\nmain :: IO ()\nmain = putStrLn "hi"\n'
    result = await editor.command(
        "poe.document",
        {"uri": uri, "range": editor.span_range(uri, 0, len(source)), **answer(documented)},
    )
    assert "haskell" in result["note"]
    done = await editor.done(result["jobId"])
    assert done["status"] == "done", done
    assert editor.text(uri) == documented


async def test_an_unsupported_language_without_a_selection_is_refused(editor: Editor) -> None:
    uri = editor.open("Main.hs", "main = pure ()\n", language="haskell")
    with pytest.raises(Exception, match="select the code") as raised:
        await editor.command("poe.document", {"uri": uri, "position": {"line": 0, "character": 1}})
    assert getattr(raised.value, "code", None) == -32602


async def test_document_is_offered_for_a_cursor_inside_a_definition_only(
    editor: Editor, fake: FakePoe
) -> None:
    uri = editor.open("circle.py", PYTHON)
    inside = cursor(editor, uri, "math.pi")
    actions = await editor.code_actions(uri, {"start": inside, "end": inside})
    assert [a["title"] for a in actions] == ["Document with GPT-5"]
    (action,) = actions
    assert action["command"]["command"] == "poe.document"
    outside = {"line": 0, "character": 0}
    assert await editor.code_actions(uri, {"start": outside, "end": outside}) == []
    assert fake.requests == []


async def test_a_failed_document_job_leaves_the_file_untouched(editor: Editor) -> None:
    uri = editor.open("circle.py", PYTHON)
    done = await editor.run(
        "poe.document",
        {"uri": uri, "position": cursor(editor, uri, "math.pi"), "bot": "FailsMidStreamBot"},
    )
    assert done["status"] == "failed"
    assert editor.text(uri) == PYTHON


async def test_the_document_prompt_names_the_definition_and_the_files_docstring_style(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor()
    source = (
        "def a(x):\n"
        '    """Do a.\n\n    Args:\n        x: a value.\n\n    Returns:\n        x.\n    """\n'
        "    return x\n\n\n"
        "def b(y):\n    return y\n"
    )
    uri = editor.open("styled.py", source)
    await editor.run(
        "poe.document",
        {"uri": uri, "position": cursor(editor, uri, "return y"), **answer("Do b.")},
    )
    prompt = fake.requests[-1].prompt
    assert "`b`" in prompt
    assert "Google" in prompt
