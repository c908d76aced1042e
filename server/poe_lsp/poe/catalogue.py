"""Fetching Poe's bot catalogue, and its cache file on disk.

The catalogue is public: ``GET <openaiBaseUrl>/models`` needs no key, so
none is ever sent with it (a catalogue request is the one Poe request a
user may make before choosing any bot, and it must not spend or expose
anything).  Only the app headers go with it.

The cache file is data, not code: a corrupt, foreign or unreadable file is
ignored (the catalogue is fetched again), and it is written under a random
name and renamed into place, so a concurrent server never reads half a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from pathlib import Path

from poe_lsp.core.catalogue import Catalogue, parse_models, read_cache, write_cache
from poe_lsp.core.endpoints import PROJECT_URL

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10.0
"""The whole fetch; listBots itself waits less (see poe_lsp.lsp.catalogue)."""
MAX_CACHE_BYTES = 8 * 1024 * 1024
"""A cache file larger than this is not read (Poe's list is ~200 KB)."""


class CatalogueUnavailable(Exception):
    """The catalogue could not be fetched; the message is one line for the user."""


async def fetch_catalogue(
    endpoint: str, *, app_title: str = "poe-lsp", app_referer: str = PROJECT_URL
) -> Catalogue:
    """``GET <endpoint>/models``, parsed.  Never sends an Authorization header."""
    import httpx

    url = f"{endpoint.rstrip('/')}/models"
    headers = {"X-Title": app_title, "HTTP-Referer": app_referer, "Accept": "application/json"}
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
            response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise CatalogueUnavailable(f"{url} could not be reached ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise CatalogueUnavailable(f"{url} answered HTTP {response.status_code}")
    try:
        bots = parse_models(response.json())
    except ValueError as exc:
        raise CatalogueUnavailable(f"{url} did not answer a model list") from exc
    return Catalogue(endpoint, time.time(), tuple(bots))


def _read_text(path: Path) -> str | None:
    try:
        # O_NONBLOCK: a FIFO in place of the file must not hang the server.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_CACHE_BYTES:
        return None
    return data.decode("utf-8", errors="replace")


def load_cached(path: Path | None, endpoint: str) -> Catalogue | None:
    """The catalogue of ``endpoint`` in the cache file, or None (no file, not
    readable, corrupt, or nothing for that endpoint)."""
    if path is None:
        return None
    text = _read_text(path)
    catalogue = read_cache(text, endpoint) if text is not None else None
    if text is not None and catalogue is None:
        log.info("catalogue cache %s has nothing usable for %s; ignoring it", path, endpoint)
    return catalogue


def save_cached(path: Path | None, catalogue: Catalogue) -> None:
    """Store ``catalogue`` in the cache file (atomically); failures are logged only."""
    if path is None:
        return
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = write_cache(_read_text(path), catalogue)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("could not write the catalogue cache %s: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
