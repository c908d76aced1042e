"""Emacs 28 with lsp-mode 8.0 (Debian), in batch mode, against the real server
and a fake Poe, with the README's own lsp-mode snippet.

lsp-mode did not ask for ``poe/*`` and warns (a ``*Warnings*`` window when
interactive) about every notification it does not know: the server sends it
standard LSP only.  The scenarios pick from the code-action menu as a user
does (``M-x lsp-execute-code-action``, the menu's ``completing-read`` answered
with the wanted title), read the explanation where lsp-mode shows it, and
wait on the job's progress and ``poe/status``.  Installed by
``scripts/install-editors.sh``; these tests never skip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_emacs import SAMPLE, run_emacs

# The progress end says the outcome, and the job's points once Poe's usage
# history shows them within the server's short wait (the fake charges 7).
DONE_ENDS = (["done"], ["done · 7 points"])


def assert_ended_done(ends: list[str]) -> None:
    """One progress, ended done (with its cost when it was known in time)."""
    assert ends in DONE_ENDS, ends


SNIPPET = "**Emacs (lsp-mode).**"
LONG = (
    "## What `add` does\n\n"
    "It adds **a** and **b** and returns the total.\n\n"
    "- No side effects.\n- Works for any two numbers."
)


def run_lsp_mode(
    script: str, tmp_path: Path, fake_poe_url: str, bot: str, parameters: dict[str, Any]
) -> dict[str, Any]:
    data = run_emacs(
        script,
        tmp_path,
        fake_poe_url,
        bot,
        parameters,
        helper="lsp-mode-test.el",
        snippet_heading=SNIPPET,
    )
    # Nothing lsp-mode did not understand: no "Unknown notification: poe/stream".
    assert data["warnings"] == [], data["warnings"]
    assert "Unknown notification" not in data["messages"]
    assert data["running"] == 0
    return data


def test_lsp_mode_refactor_from_the_menu_is_accepted_into_exactly_the_region(
    tmp_path: Path, fake_poe_url: str
) -> None:
    data = run_lsp_mode(
        "lsp-mode-refactor.el",
        tmp_path,
        fake_poe_url,
        "FencedCodeBot",
        {"answer": "return a + b"},
    )
    asked, accepted = data["offered"]
    assert asked == [
        "Explain with FencedCodeBot",
        "Refactor with FencedCodeBot",
        "Document with FencedCodeBot",
    ]
    assert any(title.startswith("Accept all") for title in accepted), accepted
    # The refactor proposed (review, the default) and wrote nothing ...
    assert data["before"] == data["proposed"] == SAMPLE
    assert "FencedCodeBot proposes" in data["messages"]
    # ... until its "Accept all" code action put the code into exactly the range.
    assert data["text"] == "def add(a, b):\n    return a + b\n"
    assert_ended_done(data["progressEnds"])


def test_lsp_mode_long_explanation_is_announced_and_read_on_hover(
    tmp_path: Path, fake_poe_url: str
) -> None:
    data = run_lsp_mode(
        "lsp-mode-explain.el", tmp_path, fake_poe_url, "ExplainBot", {"answer": LONG}
    )
    assert_ended_done(data["progressEnds"])
    # The echo area gets one line that says where to read it, not the text.
    announced = [line for line in data["messages"].splitlines() if "ExplainBot" in line]
    assert len(announced) == 1 and "hover over the selection" in announced[0], announced
    assert "Works for any two numbers" not in data["messages"]
    # lsp-describe-thing-at-point shows it whole, rendered from Markdown.
    hover = data["hover"]
    assert "What add does" in hover.replace("`", "")
    assert "It adds a and b and returns the total." in hover.replace("*", "")
    assert "Works for any two numbers." in hover
