"""Open documents, LSP position conversion, and ranges that follow edits.

This is plain core: it knows nothing of pygls or lsprotocol.  The LSP layer
converts ``lsprotocol`` positions to :class:`Pos` and back.

Offsets (:class:`Span`) count Python code points.  LSP positions count code
units of the negotiated encoding, so every conversion goes through one line's
text.  Line starts are cached per document text, which makes a conversion
O(log n + line length) after one O(n) scan.

:class:`RangeTracker` enforces the editing safety rules: a job's target range
follows other people's edits, recognises the echo of its own edits however the
client expressed them, and raises ``conflict`` the moment someone else touches
the inside of the range.

Why one module of this length: documents, position encodings and the
range trackers that follow edits share one offset arithmetic, tested as one
(tests/test_textdoc.py).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

logger = logging.getLogger(__name__)

Encoding = Literal["utf-8", "utf-16", "utf-32"]

_LINE_BREAK = re.compile(r"\r\n?|\n")
_ASTRAL = "\U00010000"


@dataclass(frozen=True)
class Pos:
    """An LSP position: zero-based line, and code units of the encoding into it."""

    line: int
    character: int


@dataclass(frozen=True)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets, ``start <= end``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    @property
    def length(self) -> int:
        """Number of code points in the span."""
        return self.end - self.start

    def contains(self, offset: int) -> bool:
        """Whether ``offset`` lies in the span, both ends included (a cursor at the end is in)."""
        return self.start <= offset <= self.end

    def overlaps(self, other: Span) -> bool:
        """Whether the spans share a code point, or an empty one lies within the other.

        Two ranges that merely touch (``a.end == b.start``) do not overlap, so two
        jobs may work on adjacent ranges.
        """
        if self.start < other.end and other.start < self.end:
            return True
        if self.start == self.end:
            return self == other or other.start < self.start < other.end
        if other.start == other.end:
            return other.overlaps(self)
        return False


def _code_units(ch: str, encoding: Encoding) -> int:
    """Code units of one code point; a lone surrogate counts as one BMP unit."""
    cp = ord(ch)
    if encoding == "utf-16":
        return 2 if cp > 0xFFFF else 1
    if encoding == "utf-8":
        if cp < 0x80:
            return 1
        if cp < 0x800:
            return 2
        return 3 if cp <= 0xFFFF else 4
    return 1


def _check_encoding(encoding: str) -> None:
    if encoding not in ("utf-8", "utf-16", "utf-32"):
        raise ValueError(f"unknown position encoding {encoding!r}")


def _is_one_unit_per_char(line: str, encoding: Encoding) -> bool:
    if encoding == "utf-32" or line.isascii():
        return True
    return encoding == "utf-16" and (not line or max(line) < _ASTRAL)


def units_to_index(line: str, units: int, encoding: Encoding) -> int:
    """The code-point index in ``line`` that ``units`` code units reach.

    Past the end clamps to ``len(line)``; inside a multi-unit character clamps
    to that character's start.
    """
    _check_encoding(encoding)
    if _is_one_unit_per_char(line, encoding):
        return min(units, len(line))
    count = 0
    for index, ch in enumerate(line):
        count += _code_units(ch, encoding)
        if count > units:
            return index
    return len(line)


def index_to_units(line: str, index: int, encoding: Encoding) -> int:
    """The code units of ``line[:index]`` in ``encoding``."""
    _check_encoding(encoding)
    prefix = line[:index]
    if _is_one_unit_per_char(prefix, encoding):
        return len(prefix)
    return sum(_code_units(ch, encoding) for ch in prefix)


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins; ``\\n``, ``\\r\\n`` and ``\\r`` end a line."""
    if "\r" not in text:
        # The common case without a Python-level loop: line k starts after the
        # lengths of the k lines above it plus their k line breaks (a 20,000-line
        # file: ~1 ms instead of ~5 ms, paid after every edit).
        lengths = map(len, text.split("\n")[:-1])
        return [0, *map(operator.add, itertools.accumulate(lengths), itertools.count(1))]
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


