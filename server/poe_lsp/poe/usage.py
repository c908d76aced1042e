"""Poe's usage API over HTTP: the point balance and the points history.

``GET <usageUrl>current_balance`` and ``GET <usageUrl>points_history?limit=&
starting_after=`` with the key as bearer token.  The key goes to this
endpoint only, which the user alone chooses (environment or initialization
options, never a workspace's settings).  Every failure is a
:class:`UsageUnavailable` with a short reason (never a body, never the key).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from poe_lsp.core.usage import Entry, parse_balance, parse_history

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

PAGE_SIZE = 100
"""Entries asked for a page (Poe's maximum)."""
MAX_PAGES = 50
"""A bound on one read: 5,000 entries cover any day's API use this server checks."""
TIMEOUT_SECONDS = 5.0


class UsageUnavailable(Exception):
    """The usage API could not be read; ``str()`` is a short reason for the user."""


class UsageClient:
    """Reads the usage API for one key (an HTTP session opened on first use)."""

    def __init__(self, api_key: str, usage_url: str, headers: dict[str, str]) -> None:
        self._api_key = api_key
        self.usage_url = usage_url if usage_url.endswith("/") else usage_url + "/"
        self._headers = headers
        self._session: httpx.AsyncClient | None = None

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        # Imported here: the server starts without the HTTP stack (start-up time).
        import httpx

        if not self._api_key:
            raise UsageUnavailable("no API key is set")
        if self._session is None:
            self._session = httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
        headers = {**self._headers, "Authorization": f"Bearer {self._api_key}"}
        try:
            response = await self._session.get(
                self.usage_url + path, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            host = httpx.URL(self.usage_url).host or "the usage endpoint"
            log.info("usage request %s failed: %s", path, type(exc).__name__)
            raise UsageUnavailable(f"{host} could not be reached") from exc
        if response.status_code != 200:
            raise UsageUnavailable(f"HTTP {response.status_code} from {path}")
        try:
            return response.json()
        except ValueError as exc:
            raise UsageUnavailable(f"{path} did not answer JSON") from exc

    async def balance(self) -> int:
        """The key's point balance now."""
        try:
            return parse_balance(await self._get("current_balance"))
        except ValueError as exc:
            raise UsageUnavailable(str(exc)) from exc

    async def history(self, since_us: int) -> AsyncIterator[Entry]:
        """Entries newest first, page after page, down to ``since_us`` (or the end)."""
        after: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if after is not None:
                params["starting_after"] = after
            try:
                entries, more = parse_history(await self._get("points_history", params))
            except ValueError as exc:
                raise UsageUnavailable(str(exc)) from exc
            for entry in entries:
                yield entry
            if not more or not entries or entries[-1].creation_us < since_us:
                return
            after = entries[-1].query_id

    async def entries_since(self, since_us: int) -> list[Entry]:
        """Every entry created at ``since_us`` or later."""
        return [e async for e in self.history(since_us) if e.creation_us >= since_us]

    async def aclose(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.aclose()
