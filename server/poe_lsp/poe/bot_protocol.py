"""Talking to Poe: stream one prompt to one bot, with every failure named.

:class:`PoeClient` wraps ``fastapi_poe.stream_request`` and fixes what the
library leaves to its caller (see NOTES.md):

* fastapi-poe never checks the HTTP status, so a response hook on our own
  ``httpx.AsyncClient`` records it, and failures are mapped to
  :class:`~poe_lsp.core.errors.PoeError` kinds (401 -> key rejected, 429 -> rate
  limited, ...).
* fastapi-poe's own retry repeats chunks already streamed, so it runs with
  ``num_tries=1`` and this module retries, only before the first chunk.
* every HTTP request, fastapi-poe's error reports included, passes the
  :class:`~poe_lsp.poe.ratelimit.RateLimiter` in a request hook.
* closing the stream (cancel, or leaving the ``async for`` early) closes the
  upstream HTTP response at once.
* fastapi-poe stops reading at the ``done`` event, just before the response
  ends, so httpx drops the connection and every request paid a new TCP (and
  TLS) handshake; :class:`_FinishingStream` reads those last bytes, so the
  connection serves the next request.

The API key goes into the Authorization header and nowhere else: not into
messages, details, exceptions or log lines.

Why one module of this length: each fix above works around the same library
call from a different side (hooks, retries, the stream's end); apart, a reader
would have to hold several modules to see one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from poe_lsp.core.botnames import is_bot_name, quoted
from poe_lsp.core.endpoints import DEFAULT_BASE_URL, PROJECT_URL
from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.poe.retrying import RetryPolicy, TextEvent, stream_with_retries

__all__ = ["PoeClient", "TextEvent", "parse_retry_after"]

if TYPE_CHECKING:
    from types import ModuleType

    from poe_lsp.core.conversation import Turn
    from poe_lsp.poe.attachments import Uploaded

logger = logging.getLogger(__name__)

_DETAIL_LIMIT = 160
KEEPALIVE_SECONDS = 30.0
"""How long an idle connection to Poe is kept for the next request (httpx: 5 s)."""
FINISH_SECONDS = 0.05
"""How long the end of a response is awaited after its ``done`` event."""
_DONE_EVENT = re.compile(rb"event: ?done\r?\n")


class _Attempt:
    """What the response hook saw for the current attempt's query request."""

    def __init__(self, idle_timeout: float | None = None) -> None:
        self.status: int | None = None
        self.retry_after: float | None = None
        self.idle_timeout = idle_timeout


# httpx runs event hooks in the task that sends the request, i.e. the task
# iterating the stream, so a context variable finds the attempt's record.
_attempt: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "poe_lsp_attempt", default=None
)

_fastapi_poe: ModuleType | None = None


def _fp() -> ModuleType:
    """fastapi_poe, imported on first use: it costs ~0.3 s (fastapi, uvicorn)."""
    global _fastapi_poe
    if _fastapi_poe is None:
        import fastapi_poe
        import fastapi_poe.client

        _fastapi_poe = fastapi_poe
    return _fastapi_poe


def _log_library_error(error: Exception, message: str) -> None:
    # Replaces fastapi-poe's default handler, which prints to stdout (the LSP channel).
    logger.info("fastapi-poe: %s (%s)", message, type(error).__name__)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    if len(line) > _DETAIL_LIMIT:
        line = line[: _DETAIL_LIMIT - 1].rstrip() + "…"
    return line


