"""``:Poe compare`` in real Neovim 0.11.4 against the real server and the fake Poe:
the answers side by side, one window per bot, and using one of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pynvim

import test_neovim
from test_neovim import SAMPLE, Start, lua, open_sample

start = test_neovim.start
sample = test_neovim.sample

BOTS = ["FencedCodeBot", "ExplainBot", "ReplaceBot"]
TIDY = "def add(a, b):\n    return a + b"
SUM = "def add(a, b):\n    return sum((a, b))"
FENCED = f"Here is the rewritten code:\n\n```python\n{TIDY}\n```\n\nThe behaviour is unchanged.\n"
"""FencedCodeBot's whole answer: prose and a fenced block."""
OPTIONS: dict[str, Any] = {
    "allowedBots": BOTS,
    "compare": {"bots": BOTS},
    "botParameters": {
        "FencedCodeBot": {"answer": TIDY},
        "ExplainBot": {"answer": SUM},
        "ReplaceBot": {"answer": "def add(a, b):\n    return b + a"},
    },
}

WINDOWS = """
local compare_tab = vim.api.nvim_get_current_tabpage()
local found = {}
for _, win in ipairs(vim.api.nvim_tabpage_list_wins(compare_tab)) do
  local buf = vim.api.nvim_win_get_buf(win)
  table.insert(found, {
    position = vim.api.nvim_win_get_position(win),
    width = vim.api.nvim_win_get_width(win),
    text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\\n'),
    winbar = vim.wo[win].winbar,
    name = vim.api.nvim_buf_get_name(buf),
  })
end
table.sort(found, function(a, b) return a.position[2] < b.position[2] end)
return found
"""


SOURCE_TEXT = """
local lines = vim.api.nvim_buf_get_lines(vim.fn.bufnr('sample.py'), 0, -1, false)
return table.concat(lines, '\\n') .. '\\n'
"""
"""The sample's buffer text, wherever the cursor is."""


def source_text(nvim: pynvim.Nvim) -> str:
    return str(lua(nvim, SOURCE_TEXT))


def windows(nvim: pynvim.Nvim) -> list[dict[str, Any]]:
    """The compare tab's windows, left to right."""
    return list(lua(nvim, WINDOWS))


def compared(start: Start, sample: Path, command: str) -> pynvim.Nvim:
    nvim = start(OPTIONS)
    open_sample(nvim, sample)
    lua(nvim, "vim.o.columns = 150")
    lua(nvim, f"vim.cmd('{command}')")
    for n in (1, 2, 3):
        assert lua(nvim, f"return T.wait_done({n}).status") == "done"
    # Each window has shown its job's last word.
    lua(nvim, "T.wait(5000, function() return vim.wo.winbar:find('done') ~= nil end, 'winbar')")
    return nvim


def test_compare_shows_each_answer_side_by_side(start: Start, sample: Path) -> None:
    nvim = compared(start, sample, "1,2Poe compare")
    assert lua(nvim, "return #vim.api.nvim_list_tabpages()") == 2
    found = windows(nvim)
    assert [w["text"] for w in found] == [FENCED, SUM, "def add(a, b):\n    return b + a"]
    # Side by side: one row, left to right, in the order of compare.bots.
    assert len({w["position"][0] for w in found}) == 1
    assert all(w["width"] >= 40 for w in found)
    for window, bot in zip(found, BOTS, strict=True):
        assert window["winbar"].startswith(f" {bot} · ")
        # The points join the bar once Poe's usage history shows them.
        assert re.search(r" s · done( · \d+ points)?$", window["winbar"]), window["winbar"]
    done = lua(nvim, "return T.events.done")
    assert len({d["compareId"] for d in done}) == 1
    assert {d["bot"] for d in done} == set(BOTS)
    # q closes the compare and its scratch buffers.
    lua(nvim, "T.keys('q')")
    assert lua(nvim, "return #vim.api.nvim_list_tabpages()") == 1


def test_using_one_refactor_answer_writes_it_and_drops_the_others(
    start: Start, sample: Path
) -> None:
    nvim = compared(start, sample, "1,2Poe! compare")
    found = windows(nvim)
    bars = [w["winbar"] for w in found]
    assert all(re.search(r" s · done( · \d+ points)? · <CR> use this$", b) for b in bars), bars
    assert source_text(nvim) == SAMPLE, "nothing is written before a choice"
    # Go to ExplainBot's window (the second) and use its answer.
    lua(nvim, "vim.cmd('2wincmd w')")
    assert "ExplainBot" in lua(nvim, "return vim.api.nvim_buf_get_name(0)")
    lua(nvim, "T.keys('\\r')")
    lua(nvim, "T.wait(10000, function() return #vim.api.nvim_list_tabpages() == 1 end, 'close')")
    expected = SUM + "\n" + SAMPLE.split("\n", 2)[2]
    assert lua(nvim, "return T.text()") == expected, "back in the sample, the answer written"
    # The other answers were rejected: no proposal is left to accept.
    lua(nvim, "T.wait_hunks(0)")
    notes = [n["msg"] for n in lua(nvim, "return T.events.notify")]
    assert "Used the answer of ExplainBot." in notes


def test_compare_without_bots_says_how_to_name_them(start: Start, sample: Path) -> None:
    nvim = start({"allowedBots": BOTS})
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,2Poe compare ExplainBot')")
    notes = [n["msg"] for n in lua(nvim, "return T.events.notify")]
    assert notes == ["Name 2 to 4 bots (:Poe compare GPT-5 Claude-Sonnet-4.5) or set compare.bots."]
    assert lua(nvim, "return #vim.api.nvim_list_tabpages()") == 1
