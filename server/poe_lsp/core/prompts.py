"""Build the prompt sent to a bot: the selection, its marked context and the action's task.

A template is plain text with ``{name}`` placeholders.  Only the names in
:data:`PLACEHOLDERS` are substituted, in one pass, so braces in the user's code or
in a user's template (``dict = {}``, ``{foo}``) are left alone and substituted
values are never scanned again.

``{context}`` is the excerpt of the file as a fenced block, with the selection
marked in place by :data:`SELECTION_START` and :data:`SELECTION_END`.  A marker
on a line of its own means the selection starts or ends at a line boundary; a
marker inside a line means it starts or ends exactly there.  With an empty
selection there are no markers and the excerpt is just the file's text.

The prompt never exceeds ``max_chars`` characters (code points).  The selection
is never cut; whole context lines are dropped from the far ends first, keeping
the lines nearest the selection on both sides.

A template comes from settings a repository may write, and each placeholder
repeats its value: sizes are therefore computed from the placeholder counts
before any string is built (:func:`rendered_size`), so a template repeating
``{context}`` cannot make the server build a prompt hundreds of times the
file's size only to find it over budget.  :func:`template_problem` bounds what
settings accept in the first place.

Why one module of this length: the built-in templates are most of it, and
the budget arithmetic that trims context must sit beside the rendering it
sizes (a template is measured before it is built).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

PLACEHOLDERS = (
    "language",
    "path",
    "before",
    "selection",
    "after",
    "instruction",
    "diagnostics",
    "context",
)

SELECTION_START = "<<<SELECTION>>>"
SELECTION_END = "<<<END SELECTION>>>"

DEFAULT_REFACTOR_INSTRUCTION = (
    "Improve readability (naming, structure, duplication) without changing behaviour."
)
DEFAULT_DIAGNOSTICS = "(none were given: fix the problems you can see in the selection)"

edit_output_hint = (
    "Answer with only the replacement code for the selected text, in ONE fenced code "
    "block, with nothing before or after it: no explanation, no markers, none of the "
    "surrounding code."
)
"""Appended by the caller (after a blank line) to an ``ask`` prompt whose output is an edit."""

MAX_TEMPLATE_CHARS = 8000
"""The longest prompt template settings accept."""
MAX_USES_OF_ONE_PLACEHOLDER = 4
"""How often one placeholder may appear in a template."""
MAX_PLACEHOLDERS = 16
"""How many placeholders a template may hold in all."""

_PLACEHOLDER_RE = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_BACKTICK_RUN_RE = re.compile(r"`{3,}")

_EXCERPT = (
    "File: {path}\n"
    "Language: {language}\n"
    "\n"
    "Excerpt of the file. The selected text lies between the markers "
    + SELECTION_START
    + " and "
    + SELECTION_END
    + "; the markers are not part of the file. A marker on a line of its own means the "
    "selection starts or ends at a line boundary; a marker inside a line means it starts "
    "or ends exactly there.\n"
    "\n"
    "{context}\n"
    "\n"
)

_REPLACES = (
    "Your reply replaces the selected text in the file, character for character, so if "
    "the selection starts or ends inside a line, your code must fit exactly in its place."
)

DEFAULT_TEMPLATES: dict[str, str] = {
    "explain": (
        "You are helping a programmer understand code in their editor.\n\n"
        + _EXCERPT
        + "Explain the selected code concisely, in Markdown: what it does, how it works, and "
        "anything a careful reader should notice (edge cases, bugs, side effects, cost). "
        "Use the surrounding code only to understand the selection; do not explain the rest "
        "of the file, and do not rewrite the code."
    ),
    "refactor": (
        "You are editing code in a programmer's editor. "
        + _REPLACES
        + "\n\n"
        + _EXCERPT
        + "Instruction: {instruction}\n\n"
        "Rewrite only the selected text, following the instruction. Keep its behaviour "
        "unless the instruction asks otherwise, keep the indentation the selected lines "
        "have in the file, and follow the style of the surrounding code. Reply with only "
        "the rewritten selection in ONE fenced code block, and nothing else: no explanation "
        "before or after it, no markers, none of the surrounding code."
    ),
    "document": (
        "You are writing documentation in a programmer's editor.\n\n"
        + _EXCERPT
        + "{instruction}\n\n"
        "Write the documentation comment for the {language} definition (function, class "
        "or method) in the selection, in the idiomatic style of {language}: for example a "
        "docstring in Python, /** ... */ in JavaScript, TypeScript and Java, /// in Rust "
        "and C#, --- in Lua. Say what it does, and its parameters, return value and errors "
        "where that helps a caller; do not invent behaviour the code does not have. Reply "
        "with only the doc comment, including its delimiters (quotes or comment markers), "
        "starting at column 0, in ONE fenced code block, and nothing else: not the code of "
        "the definition, no explanation."
    ),
    "fix": (
        "You are fixing code in a programmer's editor. "
        + _REPLACES
        + "\n\n"
        + _EXCERPT
        + "Diagnostics reported for the selection:\n{diagnostics}\n\n"
        "Rewrite the selected text so that these diagnostics go away, changing as little as "
        "possible and keeping its intended behaviour, indentation and style. Reply with only "
        "the corrected selection in ONE fenced code block, and nothing else: no explanation, "
        "no markers, none of the surrounding code."
    ),
    "ask": (
        "You are assisting a programmer in their editor.\n\n"
        + _EXCERPT
        + "If the excerpt has no markers, nothing is selected and the request concerns the "
        "file shown.\n\n"
        "Request: {instruction}\n\n"
        "Answer the request. Use the surrounding code for context."
    ),
}


@dataclass(frozen=True)
class PromptInput:
    """Everything a template can refer to, for one job."""

    action: str
    """One of :data:`ACTIONS`; picks the default template."""
    selection: str
    """The exact selected text; never cut.  May be empty (``ask`` without a range)."""
    before: str
    """Text before the selection, from a line start up to exactly the selection's start."""
    after: str
    """Text after the selection, from exactly its end up to some line's end."""
    path: str
    """The file's path relative to the workspace root, or its URI when outside it."""
    language: str
    """The LSP language id, e.g. ``python``."""
    instruction: str = ""
    """The refactor instruction, or the ``ask`` prompt."""
    diagnostics: str = ""
    """Preformatted diagnostics (for ``fix``); may be empty."""


