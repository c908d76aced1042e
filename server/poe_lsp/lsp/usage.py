"""Cost and budget: ``poe.usage``, each job's points, the daily budget, 402's balance.

* Every job that sends a request is noted (:class:`~poe_lsp.core.usage.Ledger`);
  once it ends, a matcher reads ``points_history`` a few times over about ten
  seconds (the entry appears only after the answer) until the job has its
  entry, then gives up: its points stay ``null``.
* ``poe.usage {}`` answers at once with what is known: the balance (read
  again when older than a few seconds), the session's total and each job.
* ``budget.maxPointsPerDay`` (the user's own; no workspace can set or lift
  it): before a job sends anything, the key's API usage since local midnight
  is read (all pages, kept a few seconds); at or over the budget the job fails
  with a sentence naming both, nothing sent.  Unreadable, nothing is sent
  either: a budget that cannot be checked does not protect.
* ``budget.confirmAbovePoints``: a job whose expected cost (the bot's last
  matched cost this session, or :attr:`UsageService.price_of`, which a
  catalogue can provide) is above it asks "Allow" / "Cancel" first; Cancel
  cancels the job, nothing sent.
* A 402 (out of points) names the balance, read from the usage API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.usage import (
    Ledger,
    api_points_since,
    confirm_question,
    local_midnight_us,
    now_us,
    over_budget_detail,
    points_text,
)
from poe_lsp.poe.usage import UsageClient, UsageUnavailable

from .jobs import Job, JobHooks, JobManager
from .server import PoeServer

log = logging.getLogger(__name__)

MATCH_DELAYS = (0.2, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
"""Seconds between reads of the history while a finished job waits for its entry
(about ten seconds in all; then its cost stays unknown)."""
BALANCE_FRESH_SECONDS = 5.0
SPENT_FRESH_SECONDS = 5.0
"""How long a read of today's spend is reused by the budget check."""
QUICK_SECONDS = 3.0
"""The longest ``poe.usage`` or a 402's sentence waits for the usage API."""
END_NOTE_SECONDS = 2.0
"""The longest a plain client's progress end waits for the job's points."""


