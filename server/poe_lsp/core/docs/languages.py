"""Each language's doc comment syntax, and which tree nodes are definitions in it.

Only comments that carry a doc marker count as documentation (``/**``,
``///``, ``---``; in Go every comment directly above except directives, as
``go doc`` reads them). A plain comment or directive directly above a
definition (``// eslint-disable-next-line``, ``//go:noinline``) is kept, and a
new doc comment goes above it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .c_family import _c_definition
from .definitions import (
    _Def,
    _go_definition,
    _java_definition,
    _lua_definition,
    _python_definition,
    _rust_definition,
)
from .javascript import _js_definition

if TYPE_CHECKING:
    from tree_sitter import Node

    from .parsing import _Source


@dataclass(frozen=True)
class _Lang:
    comments: frozenset[str]
    prefixes: frozenset[str]  # sibling items that belong to the next definition
    is_doc: Callable[[str], bool]
    render: Literal["docstring", "block", "line"]
    marker: str = ""  # line-comment marker for render == "line"


def _block_doc(text: str) -> bool:
    return text.startswith("/**") and not text.startswith("/**/")


def _c_doc(text: str) -> bool:
    return (
        _block_doc(text)
        or text.startswith("/*!")
        or (text.startswith("///") and not text.startswith("////"))
        or text.startswith("//!")
    )


def _rust_doc(text: str) -> bool:
    return (text.startswith("///") and not text.startswith("////")) or (
        _block_doc(text) and not text.startswith("/***")
    )


_GO_DIRECTIVE_RE = re.compile(r"//([a-z0-9]+:[a-z0-9]|line |extern |export )")


def _go_doc(text: str) -> bool:
    return text.startswith("/*") or (text.startswith("//") and _GO_DIRECTIVE_RE.match(text) is None)


def _lua_doc(text: str) -> bool:
    return text.startswith("---") and not text.startswith("----")


_JS = _Lang(frozenset({"comment"}), frozenset({"decorator"}), _block_doc, "block")
_C = _Lang(frozenset({"comment"}), frozenset(), _c_doc, "block")
_LANGS: dict[str, _Lang] = {
    "python": _Lang(frozenset({"comment"}), frozenset(), lambda _: False, "docstring"),
    "javascript": _JS,
    "typescript": _JS,
    "tsx": _JS,
    "go": _Lang(frozenset({"comment"}), frozenset(), _go_doc, "line", "//"),
    "rust": _Lang(
        frozenset({"line_comment", "block_comment"}),
        frozenset({"attribute_item"}),
        _rust_doc,
        "line",
        "///",
    ),
    "lua": _Lang(frozenset({"comment"}), frozenset(), _lua_doc, "line", "---"),
    "java": _Lang(frozenset({"line_comment", "block_comment"}), frozenset(), _block_doc, "block"),
    "c": _C,
    "cpp": _C,
}


_DEFINERS: dict[str, Callable[[_Source, Node], _Def | None]] = {
    "python": _python_definition,
    "javascript": _js_definition,
    "typescript": _js_definition,
    "tsx": _js_definition,
    "go": _go_definition,
    "rust": _rust_definition,
    "lua": _lua_definition,
    "java": _java_definition,
    "c": _c_definition,
    "cpp": _c_definition,
}


_WRAPPERS = frozenset(
    {
        "decorated_definition",
        "export_statement",
        "ambient_declaration",
        "lexical_declaration",
        "variable_declaration",
        "variable_declarator",
        "expression_statement",
        "assignment_expression",
        "assignment_statement",
        "expression_list",
        "pair",
        "field",
        "field_definition",
        "public_field_definition",
        "type_declaration",
        "template_declaration",
        "declaration",
        "field_declaration",
        "type_definition",
    }
)


def _wrapped(node: Node) -> Iterator[Node]:
    """Nodes that may be the core of a definition whose outermost node is ``node``."""
    if node.type not in _WRAPPERS:
        return
    for child in node.named_children:
        yield child
        yield from _wrapped(child)


def _definition_at(s: _Source, node: Node) -> _Def | None:
    """The definition whose core or outermost node is ``node``."""
    definer = _DEFINERS[s.key]
    found = definer(s, node)
    if found is not None:
        return found
    for inner in _wrapped(node):
        found = definer(s, inner)
        if found is not None and found.anchor == node:
            return found
    return None