def _causes(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


class PoeClient(RetryPolicy):
    """Streams prompts to Poe bots over one shared HTTP connection pool."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, **policy: Any) -> None:
        super().__init__(api_key, **policy)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._session = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=self.connect_timeout, read=self.idle_timeout, write=30.0, pool=60.0
            ),
            event_hooks={"request": [self._before_request], "response": [self._on_response]},
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._session.aclose()

    # -- hooks -----------------------------------------------------------------------

    async def _before_request(self, request: httpx.Request) -> None:
        record = _attempt.get()
        if record is not None and record.idle_timeout is not None:
            # The session is shared and long-lived; the idle timeout is a setting
            # the user may change at any time, so each request carries its own.
            timeout = dict(request.extensions.get("timeout", {}))
            timeout["read"] = record.idle_timeout
            request.extensions["timeout"] = timeout
        await self.limiter.acquire()

    async def _on_response(self, response: httpx.Response) -> None:
        record = _attempt.get()
        # The first response of an attempt is the query; later ones are error reports.
        if record is not None and record.status is None:
            record.status = response.status_code
            record.retry_after = parse_retry_after(response.headers.get("retry-after"))
            if isinstance(response.stream, httpx.AsyncByteStream):
                response.stream = _FinishingStream(response.stream)

    # -- streaming -------------------------------------------------------------------

    async def stream(
        self,
        bot: str,
        prompt: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        app_title: str = "poe-lsp",
        app_referer: str = PROJECT_URL,
        on_retry: Callable[[PoeError, float], None] | None = None,
        idle_timeout: float | None = None,
        attachments: Sequence[Uploaded] = (),
        history: Sequence[Turn] = (),
    ) -> AsyncGenerator[TextEvent, None]:
        """Stream ``bot``'s answer to ``prompt``; failures raise :class:`PoeError`.

        ``attachments`` (already uploaded) go on the user message; ``history``
        (a follow-up's earlier messages) goes before it, as ``user``/``bot`` messages.

        Retries (up to ``max_tries`` attempts) happen only before the first chunk;
        ``on_retry(error, delay)`` is called before each wait.  Any failure after
        the first chunk is ``BOT_FAILED_MID_ANSWER``.  ``idle_timeout`` (default:
        the client's) is how long the bot may send nothing at all before the
        request fails as ``TIMED_OUT``.
        """
        if not is_bot_name(bot):
            # The name is a path on the user's endpoint: never request another one.
            raise PoeError(ErrorKind.BAD_BOT_NAME, bot=quoted(bot))
        if not self._api_key:
            raise PoeError(ErrorKind.NO_KEY, bot=bot)
        fp = _fp()
        headers = {"X-Title": app_title, "HTTP-Referer": app_referer}
        idle = self.idle_timeout if idle_timeout is None else idle_timeout
        records: list[_Attempt] = []

        async def one_attempt() -> AsyncGenerator[TextEvent, None]:
            record = _Attempt(idle)
            records.append(record)
            token = _attempt.set(record)
            try:
                upstream = fp.stream_request(
                    self._query(prompt, parameters, attachments, history),
                    bot,
                    self._api_key,
                    base_url=self.base_url,
                    extra_headers=headers,
                    on_error=_log_library_error,
                    num_tries=1,
                    session=self._session,
                )
                async with contextlib.aclosing(upstream) as messages:
                    async for message in messages:
                        event = _to_event(message)
                        if event is not None:
                            yield event
            finally:
                with contextlib.suppress(ValueError):  # reset from another context
                    _attempt.reset(token)

        async with contextlib.aclosing(
            stream_with_retries(
                bot,
                one_attempt,
                lambda exc: self._classify(exc, records[-1], bot),
                max_tries=self.max_tries,
                base_delay=self.retry_base_delay,
                limiter=self.limiter,
                on_retry=on_retry,
            )
        ) as events:
            async for event in events:
                yield event

    def _query(
        self,
        prompt: str,
        parameters: Mapping[str, Any] | None,
        attachments: Sequence[Uploaded] = (),
        history: Sequence[Turn] = (),
    ) -> Any:
        fp = _fp()
        earlier = [
            # The bot protocol's roles are the conversation's own: user and bot.
            fp.ProtocolMessage(role=turn.role, content=turn.text, message_id=str(uuid.uuid4()))
            for turn in history
        ]
        return fp.QueryRequest(
            version=fp.client.PROTOCOL_VERSION,
            type="query",
            query=[
                *earlier,
                fp.ProtocolMessage(
                    role="user",
                    content=prompt,
                    parameters=dict(parameters or {}),
                    attachments=[
                        fp.Attachment(url=a.url, content_type=a.content_type, name=a.name)
                        for a in attachments
                    ],
                    message_id=str(uuid.uuid4()),
                ),
            ],
            user_id=str(uuid.uuid4()),
            conversation_id=str(uuid.uuid4()),
            message_id=str(uuid.uuid4()),
        )

    def _classify(self, exc: Exception, record: _Attempt, bot: str) -> tuple[PoeError, bool]:
        """The user-facing error for a failed attempt, and whether a retry may help."""
        if isinstance(exc, PoeError):
            return exc, False
        status = record.status
        if status is not None and status != 200:
            return _status_error(status, record.retry_after, bot)
        payload = _error_event(exc)
        if payload is not None:
            return _event_error(payload, bot)
        chain = _causes(exc)
        if any(isinstance(e, httpx.ConnectError | httpx.ConnectTimeout) for e in chain):
            return PoeError(ErrorKind.UNREACHABLE, bot=bot, detail=self._host()), True
        if any(isinstance(e, httpx.TimeoutException) for e in chain):
            idle = self.idle_timeout if record.idle_timeout is None else record.idle_timeout
            detail = f"nothing received for {idle:g} s"
            return PoeError(ErrorKind.TIMED_OUT, bot=bot, detail=detail), False
        if any(isinstance(e, httpx.RemoteProtocolError | httpx.ReadError) for e in chain):
            return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail="connection dropped"), True
        if any(isinstance(e, httpx.TransportError) for e in chain):
            return PoeError(ErrorKind.UNREACHABLE, bot=bot, detail=self._host()), True
        logger.warning("%s: unexpected failure: %s", bot, type(exc).__name__, exc_info=True)
        detail = _one_line(str(exc)) if isinstance(exc, _fp().BotError) else type(exc).__name__
        return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail=detail), False

    def _host(self) -> str:
        return httpx.URL(self.base_url).host or self.base_url

    # -- probe -----------------------------------------------------------------------

    async def probe(
        self,
        bot: str,
        *,
        app_title: str = "poe-lsp",
        app_referer: str = PROJECT_URL,
    ) -> tuple[bool, str]:
        """Ask ``bot`` for its settings (spends no points): ``(ok, one-line description)``."""
        if not is_bot_name(bot):
            return False, PoeError(ErrorKind.BAD_BOT_NAME, bot=quoted(bot)).message
        if not self._api_key:
            return False, PoeError(ErrorKind.NO_KEY, bot=bot).message
        fp = _fp()
        token = _attempt.set(None)
        try:
            response = await self._session.post(
                self.base_url + bot,
                headers={
                    "Authorization": f"Bearer {self._api_key}",
                    "X-Title": app_title,
                    "HTTP-Referer": app_referer,
                },
                json={"version": fp.client.PROTOCOL_VERSION, "type": "settings"},
            )
        except httpx.HTTPError as exc:
            error, _ = self._classify(exc, _Attempt(), bot)
            return False, error.message
        finally:
            with contextlib.suppress(ValueError):
                _attempt.reset(token)
        if response.status_code == 200:
            return True, "answers (HTTP 200)"
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        error, _ = _status_error(response.status_code, retry_after, bot)
        return False, error.message


class _FinishingStream(httpx.AsyncByteStream):
    """A response body that, closed after its ``done`` event, first reads the
    response to its end (briefly), so that httpx keeps the connection.

    Closed before ``done`` (a cancelled job, a failure) it closes at once,
    which closes the connection and tells the bot to stop.
    """

    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner
        self._chunks: AsyncIterator[bytes] | None = None
        self._tail = b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = self._inner.__aiter__()
        async for chunk in self._chunks:
            self._tail = (self._tail + chunk[-64:])[-64:]
            yield chunk

    async def aclose(self) -> None:
        try:
            if self._chunks is not None and _DONE_EVENT.search(self._tail):
                with contextlib.suppress(Exception):  # the end did not come: drop it
                    async with asyncio.timeout(FINISH_SECONDS):
                        async for _ in self._chunks:
                            pass
        finally:
            await self._inner.aclose()


def _to_event(message: Any) -> TextEvent | None:
    """The text of a BotMessage, or None for what an editor has no use for."""
    if getattr(message, "is_suggested_reply", False) or getattr(message, "data", None):
        return None
    text = getattr(message, "text", "")
    replace = bool(getattr(message, "is_replace_response", False))
    if not isinstance(text, str) or (not text and not replace):
        return None  # meta events, files, empty chunks
    return TextEvent(text, replace=replace)


def _status_error(status: int, retry_after: float | None, bot: str) -> tuple[PoeError, bool]:
    if status in (401, 403):
        return PoeError(ErrorKind.KEY_REJECTED, bot=bot, detail=f"HTTP {status}"), False
    if status == 402:
        return PoeError(ErrorKind.OUT_OF_POINTS, bot=bot, detail="HTTP 402"), False
    if status == 404:
        return PoeError(ErrorKind.UNKNOWN_BOT, bot=bot, detail="HTTP 404"), False
    if status == 429:
        detail = "HTTP 429" if retry_after is None else f"HTTP 429, retry after {retry_after:g} s"
        return PoeError(
            ErrorKind.RATE_LIMITED, bot=bot, detail=detail, retry_after=retry_after
        ), True
    return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail=f"HTTP {status}"), status >= 500


def _error_event(exc: Exception) -> dict[str, Any] | None:
    """The JSON payload of an ``error`` SSE event, if that is what ``exc`` carries."""
    if not isinstance(exc, _fp().BotError):
        return None
    try:
        payload = json.loads(str(exc))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _event_error(payload: dict[str, Any], bot: str) -> tuple[PoeError, bool]:
    text = payload.get("text")
    detail = _one_line(text) if isinstance(text, str) else ""
    error_type = payload.get("error_type")
    if error_type == "insufficient_fund":
        return PoeError(ErrorKind.OUT_OF_POINTS, bot=bot, detail=detail), False
    if error_type == "user_message_too_long":
        return PoeError(ErrorKind.PROMPT_TOO_LONG, bot=bot, detail=detail), False
    allow_retry = payload.get("allow_retry", True) is not False
    return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail=detail), allow_retry
