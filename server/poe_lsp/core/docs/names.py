"""The names a selection uses, ranked by how surely they matter to it.

Read from the selection's file with tree-sitter (the whole file is parsed,
so imports above the selection count). What a name is to the selection
decides its rank:

0. a direct call (``area(r)``, ``new Shape()``), or a name the file imports;
1. the root of an attribute chain (``geometry`` in ``geometry.area(r)``);
2. a method called on something (``area`` in ``shape.area()``), ambiguous
   until the object's type is known;
3. any other identifier (types in annotations, variables, fields).

A name imported in the file carries the module it came from, as written,
so that its definition can be preferred in a file of that path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .header import _header_nodes
from .parsing import LANGUAGES, _Source

if TYPE_CHECKING:
    from tree_sitter import Node

CALL, ROOT, METHOD, OTHER = 0, 1, 2, 3

_IDENTIFIERS = frozenset(
    {
        "identifier",
        "type_identifier",
        "field_identifier",
        "property_identifier",
        "package_identifier",
        "namespace_identifier",
        "constant",
    }
)
_CALLS: dict[str, tuple[str, ...]] = {
    "call": ("function",),
    "call_expression": ("function",),
    "new_expression": ("constructor",),
    "method_invocation": ("name",),
    "function_call": ("name",),
    "object_creation_expression": ("type",),
    "macro_invocation": ("macro",),
}
"""Call node → the field holding what is called."""
_MEMBERS: dict[str, tuple[str, str]] = {
    "attribute": ("object", "attribute"),
    "member_expression": ("object", "property"),
    "selector_expression": ("operand", "field"),
    "field_expression": ("value", "field"),
    "dot_index_expression": ("table", "field"),
    "method_index_expression": ("table", "method"),
    "scoped_identifier": ("path", "name"),
    "qualified_identifier": ("scope", "name"),
}
"""Member access node → (its object's field, its member's field)."""
_IGNORED = frozenset({"self", "this", "super", "cls"})
_MODULE_RE = re.compile(r"""(?:from\s+([\w.]+)\s+import|["']([^"']+)["']|import\s+([\w.]+))""")


@dataclass(frozen=True)
class UsedName:
    """A name the selection uses."""

    name: str
    rank: int
    """:data:`CALL` (0) … :data:`OTHER` (3); lower matters more."""
    module: str | None = None
    """Where the file imports it from, as a path-like hint (``utils/math``), if it does."""


def _field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def _rank(node: Node) -> tuple[int, Node | None]:
    """The node's rank, and for a method the node of the object it is called on."""
    parent = node.parent
    if parent is None:
        return OTHER, None
    if parent.type in _CALLS:
        owner = _field(parent, "object") if parent.type == "method_invocation" else None
        if owner is not None:
            return METHOD, owner
        if any(_field(parent, f) == node for f in _CALLS[parent.type]):
            return CALL, None
        return OTHER, None
    member = _MEMBERS.get(parent.type)
    if member is None:
        return OTHER, None
    owner = _field(parent, member[0])
    if owner == node:
        return ROOT, None
    called = parent.parent
    if (
        called is not None
        and called.type in _CALLS
        and any(_field(called, f) == parent for f in _CALLS[called.type])
    ):
        return METHOD, owner
    return OTHER, None


def _module_hint(s: _Source, node: Node) -> str | None:
    """The module an import statement names, as a relative path without extension."""
    match = _MODULE_RE.search(s.node_text(node))
    if match is None:
        return None
    module = next(g for g in match.groups() if g)
    if match.group(2) is None:
        module = module.replace(".", "/")
    if "/" in module:  # a path: without ./ and the file's extension
        folder, _, last = module.lstrip("./").rpartition("/")
        module = f"{folder}/{last.split('.')[0]}" if folder else last.split(".")[0]
    return module.strip("/") or None


def _imports(s: _Source) -> dict[str, str | None]:
    """Every name the file's import statements bring in, with its module hint."""
    names: dict[str, str | None] = {}
    for statement in _header_nodes(s, s.root):
        hint = _module_hint(s, statement)
        if hint is not None:  # Go names a package by its path's last part
            names.setdefault(hint.rsplit("/", 1)[-1], hint)
        stack = [statement]
        while stack:
            node = stack.pop()
            if node.type in _IDENTIFIERS:
                names.setdefault(s.node_text(node), hint)
            stack.extend(node.named_children)
    return names


def used_names(
    text: str, language_id: str, start: int, end: int, limit: int = 40
) -> list[UsedName]:
    """The names ``text[start:end]`` uses, best first (at most ``limit``)."""
    key = LANGUAGES.get(language_id)
    if key is None or start >= end:
        return []
    s = _Source(text, key)
    b_start, b_end = s.to_byte(start), s.to_byte(end)
    best: dict[str, int] = {}
    owners: dict[str, str] = {}
    stack = [s.root]
    while stack:
        node = stack.pop()
        if node.end_byte <= b_start or node.start_byte >= b_end:
            continue
        if node.type in _IDENTIFIERS and node.start_byte >= b_start and node.end_byte <= b_end:
            name = s.node_text(node)
            if name not in _IGNORED:
                rank, owner = _rank(node)
                if owner is not None and owner.type in _IDENTIFIERS:
                    owners.setdefault(name, s.node_text(owner))
                best[name] = min(best.get(name, OTHER), rank)
        stack.extend(reversed(node.children))
    imports = _imports(s)
    found: list[UsedName] = []
    for name, rank in best.items():
        if name in imports:
            found.append(UsedName(name, CALL, imports[name]))
        elif rank == METHOD and owners.get(name) in imports:
            # ``geometry.area(r)`` with ``geometry`` imported: a module's function,
            # or a class's static member, named as surely as a direct call.
            found.append(UsedName(name, CALL, imports[owners[name]] or owners[name]))
        else:
            found.append(UsedName(name, rank))
    # Stable: names of one rank keep the order in which the selection uses them.
    found.sort(key=lambda n: n.rank)
    return found[:limit]
