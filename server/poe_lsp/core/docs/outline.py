"""The definitions a file offers to other files: what the workspace index holds.

A file's outline is every function, class, method (and struct, trait,
interface, enum, type, macro …, as :mod:`.languages` recognises them) that
other files can name: the top level and what classes, impls and namespaces
contain, but not what a function body defines, which is local to it. Each
comes with the header and doc comment that :mod:`.placement` finds for
``poe.document``, so the index and the doc writer agree on what a definition
and its documentation are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .languages import _LANGS, _definition_at
from .parsing import _Source
from .placement import _comment_target, _place, _python_target

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_LOCAL_SCOPES = frozenset({"function", "method"})
"""Kinds whose bodies are not searched: what they define is theirs alone."""
_NOT_NAMES = frozenset({"impl"})
"""Kinds that hold definitions but are not themselves a name (Rust's ``impl X for Y``)."""
_MAX_DEPTH = 4
"""How deep below a definition's body (or the file's top) a definition is looked for:
deep enough for ``if TYPE_CHECKING:`` blocks, ``module.exports = {f() {}}`` and
namespaces, not so deep that every expression of the file is visited."""


@dataclass(frozen=True)
class Outline:
    """One definition of a file, as the prompt shows it."""

    name: str
    """The name callers use: the last part of ``qualified`` (``area`` for ``M.area``)."""
    qualified: str
    """The name as written (``M.area``, ``Shape:area``)."""
    kind: str
    start: int
    """Code-point offset of the definition's first line, its doc comment above included."""
    end: int
    """Code-point offset of its end."""
    signature: str
    """Its header, up to the body (decorators and attributes included)."""
    doc: str | None
    """Its doc comment or docstring, without markers."""


def _simple_name(qualified: str) -> str:
    for separator in (".", ":", "::"):
        qualified = qualified.rsplit(separator, 1)[-1]
    return qualified.strip()


def outline(text: str, key: str, parser: Parser | None = None) -> list[Outline]:
    """The definitions of ``text`` (grammar ``key``) that other files can use.

    ``parser``: a private parser, for a thread other than the request handlers'.
    """
    s = _Source(text, key, parser)
    found: list[Outline] = []
    seen: set[int] = set()
    docstring = _LANGS[key].render == "docstring"
    stack: list[tuple[Node, int]] = [(c, 0) for c in reversed(s.root.named_children)]
    while stack:
        node, depth = stack.pop()
        d = _definition_at(s, node)
        if d is None or d.anchor.start_byte in seen:
            if depth < _MAX_DEPTH:
                stack.extend((c, depth + 1) for c in reversed(node.named_children))
            continue
        seen.add(d.anchor.start_byte)
        if d.kind not in _LOCAL_SCOPES:
            inner = d.body if d.body is not None else d.core
            stack.extend((c, 0) for c in reversed(inner.named_children))
        if d.kind in _NOT_NAMES:
            continue
        place = _place(s, d)
        target = _python_target(s, place) if docstring else _comment_target(s, place)
        start = target.definition[0]
        if not docstring and target.existing is not None:
            start = min(start, target.replace[0])
        found.append(
            Outline(
                name=_simple_name(d.name),
                qualified=d.name,
                kind=d.kind,
                start=start,
                end=target.definition[1],
                signature=target.signature,
                doc=target.existing,
            )
        )
    return found
