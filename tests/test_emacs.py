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
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakepoe import TWO_CHANGES_BEFORE

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EMACS_DIR = Path(__file__).parent / "emacs"
KEY = "emacs-test-key-9876543210-secret"

SAMPLE = """\
def add(a, b):
    total = a + b
    return total
"""


def readme_block(heading: str, language: str) -> str:
    """The first ``language`` code block after the paragraph starting ``heading``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(readme, start)
    assert match, f"no {language} block after {heading!r} in README.md"
    return match.group(1)


@pytest.fixture(scope="module")
def fake_poe_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fakepoe.py")), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def run_emacs(
    script: str,
    tmp_path: Path,
    fake_poe_url: str,
    bot: str,
    parameters: dict[str, Any],
    source: str = SAMPLE,
) -> dict[str, Any]:
    """Run ``tests/emacs/<script>`` in ``emacs --batch`` and return its JSON result."""
    emacs = shutil.which("emacs")
    assert emacs, "emacs is missing: run scripts/install-editors.sh"
    snippet = tmp_path / "readme-snippet.el"
    snippet.write_text(readme_block("**Emacs (eglot).**", "elisp"), encoding="utf-8")
    sample = tmp_path / "sample.py"
    sample.write_text(source, encoding="utf-8")
    result = tmp_path / "result.json"
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "POE_API_KEY": KEY,
        "POE_LSP_BASE_URL": fake_poe_url,
        "POE_TEST_SNIPPET": str(snippet),
        "POE_TEST_FILE": str(sample),
        "POE_TEST_BOT": bot,
        "POE_TEST_PARAMETERS": json.dumps(parameters),
        "POE_TEST_RESULT": str(result),
    }
    proc = subprocess.run(
        [emacs, "--batch", "-l", str(EMACS_DIR / "poe-test.el"), "-l", str(EMACS_DIR / script)],
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


def test_eglot_hover_shows_a_finished_explanation(tmp_path: Path, fake_poe_url: str) -> None:
    answer = "Adds **a** and **b** and returns the total."
    data = run_emacs(
        "explain-hover.el",
        tmp_path,
        fake_poe_url,
        "ExplainBot",
        {"answer": answer, "chunk_size": 9},
    )
    assert data["status"] == "done", data
    assert data["text"] == answer
    # eglot renders the Markdown; the words are what the bot wrote.
    assert "Adds a and b and returns the total." in data["hover"].replace("*", "")
    # Without poe/stream support the finished explanation also arrives as a message.
    assert answer in data["messages"]


def test_helix_snippet_names_the_installed_server_and_known_settings() -> None:
    config = tomllib.loads(readme_block("**Helix**", "toml"))
    server = config["language-server"]["poe-lsp"]
    assert server["command"] == "poe-lsp"
    assert (BIN / "poe-lsp").exists()
    known = {"bot", "actions", "botParameters", "context", "edits", "app", "allowedBots"}
    assert set(server.get("config", {})) <= known
    python = next(lang for lang in config["language"] if lang["name"] == "python")
    assert "poe-lsp" in python["language-servers"]
