"""Context from elsewhere: definitions the selection uses, and what the client sends.

A prompt's own context (the selection, the lines around it, the enclosing
definition, the file's header) is built first, within ``context.maxChars``;
what this module adds goes after it, in the room left, so it never displaces
the local context. Each piece says where it came from ("From utils/math.py,
line 12:"), and a piece that does not fit is left out whole, or cut at a line
when it is the first one (a long definition's start says more than nothing).

Which definitions: for each name the selection uses (best rank first, see
:mod:`poe_lsp.core.docs.names`), its definitions in OTHER files of the
workspace, preferring the file the name is imported from, then files near
the selection's. A method name called on an object of unknown type is taken
only when few definitions share it, since a common one (``get``, ``append``)
would bring unrelated code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .docs.names import METHOD, OTHER, UsedName
from .workspace_index import Symbol

MAX_DEFINITIONS = 12
"""At most this many definitions from other files per job."""
PER_NAME = 2
"""Definitions taken for one name (overloads, one per language …)."""
AMBIGUOUS = 3
"""A method or plain identifier with more definitions than this is left out."""
AMBIGUOUS_CALL = 20
"""A called name defined in more places than this (and not imported) is left out too."""

SECTION_TITLE = (
    "Context from other files (for reference only; it is not part of the file above and "
    "must not be rewritten):\n\n"
)
_BACKTICKS_RE = re.compile(r"`{3,}")


@dataclass(frozen=True)
class ContextBlock:
    """One piece of outside context for the prompt."""

    source: str
    """Where it came from, as the prompt says it (``utils/math.py, line 12``)."""
    text: str
    language: str = ""
    """The fence's info string."""
    path: str | None = None
    """The absolute file path, when it is a file's text (to avoid sending it twice)."""
    lines: tuple[int, int] | None = None
    """1-based first and last line of that text in the file."""

    def render(self, text: str | None = None) -> str:
        """``From <source>:`` and the text, fenced."""
        body = self.text if text is None else text
        longest = max((len(m.group()) for m in _BACKTICKS_RE.finditer(body)), default=2)
        fence = "`" * max(3, longest + 1)
        return f"From {self.source}:\n{fence}{self.language}\n{body.rstrip()}\n{fence}\n\n"


def definition_block(symbol: Symbol) -> ContextBlock:
    """A definition as the prompt shows it: whole when short, else its doc and signature."""
    if symbol.text is not None:
        text = symbol.text
    else:
        doc = f"Documentation: {symbol.doc}\n" if symbol.doc else ""
        text = f"{symbol.signature}\n… ({symbol.kind} body left out)\n"
        text = _comment(doc, symbol.language) + text
    last = symbol.line + text.count("\n")
    return ContextBlock(
        source=f"{symbol.shown_path}, line {symbol.line}",
        text=text,
        language=symbol.language,
        path=symbol.path,
        lines=(symbol.line, last),
    )


def _comment(doc: str, language: str) -> str:
    """The doc, as comment lines of the language (a signature alone would not say it)."""
    if not doc:
        return ""
    marker = {"python": "#", "lua": "--"}.get(language, "//")
    return "".join(f"{marker} {line}".rstrip() + "\n" for line in doc.splitlines())


def _stem(symbol: Symbol) -> str:
    return os.path.splitext(symbol.path)[0].replace(os.sep, "/")


def _preference(symbol: Symbol, name: UsedName, here: str) -> tuple[int, int, str]:
    """Sort key: the file the name is imported from, then nearness to ``here``."""
    imported = 0 if name.module and _stem(symbol).endswith(name.module) else 1
    try:
        distance = len(os.path.relpath(symbol.path, os.path.dirname(here)).split(os.sep))
    except ValueError:
        distance = 99
    return imported, distance, symbol.path


def pick_definitions(
    names: Iterable[UsedName],
    lookup: Callable[[str], list[Symbol]],
    here: str,
    *,
    covered: Sequence[ContextBlock] = (),
    limit: int = MAX_DEFINITIONS,
) -> list[Symbol]:
    """The definitions, from files other than ``here``, of the names a selection
    uses, best first. ``covered``: blocks already sent (the client's), whose
    definitions are not repeated."""
    here = os.path.realpath(here)
    picked: list[Symbol] = []
    taken: set[tuple[str, int]] = set()
    for name in names:
        if name.rank == OTHER and len(picked) >= limit // 2:
            break  # plain identifiers only fill what calls and imports left
        found = [s for s in lookup(name.name) if s.path != here]
        if name.module:
            imported = [s for s in found if _stem(s).endswith(name.module)]
            found = imported or found
        limit_here = AMBIGUOUS if name.rank >= METHOD else AMBIGUOUS_CALL
        if not found or (len(found) > limit_here and not name.module):
            continue
        found.sort(key=lambda s: _preference(s, name, here))
        for symbol in found[:PER_NAME]:
            if (symbol.path, symbol.line) in taken or _covered(symbol, covered):
                continue
            taken.add((symbol.path, symbol.line))
            picked.append(symbol)
        if len(picked) >= limit:
            break
    return picked[:limit]


def _covered(symbol: Symbol, blocks: Sequence[ContextBlock]) -> bool:
    return any(
        b.path == symbol.path and b.lines is not None and b.lines[0] <= symbol.line <= b.lines[1]
        for b in blocks
    )


def render_section(blocks: Sequence[ContextBlock], room: int) -> str:
    """The blocks that fit in ``room`` characters, under one title ("" if none fits)."""
    out: list[str] = []
    used = len(SECTION_TITLE)
    for block in blocks:
        rendered = block.render()
        if used + len(rendered) > room:
            rendered = _cut(block, room - used) if not out else ""
            if not rendered:
                continue
        out.append(rendered)
        used += len(rendered)
    return SECTION_TITLE + "".join(out) if out else ""


def _cut(block: ContextBlock, room: int) -> str:
    """The block with as many of its first lines as fit ``room``, marked as cut."""
    lines = block.text.splitlines(keepends=True)
    while lines:
        lines.pop()
        rendered = block.render("".join(lines) + "⋮ (cut to fit context.maxChars)\n")
        if len(rendered) <= room and lines:
            return rendered
    return ""


def add_context(prompt: str, suffix: str, blocks: Sequence[ContextBlock], max_chars: int) -> str:
    """``prompt`` (which ends with ``suffix``) with the blocks that fit inserted
    before the suffix, the whole staying within ``max_chars``."""
    if not blocks:
        return prompt
    body = prompt[: len(prompt) - len(suffix)] if suffix else prompt
    room = max_chars - len(prompt) - 2
    section = render_section(blocks, room)
    if not section:
        return prompt
    return body + "\n\n" + section.rstrip("\n") + suffix
