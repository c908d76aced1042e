"""The one rule for a bot name, wherever a name enters.

A bot ``X`` is requested at ``<base>X`` with the user's key, so a name is
part of a URL on the user's own endpoint: ``../``, ``?``, ``#``, ``/`` or a
newline in it would reach another path of that host (or another query), and
would show up verbatim in the consent dialog.  Poe's own names are short
words of letters, digits, ``.``, ``-`` and ``_`` (``GPT-5``,
``Claude-Sonnet-4.5``, ``Llama-3.1-405B``), and that is all this rule admits.

Settings, command arguments, the bot list and the Poe clients all ask
:func:`is_bot_name`; the VS Code and Neovim clients check what the user types
against the same pattern (``BOT_NAME_PATTERN``, mirrored there).
"""

from __future__ import annotations

import json
import re

BOT_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
"""A letter or digit, then up to 63 letters, digits, ``.``, ``-`` or ``_``."""

BOT_NAME_RULE = "letters, digits, '.', '-' and '_', starting with a letter or digit, at most 64"
"""The rule in words, for the sentences that refuse a name."""

_BOT_NAME = re.compile(BOT_NAME_PATTERN)


def is_bot_name(value: object) -> bool:
    """Whether ``value`` is a string that may name a Poe bot."""
    # fullmatch, not match with ``$``: ``$`` also matches before a final newline.
    return isinstance(value, str) and _BOT_NAME.fullmatch(value) is not None


def quoted(value: object, limit: int = 80) -> str:
    """A value from settings as it may appear in a one-line message: JSON, so
    quotes, newlines and control characters are escaped, cut to ``limit``."""
    try:
        text = json.dumps(value, ensure_ascii=True, sort_keys=True)
    except (TypeError, ValueError):
        text = json.dumps(repr(value), ensure_ascii=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"
