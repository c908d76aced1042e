"""Definitions in C and C++ trees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .definitions import _Def, _field_text

if TYPE_CHECKING:
    from tree_sitter import Node

    from .parsing import _Source

_C_DECLARATORS = frozenset(
    {
        "function_declarator",
        "pointer_declarator",
        "reference_declarator",
        "parenthesized_declarator",
        "attributed_declarator",
    }
)
_C_NAMES = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "template_function",
        "type_identifier",
    }
)


def _c_function_name(s: _Source, declarator: Node | None) -> tuple[str, bool] | None:
    """The declared name, and whether the declarator declares a function."""
    is_function = False
    node = declarator
    while node is not None and node.type in _C_DECLARATORS:
        is_function = is_function or node.type == "function_declarator"
        inner = node.child_by_field_name("declarator")
        if inner is None:  # reference_declarator has no field name
            named = [c for c in node.named_children if c.type in _C_DECLARATORS | _C_NAMES]
            inner = named[0] if named else None
        node = inner
    if node is None or node.type not in _C_NAMES:
        return None
    return s.node_text(node), is_function


_C_TYPES = {
    "struct_specifier": "struct",
    "union_specifier": "struct",
    "class_specifier": "class",
    "enum_specifier": "enum",
}


def _c_definition(s: _Source, node: Node) -> _Def | None:
    t = node.type
    parent = node.parent
    if t in {"function_definition", "declaration", "field_declaration"}:
        if t != "function_definition" and (parent is None or parent.type == "compound_statement"):
            return None
        found = _c_function_name(s, node.child_by_field_name("declarator"))
        if found is None or not found[1]:
            return None
        name = found[0]
        in_class = parent is not None and parent.type == "field_declaration_list"
        if parent is not None and parent.type == "template_declaration":
            grand = parent.parent
            in_class = grand is not None and grand.type == "field_declaration_list"
        kind = "method" if in_class or "::" in name else "function"
        body = node.child_by_field_name("body")
    elif t in _C_TYPES:
        body = node.child_by_field_name("body")
        if body is None:
            return None
        kind = _C_TYPES[t]
        name_or_none = _field_text(s, node, "name")
        if parent is not None and parent.type in {"type_definition", "declaration"}:
            if parent.type == "type_definition" and name_or_none is None:
                name_or_none = _field_text(s, parent, "declarator")
            anchor_parent: Node | None = parent
        else:
            anchor_parent = None
        if name_or_none is None:
            return None
        name = name_or_none
        anchor = anchor_parent or node
        while anchor.parent is not None and anchor.parent.type == "template_declaration":
            anchor = anchor.parent
        return _Def(node, anchor, kind, name, body)
    else:
        return None
    anchor = node
    while anchor.parent is not None and anchor.parent.type == "template_declaration":
        anchor = anchor.parent
    return _Def(node, anchor, kind, name, body)
