"""Where a definition's documentation lives, and how to write it there.

Everything ``poe.document`` needs to know about languages is here, on top of
tree-sitter and the per-language grammar wheels:

* :func:`find_doc_target` finds the innermost function, method or class (or
  struct, trait, interface …) around a cursor or selection, its existing doc
  comment, and the exact span a new one replaces;
* :func:`render_doc` turns a bot's answer (fences, prose, echoed signature,
  wrong comment markers and all) into the text for that span, in the
  language's idiom: a docstring as the first statement of a Python body;
  ``/** */`` above in JavaScript, TypeScript, Java, C and C++; ``// Name …`` in
  Go; ``///`` in Rust; ``---`` in Lua.

Offsets are Python ``str`` indices (code points) into the document; tree-sitter
works in UTF-8 bytes, so every offset crosses that boundary exactly once.
Grammar modules are imported on first use of their language, since the server's
start-up time matters, and each language keeps one parser. Parsing is the only
pass over the whole file; the last tree per language is reused while the text
is unchanged (code actions ask on every cursor move).

Only comments that carry a doc marker count as documentation (``/**``,
``///``, ``---``; in Go every comment directly above except directives, as
``go doc`` reads them). A plain comment or directive directly above a
definition (``// eslint-disable-next-line``, ``//go:noinline``) is kept, and a
new doc comment goes above it.
"""

from __future__ import annotations

import ast
import importlib
import re
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

__all__ = [
    "LANGUAGES",
    "DocTarget",
    "apply_doc",
    "doc_text",
    "enclosing_definition",
    "find_doc_target",
    "has_doc_target",
    "header_context",
    "python_docstring_style",
    "render_doc",
    "supported",
]

LANGUAGES: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
    "lua": "lua",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
}
"""LSP ``languageId`` → grammar key."""

