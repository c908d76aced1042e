"""Conversations: what a finished job said to its bot and heard back, for follow-ups.

A follow-up (``poe.followUp``) sends a job's whole conversation again, plus a new
prompt, so the bot answers in context ("shorter", "keep the old names").  This
module keeps those conversations for the session, as plain data: no LSP, no
HTTP.  Where a conversation's range now lies in its document is the LSP
layer's business (:mod:`poe_lsp.lsp.conversations`).

Memory is bounded twice: at most :data:`MAX_CONVERSATIONS` are kept (the oldest
go first), and a conversation longer than :data:`MAX_CHARS` loses its oldest
exchanges after the first (the first holds the code the talk is about).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from .textdoc import Span, follow_change

Role = Literal["user", "bot"]

P = TypeVar("P")

MAX_CONVERSATIONS = 50
"""Finished conversations kept per session; the oldest is dropped first."""

MAX_CHARS = 400_000
"""The longest conversation kept, in characters of message text."""


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: the user's prompt, or the bot's answer."""

    role: Role
    text: str


def trimmed(turns: tuple[Turn, ...], max_chars: int = MAX_CHARS) -> tuple[Turn, ...]:
    """``turns`` within ``max_chars``: the oldest exchanges after the first go first.

    The first exchange (prompt and answer) always stays, and so does the last
    one: without the code and without the latest answer a follow-up makes no
    sense.  Exchanges are dropped whole, so roles keep alternating.
    """
    kept = list(turns)
    while sum(len(t.text) for t in kept) > max_chars and len(kept) > 4:
        del kept[2:4]
    return tuple(kept)


class FollowedRange:
    """A finished job's range, following every change of its document.

    Unlike a hover region it never goes stale: a change inside it (the user
    accepting the job's proposal, or retouching the code) widens or narrows it,
    so a follow-up works on the code that is there now.
    """

    def __init__(self, span: Span) -> None:
        self.span = span
        self.closed = False

    def on_change(self, replaced: Span, new_text: str, doc_after: str) -> None:
        """Follow one content change of the document."""
        self.span, _touched = follow_change(self.span, replaced, new_text)

    def on_close(self) -> None:
        """The document was closed: the range means nothing any more."""
        self.closed = True


@dataclass(frozen=True)
class Conversation(Generic[P]):
    """A finished job's conversation and what a follow-up needs to go on from it."""

    job_id: str
    bot: str
    action: str
    uri: str
    edits: bool
    """Whether the job's answer became an edit (a follow-up then proposes a new one)."""
    parameters: Mapping[str, Any]
    turns: tuple[Turn, ...]
    place: P
    """Where the job's range lies now (the LSP layer's range follower)."""
    path: str = ""
    """The document's path as prompts name it."""
    language: str = ""


class ConversationStore(Generic[P]):
    """The session's finished conversations, newest last, bounded in number."""

    def __init__(
        self,
        limit: int = MAX_CONVERSATIONS,
        on_drop: Callable[[Conversation[P]], None] | None = None,
    ) -> None:
        self.limit = limit
        self.on_drop = on_drop
        """Called for each conversation the bound pushes out (to stop following its range)."""
        self._items: OrderedDict[str, Conversation[P]] = OrderedDict()

    def add(self, conversation: Conversation[P]) -> None:
        """Keep ``conversation``; the oldest go when there are more than ``limit``."""
        self._items[conversation.job_id] = conversation
        while len(self._items) > self.limit:
            _, dropped = self._items.popitem(last=False)
            if self.on_drop is not None:
                self.on_drop(dropped)

    def get(self, job_id: str) -> Conversation[P] | None:
        """The conversation of job ``job_id``, if it is kept."""
        return self._items.get(job_id)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Conversation[P]]:
        return iter(list(self._items.values()))