class Document:
    """One open text document, as the client last described it."""

    def __init__(self, uri: str, language_id: str, version: int, text: str) -> None:
        self.uri = uri
        self.language_id = language_id
        self.version = version
        self._text = text
        self._starts: list[int] | None = None

    @property
    def text(self) -> str:
        """The whole document."""
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value
        self._starts = None

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = line_starts(self._text)
        return self._starts

    def line_count(self) -> int:
        """Number of lines; a final line break starts one more, empty, line."""
        return len(self._line_starts())

    def line_start(self, line: int) -> int:
        """Offset of the start of ``line``; a line past the end gives the document's end."""
        if line < 0:
            raise ValueError(f"line {line} is negative")
        starts = self._line_starts()
        return starts[line] if line < len(starts) else len(self._text)

    def line_end(self, line: int) -> int:
        """Offset of the end of ``line``'s content, before its line break."""
        starts = self._line_starts()
        if line < 0:
            raise ValueError(f"line {line} is negative")
        if line + 1 >= len(starts):
            return len(self._text)
        end = starts[line + 1] - 1
        if self._text[end] == "\n" and end > starts[line] and self._text[end - 1] == "\r":
            end -= 1
        return end

    def line_text(self, line: int) -> str:
        """The content of ``line`` without its line break ("" past the end)."""
        return self._text[self.line_start(line) : self.line_end(line)]

    def offset_at(self, pos: Pos, encoding: Encoding) -> int:
        """The offset of an LSP position, clamped the way LSP clients expect.

        A line past the end gives the end of the document; a character past
        the line's end gives the line's end (before its break); a character
        inside a multi-unit character gives that character's start.  Negative
        numbers raise :class:`ValueError`.
        """
        if pos.line < 0 or pos.character < 0:
            raise ValueError(f"position {pos.line}:{pos.character} is negative")
        _check_encoding(encoding)
        if pos.line >= self.line_count():
            return len(self._text)
        start = self.line_start(pos.line)
        line = self._text[start : self.line_end(pos.line)]
        return start + units_to_index(line, pos.character, encoding)

    def pos_at(self, offset: int, encoding: Encoding) -> Pos:
        """The LSP position of an offset; past the end clamps to the end."""
        if offset < 0:
            raise ValueError(f"offset {offset} is negative")
        _check_encoding(encoding)
        offset = min(offset, len(self._text))
        line = bisect.bisect_right(self._line_starts(), offset) - 1
        start = self.line_start(line)
        # An offset between "\r" and "\n" has no position of its own.
        end = min(offset, self.line_end(line))
        return Pos(line, index_to_units(self._text[start:end], end - start, encoding))

    def span_of(self, start: Pos, end: Pos, encoding: Encoding) -> Span:
        """The offsets of an LSP range (clamped; a reversed range is put in order)."""
        a, b = self.offset_at(start, encoding), self.offset_at(end, encoding)
        return Span(min(a, b), max(a, b))

    def range_of(self, span: Span, encoding: Encoding) -> tuple[Pos, Pos]:
        """The LSP range ``(start, end)`` of a span."""
        return self.pos_at(span.start, encoding), self.pos_at(span.end, encoding)

    def validate_pos(self, pos: Pos, encoding: Encoding) -> str | None:
        """A one-line complaint if ``pos`` lies outside the document, else ``None``.

        Stricter than :meth:`offset_at`, for command arguments: a character
        past its line's end, or a line past the last one, is reported.  The
        start of the line just past the end is accepted, because whole-line
        selections of a last line without a break end there.  A position inside
        a multi-unit character is accepted (it is clamped).
        """
        _check_encoding(encoding)
        where = f"Position {pos.line}:{pos.character}"
        if pos.line < 0 or pos.character < 0:
            return f"{where} is negative; lines and characters count from 0."
        count = self.line_count()
        if pos.line > count or (pos.line == count and pos.character > 0):
            return (
                f"{where} is past the end of the document, which has {count} lines "
                "(counted from 0); send a range inside the open document."
            )
        if pos.line == count:
            return None
        line = self.line_text(pos.line)
        length = index_to_units(line, len(line), encoding)
        if pos.character > length:
            return (
                f"{where} is past the end of line {pos.line}, which is {length} "
                f"{encoding} code units long; send a range inside the open document."
            )
        return None

    def validate_range(self, start: Pos, end: Pos, encoding: Encoding) -> str | None:
        """Like :meth:`validate_pos` for both ends, and also rejects a reversed range."""
        for pos in (start, end):
            problem = self.validate_pos(pos, encoding)
            if problem:
                return problem
        if (start.line, start.character) > (end.line, end.character):
            return (
                f"The range ends ({end.line}:{end.character}) before it starts "
                f"({start.line}:{start.character}); send start before end."
            )
        return None

    def apply_change(
        self, start: Pos | None, end: Pos | None, new_text: str, encoding: Encoding
    ) -> Span:
        """Apply one LSP content change; returns the replaced span in pre-change offsets.

        ``start``/``end`` of ``None`` means the change replaces the whole text.
        """
        if start is None or end is None:
            replaced = Span(0, len(self._text))
        else:
            replaced = self.span_of(start, end, encoding)
        self.text = self._text[: replaced.start] + new_text + self._text[replaced.end :]
        return replaced


