"""Review proposals in the Neovim plugin, in real Neovim 0.11.4 against the real
server and the fake Poe (``edits.mode`` left at its default, ``review``).

The refactor below proposes three hunks for the sample: lines 2-3 become one
line, line 6 changes, and a line is inserted before line 8.  Every expected
line, mark and text is written out here, not taken from the plugin.
"""

from __future__ import annotations

from pathlib import Path

import pynvim

import test_neovim
from test_neovim import SAMPLE, Start, lua, open_sample

# test_neovim's fixtures, used here by name: Neovim with the plugin, the fake
# Poe, and the sample file.
start = test_neovim.start
sample = test_neovim.sample

REVIEWED = """\
def add(a, b):
    return a + b


def greet(name: str) -> str:
    x = "héllo" + nämé  # ü
    # A friendly greeting.
    return x"""
"""The bot's rewrite of lines 1-8 of SAMPLE."""

LINES = SAMPLE.splitlines(keepends=True)
ADDED_A = "    return a + b"
ADDED_B = "def greet(name: str) -> str:"
ADDED_C = "    # A friendly greeting."
ONLY_B = "".join([*LINES[:5], ADDED_B + "\n", *LINES[6:]])
ALL = REVIEWED + "\n"
MINE = "    # mine\n"
"""The user's own change before the refactor (Python's indent keeps the one above)."""

INLINE_ALL = [
    # Hunk A: lines 2-3 removed, the new line under them.
    {"removed": [2, 3], "hl": "PoeRemoved", "eol": True},
    {"added": [ADDED_A], "hl": ["PoeAdded"], "at": 3, "above": False},
    # Hunk B: line 6 replaced.
    {"removed": [6, 6], "hl": "PoeRemoved", "eol": True},
    {"added": [ADDED_B], "hl": ["PoeAdded"], "at": 6, "above": False},
    # Hunk C: a new line above line 8, nothing removed.
    {"added": [ADDED_C], "hl": ["PoeAdded"], "at": 8, "above": True},
]


