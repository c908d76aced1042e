"""Review proposals: a finished answer as hunks the user accepts or rejects.

Plain core (no pygls, no lsprotocol).  In ``edits.mode: review`` nothing is
written while the bot answers; when the job is done, :func:`diff_hunks`
compares the whole lines the target range touches with the same lines as the
answer would leave them, line by line.  Each maximal run of changed lines is a
:class:`Hunk` (no context lines: two changes with an unchanged line between
them are two hunks), a span of whole lines of the current document and the
text that replaces it.  A pure insertion is an empty span at a line start.

A :class:`Proposal` holds one job's pending hunks and follows the document the
way :class:`~poe_lsp.core.textdoc.RangeTracker` follows a job's range:

* a change elsewhere moves the hunks;
* a change that does exactly what accepting a hunk does (however the client
  reports it: verbatim, as a minimal diff, or as several changes in one
  ``didChange``) is that hunk being accepted;
* any other change that touches a hunk's lines drops that hunk only: the
  user's text wins, the rest of the proposal stays.

:class:`ProposalStore` keeps every document's proposals and tells one
observer (the LSP review feature) whenever a proposal changes.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from .textdoc import DocumentStore, Span, follow_change

log = logging.getLogger(__name__)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BREAKS = ("\n", "\r")

ACCEPTED = "accepted"
REJECTED = "rejected"
DROPPED = "dropped"
"""Why hunks leave a proposal: the user's edit touched their lines, the
document closed, or a new job on the range replaced the proposal."""


def split_lines(text: str) -> list[str]:
    """Lines with their breaks (``\\n``, ``\\r\\n`` or ``\\r``, as LSP counts lines)."""
    return _LINE.findall(text)


def _line_start(text: str, offset: int) -> int:
    """The start of the line holding ``offset``."""
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    if 0 < start < len(text) and text[start - 1] == "\r" and text[start] == "\n":
        start += 1  # inside a "\r\n": the line starts after both
    return start


def _next_line_start(text: str, offset: int) -> int:
    """The start of the line after the one holding ``offset`` (or the end of the text)."""
    for index in range(offset, len(text)):
        if text[index] == "\n":
            return index + 1
        if text[index] == "\r":
            return index + 2 if text[index + 1 : index + 2] == "\n" else index + 1
    return len(text)


def _at_line_start(text: str, offset: int) -> bool:
    return offset == 0 or (
        text[offset - 1] in _BREAKS
        and not (text[offset - 1] == "\r" and text[offset : offset + 1] == "\n")
    )


@dataclass(frozen=True)
class Hunk:
    """One maximal run of changed whole lines, as it stands in the document now."""

    id: int
    """Small, unique and stable within its job (1, 2, … top to bottom)."""
    span: Span
    """Whole lines of the current document; empty (at a line start) for a pure insertion."""
    old_text: str
    """What ``span`` holds: a hunk is only ever applied over exactly this text."""
    new_text: str
    """What accepting the hunk puts in place of ``old_text``."""

    def summary(self) -> str:
        """What the hunk does, in words: ``replace 3 lines with 2``."""
        old, new = len(split_lines(self.old_text)), len(split_lines(self.new_text))
        if not old:
            return f"insert {_lines(new)}"
        if not new:
            return f"delete {_lines(old)}"
        if old == new:
            return f"change {_lines(old)}"
        return f"replace {_lines(old)} with {new}"


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def diff_hunks(text: str, span: Span, replacement: str) -> list[tuple[Span, str, str]]:
    """The hunks that turn ``text[span]`` into ``replacement``, as whole lines of ``text``.

    The comparison covers the lines ``span`` touches (a range starting or
    ending inside a line takes the rest of that line along, unchanged), so
    every hunk is whole lines: ``(span of text, old text, new text)``.
    """
    start = _line_start(text, span.start)
    if span.end > span.start and _at_line_start(text, span.end):
        end = span.end
    else:
        end = _next_line_start(text, span.end) if span.end < len(text) else len(text)
        if span.end == span.start and _at_line_start(text, span.end):
            end = span.end  # an insertion between two lines
    new = text[start : span.start] + replacement + text[span.end : end]
    if new and not new.endswith(_BREAKS) and end < len(text):
        # The answer's last line would run into the next line: that line changes too.
        following = _next_line_start(text, end)
        new += text[end:following]
        end = following
    old_lines, new_lines = split_lines(text[start:end]), split_lines(new)
    offsets = [start]
    for line in old_lines:
        offsets.append(offsets[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks: list[tuple[Span, str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        hunk_span = Span(offsets[i1], offsets[i2])
        hunks.append((hunk_span, text[hunk_span.start : hunk_span.end], "".join(new_lines[j1:j2])))
    return hunks


def _apply(text: str, hunks: Iterable[Hunk]) -> str:
    """``text`` with ``hunks`` (non-overlapping, any order) accepted."""
    for hunk in sorted(hunks, key=lambda h: h.span.start, reverse=True):
        text = text[: hunk.span.start] + hunk.new_text + text[hunk.span.end :]
    return text


Update = Callable[["Proposal", Mapping[int, str]], None]
"""``(proposal, {hunk id: why it left})``; an empty mapping means the hunks only moved."""


class Proposal:
    """One job's pending hunks in one document, following the document's changes."""

    def __init__(
        self,
        job_id: str,
        uri: str,
        bot: str,
        action: str,
        text: str,
        region: Span,
        hunks: list[Hunk],
        group: str | None = None,
    ) -> None:
        self.job_id = job_id
        self.group = group
        """The compare whose alternative answers this proposal is one of, if any."""
        self.uri = uri
        self.bot = bot
        self.action = action
        self.region = region
        """The job's target range, following edits: what a new job may overlap."""
        self.hunks: dict[int, Hunk] = {hunk.id: hunk for hunk in hunks}
        self.on_update: Update | None = None
        self._text = text

    def __iter__(self) -> Iterator[Hunk]:
        return iter(sorted(self.hunks.values(), key=lambda h: h.span.start))

    def __len__(self) -> int:
        return len(self.hunks)

    def pending(self, ids: Iterable[int] | None = None) -> list[Hunk]:
        """The pending hunks with these ids (all when ``None``), top to bottom."""
        wanted = None if ids is None else set(ids)
        return [hunk for hunk in self if wanted is None or hunk.id in wanted]

    def accepted_text(self, ids: Iterable[int] | None = None) -> str:
        """The document as it would be with these hunks accepted."""
        return _apply(self._text, self.pending(ids))

    def remove(self, ids: Iterable[int], why: str) -> None:
        """Take hunks out (rejected, or the proposal replaced) and tell the observer."""
        gone = {hunk_id: why for hunk_id in ids if self.hunks.pop(hunk_id, None) is not None}
        if gone:
            self._notify(gone)

    # -- following the document (the DocumentStore's listener protocol) ---------------

    def is_echo(self, doc_after: str) -> bool:
        """Whether a whole ``didChange`` batch is the acceptance of some hunks
        (the store then reports the batch to us as one change)."""
        return self._accepted_by(doc_after) is not None

    def _candidates(self) -> Iterator[list[Hunk]]:
        hunks = self.pending()
        yield from ([hunk] for hunk in hunks)
        if len(hunks) > 1:
            yield hunks  # "Accept all": one edit

    def _accepted_by(self, doc_after: str) -> list[Hunk] | None:
        before = self._text
        for hunks in self._candidates():
            growth = sum(len(h.new_text) - len(h.old_text) for h in hunks)
            if len(doc_after) == len(before) + growth and _apply(before, hunks) == doc_after:
                return hunks
        return None

    def on_change(self, replaced: Span, new_text: str, doc_after: str) -> None:
        """Account for one content change (see the module docstring)."""
        before_hunks = self.pending()
        # Not only for changes that reach a hunk: a client's minimal diff may
        # start past it (Neovim reports a line inserted above a line with the
        # same indent as a change after that indent).  The whole document
        # decides, and the length check keeps this cheap.
        accepted = self._accepted_by(doc_after)
        self._text = doc_after
        self.region, _ = follow_change(self.region, replaced, new_text)
        gone: dict[int, str] = {}
        if accepted is not None:
            taken = {hunk.id for hunk in accepted}
            for hunk in before_hunks:
                if hunk.id in taken:
                    gone[hunk.id] = ACCEPTED
                    del self.hunks[hunk.id]
                else:
                    # The exact shift, not the client's rendering of the change.
                    shift = sum(
                        len(a.new_text) - len(a.old_text)
                        for a in accepted
                        if a.span.end <= hunk.span.start
                    )
                    moved = Span(hunk.span.start + shift, hunk.span.end + shift)
                    self.hunks[hunk.id] = Hunk(hunk.id, moved, hunk.old_text, hunk.new_text)
        else:
            for hunk in before_hunks:
                moved, touched = follow_change(hunk.span, replaced, new_text)
                if touched or not self._still_whole(moved, hunk.old_text):
                    gone[hunk.id] = DROPPED
                    del self.hunks[hunk.id]
                elif moved != hunk.span:
                    self.hunks[hunk.id] = Hunk(hunk.id, moved, hunk.old_text, hunk.new_text)
        if gone or self.pending() != before_hunks:
            self._notify(gone)

    def _still_whole(self, span: Span, old_text: str) -> bool:
        """Whether ``span`` still holds exactly its lines: typing just before or
        after a hunk on the same line changes that line, so the hunk goes."""
        text = self._text
        if text[span.start : span.end] != old_text or not _at_line_start(text, span.start):
            return False
        if span.start == span.end or span.end == len(text):
            return True
        return _at_line_start(text, span.end)

    def on_close(self) -> None:
        """The document was closed: every hunk goes."""
        self.remove(list(self.hunks), DROPPED)

    def _notify(self, gone: Mapping[int, str]) -> None:
        if self.on_update is not None:
            self.on_update(self, gone)


