"""`:Poe bot` over Poe's catalogue in real Neovim (the pattern of tests/test_neovim.py).

The server lists the fake Poe's ``/v1/models`` (tests/fakepoe_catalogue.py):
the user picks a catalogue bot with ``vim.ui.select`` (stubbed to pick an
entry, as a user would), and the next job runs on it.
"""

from __future__ import annotations

import os
from pathlib import Path

from test_neovim import Start, lua, open_sample, sample, start

__all__ = ["sample", "start"]  # fixtures, used by name

PICK_EXPLAINBOT_AND_ALLOW = """
vim.ui.select = function(items, opts, on_choice)
  if opts.kind == 'lsp_message' then
    T.consent = opts.prompt
    for _, action in ipairs(items) do
      if action.title == 'Allow' then on_choice(action) end
    end
    return
  end
  T.offered = vim.tbl_map(function(i) return opts.format_item(i) end, items)
  T.names = vim.tbl_map(function(i) return i.name end, items)
  for _, item in ipairs(items) do
    if item.name == 'ExplainBot' then on_choice(item) end
  end
end
"""
WAIT_FOR_NAMES = (
    "T.wait(8000, function() return #vim.fn.getcompletion('Poe bot Cl', 'cmdline') > 0 end, "
    "'catalogue names')"
)


def test_a_bot_chosen_from_the_catalogue_answers_the_next_job(
    start: Start, sample: Path, fake_poe_url: str
) -> None:
    os.environ["POE_LSP_OPENAI_BASE_URL"] = f"{fake_poe_url}v1"
    nvim = start({"bot": "FencedCodeBot"})
    open_sample(nvim, sample)
    # The user picks ExplainBot, then allows it when the server asks (a bot the
    # settings do not name needs consent, contract §6).
    lua(nvim, PICK_EXPLAINBOT_AND_ALLOW)
    lua(nvim, "vim.cmd('Poe bot')")
    lua(nvim, "T.wait(8000, function() return vim.g.poe_bot ~= nil end, 'a chosen bot')")
    assert lua(nvim, "return vim.g.poe_bot") == "ExplainBot"
    names = lua(nvim, "return T.names")
    # The configured bot first, then the catalogue; the image-only bot is not offered.
    assert names == [
        "FencedCodeBot",
        "GPT-5",
        "Claude-Sonnet-4.5",
        "ExplainBot",
        "TwoChangesBot",
        "default",
    ]
    offered = lua(nvim, "return T.offered")
    assert offered[0].startswith("FencedCodeBot (explain, refactor, document, fix, ask)")
    assert "Rewrites code and answers it in a fenced block." in offered[0]
    assert offered[2] == (
        "Claude-Sonnet-4.5 · Anthropic — Anthropic's model for agents and code, "
        "with extended thinking."
    )
    lua(nvim, "vim.cmd('1,3Poe explain')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done" and done["bot"] == "ExplainBot"
    assert "ExplainBot" in lua(nvim, "return T.consent")


def test_bot_names_complete_from_the_catalogue(
    start: Start, sample: Path, fake_poe_url: str
) -> None:
    os.environ["POE_LSP_OPENAI_BASE_URL"] = f"{fake_poe_url}v1"
    nvim = start({"bot": "ExplainBot"})
    open_sample(nvim, sample)
    # The first completion asks the server; the plugin keeps the answer.
    lua(nvim, WAIT_FOR_NAMES)
    assert lua(nvim, "return vim.fn.getcompletion('Poe bot Cl', 'cmdline')") == [
        "Claude-Sonnet-4.5"
    ]
    assert lua(nvim, "return vim.fn.getcompletion('Poe bot Ima', 'cmdline')") == []
