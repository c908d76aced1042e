"""What a setting's value must be: each check in words the user reads, and its test.

:class:`~poe_lsp.core.settings.Settings` declares one check per field; the
reader reports a value that fails it once, in the check's own words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .botnames import is_bot_name


@dataclass(frozen=True)
class Check:
    """How one setting's raw value is checked: what it must be, in words the
    user reads, and the test.  ``convert`` turns an accepted value into the
    field's type (an int of seconds into a float)."""

    wanted: str
    accepts: Callable[[Any], bool]
    convert: Callable[[Any], Any] = lambda value: value
    minimum: int | None = None
    """For whole numbers: a smaller value is replaced by the default, and why."""
    below_minimum: str = ""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _seconds(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < float("inf")
    )


def one_of(choices: tuple[str, ...]) -> Check:
    """A value from a fixed list."""
    return Check(f"one of {', '.join(choices)}", lambda value: value in choices)


WHOLE = Check("a non-negative whole number", _whole)
TEXT = Check("a non-empty string", _text)
SECONDS = Check("a positive number of seconds", _seconds, convert=float)
BOT = Check("a Poe bot name", is_bot_name)
FLAG = Check("true or false", lambda value: isinstance(value, bool))


def _bot_group(value: Any) -> bool:
    """An empty list (off), or 2 to 4 different bot names (``compare.bots``)."""
    if not isinstance(value, list | tuple) or not all(is_bot_name(v) for v in value):
        return False
    return len(value) == 0 or (2 <= len(value) <= 4 and len(set(value)) == len(value))


BOT_GROUP = Check("an empty list or a list of 2 to 4 different Poe bot names", _bot_group, tuple)
