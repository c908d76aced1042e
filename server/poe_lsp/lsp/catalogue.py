"""``poe.listBots {refresh?}``: Poe's catalogue merged with the configured bots.

The answer comes fast and never waits long on the network:

* a catalogue younger than a day (in memory or in the disk cache) is
  answered at once;
* an older one is answered at once too, and refreshed in the background;
* with none, or with ``refresh: true``, the fetch is awaited for at most
  :data:`WAIT_SECONDS`; past that, or when it fails, the answer is whatever is
  known (the cache, however old, or the configured bots alone) and the fetch
  goes on in the background for the next call.

When the answer lacks the fresh catalogue because the fetch failed, the user
is told once (``window/showMessage``, and the log) what was listed instead;
a later success resets that.

The catalogue always comes from the user's own ``openaiBaseUrl`` (a
workspace cannot change it, contract §2), and its request carries no key.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types

from poe_lsp.core.catalogue import Catalogue, bot_list, cache_path, described_age

from .arguments import invalid, the_argument
from .server import PoeServer

log = logging.getLogger(__name__)

WAIT_SECONDS = 3.0
"""How long ``poe.listBots`` waits for a fetch before answering what it has."""


class CatalogueService:
    """Keeps the server's catalogue current: one fetch at a time, cached on disk."""

    def __init__(self, server: PoeServer) -> None:
        self.server = server
        self._fetch: asyncio.Task[Catalogue | None] | None = None
        self._failure: str | None = None
        """Why the last fetch failed (None after a success)."""
        self._told = False
        """Whether the user has been told of the current failure."""

    def start_fetch(self) -> asyncio.Task[Catalogue | None]:
        """The running fetch, or a new one."""
        if self._fetch is None or self._fetch.done():
            self._fetch = self.server.run_task(self._fetch_and_store(), "fetch the catalogue")
        return self._fetch

    async def _fetch_and_store(self) -> Catalogue | None:
        from poe_lsp.poe.catalogue import CatalogueUnavailable, fetch_catalogue, save_cached

        settings = self.server.settings
        try:
            catalogue = await fetch_catalogue(
                self.server.secrets.openai_base_url,
                app_title=settings.app_title,
                app_referer=settings.app_referer,
            )
        except CatalogueUnavailable as exc:
            log.warning("bot catalogue not fetched: %s", exc)
            self._failure = str(exc)
            return None
        log.info("bot catalogue fetched: %d bots", len(catalogue.bots))
        self._failure, self._told = None, False
        # Off the event loop: the file is a few hundred KB.  Written before the
        # catalogue is used, so a server started next finds what this one lists.
        await asyncio.to_thread(save_cached, cache_path(), catalogue)
        self.server.catalogue = catalogue
        return catalogue

    async def answer(self, refresh: bool) -> list[dict[str, Any]]:
        """The listBots answer (see the module's docstring)."""
        server = self.server
        known = server.catalogue
        if refresh or known is None:
            fetch = self.start_fetch()
            await asyncio.wait({fetch}, timeout=WAIT_SECONDS)
            fetched = None
            if fetch.done() and not fetch.cancelled() and fetch.exception() is None:
                fetched = fetch.result()
            if fetched is None:
                if not fetch.done():
                    log.info("bot catalogue still loading after %g s", WAIT_SECONDS)
                    self._failure = f"Poe did not answer within {WAIT_SECONDS:g} s"
                self._tell(server.catalogue)
            known = server.catalogue
        elif not known.fresh():
            self.start_fetch()
        return bot_list(server.settings, server.secrets, known)

    def _tell(self, known: Catalogue | None) -> None:
        """Say once what is listed instead of the fresh catalogue, and why."""
        if self._told:
            return
        self._told = True
        why = self._failure or "it could not be fetched"
        if known is None:
            instead = "listing only the bots your settings name"
        else:
            instead = f"listing the copy cached {described_age(known.age())} ago"
        message = f"poe-lsp: Poe's bot catalogue is not available ({why}); {instead}."
        log.info("%s", message)
        self.server.show(types.MessageType.Info, message)


def setup(server: PoeServer) -> CatalogueService:
    """Register ``poe.listBots``; returns the service that keeps the catalogue current."""
    service = CatalogueService(server)

    async def list_bots(ls: PoeServer, params: types.ExecuteCommandParams) -> list[dict[str, Any]]:
        """``poe.listBots {refresh?}``."""
        arg = the_argument("poe.listBots", params) if params.arguments else {}
        refresh = arg.get("refresh", False)
        if not isinstance(refresh, bool):
            raise invalid("poe.listBots: 'refresh' must be true or false.")
        # Right after start-up the workspace settings may still be on their way.
        await ls.ready()
        return await service.answer(refresh)

    server.register_command("poe.listBots", list_bots)
    return service
