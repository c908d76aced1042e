"""What a hostile or broken answer can do through the command line: nothing.

``poe-lsp ask --apply`` replaces the file whole or not at all, keeps its mode
and its line endings; what ``ask`` and ``demo`` print from a bot reaches the
terminal escaped, and the diff shows exactly what was written.  Every test
runs the installed ``poe-lsp`` against the fake Poe.
"""

from __future__ import annotations

import os
import resource
import stat
from pathlib import Path

import pytest

from poe_lsp.cli.filewrite import WriteFailed, replace_text
from test_cli import run
from test_cli_ask import SOURCE, ask, crlf_sample, sample, settings_file
from test_demo import demo_command, env_without_key

from editor import TEST_KEY
from fakepoe import HIDDEN_LINE, FakePoe

REFACTOR = ("--action", "refactor", "--apply")
# Bytes that steer a terminal: ESC, BEL, the C1 CSI; none may reach it raw.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x7f")


async def greet_into(fake: FakePoe, path: Path, lines: str) -> str:
    """Refactor ``lines`` of ``path`` with FencedCodeBot's ``greet`` (--apply); the diff."""
    code, out, err = await ask(
        fake, f"{path}:{lines}", "rename", "--bot", "FencedCodeBot", *REFACTOR
    )
    assert (code, err) == (0, "")
    return out


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    """Files in ``folder`` other than ``keep``: a temporary file left behind shows here."""
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# -- 1. --apply never costs the user their file ---------------------------------------


