"""Plain LSP clients: Emacs 28 with eglot, in batch mode, against the real
server and the fake Poe, using the README's own eglot snippet.

Eglot does not render ``poe/stream``: it gets a refactor as a review
proposal (hints, a message, code actions to accept or reject it), the
progress, and the finished explanation as a message and on hover.  Emacs and eglot are
installed by ``scripts/install-editors.sh`` (called by ``scripts/test.sh``);
these tests never skip.  Helix cannot be installed on this machine (no
Debian 12 package, no PyPI wheel): its README snippet is checked for what it
names, not run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from real_editors import BIN, Snippet, readme_block, scenario_env

from fakepoe import TWO_CHANGES_BEFORE

EMACS_DIR = Path(__file__).parent / "emacs"
KEY = "emacs-test-key-9876543210-secret"

SAMPLE = """\
def add(a, b):
    total = a + b
    return total
"""


def run_emacs(
    script: str,
    tmp_path: Path,
    fake_poe_url: str,
    bot: str,
    parameters: dict[str, Any],
    *,
    helper: str = "poe-test.el",
    snippet_heading: str = "**Emacs (eglot).**",
    source: str = SAMPLE,
) -> dict[str, Any]:
    """Run ``tests/emacs/<script>`` after ``helper`` in ``emacs --batch``, with the
    README's elisp block after ``snippet_heading``, and return its JSON result."""
    emacs = shutil.which("emacs")
    assert emacs, "emacs is missing: run scripts/install-editors.sh"
    snippet = Snippet(snippet_heading, "elisp", "sample.py", source, KEY)
    env = scenario_env(snippet, tmp_path, fake_poe_url, bot, parameters)
    result = Path(env["POE_TEST_RESULT"])
    proc = subprocess.run(
        [emacs, "--batch", "-l", str(EMACS_DIR / helper), "-l", str(EMACS_DIR / script)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert result.exists(), proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    assert KEY not in proc.stderr and KEY not in json.dumps(data)
    return data


def test_eglot_refactor_is_a_proposal_accepted_through_a_code_action(
    tmp_path: Path, fake_poe_url: str
) -> None:
    data = run_emacs(
        "refactor.el", tmp_path, fake_poe_url, "FencedCodeBot", {"answer": "return a + b"}
    )
    assert data["before"] == SAMPLE
    assert data["proposed"] == SAMPLE, "review mode writes nothing before the accept"
    assert data["text"] == "def add(a, b):\n    return a + b\n"
    assert "FencedCodeBot proposes a change to sample.py" in data["messages"]


def test_eglot_accepts_one_hunk_and_rejects_the_other(tmp_path: Path, fake_poe_url: str) -> None:
    data = run_emacs(
        "review.el", tmp_path, fake_poe_url, "TwoChangesBot", {}, source=TWO_CHANGES_BEFORE
    )
    assert data["offered"][:4] == [
        "Accept change from TwoChangesBot: replace 1 line with 2",
        "Reject change from TwoChangesBot: replace 1 line with 2",
        "Accept all changes from TwoChangesBot",
        "Reject all changes from TwoChangesBot",
    ]
    # Only the accepted hunk (line 5 became two lines); line 1 is as it was.
    assert data["text"] == TWO_CHANGES_BEFORE.replace(
        "        result = result + p\n", "        # Add each price.\n        result += p\n"
    )
    assert "TwoChangesBot proposes 2 changes to sample.py" in data["messages"]


def test_eglot_code_action_documents_the_function_at_point(
    tmp_path: Path, fake_poe_url: str
) -> None:
    data = run_emacs(
        "document.el", tmp_path, fake_poe_url, "FencedCodeBot", {"answer": "Add two numbers."}
    )
    assert data["running"] == 0, data
    assert data["before"] == data["proposed"] == SAMPLE, "nothing written before the accept"
    assert data["text"] == SAMPLE.replace(
        "def add(a, b):\n", 'def add(a, b):\n    """Add two numbers."""\n'
    )


def test_eglot_hover_shows_a_finished_explanation(tmp_path: Path, fake_poe_url: str) -> None:
    answer = "Adds **a** and **b** and returns the total."
    data = run_emacs(
        "explain-hover.el",
        tmp_path,
        fake_poe_url,
        "ExplainBot",
        {"answer": answer, "chunk_size": 9},
    )
    assert data["running"] == 0, data
    # eglot renders the Markdown; the words are what the bot wrote.
    assert "Adds a and b and returns the total." in data["hover"].replace("*", "")
    # Without poe/stream support a short explanation also arrives as the message.
    assert f"ExplainBot: {answer}" in data["messages"]


def test_helix_snippet_names_the_installed_server_and_known_settings() -> None:
    config = tomllib.loads(readme_block("**Helix**", "toml"))
    server = config["language-server"]["poe-lsp"]
    assert server["command"] == "poe-lsp"
    assert (BIN / "poe-lsp").exists()
    known = {"bot", "actions", "botParameters", "context", "edits", "app", "allowedBots"}
    assert set(server.get("config", {})) <= known
    python = next(lang for lang in config["language"] if lang["name"] == "python")
    assert "poe-lsp" in python["language-servers"]