class PromptTooLarge(Exception):
    """The prompt does not fit the budget even with no context at all."""

    def __init__(self, selection_chars: int, needed_chars: int, budget: int) -> None:
        self.selection_chars = selection_chars
        self.needed_chars = needed_chars
        self.budget = budget
        super().__init__(
            f"The selection is {selection_chars:,} characters and the prompt needs "
            f"{needed_chars:,} even without any surrounding code, over the limit of "
            f"{budget:,}. Select less, or raise the context.maxChars setting "
            "(VS Code: poe.context.maxChars)."
        )

    @property
    def message(self) -> str:
        """The one sentence shown to the user."""
        return str(self)


@dataclass(frozen=True)
class _Excerpt:
    """How ``{context}`` is laid out for one input; fixed before any trimming."""

    opening: str
    middle: str  # start marker + selection + end marker
    fence: str

    @classmethod
    def for_input(cls, inp: PromptInput) -> _Excerpt:
        longest = max(
            (
                len(m.group())
                for s in (inp.before, inp.selection, inp.after)
                for m in _BACKTICK_RUN_RE.finditer(s)
            ),
            default=2,
        )
        fence = "`" * max(3, longest + 1)
        if inp.selection:
            at_line_start = inp.before == "" or inp.before.endswith(("\n", "\r"))
            start = SELECTION_START + ("\n" if at_line_start else "")
            end = SELECTION_END + ("\n" if inp.selection.endswith(("\n", "\r")) else "")
            middle = start + inp.selection + end
        else:
            middle = ""
        return cls(opening=f"{fence}{inp.language}\n", middle=middle, fence=fence)

    def closing_newline(self, before_last: str, after_last: str) -> int:
        """1 when the excerpt's text does not end with a newline, so one is added.

        Takes only the last character of the kept ``before`` and ``after`` ("" when
        nothing is kept), so trimming can price it in constant time.
        """
        last = after_last or self.middle[-1:] or before_last
        return 0 if last == "\n" else 1

    def size(self, before: str, after: str) -> int:
        """``len(self.render(before, after))``, without building it."""
        newline = self.closing_newline(before[-1:], after[-1:])
        fixed = len(self.opening) + len(self.middle) + len(self.fence)
        return fixed + len(before) + len(after) + newline

    def render(self, before: str, after: str) -> str:
        newline = "\n" * self.closing_newline(before[-1:], after[-1:])
        return self.opening + before + self.middle + after + newline + self.fence