async def test_an_answer_that_cannot_be_utf8_leaves_the_file_byte_identical(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    before = path.read_bytes()
    code, out, err = await ask(
        fake, f"{path}:4-5", "rename", "--bot", "LoneSurrogateBot", *REFACTOR
    )
    assert path.read_bytes() == before
    assert (code, out) == (1, "")
    assert err == (
        "The new text holds a character that cannot be written as UTF-8 (U+D800 on "
        "line 5), so calc.py was left unchanged.\n"
    )
    assert leftovers(tmp_path, {"calc.py"}) == []


async def test_a_write_that_fails_half_way_leaves_the_file_byte_identical(
    fake: FakePoe, tmp_path: Path
) -> None:
    # A file size limit below the new text's size fails the write part way,
    # as a full disk does (Python ignores SIGXFSZ, so write() gets EFBIG).
    path = sample(tmp_path)
    before = path.read_bytes()
    limit = len(before) + 4  # the refactored file is longer than this

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    code, out, err = await ask(
        fake, f"{path}:4-5", "rename", "--bot", "FencedCodeBot", *REFACTOR, preexec_fn=small_files
    )
    assert path.read_bytes() == before
    assert (code, out) == (1, "")
    assert err == "Could not write calc.py (File too large), so it was left unchanged.\n"
    assert leftovers(tmp_path, {"calc.py"}) == []


async def test_apply_keeps_the_files_permissions(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    path.chmod(0o754)
    await greet_into(fake, path, "4-5")
    assert "def greet" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert leftovers(tmp_path, {"calc.py"}) == []


async def test_apply_through_a_symbolic_link_edits_the_file_and_keeps_the_link(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    link = tmp_path / "link.py"
    link.symlink_to(path.name)
    await greet_into(fake, link, "4-5")
    assert link.is_symlink() and os.readlink(link) == "calc.py"
    assert "def greet" in path.read_text()


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "calc.py"
    path.write_text("x = 2\n")  # the user saved this while the bot was answering
    with pytest.raises(WriteFailed) as failed:
        replace_text(path, "x = 3\n", expected="x = 1\n")
    assert path.read_text() == "x = 2\n"
    assert str(failed.value) == (
        "calc.py changed since it was read, so it was left unchanged; "
        "run the command again on the new text."
    )


# -- 3. line endings ----------------------------------------------------------------------


async def test_a_crlf_file_keeps_crlf_everywhere_and_the_diff_shows_each_line(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = crlf_sample(tmp_path)
    out = await greet_into(fake, path, "4-5")
    assert path.read_bytes() == (
        b"import os\r\n\r\n\r\n"
        b"def greet(name: str) -> str:\r\n"
        b'    return f"Hello, {name}!"\r\n'
        b"\r\n\r\nprint(add(1, 2))\r\n"
    )
    assert out.encode() == (
        b"--- a/calc.py\n+++ b/calc.py\n@@ -1,8 +1,8 @@\n"
        b" import os\r\n \r\n \r\n"
        b"-def add(a, b):\r\n-    return a + b\r\n"
        b"+def greet(name: str) -> str:\r\n"
        b'+    return f"Hello, {name}!"\r\n'
        b" \r\n \r\n print(add(1, 2))\r\n"
    )


async def test_new_lines_take_the_files_line_ending_on_a_last_line_without_one(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = tmp_path / "calc.py"
    path.write_bytes(b"import os\r\n\r\nx = 1")
    await greet_into(fake, path, "3")
    assert path.read_bytes() == (
        b'import os\r\n\r\ndef greet(name: str) -> str:\r\n    return f"Hello, {name}!"'
    )


async def test_the_diff_shows_the_files_own_lines_and_a_missing_last_newline(
    fake: FakePoe, tmp_path: Path
) -> None:
    # A form feed is not a line break in the file (str.splitlines says it is),
    # and a last line without a newline is marked, not run into the next one.
    path = tmp_path / "calc.py"
    path.write_bytes(b"a = 1\n\x0c\nb = 2")
    out = await greet_into(fake, path, "3")
    assert (
        path.read_bytes()
        == b'a = 1\n\x0c\ndef greet(name: str) -> str:\n    return f"Hello, {name}!"'
    )
    assert out == (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,4 @@\n"
        " a = 1\n"
        " \\x0c\n"
        "-b = 2\n"
        "\\ No newline at end of file\n"
        "+def greet(name: str) -> str:\n"
        '+    return f"Hello, {name}!"\n'
        "\\ No newline at end of file\n"
    )


# -- 4. bot text reaches the terminal escaped ---------------------------------------------


async def test_a_streamed_answer_shows_control_sequences_instead_of_obeying_them(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    # One character a chunk: the lone \r arrives alone, before what follows it.
    settings = settings_file(tmp_path, {"botParameters": {"TerminalEscapesBot": {"chunk_size": 1}}})
    code, out, err = await ask(
        fake, f"{path}:4-5", "hi", "--bot", "TerminalEscapesBot", "--settings", settings
    )
    assert (code, err) == (0, "")
    assert out == (
        "Done.\\x1b]0;all good\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2K"
        "\\x9b31m\\x7f ok\\rfine\\u202e\n"
        "```python\n"
        "def add(a, b):\n"
        "    return a + b\n"
        f"{HIDDEN_LINE}\n"
        "# \\x1b[1A\\x1b[2K\n"
        "```\n"
    )


async def test_a_lone_surrogate_in_a_streamed_answer_is_shown_not_fatal(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    code, out, err = await ask(fake, f"{path}:4-5", "hi", "--bot", "LoneSurrogateBot")
    assert (code, err) == (0, "")
    assert out == "```python\ndef add(a, b):\n    return a + b  # \\ud800\n```\n"


async def test_a_crlf_answer_split_between_chunks_prints_plain_line_ends(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = crlf_sample(tmp_path)
    settings = settings_file(tmp_path, {"botParameters": {"EchoBot": {"chunk_size": 1}}})
    code, out, _ = await ask(fake, f"{path}:4-5", "hi", "--bot", "EchoBot", "--settings", settings)
    assert code == 0
    assert "def add(a, b):\r\n    return a + b\r\n" in out
    assert "\\r" not in out


async def test_the_diff_shows_a_line_that_the_answer_would_erase_on_screen(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    code, out, _ = await ask(
        fake, f"{path}:4-5", "rename", "--bot", "TerminalEscapesBot", *REFACTOR
    )
    assert code == 0
    # The file holds exactly the code the bot sent, control bytes included ...
    written = f"def add(a, b):\n    return a + b\n{HIDDEN_LINE}\n# \x1b[1A\x1b[2K\n"
    assert path.read_text() == SOURCE.replace("def add(a, b):\n    return a + b\n", written)
    # ... and the diff shows every line of it, the erasing sequence as text.
    assert out == (
        "--- a/calc.py\n+++ b/calc.py\n@@ -3,6 +3,8 @@\n"
        " \n"
        " def add(a, b):\n"
        "     return a + b\n"
        f"+{HIDDEN_LINE}\n"
        "+# \\x1b[1A\\x1b[2K\n"
        " \n \n"
        " print(add(1, 2))\n"
    )


async def test_a_bots_error_text_reaches_stderr_escaped(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    hostile = {"error": "\x1b]52;c;cm0gLXJmIH4=\x07boom", "chunks": 0}
    settings = settings_file(tmp_path, {"botParameters": {"FailsMidStreamBot": hostile}})
    code, out, err = await ask(
        fake, str(path), "hi", "--bot", "FailsMidStreamBot", "--settings", settings
    )
    assert (code, out) == (1, "")
    assert "\\x1b]52;c;cm0gLXJmIH4=\\x07boom" in err
    assert not any(c in err for c in RAW_CONTROLS)


async def test_the_demo_prints_a_hostile_bots_text_escaped(fake: FakePoe) -> None:
    _, out, err = await run(
        *demo_command("--bot", "TerminalEscapesBot"),
        env=env_without_key(POE_API_KEY=TEST_KEY, POE_LSP_BASE_URL=fake.base_url),
    )
    # The streamed explanation, and the refactor's diff, both as visible text.
    assert "Done.\\x1b]0;all good\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2K" in out
    assert f"\n+{HIDDEN_LINE}\n+# \\x1b[1A\\x1b[2K\n" in out
    assert not any(c in out + err for c in RAW_CONTROLS)
