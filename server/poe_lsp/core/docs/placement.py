"""Where a definition's doc lives: the comments and prefix items above it, and the
:class:`~.target.DocTarget` describing the span a new doc replaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .answers import _python_string_value, _strip_comment_markers
from .languages import _LANGS, _Lang
from .style import python_docstring_style
from .target import DocTarget, Placement

if TYPE_CHECKING:
    from tree_sitter import Node

    from .definitions import _Def
    from .parsing import _Source


@dataclass(frozen=True)
class _Item:
    """A comment or prefix item (attribute, decorator) directly above a definition."""

    node: Node
    kind: Literal["doc", "plain", "prefix"]
    top: int  # start of its first line
    bottom: int  # end of its last line, line break included


@dataclass(frozen=True)
class _Place:
    definition: _Def
    start: int  # definition start (bytes), prefix items included
    region: int  # first line of the attached comments: a cursor from here on counts
    end: int
    items: tuple[_Item, ...]  # bottom-up


def _item_at_line(s: _Source, lang: _Lang, line_start: int, line_end: int) -> _Item | None:
    """The comment or prefix item that ends on this line and starts a line of its own."""
    line = s.src[line_start:line_end]
    stripped = line.rstrip()
    if not stripped.strip():
        return None
    last = line_start + len(stripped) - 1
    node: Node | None = s.root.descendant_for_byte_range(last, last + 1)
    kinds = lang.comments | lang.prefixes
    while node is not None and node.type not in kinds:
        node = node.parent
    if node is None:
        return None
    end = node.end_byte
    while end > node.start_byte and s.src[end - 1 : end] in (b" ", b"\t", b"\r", b"\n"):
        end -= 1
    if end != last + 1:
        return None
    top = s.line_start(node.start_byte)
    if s.src[top : node.start_byte].strip():
        return None
    if node.type in lang.prefixes:
        kind: Literal["doc", "plain", "prefix"] = "prefix"
    else:
        kind = "doc" if lang.is_doc(s.node_text(node).lstrip()) else "plain"
    bottom = min(line_end + 1, len(s.src))
    return _Item(node, kind, top, bottom)


def _place(s: _Source, d: _Def) -> _Place:
    lang = _LANGS[s.key]
    start = d.anchor.start_byte
    items: list[_Item] = []
    if lang.render != "docstring":
        top = s.line_start(start)
        while top > 0:
            above = s.line_start(top - 1)
            item = _item_at_line(s, lang, above, top - 1)
            if item is None:
                break
            items.append(item)
            top = item.top
        prefixes = [i for i in items if i.kind == "prefix"]
        if prefixes:
            start = min(start, prefixes[-1].node.start_byte)
    region = items[-1].top if items else s.line_start(start)
    return _Place(d, start, region, d.anchor.end_byte, tuple(items))


def _doc_group(items: tuple[_Item, ...]) -> list[_Item]:
    """The doc comments closest to the definition (top-down)."""
    group: list[_Item] = []
    for item in items:
        if item.kind == "doc":
            group.append(item)
        elif group:
            break
    return group[::-1]


def _signature(s: _Source, place: _Place, header_end: int | None = None) -> str:
    d = place.definition
    if header_end is None:
        body = d.body
        if body is not None and s.src[body.start_byte : body.start_byte + 1] == b"{":
            header_end = body.start_byte
        else:
            brace = s.src.find(b"{", d.core.start_byte, d.core.end_byte)
            if d.core.type in {"type_spec", "type_alias"} and brace >= 0:
                header_end = brace
            elif body is not None:
                header_end = body.start_byte
            else:
                header_end = place.end
    signature = s.slice(place.start, header_end).rstrip()
    lines = signature.split("\n")
    if len(lines) > 12:
        signature = "\n".join(lines[:12]) + "\n…"
    return signature


def _comment_target(s: _Source, place: _Place) -> DocTarget:
    d = place.definition
    group = _doc_group(place.items)
    if group:
        replace = (group[0].top, group[-1].bottom)
        existing: str | None = _strip_comment_markers([s.node_text(i.node) for i in group], s.key)
    else:
        replace = (place.region, place.region)
        existing = None
    return DocTarget(
        language=s.key,
        kind=d.kind,
        name=d.name,
        definition=(s.to_char(place.start), s.to_char(place.end)),
        replace=(s.to_char(replace[0]), s.to_char(replace[1])),
        indent=s.line_indent(place.start),
        existing=existing or None,
        style=None,
        signature=_signature(s, place),
    )


def _python_docstring(s: _Source, body: Node) -> Node | None:
    first = next((c for c in body.named_children if c.type != "comment"), None)
    if first is None or first.type != "expression_statement" or first.named_child_count != 1:
        return None
    value = first.named_children[0]
    strings = [value] if value.type == "string" else []
    if value.type == "concatenated_string":
        strings = value.named_children
    if not strings or any(c.type != "string" for c in strings):
        return None
    for string in strings:
        opening = string.child(0)
        if opening is None or any(ch in "fFbBtT" for ch in s.node_text(opening)):
            return None
    return first


def _python_target(s: _Source, place: _Place) -> DocTarget:
    d = place.definition
    body = d.body
    colon = None
    for child in d.core.children:
        if child.type == ":":
            colon = child
        if body is not None and child == body:
            break
    header_end = colon.end_byte if colon is not None else (body.start_byte if body else place.end)
    def_indent = s.line_indent(d.core.start_byte)
    unit = "\t" if "\t" in def_indent else "    "
    docstring = _python_docstring(s, body) if body is not None else None
    placement: Placement
    existing: str | None = None
    if docstring is not None:
        replace = (docstring.start_byte, docstring.end_byte)
        before = s.src[s.line_start(docstring.start_byte) : docstring.start_byte]
        indent = before.decode() if not before.strip() else def_indent + unit
        placement = "docstring"
        existing = _python_string_value(s.node_text(docstring))
    elif body is not None and colon is not None and body.start_point.row > colon.end_point.row:
        at = s.line_end(colon.end_byte) + 1
        replace = (at, at)
        indent = s.line_indent(body.start_byte)
        placement = "body-start"
    else:
        at = colon.end_byte if colon is not None else header_end
        empty = body is None or body.start_byte == body.end_byte
        replace = (at, at if body is None or empty else body.start_byte)
        indent = def_indent + unit
        placement = "new-body" if empty else "inline-body"
    return DocTarget(
        language=s.key,
        kind=d.kind,
        name=d.name,
        definition=(s.to_char(place.start), s.to_char(place.end)),
        replace=(s.to_char(replace[0]), s.to_char(replace[1])),
        indent=indent,
        existing=existing or None,
        style=python_docstring_style(s.text),
        signature=_signature(s, place, header_end),
        placement=placement,
    )
