"""A file's package clause, imports and includes, as context for a prompt."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .parsing import LANGUAGES, _Source

if TYPE_CHECKING:
    from tree_sitter import Node

_HEADER_TYPES: dict[str, frozenset[str]] = {
    "python": frozenset({"import_statement", "import_from_statement", "future_import_statement"}),
    "javascript": frozenset({"import_statement"}),
    "typescript": frozenset({"import_statement", "import_alias"}),
    "tsx": frozenset({"import_statement", "import_alias"}),
    "go": frozenset({"package_clause", "import_declaration"}),
    "rust": frozenset({"use_declaration", "extern_crate_declaration"}),
    "lua": frozenset(),
    "java": frozenset({"package_declaration", "import_declaration"}),
    "c": frozenset({"preproc_include"}),
    "cpp": frozenset({"preproc_include", "using_declaration", "namespace_alias_definition"}),
}
_PREPROC_BLOCKS = frozenset({"preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif"})
_REQUIRE_RE = re.compile(rb"\brequire\s*\(?\s*['\"]")


def _header_nodes(s: _Source, node: Node) -> Iterator[Node]:
    types = _HEADER_TYPES[s.key]
    for child in node.named_children:
        if child.type in types:
            yield child
        elif child.type in _PREPROC_BLOCKS:
            yield from _header_nodes(s, child)
        elif _is_require(s, child) or _is_mod_declaration(s, child):
            yield child


def _is_require(s: _Source, node: Node) -> bool:
    """``const x = require("x")`` in JavaScript, ``local x = require "x"`` in Lua."""
    return node.type in {"lexical_declaration", "variable_declaration"} and bool(
        _REQUIRE_RE.search(s.src[node.start_byte : node.end_byte])
    )


def _is_mod_declaration(s: _Source, node: Node) -> bool:
    """Rust's ``mod name;``."""
    return s.key == "rust" and node.type == "mod_item" and node.child_by_field_name("body") is None


def header_context(text: str, language_id: str, max_chars: int) -> str:
    """The file's package clause, imports and includes, at most ``max_chars`` long."""
    key = LANGUAGES.get(language_id)
    if key is None or max_chars <= 0:
        return ""
    s = _Source(text, key)
    out: list[str] = []
    size = 0
    for node in _header_nodes(s, s.root):
        part = s.node_text(node).rstrip()
        if size + len(part) + 1 > max_chars:
            room = max_chars - size - 1
            if not out and room > 0:
                cut = part.rfind("\n", 0, room)
                if cut > 0:
                    out.append(part[:cut])
            break
        out.append(part)
        size += len(part) + 1
    return "\n".join(out)
