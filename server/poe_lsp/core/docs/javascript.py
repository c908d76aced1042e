"""Definitions in JavaScript, TypeScript and TSX trees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .definitions import _Def, _field_text, _single_declarator

if TYPE_CHECKING:
    from tree_sitter import Node

    from .parsing import _Source

_JS_FUNCTIONS = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
_JS_WRAPPERS = frozenset({"export_statement", "ambient_declaration"})


def _js_definition(s: _Source, node: Node) -> _Def | None:
    t = node.type
    kind: str | None = None
    name: str | None = None
    anchor = node
    if t in {"function_declaration", "generator_function_declaration", "function_signature"}:
        kind = "function"
    elif t in {"class_declaration", "abstract_class_declaration"}:
        kind = "class"
    elif t in {"method_definition", "method_signature", "abstract_method_signature"}:
        kind = "method"
    elif t == "interface_declaration":
        kind = "interface"
    elif t == "enum_declaration":
        kind = "enum"
    elif t == "type_alias_declaration":
        kind = "type"
    elif t in _JS_FUNCTIONS or t == "class":
        # Anonymous functions and classes count when bound to a name.
        kind = "class" if t == "class" else "function"
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
            decl = parent.parent
            if decl is None or decl.type not in {"lexical_declaration", "variable_declaration"}:
                return None
            if not _single_declarator(decl, frozenset({"variable_declarator"})):
                return None
            name, anchor = _field_text(s, parent, "name"), decl
        elif parent.type == "pair" and parent.child_by_field_name("value") == node:
            name, anchor = _field_text(s, parent, "key"), parent
            kind = "class" if t == "class" else "method"
        elif parent.type in {"field_definition", "public_field_definition"}:
            name = _field_text(s, parent, "property") or _field_text(s, parent, "name")
            anchor = parent
            kind = "class" if t == "class" else "method"
        elif (
            parent.type == "assignment_expression"
            and parent.child_by_field_name("right") == node
            and parent.parent is not None
            and parent.parent.type == "expression_statement"
        ):
            name, anchor = _field_text(s, parent, "left"), parent.parent
        elif parent.type == "export_statement":
            name = "default"
        else:
            return None
    else:
        return None
    if name is None:
        name = _field_text(s, node, "name")
    if name is None:
        return None
    while anchor.parent is not None and anchor.parent.type in _JS_WRAPPERS:
        anchor = anchor.parent
    return _Def(node, anchor, kind, name, node.child_by_field_name("body"))
