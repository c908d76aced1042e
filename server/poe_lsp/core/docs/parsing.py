"""Grammars, parsers and the per-language tree cache.

Offsets are Python ``str`` indices (code points) into the document; tree-sitter
works in UTF-8 bytes, so every offset crosses that boundary exactly once, in
:class:`_Source`. Grammar modules are imported on first use of their language,
since the server's start-up time matters, and each language keeps one parser.
Parsing is the only pass over the whole file; the last tree per language is
reused while the text is unchanged (code actions ask on every cursor move) and
re-parsed incrementally after an edit.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

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

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".lua": "lua",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
}
"""File extension → LSP ``languageId``, for files no editor has named (on disk)."""

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


_lock = threading.Lock()
_parsers: dict[str, Parser] = {}
_last_parse: dict[str, tuple[str, bytes, Tree]] = {}


def supported(language_id: str) -> bool:
    """Whether documents with this LSP ``languageId`` can be documented."""
    return language_id in LANGUAGES


def new_parser(key: str) -> Parser:
    """A parser of its own for grammar ``key``: a parser serves one thread at a time,
    and the shared ones below belong to the request handlers."""
    import tree_sitter  # deferred: only documents that need a grammar pay for it

    module_name, function = _GRAMMARS[key]
    module = importlib.import_module(module_name)
    return tree_sitter.Parser(tree_sitter.Language(getattr(module, function)()))


PRIVATE_PARSE_SECONDS = 3.0
"""The longest a private parser (the workspace index's) spends on one file."""
_CHUNK = 4096


class ParseTooSlow(Exception):
    """A parse ran out of time: some grammars are quadratic on rare inputs
    (tree-sitter-python on thousands of comment lines after an indented block)."""


def parse_within(parser: Parser, src: bytes, seconds: float) -> Tree:
    """``parser.parse(src)``, given up after ``seconds`` (checked as the parser reads
    each 4 KiB: this binding has no timeout of its own, and an exception raised
    inside its read callback is not propagated cleanly). Reading in chunks also
    lets other threads run between them: the binding parses holding the GIL."""
    deadline = time.perf_counter() + seconds
    late = False

    def read(byte: int, _point: tuple[int, int]) -> bytes:
        nonlocal late
        if time.perf_counter() > deadline:
            late = True
            return b""  # the end of the input, as far as the parser knows
        time.sleep(0)  # the parser holds the GIL: let the request handlers' thread in
        return src[byte : byte + _CHUNK]

    tree = parser.parse(read)
    if late or tree is None:
        raise ParseTooSlow(f"parsing took over {seconds:g} s")
    return tree


def _parser(key: str) -> Parser:
    parser = _parsers.get(key)
    if parser is None:
        parser = _parsers[key] = new_parser(key)
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

    def __init__(self, text: str, key: str, parser: Parser | None = None) -> None:
        self.text = text
        self.key = key
        if parser is None:
            self.src, self.tree = _parse(text, key)
        else:  # a private parser (another thread): the shared cache is left alone
            self.src = text.encode("utf-8", "surrogatepass")
            self.tree = parse_within(parser, self.src, PRIVATE_PARSE_SECONDS)
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
