"""User-defined actions in real Neovim 0.11.4: ``:Poe <name>`` runs one, and
``:Poe`` completes their names (see tests/test_neovim.py for the set-up)."""

from __future__ import annotations

from pathlib import Path

from test_neovim import Start, lua, open_sample, sample, start  # noqa: F401 (fixtures)

FIRST_LINES = "def add(a, b):\n    total = a + b\n"
NEW_LINE = "def add(a: int, b: int) -> int:"


def user_actions(tmp_path: Path) -> Path:
    """The user's actions folder of the Neovim under test (its XDG_CONFIG_HOME)."""
    folder = tmp_path / "xdg" / "config" / "poe-lsp" / "actions"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_poe_name_runs_an_explain_action_into_the_float(
    start: Start,  # noqa: F811
    sample: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    (user_actions(tmp_path) / "eli5.md").write_text(
        "---\ntitle: Explain simply\nbot: EchoBot\noutput: explain\n---\n"
        "Simply: {selection}({instruction})\n",
        encoding="utf-8",
    )
    nvim = start({})
    open_sample(nvim, sample)
    assert "eli5" in lua(nvim, "return vim.fn.getcompletion('Poe el', 'cmdline')")
    lua(nvim, "vim.cmd('1,2Poe eli5 keep it short')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done", done
    assert done["text"] == f"Simply: {FIRST_LINES}(keep it short)"
    float_ = lua(nvim, "return T.float()")
    assert float_["text"] == done["text"]
    assert "Explain simply" in float_["title"]


def test_poe_name_runs_an_edit_action_on_the_range(
    start: Start,  # noqa: F811
    sample: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    (user_actions(tmp_path) / "typed.md").write_text(
        "---\ntitle: Add types\nbot: FencedCodeBot\noutput: edit\n"
        f'parameters:\n  answer: "{NEW_LINE}"\n---\nAdd types to {{selection}}\n',
        encoding="utf-8",
    )
    nvim = start({"edits": {"mode": "stream"}})
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1Poe typed')")
    assert lua(nvim, "return T.wait_done(1).status") == "done"
    assert lua(nvim, "return T.text()").splitlines()[0] == NEW_LINE


def test_an_unknown_name_still_shows_the_usage(
    start: Start,  # noqa: F811
    sample: Path,  # noqa: F811
) -> None:
    nvim = start({})
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('Poe nothing-like-this')")
    notes = lua(nvim, "return T.wait_notify(1)")
    assert "Usage: :Poe {" in str(notes)