class ChangeListener(Protocol):
    """What :class:`DocumentStore` notifies about a document's changes."""

    def on_change(self, replaced: Span, new_text: str, doc_after: str) -> None: ...

    def on_close(self) -> None: ...


class DocumentStore:
    """The documents the client has open, and who watches their changes."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}
        self._listeners: dict[str, list[ChangeListener]] = {}

    def open(self, uri: str, language_id: str, version: int, text: str) -> Document:
        """Record an opened document (re-opening replaces it and ends its trackers)."""
        if uri in self._docs:
            self._close_listeners(uri)
        doc = Document(uri, language_id, version, text)
        self._docs[uri] = doc
        return doc

    def close(self, uri: str) -> None:
        """Forget a document and tell its trackers it is gone."""
        self._close_listeners(uri)
        self._docs.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        """The open document at ``uri``, if any."""
        return self._docs.get(uri)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._docs.values()))

    def track(self, uri: str, listener: ChangeListener) -> None:
        """Have ``listener`` notified of every change to ``uri`` (which must be open)."""
        if uri not in self._docs:
            raise KeyError(f"{uri} is not open")
        self._listeners.setdefault(uri, []).append(listener)

    def untrack(self, uri: str, listener: ChangeListener) -> None:
        """Stop notifying ``listener``; no error if it was not tracking."""
        listeners = self._listeners.get(uri, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(uri, None)

    def listeners(self, uri: str) -> list[ChangeListener]:
        """The listeners tracking ``uri`` (a copy)."""
        return list(self._listeners.get(uri, []))

    def listener_count(self, kind: type | None = None) -> int:
        """Listeners of every document, open or not (for leak checks); with
        ``kind``, only the listeners of that type."""
        return sum(
            1
            for listeners in self._listeners.values()
            for listener in listeners
            if kind is None or isinstance(listener, kind)
        )

    def change(
        self,
        uri: str,
        version: int,
        changes: Sequence[tuple[Pos | None, Pos | None, str]],
        encoding: Encoding,
    ) -> None:
        """Apply a ``didChange``'s content changes in order.

        After each change, every tracker of ``uri`` sees that change with the
        document as it stands after it (not after the whole batch).  A
        full-text change is reported to trackers as its minimal difference.  A tracker
        that raises is logged and does not stop the document from staying in
        sync.  A change to a document that is not open is logged and ignored.
        """
        doc = self._docs.get(uri)
        if doc is None:
            logger.warning("didChange for %s, which is not open; ignored", uri)
            return
        steps: list[tuple[Span, str, str]] = []
        batch_before = doc.text
        for start, end, new_text in changes:
            before = doc.text
            replaced = doc.apply_change(start, end, new_text, encoding)
            if start is None or end is None:
                # A full-text change would touch every tracked range; trackers
                # get the part that actually differs instead.
                replaced, new_text = minimal_change(before, doc.text)
            steps.append((replaced, new_text, doc.text))
        doc.version = version
        for listener in self.listeners(uri):
            # VS Code echoes one applied edit as several content changes (its
            # own minimal diff, bottom-up): a tracker waiting for exactly this
            # document sees the batch as the one change it is.
            is_echo = getattr(listener, "is_echo", None)
            if len(steps) > 1 and is_echo is not None and is_echo(doc.text):
                replaced, new_text = minimal_change(batch_before, doc.text)
                listener_steps = [(replaced, new_text, doc.text)]
            else:
                listener_steps = steps
            for replaced, new_text, doc_after in listener_steps:
                try:
                    listener.on_change(replaced, new_text, doc_after)
                except Exception:
                    logger.exception("a tracker of %s failed on a change", uri)

    def _close_listeners(self, uri: str) -> None:
        for listener in self._listeners.pop(uri, []):
            try:
                listener.on_close()
            except Exception:
                logger.exception("a tracker of %s failed on close", uri)


def _common_prefix_length(a: str, b: str) -> int:
    # Binary search over slice comparisons runs in C, unlike a per-character loop.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix_length(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def minimal_change(old: str, new: str) -> tuple[Span, str]:
    """The smallest single replacement turning ``old`` into ``new``: (span in ``old``, text)."""
    prefix = _common_prefix_length(old, new)
    suffix = _common_suffix_length(old, new, min(len(old), len(new)) - prefix)
    return Span(prefix, len(old) - suffix), new[prefix : len(new) - suffix]


def follow_change(span: Span, replaced: Span, new_text: str) -> tuple[Span, bool]:
    """Where ``span`` lies after a change, and whether the change touched its inside.

    A change that ends at or before the start (including an insertion exactly
    at the start, even of an empty span) shifts the span; one that starts at
    or after a non-empty span's end leaves it alone.  Anything else touches the
    inside; the span returned then is a best effort covering both.
    """
    delta = len(new_text) - replaced.length
    if replaced.end <= span.start:
        return Span(span.start + delta, span.end + delta), False
    if replaced.start >= span.end:
        return span, False
    start = min(span.start, replaced.start)
    end = replaced.start + len(new_text) if replaced.end > span.end else span.end + delta
    return Span(start, max(start, end)), True


class RangeTracker:
    """A job's target range, following the document while the job writes into it.

    The owner calls :meth:`expect` before sending each edit of its own; the
    store calls :meth:`on_change` for every content change.  A change that
    turns the document into exactly the text :meth:`expect` predicted is the
    echo of our edit, however the client expressed it (verbatim, or a minimal
    diff reaching outside the range).  Any other change is someone else's: it
    moves the range, or, if it touches the inside, sets ``conflict``.
    """

    def __init__(self, span: Span, original_text: str) -> None:
        if span.length != len(original_text):
            raise ValueError("original_text must be the text of span")
        self.span = span
        self.original_text = original_text
        self.conflict = False
        self.closed = False
        self.version = 0
        self.dropped_pending = 0
        self.on_update: Callable[[], None] | None = None
        self.written_text: str | None = None
        """The last text of ours the client confirmed, ``None`` before the first."""
        self._expected_doc: str | None = None
        self._pending_text: str | None = None

    @property
    def pending(self) -> bool:
        """Whether an edit of ours was announced and has not been echoed yet."""
        return self._expected_doc is not None

    @property
    def expected_text(self) -> str:
        """What the range should hold now, by our account: what we last wrote, or the original."""
        return self.original_text if self.written_text is None else self.written_text

    def expect(self, doc_text: str, new_range_text: str) -> str:
        """Announce our next edit: the current span of ``doc_text`` becomes ``new_range_text``.

        Returns the whole document as it will be once the client applies it.
        Replaces any earlier pending edit.
        """
        start, end = self.span.start, self.span.end
        expected = doc_text[:start] + new_range_text + doc_text[end:]
        self._expected_doc = expected
        self._pending_text = new_range_text
        return expected

    def cancel_pending(self) -> None:
        """Forget the pending edit (the client did not apply it)."""
        self._expected_doc = None
        self._pending_text = None

    def current_text(self, doc_text: str) -> str:
        """The text of the range in ``doc_text``."""
        return doc_text[self.span.start : self.span.end]

    def is_echo(self, doc_after: str) -> bool:
        """Whether ``doc_after`` is the document our pending edit predicted."""
        return self._pending_text is not None and doc_after == self._expected_doc

    def on_change(self, replaced: Span, new_text: str, doc_after: str) -> None:
        """Account for one content change (see the class docstring)."""
        if self.closed:
            return
        pending_text = self._pending_text
        if pending_text is not None and self.is_echo(doc_after):
            self.span = Span(self.span.start, self.span.start + len(pending_text))
            self.written_text = pending_text
            self.cancel_pending()
        else:
            if self.pending:
                # The client refuses an edit computed for an older version.
                self.dropped_pending += 1
                self.cancel_pending()
            self.span, touched = follow_change(self.span, replaced, new_text)
            self.conflict = self.conflict or touched
        self._notify()

    def on_close(self) -> None:
        """The document was closed: nothing more can be written."""
        self.closed = True
        self.cancel_pending()
        self._notify()

    def _notify(self) -> None:
        self.version += 1
        if self.on_update is not None:
            self.on_update()


class HoverRegion:
    """A finished explanation's range: follows edits outside, goes stale when touched."""

    def __init__(self, span: Span, text: str) -> None:
        self.span = span
        self.text = text
        self.stale = False

    def on_change(self, replaced: Span, new_text: str, doc_after: str) -> None:
        """Follow a change; a change touching the inside makes the region stale."""
        if self.stale:
            return
        self.span, touched = follow_change(self.span, replaced, new_text)
        self.stale = touched

    def on_close(self) -> None:
        """The document was closed: the explanation no longer applies."""
        self.stale = True

    def covers(self, offset: int) -> bool:
        """Whether a hover at ``offset`` should show the explanation."""
        return not self.stale and self.span.contains(offset)
