"""Talking to Poe's OpenAI-compatible endpoint (``transport: "openai"``).

The same interface as :class:`poe_lsp.poe.bot_protocol.PoeClient` — ``stream(...)``
yields :class:`~poe_lsp.poe.bot_protocol.TextEvent` and every failure is a
:class:`~poe_lsp.core.errors.PoeError` of the same kinds — over
``POST <base>/chat/completions`` with ``stream: true``, through the ``openai``
package (imported on first use: start-up time).

Differences from the bot protocol, on Poe's side:

* custom ``parameters`` are not supported there (Poe's documentation), so they
  are not sent; the server tells the user once;
* there are no message attachments.

Retries, as in the bot protocol client, happen only before the first chunk,
and every request passes the shared rate limiter.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from poe_lsp.core.botnames import is_bot_name, quoted
from poe_lsp.core.endpoints import DEFAULT_OPENAI_BASE_URL, PROJECT_URL
from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.settings import PARAMETERS_IGNORED_NOTE

from .bot_protocol import TextEvent, parse_retry_after
from .retrying import RetryPolicy, stream_with_retries

if TYPE_CHECKING:
    from poe_lsp.core.conversation import Turn

    from .attachments import Uploaded

logger = logging.getLogger(__name__)

PARAMETERS_IGNORED = PARAMETERS_IGNORED_NOTE
"""The note the user gets (once) when parameters would have been sent."""


class OpenAIClient(RetryPolicy):
    """Streams prompts to Poe bots through the OpenAI-compatible chat completions API."""

    def __init__(
        self, api_key: str, base_url: str = DEFAULT_OPENAI_BASE_URL, **policy: Any
    ) -> None:
        super().__init__(api_key, **policy)
        self.base_url = base_url.rstrip("/")
        self._client: Any = None

    def _openai(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                max_retries=0,  # retried here, and only before the first chunk
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

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

        ``history`` (a follow-up's earlier messages) goes first, the bot's
        messages in the ``assistant`` role chat completions know.

        ``parameters`` and ``attachments`` are not sent (the endpoint has neither);
        callers tell the user.
        """
        if not is_bot_name(bot):
            raise PoeError(ErrorKind.BAD_BOT_NAME, bot=quoted(bot))
        if not self._api_key:
            raise PoeError(ErrorKind.NO_KEY, bot=bot)
        if parameters:
            logger.info("%s: parameters not sent over the OpenAI-compatible endpoint", bot)
        if attachments:
            logger.info("%s: attachments not sent over the OpenAI-compatible endpoint", bot)
        import openai

        client = self._openai()
        idle = self.idle_timeout if idle_timeout is None else idle_timeout
        timeout = openai.Timeout(connect=self.connect_timeout, read=idle, write=30.0, pool=60.0)
        create = client.chat.completions.create
        headers = {"X-Title": app_title, "HTTP-Referer": app_referer}

        async def one_attempt() -> AsyncGenerator[TextEvent, None]:
            await self.limiter.acquire()
            response = await create(
                model=bot,
                messages=[
                    *(
                        {"role": "assistant" if t.role == "bot" else "user", "content": t.text}
                        for t in history
                    ),
                    {"role": "user", "content": prompt},
                ],
                stream=True,
                extra_headers=headers,
                timeout=timeout,
            )
            async with response as chunks:
                async for chunk in chunks:
                    for choice in chunk.choices or ():
                        text = getattr(choice.delta, "content", None)
                        if text:
                            yield TextEvent(text)

        async with contextlib.aclosing(
            stream_with_retries(
                bot,
                one_attempt,
                lambda exc: self._classify(exc, bot, idle),
                max_tries=self.max_tries,
                base_delay=self.retry_base_delay,
                limiter=self.limiter,
                on_retry=on_retry,
            )
        ) as events:
            async for event in events:
                yield event

    async def probe(
        self,
        bot: str,
        *,
        app_title: str = "poe-lsp",
        app_referer: str = PROJECT_URL,
    ) -> tuple[bool, str]:
        """Whether the endpoint answers and lists ``bot`` (``GET <base>/models``).

        The catalogue needs no key, so none is sent and no points are spent;
        the key itself is first checked by a job.
        """
        if not self._api_key:
            return False, PoeError(ErrorKind.NO_KEY, bot=bot).message
        import httpx

        await self.limiter.acquire()
        headers = {"X-Title": app_title, "HTTP-Referer": app_referer}
        try:
            async with httpx.AsyncClient(timeout=self.connect_timeout) as client:
                response = await client.get(f"{self.base_url}/models", headers=headers)
        except httpx.HTTPError:
            return False, PoeError(ErrorKind.UNREACHABLE, bot=bot, detail=self._host()).message
        if response.status_code != 200:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return False, _status_error(response.status_code, retry_after, bot)[0].message
        try:
            listed = {str(m.get("id")) for m in response.json().get("data", [])}
        except (ValueError, AttributeError):
            return False, "answers, but its model list is not JSON (is this Poe's /v1?)"
        if bot not in listed:
            return False, PoeError(ErrorKind.UNKNOWN_BOT, bot=bot, detail="not listed").message
        return True, "answers (HTTP 200) and lists the bot; the key is checked by the first job"

    def _classify(self, exc: Exception, bot: str, idle: float) -> tuple[PoeError, bool]:
        """The user-facing error for a failed attempt, and whether a retry may help."""
        import openai

        if isinstance(exc, PoeError):
            return exc, False
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
            return _status_error(status, retry_after, bot)
        if isinstance(exc, openai.APITimeoutError):
            detail = f"nothing received for {idle:g} s"
            return PoeError(ErrorKind.TIMED_OUT, bot=bot, detail=detail), False
        if isinstance(exc, openai.APIConnectionError):
            return PoeError(ErrorKind.UNREACHABLE, bot=bot, detail=self._host()), True
        if isinstance(exc, openai.APIError):
            # An error event inside the stream.
            detail = " ".join(str(exc.message).split())[:160]
            return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail=detail), False
        if _is_transport_error(exc):
            return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail="connection dropped"), True
        logger.warning("%s: unexpected failure: %s", bot, type(exc).__name__, exc_info=True)
        return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail=type(exc).__name__), False

    def _host(self) -> str:
        rest = self.base_url.split("://", 1)[-1]
        return rest.split("/", 1)[0] or self.base_url


def _is_transport_error(exc: BaseException) -> bool:
    """A dropped connection while reading the stream (the openai package lets the
    HTTP library's own exception through there)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ in (
            "RemoteProtocolError",
            "ReadError",
            "ReadTimeout",
            "TransportError",
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _status_error(status: int, retry_after: float | None, bot: str) -> tuple[PoeError, bool]:
    if status in (401, 403):
        return PoeError(ErrorKind.KEY_REJECTED, bot=bot, detail=f"HTTP {status}"), False
    if status == 402:
        return PoeError(ErrorKind.OUT_OF_POINTS, bot=bot, detail="HTTP 402"), False
    if status == 404:
        return PoeError(ErrorKind.UNKNOWN_BOT, bot=bot, detail="HTTP 404"), False
    if status == 413:
        return PoeError(ErrorKind.PROMPT_TOO_LONG, bot=bot, detail="HTTP 413"), False
    if status == 429:
        detail = "HTTP 429" if retry_after is None else f"HTTP 429, retry after {retry_after:g} s"
        return PoeError(
            ErrorKind.RATE_LIMITED, bot=bot, detail=detail, retry_after=retry_after
        ), True
    return PoeError(ErrorKind.BOT_FAILED, bot=bot, detail=f"HTTP {status}"), status >= 500