# Grammar key → (module, function returning the language pointer).
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "lua": ("tree_sitter_lua", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

Placement = Literal["above", "docstring", "body-start", "inline-body", "new-body"]


@dataclass(frozen=True)
class DocTarget:
    """A documentable definition and the span its documentation occupies."""

    language: str
    """Grammar key (a value of :data:`LANGUAGES`)."""
    kind: str
    """``function``, ``method``, ``class``, ``struct``, ``interface``, ``enum``,
    ``trait``, ``impl``, ``type`` or ``macro``."""
    name: str
    """The definition's name as written (``area``, ``M.area``, ``Display for P``)."""
    definition: tuple[int, int]
    """``[start, end)`` of the whole definition, decorators and attributes included."""
    replace: tuple[int, int]
    """``[start, end)`` the rendered doc replaces: the existing doc comment as whole
    lines (line break included), the existing docstring statement, or an empty span
    where a new one goes."""
    indent: str
    """Indentation of the doc lines (for a docstring: of the body)."""
    existing: str | None
    """The current documentation without comment markers, or None."""
    style: str | None
    """Python only: ``google``, ``numpy`` or ``rest`` when the file uses one."""
    signature: str
    """The definition's header up to its body, for the prompt."""
    placement: Placement = "above"
    """How :func:`render_doc` frames the doc: whole comment lines ``above`` the
    definition; a Python ``docstring`` replacing the existing one; a new docstring
    line at ``body-start``; an ``inline-body`` docstring that moves a one-line
    body (``def f(): pass``) to its own line; or a ``new-body`` for a definition
    still being typed (``def f():`` and nothing yet)."""


# --------------------------------------------------------------------------- grammars

_lock = threading.Lock()
_parsers: dict[str, Parser] = {}
_last_parse: dict[str, tuple[str, bytes, Tree]] = {}


def supported(language_id: str) -> bool:
    """Whether documents with this LSP ``languageId`` can be documented."""
    return language_id in LANGUAGES


def _parser(key: str) -> Parser:
    parser = _parsers.get(key)
    if parser is None:
        import tree_sitter  # deferred: only documents that need a grammar pay for it

        module_name, function = _GRAMMARS[key]
        module = importlib.import_module(module_name)
        parser = tree_sitter.Parser(tree_sitter.Language(getattr(module, function)()))
        _parsers[key] = parser
    return parser


def _parse(text: str, key: str) -> tuple[bytes, Tree]:
    """The UTF-8 source and its tree; the last parse per language is reused.

    After an edit the new tree is parsed incrementally from the last one (a
    keystroke in a 20,000-line file costs a millisecond instead of ~50 ms of
    full parse, and code actions ask after every keystroke)."""
    with _lock:
        cached = _last_parse.get(key)
        if cached is not None and (cached[0] is text or cached[0] == text):
            return cached[1], cached[2]
        src = text.encode("utf-8", "surrogatepass")
        old = _edited_tree(cached[1], cached[2], src) if cached is not None else None
        tree = _parser(key).parse(src, old) if old is not None else _parser(key).parse(src)
        _last_parse[key] = (text, src, tree)
        return src, tree


def _common_prefix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common prefix of ``a`` and ``b`` (at most ``limit``), by bisection
    over slice comparisons (memcmp) rather than a Python loop over bytes."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _point(src: bytes, byte: int) -> tuple[int, int]:
    return src.count(b"\n", 0, byte), byte - (src.rfind(b"\n", 0, byte) + 1)


def _edited_tree(old_src: bytes, old_tree: Tree, src: bytes) -> Tree | None:
    """A copy of ``old_tree`` told where ``old_src`` became ``src`` (one edit spanning
    every difference), or None when they differ too much for reuse to pay."""
    shortest = min(len(old_src), len(src))
    start = _common_prefix(old_src, src, shortest)
    if start < shortest // 2 and shortest > 4096:
        return None  # another document of the same language, most likely
    limit = shortest - start
    lo, hi = 0, limit  # common suffix, bisected the same way
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old_src[len(old_src) - mid : len(old_src) - lo] == src[len(src) - mid : len(src) - lo]:
            lo = mid
        else:
            hi = mid - 1
    old_end, new_end = len(old_src) - lo, len(src) - lo
    tree = old_tree.copy()
    tree.edit(
        start_byte=start,
        old_end_byte=old_end,
        new_end_byte=new_end,
        start_point=_point(src, start),
        old_end_point=_point(old_src, old_end),
        new_end_point=_point(src, new_end),
    )
    return tree


class _Source:
    """A parsed document with byte/char offset conversion."""

    def __init__(self, text: str, key: str) -> None:
        self.text = text
        self.key = key
        self.src, self.tree = _parse(text, key)
        self.root = self.tree.root_node
        self.ascii = len(self.src) == len(text)

    def to_byte(self, offset: int) -> int:
        offset = max(0, min(offset, len(self.text)))
        return offset if self.ascii else len(self.text[:offset].encode("utf-8", "surrogatepass"))

    def to_char(self, byte: int) -> int:
        if self.ascii:
            return byte
        return len(self.src[:byte].decode("utf-8", "surrogatepass"))

    def slice(self, start: int, end: int) -> str:
        return self.src[start:end].decode("utf-8", "replace")

    def node_text(self, node: Node) -> str:
        return self.slice(node.start_byte, node.end_byte)

    def line_start(self, byte: int) -> int:
        return self.src.rfind(b"\n", 0, byte) + 1

    def line_end(self, byte: int) -> int:
        """Index of the line break ending the line at ``byte`` (or the end)."""
        end = self.src.find(b"\n", byte)
        return len(self.src) if end < 0 else end

    def line_indent(self, byte: int) -> str:
        start = self.line_start(byte)
        line = self.src[start : self.line_end(byte)]
        return line[: len(line) - len(line.lstrip(b" \t"))].decode()


# --------------------------------------------------------------------------- languages


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


@dataclass(frozen=True)
class _Def:
    core: Node  # the node carrying name and body
    anchor: Node  # the outermost node of the definition (export, decorators, template)
    kind: str
    name: str
    body: Node | None


_JS_FUNCTIONS = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
_JS_WRAPPERS = frozenset({"export_statement", "ambient_declaration"})
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


def _field_text(s: _Source, node: Node, field: str) -> str | None:
    child = node.child_by_field_name(field)
    return None if child is None else s.node_text(child)


def _single_declarator(decl: Node, types: frozenset[str]) -> bool:
    return sum(1 for c in decl.named_children if c.type in types) == 1


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


# --------------------------------------------------------------------------- doc locations


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


# --------------------------------------------------------------------------- finding


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


def _python_string_value(literal: str) -> str:
    try:
        value = ast.literal_eval(literal.strip())
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        match = re.match(r"(?s)[rRuU]*(\"\"\"|'''|\"|')(.*)\1\s*\Z", literal.strip())
        value = match.group(2) if match else literal
    return _normalize(value) if isinstance(value, str) else ""


# --------------------------------------------------------------------------- Python style

_GOOGLE_RE = re.compile(
    r"^[ \t]*(Args|Arguments|Keyword Args|Returns|Raises|Yields|Attributes):[ \t]*\r?\n"
    r"[ \t]+\S",
    re.MULTILINE,
)
_NUMPY_RE = re.compile(
    r"^[ \t]*(Parameters|Returns|Raises|Yields|Attributes|Other Parameters|See Also)"
    r"[ \t]*\r?\n[ \t]*-{3,}[ \t]*$",
    re.MULTILINE,
)
_REST_RE = re.compile(
    r"^[ \t]*:(param|parameter|arg|argument|key|keyword|type|returns?|rtype|raises?|except|"
    r"yields?|ivar|cvar|var|vartype)\b[^:\n]*:",
    re.MULTILINE,
)


_last_style: tuple[str, str | None] = ("", None)


def python_docstring_style(text: str) -> str | None:
    """``google``, ``numpy`` or ``rest`` if the file's docstrings mostly use that style."""
    global _last_style
    if _last_style[0] is text:
        return _last_style[1]
    style = _docstring_style(text)
    _last_style = (text, style)
    return style


def _docstring_style(text: str) -> str | None:
    counts = {
        "google": len(_GOOGLE_RE.findall(text)),
        "numpy": len(_NUMPY_RE.findall(text)),
        "rest": len(_REST_RE.findall(text)),
    }
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0 or list(counts.values()).count(counts[best]) > 1:
        return None
    return best


# --------------------------------------------------------------------------- header context

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


# --------------------------------------------------------------------------- answers

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FENCE_RE = re.compile(r"[ \t]*(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_INTRO_RE = re.compile(
    r"(Here is|Here['’]s|Here are|Below|The following|Sure|Certainly|Of course|Okay|OK|"
    r"Absolutely|I['’]ve|I have|I wrote|I added|This (doc|documentation|docstring|comment))\b",
    re.IGNORECASE,
)
_DECORATOR_RE = re.compile(r"\s*(@[A-Za-z_][\w.]*(\(.*\))?|#!?\[.*\])\s*")
_LINE_MARKERS = ("///", "//!", "//", "---", "--")
_TRIPLE_RE = re.compile(r"[rRuU]{0,2}(\"\"\"|''')")
_DEF_KEYWORDS_RE = re.compile(
    r"(export\s+)?(default\s+)?(pub(\([\w:]+\))?\s+)?(public\s+|private\s+|protected\s+|"
    r"static\s+|abstract\s+|final\s+|async\s+|local\s+|inline\s+|virtual\s+|unsafe\s+|"
    r"const\s+|extern\s+)*(def|class|function|func|fn|struct|interface|enum|trait|impl|"
    r"type|record|union|macro_rules!)\b"
)


def _clean(answer: str) -> str:
    text = answer.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL_RE.sub("", text)


def _normalize(text: str) -> str:
    """Trim blank edges, the first line's indentation and the rest's common margin.

    The same normalisation applies to a bot's answer and to an existing doc read
    back from the file, so documenting twice finds exactly what was written.
    """
    lines = [line.rstrip() for line in _clean(text).split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    lines = [lines[0].lstrip(), *textwrap.dedent("\n".join(lines[1:])).split("\n")][: len(lines)]
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def _short_name(name: str) -> str:
    return re.split(r"::|[.:]|\s+for\s+", name)[-1].strip() or name


def _squash(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _is_signature(line: str, target: DocTarget) -> bool:
    """Whether a line of the answer repeats the definition's header."""
    stripped = line.strip()
    if not stripped:
        return False
    header = [
        h
        for h in target.signature.split("\n")
        if h.strip() and not _DECORATOR_RE.fullmatch(h) and not h.strip().startswith("#")
    ]
    if header:
        first = _squash(header[0]).rstrip("{:")
        if len(first) >= 5 and _squash(stripped).startswith(first):
            return True
    name = re.escape(_short_name(target.name))
    if not re.search(rf"(?<![\w$]){name}(?![\w$])", stripped):
        return False
    if stripped.endswith((".", "!", "?", ",")):
        return False
    if _DEF_KEYWORDS_RE.match(stripped):
        return True
    # A call such as ``area(2.0);`` in an example is not a header; ``scale(k) {`` is.
    return re.search(rf"(?<![\w$]){name}\s*(<[^>]*>)?\s*\(", stripped) is not None and (
        stripped.endswith(("{", ":", "=>"))
    )


def _opens_marker(line: str) -> bool:
    s = line.lstrip()
    return bool(_TRIPLE_RE.match(s)) or s.startswith(("/*", *_LINE_MARKERS))


def _unfence(text: str, target: DocTarget) -> str:
    """The first fenced block, when the fence wraps the doc rather than an example in it."""
    lines = text.split("\n")
    opening = next((i for i, line in enumerate(lines) if _FENCE_RE.fullmatch(line)), None)
    if opening is None:
        return text
    match = _FENCE_RE.fullmatch(lines[opening])
    assert match is not None
    fence = match.group("fence")
    if fence[0] == "`" and "`" in match.group("info"):
        return text
    closing = next(
        (
            j
            for j in range(opening + 1, len(lines))
            if lines[j].strip()
            and set(lines[j].strip()) == {fence[0]}
            and len(lines[j].strip()) >= len(fence)
        ),
        len(lines),
    )
    block = lines[opening + 1 : closing]
    before = [line for line in lines[:opening] if line.strip()]
    after = [line for line in lines[closing + 1 :] if line.strip()]
    first = next((line for line in block if line.strip()), "")
    wraps = (
        (not before and not after)
        or (bool(before) and before[-1].rstrip().endswith(":"))
        or (bool(before) and _INTRO_RE.match(before[0].strip()) is not None)
        or _opens_marker(first)
        or _is_signature(first, target)
        or bool(_DECORATOR_RE.fullmatch(first))
    )
    return textwrap.dedent("\n".join(block)) if wraps else text


def _strip_star_prefixes(lines: list[str]) -> list[str]:
    rest = [line.lstrip() for line in lines[1:]]
    if not all(line.startswith("*") or not line for line in rest):
        return lines
    stripped = [line[1:] for line in rest]
    return [lines[0], *(line[1:] if line.startswith(" ") else line for line in stripped)]


def _from_block(text: str) -> str:
    """The inside of a ``/* … */`` comment, ``*`` margins removed."""
    inner = text.lstrip()
    inner = inner[2:]
    if inner[:1] in ("*", "!"):
        inner = inner[1:]
    close = inner.find("*/")
    if close >= 0:
        inner = inner[:close]
    return "\n".join(_strip_star_prefixes(inner.split("\n")))


def _from_lines(lines: list[str]) -> str:
    out = []
    for line in lines:
        s = line.lstrip()
        marker = next((m for m in _LINE_MARKERS if s.startswith(m)), "")
        s = s[len(marker) :]
        out.append(s[1:] if s.startswith(" ") else s)
    return "\n".join(out)


def _strip_comment_markers(comments: list[str], key: str) -> str:
    """An existing doc comment group's text without markers."""
    parts = []
    line_group: list[str] = []
    for comment in comments:
        text = _clean(comment).rstrip("\n")
        if text.lstrip().startswith("/*"):
            if line_group:
                parts.append(_from_lines(line_group))
                line_group = []
            parts.append(_from_block(text))
        else:
            line_group.extend(text.split("\n"))
    if line_group:
        parts.append(_from_lines(line_group))
    return _normalize("\n".join(parts))


def _unwrap(text: str, target: DocTarget) -> str:
    """Drop an intro line, an echoed signature or code, and the comment markers."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].rstrip().endswith(":") and _INTRO_RE.match(lines[i].strip()):
        i += 1
    code = False
    while i < len(lines):
        j = i
        while j < len(lines) and _DECORATOR_RE.fullmatch(lines[j]):
            j += 1
        if j < len(lines) and _is_signature(lines[j], target):
            code, i = True, j + 1
        elif j > i and j < len(lines) and _opens_marker(lines[j]):
            i = j
        else:
            break
        while i < len(lines) and not lines[i].strip():
            i += 1
    start = i
    while start < len(lines) and not lines[start].strip():
        start += 1
    marker_at: int | None = None
    if start < len(lines) and _opens_marker(lines[start]):
        marker_at = start
    elif code:
        marker_at = next((k for k in range(start, len(lines)) if _opens_marker(lines[k])), None)
    if marker_at is None:
        rest = lines[start:]
        if code:
            while rest and rest[-1].strip() in {"", "}", "};", "end", "pass", "..."}:
                rest.pop()
        if rest and all(line.lstrip().startswith("*") or not line.strip() for line in rest):
            rest = _strip_star_prefixes(["", *rest])[1:]
        return "\n".join(rest)
    first = lines[marker_at].lstrip()
    remainder = "\n".join([first, *lines[marker_at + 1 :]])
    triple = _TRIPLE_RE.match(first)
    if triple:
        quote = triple.group(1)
        body = remainder[triple.end() :]
        close = body.find(quote)
        return body if close < 0 else body[:close]
    if first.startswith("/*"):
        return _from_block(remainder)
    run = []
    for line in lines[marker_at:]:
        if not line.lstrip().startswith(_LINE_MARKERS):
            break
        run.append(line)
    return _from_lines(run)


def _go_named(doc: str, name: str) -> str:
    """Go doc comments start with the name they document."""
    first, sep, rest = doc.partition("\n")
    words = first.split(maxsplit=2)
    if words and (words[0] == name or (words[0] in {"A", "An", "The"} and words[1:2] == [name])):
        return doc
    if len(first) > 1 and first[0].isupper() and first[1].islower():
        first = first[0].lower() + first[1:]
    return f"{name} {first}{sep}{rest}"


def doc_text(answer: str, target: DocTarget) -> str:
    """The documentation text the answer gives, normalised, without comment markers.

    This is what :func:`render_doc` wraps in the language's markers, and what
    :func:`find_doc_target` reads back as ``existing`` afterwards.
    """
    text = _normalize(answer)
    text = _unfence(text, target)
    text = _normalize(_unwrap(text, target))
    if not text:
        return ""
    lang = _LANGS[target.language]
    if target.language == "go":
        text = _go_named(text, _short_name(target.name))
    if lang.render == "block":
        text = text.replace("*/", "*\\/")
    return text


def _python_literal(doc: str) -> str:
    single = "\n" not in doc
    if "\\" in doc and '"""' not in doc and not (single and doc.endswith(("\\", '"'))):
        return f'r"""{doc}"""'
    escaped = doc.replace("\\", "\\\\")
    if '"""' in escaped or (single and escaped.endswith('"')):
        escaped = escaped.replace('"', '\\"')
    return f'"""{escaped}"""'


def render_doc(answer: str, target: DocTarget, *, newline: str = "\n") -> str:
    """The exact text that replaces ``target.replace``; "" for an empty answer."""
    doc = doc_text(answer, target)
    if not doc:
        return ""
    lines = doc.split("\n")
    indent = target.indent
    lang = _LANGS[target.language]
    if lang.render == "docstring":
        literal_lines = _python_literal(doc).split("\n")
        if len(literal_lines) > 1:
            literal_lines[-1] = literal_lines[-1][: -len('"""')]
            literal_lines.append('"""')
        body = newline.join(
            [literal_lines[0], *((indent + line) if line else "" for line in literal_lines[1:])]
        )
        if target.placement == "body-start":
            return indent + body + newline
        if target.placement == "inline-body":
            return newline + indent + body + newline + indent
        if target.placement == "new-body":
            return newline + indent + body
        return body
    if lang.render == "block":
        inner = [f"{indent} * {line}" if line else f"{indent} *" for line in lines]
        return newline.join([f"{indent}/**", *inner, f"{indent} */"]) + newline
    marker = lang.marker
    out = []
    for line in lines:
        if not line:
            out.append(indent + marker)
        elif marker == "---" and line.startswith("@"):
            out.append(indent + marker + line)
        else:
            out.append(f"{indent}{marker} {line}")
    return newline.join(out) + newline


def apply_doc(text: str, target: DocTarget, answer: str) -> str:
    """``text`` with the rendered doc in place of ``target.replace`` (unchanged if blank)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    rendered = render_doc(answer, target, newline=newline)
    if not rendered:
        return text
    start, end = target.replace
    return text[:start] + rendered + text[end:]
