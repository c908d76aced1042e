"""One interface for the two ways to reach Poe, and the one place that picks.

``transport: poe`` (the default) speaks the bot protocol through fastapi-poe
(:mod:`.bot_protocol`); ``transport: openai`` speaks chat completions to the
OpenAI-compatible endpoint (:mod:`.openai_compat`).  Both stream
:class:`~poe_lsp.poe.retrying.TextEvent` s, retry only before the first chunk,
share one rate limiter, and raise :class:`~poe_lsp.core.errors.PoeError`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from poe_lsp.core.conversation import Turn
    from poe_lsp.core.errors import PoeError
    from poe_lsp.core.settings import Secrets

    from .attachments import Uploaded
    from .ratelimit import RateLimiter
    from .retrying import TextEvent


class Transport(Protocol):
    """What a job needs from a way of reaching Poe."""

    limiter: RateLimiter
    """Every request of the session passes this limiter (Poe allows 500 a minute)."""

    def stream(
        self,
        bot: str,
        prompt: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        app_title: str = ...,
        app_referer: str = ...,
        on_retry: Callable[[PoeError, float], None] | None = None,
        idle_timeout: float | None = None,
        attachments: Sequence[Uploaded] = (),
        history: Sequence[Turn] = (),
    ) -> AsyncGenerator[TextEvent, None]:
        """Stream ``bot``'s answer to ``prompt``, said after the messages of ``history``."""
        ...

    async def probe(
        self, bot: str, *, app_title: str = ..., app_referer: str = ...
    ) -> tuple[bool, str]:
        """Whether ``bot`` can be reached, without spending points: ``(ok, one line)``."""
        ...

    async def aclose(self) -> None:
        """Close the connection pool."""
        ...


def open_transport(secrets: Secrets) -> Transport:
    """The transport the user chose (``transport`` is a user-only setting)."""
    if secrets.transport == "openai":
        from .openai_compat import OpenAIClient

        return OpenAIClient(secrets.api_key, secrets.openai_base_url)
    from .bot_protocol import PoeClient

    return PoeClient(secrets.api_key, secrets.base_url)