class ProposalStore:
    """Every document's pending proposals, by job id."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents
        self._proposals: dict[str, Proposal] = {}
        self._chosen: set[str] = set()
        """Compares one of whose proposals was accepted: the others are no longer wanted."""
        self.on_created: Callable[[Proposal], None] | None = None
        """Told of every new proposal, also one without hunks (the answer changed nothing)."""
        self.on_update: Update | None = None
        """Told of every later change to a proposal (hunks moved, or gone)."""
        self.on_chosen: Callable[[str, str], None] | None = None
        """Told ``(group, job id)`` when one answer of a compare is accepted."""

    def __len__(self) -> int:
        return len(self._proposals)

    def get(self, job_id: str) -> Proposal | None:
        """The pending proposal of a job, if any."""
        return self._proposals.get(job_id)

    def in_document(self, uri: str) -> list[Proposal]:
        """The pending proposals of one document."""
        return [p for p in self._proposals.values() if p.uri == uri]

    def propose(
        self,
        job_id: str,
        uri: str,
        bot: str,
        action: str,
        span: Span,
        replacement: str,
        *,
        group: str | None = None,
    ) -> Proposal:
        """Turn a finished answer into a proposal for ``span`` of the open document.

        A proposal with no hunks (the answer changes nothing) is returned but not kept;
        neither is one of a compare (``group``) whose choice was already made.
        Proposals of one group coexist; accepting one rejects the others.
        """
        doc = self.documents.get(uri)
        if doc is None:
            raise KeyError(f"{uri} is not open")
        hunks = [
            Hunk(index, hunk_span, old, new)
            for index, (hunk_span, old, new) in enumerate(
                diff_hunks(doc.text, span, replacement), start=1
            )
        ]
        if group is not None and group in self._chosen:
            hunks = []
        proposal = Proposal(job_id, uri, bot, action, doc.text, span, hunks, group)
        self.replace_overlapping(uri, span, keep=group)
        if hunks:
            proposal.on_update = self._updated
            self._proposals[job_id] = proposal
            self.documents.track(uri, proposal)
        log.info("%s proposes %d hunk(s) in %s", job_id, len(hunks), uri)
        if self.on_created is not None:
            self.on_created(proposal)
        return proposal

    def replace_overlapping(self, uri: str, span: Span, keep: str | None = None) -> None:
        """A new job on ``span``: the proposals whose range or hunks it overlaps go,
        except the other answers of its own compare (``keep``)."""
        for proposal in self.in_document(uri):
            if keep is not None and proposal.group == keep:
                continue
            if proposal.region.overlaps(span) or any(hunk.span.overlaps(span) for hunk in proposal):
                proposal.remove(list(proposal.hunks), DROPPED)

    def _updated(self, proposal: Proposal, gone: Mapping[int, str]) -> None:
        if not proposal.hunks and self._proposals.get(proposal.job_id) is proposal:
            del self._proposals[proposal.job_id]
            self.documents.untrack(proposal.uri, proposal)
        if gone:
            log.info("%s: hunks %s", proposal.job_id, dict(gone))
        if self.on_update is not None:
            self.on_update(proposal, gone)
        if proposal.group is not None and ACCEPTED in gone.values():
            self._choose(proposal)

    def _choose(self, chosen: Proposal) -> None:
        """One answer of a compare was accepted: the other answers are rejected (and
        any still to come is not proposed), so no two bots' changes get mixed."""
        group = chosen.group
        assert group is not None
        self._chosen.add(group)
        if self.on_chosen is not None:
            self.on_chosen(group, chosen.job_id)
        for other in list(self._proposals.values()):
            if other.group == group and other is not chosen:
                other.remove(list(other.hunks), REJECTED)


__all__ = [
    "ACCEPTED",
    "DROPPED",
    "REJECTED",
    "Hunk",
    "Proposal",
    "ProposalStore",
    "diff_hunks",
    "split_lines",
]
