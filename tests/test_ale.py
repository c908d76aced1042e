"""Vim 9 with ALE 3.3 (Debian), headless, against the real server and a fake
Poe, with the README's own ALE snippet.

ALE declares no ``workspace.applyEdit``, drops error responses and shows a
server's messages only at or above ``g:ale_lsp_show_message_severity``.  The
scenarios (``tests/vim/``) run ``vim -N -u NONE -i NONE -es -S scenario.vim``:
they load ALE with ``packadd``, source the README snippet, pick from
``:ALECodeAction``'s menu through ``ale#util#Input`` (answered with the
wanted entry's number, as a user types it), and read what ALE echoed and put
in its preview window.  Installed by ``scripts/install-editors.sh``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from real_editors import Snippet, scenario_env

VIM_DIR = Path(__file__).parent / "vim"
KEY = "ale-test-key-0123456789-secret"

SAMPLE = """\
def total(prices):
    t = 0
    for p in prices:
        t = t + p
    return t
"""
SNIPPET = Snippet("**Vim (ALE).**", "vim", "total.py", SAMPLE, KEY)
LONG = (
    "## What `total` does\n\n"
    "It adds up the prices with an explicit loop.\n\n"
    "- `t` starts at zero.\n- `sum(prices)` would do the same."
)


def run_vim(
    scenario: str, tmp_path: Path, fake_poe_url: str, bot: str, parameters: dict[str, Any]
) -> dict[str, Any]:
    """Run ``tests/vim/<scenario>`` in a headless Vim and return its JSON result."""
    vim = shutil.which("vim")
    assert vim, "vim is missing: run scripts/install-editors.sh"
    log = tmp_path / "poe-lsp.log"
    env = scenario_env(SNIPPET, tmp_path, fake_poe_url, bot, parameters, POE_TEST_LOG=str(log))
    result = Path(env["POE_TEST_RESULT"])
    proc = subprocess.run(
        [vim, "-N", "-u", "NONE", "-i", "NONE", "-es", "-S", str(VIM_DIR / scenario)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    error = result.with_suffix(".json.error")
    assert not error.exists(), error.read_text(encoding="utf-8")
    assert proc.returncode == 0 and result.exists(), (proc.stdout + proc.stderr)[-3000:]
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    logged = log.read_text(encoding="utf-8")
    assert KEY not in json.dumps(data) and KEY not in logged
    assert "Traceback" not in logged, logged[-3000:]
    assert data["running"] == 0
    assert data["errors"] == "", data["errors"]  # no Vim error along the way
    return data


def menu_titles(menu: str) -> list[str]:
    """The entries of one ``:ALECodeAction`` menu."""
    return [line.split(") ", 1)[1] for line in menu.splitlines() if ") " in line]


def test_ale_offers_every_action_and_shows_the_explanation_on_hover(
    tmp_path: Path, fake_poe_url: str
) -> None:
    data = run_vim("ale-explain.vim", tmp_path, fake_poe_url, "ExplainBot", {"answer": LONG})
    # No workspace.applyEdit: edits come as review proposals, so every action is offered.
    (titles,) = [menu_titles(menu) for menu in data["menus"]]
    assert titles[:2] == ["Explain with ExplainBot", "Refactor with ExplainBot"], titles
    # One short line on the command line says where to read it ...
    announced = data["announced"]["echoed"] + data["announced"]["preview"]
    assert "ExplainBot's explanation: hover over the selection to read it." in announced
    assert "sum(prices)" not in announced
    # ... and :ALEHover shows it whole in the preview window.
    hover = data["preview"]
    assert "It adds up the prices with an explicit loop." in hover
    assert "would do the same." in hover
    assert data["text"] == SAMPLE


def test_ale_refactor_is_accepted_from_the_code_action_menu(
    tmp_path: Path, fake_poe_url: str
) -> None:
    data = run_vim(
        "ale-refactor.vim",
        tmp_path,
        fake_poe_url,
        "FencedCodeBot",
        {"answer": "    return sum(prices)"},
    )
    titles = menu_titles(data["menus"][-1])
    assert any(title.startswith("Accept all") for title in titles), titles
    # The proposal was announced where ALE shows messages, then accepted.
    assert "FencedCodeBot proposes" in data["echoed"] + data["preview"]
    assert data["text"] == "def total(prices):\n    return sum(prices)\n"