def template_problem(template: str) -> str | None:
    """Why settings must not use ``template`` (the end of a sentence), or ``None``."""
    if len(template) > MAX_TEMPLATE_CHARS:
        return f"is {len(template):,} characters long, over the limit of {MAX_TEMPLATE_CHARS:,}"
    uses = _uses(template)
    name, most = max(uses.items(), key=lambda item: item[1], default=("", 0))
    if most > MAX_USES_OF_ONE_PLACEHOLDER:
        return (
            f"uses {{{name}}} {most} times, more than the {MAX_USES_OF_ONE_PLACEHOLDER} "
            "allowed for one placeholder"
        )
    total = sum(uses.values())
    if total > MAX_PLACEHOLDERS:
        return f"holds {total} placeholders, more than the {MAX_PLACEHOLDERS} allowed"
    return None


def _uses(template: str) -> Counter[str]:
    return Counter(m.group(1) for m in _PLACEHOLDER_RE.finditer(template))


def _size(template: str, uses: Counter[str], sizes: dict[str, int]) -> int:
    """The length ``template`` renders to, from the lengths of the values alone."""
    placeholders = sum(n * (len(name) + 2) for name, n in uses.items())
    return len(template) - placeholders + sum(n * sizes[name] for name, n in uses.items())


def _render(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)


@dataclass(frozen=True)
class _Layout:
    """A template and its input, measured but not rendered."""

    template: str
    uses: Counter[str]
    values: dict[str, str]
    """Every placeholder's value, with ``before``, ``after`` and ``context`` empty."""
    excerpt: _Excerpt

    @classmethod
    def of(cls, inp: PromptInput, template: str | None) -> _Layout:
        if template is None or not template.strip():
            try:
                template = DEFAULT_TEMPLATES[inp.action]
            except KeyError:
                raise ValueError(f"unknown action {inp.action!r}") from None
        instruction = inp.instruction
        if not instruction.strip() and inp.action == "refactor":
            instruction = DEFAULT_REFACTOR_INSTRUCTION
        diagnostics = inp.diagnostics if inp.diagnostics.strip() else DEFAULT_DIAGNOSTICS
        values = {
            "language": inp.language,
            "path": inp.path,
            "before": "",
            "selection": inp.selection,
            "after": "",
            "instruction": instruction,
            "diagnostics": diagnostics,
            "context": "",
        }
        return cls(template, _uses(template), values, _Excerpt.for_input(inp))

    def size(self, before: str, after: str) -> int:
        """The rendered length with ``before`` and ``after`` kept, computed, not built."""
        sizes = {name: len(value) for name, value in self.values.items()}
        sizes.update(before=len(before), after=len(after), context=self.excerpt.size(before, after))
        return _size(self.template, self.uses, sizes)

    def render(self, before: str, after: str) -> str:
        values = dict(self.values)
        values.update(before=before, after=after, context=self.excerpt.render(before, after))
        return _render(self.template, values)


