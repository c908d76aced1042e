"""Which definition a cursor or selection means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .languages import _LANGS, _definition_at
from .parsing import LANGUAGES, _Source
from .placement import _comment_target, _Place, _place, _python_target
from .target import DocTarget

if TYPE_CHECKING:
    from tree_sitter import Node


def _cursor_byte(s: _Source, byte: int) -> int:
    """Move a cursor in blanks onto the nearest code on its line."""
    src = s.src
    n = len(src)
    if byte < n and src[byte : byte + 1] not in (b" ", b"\t", b"\r", b"\n"):
        return byte
    forward = byte
    while forward < n and src[forward : forward + 1] in (b" ", b"\t"):
        forward += 1
    if forward < n and src[forward : forward + 1] not in (b"\r", b"\n"):
        return forward
    back = byte - 1
    while back >= 0 and src[back : back + 1] in (b" ", b"\t", b"\r"):
        back -= 1
    if back >= 0 and src[back : back + 1] != b"\n":
        return back
    return byte


def _candidates(s: _Source, byte: int) -> list[_Place]:
    """Definitions around ``byte``, innermost first."""
    lang = _LANGS[s.key]
    p = _cursor_byte(s, byte)
    node: Node | None = s.root.descendant_for_byte_range(p, min(p + 1, len(s.src)))
    places: list[_Place] = []
    seen: set[tuple[int, int]] = set()

    if lang.render != "docstring":
        item = node
        kinds = lang.comments | lang.prefixes
        while item is not None and item.type not in kinds:
            item = item.parent
        if item is not None:
            following = item.next_named_sibling
            while following is not None and following.type in kinds:
                following = following.next_named_sibling
            found = _definition_at(s, following) if following is not None else None
            if found is not None:
                place = _place(s, found)
                if place.region <= item.start_byte:
                    places.append(place)
                    seen.add((found.anchor.start_byte, found.anchor.end_byte))

    while node is not None:
        found = _definition_at(s, node)
        if found is not None:
            span = (found.anchor.start_byte, found.anchor.end_byte)
            if span not in seen:
                seen.add(span)
                places.append(_place(s, found))
        node = node.parent
    return places


def _end_allowance(s: _Source, end: int) -> int:
    """A selection may run past a definition's end over blanks up to its line break."""
    line_end = s.line_end(end)
    if s.src[end:line_end].strip():
        return end
    return min(line_end + 1, len(s.src))


def _select(s: _Source, start: int, end: int | None, strict: bool = False) -> _Place | None:
    b_start = s.to_byte(start)
    b_end = b_start if end is None or end <= start else s.to_byte(end)
    for place in _candidates(s, b_start):
        first = s.line_start(place.start) if strict else place.region
        if first <= b_start and b_end <= _end_allowance(s, place.end):
            return place
    return None


def find_doc_target(
    text: str, language_id: str, start: int, end: int | None = None
) -> DocTarget | None:
    """The innermost documentable definition around ``[start, end)``, or None.

    A cursor (``end`` None or equal to ``start``) anywhere in the definition counts:
    its header, body, decorators or attributes, or its doc comment above.
    """
    key = LANGUAGES.get(language_id)
    if key is None:
        return None
    s = _Source(text, key)
    place = _select(s, start, end)
    if place is None:
        return None
    if _LANGS[key].render == "docstring":
        return _python_target(s, place)
    return _comment_target(s, place)


def has_doc_target(text: str, language_id: str, start: int, end: int | None = None) -> bool:
    """Whether :func:`find_doc_target` would find a definition, without building the
    target (its docstring style scans the whole file): what code actions ask."""
    key = LANGUAGES.get(language_id)
    if key is None:
        return False
    return _select(_Source(text, key), start, end) is not None


def enclosing_definition(
    text: str, language_id: str, start: int, end: int
) -> tuple[int, int] | None:
    """``[start, end)`` of the smallest definition enclosing the selection, or None."""
    key = LANGUAGES.get(language_id)
    if key is None:
        return None
    s = _Source(text, key)
    place = _select(s, start, end, strict=True)
    if place is None:
        return None
    return s.to_char(place.start), s.to_char(place.end)
