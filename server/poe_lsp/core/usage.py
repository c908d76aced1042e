"""What each job cost, and what the key spent today: Poe's usage history, read.

Poe's ``points_history`` lists one entry per query (``creation_time`` in µs,
``bot_name``, ``usage_type``, ``cost_points``, ``query_id``), newest first.  A
stream never tells its own query id, so a job is matched to its entry by
what both sides know:

* only entries of type ``API`` for the job's bot count;
* an entry is created after the job's request was sent, and becomes visible
  only after the answer ended: so only *finished* jobs take entries, and an
  entry no job can have (older than every job) is left alone;
* taken in creation order, each entry goes to the unmatched finished job of
  its bot that started *last* before the entry was created, and no entry is
  matched twice.  Jobs started one after another therefore each get their own
  entry even when they finish in another order (a job started first and still
  answering cannot take the entry of a job started after it), and a job Poe
  never charged (one refused before it answered) cannot take a later job's
  entry.

Two requests sent in the same instant cannot be told apart by time; nothing
here pretends they can.  Nothing here talks to the network
(:mod:`poe_lsp.poe.usage` does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

API = "API"
"""The ``usage_type`` of requests made with an API key."""


@dataclass(frozen=True)
class Entry:
    """One ``points_history`` entry."""

    query_id: str
    bot: str
    creation_us: int
    usage_type: str
    points: int


def parse_history(body: Any) -> tuple[list[Entry], bool]:
    """A ``points_history`` page: its well-formed entries (others skipped) and ``has_more``."""
    if not isinstance(body, Mapping):
        raise ValueError("points_history did not answer an object")
    data = body.get("data")
    if not isinstance(data, list):
        raise ValueError("points_history has no data list")
    entries = []
    for item in data:
        if not isinstance(item, Mapping):
            continue
        created, points = item.get("creation_time"), item.get("cost_points")
        if not _whole(created) or not _whole(points):
            continue
        entries.append(
            Entry(
                query_id=str(item.get("query_id", "")),
                bot=str(item.get("bot_name", "")),
                creation_us=int(created),
                usage_type=str(item.get("usage_type", "")),
                points=int(points),
            )
        )
    return entries, bool(body.get("has_more"))


def parse_balance(body: Any) -> int:
    """``current_balance``'s ``current_point_balance``."""
    value = body.get("current_point_balance") if isinstance(body, Mapping) else None
    if not _whole(value):
        raise ValueError("current_balance has no current_point_balance")
    return int(value)


def _whole(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def now_us() -> int:
    """The wall clock in µs, as Poe's ``creation_time`` counts."""
    return int(dt.datetime.now(dt.UTC).timestamp() * 1_000_000)


def local_midnight_us(now: dt.datetime | None = None) -> int:
    """The last local midnight, in µs since the epoch (the budget's day starts there)."""
    local = (now or dt.datetime.now()).astimezone()
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1_000_000)


def api_points_since(entries: Iterable[Entry], since_us: int) -> int:
    """What the key spent through the API from ``since_us`` on."""
    return sum(e.points for e in entries if e.usage_type == API and e.creation_us >= since_us)


@dataclass
class JobCost:
    """One job's request, as the ledger knows it."""

    job_id: str
    bot: str
    started_us: int
    finished: bool = False
    points: int | None = None
    query_id: str | None = None
    gave_up: bool = False
    """No entry came in time: the job stays unknown and takes no later entry."""


KEPT_JOBS = 50
"""Settled jobs (cost known, or given up) listed by ``poe.usage``; older ones
only count in the session's total, so a long session holds a bounded ledger."""


