"""What surrounds a selection in the prompt.

Policy (README "Context sent with a selection"):

1. In a language poe-lsp has a grammar for, the richest context is tried
   first: the whole enclosing function, method or class and the lines
   around the selection (``context.linesBefore`` / ``linesAfter``, whichever
   reaches further), with the file's header (imports, includes, package
   line) on top, an elision line ``⋮`` marking what is left out between them.
2. If that prompt would exceed ``context.maxChars``, the plain line window is
   used instead, trimmed line by line from its far ends until it fits.
3. The selection itself is never cut; a selection that alone exceeds the
   budget is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import docs
from .prompts import PromptInput, build_prompt, context_window, rendered_size

if TYPE_CHECKING:
    from .settings import Settings

ELISION = "⋮\n"
HEADER_SHARE = 4
"""The header may take at most 1/HEADER_SHARE of the budget."""


def rich_context(
    text: str,
    language_id: str,
    start: int,
    end: int,
    lines_before: int,
    lines_after: int,
    max_chars: int,
) -> tuple[str, str] | None:
    """``(before, after)`` with the enclosing definition and the file header, or
    ``None`` where the language has no grammar or it would add nothing."""
    if not docs.supported(language_id):
        return None
    window_before, window_after = context_window(text, start, end, lines_before, lines_after)
    first = start - len(window_before)
    last = end + len(window_after)
    enclosing = docs.enclosing_definition(text, language_id, start, end)
    if enclosing is not None:
        first = min(first, _line_start(text, enclosing[0]))
        last = max(last, _line_end(text, enclosing[1]))
    before = text[first:start]
    header = docs.header_context(text, language_id, max_chars // HEADER_SHARE)
    if header and first > 0:
        if text.startswith(header) and len(header) >= first:
            before = text[:start]
        elif not before.startswith(header):
            before = header.rstrip("\n") + "\n" + ELISION + before
    if enclosing is None and before == window_before:
        return None
    return before, text[end:last]


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: str, offset: int) -> int:
    if offset > 0 and text[offset - 1] == "\n":
        return offset
    newline = text.find("\n", offset)
    return len(text) if newline < 0 else newline + 1


@dataclass(frozen=True)
class Composed:
    """A finished prompt, and whether ``context.maxChars`` cut its context."""

    prompt: str
    trimmed: bool
    """True when the budget left out context the prompt would otherwise carry."""


def compose_prompt(
    settings: Settings,
    *,
    action: str,
    text: str,
    language: str,
    path: str,
    start: int = 0,
    end: int = 0,
    whole_file: bool = False,
    instruction: str = "",
    diagnostics: str = "",
    template_action: str | None = None,
    template: str | None = None,
    suffix: str = "",
) -> Composed:
    """The action's template rendered with ``text[start:end]`` and its context,
    within ``settings.max_chars`` (the editor and the command line share it).

    ``whole_file``: a question about the file, nothing selected.  ``template``
    (a user-defined action's, already bounded) replaces the settings' one.  Raises
    :class:`~poe_lsp.core.prompts.PromptTooLarge` when the selection alone does not fit.
    """
    if whole_file:
        # When the budget bites, a file's top (imports, definitions) says more
        # than its end, so the file is the "after" side.
        before, after = "", text
        start = end = 0
    else:
        before, after = context_window(
            text, start, end, settings.lines_before, settings.lines_after
        )
    inp = PromptInput(
        action=template_action or action,
        selection=text[start:end],
        before=before,
        after=after,
        path=path,
        language=language,
        instruction=instruction,
        diagnostics=diagnostics,
    )
    budget = settings.max_chars - len(suffix)
    if template is None:
        template = settings.template_for(template_action or action)
    trimmed = False
    if not whole_file:
        rich = rich_context(
            text, language, start, end, settings.lines_before, settings.lines_after, budget
        )
        if rich is not None:
            whole = replace(inp, before=rich[0], after=rich[1])
            # Measured before it is built: only a prompt within budget is ever rendered.
            if rendered_size(whole, template) <= budget:
                return Composed(build_prompt(whole, template, budget) + suffix, False)
            trimmed = True
    prompt = build_prompt(inp, template, budget)
    if not trimmed:
        trimmed = rendered_size(inp, template) > len(prompt)
    return Composed(prompt + suffix, trimmed)