class UsageService(JobHooks):
    """The session's ledger, the usage API reads, and the budget checks."""

    def __init__(self, server: PoeServer, jobs: JobManager) -> None:
        self.server = server
        self.jobs = jobs
        self.ledger = Ledger()
        self.price_of: Callable[[str], float | None] = lambda bot: None
        """A bot's catalogue price per request, where one is known (none by default)."""
        self._client: UsageClient | None = None
        self._balance: tuple[float, int] | None = None
        self._spent: tuple[float, int, int] | None = None
        """(read at, midnight it counts from, points)."""
        self._matched = asyncio.Event()
        self._wake = asyncio.Event()
        self._matcher: asyncio.Task[None] | None = None

    @property
    def client(self) -> UsageClient:
        """The usage API client for the user's key and usage endpoint."""
        if self._client is None:
            secrets, settings = self.server.secrets, self.server.settings
            headers = {"X-Title": settings.app_title, "HTTP-Referer": settings.app_referer}
            self._client = UsageClient(secrets.api_key, secrets.usage_url, headers)
        return self._client

    # -- poe.usage ------------------------------------------------------------------

    async def balance(self) -> int | None:
        """The balance, read again when older than a few seconds; ``None`` if unreadable."""
        cached = self._balance
        if cached is not None and time.monotonic() - cached[0] < BALANCE_FRESH_SECONDS:
            return cached[1]
        try:
            value = await asyncio.wait_for(self.client.balance(), QUICK_SECONDS)
        except (UsageUnavailable, TimeoutError) as exc:
            log.info("balance unavailable: %s", exc)
            return None
        self._balance = (time.monotonic(), value)
        return value

    async def usage(self, _server: PoeServer, _params: Any) -> dict[str, Any]:
        """``poe.usage {}``: the balance, the session's total, each job's points."""
        self._wake.set()
        return {
            "balance": await self.balance(),
            "sessionPoints": self.ledger.session_points(),
            "jobs": self.ledger.report(),
        }

    # -- the job hooks ----------------------------------------------------------------

    async def before_send(self, job: Job) -> None:
        """The daily budget, then the confirmation above ``budget.confirmAbovePoints``."""
        budget = self.server.secrets.max_points_per_day
        if budget is not None:
            spent = await self._spent_today()
            if spent >= budget:
                raise PoeError(ErrorKind.OVER_BUDGET, detail=over_budget_detail(spent, budget))
        limit = self.server.settings.confirm_above_points
        bot = job.spec.bot
        if limit > 0:
            expected, source = self._expected(bot)
            if expected is not None and expected > limit:
                question = confirm_question(bot, expected, limit, source)
                if not await self.jobs.consent.ask(question):
                    log.info("%s: the user did not confirm its expected cost", job.id)
                    raise asyncio.CancelledError

    def _expected(self, bot: str) -> tuple[float | None, str]:
        last = self.ledger.last_cost.get(bot)
        if last is not None:
            return float(last), "its last cost this session"
        price = self.price_of(bot)
        return price, "its catalogue price"

    async def _spent_today(self) -> int:
        midnight = local_midnight_us()
        cached = self._spent
        if (
            cached is not None
            and cached[1] == midnight
            and time.monotonic() - cached[0] < SPENT_FRESH_SECONDS
        ):
            return cached[2]
        try:
            entries = await self.client.entries_since(midnight)
        except UsageUnavailable as exc:
            raise PoeError(ErrorKind.BUDGET_UNCHECKED, detail=str(exc)) from exc
        spent = api_points_since(entries, midnight)
        self._spent = (time.monotonic(), midnight, spent)
        return spent

    def sent(self, job: Job) -> None:
        """Note the request's time: its entry is created after it."""
        self.ledger.sent(job.id, job.spec.bot, now_us())
        # What this job spends counts against today's budget: read afresh next time.
        self._spent = None

    async def explain_failure(self, job: Job, error: PoeError) -> PoeError:
        """Out of points: say the balance (a fresh read)."""
        if error.kind is not ErrorKind.OUT_OF_POINTS or error.balance is not None:
            return error
        self._balance = None
        balance = await self.balance()
        if balance is None:
            return error
        return PoeError(
            ErrorKind.OUT_OF_POINTS, bot=error.bot, detail=error.detail, balance=balance
        )

    def finished(self, job: Job) -> None:
        """A job that got an answer (even a part of one) may have cost points: look."""
        if job.id not in self.ledger.jobs:
            return
        if job.status != "done" and not job.text:
            # Refused before it answered: Poe charges nothing; never match it.
            self.ledger.give_up([job.id])
            return
        self.ledger.finished(job.id)
        self._spent = None
        self._wake.set()
        if self._matcher is None or self._matcher.done():
            # Not a job's task: it serves every job and ends on its own within
            # about ten seconds of the last one.
            self._matcher = asyncio.get_running_loop().create_task(
                self._match(), name="usage matcher"
            )
            self._matcher.add_done_callback(_log_failure)

    async def end_note(self, job: Job) -> str | None:
        """``12 points`` once a done job's entry is matched, waiting at most a moment
        (a failure's end stays its sentence alone)."""
        cost = self.ledger.jobs.get(job.id)
        if cost is None or not cost.finished or job.status != "done":
            return None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(END_NOTE_SECONDS):
                while cost.points is None and not cost.gave_up:
                    await self._matched.wait()
        return None if cost.points is None else points_text(cost.points)

    # -- the matcher -----------------------------------------------------------------

    async def _match(self) -> None:
        """Read the history until every finished job has its entry or its time ran out."""
        deadlines: dict[str, float] = {}
        attempt = 0
        while True:
            now = time.monotonic()
            waiting = self.ledger.waiting()
            for cost in waiting:
                deadlines.setdefault(cost.job_id, now + sum(MATCH_DELAYS))
            self.ledger.give_up(c.job_id for c in waiting if deadlines[c.job_id] < now)
            since = self.ledger.oldest_waiting_us()
            if since is None:
                self._signal()
                return
            try:
                entries = await self.client.entries_since(since)
            except UsageUnavailable as exc:
                log.info("points history unavailable: %s", exc)
                entries = []
            for cost in self.ledger.feed(entries):
                log.info("job %s cost %d points", cost.job_id, cost.points or 0)
            self._signal()
            self._wake.clear()
            try:
                async with asyncio.timeout(MATCH_DELAYS[min(attempt, len(MATCH_DELAYS) - 1)]):
                    await self._wake.wait()
                attempt = 0  # another job ended: its entry may come soon
            except TimeoutError:
                attempt += 1

    def _signal(self) -> None:
        self._matched.set()
        self._matched = asyncio.Event()

    async def aclose(self) -> None:
        """At shutdown: stop the matcher and close the HTTP session."""
        if self._matcher is not None:
            self._matcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._matcher
        if self._client is not None:
            await self._client.aclose()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("the usage matcher failed", exc_info=exc)


def setup(server: PoeServer, jobs: JobManager) -> UsageService:
    """Register ``poe.usage`` and add cost and budget to every job."""
    service = UsageService(server, jobs)
    jobs.hooks.append(service)
    server.register_command("poe.usage", service.usage)
    return service
