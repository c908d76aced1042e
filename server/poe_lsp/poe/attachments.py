"""File attachments: upload a file once per session, then attach it to messages.

Poe's bot protocol carries files as attachments of a user message: the file is
first uploaded with ``fastapi_poe.upload_file`` to the upload endpoint
(``POE_LSP_UPLOAD_URL`` / ``uploadUrl``), which answers the URL and MIME type
that go on the message.  Uploads are cached by the sha256 of their content for
the life of an :class:`Uploader` (one server session, one CLI run), so asking
about the same file again costs no second upload.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from poe_lsp.core.errors import ErrorKind, PoeError

if TYPE_CHECKING:
    from .ratelimit import RateLimiter

log = logging.getLogger(__name__)

UPLOAD_TIMEOUT = 60.0


@dataclass(frozen=True)
class FileToAttach:
    """A file a job wants the bot to see in full."""

    name: str
    """The file name the bot sees (no directories)."""
    data: bytes = field(repr=False)
    optional: bool = False
    """True: if the upload fails, the job goes on without it (``whenTrimmed``)."""


@dataclass(frozen=True)
class Uploaded:
    """An uploaded file, as it goes on a message (``fastapi_poe.Attachment``)."""

    url: str
    content_type: str
    name: str


def _log_library_error(error: Exception, message: str) -> None:
    # fastapi-poe's default handler prints to stdout, which is the LSP channel.
    log.info("fastapi-poe upload: %s (%s)", message, type(error).__name__)


class Uploader:
    """Uploads files to Poe, each distinct content once per session."""

    def __init__(
        self, api_key: str, upload_url: str, *, limiter: RateLimiter | None = None
    ) -> None:
        self._api_key = api_key
        self.upload_url = upload_url
        self.limiter = limiter
        self._cache: dict[str, asyncio.Future[Uploaded]] = {}

    def __repr__(self) -> str:
        return f"Uploader(upload_url={self.upload_url!r}, cached={len(self._cache)})"

    @property
    def cached(self) -> int:
        """Distinct contents uploaded (or being uploaded) this session."""
        return len(self._cache)

    async def upload(self, file: FileToAttach) -> Uploaded:
        """The attachment for ``file``: from the cache, or uploaded now.

        Raises :class:`PoeError` (``NO_KEY`` or ``UPLOAD_FAILED``); a failed upload
        is not cached, so the next job tries again.
        """
        import hashlib  # on first use: start-up time

        if not self._api_key:
            raise PoeError(ErrorKind.NO_KEY)
        digest = hashlib.sha256(file.data).hexdigest()
        pending = self._cache.get(digest)
        if pending is None:
            pending = asyncio.get_running_loop().create_task(self._upload(file))
            self._cache[digest] = pending
        try:
            done = await asyncio.shield(pending)
        except PoeError:
            if self._cache.get(digest) is pending:
                del self._cache[digest]
            raise
        # The URL is the content's; the name is the one this job asked for.
        return Uploaded(done.url, done.content_type, file.name)

    async def _upload(self, file: FileToAttach) -> Uploaded:
        # Imported here: the server starts without the HTTP stack (start-up time).
        import fastapi_poe
        import httpx

        if self.limiter is not None:
            await self.limiter.acquire()
        # upload_file closes the session it is given: a fresh one each time.
        session = httpx.AsyncClient(timeout=UPLOAD_TIMEOUT)
        try:
            attachment = await fastapi_poe.upload_file(
                file.data,
                file_name=file.name,
                api_key=self._api_key,
                session=session,
                on_error=_log_library_error,
                num_tries=1,
                base_url=self.upload_url,
            )
        except httpx.TransportError as exc:
            host = httpx.URL(self.upload_url).host or self.upload_url
            raise PoeError(
                ErrorKind.UPLOAD_FAILED, detail=f"{file.name}: {host} could not be reached"
            ) from exc
        except Exception as exc:
            log.info("upload of %s failed", file.name, exc_info=True)
            raise PoeError(ErrorKind.UPLOAD_FAILED, detail=f"{file.name}: {_reason(exc)}") from exc
        finally:
            await session.aclose()
        log.info("uploaded %s (%d bytes) as %s", file.name, len(file.data), attachment.url)
        return Uploaded(attachment.url, attachment.content_type, file.name)


def _reason(exc: Exception) -> str:
    """A short reason: the HTTP status line of an upload error, never its body."""
    text = str(exc)
    first = text.split(":", 1)[0].strip()
    if first[:3].isdigit():
        return f"HTTP {first}"
    return "unexpected answer from the upload endpoint"
