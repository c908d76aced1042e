"""Error sentences name settings so that the user of any client finds them.

A Neovim user who chose the bot with ``:Poe bot`` has no setting called
``poe.bot``: that is VS Code's name. Every sentence names a setting by the
server's own key (what ``init_options``, ``settings.poe`` and any LSP
client's initialization options use) and gives VS Code's ``poe.`` name only
as a hint, "(VS Code: poe.…)".
"""

from __future__ import annotations

import re

import pytest

from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.prompts import PromptTooLarge

VSCODE_NAME = re.compile(r"\bpoe\.(?!com\b)[a-z]\w*(?:\.\w+)*")
"""A VS Code-style setting name such as ``poe.context.maxChars``."""


def vscode_names_outside_the_hint(sentence: str) -> list[str]:
    """VS Code names that are not inside a "(VS Code: …)" hint."""
    outside = re.sub(r"\(VS Code: [^)]*\)", "", sentence)
    return VSCODE_NAME.findall(outside)


SENTENCES = [
    pytest.param(PoeError(kind, bot="SomeBot", detail="detail").message, id=kind.value)
    for kind in ErrorKind
] + [pytest.param(PromptTooLarge(30_000, 30_500, 24_000).message, id="prompt-too-large")]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_a_setting_is_named_by_its_key_and_vscode_only_in_a_hint(sentence: str) -> None:
    assert vscode_names_outside_the_hint(sentence) == [], sentence
    for hinted in re.findall(r"\(VS Code: poe\.([\w.]+)\)", sentence):
        assert f"the {hinted} setting" in sentence, sentence


def test_an_unknown_bot_says_where_each_client_chooses_bots() -> None:
    sentence = PoeError(ErrorKind.UNKNOWN_BOT, bot="Nope-1").message
    assert sentence.startswith("Poe has no bot named 'Nope-1'.")
    assert "the bot setting" in sentence
    assert "Neovim: :Poe bot" in sentence
    assert "VS Code: Poe: Choose Bot" in sentence


def test_the_sentences_that_name_settings_name_them_all() -> None:
    named = {
        ErrorKind.PROMPT_TOO_LONG: "context.maxChars",
        ErrorKind.ANSWER_TOO_LONG: "answer.maxChars",
        ErrorKind.UPLOAD_FAILED: "context.attachFile",
    }
    for kind, key in named.items():
        sentence = PoeError(kind, bot="SomeBot").message
        assert f"the {key} setting (VS Code: poe.{key})" in sentence, sentence
