"""The job pipeline: a request in, the answer streamed out.

The language server's jobs and ``poe-lsp ask`` both call :func:`stream_answer`:
it uploads the attachments (each content once per session, an optional one
left out with a notice when its upload fails), streams the bot's answer over
the chosen transport (retries before the first chunk only, through the shared
rate limiter), honours a replacing answer, and stops a runaway answer at the
cap.  What the caller does with the text — write it, show it, plan edits from
it with :mod:`poe_lsp.core.planning` — is the caller's business.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from poe_lsp.core.endpoints import PROJECT_URL
from poe_lsp.core.errors import ErrorKind, PoeError

if TYPE_CHECKING:
    from poe_lsp.core.conversation import Turn
    from poe_lsp.core.settings import Settings

    from .attachments import FileToAttach, Uploaded, Uploader
    from .transport import Transport

Notify = Callable[[str], None]
"""Tells the user something on the way (a step, or a warning)."""


def _quiet(_message: str) -> None:
    return None


class AnswerTooLong(PoeError):
    """The answer passed the cap; ``partial`` holds it up to the cap."""

    def __init__(self, bot: str, cap: int, partial: str) -> None:
        super().__init__(ErrorKind.ANSWER_TOO_LONG, bot=bot, detail=f"{cap} characters")
        self.partial = partial


@dataclass(frozen=True)
class AnswerRequest:
    """Everything one answer needs."""

    bot: str
    prompt: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    attachments: Sequence[FileToAttach] = ()
    app_title: str = "poe-lsp"
    app_referer: str = PROJECT_URL
    idle_seconds: float = 120.0
    max_chars: int = 200_000
    history: Sequence[Turn] = ()
    """The conversation before ``prompt`` (a follow-up's), oldest first."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        bot: str,
        prompt: str,
        parameters: Mapping[str, Any],
        attachments: Sequence[FileToAttach] = (),
        history: Sequence[Turn] = (),
    ) -> AnswerRequest:
        """A request with the user's app headers, idle timeout and answer cap."""
        return cls(
            bot=bot,
            prompt=prompt,
            parameters=parameters,
            attachments=attachments,
            app_title=settings.app_title,
            app_referer=settings.app_referer,
            idle_seconds=settings.idle_seconds,
            max_chars=settings.answer_max_chars,
            history=history,
        )


async def upload_all(
    uploader: Uploader,
    files: Sequence[FileToAttach],
    *,
    progress: Notify = _quiet,
    warn: Notify = _quiet,
) -> list[Uploaded]:
    """Upload the files; an optional one that fails is left out, with a warning."""
    uploaded: list[Uploaded] = []
    for file in files:
        progress(f"uploading {file.name}…")
        try:
            uploaded.append(await uploader.upload(file))
        except PoeError as exc:
            if not file.optional:
                raise
            warn(f"{exc.message} The prompt was sent without {file.name}.")
    return uploaded


async def stream_answer(
    transport: Transport,
    uploader: Uploader | None,
    request: AnswerRequest,
    *,
    progress: Notify = _quiet,
    warn: Notify = _quiet,
    on_retry: Callable[[PoeError, float], None] | None = None,
) -> AsyncGenerator[str, None]:
    """Yield the whole answer so far, each time more of it arrives.

    Raises :class:`PoeError` for every failure, ``ANSWER_TOO_LONG`` once the
    answer passes ``request.max_chars`` (the upstream stream is closed then).
    """
    uploaded: list[Uploaded] = []
    if request.attachments and uploader is not None:
        uploaded = await upload_all(uploader, request.attachments, progress=progress, warn=warn)
    events = transport.stream(
        request.bot,
        request.prompt,
        parameters=request.parameters,
        app_title=request.app_title,
        app_referer=request.app_referer,
        on_retry=on_retry,
        idle_timeout=request.idle_seconds,
        attachments=uploaded,
        history=request.history,
    )
    text = ""
    async with contextlib.aclosing(events) as stream:
        async for event in stream:
            text = event.text if event.replace else text + event.text
            if len(text) > request.max_chars:
                # A runaway answer: stop reading (leaving the block closes the
                # upstream stream); what was read up to the cap goes with the
                # error, to show, never to write.
                raise AnswerTooLong(request.bot, request.max_chars, text[: request.max_chars])
            yield text
