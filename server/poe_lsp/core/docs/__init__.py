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

The package keeps one capability per module: :mod:`.parsing` (grammars, the
tree cache and incremental re-parse), :mod:`.languages` with
:mod:`.definitions`, :mod:`.javascript` and :mod:`.c_family` (doc comment syntax
and what counts as a definition, per language), :mod:`.finding` (which
definition a cursor means), :mod:`.placement` (where its doc goes),
:mod:`.answers` and :mod:`.render` (from a bot's answer to the text written),
:mod:`.style` and :mod:`.header` (context for the prompt).
"""

from __future__ import annotations

from .answers import doc_text
from .finding import enclosing_definition, find_doc_target, has_doc_target
from .header import header_context
from .parsing import LANGUAGES, supported
from .render import apply_doc, render_doc
from .style import python_docstring_style
from .target import DocTarget

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