def proposed(start: Start, sample_path: Path) -> pynvim.Nvim:
    """Neovim with the sample open, a change of the user's at its end, and
    the refactor of lines 1-8 proposed (three hunks)."""
    # `edits.mode` left at its default, review.
    nvim = start(
        {
            "actions": {"refactor": {"bot": "FencedCodeBot"}},
            "botParameters": {"FencedCodeBot": {"answer": REVIEWED}},
        }
    )
    open_sample(nvim, sample_path)
    lua(nvim, "T.keys('Go# mine<Esc>')")
    lua(nvim, "vim.cmd('1,8Poe refactor tidy it')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done", done
    lua(nvim, "T.wait_hunks(3)")
    return nvim


def test_a_reviewed_refactor_is_shown_as_an_inline_diff_and_writes_nothing(
    start: Start, sample: Path
) -> None:
    nvim = proposed(start, sample)

    assert lua(nvim, "return T.text()") == SAMPLE + MINE, "nothing is written"
    assert lua(nvim, "return T.inline()") == INLINE_ALL
    notes = lua(nvim, "return T.wait_notify(1)")
    assert [n["msg"] for n in notes] == [
        "Poe: 3 changes proposed by FencedCodeBot — :Poe accept / :Poe reject"
    ]

    rows, attrs = lua(nvim, "return { T.screen() }")
    shown = [row.rstrip() for row in rows[:12]]
    assert shown == [
        "def add(a, b):",
        "    total = a + b",
        "    return total",
        ADDED_A,
        "",
        "",
        "def greet(name):",
        ADDED_B,
        '    x = "héllo" + nämé  # ü',
        ADDED_C,
        "    return x",
        MINE.rstrip("\n"),
    ]
    plain, removed, added = attrs[0][0], attrs[1][4], attrs[3][4]
    assert len({plain, removed, added}) == 3, "removed and new lines look different"
    assert attrs[6][4] == removed and attrs[7][4] == added and attrs[9][4] == added


def test_accept_and_reject_act_on_the_hunk_under_the_cursor_and_one_undo_takes_it_back(
    start: Start, sample: Path
) -> None:
    nvim = proposed(start, sample)
    before = SAMPLE + MINE

    lua(nvim, "vim.api.nvim_win_set_cursor(0, { 6, 3 })")
    lua(nvim, "vim.cmd('Poe accept')")
    lua(nvim, "T.wait_hunks(2)")
    assert lua(nvim, "return T.text()") == ONLY_B + MINE, "exactly hunk B was applied"
    assert lua(nvim, "return T.inline()") == [INLINE_ALL[0], INLINE_ALL[1], INLINE_ALL[4]]

    lua(nvim, "vim.api.nvim_win_set_cursor(0, { 3, 0 })")
    lua(nvim, "vim.cmd('Poe reject')")
    lua(nvim, "T.wait_hunks(1)")
    assert lua(nvim, "return T.text()") == ONLY_B + MINE, "a rejected hunk leaves the text"
    assert lua(nvim, "return T.inline()") == [INLINE_ALL[4]]

    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == before, "one u takes the accepted change back"
    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == SAMPLE, "the next u is the user's own change"
    assert lua(nvim, "return T.events.edits") == 1, "one workspace/applyEdit for the accept"
    errors = [n for n in lua(nvim, "return T.events.notify") if n["level"] >= 3]
    assert errors == []


def test_two_accepts_without_a_key_between_are_two_undo_steps(start: Start, sample: Path) -> None:
    """Neovim joins changes made between two keys into one undo step: each
    accepted change must still be one of its own (a script accepting hunk
    after hunk, or a mapping doing more than one)."""
    nvim = proposed(start, sample)
    lua(
        nvim,
        "vim.api.nvim_win_set_cursor(0, { 6, 0 }); vim.cmd('Poe accept'); T.wait_hunks(2)\n"
        "vim.api.nvim_win_set_cursor(0, { 2, 0 }); vim.cmd('Poe accept'); T.wait_hunks(1)",
    )
    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == ONLY_B + MINE
    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == SAMPLE + MINE


def test_bang_accepts_every_hunk_as_one_undo_step(start: Start, sample: Path) -> None:
    nvim = proposed(start, sample)

    lua(nvim, "vim.cmd('Poe! accept')")
    lua(nvim, "T.wait_hunks(0)")
    assert lua(nvim, "return T.text()") == ALL + MINE
    assert lua(nvim, "return T.inline()") == []
    assert lua(nvim, "return T.events.edits") == 1

    lua(nvim, "T.keys('u')")
    assert lua(nvim, "return T.text()") == SAMPLE + MINE


def test_bang_rejects_every_hunk_and_leaves_the_text(start: Start, sample: Path) -> None:
    nvim = proposed(start, sample)
    lua(nvim, "vim.cmd('Poe! reject')")
    lua(nvim, "T.wait_hunks(0)")
    assert lua(nvim, "return T.inline()") == []
    assert lua(nvim, "return T.text()") == SAMPLE + MINE
    assert lua(nvim, "return T.events.edits") == 0


def test_accepting_a_hunk_the_user_just_edited_changes_nothing_and_says_so_once(
    start: Start, sample: Path
) -> None:
    nvim = proposed(start, sample)
    # The user types into hunk B's line, and accepts before the server's
    # answer to the edit arrives: the request carries the edit first.
    lua(
        nvim,
        "vim.api.nvim_win_set_cursor(0, { 6, 4 })\n"
        "vim.api.nvim_buf_set_text(0, 5, 4, 5, 9, { 'hello' })\n"
        "vim.cmd('Poe accept')",
    )
    lua(nvim, "T.wait_hunks(2)")
    notes = lua(nvim, "return T.wait_notify(2)")
    errors = [n["msg"] for n in notes if n["level"] == 4]
    assert len(errors) == 1, notes
    assert errors[0].startswith("poe.accept: job "), errors
    assert "has no pending hunk 2" in errors[0]
    # The user's text stays; hunk B is gone, A and C are still shown.
    assert lua(nvim, "return T.text()") == SAMPLE.replace("def greet", "def hello") + MINE
    assert lua(nvim, "return T.inline()") == [INLINE_ALL[0], INLINE_ALL[1], INLINE_ALL[4]]
    assert lua(nvim, "return T.events.edits") == 0


def test_plug_maps_move_between_hunks_and_accept_or_reject_them(start: Start, sample: Path) -> None:
    nvim = proposed(start, sample)
    lua(
        nvim,
        "vim.keymap.set('n', ']p', '<Plug>(poe-next-hunk)')\n"
        "vim.keymap.set('n', '[p', '<Plug>(poe-prev-hunk)')\n"
        "vim.keymap.set('n', '<Space>a', '<Plug>(poe-accept)')\n"
        "vim.keymap.set('n', '<Space>r', '<Plug>(poe-reject)')\n"
        "vim.api.nvim_win_set_cursor(0, { 1, 0 })",
    )

    def line_after(keys: str) -> int:
        lua(nvim, "T.keys(...)", keys)
        return int(lua(nvim, "return vim.api.nvim_win_get_cursor(0)[1]"))

    # Hunks start at lines 2, 6 and 8 (C is shown above line 8).
    assert [line_after("]p") for _ in range(4)] == [2, 6, 8, 2], "wraps with 'wrapscan'"
    assert line_after("[p") == 8
    assert line_after("2[p") == 2
    assert line_after("2]p") == 8

    lua(nvim, "T.keys('<Space>r')")
    lua(nvim, "T.wait_hunks(2)")
    assert lua(nvim, "return T.inline()") == INLINE_ALL[:4]
    assert line_after("[p") == 6
    lua(nvim, "T.keys('<Space>a')")
    lua(nvim, "T.wait_hunks(1)")
    assert lua(nvim, "return T.text()") == ONLY_B + MINE
    assert lua(nvim, "return T.inline()") == INLINE_ALL[:2]


def test_accept_away_from_every_hunk_says_where_they_are_and_sends_nothing(
    start: Start, sample: Path
) -> None:
    nvim = proposed(start, sample)
    lua(nvim, "vim.api.nvim_win_set_cursor(0, { 4, 0 })")
    lua(nvim, "vim.cmd('Poe accept')")
    notes = lua(nvim, "return T.wait_notify(2)")
    assert notes[-1] == {
        "msg": "Poe: no proposed change under the cursor; :Poe! accept acts on all of them.",
        "level": 3,
    }
    assert lua(nvim, "return T.events.edits") == 0
    assert lua(nvim, "return #require('poe').proposals()") == 3


def test_closing_the_buffer_leaves_nothing_behind(start: Start, sample: Path) -> None:
    nvim = proposed(start, sample)
    lua(nvim, "vim.cmd('write')")
    bufnr = lua(nvim, "return vim.api.nvim_get_current_buf()")
    lua(nvim, "vim.cmd('bdelete')")
    assert lua(nvim, "return require('poe').proposals(...)", bufnr) == []
    marks = "return vim.api.nvim_buf_get_extmarks(..., require('poe.inline').ns, 0, -1, {})"
    assert lua(nvim, marks, bufnr) == []
    # Opened again, the file shows no proposal (the server dropped it on close).
    open_sample(nvim, sample)
    lua(nvim, "vim.wait(500)")
    assert lua(nvim, "return T.inline()") == []
    assert lua(nvim, "return require('poe').proposals()") == []
    # Nothing of the old proposal is left to act on.
    shown = lua(nvim, "return #T.events.notify")
    lua(nvim, "vim.cmd('Poe! accept')")
    notes = lua(nvim, "return T.wait_notify(...)", shown + 1)
    assert [n["msg"] for n in notes[shown:]] == ["Poe: no proposed changes in this buffer."]


def test_a_stopped_server_takes_its_proposal_off_the_screen(start: Start, sample: Path) -> None:
    nvim = proposed(start, sample)
    lua(
        nvim,
        "vim.lsp.stop_client(vim.lsp.get_clients({ name = 'poe' }), true)\n"
        "T.wait(5000, function() return #vim.lsp.get_clients({ name = 'poe' }) == 0 end, 'stop')",
    )
    assert lua(nvim, "return T.inline()") == []
    assert lua(nvim, "return require('poe').proposals()") == []
    assert lua(nvim, "return T.text()") == SAMPLE + MINE


def test_fix_leaves_out_the_proposal_hints(start: Start, sample: Path) -> None:
    nvim = proposed(start, sample)
    lua(nvim, "vim.cmd('6Poe fix')")
    notes = lua(nvim, "return T.wait_notify(2, 0)")
    assert notes[-1]["msg"] == "No diagnostics here to fix."


def test_accept_and_reject_complete_on_the_command_line(start: Start, sample: Path) -> None:
    nvim = start({"bot": "ExplainBot"})
    open_sample(nvim, sample)
    assert lua(nvim, "return vim.fn.getcompletion('Poe a', 'cmdline')") == ["accept", "ask"]
    assert lua(nvim, "return vim.fn.getcompletion('Poe! re', 'cmdline')") == [
        "refactor",
        "reject",
    ]
