"""Consent: nothing the user's own settings did not choose spends their points unasked.

Two questions, each asked with ``window/showMessageRequest`` ("Allow" /
"Cancel"; no answer counts as Cancel) before anything is sent:

* a bot that the user's own settings do not name (contract §6): refused, the
  job is cancelled; allowed, the bot is remembered for the session;
* settings of the workspace that raise a job's cost over the user's own
  (:mod:`poe_lsp.cost`): refused, the job goes on with the user's values; the
  answer is remembered for the session, per setting and value.

A question is no one job's: jobs waiting for the same answer share it, and
cancelling the job that asked leaves it to the others.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from poe_lsp.core.cost import CostConsents, Raise, question

if TYPE_CHECKING:
    from .server import PoeServer

log = logging.getLogger(__name__)


class Consent:
    """The questions asked and the answers remembered, for one session."""

    def __init__(self, server: PoeServer) -> None:
        self.server = server
        self._bots: dict[str, asyncio.Future[bool]] = {}
        self.costs = CostConsents()
        """The user's answers about the workspace's cost raises."""
        self._cost_questions: dict[frozenset[Raise], asyncio.Future[bool]] = {}

    @property
    def pending(self) -> int:
        """Questions still waiting for the user's answer."""
        return len(self._bots) + len(self._cost_questions)

    async def bot_allowed(self, bot: str) -> bool:
        """Whether ``bot`` may spend the user's points (asked once per session)."""
        server = self.server
        if bot in server.user_bots or bot in server.consented_bots:
            return True
        pending = self._bots.get(bot)
        if pending is None:
            # The question is no one job's: cancelling the job that asked must not
            # leave it unresolved for the jobs waiting on it (they would hang).
            pending = server.run_task(self._ask_consent(bot), f"consent {bot}")
            self._bots[bot] = pending
        return await asyncio.shield(pending)

    async def _ask_consent(self, bot: str) -> bool:
        try:
            allowed = await self._ask_allow(
                f"poe-lsp: the workspace or a command asks for the bot '{bot}', "
                "which your own settings do not name. Allow it to spend your Poe "
                "points for this session?"
            )
        finally:
            self._bots.pop(bot, None)
        if allowed:
            self.server.consented_bots.add(bot)
        return allowed

    async def costs_allowed(self, items: tuple[Raise, ...]) -> bool:
        """Whether the user allows these raises: asked once per set of values, and
        remembered (another job may have had the answer since this one was planned)."""
        costs = self.costs
        if any(item in costs.refused for item in items):
            return False
        unknown = tuple(item for item in items if item not in costs.allowed)
        if not unknown:
            return True
        key = frozenset(unknown)
        pending = self._cost_questions.get(key)
        if pending is None:
            pending = self.server.run_task(self._ask_costs(key, unknown), "consent to costs")
            self._cost_questions[key] = pending
        return await asyncio.shield(pending)

    async def _ask_costs(self, key: frozenset[Raise], items: tuple[Raise, ...]) -> bool:
        try:
            allowed = await self._ask_allow(question(items))
        finally:
            self._cost_questions.pop(key, None)
        self.costs.answer(items, allowed)
        return allowed

    async def ask(self, message: str) -> bool:
        """Ask ``message`` with "Allow" / "Cancel" (not remembered); no answer is Cancel."""
        return await self._ask_allow(message)

    async def _ask_allow(self, message: str) -> bool:
        """Ask "Allow" / "Cancel" with ``window/showMessageRequest``; no answer is Cancel."""
        try:
            answer = await self.server.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Warning,
                    message=message,
                    actions=[
                        types.MessageActionItem("Allow"),
                        types.MessageActionItem("Cancel"),
                    ],
                )
            )
        except Exception:
            log.warning("a consent request failed", exc_info=True)
            return False
        return answer is not None and answer.title == "Allow"
