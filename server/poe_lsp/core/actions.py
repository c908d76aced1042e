"""The built-in actions and how they are named: one list, one set of titles.

The settings, the prompt templates, the command line, the code actions and
the progress titles all take their action names and words from here.
"""

from __future__ import annotations

from typing import Literal

Action = Literal["explain", "refactor", "document", "fix", "ask"]

ACTIONS: tuple[Action, ...] = ("explain", "refactor", "document", "fix", "ask")
"""Every built-in action, in the order menus list them."""

EDIT_ACTIONS: frozenset[str] = frozenset({"refactor", "document", "fix"})
"""Actions whose answer becomes an edit (``ask`` does when ``output`` is ``edit``)."""

TITLES: dict[str, str] = {
    "explain": "Explain",
    "refactor": "Refactor",
    "document": "Document",
    "fix": "Fix",
    "ask": "Ask",
}
"""The word a menu, a progress title or a message uses for each action."""


def action_title(action: str, bot: str) -> str:
    """A code action's title: ``Explain with GPT-5``."""
    return f"{TITLES[action]} with {bot}"


def job_title(action: str, bot: str) -> str:
    """A job's progress title: ``Poe · Explain · GPT-5``."""
    return f"Poe · {TITLES[action]} · {bot}"
