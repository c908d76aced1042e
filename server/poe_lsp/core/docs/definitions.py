"""Definitions found in a tree: Python, Go, Rust, Lua and Java.

Each ``_<language>_definition`` recognises the node carrying a definition's
name and body, and finds its outermost node (decorators, ``export``, a
single-spec ``type`` declaration …), which is where its doc comment attaches.
JavaScript and TypeScript are in :mod:`.javascript`, C and C++ in
:mod:`.c_family`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

    from .parsing import _Source


@dataclass(frozen=True)
class _Def:
    core: Node  # the node carrying name and body
    anchor: Node  # the outermost node of the definition (export, decorators, template)
    kind: str
    name: str
    body: Node | None


def _field_text(s: _Source, node: Node, field: str) -> str | None:
    child = node.child_by_field_name(field)
    return None if child is None else s.node_text(child)


def _single_declarator(decl: Node, types: frozenset[str]) -> bool:
    return sum(1 for c in decl.named_children if c.type in types) == 1


def _python_definition(s: _Source, node: Node) -> _Def | None:
    if node.type not in {"function_definition", "class_definition"}:
        return None
    name = _field_text(s, node, "name")
    if name is None:
        return None
    anchor = node
    if node.parent is not None and node.parent.type == "decorated_definition":
        anchor = node.parent
    kind = "class"
    if node.type == "function_definition":
        block = anchor.parent
        owner = block.parent if block is not None and block.type == "block" else None
        kind = "method" if owner is not None and owner.type == "class_definition" else "function"
    return _Def(node, anchor, kind, name, node.child_by_field_name("body"))


def _go_definition(s: _Source, node: Node) -> _Def | None:
    t = node.type
    if t in {"function_declaration", "method_declaration"}:
        name = _field_text(s, node, "name")
        kind = "method" if t == "method_declaration" else "function"
        if name is None:
            return None
        return _Def(node, node, kind, name, node.child_by_field_name("body"))
    if t in {"type_spec", "type_alias"}:
        name = _field_text(s, node, "name")
        if name is None:
            return None
        type_node = node.child_by_field_name("type")
        kind = {"struct_type": "struct", "interface_type": "interface"}.get(
            type_node.type if type_node is not None else "", "type"
        )
        anchor = node
        parent = node.parent
        specs = frozenset({"type_spec", "type_alias"})
        if parent is not None and parent.type == "type_declaration":
            anchor = parent if _single_declarator(parent, specs) else node
        return _Def(node, anchor, kind, name, None)
    return None


_RUST_KINDS = {
    "function_item": "function",
    "function_signature_item": "function",
    "struct_item": "struct",
    "union_item": "struct",
    "enum_item": "enum",
    "trait_item": "trait",
    "impl_item": "impl",
    "type_item": "type",
    "macro_definition": "macro",
}


def _rust_definition(s: _Source, node: Node) -> _Def | None:
    kind = _RUST_KINDS.get(node.type)
    if kind is None:
        return None
    if node.type == "impl_item":
        type_name = _field_text(s, node, "type")
        trait = _field_text(s, node, "trait")
        name = f"{trait} for {type_name}" if trait else type_name
    else:
        name = _field_text(s, node, "name")
    if name is None:
        return None
    if kind == "function":
        owner = node.parent.parent if node.parent is not None else None
        if owner is not None and owner.type in {"impl_item", "trait_item"}:
            kind = "method"
    return _Def(node, node, kind, name, node.child_by_field_name("body"))


def _lua_definition(s: _Source, node: Node) -> _Def | None:
    if node.type == "function_declaration":
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return None
        kind = "method" if name_node.type == "method_index_expression" else "function"
        return _Def(node, node, kind, s.node_text(name_node), node.child_by_field_name("body"))
    if node.type != "function_definition" or node.parent is None:
        return None
    parent = node.parent
    if parent.type == "field":
        name = _field_text(s, parent, "name")
        if name is None:
            return None
        return _Def(node, parent, "function", name, node.child_by_field_name("body"))
    if parent.type != "expression_list" or parent.named_child_count != 1:
        return None
    assignment = parent.parent
    if assignment is None or assignment.type != "assignment_statement":
        return None
    targets = [c for c in assignment.named_children if c.type == "variable_list"]
    if len(targets) != 1 or targets[0].named_child_count != 1:
        return None
    anchor = assignment
    if assignment.parent is not None and assignment.parent.type == "variable_declaration":
        anchor = assignment.parent
    name = s.node_text(targets[0].named_children[0])
    return _Def(node, anchor, "function", name, node.child_by_field_name("body"))


_JAVA_KINDS = {
    "class_declaration": "class",
    "record_declaration": "class",
    "interface_declaration": "interface",
    "annotation_type_declaration": "interface",
    "enum_declaration": "enum",
    "method_declaration": "method",
    "constructor_declaration": "method",
    "compact_constructor_declaration": "method",
}


def _java_definition(s: _Source, node: Node) -> _Def | None:
    kind = _JAVA_KINDS.get(node.type)
    name = _field_text(s, node, "name") if kind else None
    if kind is None or name is None:
        return None
    return _Def(node, node, kind, name, node.child_by_field_name("body"))