def rendered_size(inp: PromptInput, template: str | None) -> int:
    """How long ``build_prompt`` would make the prompt with all of the input's
    context kept, computed without building it."""
    return _Layout.of(inp, template).size(inp.before, inp.after)


def build_prompt(inp: PromptInput, template: str | None, max_chars: int) -> str:
    """Render ``template`` (the action's default when None or blank) within ``max_chars``.

    Raises :class:`PromptTooLarge` when even the prompt without context is too long,
    and :class:`ValueError` for an unknown action without a template.
    """
    layout = _Layout.of(inp, template)
    # The fixed size (no context); every kept context line then costs its length
    # times the number of placeholders that show it.
    fixed = layout.size("", "")
    if fixed > max_chars:
        raise PromptTooLarge(len(inp.selection), fixed, max_chars)
    uses = layout.uses
    before, after = _fill(
        inp.before,
        inp.after,
        max_chars - fixed,
        before_uses=uses["before"] + uses["context"],
        after_uses=uses["after"] + uses["context"],
        context_uses=uses["context"],
        excerpt=layout.excerpt,
    )
    return layout.render(before, after)


def _fill(
    before: str,
    after: str,
    room: int,
    *,
    before_uses: int,
    after_uses: int,
    context_uses: int,
    excerpt: _Excerpt,
) -> tuple[str, str]:
    """Keep the context lines nearest the selection, alternating sides, within ``room``.

    A side stops at its first line that does not fit, so what is kept is always a
    contiguous run of whole lines next to the selection (the partial lines touching a
    mid-line selection count as lines).
    """
    b = len(before)  # before[b:] is kept
    a = 0  # after[:a] is kept
    before_last = before[-1:]
    used = 0
    before_open = bool(before)
    after_open = bool(after)
    take_before = True
    while before_open or after_open:
        if take_before and before_open:
            start = before.rfind("\n", 0, b - 1) + 1 if b > 1 else 0
            after_last = after[a - 1 : a] if a else ""
            was_last = before_last if b < len(before) else ""
            cost = before_uses * (b - start) + context_uses * (
                excerpt.closing_newline(before_last, after_last)
                - excerpt.closing_newline(was_last, after_last)
            )
            if used + cost <= room:
                used += cost
                b = start
                before_open = b > 0
            else:
                before_open = False
        elif not take_before and after_open:
            newline = after.find("\n", a)
            end = len(after) if newline < 0 else newline + 1
            kept_last = before_last if b < len(before) else ""
            cost = after_uses * (end - a) + context_uses * (
                excerpt.closing_newline(kept_last, after[end - 1 : end])
                - excerpt.closing_newline(kept_last, after[a - 1 : a] if a else "")
            )
            if used + cost <= room:
                used += cost
                a = end
                after_open = a < len(after)
            else:
                after_open = False
        take_before = not take_before
    return before[b:], after[:a]


def context_window(
    text: str, start: int, end: int, lines_before: int, lines_after: int
) -> tuple[str, str]:
    """The text around ``text[start:end]``: up to ``lines_before`` / ``lines_after`` lines.

    ``before`` runs from the start of the line ``lines_before`` lines above the
    selection's first line up to ``start``; ``after`` runs from ``end`` through the end
    (newline included) of the line ``lines_after`` lines below the selection's last
    line.  A selection ending just after a newline ends its last line there.  Only the
    lines needed are scanned, so this is cheap on large documents.
    """
    first = text.rfind("\n", 0, start) + 1
    for _ in range(max(lines_before, 0)):
        if first == 0:
            break
        first = text.rfind("\n", 0, first - 1) + 1
    if end > start and text[end - 1] == "\n":
        last = end
    else:
        newline = text.find("\n", end)
        last = len(text) if newline < 0 else newline + 1
    for _ in range(max(lines_after, 0)):
        if last >= len(text):
            break
        newline = text.find("\n", last)
        last = len(text) if newline < 0 else newline + 1
    return text[first:start], text[end:last]
