"""Planning a document change from an answer: one place for the editor and ``ask``.

A *renderer* turns the answer so far into what the job's target range should
hold (``None``: nothing to write yet).  For a refactor, a fix or an ``ask``
edit only code reaches the document (fences and prose stripped, indentation
fitted to the selection); for ``document`` only the doc comment, in the
language's own form, at the place tree-sitter finds.  The language server's
edit writer and ``poe-lsp ask --apply`` both take their renderer from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import docs
from .fences import extract_code, fit_to_selection
from .textdoc import Span

Renderer = Callable[[str, bool], "str | None"]
"""``(answer so far, final) -> what the target range should hold`` (None: nothing yet)."""


def code_renderer(original: str, line_prefix: str) -> Renderer:
    """Only code reaches the document: fences and prose stripped, fitted to the selection."""

    def render(answer: str, final: bool) -> str | None:
        code = extract_code(answer, final=final)
        if code is None:
            return None
        return fit_to_selection(code, original, line_prefix, final=final)

    return render


FALLBACK_INSTRUCTION = (
    "Add documentation comments, in the idiom of this language, to the definitions in the "
    "selection. Do not change the code itself: keep every line of code exactly as it is."
)


def instruction_for(target: docs.DocTarget) -> str:
    """What the document prompt says about the definition: its name, style, current doc."""
    parts = [f"The definition to document is the {target.kind} `{target.name}`."]
    if target.style:
        style = STYLE_NAMES.get(target.style, target.style)
        parts.append(f"The file's other docstrings use the {style} style: follow it.")
    if target.existing:
        parts.append(
            "Its current documentation, to improve and keep where still true:\n"
            + target.existing.strip()
        )
    else:
        parts.append("It has no documentation yet.")
    return "\n".join(parts)


STYLE_NAMES = {
    "google": "Google (Args:/Returns:/Raises: sections)",
    "numpy": "NumPy (Parameters/Returns sections underlined with dashes)",
    "rest": "reStructuredText (:param x: / :returns: fields)",
}


@dataclass(frozen=True)
class DocPlan:
    """Where a doc comment goes and how the answer becomes it."""

    target: docs.DocTarget
    span: Span
    """What the job replaces: the existing doc comment, or an empty span where one goes."""
    prompt_span: Span
    """What the prompt shows as the selection: the whole definition."""
    instruction: str
    render: Renderer
    """Renders only the final answer: a half-written doc comment helps nobody."""


def plan_document(text: str, language: str, start: int, end: int) -> DocPlan | None:
    """The doc-comment plan for the definition enclosing ``start``-``end``, if any."""
    target = docs.find_doc_target(text, language, start, end)
    if target is None:
        return None
    definition = text[target.definition[0] : target.definition[1]]
    newline = "\r\n" if "\r\n" in definition else "\n"

    def render(answer: str, final: bool) -> str | None:
        return docs.render_doc(answer, target, newline=newline) if final else None

    return DocPlan(
        target=target,
        span=Span(*target.replace),
        prompt_span=Span(*target.definition),
        instruction=instruction_for(target),
        render=render,
    )
