"""Render the Neovim plugin's inline review diff to docs/neovim-review.png.

Real Neovim in a real terminal (tmux), the real server and the fake Poe: the
script opens a sample file, runs ``:Poe refactor`` in review mode, waits for
the proposal, captures the terminal with its colours (``tmux capture-pane
-e``), turns the ANSI text into HTML and has Chromium take the picture.

    python scripts/neovim-screenshot.py [OUT.png]

Needs tmux, chromium and the venv's nvim (scripts/install-editors.sh).
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLUMNS, LINES = 92, 26
SESSION = f"poe-shot-{os.getpid()}"

SAMPLE = '''\
import math


def total(prices):
    """Sum the prices."""
    result = 0
    for p in prices:
        result = result + p
    return result


def area(r):
    return math.pi * r ** 2
'''
ANSWER = '''\
def total(prices: list[float]) -> float:
    """Sum the prices."""
    result = 0.0
    for p in prices:
        # Skip refunds: they are booked elsewhere.
        if p > 0:
            result += p
    return result'''

INIT = """\
vim.opt.rtp:prepend(%(plugin)s)
vim.cmd.runtime('plugin/poe.lua')
vim.o.termguicolors = true
vim.o.number = true
vim.o.swapfile = false
vim.o.laststatus = 2
vim.o.shortmess = vim.o.shortmess .. 'IF'
vim.cmd('filetype plugin indent on')
vim.cmd('syntax on')
require('poe').setup({ progress = false, server = { init_options = %(options)s } })
vim.lsp.enable('poe')
vim.o.statusline = ' %%t%%=%%{get(g:, "poe_attached", 0) ? "[poe-lsp] " : ""}'
vim.api.nvim_create_autocmd('LspAttach', {
  callback = function()
    vim.g.poe_attached = 1
    vim.cmd.redrawstatus()
  end,
})
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string here (ASCII)


def lua_table(value: object) -> str:
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"[{lua_string(k)}] = {lua_table(v)}" for k, v in value.items()) + "}"
        )
    return lua_string(str(value))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def wait_for(needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", SESSION)
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {needle!r}; the screen:\n{screen}")


# -- ANSI (SGR) to HTML ----------------------------------------------------------------

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
PALETTE = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]  # fmt: skip
FG, BG = "#e0e2ea", "#14161b"  # Neovim's default colour scheme (NvimLightGrey2 on NvimDarkGrey2)


def xterm(n: int) -> str:
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        r, g, b = n // 36, n // 6 % 6, n % 6
        return "#" + "".join(f"{0 if c == 0 else 55 + 40 * c:02x}" for c in (r, g, b))
    level = 8 + 10 * (n - 232)
    return f"#{level:02x}{level:02x}{level:02x}"


def to_html(ansi: str) -> str:
    state: dict[str, object] = {}
    out: list[str] = []
    for line in ansi.rstrip("\n").split("\n"):
        pos = 0
        for match in [*SGR.finditer(line), None]:
            text = line[pos : match.start() if match else len(line)]
            if text:
                fg, bg = state.get("fg", FG), state.get("bg", BG)
                if state.get("reverse"):
                    fg, bg = bg, fg
                style = f"color:{fg};background:{bg}"
                style += ";font-weight:bold" if state.get("bold") else ""
                style += ";font-style:italic" if state.get("italic") else ""
                style += ";text-decoration:underline" if state.get("underline") else ""
                out.append(f'<span style="{style}">{html.escape(text)}</span>')
            if match is None:
                break
            pos = match.end()
            codes = [int(c or 0) for c in re.split("[;:]", match.group(1) or "0")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    state.clear()
                elif c in (1, 3, 4, 7):
                    state[{1: "bold", 3: "italic", 4: "underline", 7: "reverse"}[c]] = True
                elif c in (22, 23, 24, 27):
                    state.pop({22: "bold", 23: "italic", 24: "underline", 27: "reverse"}[c], None)
                elif c in (38, 48) and codes[i + 1 : i + 2] == [2]:
                    r, g, b = codes[i + 2 : i + 5]
                    state["fg" if c == 38 else "bg"] = f"#{r:02x}{g:02x}{b:02x}"
                    i += 4
                elif c in (38, 48) and codes[i + 1 : i + 2] == [5]:
                    state["fg" if c == 38 else "bg"] = xterm(codes[i + 2])
                    i += 2
                elif c in (39, 49):
                    state.pop("fg" if c == 39 else "bg", None)
                elif 30 <= c <= 37 or 90 <= c <= 97:
                    state["fg"] = PALETTE[c - 30 if c < 90 else c - 82]
                elif 40 <= c <= 47 or 100 <= c <= 107:
                    state["bg"] = PALETTE[c - 40 if c < 100 else c - 92]
                i += 1
        out.append("\n")
    body = "".join(out)
    return (
        "<!doctype html><meta charset=utf-8><style>"
        f"body{{margin:0;background:{BG}}}"
        "pre{margin:0;padding:12px;font:15px/20px 'DejaVu Sans Mono',monospace}"
        # Backgrounds fill whole rows, as in the terminal.
        "span{display:inline-block;height:20px;vertical-align:top}"
        f"</style><pre>{body}</pre>"
    )


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "neovim-review.png"
    fake = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakepoe.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        try:
            assert fake.stdout is not None
            url = fake.stdout.readline().strip()
            work = Path(tmp)
            (work / "project" / ".git").mkdir(parents=True)
            source = work / "project" / "shop.py"
            source.write_text(SAMPLE, encoding="utf-8")
            options = {
                "actions": {"refactor": {"bot": "FencedCodeBot"}},
                "botParameters": {"FencedCodeBot": {"answer": ANSWER}},
            }
            init = work / "init.lua"
            init.write_text(
                INIT
                % {
                    "plugin": lua_string(str(ROOT / "clients" / "neovim")),
                    "options": lua_table(options),
                },
                encoding="utf-8",
            )
            env = {
                **{f"XDG_{d.upper()}_HOME": str(work / d) for d in ("config", "data", "state")},
                "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                "POE_LSP_BASE_URL": url,
                "POE_API_KEY": "screenshot-key",
                "TERM": "xterm-256color",
                "COLORTERM": "truecolor",
            }
            # The shell tmux starts may reset PATH: hand the environment to `env`.
            command = shlex.join(
                [
                    "env",
                    *(f"{k}={v}" for k, v in env.items()),
                    str(BIN / "nvim"),
                    "-u",
                    str(init),
                    "-i",
                    "NONE",
                    str(source),
                ]
            )
            tmux("new-session", "-d", "-s", SESSION, "-x", str(COLUMNS), "-y", str(LINES), command)
            wait_for("[poe-lsp]")
            tmux("send-keys", "-t", SESSION, ":4,9Poe refactor skip refunds", "Enter")
            wait_for("changes proposed by")
            tmux("send-keys", "-t", SESSION, "8G")
            time.sleep(0.5)
            ansi = tmux("capture-pane", "-e", "-p", "-N", "-t", SESSION)
            page = work / "screen.html"
            page.write_text(to_html(ansi), encoding="utf-8")
            width, height = COLUMNS * 9 + 24, LINES * 20 + 24
            subprocess.run(
                [
                    shutil.which("chromium") or "chromium",
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--user-data-dir={work / 'chromium'}",
                    f"--window-size={width},{height}",
                    f"--screenshot={out}",
                    page.as_uri(),
                ],
                check=True,
                capture_output=True,
            )
            print(out)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
            fake.terminate()
            fake.wait(timeout=10)


if __name__ == "__main__":
    main()
