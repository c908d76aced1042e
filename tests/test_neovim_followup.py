"""Follow-ups in real Neovim: ``:Poe follow`` and the "Follow up on …" code action.

The same set-up as tests/test_neovim.py (its fixtures and helpers are reused):
real Neovim 0.11.4, the plugin, the real server, the fake Poe in its own
process.  ConversationBot answers with the roles of the messages it received,
so the float shows whether the whole conversation was sent.
"""

from __future__ import annotations

from pathlib import Path

from test_neovim import Start, lua, open_sample, sample, start

__all__ = ["sample", "start"]  # fixtures, used by name

FIRST = "Conversation of 1 messages: user."
SECOND = "Conversation of 3 messages: user, bot, user."
THIRD = "Conversation of 5 messages: user, bot, user, bot, user."
SAMPLE_HEAD = "def add(a, b):\n    total = a + b\n    return total\n"
"""The first three lines of the sample (tests/test_neovim.py)."""


def explained(start: Start, sample: Path):  # type: ignore[no-untyped-def]
    nvim = start({"bot": "ConversationBot", "allowedBots": ["ConversationBot"]})
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    assert lua(nvim, "return T.wait_done(1).status") == "done"
    assert lua(nvim, "return T.float().text").startswith(FIRST)
    return nvim


def test_poe_follow_appends_the_answer_to_the_float(start: Start, sample: Path) -> None:
    nvim = explained(start, sample)

    lua(nvim, "vim.cmd('Poe follow Shorter please')")
    done = lua(nvim, "return T.wait_done(2)")

    assert done["status"] == "done"
    assert done["text"].startswith(SECOND)
    text = lua(nvim, "return T.float().text")
    # The first answer, the question, then the new answer under it.
    assert text.index(FIRST) < text.index("Shorter please") < text.index(SECOND)
    assert "Follow-up · ConversationBot" in lua(nvim, "return T.float().title")

    # Asked with vim.ui.input when no prompt is given; chained on the float's job.
    lua(nvim, "vim.ui.input = function(_, on_confirm) on_confirm('In one line') end")
    lua(nvim, "vim.cmd('Poe follow')")
    third = lua(nvim, "return T.wait_done(3)")
    assert third["text"].startswith(THIRD)
    text = lua(nvim, "return T.float().text")
    assert text.index(SECOND) < text.index("In one line") < text.index(THIRD)


def test_the_follow_up_code_action_asks_for_the_prompt(start: Start, sample: Path) -> None:
    nvim = explained(start, sample)
    lua(nvim, "vim.cmd('Poe close')")
    lua(nvim, "vim.ui.input = function(_, on_confirm) on_confirm('What about floats?') end")

    lua(
        nvim,
        "vim.api.nvim_win_set_cursor(0, {2, 4})\n"
        "vim.lsp.buf.code_action({ apply = true, filter = function(a)\n"
        "  return vim.startswith(a.title, 'Follow up on Explain with ConversationBot')\n"
        "end })",
    )
    done = lua(nvim, "return T.wait_done(2)")

    assert done["text"].startswith(SECOND)
    text = lua(nvim, "return T.float().text")
    assert text.index(FIRST) < text.index("What about floats?") < text.index(SECOND)


def test_poe_follow_on_a_rewrite_proposes_again_for_the_same_lines(
    start: Start, sample: Path
) -> None:
    answers = ["def add(x, y):\n    return x + y", "def add(a, b):\n    return a + b  # kept"]
    nvim = start(
        {
            "bot": "ConversationBot",
            "allowedBots": ["ConversationBot"],
            "botParameters": {"ConversationBot": {"answers": answers}},
        }
    )
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe refactor rename')")
    assert lua(nvim, "return T.wait_done(1).proposal ~= nil") is True
    # The user adds a line above: the job's lines move down by one.
    lua(nvim, "vim.api.nvim_buf_set_lines(0, 0, 0, false, {'# header'})")

    lua(nvim, "vim.api.nvim_win_set_cursor(0, {3, 0})")
    lua(nvim, "vim.cmd('Poe follow keep the old names')")
    done = lua(nvim, "return T.wait_done(2)")

    assert done["status"] == "done"
    # Lines 1-3 of the sample are now lines 2-4; only the return line changes.
    assert [(h["range"]["start"]["line"], h["newText"]) for h in done["proposal"]["hunks"]] == [
        (2, "    return a + b  # kept\n")
    ]
    assert lua(nvim, "return T.text()").startswith("# header\n" + SAMPLE_HEAD)
