"""The fake Poe's usage API: ``/usage/current_balance`` and ``/usage/points_history``.

Shaped as Poe's creator docs give them (see shared notes): the balance as
``{"current_point_balance"}``; the history newest first, ``limit`` 1..100 and
``starting_after=<query_id>`` pagination with ``has_more``, each entry with
``creation_time`` in µs, ``bot_name``, ``query_id``, ``usage_type`` and
``cost_points``.  Both want a bearer key.

Each bot request the fake answers is charged: an ``API`` entry created when
the request arrived, for the bot's cost (:attr:`FakeUsage.costs`, or the
request's own ``points`` parameter, so concurrent requests of one bot can cost
differently), visible :attr:`FakeUsage.delay` seconds after the answer ended.
:attr:`FakeUsage.out_of_points` makes every bot request answer 402.
:attr:`FakeUsage.key_paths` records each path that received an
``Authorization`` header, so a test can prove where the key went.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

USAGE_PREFIX = "/usage/"
NOT_BOT_PATHS = (USAGE_PREFIX, "/file_upload_3RD_PARTY_POST", "/v1/models")


def now_us() -> int:
    """The wall clock in µs (Poe's ``creation_time``)."""
    return time.time_ns() // 1000


class FakeUsage:
    """The account behind the fake Poe: its balance, its history, where the key went."""

    def __init__(self, notify: Callable[[], None]) -> None:
        self._notify = notify
        self.balance = 5000
        self.costs: dict[str, int] = {}
        """Bot → points a request costs (default :attr:`default_cost`)."""
        self.default_cost = 7
        self.delay = 0.0
        """Seconds after the answer before its entry shows in the history."""
        self.out_of_points = False
        """Every bot request answers HTTP 402."""
        self.entries: list[dict[str, Any]] = []
        """The visible history, newest first."""
        self.key_paths: list[str] = []
        """Paths (no query) of the requests that carried an ``Authorization`` header."""
        self.history_reads: list[dict[str, str]] = []
        """The query of each ``points_history`` request."""
        self._ids = itertools.count(1)
        self._later: set[asyncio.Task[None]] = set()

    def add(
        self, bot: str, points: int, *, usage_type: str = "API", creation_us: int | None = None
    ) -> dict[str, Any]:
        """Put an entry in the history now (by its creation time, newest first)."""
        entry = {
            "creation_time": now_us() if creation_us is None else creation_us,
            "bot_name": bot,
            "query_id": f"q-{next(self._ids)}",
            "usage_type": usage_type,
            "cost_points": points,
        }
        self.entries.append(entry)
        self.entries.sort(key=lambda e: e["creation_time"], reverse=True)
        self._notify()
        return entry

    def charge(self, bot: str, arrived_us: int, parameters: dict[str, Any]) -> None:
        """A bot request was answered: its entry appears after :attr:`delay`."""
        points = parameters.get("points", self.costs.get(bot, self.default_cost))
        points = int(points) if isinstance(points, int | float) else self.default_cost
        self.balance -= points
        if self.delay <= 0:
            self.add(bot, points, creation_us=arrived_us)
            return

        async def later() -> None:
            await asyncio.sleep(self.delay)
            self.add(bot, points, creation_us=arrived_us)

        task = asyncio.get_running_loop().create_task(later())
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    def points_of(self, bot: str) -> list[int]:
        """The costs of ``bot``'s entries, oldest first."""
        return [e["cost_points"] for e in reversed(self.entries) if e["bot_name"] == bot]

    # -- routes -----------------------------------------------------------------------

    def mount(self, app: Any) -> None:
        """Add the two usage routes to the fake's app."""
        app.add_route(f"{USAGE_PREFIX}current_balance", self._balance, ["GET"])
        app.add_route(f"{USAGE_PREFIX}points_history", self._history, ["GET"])

    async def _balance(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"detail": "no key"}, 401)
        return JSONResponse({"current_point_balance": self.balance})

    async def _history(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"detail": "no key"}, 401)
        query = dict(request.query_params)
        self.history_reads.append(query)
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return JSONResponse({"detail": "limit must be 1..100"}, 422)
        start = 0
        after = query.get("starting_after")
        if after is not None:
            ids = [e["query_id"] for e in self.entries]
            if after not in ids:
                return JSONResponse({"detail": "unknown starting_after"}, 422)
            start = ids.index(after) + 1
        page = self.entries[start : start + limit]
        more = start + limit < len(self.entries)
        return JSONResponse({"has_more": more, "length": len(page), "data": page})

    # -- around the whole app ----------------------------------------------------------

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The app, noting which paths got a key, and answering 402 when out of points."""

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                path = str(scope["path"])
                headers = dict(scope.get("headers") or [])
                if b"authorization" in headers:
                    self.key_paths.append(path)
                if self.out_of_points and scope["method"] == "POST" and is_bot_path(path):
                    response = JSONResponse({"detail": "insufficient points"}, 402)
                    await response(scope, receive, send)
                    return
            await app(scope, receive, send)

        return wrapped


def is_bot_path(path: str) -> bool:
    """Whether ``path`` is a bot's (bot protocol, or chat completions)."""
    return not path.startswith(NOT_BOT_PATHS)
