"""The Neovim plugin's workspace context (README "Workspace context"), in real
Neovim 0.11.4: before a job on a selection it asks the buffer's other language
servers where the names the selection calls are defined, and sends those
definitions in the job's ``context`` argument.

The other server is ``tests/defserver.py`` (a real pygls server on stdio that
knows where ``area`` is defined). The server's own index is off
(``context.workspace: false``), so a definition in the prompt can only have
come from the plugin. The bot is the fake Poe's EchoBot: the answer is the
prompt the bot received.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pynvim
import pytest

from test_neovim import Start, lua, start  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

GEOMETRY = '''import math


def area(w, h):
    """Area of a w by h rectangle, from the geometry module."""
    return w * h


def circle(r):
    return math.pi * r * r
'''
MAIN = """from utils.geometry import area


def report(w, h):
    total = len("€€€") * area(w, h)
    return total
"""
"""Multi-byte characters before ``area(``: its byte column is past the name in the
other server's utf-16 columns, so only a converted position finds it."""
DEFINITION = 'def area(w, h):\n    """Area of a w by h rectangle, from the geometry module."""'
OPTIONS: dict[str, Any] = {
    "actions": {"explain": {"bot": "EchoBot"}},
    "context": {"workspace": False},
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """main.py calls ``area``, defined in utils/geometry.py (a .git marker sets the root)."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "utils").mkdir()
    (root / "utils" / "geometry.py").write_text(GEOMETRY, encoding="utf-8")
    (root / "main.py").write_text(MAIN, encoding="utf-8")
    return root


def open_main(nvim: pynvim.Nvim, project: Path, *defserver_args: str) -> None:
    """Open main.py with poe-lsp and, given arguments, the definition server attached."""
    lua(nvim, "T.open(...)", str(project / "main.py"))
    if not defserver_args:
        return
    cmd = [sys.executable, str(ROOT / "tests" / "defserver.py"), *defserver_args]
    encoding = lua(
        nvim,
        "local cmd, root = ...\n"
        "local before = T.events.attached\n"
        # Offered utf-16 only, as pyright speaks: columns differ from poe-lsp's utf-8.
        "local caps = vim.lsp.protocol.make_client_capabilities()\n"
        "caps.general.positionEncodings = { 'utf-16' }\n"
        "vim.lsp.start({ name = 'defs', cmd = cmd, root_dir = root, capabilities = caps })\n"
        "T.wait(15000, function() return T.events.attached > before end, 'defs to attach')\n"
        "return vim.lsp.get_clients({ name = 'defs' })[1].offset_encoding",
        cmd,
        str(project),
    )
    assert encoding == "utf-16"


def explain_report(nvim: pynvim.Nvim) -> str:
    """``:Poe explain`` lines 4-6 (``report``, which calls ``area``); the prompt sent."""
    lua(nvim, "vim.cmd('4,6Poe explain')")
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done", done
    assert 'total = len("€€€") * area(w, h)' in done["text"]
    assert lua(nvim, "return T.events.notify") == []
    return str(done["text"])


def test_explain_sends_the_definition_another_server_gives(start: Start, project: Path) -> None:  # noqa: F811
    nvim = start(OPTIONS)
    open_main(nvim, project, "area", str(project / "utils" / "geometry.py"))

    prompt = explain_report(nvim)

    # The server widened the name's range to the whole definition, and said where it is from.
    assert "From utils/geometry.py, lines 4–6:" in prompt
    assert DEFINITION + "\n    return w * h" in prompt
    assert "def circle" not in prompt


def test_poe_context_false_sends_no_definition(start: Start, project: Path) -> None:  # noqa: F811
    nvim = start(OPTIONS)
    open_main(nvim, project, "area", str(project / "utils" / "geometry.py"))
    lua(nvim, "vim.g.poe_context = false")

    prompt = explain_report(nvim)

    assert "Area of a w by h rectangle" not in prompt
    assert "utils/geometry.py" not in prompt


def test_without_another_server_the_command_is_sent_at_once(start: Start, project: Path) -> None:  # noqa: F811
    nvim = start(OPTIONS)
    open_main(nvim, project)

    # Within one Lua call no scheduled callback or timer runs (so gathering could
    # not have finished if it waited): the command was sent when `LspRequest`
    # said so before `:Poe explain` returned.
    pending = lua(
        nvim,
        "local sent = {}\n"
        "vim.api.nvim_create_autocmd('LspRequest', { callback = function(args)\n"
        "  local r = args.data.request\n"
        "  if r.type == 'pending' then table.insert(sent, r.method) end\n"
        "end })\n"
        "vim.cmd('4,6Poe explain')\n"
        "return sent",
    )
    assert pending == ["workspace/executeCommand"]
    done = lua(nvim, "return T.wait_done(1)")
    assert done["status"] == "done", done
    assert "Area of a w by h rectangle" not in done["text"]
    assert lua(nvim, "return T.events.notify") == []


def test_a_server_that_never_answers_does_not_hold_the_job(start: Start, project: Path) -> None:  # noqa: F811
    nvim = start(OPTIONS)
    open_main(nvim, project, "area", str(project / "utils" / "geometry.py"), "--hang")

    prompt = explain_report(nvim)

    assert "Area of a w by h rectangle" not in prompt


def test_a_definition_outside_the_workspace_is_not_sent(
    start: Start,  # noqa: F811
    project: Path,
    tmp_path: Path,
) -> None:
    # What pyright answers for a library function: a file outside the workspace
    # folders, which the server refuses to read (and would refuse the job for).
    library = tmp_path / "site-packages" / "geometry.py"
    library.parent.mkdir()
    library.write_text(GEOMETRY, encoding="utf-8")
    nvim = start(OPTIONS)
    open_main(nvim, project, "area", str(library))

    prompt = explain_report(nvim)

    assert "Area of a w by h rectangle" not in prompt
