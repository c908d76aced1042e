"""The Neovim plugin (clients/neovim) in real Neovim 0.11.4, against the real
server and the fake Poe.

Each test starts a fresh headless Neovim (``nvim --embed --headless -u NONE``)
driven through pynvim, loads the plugin the way the README's lazy.nvim spec
does, and opens a Python file; ``poe-lsp`` is the venv's console script and
talks to ``python tests/fakepoe.py`` over HTTP on 127.0.0.1.  The helpers
in ``tests/neovim/poe_test.lua`` wait on the plugin's own events
(``User PoeStream``/``PoeDone``, ``LspAttach``, ``LspProgress``).

Neovim and pynvim are installed by ``scripts/install-editors.sh`` (called by
``scripts/test.sh``); these tests never skip.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pynvim
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NVIM = BIN / "nvim"
KEY = "nvim-test-key-0123456789-secret"

SAMPLE = """\
def add(a, b):
    total = a + b
    return total


def greet(name):
    x = "héllo" + nämé  # ü
    return x
"""
"""Line 7 has multi-byte characters before, inside and after the selection."""

SELECTION = '"héllo" + nämé'
LINE7 = '    x = "héllo" + nämé  # ü'
SEL_START = LINE7.encode().index(SELECTION.encode())
SEL_END = SEL_START + len(SELECTION.encode())
"""Byte columns of the selection on line 7 (= utf-8 LSP characters)."""


Start = Callable[..., pynvim.Nvim]


@pytest.fixture
def start(fake_poe_url: str, tmp_path: Path) -> Iterator[Start]:
    """Start Neovim with the plugin; ``init_options`` go to the server."""
    assert NVIM.exists(), f"{NVIM} is missing: run scripts/install-editors.sh"
    started: list[pynvim.Nvim] = []
    env_backup = dict(os.environ)

    def make(
        init_options: dict[str, Any] | None = None,
        *,
        setup: dict[str, Any] | None = None,
        key: str | None = KEY,
    ) -> pynvim.Nvim:
        for xdg in ("CONFIG", "DATA", "STATE", "CACHE"):
            os.environ[f"XDG_{xdg}_HOME"] = str(tmp_path / "xdg" / xdg.lower())
        os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        nvim = pynvim.attach(
            "child", argv=[str(NVIM), "--embed", "--headless", "-u", "NONE", "-i", "NONE", "-n"]
        )
        started.append(nvim)
        options = setup or {}
        if init_options is not None:
            options = {**options, "server": {"init_options": init_options}}
        env = {
            "POE_LSP_BASE_URL": fake_poe_url,
            "POE_LSP_USAGE_URL": f"{fake_poe_url}usage/",
            "POE_API_KEY": key or "",
        }
        nvim.exec_lua(
            "package.path = ... .. '/tests/neovim/?.lua;' .. package.path\n"
            "_G.T = require('poe_test')\n"
            "T.setup({ root = ..., env = select(2, ...), setup = select(3, ...) })",
            str(ROOT),
            env,
            options or None,
        )
        return nvim

    yield make
    for nvim in started:
        try:
            nvim.exec_lua("vim.lsp.stop_client(vim.lsp.get_clients(), true)")
            nvim.close()
        except Exception:
            pass
    os.environ.clear()
    os.environ.update(env_backup)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A Python file in a project (a .git marker sets the root)."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    path = project / "sample.py"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def lua(nvim: pynvim.Nvim, code: str, *args: Any) -> Any:
    """Run Lua in the Neovim under test (``T`` is tests/neovim/poe_test.lua)."""
    return nvim.exec_lua(code, *args)


def open_sample(nvim: pynvim.Nvim, path: Path) -> None:
    lua(nvim, "T.open(...)", str(path))


def bots(**actions: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """Initialization options naming one bot (and its parameters) per action.

    These tests watch edits land as they stream (and undo them), so they ask
    for ``edits.mode: stream`` rather than the default review proposal.
    """
    return {
        "actions": {action: {"bot": bot} for action, (bot, _) in actions.items()},
        "botParameters": {bot: params for bot, params in actions.values()},
        "edits": {"mode": "stream"},
    }


def explained(start: Start, sample: Path, answer: str) -> pynvim.Nvim:
    """Neovim with the sample open and lines 1-3 explained by ExplainBot as ``answer``."""
    nvim = start(bots(explain=("ExplainBot", {"answer": answer})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    assert lua(nvim, "return T.wait_done(1).status") == "done"
    return nvim


# -- explain -------------------------------------------------------------------------


def test_visual_explain_streams_the_answer_into_a_markdown_float(
    start: Start, sample: Path
) -> None:
    answer = "## What it does\n\n" + "\n".join(f"- point {i} of the answer" for i in range(30))
    nvim = start(bots(explain=("ExplainBot", {"answer": answer, "chunk_size": 40, "delay": 0.02})))
    open_sample(nvim, sample)
    lua(nvim, "vim.keymap.set('x', '<Space>e', '<Plug>(poe-explain)')")

    lua(nvim, "T.select('v', ...)", [7, SEL_START], [7, SEL_END - len("é".encode())], "<Space>e")
    done = lua(nvim, "return T.wait_done(1)")

    assert done["status"] == "done"
    assert done["text"] == answer
    # The server got exactly the selection: utf-8 columns, last character included.
    assert done["range"] == {
        "start": {"line": 6, "character": SEL_START},
        "end": {"line": 6, "character": SEL_END},
    }
    streams = lua(nvim, "return T.events.stream")
    assert len(streams) >= 3, "the answer should arrive in several poe/stream notifications"
    for event in streams:
        # The window showed each streamed text as it arrived.
        assert event["float_text"] == event["text"]
        assert answer.startswith(event["text"])
    float_ = lua(nvim, "return T.float()")
    assert float_["text"] == answer
    assert float_["filetype"] == "markdown"
    assert float_["wrap"] is True
    assert float_["relative"] == "editor"
    assert "Poe · Explain · ExplainBot" in float_["title"]
    assert float_["cursor"][0] == float_["lines"], "the window follows the text"
    # Progress went through Neovim's LSP progress.
    progress = lua(nvim, "return T.events.progress")
    titles = [p["value"].get("title") for p in progress if p["client"] == "poe"]
    assert "Poe · Explain · ExplainBot" in titles
    assert any(p["status"] for p in progress), "vim.lsp.status() showed the job"
    assert progress[-1]["value"]["kind"] == "end"
    # No notification for a successful explanation.
    assert lua(nvim, "return T.events.notify") == []


def test_q_closes_the_float_and_it_reopens_without_asking_again(start: Start, sample: Path) -> None:
    nvim = start(bots(explain=("ExplainBot", {"answer": "Adds two numbers."})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    lua(nvim, "T.wait_done(1)")
    assert lua(nvim, "return T.float().text") == "Adds two numbers."

    lua(nvim, "vim.api.nvim_set_current_win((require('poe.float').current()))")
    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return T.float()") is None

    lua(nvim, "vim.cmd('Poe last')")
    assert lua(nvim, "return T.float().text") == "Adds two numbers."
    lua(nvim, "vim.cmd('Poe close')")
    # The same range, unchanged: the last explanation, no new job.
    lua(nvim, "vim.cmd('1,3Poe explain')")
    assert lua(nvim, "return T.float().text") == "Adds two numbers."
    lua(nvim, "vim.wait(300)")
    assert lua(nvim, "return #T.events.done") == 1
    # A bang asks again.
    lua(nvim, "vim.cmd('1,3Poe! explain')")
    assert lua(nvim, "return T.wait_done(2).status") == "done"


def test_q_in_the_code_window_closes_the_float_then_records_macros_again(
    start: Start, sample: Path
) -> None:
    nvim = explained(start, sample, "Adds two numbers.")
    assert lua(nvim, "return T.float().footer") == " q closes "
    assert lua(nvim, "return vim.api.nvim_get_current_win()") == lua(
        nvim, "return vim.fn.bufwinid(vim.fn.bufnr('sample.py'))"
    ), "the cursor stayed in the code window"

    # The user types q where the cursor is: in the code, not in the float.
    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return T.float()") is None
    assert lua(nvim, "return vim.fn.reg_recording()") == "", "q started a macro"
    # With the float closed, q is Neovim's own again.
    lua(nvim, "T.keys('qa')")
    assert lua(nvim, "return vim.fn.reg_recording()") == "a"
    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return vim.fn.reg_recording()") == ""


def test_a_users_own_q_mapping_comes_back_however_the_float_closes(
    start: Start, sample: Path
) -> None:
    nvim = explained(start, sample, "Adds two numbers.")
    # A buffer-local q of the user's, made while the float is closed; the
    # float, reopened, maps q over it.
    lua(nvim, "vim.cmd('Poe close')")
    lua(
        nvim,
        "vim.keymap.set('n', 'q', function() vim.g.mine = (vim.g.mine or 0) + 1 end, "
        "{ buffer = 0, desc = 'my q' })",
    )
    lua(nvim, "vim.cmd('Poe last')")

    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return T.float()") is None
    assert lua(nvim, "return vim.g.mine") is None, "q closed the float, not the user's mapping"
    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return vim.g.mine") == 1, "the user's q is back"

    # Closed from inside the float with :close, the user's q is back too.
    lua(nvim, "vim.cmd('Poe last')")
    lua(nvim, "vim.api.nvim_set_current_win((require('poe.float').current()))")
    lua(nvim, "vim.cmd('close')")
    assert lua(nvim, "return T.float()") is None
    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return vim.g.mine") == 2


def test_the_float_shows_markdown_rendered_without_its_markers(start: Start, sample: Path) -> None:
    answer = (
        "## What it does\n\nAdds **two** numbers.\n\n"
        "```python\nadd(1, 2)  # 3\n```\n\n# Returns\n\nThe total."
    )
    nvim = explained(start, sample, answer)
    rows, attrs = lua(nvim, "return { T.screen() }")
    screen = "\n".join(rows)
    shown_lines = ("What it does", "Adds two numbers.", "add(1, 2)  # 3", "Returns", "The total.")
    for shown in (f"│{line} " for line in shown_lines):
        assert shown in screen, f"{shown!r} is not on the screen:\n{screen}"
    for raw in ("##", "# Returns", "**", "```"):
        assert raw not in screen, f"raw Markdown {raw!r} is on the screen:\n{screen}"
    # Headings look different from the text under them.
    heading = next(i for i, row in enumerate(rows) if "│What it does" in row)
    body = next(i for i, row in enumerate(rows) if "│Adds two" in row)
    column = rows[heading].index("│What") + 1
    assert attrs[heading][column] != attrs[body][column]
    # The buffer keeps the bot's Markdown: a yank gives what it wrote.
    assert lua(nvim, "return T.float().text") == answer


# -- refactor and undo --------------------------------------------------------------


def test_refactor_rewrites_exactly_the_selection_and_one_undo_restores_it(
    start: Start, sample: Path
) -> None:
    code = '"hello " + name'
    nvim = start(bots(refactor=("FencedCodeBot", {"answer": code, "chunk_size": 3, "delay": 0.01})))
    open_sample(nvim, sample)
    # A change of the user's own, before the refactor: undo must keep it.
    lua(nvim, "T.keys('Go# mine<Esc>')")
    before = lua(nvim, "return T.text()")
    assert before == SAMPLE + "    # mine\n"
    lua(nvim, "vim.keymap.set('x', '<Space>r', '<Plug>(poe-refactor)')")
    lua(nvim, "vim.ui.input = function(opts, on_confirm) T.asked = opts.prompt; on_confirm('') end")

    lua(nvim, "T.select('v', ...)", [7, SEL_START], [7, SEL_END - 2], "<Space>r")
    # The user moves the cursor while the bot writes: every key closes an undo
    # block in Neovim, so only the plugin's undojoin keeps the edits together.
    # (Keys are only read while Neovim idles: poll from here instead of vim.wait.)
    deadline = time.monotonic() + 15
    while not lua(nvim, "return #T.events.done") and time.monotonic() < deadline:
        nvim.input("jk")
        time.sleep(0.02)
    done = lua(nvim, "return T.wait_done(1)")

    assert done["status"] == "done", done
    assert lua(nvim, "return T.asked") == "Refactor instruction (empty for none): "
    after = lua(nvim, "return T.text()")
    assert after == before.replace(SELECTION, code)
    assert lua(nvim, "return T.events.edits") >= 3, "the refactor streamed several edits"
    assert lua(nvim, "return T.events.notify") == []

    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == before, "one undo restores the selection"
    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == SAMPLE, "the next undo is the user's own change"


def test_linewise_refactor_with_an_instruction(start: Start, sample: Path) -> None:
    nvim = start(bots(refactor=("FencedCodeBot", {"answer": "return a + b", "chunk_size": 5})))
    open_sample(nvim, sample)
    lua(nvim, "T.select('V', ...)", [2, 0], [3, 0], ":Poe refactor inline the variable<CR>")
    assert lua(nvim, "return T.wait_done(1).status") == "done"
    expected = SAMPLE.replace("    total = a + b\n    return total\n", "    return a + b\n")
    assert lua(nvim, "return T.text()") == expected
    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == SAMPLE


# -- document and fix ---------------------------------------------------------------


def test_document_writes_a_docstring_where_python_expects_it(start: Start, sample: Path) -> None:
    nvim = start(bots(document=("ExplainBot", {"answer": "Add two numbers."})))
    open_sample(nvim, sample)
    lua(nvim, "vim.api.nvim_win_set_cursor(0, { 2, 6 })")
    lua(nvim, "vim.cmd('Poe document')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done", done
    lines = SAMPLE.splitlines(keepends=True)
    expected = "".join([lines[0], '    """Add two numbers."""\n', *lines[1:]])
    assert lua(nvim, "return T.text()") == expected
    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == SAMPLE


def test_fix_sends_the_diagnostics_under_the_range(start: Start, sample: Path) -> None:
    nvim = start(bots(fix=("FencedCodeBot", {"answer": 'x = "héllo" + name'})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('2Poe fix')")
    notes = lua(nvim, "return T.wait_notify(1, 0)")
    assert notes[0]["msg"] == "No diagnostics here to fix."
    lua(
        nvim,
        "T.set_diagnostics({ { lnum = 6, col = ..., end_col = select(2, ...), "
        "message = \"undefined name 'nämé'\", severity = vim.diagnostic.severity.ERROR, "
        "source = 'pyflakes' } })",
        LINE7.encode().index("nämé".encode()),
        SEL_END,
    )
    diagnostics = lua(
        nvim,
        "return require('poe').lsp_diagnostics(0, 6, 6, vim.lsp.get_clients({name='poe'})[1]"
        ".offset_encoding)",
    )
    assert diagnostics == [
        {
            "range": {
                "start": {"line": 6, "character": LINE7.encode().index("nämé".encode())},
                "end": {"line": 6, "character": SEL_END},
            },
            "severity": 1,
            "message": "undefined name 'nämé'",
            "source": "pyflakes",
        }
    ]
    lua(nvim, "vim.cmd('7Poe fix')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done", done
    # The whole line was the range: the bot's line replaces it.
    assert lua(nvim, "return T.text()") == SAMPLE.replace(LINE7, '    x = "héllo" + name')


# -- cancel and errors ---------------------------------------------------------------


def test_cancel_stops_a_slow_bot(start: Start, sample: Path) -> None:
    nvim = start(bots(explain=("SlowBot", {"chunks": 400, "delay": 0.05})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    lua(nvim, "T.wait_stream(0)")
    lua(nvim, "vim.cmd('Poe cancel')")
    done = lua(nvim, "return T.wait_done(1, 5000)")
    assert done["status"] == "cancelled"
    assert done["text"].count("chunk") < 400
    streams = lua(nvim, "vim.wait(300); return #T.events.stream")
    lua(nvim, "vim.wait(300)")
    assert lua(nvim, "return #T.events.stream") == streams, "nothing streams after the cancel"
    assert lua(nvim, "return T.float().text") == done["text"]
    assert lua(nvim, "return require('poe.jobs').running()") == []


def test_cancelling_a_streamed_refactor_puts_the_original_back(start: Start, sample: Path) -> None:
    code = "\n".join(f"step_{i} = {i}" for i in range(60))
    nvim = start(bots(refactor=("FencedCodeBot", {"answer": code, "chunk_size": 4, "delay": 0.05})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('2,3Poe refactor shorter')")
    lua(nvim, "T.wait(10000, function() return T.events.edits >= 2 end, 'streamed edits')")
    assert lua(nvim, "return T.text()") != SAMPLE
    lua(nvim, "vim.cmd('Poe cancel')")
    assert lua(nvim, "return T.wait_done(1).status") == "cancelled"
    assert lua(nvim, "return T.text()") == SAMPLE


def test_a_failing_bot_shows_one_error_notification(start: Start, sample: Path) -> None:
    nvim = start(bots(explain=("FailsMidStreamBot", {"error": "The model fell over."})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "failed"
    notes = lua(nvim, "return T.wait_notify(1)")
    assert len(notes) == 1, notes
    assert notes[0]["level"] == lua(nvim, "return vim.log.levels.ERROR")
    assert notes[0]["msg"] == done["error"]
    assert "FailsMidStreamBot" in notes[0]["msg"]
    # The window keeps what arrived before the failure and says that it failed.
    float_ = lua(nvim, "return T.float()")
    assert float_["text"] == done["text"] == "partial 0 partial 1 "
    assert float_["footer"].split("·")[0].strip() == "failed"
    # Nothing reached :messages through Neovim's own showMessage handler.
    assert "poe-lsp:" not in nvim.command_output("messages")


def test_an_unknown_bot_error_tells_a_neovim_user_what_to_change(
    start: Start, sample: Path
) -> None:
    nvim = start(bots(explain=("Status404", {})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    assert lua(nvim, "return T.wait_done(1).status") == "failed"
    notes = lua(nvim, "return T.wait_notify(1)")
    assert len(notes) == 1, notes
    message = notes[0]["msg"]
    assert message.startswith("Poe has no bot named 'Status404'."), message
    assert "Neovim: :Poe bot" in message
    assert "poe.bot" not in message, "VS Code's setting name means nothing in Neovim"


# -- commands, bots, health ---------------------------------------------------------


def test_poe_completes_its_subcommands_and_the_bots(start: Start, sample: Path) -> None:
    nvim = start({"bot": "ExplainBot", "allowedBots": ["SlowBot"]})
    open_sample(nvim, sample)
    subs = lua(nvim, "return vim.fn.getcompletion('Poe ', 'cmdline')")
    for name in ("explain", "refactor", "document", "fix", "ask", "accept", "reject", "bot"):
        assert name in subs
    assert "cancel" in subs and "log" in subs
    assert lua(nvim, "return vim.fn.getcompletion(\"'<,'>Poe ref\", 'cmdline')") == ["refactor"]
    names = lua(nvim, "return vim.fn.getcompletion('Poe bot ', 'cmdline')")
    assert "ExplainBot" in names and "SlowBot" in names


def test_bot_is_picked_from_the_server_list_per_buffer_or_globally(
    start: Start, sample: Path
) -> None:
    nvim = start({"bot": "ExplainBot", "allowedBots": ["SlowBot"]})
    open_sample(nvim, sample)
    lua(
        nvim,
        "vim.ui.select = function(items, opts, on_choice)\n"
        "  T.offered = vim.tbl_map(function(i) return i.name end, items)\n"
        "  for _, item in ipairs(items) do if item.name == 'SlowBot' then on_choice(item) end end\n"
        "end",
    )
    lua(nvim, "vim.cmd('Poe bot')")
    lua(nvim, "T.wait(5000, function() return vim.g.poe_bot ~= nil end, 'a global bot')")
    assert lua(nvim, "return vim.g.poe_bot") == "SlowBot"
    assert "ExplainBot" in lua(nvim, "return T.offered")
    lua(nvim, "vim.cmd('Poe! bot ExplainBot')")
    assert lua(nvim, "return vim.b.poe_bot") == "ExplainBot"
    assert lua(nvim, "return require('poe').bot(0)") == "ExplainBot"
    # The buffer's bot answers the next explanation.
    lua(nvim, "vim.cmd('1,3Poe explain')")
    assert lua(nvim, "return T.wait_done(1).bot") == "ExplainBot"


def test_a_typed_bot_that_cannot_be_a_name_is_refused(start: Start, sample: Path) -> None:
    nvim = start({"bot": "ExplainBot"})
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('Poe bot ../other?x=1')")
    notes = lua(nvim, "return T.wait_notify(1, 0)")
    assert notes[0]["level"] == lua(nvim, "return vim.log.levels.ERROR")
    assert notes[0]["msg"].startswith('"../other?x=1" is not a bot name: letters, digits')
    assert lua(nvim, "return vim.g.poe_bot") is None
    lua(nvim, "vim.cmd('Poe bot Claude-Sonnet-4.5')")
    assert lua(nvim, "return vim.g.poe_bot") == "Claude-Sonnet-4.5"


def test_ask_streams_its_answer_into_the_float(start: Start, sample: Path) -> None:
    nvim = start(bots(ask=("ExplainBot", {"answer": "It returns a greeting."})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('6,8Poe ask what does it return?')")
    assert lua(nvim, "return T.wait_done(1).status") == "done"
    assert lua(nvim, "return T.float().text") == "It returns a greeting."
    assert "Poe · Ask · ExplainBot" in lua(nvim, "return T.float().title")


def test_checkhealth_reports_ok_with_the_server_found(start: Start, sample: Path) -> None:
    nvim = start({"bot": "ExplainBot"})
    open_sample(nvim, sample)
    report = lua(nvim, "return T.checkhealth()")
    assert "OK Neovim 0.11.4" in report
    assert "OK server found" in report and "poe-lsp 0.1.0" in report
    assert f"OK POE_API_KEY set, {len(KEY)} characters, ending …{KEY[-2:]}" in report
    assert "attached to 1 buffer(s): poe-lsp 0.1.0, position encoding utf-8" in report
    assert "edits.mode: review: edit jobs are proposed as an inline diff to :Poe accept" in report
    assert "ERROR" not in report and "WARNING" not in report
    assert KEY not in report


def test_checkhealth_reports_an_error_when_the_server_is_missing(start: Start) -> None:
    nvim = start(setup={"server": {"cmd": ["poe-lsp-not-installed"]}}, key=None)
    report = lua(nvim, "return T.checkhealth()")
    assert "ERROR server not found: poe-lsp-not-installed is not executable" in report
    assert "WARNING POE_API_KEY is not set" in report


def test_log_opens_the_server_log(start: Start, sample: Path) -> None:
    nvim = start({"bot": "ExplainBot"})
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('Poe log')")
    name = lua(nvim, "return vim.api.nvim_buf_get_name(0)")
    assert name.endswith("poe-lsp.log")
    assert KEY not in lua(nvim, "return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false))")


def test_help_poe_opens_the_manual(start: Start, tmp_path: Path) -> None:
    nvim = start({"bot": "ExplainBot"})
    doc = tmp_path / "rtp" / "doc"
    doc.mkdir(parents=True)
    (doc / "poe.txt").write_bytes((ROOT / "clients/neovim/doc/poe.txt").read_bytes())
    lua(nvim, "vim.opt.rtp:append(...); vim.cmd.helptags(... .. '/doc')", str(doc.parent))
    for tag in ("poe", ":Poe-refactor", "<Plug>(poe-explain)", "poe.setup()", "poe-health"):
        lua(nvim, "vim.cmd.help(...)", tag)
        assert lua(nvim, "return vim.fn.expand('%:t')") == "poe.txt", tag
        lua(nvim, "vim.cmd.helpclose()")
