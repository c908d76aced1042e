"""What a workspace's settings may not raise without the user's consent.

A repository's ``workspace/configuration`` can name a bot only with the
user's consent (contract §6); the same holds for the settings that make a job
on the user's own bots cost more:

* ``botParameters[bot]``: any parameter added, changed or removed (a number
  lowered is not a raise: ``thinking_budget`` 1024 instead of 4096 costs less);
* ``context.maxChars``, ``context.linesBefore``, ``context.linesAfter`` and
  ``answer.maxChars``: a larger number;
* ``context.attachFile``: a later step of ``never`` < ``whenTrimmed`` < ``always``.

A *raise* is measured against the user's own settings (``initializationOptions``,
or the defaults where they set nothing).  Lowering never needs consent.  The
user's answer is remembered per raise, value included, for the session: a
workspace that changes a value is asked about again.  Where a raise is not
allowed, the user's own value is used and the job goes on.

Nothing here talks to the editor; :mod:`poe_lsp.jobs` asks the question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .botnames import quoted
from .settings import ATTACH_MODES, Settings

LIMITS = (
    ("context.maxChars", "max_chars"),
    ("context.linesBefore", "lines_before"),
    ("context.linesAfter", "lines_after"),
    ("answer.maxChars", "answer_max_chars"),
)
"""Numeric settings where more is dearer: (setting, ``Settings`` attribute)."""

UNSET = "(not set)"


@dataclass(frozen=True)
class Raise:
    """One setting that the workspace puts above the user's own value."""

    setting: str
    """As the user knows it: ``context.maxChars``, ``botParameters.GPT-5``."""
    attr: str
    """The :class:`~poe_lsp.settings.Settings` attribute it changes."""
    param: str | None
    """For ``botParameters``: the parameter's name."""
    value: str
    """The workspace's value, quoted (part of the identity: a new value asks again)."""
    yours: str
    """The user's own value, quoted, or :data:`UNSET`."""

    def describe(self) -> str:
        """``setting = value (yours: value)``, quoted so any text is one safe line."""
        name = self.setting + (f"[{quoted(self.param, 40)}]" if self.param is not None else "")
        return f"{name} = {self.value} (yours: {self.yours})"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parameter_raises(bot: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[Raise]:
    found = []
    for name in sorted({*mine, *theirs}, key=str):
        yours, value = mine.get(name, UNSET), theirs.get(name, UNSET)
        if value == yours and type(value) is type(yours):
            continue
        if _number(value) and _number(yours) and value <= yours:
            continue
        found.append(
            Raise(
                f"botParameters.{bot}",
                "bot_parameters",
                name,
                UNSET if value is UNSET else quoted(value),
                UNSET if yours is UNSET else quoted(yours),
            )
        )
    return found


def raises(user: Settings, effective: Settings, bot: str) -> tuple[Raise, ...]:
    """What ``effective`` (the merged settings) raises over ``user`` for a job on ``bot``."""
    found = _parameter_raises(bot, user.parameters_for(bot), effective.parameters_for(bot))
    for setting, attr in LIMITS:
        yours, value = getattr(user, attr), getattr(effective, attr)
        if value > yours:
            found.append(Raise(setting, attr, None, quoted(value), quoted(yours)))
    if ATTACH_MODES.index(effective.attach_file) > ATTACH_MODES.index(user.attach_file):
        found.append(
            Raise(
                "context.attachFile",
                "attach_file",
                None,
                quoted(effective.attach_file),
                quoted(user.attach_file),
            )
        )
    return tuple(found)


def without(effective: Settings, user: Settings, bot: str, refused: Iterable[Raise]) -> Settings:
    """``effective`` with each ``refused`` raise put back to the user's own value."""
    changes: dict[str, Any] = {}
    params = effective.parameters_for(bot)
    mine = user.parameters_for(bot)
    for item in refused:
        if item.param is None:
            changes[item.attr] = getattr(user, item.attr)
        elif item.param in mine:
            params[item.param] = mine[item.param]
        else:
            params.pop(item.param, None)
    if params != effective.parameters_for(bot):
        changes["bot_parameters"] = {**effective.bot_parameters, bot: params}
    return dataclasses.replace(effective, **changes) if changes else effective


@dataclass(frozen=True)
class CostPlan:
    """For one job: what to ask, and the settings for either answer."""

    ask: tuple[Raise, ...]
    """Raises the user has not answered yet (empty: nothing to ask)."""
    if_allowed: Settings
    """The job's settings when the user allows ``ask`` (or when nothing is asked)."""
    if_refused: Settings
    """The job's settings when the user refuses ``ask`` (or cannot be asked)."""


class CostConsents:
    """The user's answers about raises, for the session."""

    def __init__(self) -> None:
        self.allowed: set[Raise] = set()
        self.refused: set[Raise] = set()

    def plan(self, user: Settings, effective: Settings, bot: str) -> CostPlan:
        """The question (if any) and the settings a job on ``bot`` runs with."""
        found = raises(user, effective, bot)
        ask = tuple(r for r in found if r not in self.allowed and r not in self.refused)
        known_refused = [r for r in found if r in self.refused]
        if_allowed = without(effective, user, bot, known_refused)
        if not ask:
            return CostPlan((), if_allowed, if_allowed)
        return CostPlan(ask, if_allowed, without(effective, user, bot, [*known_refused, *ask]))

    def answer(self, items: Iterable[Raise], allowed: bool) -> None:
        """Remember the user's answer about ``items``."""
        (self.allowed if allowed else self.refused).update(items)


def question(items: Iterable[Raise]) -> str:
    """The consent sentence naming each setting and value."""
    listed = "; ".join(item.describe() for item in items)
    return (
        "poe-lsp: this workspace's settings make jobs cost more than your own settings: "
        f"{listed}. Allow them for this session? With Cancel your own values are used."
    )