class Ledger:
    """The jobs of this session that sent a request, and the entries matched to them."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobCost] = {}
        self._matched: dict[str, int] = {}
        """Query id → creation time of the entries already matched."""
        self._retired_points = 0
        self.last_cost: dict[str, int] = {}
        """Bot → what its latest-started matched job cost (the next job's expected cost)."""
        self._last_start: dict[str, int] = {}

    def sent(self, job_id: str, bot: str, started_us: int) -> None:
        """A job's request is about to go out."""
        self.jobs[job_id] = JobCost(job_id, bot, started_us)

    def finished(self, job_id: str) -> None:
        """A job's answer ended: its entry may appear from now on."""
        if job_id in self.jobs:
            self.jobs[job_id].finished = True

    def waiting(self) -> list[JobCost]:
        """Finished jobs still looking for their entry."""
        return [j for j in self.jobs.values() if j.finished and j.points is None and not j.gave_up]

    def oldest_waiting_us(self) -> int | None:
        """How far back the history must be read for the jobs still waiting."""
        starts = [j.started_us for j in self.waiting()]
        return min(starts) if starts else None

    def feed(self, entries: Iterable[Entry]) -> list[JobCost]:
        """Match what ``entries`` can; returns the jobs that got their cost now."""
        matched = []
        for entry in sorted(entries, key=lambda e: e.creation_us):
            if entry.usage_type != API or entry.query_id in self._matched:
                continue
            candidates = [
                j for j in self.waiting() if j.bot == entry.bot and j.started_us < entry.creation_us
            ]
            if not candidates:
                continue
            job = max(candidates, key=lambda j: j.started_us)
            job.points, job.query_id = entry.points, entry.query_id
            self._matched[entry.query_id] = entry.creation_us
            if job.started_us >= self._last_start.get(job.bot, job.started_us):
                self._last_start[job.bot] = job.started_us
                self.last_cost[job.bot] = entry.points
            matched.append(job)
        self._retire()
        return matched

    def _retire(self) -> None:
        """Keep the newest :data:`KEPT_JOBS` settled jobs, and only the matched
        query ids an unsettled job could still be offered (an entry matches a job
        only if created after it started: older entries can never match again)."""
        settled = [j for j in self.jobs.values() if j.points is not None or j.gave_up]
        for job in settled[: max(0, len(settled) - KEPT_JOBS)]:
            self._retired_points += job.points or 0
            del self.jobs[job.job_id]
        open_starts = [
            j.started_us for j in self.jobs.values() if j.points is None and not j.gave_up
        ]
        oldest = min(open_starts) if open_starts else None
        self._matched = {
            q: created
            for q, created in self._matched.items()
            if oldest is not None and created > oldest
        }

    def give_up(self, job_ids: Iterable[str]) -> None:
        """These jobs' entries did not come in time: their cost stays unknown."""
        for job_id in job_ids:
            if job_id in self.jobs:
                self.jobs[job_id].gave_up = True
        self._retire()

    def session_points(self) -> int:
        """What the matched jobs of this session cost together."""
        return self._retired_points + sum(j.points or 0 for j in self.jobs.values())

    def report(self) -> list[dict[str, Any]]:
        """``poe.usage``'s ``jobs``: each job that sent a request (the settled ones, the
        last :data:`KEPT_JOBS`), ``points`` null while unknown."""
        return [{"jobId": j.job_id, "bot": j.bot, "points": j.points} for j in self.jobs.values()]


def points_text(points: int) -> str:
    """``1 point``, ``12 points``."""
    return f"{points:,} point{'' if points == 1 else 's'}"


def over_budget_detail(spent: int, budget: int) -> str:
    """The refusal's detail: the amount spent and the budget, by their setting's name."""
    return f"{points_text(spent)} spent today; budget.maxPointsPerDay is {budget:,}"


def confirm_question(bot: str, expected: float, limit: float, source: str) -> str:
    """The question asked before a job expected to cost more than ``limit``."""
    return (
        f"poe-lsp: a job on {bot} is expected to cost about {expected:,.0f} points "
        f"({source}), more than budget.confirmAbovePoints ({limit:,.0f}). Send it?"
    )
